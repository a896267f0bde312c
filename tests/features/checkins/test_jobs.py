"""The due tick: right instants in every zone, DST, catch-up, restarts, reminders, misses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage
from bot.features.checkins.models import CheckinPeriod
from tests.conftest import ConsoleHarness
from tests.features.checkins.conftest import as_member, periods, posted, schedule, tick_until


async def test_members_on_both_sides_of_the_date_line(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    # Mon 2 March 08:00 UTC. Tonga is UTC+13, Honolulu UTC−10: both want 09:00 local.
    await as_member(console, "tevita", "checkin schedule daily 09:00 --tz Pacific/Tongatapu")
    await as_member(console, "kai", "checkin schedule daily 09:00 --tz Pacific/Honolulu")
    await tick_until(app, clock, timedelta(hours=13), step=timedelta(minutes=30))
    prompts = await posted(app, "checkin:")
    tevita, kai = await schedule(app, "tevita"), await schedule(app, "kai")
    assert [(p.key, p.target) for p in prompts] == [
        (f"checkin:{kai.member_id}:2026-03-02", "kai"),  # 19:00 UTC = 09:00 Mon in Honolulu
        (f"checkin:{tevita.member_id}:2026-03-03", "tevita"),  # 20:00 UTC = 09:00 Tue in Tonga
    ]
    assert [p.starts_at for p in await periods(app, "kai")] == [
        datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    ]
    assert [p.starts_at for p in await periods(app, "tevita")] == [
        datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    ]
    assert tevita.next_due_at == datetime(2026, 3, 3, 20, 0, tzinfo=UTC)
    assert kai.next_due_at == datetime(2026, 3, 3, 19, 0, tzinfo=UTC)


async def test_spring_forward_day_prompts_exactly_once(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 7, 0, 0, tzinfo=UTC))
    await as_member(console, "nora", "checkin schedule daily 02:30 --tz America/New_York")
    # Hourly ticks, and every 5 minutes through the hour the clocks jump.
    await tick_until(app, clock, timedelta(days=1, hours=7), step=timedelta(hours=1))
    await tick_until(app, clock, timedelta(hours=1), step=timedelta(minutes=5))
    await tick_until(app, clock, timedelta(days=1, hours=16), step=timedelta(hours=1))
    starts = [p.starts_at for p in await periods(app, "nora")]
    assert starts == [
        datetime(2026, 3, 7, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 03:30 EDT: 02:30 did not exist
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC),
    ]
    keys = [p.key.rsplit(":", 1)[1] for p in await posted(app, "checkin:")]
    assert keys == ["2026-03-07", "2026-03-08", "2026-03-09"]


async def test_restart_during_the_due_minute(
    console: ConsoleHarness, app: App, clock: ManualClock, settings: Settings
) -> None:
    await as_member(console, "ines", "checkin schedule daily 09:00")
    clock.set(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC))
    second = App(settings, clock=clock)
    try:
        # Both processes run the tick in the same minute, even at the same moment: one prompt.
        await asyncio.gather(
            app.scheduler.run_tick("checkins.due"), second.scheduler.run_tick("checkins.due")
        )
        await second.scheduler.run_tick("checkins.due")
        assert len(await posted(app, "checkin:")) == 1
        assert len(await periods(app, "ines")) == 1
        # A process that dies before its tick commits loses nothing: the next one catches up.
        clock.set(datetime(2026, 3, 3, 9, 0, 10, tzinfo=UTC))
        clock.advance(timedelta(minutes=2))  # the first process is gone; the new one starts late
        await second.scheduler.run_tick("checkins.due")
        await second.scheduler.run_tick("checkins.due")
        assert [p.key.rsplit(":", 1)[1] for p in await posted(app, "checkin:")] == [
            "2026-03-02",
            "2026-03-03",
        ]
    finally:
        await second.close()
    out = await console.say("/wait 10m")
    assert out.count("── DM to @ines ──") == 2


async def test_outage_longer_than_grace_skips_stale_prompts(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await as_member(console, "omar", "checkin schedule daily 09:00")
    clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))  # down since Monday morning
    await app.scheduler.run_tick("checkins.due")
    assert [p.key.rsplit(":", 1)[1] for p in await posted(app, "checkin:")] == ["2026-03-04"]
    assert (await schedule(app, "omar")).next_due_at == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


async def test_one_reminder_per_period_and_none_when_off(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await as_member(console, "rosa", "checkin schedule daily 09:00")
    await console.say("admin set checkin-reminders 1 --after 2h")
    await tick_until(app, clock, timedelta(hours=8), step=timedelta(minutes=30))
    reminders = await posted(app, "checkin-remind:")
    assert len(reminders) == 1 and "still open" in reminders[0].text
    first_period = (await periods(app, "rosa"))[0]
    created = await _created_at(app, reminders[0].key)
    assert created - first_period.starts_at >= timedelta(hours=2)
    # Answer today's; tomorrow the member answers before the reminder time: no reminder.
    await tick_until(app, clock, timedelta(hours=17), step=timedelta(minutes=30))
    await as_member(console, "rosa", "checkin log 'quick notes'")
    await tick_until(app, clock, timedelta(hours=6), step=timedelta(minutes=30))
    assert len(await posted(app, "checkin-remind:")) == 1
    assert "Check-in reminders are off" in await console.say("admin set checkin-reminders 0")
    await tick_until(app, clock, timedelta(days=1), step=timedelta(minutes=30))
    assert len(await posted(app, "checkin-remind:")) == 1
    # Turned off while a check-in waits for its reminder: it never comes.
    await console.say("admin set checkin-reminders 1 --after 2h")
    await tick_until(app, clock, timedelta(hours=18, minutes=30), step=timedelta(minutes=30))
    assert (await periods(app, "rosa"))[-1].remind_at is not None
    await console.say("admin set checkin-reminders 0")
    await tick_until(app, clock, timedelta(hours=4), step=timedelta(minutes=30))
    assert len(await posted(app, "checkin-remind:")) == 1
    assert "never more than one" in await console.say("admin set checkin-reminders help")
    assert "at most 1" in await console.say("admin set checkin-reminders 3")


async def _created_at(app: App, key: str) -> datetime:
    async with app.session_factory() as session:
        return (
            await session.execute(
                select(OutboxMessage.created_at).where(OutboxMessage.dedupe_key == key)
            )
        ).scalar_one()


async def test_unanswered_period_becomes_missed_when_the_next_starts(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await as_member(console, "li", "checkin schedule daily 09:00")
    await tick_until(app, clock, timedelta(hours=2), step=timedelta(minutes=30))
    [first] = await periods(app, "li")
    assert first.status == "open"
    await tick_until(app, clock, timedelta(hours=23, minutes=10), step=timedelta(minutes=30))
    statuses = [p.status for p in await periods(app, "li")]
    assert statuses == ["missed", "open"]
    late = await as_member(console, "li", "checkin log 'late'")
    assert "Progress is progress" in late  # counts for the open (newest) period
    async with app.session_factory() as session:
        rows = list(
            (await session.execute(select(CheckinPeriod).order_by(CheckinPeriod.id))).scalars()
        )
    assert [(r.status, r.did) for r in rows] == [("missed", None), ("progress", "late")]
