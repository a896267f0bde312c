"""Forget means forget: after `privacy forget`, no table's text or JSON column anywhere holds
the member's name, platform id or words — not even posts others received that quoted them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, String, Text, cast, or_, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.db import Base
from bot.core.dispatch import Caller
from bot.features import import_models
from tests.conftest import ConsoleHarness
from tests.features.checkins.conftest import as_member, schedule

NAME = "zelda-quokka"
GOAL = "Quokka-distinctive-goal 4411"
BLOCKER = "Quokka-blocker-5522 in my pipeline"


async def _press(app: App, name: str, status: str) -> None:
    period_id = (await schedule(app, name)).current_period_id
    caller = Caller("console", "local", name, name, "Test group")
    reply = await app.dispatcher.run_action(caller, f"checkin.answer:{period_id}:{status}")
    assert not reply.error, reply.text


async def _mentions(app: App, needles: list[str]) -> list[str]:
    import_models()
    found = []
    async with app.session_factory() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text | JSON)]
            for column in columns:
                hit = (await session.execute(
                    select(cast(column, Text)).where(
                        or_(*(cast(column, Text).contains(n) for n in needles))).limit(1)
                )).scalar_one_or_none()
                if hit is not None:
                    found.append(f"{table.name}.{column.name}: {hit[:120]}")
    return found


async def test_forget_leaves_no_trace_in_any_table(console: ConsoleHarness, app: App,
                                                   clock: ManualClock) -> None:
    await console.say("admin set channel checkins #checkins", "admin set digest-time mon 10:00",
                      "admin set channel buddies #buddies", "admin set channel questions #questions")
    await as_member(console, NAME, f'goal add "{GOAL}"', "checkin schedule daily 09:00",
                    "checkin share on", "buddy join --level beginner --focus math --tz UTC",
                    "roadmap check basics-1", "challenge practice --topic probability",
                    'project add "Quokka-project anomaly detector" --problem "Quokka-problem logs"',
                    'project log 1 "Quokka-devlog first baseline trained"',
                    'apply add QuokkaCorp "Quokka-role ML engineer"',
                    "helper on --topics probability",
                    "mock join --type ml-theory --windows 18:00-20:00",
                    'ask "Quokka-question about variance" --topic probability --details "Quokka-details here"')
    await as_member(console, "bruno", "checkin schedule daily 09:00", "checkin share on",
                    "buddy join --level beginner --focus math --tz UTC")
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    await app.scheduler.run_tick("checkins.due")
    await _press(app, NAME, "blocked")
    await as_member(console, NAME, f"checkin log 'tried colab' --blocked '{BLOCKER}'")
    await as_member(console, "ada", "admin buddies run-now")
    clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    await app.scheduler.run_all()
    clock.advance(timedelta(minutes=5))
    await app.scheduler.run_all()
    before = await _mentions(app, [NAME, "Quokka"])
    # The seed reached the places forgetting must clean: the digest post and the buddy intro.
    assert any(f.startswith("outbox.payload") for f in before), before
    # … and the newer features' own tables hold the member's words too.
    tables = {f.split(".", 1)[0] for f in before}
    assert {"projects", "project_logs"} <= tables and any(t.startswith("ask_") for t in tables), tables
    assert any(t.startswith("job") or t.startswith("apply") for t in tables), tables

    out = await as_member(console, NAME, "privacy forget", "1")
    assert "Pivot has forgotten you here" in out
    assert await _mentions(app, [NAME, "Quokka"]) == []
    # Others keep what is theirs.
    assert "bruno" in str(await _mentions(app, ["bruno"]))
