"""What Pivot keeps about a member, and forgetting it.

Every table that holds a member's data has a `member_id` foreign key with ON DELETE CASCADE,
so one generic pass serves every feature, present and future: no feature can forget to register.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import Base
from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Member


def member_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if "member_id" in t.c and "community_id" in t.c]


async def stored_counts(session: AsyncSession, member: Member) -> dict[str, int]:
    """Table name -> number of rows about this member (only tables that have some)."""
    counts: dict[str, int] = {}
    for table in member_tables():
        stmt = select(func.count()).select_from(table).where(
            table.c.member_id == member.id, table.c.community_id == member.community_id
        )
        n = (await session.execute(stmt)).scalar_one()
        if n:
            counts[table.name] = n
    return counts


async def forget(session: AsyncSession, member: Member) -> None:
    """Delete the member and, by cascade, everything about them; cancel posts still waiting for them."""
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.community_id == member.community_id,
            OutboxMessage.kind == "dm",
            OutboxMessage.target == member.platform_user_id,
            OutboxMessage.status == "pending",
        )
    )
    for table in reversed(member_tables()):
        # Explicit deletes as well as the cascade: correct even where a backend ignores ON DELETE.
        await session.execute(delete(table).where(table.c.member_id == member.id,
                                                  table.c.community_id == member.community_id))
    await session.delete(member)
