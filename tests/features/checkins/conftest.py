"""Helpers for check-in tests: members, schedules and a look at what was posted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Member
from bot.features.checkins.models import CheckinPeriod, CheckinSchedule
from tests.conftest import ConsoleHarness


@dataclass
class Posted:
    key: str
    kind: str
    target: str
    text: str
    buttons: list[str]


async def posted(app: App, prefix: str = "") -> list[Posted]:
    async with app.session_factory() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [
            Posted(
                r.dedupe_key,
                r.kind,
                r.target,
                (r.payload.get("title") or "") + "\n" + r.payload["text"],
                [b["action"] for b in r.payload["buttons"]],
            )
            for r in rows
            if r.dedupe_key.startswith(prefix)
        ]


async def periods(app: App, name: str | None = None) -> list[CheckinPeriod]:
    async with app.session_factory() as session:
        stmt = select(CheckinPeriod).order_by(CheckinPeriod.starts_at)
        if name is not None:
            stmt = stmt.join(Member, Member.id == CheckinPeriod.member_id).where(
                Member.platform_user_id == name
            )
        return list((await session.execute(stmt)).scalars())


async def schedule(app: App, name: str) -> CheckinSchedule:
    async with app.session_factory() as session:
        return (
            await session.execute(
                select(CheckinSchedule)
                .join(Member, Member.id == CheckinSchedule.member_id)
                .where(Member.platform_user_id == name)
            )
        ).scalar_one()


async def tick_until(
    app: App, clock: ManualClock, delta: timedelta, step: timedelta = timedelta(minutes=1)
) -> None:
    """Move time in small steps, running every tick each step (as the scheduler would)."""
    end = clock.now() + delta
    while clock.now() < end:
        clock.advance(min(step, end - clock.now()))
        await app.scheduler.run_all()


async def as_member(console: ConsoleHarness, name: str, *lines: str) -> str:
    await console.as_member(name)
    out = await console.say(*lines)
    await console.say("/as")
    return out


@pytest.fixture
def harness(console: ConsoleHarness) -> ConsoleHarness:
    return console
