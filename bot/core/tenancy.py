"""Communities (a Discord guild, a Slack team, the local console) and their members."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Time,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, insert_for, utcnow
from bot.core.text import clean_name

CHANNEL_PURPOSES = ("challenge", "checkins", "kaggle", "buddies", "showcase", "jobs", "questions", "mock")


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    challenge_time: Mapped[time] = mapped_column(Time(), default=time(9, 0), server_default="09:00:00")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the bot was removed (Discord server left, Slack app uninstalled); None while present.
    # Its scheduled posts fail with that reason instead of being sent.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("community_id", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    platform_user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommunityChannel(Base):
    """Where a community wants each kind of post (challenge, checkins, kaggle, …)."""

    __tablename__ = "community_channels"
    __table_args__ = (UniqueConstraint("community_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(64))
    channel_name: Mapped[str] = mapped_column(String(100), default="")
    # The admin who last set it: failure notices about this channel go to them. None for
    # settings made before this was recorded, or when that member was forgotten.
    set_by_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )


Index("ix_members_community_name", Member.community_id, Member.display_name)
# Members named in a command (`goal list --member ada`) are found case-insensitively by name or id.
Index("ix_members_community_lower_name", Member.community_id, func.lower(Member.display_name))
Index("ix_members_community_lower_user", Member.community_id, func.lower(Member.platform_user_id))


async def ensure_community(
    session: AsyncSession,
    platform: str,
    external_id: str,
    name: str = "",
    *,
    timezone: str = "UTC",
    challenge_time: time = time(9, 0),
) -> Community:
    """The community, created on first contact with the configured defaults.

    First contact is an upsert (INSERT … ON CONFLICT DO NOTHING, then read), so two commands
    arriving at once from a new community both succeed and share one row.
    """
    name = clean_name(name, max_length=200)
    where = (Community.platform == platform, Community.external_id == external_id)
    row = (await session.execute(select(Community).where(*where))).scalar_one_or_none()
    if row is None:
        await session.execute(
            insert_for(session, Community.__table__)
            .values(platform=platform, external_id=external_id, name=name or external_id,
                    timezone=timezone, challenge_time=challenge_time, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        )
        row = (await session.execute(select(Community).where(*where))).scalar_one()
    elif name and row.name != name:
        row.name = name
    return row


async def ensure_member(
    session: AsyncSession, community: Community, platform_user_id: str, display_name: str = ""
) -> Member:
    """The member, created on first contact (an upsert, like `ensure_community`).

    Only for the person who is acting: looking someone else up goes through `find_member`,
    which never creates a row.
    """
    display_name = clean_name(display_name)
    where = (Member.community_id == community.id, Member.platform_user_id == platform_user_id)
    row = (await session.execute(select(Member).where(*where))).scalar_one_or_none()
    if row is None:
        await session.execute(
            insert_for(session, Member.__table__)
            .values(community_id=community.id, platform_user_id=platform_user_id,
                    display_name=display_name or platform_user_id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["community_id", "platform_user_id"])
        )
        row = (await session.execute(select(Member).where(*where))).scalar_one()
    elif display_name and row.display_name != display_name:
        row.display_name = display_name
    return row


async def ensure_caller(
    session: AsyncSession,
    platform: str,
    external_id: str,
    name: str,
    platform_user_id: str,
    display_name: str,
    *,
    timezone: str = "UTC",
    challenge_time: time = time(9, 0),
) -> tuple[Community, Member]:
    """The community and the member behind a command: `ensure_community` and `ensure_member`
    in one round trip when both exist (every command but a newcomer's first)."""
    found = (
        await session.execute(
            select(Community, Member)
            .outerjoin(Member, (Member.community_id == Community.id)
                       & (Member.platform_user_id == platform_user_id))
            .where(Community.platform == platform, Community.external_id == external_id)
        )
    ).one_or_none()
    if found is None or found[1] is None:
        community = await ensure_community(session, platform, external_id, name, timezone=timezone,
                                           challenge_time=challenge_time)
        return community, await ensure_member(session, community, platform_user_id, display_name)
    community, member = found
    name, display_name = clean_name(name, max_length=200), clean_name(display_name)
    if name and community.name != name:
        community.name = name
    if display_name and member.display_name != display_name:
        member.display_name = display_name
    return community, member


async def find_member(session: AsyncSession, community: Community, platform_user_id: str) -> Member | None:
    """A member of this community by platform id, or None; never creates one."""
    return (
        await session.execute(
            select(Member).where(
                Member.community_id == community.id, Member.platform_user_id == platform_user_id
            )
        )
    ).scalar_one_or_none()


async def channel_for(session: AsyncSession, community_id: int, purpose: str) -> str | None:
    """The channel id configured for `purpose`, or None when the admins have not set one."""
    return (
        await session.execute(
            select(CommunityChannel.channel_id).where(
                CommunityChannel.community_id == community_id, CommunityChannel.purpose == purpose
            )
        )
    ).scalar_one_or_none()


def present(community_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """For every scheduled tick's "what is due" query: the row's community still has Pivot
    (not left by the bot on Discord, not uninstalled on Slack: `Community.removed_at`).
    Works whether or not the query joins `communities`."""
    return community_id.not_in(select(Community.id).where(Community.removed_at.is_not(None)))


def member_timezone(community: Community, member: Member) -> str:
    return member.timezone or community.timezone
