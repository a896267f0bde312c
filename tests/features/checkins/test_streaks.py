"""Streak rules, pause/resume, and the roadmap's consistent-habit milestone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.dispatch import Caller
from bot.core.messages import Reply
from bot.features.roadmap.models import MilestoneCheck
from tests.conftest import ConsoleHarness
from tests.features.checkins.conftest import as_member, periods, schedule


def _caller(name: str) -> Caller:
    return Caller(
        platform="console",
        community_id="local",
        user_id=name,
        display_name=name,
        community_name="Test group",
    )


async def _next_prompt(app: App, clock: ManualClock, name: str) -> int:
    """Move to the member's next due instant, run the due tick, return the new period's id."""
    clock.set((await schedule(app, name)).next_due_at)  # type: ignore[arg-type]
    await app.scheduler.run_tick("checkins.due")
    return (await schedule(app, name)).current_period_id  # type: ignore[return-value]


async def _press(app: App, name: str, period_id: int, status: str) -> Reply:
    return await app.dispatcher.run_action(_caller(name), f"checkin.answer:{period_id}:{status}")


async def test_streak_rules(console: ConsoleHarness, app: App, clock: ManualClock) -> None:
    await as_member(console, "sam", "checkin schedule daily 09:00")
    seen = []
    for status in ("done", "progress", "skipped", "done"):
        reply = await _press(app, "sam", await _next_prompt(app, clock, "sam"), status)
        row = await schedule(app, "sam")
        seen.append((row.current_streak, row.best_streak))
    assert "No harm to your streak" not in reply.text
    assert seen == [(1, 1), (2, 2), (2, 2), (3, 3)]

    # A pause (a vacation) does not break it: Thursday 5 March, paused three days.
    assert "paused through 2026-03-07" in await as_member(console, "sam", "checkin pause --days 3")
    pid = await _next_prompt(app, clock, "sam")
    assert clock.now() == datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    await _press(app, "sam", pid, "done")
    assert (await schedule(app, "sam")).current_streak == 4

    # Missing one ends it (best is kept); Blocked does not start a new one.
    await _next_prompt(app, clock, "sam")  # Monday 9th: no answer
    pid = await _next_prompt(app, clock, "sam")
    row = await schedule(app, "sam")
    assert (row.current_streak, row.best_streak) == (0, 4)
    await _press(app, "sam", pid, "blocked")
    pid = await _next_prompt(app, clock, "sam")
    reply = await _press(app, "sam", pid, "progress")
    assert "Streak: **1** (best 4)" in reply.text
    # Changing today's answer re-counts: a skip is neutral, so the streak is 0 again.
    await _press(app, "sam", pid, "skipped")
    assert (await schedule(app, "sam")).current_streak == 0
    statuses = [(p.local_date.day, p.status) for p in await periods(app, "sam")]
    assert statuses == [
        (2, "done"),
        (3, "progress"),
        (4, "skipped"),
        (5, "done"),
        (8, "done"),
        (9, "missed"),
        (10, "blocked"),
        (11, "skipped"),
    ]


async def test_old_buttons_and_other_members(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await as_member(console, "ana", "checkin schedule daily 09:00")
    first = await _next_prompt(app, clock, "ana")
    refused = await _press(app, "mallory", first, "done")
    assert refused.error and refused.text == "This isn't yours to answer."
    await _next_prompt(app, clock, "ana")
    closed = await _press(app, "ana", first, "done")
    assert closed.error and "has closed" in closed.text
    assert [p.status for p in await periods(app, "ana")] == ["missed", "open"]


async def test_pause_and_resume(console: ConsoleHarness, app: App, clock: ManualClock) -> None:
    await as_member(console, "pia", "checkin schedule weekdays 18:00")
    pid = await _next_prompt(app, clock, "pia")  # Monday 18:00, unanswered
    assert "(one of them)" in await as_member(console, "pia", "checkin pause")
    assert "(one of them)" in await as_member(
        console, "pia", "checkin pause --days 2 --until 2026-03-20"
    )
    assert "is in the past" in await as_member(console, "pia", "checkin pause --until 2026-03-01")
    out = await as_member(console, "pia", "checkin pause --until 2026-03-15")
    assert "paused through 2026-03-15" in out and "Mon 16 Mar 18:00" in out
    row = await schedule(app, "pia")
    assert (row.paused_until, row.next_due_at) == (
        date(2026, 3, 16),
        datetime(2026, 3, 16, 18, 0, tzinfo=UTC),
    )
    # The unanswered period is excused, not missed, and nothing is prompted during the pause.
    assert [p.status for p in await periods(app, "pia")] == ["paused"]
    assert "paused through 2026-03-15" in await as_member(console, "pia", "checkin")
    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    await app.scheduler.run_tick("checkins.due")
    assert len(await periods(app, "pia")) == 1
    closed = await _press(app, "pia", pid, "done")
    assert closed.error and "closed when you paused" in closed.text
    assert "Welcome back" in await as_member(console, "pia", "checkin resume")
    assert (await schedule(app, "pia")).next_due_at == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    assert "aren't paused" in await as_member(console, "pia", "checkin resume")
    assert "Check-ins are off" in await as_member(console, "pia", "checkin off")
    assert (await schedule(app, "pia")).next_due_at is None
    assert "already off" in await as_member(console, "pia", "checkin off")
    assert "Status: off" in await as_member(console, "pia", "checkin show")


async def test_four_week_streak_checks_the_roadmap_milestone(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await as_member(console, "wei", "checkin schedule weekly 18:30 --day fri --tz Europe/Berlin")
    replies = [
        await _press(app, "wei", await _next_prompt(app, clock, "wei"), "done") for _ in range(4)
    ]
    assert clock.now() == datetime(2026, 3, 27, 17, 30, tzinfo=UTC)
    assert all("Roadmap milestone" not in r.text for r in replies[:3])
    assert "🏅 Roadmap milestone checked" in replies[3].text
    async with app.session_factory() as session:
        checks = list((await session.execute(select(MilestoneCheck.source))).scalars())
    assert checks == ["auto"]
    # Next time it is already checked: no second announcement.
    again = await _press(app, "wei", await _next_prompt(app, clock, "wei"), "done")
    assert "Roadmap milestone" not in again.text and "Streak: **5**" in again.text
    assert clock.now() == datetime(
        2026, 4, 3, 16, 30, tzinfo=UTC
    )  # 18:30 in Berlin, now summer time
