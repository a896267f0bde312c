"""Study-buddy tables: profiles, blocks, per-community round settings, rounds, groups.

The constraints encode the rules: one profile per member, one block per (blocker,
blocked), one round per round key (`buddies:{community}:{local date}`), a member at
most once per group.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow

LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ANSWERS: tuple[str, ...] = ("yes", "notyet", "rematch")

DEFAULT_CADENCE_WEEKS = 2
DEFAULT_DAY = 0  # Monday
DEFAULT_TIME = time(10, 0)
DEFAULT_NO_REPEAT_ROUNDS = 4


class BuddyProfile(Base):
    """A member who opted in to study-buddy rounds, and what they are looking for."""

    __tablename__ = "buddy_profiles"
    __table_args__ = (
        UniqueConstraint("member_id"),
        Index("ix_buddy_profiles_community_active", "community_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    timezone: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=0)
    # Comma-separated roadmap steps / challenge topics, sorted.
    focus: Mapped[str] = mapped_column(String(300), default="")
    hours_per_week: Mapped[int] = mapped_column(Integer, default=3)
    group_size: Mapped[int] = mapped_column(Integer, default=2)
    # Local daily availability, "07:00-09:00,19:00-22:00"; empty means 08:00-22:00.
    windows: Mapped[str] = mapped_column(String(200), default="")
    # False after `buddy leave`: kept so a later `buddy join` restores the profile.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Member-local date from which a pause no longer applies (None: paused until resumed).
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    rematch_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BuddyBlock(Base):
    """`buddy block`: the two are never grouped again. The blocked member is not told."""

    __tablename__ = "buddy_blocks"
    __table_args__ = (UniqueConstraint("member_id", "blocked_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BuddySettings(Base):
    """A community's round schedule. `next_round_at` is what the tick queries."""

    __tablename__ = "buddy_settings"
    __table_args__ = (UniqueConstraint("community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    cadence_weeks: Mapped[int] = mapped_column(Integer, default=DEFAULT_CADENCE_WEEKS)
    # 0 = Monday … 6 = Sunday, in community time.
    weekday: Mapped[int] = mapped_column(Integer, default=DEFAULT_DAY)
    round_time: Mapped[time] = mapped_column(Time(), default=DEFAULT_TIME)
    # A pair from the last K rounds is not repeated unless there is no alternative.
    no_repeat_rounds: Mapped[int] = mapped_column(Integer, default=DEFAULT_NO_REPEAT_ROUNDS)
    next_round_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_round_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class BuddyRound(Base):
    """One run of the matching for a community (scheduled or `admin buddies run-now`)."""

    __tablename__ = "buddy_rounds"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_buddy_rounds_community_started", "community_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    local_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    pool_size: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)


class BuddyGroup(Base):
    """Two or three members introduced to each other, in a round or by a rematch."""

    __tablename__ = "buddy_groups"
    __table_args__ = (
        Index("ix_buddy_groups_community_created", "community_id", "created_at"),
        Index("ix_buddy_groups_followup", "followup_sent_at", "followup_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("buddy_rounds.id", ondelete="SET NULL"), nullable=True, index=True
    )
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    overlap_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    shared_focus: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    followup_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class BuddyGroupMember(Base):
    """A member's place in a group, and their answer to "Did you meet?"."""

    __tablename__ = "buddy_group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "member_id"),
        Index("ix_buddy_group_members_member", "member_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("buddy_groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # yes | notyet | rematch, None until they answer the follow-up.
    answer: Mapped[str | None] = mapped_column(String(16), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set when this member moved on early (rematch, leave, block): the group is no
    # longer "current" for anyone through them.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
