"""Small builders for challenge tests: communities with a channel, members, posts."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Community, CommunityChannel, Member, ensure_community, ensure_member
from bot.features.challenges.models import POST_OPEN, ChallengePost
from bot.features.challenges.selection import default_catalogue


async def community(
    session: AsyncSession,
    external_id: str,
    *,
    tz: str = "UTC",
    at: time = time(9, 0),
    channel: str | None = "ml-daily",
) -> Community:
    row = await ensure_community(session, "console", external_id, external_id)
    row.timezone, row.challenge_time = tz, at
    if channel is not None:
        session.add(
            CommunityChannel(
                community_id=row.id, purpose="challenge", channel_id=channel, channel_name=channel
            )
        )
    await session.flush()
    return row


async def member(session: AsyncSession, where: Community, name: str) -> Member:
    return await ensure_member(session, where, name, name)


async def post(
    session: AsyncSession,
    where: Community,
    day: date,
    item_id: str,
    *,
    posted_at: datetime,
    status: str = POST_OPEN,
) -> ChallengePost:
    """A post of a chosen item, as if the tick had made it (tests pick items to know answers)."""
    item = default_catalogue().item(item_id)
    assert item is not None, item_id
    row = ChallengePost(
        community_id=where.id,
        local_date=day,
        status=status,
        item_id=item.id,
        topic=item.topic,
        step=item.step,
        difficulty=item.difficulty,
        channel_id="ml-daily",
        posted_at=posted_at,
    )
    session.add(row)
    await session.flush()
    return row


async def outbox_keys(session: AsyncSession, prefix: str = "challenge") -> list[str]:
    rows = (
        await session.execute(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))
    ).scalars()
    return [k for k in rows if k.startswith(prefix)]
