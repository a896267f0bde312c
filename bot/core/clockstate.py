"""The console's simulated clock, kept with the database.

The console's `/wait` moves an `OffsetClock` forward; the offset is stored here so a restart
continues where `/wait` left it (the data written meanwhile is days ahead too). Only the
console uses it: production runs on the system clock.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import BigInteger, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base

DEMO = "console"


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
