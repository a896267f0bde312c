"""Simulated clocks kept with the database.

- The console's `/wait` moves an `OffsetClock` forward; the offset is stored here (row
  `console`) so a restart continues where `/wait` left it (the data written meanwhile is days
  ahead too).
- `SharedClock` (`clock.source = "database"`) is system time plus an offset read from a row
  (`shared`), so several `python -m bot run` processes walk through days together while a test
  moves the row (the multi-process soak test). Each process looks at the row every
  `clock.poll_seconds`; when it moved, the process runs the ticks that are due by the clock's
  own time (not only by the wall clock) and then records in `shared@<process>` the offset it
  has caught up with, so whoever moves the clock can wait for every process before the next step.
  It only runs when set explicitly, and never against the real Discord or Slack API
  (`Settings.clock_refusal`): it would post at simulated times to real people.

Production runs on the system clock.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base

log = logging.getLogger(__name__)

DEMO = "console"
SHARED = "shared"


class ClockState(Base):
    __tablename__ = "clock_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    offset_seconds: Mapped[int] = mapped_column(BigInteger, default=0)


async def load_offset(session: AsyncSession, name: str = DEMO) -> timedelta:
    row = (await session.execute(select(ClockState).where(ClockState.name == name))).scalar_one_or_none()
    return timedelta(seconds=row.offset_seconds) if row is not None else timedelta()


async def save_offset(session: AsyncSession, offset: timedelta, name: str = DEMO) -> None:
    row = await session.get(ClockState, name)
    seconds = int(offset.total_seconds())
    if row is None:
        session.add(ClockState(name=name, offset_seconds=seconds))
    else:
        row.offset_seconds = seconds


class SharedClock:
    """System time plus the offset stored in `clock_state` row `name`, shared by every process
    on the database. `start` loads it (before anything asks the time) and follows it;
    `on_move` callbacks run after each move (the scheduler's due ticks), then the process's
    acknowledgement row `<name>@<id>` records the offset it has caught up with."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, name: str = SHARED,
                 poll_seconds: float = 1.0) -> None:
        self.session_factory = session_factory
        self.name = name
        self.poll_seconds = poll_seconds
        self.offset = timedelta()
        self.ack_name = f"{name}@{uuid.uuid4().hex[:12]}"[:32]
        self._listeners: list[Callable[[], Awaitable[None]]] = []
        self._task: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def on_move(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._listeners.append(callback)

    async def refresh(self) -> bool:
        """Read the stored offset; True when it changed."""
        async with self.session_factory() as session:
            offset = await load_offset(session, self.name)
        moved, self.offset = offset != self.offset, offset
        return moved

    async def start(self) -> None:
        await self.refresh()
        log.warning("clock: following the simulated clock in the database (%s), now %s",
                    self.name, self.now().isoformat(timespec="seconds"))
        self._task = asyncio.create_task(self._follow(), name="shared-clock")

    async def _follow(self) -> None:
        moved = True  # the first pass acknowledges the offset loaded by `start`
        while True:
            try:
                if moved:
                    for callback in self._listeners:
                        await callback()
                    await self._acknowledge()
                await asyncio.sleep(self.poll_seconds)
                moved = await self.refresh()
                if moved:
                    log.debug("clock moved to %s", self.now().isoformat(timespec="seconds"))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("clock: following the shared clock failed; trying again")
                await asyncio.sleep(self.poll_seconds)
                moved = True

    async def _acknowledge(self) -> None:
        async with self.session_factory() as session, session.begin():
            await save_offset(session, self.offset, self.ack_name)

    async def close(self) -> None:
        """Stop following, and remove this process's acknowledgement row."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
            try:
                async with self.session_factory() as session, session.begin():
                    await session.execute(delete(ClockState).where(ClockState.name == self.ack_name))
            except Exception:
                log.warning("clock: could not remove %s", self.ack_name)


async def set_shared_offset(session: AsyncSession, offset: timedelta, name: str = SHARED) -> None:
    """Move the shared clock (tests): every following process sees it within its poll."""
    await save_offset(session, offset, name)


async def caught_up(session: AsyncSession, offset: timedelta, name: str = SHARED) -> int:
    """How many following processes have acknowledged `offset` (ran their due ticks at it)."""
    rows = (await session.execute(
        select(ClockState.offset_seconds).where(ClockState.name.startswith(f"{name}@"))
    )).scalars()
    return sum(1 for seconds in rows if seconds == int(offset.total_seconds()))
