"""Every scheduled tick skips a community Pivot was removed from (its Discord server left, its
Slack app uninstalled): two weeks of ticks write no post there, and once Pivot is back they do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage, community_removed, community_returned
from tests.conftest import ConsoleHarness
from tests.features.checkins.conftest import as_member


async def outbox_kinds(app: App) -> dict[str, int]:
    async with app.session_factory() as session:
        rows = (await session.execute(
            select(OutboxMessage.dedupe_key))).scalars()
        kinds: dict[str, int] = {}
        for key in rows:
            kind = key.split(":", 1)[0]
            kinds[kind] = kinds.get(kind, 0) + 1
        return kinds


async def walk(app: App, clock: ManualClock, days: int) -> None:
    """Run every tick every three hours (and at each challenge and check-in time) for `days`."""
    for _ in range(days * 8):
        clock.advance(timedelta(hours=3))
        await app.scheduler.run_all()


async def test_ticks_write_nothing_for_a_removed_community_and_resume_when_it_returns(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("admin set channel challenge #ml-daily", "admin set channel checkins #checkins",
                      "admin set digest-time mon 10:00", "admin set channel buddies #buddies",
                      "admin set channel mock #mock", "admin buddies day mon 10:00",
                      "admin mock day mon 12:00")
    for name in ("bruno", "chen", "dia", "eve"):
        await as_member(console, name, "checkin schedule daily 09:00",
                        "buddy join --level beginner --focus math --tz UTC",
                        "mock join --type ml-theory --windows 09:00-21:00",
                        'apply add Acme "ML engineer"',
                        'project add "Log anomaly detector" --problem "Pages at night"')
    clock.set(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    async with app.session_factory() as session:
        before = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
        assert await community_removed(session, "console", "local", now=clock.now(), reason="removed") == before
        await session.commit()

    await walk(app, clock, 14)
    async with app.session_factory() as session:
        after = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert after == before, await outbox_kinds(app)

    # Back again: the same ticks post there (so the check above could have failed).
    async with app.session_factory() as session:
        await community_returned(session, "console", "local")
        await session.commit()
    await walk(app, clock, 8)
    kinds = await outbox_kinds(app)
    assert {"challenge", "challenge-reveal", "checkin", "checkin-remind", "checkin-nudge", "digest",
            "buddy-intro", "buddy-followup", "mock-intro", "mock-brief", "mock-form", "jobs-nudge",
            "project-nudge"} <= set(kinds), kinds
