"""A tick writes a due post once — when it runs twice, late, or not until after downtime —
and the post is sent once. The tick here is the pattern every feature's tick follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.messages import Reply
from bot.core.outbox import OutboxMessage, Target, enqueue
from bot.core.scheduler import Scheduler, Tick, TickContext
from bot.core.tenancy import Community, ensure_community
from tests.core.test_outbox import ScriptedPlatform

DUE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def daily_post(tc: TickContext) -> None:
    now = tc.clock.now()
    async with tc.session_factory() as session:
        for community in (await session.execute(select(Community))).scalars():
            due = datetime.combine(now.date(), community.challenge_time, tzinfo=UTC)
            if tc.in_grace(due, now):
                await enqueue(session, community, Target.in_channel("daily"), Reply(text="today's post"),
                              dedupe_key=f"daily:{community.id}:{now.date()}", now=now)
        await session.commit()


def _scheduler(app: App) -> Scheduler:
    return Scheduler([Tick("daily", timedelta(minutes=1), daily_post)], app.scheduler.context,
                     after_tick=app.outbox.wake)


async def _setup(app: App) -> ScriptedPlatform:
    async with app.session_factory() as session:
        await ensure_community(session, "test", "c1")
        await session.commit()
    platform = ScriptedPlatform()
    app.outbox.senders["test"] = platform
    return platform


async def _posts(app: App) -> list[OutboxMessage]:
    async with app.session_factory() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())


async def test_due_post_written_once_when_tick_runs_twice(app: App, clock: ManualClock) -> None:
    platform = await _setup(app)
    scheduler = _scheduler(app)
    clock.set(DUE - timedelta(minutes=1))
    await scheduler.run_tick("daily")
    assert await _posts(app) == []
    clock.set(DUE)
    await scheduler.run_tick("daily")
    await scheduler.run_tick("daily")
    await _scheduler(app).run_tick("daily")  # a second process
    assert len(await _posts(app)) == 1
    await app.outbox.run_once()
    await app.outbox.run_once()
    assert len(platform.posts) == 1


async def test_late_tick_catches_up_within_grace_only(app: App, clock: ManualClock) -> None:
    await _setup(app)
    clock.set(DUE + timedelta(minutes=app.settings.scheduler.grace_minutes - 1))
    await _scheduler(app).run_tick("daily")
    assert len(await _posts(app)) == 1
    # The next day, the bot was down until long after the post time: that day is skipped, not posted stale.
    clock.set(DUE + timedelta(days=1, minutes=app.settings.scheduler.grace_minutes + 1))
    await _scheduler(app).run_tick("daily")
    assert len(await _posts(app)) == 1


async def test_a_failing_tick_does_not_stop_the_others(app: App) -> None:
    ran: list[str] = []

    async def broken(tc: TickContext) -> None:
        raise RuntimeError("boom")

    async def fine(tc: TickContext) -> None:
        ran.append("fine")

    scheduler = Scheduler([Tick("broken", timedelta(minutes=1), broken), Tick("fine", timedelta(minutes=1), fine)],
                          app.scheduler.context)
    await scheduler.run_all()
    assert ran == ["fine"]


async def test_apscheduler_runs_ticks_periodically(app: App) -> None:
    import asyncio

    seen = asyncio.Event()

    async def mark(tc: TickContext) -> None:
        seen.set()

    scheduler = Scheduler([Tick("mark", timedelta(seconds=30), mark)], app.scheduler.context)
    scheduler.start()
    try:
        await asyncio.wait_for(seen.wait(), timeout=10)
    finally:
        await scheduler.drain()


async def test_tick_seconds_sets_the_base_cadence(app: App) -> None:
    app.settings.scheduler.tick_seconds = 5
    scheduler = Scheduler(
        [Tick("fast", timedelta(minutes=1), daily_post), Tick("slow", timedelta(minutes=10), daily_post)],
        app.scheduler.context,
    )
    scheduler.start()
    try:
        assert scheduler._aps is not None
        intervals = {job.id: job.trigger.interval for job in scheduler._aps.get_jobs()}
        assert intervals == {"fast": timedelta(seconds=5), "slow": timedelta(minutes=10)}
    finally:
        await scheduler.drain()
