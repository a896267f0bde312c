"""APScheduler wiring: a few periodic ticks, never a job per member.

A tick asks the store what is due and writes posts into the outbox with unique
dedupe keys, so running it twice, late, or in two processes posts nothing twice.
Work missed while the bot was down is caught up when it is still within the
grace window (`scheduler.grace_minutes`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.metrics import TICK_SECONDS, timed

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)


@dataclass
class TickContext:
    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings
    resources: Mapping[str, Any] = field(default_factory=dict)
    # platform -> what members type before a command there; filled as adapters attach.
    prefixes: Mapping[str, str] = field(default_factory=dict)

    def prefix(self, platform: str) -> str:
        """For command hints in scheduled posts (`challenge answer …` vs `/pivot challenge answer …`)."""
        return self.prefixes.get(platform, "")

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.settings.scheduler.grace_minutes)

    def in_grace(self, due_at: datetime, now: datetime) -> bool:
        """Due and not so long ago that posting now would be stale."""
        return due_at <= now <= due_at + self.grace


TickFn = Callable[[TickContext], Awaitable[None]]


@dataclass(frozen=True)
class Tick:
    name: str
    every: timedelta
    run: TickFn


class Scheduler:
    def __init__(self, ticks: Sequence[Tick], context: TickContext,
                 after_tick: Callable[[], None] | None = None) -> None:
        self.ticks = {t.name: t for t in ticks}
        self.context = context
        self.after_tick = after_tick
        # When a tick last finished (monotonic seconds), for readiness; None before the first.
        self.last_tick_at: float | None = None
        self.started_at: float | None = None
        self._aps: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[None]] = set()
        # When each tick last started, by the ticks' clock (for `clock_moved`).
        self._last_run: dict[str, datetime] = {}
        self._paused = False

    def interval(self, tick: Tick) -> float:
        """Seconds between runs: ticks declared every minute (the base cadence) run every
        `scheduler.tick_seconds`; slower ones keep their interval, never below it."""
        base = float(self.context.settings.scheduler.tick_seconds)
        if tick.every <= timedelta(minutes=1):
            return base
        return max(tick.every.total_seconds(), base)

    def start(self) -> None:
        self.started_at = time.monotonic()
        self._aps = AsyncIOScheduler(timezone="UTC")
        for tick in self.ticks.values():
            seconds = self.interval(tick)
            self._aps.add_job(
                self.run_tick,
                IntervalTrigger(seconds=seconds),
                args=[tick.name],
                id=tick.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(int(seconds), 1),
                # APScheduler runs on the wall clock, whatever clock the ticks reason with: a
                # first run time from a moved clock (tests, console /wait) would make it replay
                # every interval in between, blocking the event loop.
                next_run_time=datetime.now(UTC),
            )
        self._aps.start()
        log.debug("scheduler started with ticks: %s", ", ".join(self.ticks) or "none")

    def shutdown(self) -> None:
        """Start no more ticks (ticks already running are left to finish: see `drain`)."""
        self._paused = True
        if self._aps is not None and self._aps.running:
            self._aps.pause()

    async def drain(self, grace: float = 10.0) -> None:
        """Stop scheduling, and wait for running ticks to commit or roll back (graceful exit)."""
        self.shutdown()
        if self._running:
            _, late = await asyncio.wait(self._running, timeout=grace)
            for task in late:
                task.cancel()
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)

    async def run_tick(self, name: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        self._last_run[name] = self.context.clock.now()
        try:
            with timed(TICK_SECONDS, name):
                await self.ticks[name].run(self.context)
        except Exception:
            log.exception("tick %s failed; it runs again at its next interval", name)
        finally:
            if task is not None:
                self._running.discard(task)
            self.last_tick_at = time.monotonic()
        if self.after_tick is not None:
            self.after_tick()

    async def clock_moved(self) -> None:
        """The clock jumped (a simulated clock, `clock.source = "database"`): run each tick whose
        own interval has passed by that clock since it last ran — as if the wall clock had run
        the ticks all along, at the cadence they declare — and return when they are done."""
        now = self.context.clock.now()
        due = [name for name, tick in self.ticks.items()
               if (last := self._last_run.get(name)) is None or now - last >= tick.every]
        if due and not self._paused:
            # Concurrently, as the scheduler runs them on the wall clock (each its own job).
            await asyncio.gather(*(self.run_tick(name) for name in due))

    async def run_all(self) -> None:
        """Every tick once, in order (the console's `/wait` and the tests)."""
        for name in self.ticks:
            await self.run_tick(name)
