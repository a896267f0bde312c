"""The shared simulated clock (`clock.source = "database"`): every process on the database
follows the offset a test moves, runs the ticks that fell due by that clock, and says so; it
is refused against a real platform."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.__main__ import main
from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.clockstate import SharedClock, caught_up, set_shared_offset
from bot.core.db import make_engine, make_session_factory
from bot.core.scheduler import Scheduler, Tick, TickContext

POLL = 0.02


async def test_two_processes_follow_the_offset_run_their_ticks_and_acknowledge(database_url: str) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    seen: list[list[datetime]] = [[], []]
    first = [asyncio.Event(), asyncio.Event()]
    # One process's clock as `clock.source = "database"` makes it, one built directly.
    app = App(Settings(database={"url": database_url}, clock={"source": "database", "poll_seconds": POLL}))
    assert isinstance(app.clock, SharedClock) and app.clock.poll_seconds == POLL
    clocks = [app.clock, SharedClock(factory, poll_seconds=POLL)]

    def recorder(clock: SharedClock, moments: list[datetime], event: asyncio.Event) -> Callable[[], Awaitable[None]]:
        async def ticks() -> None:  # what the scheduler's `clock_moved` does: run due ticks
            moments.append(clock.now())
            event.set()

        return ticks

    for clock, moments, event in zip(clocks, seen, first, strict=True):
        clock.on_move(recorder(clock, moments, event))
    try:
        async with factory() as session, session.begin():
            await set_shared_offset(session, timedelta(days=30))
        for clock in clocks:
            await clock.start()
            # Loaded before `start` returns: nothing asks the time before the offset is known.
            assert clock.now() - datetime.now(UTC) > timedelta(days=29, hours=23)
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in first)), 5)
        async with factory() as session, session.begin():
            await set_shared_offset(session, timedelta(days=31))

        async def acknowledged() -> int:
            async with factory() as session:
                return await caught_up(session, timedelta(days=31))

        for _ in range(250):
            if await acknowledged() == 2:
                break
            await asyncio.sleep(POLL)
        assert await acknowledged() == 2
        # Each process ran its callbacks at the new time before acknowledging it.
        for moments in seen:
            assert moments[-1] - datetime.now(UTC) > timedelta(days=30, hours=23)
    finally:
        for clock in clocks:
            await clock.close()
        await app.close()
        await engine.dispose()
    async with make_session_factory(engine := make_engine(database_url))() as session:
        assert await caught_up(session, timedelta(days=31)) == 0, "a clean stop removes its row"
    await engine.dispose()


async def test_a_moved_clock_runs_each_tick_at_its_own_interval(app: App, clock: ManualClock) -> None:
    ran: list[str] = []

    def tick(name: str) -> Tick:
        async def run(_tc: TickContext) -> None:
            ran.append(name)

        return Tick(name, {"minute": timedelta(minutes=1), "hourly": timedelta(hours=1)}[name], run)

    scheduler = Scheduler([tick("minute"), tick("hourly")], app.scheduler.context)
    await scheduler.clock_moved()
    assert ran == ["minute", "hourly"]
    clock.advance(timedelta(minutes=15))
    await scheduler.clock_moved()
    assert ran[2:] == ["minute"], "the hourly tick waits for its hour, by the moved clock"
    clock.advance(timedelta(minutes=45))
    await scheduler.clock_moved()
    assert ran[3:] == ["minute", "hourly"]
    scheduler.shutdown()
    clock.advance(timedelta(hours=2))
    await scheduler.clock_moved()
    assert ran[5:] == [], "nothing runs after shutdown"


def test_the_simulated_clock_is_refused_against_a_real_platform(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = Settings(clock={"source": "database"}, discord={"token": "t"})
    assert real.clock_refusal() is not None and "discord.api_url" in real.clock_refusal()  # type: ignore[operator]
    fake = Settings(clock={"source": "database"}, discord={"token": "t", "api_url": "http://127.0.0.1:9/api"},
                    slack={"bot_token": "xoxb-1", "api_url": "http://127.0.0.1:9/api/"})
    assert fake.clock_refusal() is None
    assert Settings(discord={"token": "t"}).clock_refusal() is None  # the system clock, as always
    for name in [n for n in os.environ if n.startswith("PIVOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIVOT_CLOCK_SOURCE", "database")
    monkeypatch.setenv("PIVOT_SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("PIVOT_SLACK_SIGNING_SECRET", "s")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "clock.source" in err and "slack.api_url" in err
