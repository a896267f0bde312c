"""Per-community numbers (`goal #3`, `project #2`): one race-free allocator for every kind.

A counter row per (community, kind) is incremented by a single upsert that returns the new
value, so concurrent commands in one community never get the same number and leave no gap:
PostgreSQL serialises them on the row lock; SQLite on its write lock. The number is taken
in the caller's transaction: if the command fails and rolls back, the number is not used up.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, insert_for


class CommunityCounter(Base):
    __tablename__ = "community_counters"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


async def next_number(session: AsyncSession, community_id: int, kind: str) -> int:
    """The next number of `kind` in this community (1, 2, 3, … with no gap and no repeat)."""
    table = CommunityCounter.__table__
    stmt = (
        insert_for(session, table)
        .values(community_id=community_id, kind=kind, value=1)
        .on_conflict_do_update(
            index_elements=[table.c.community_id, table.c.kind],
            set_={"value": table.c.value + 1},
        )
        .returning(table.c.value)
    )
    return int((await session.execute(stmt)).scalar_one())
