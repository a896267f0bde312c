"""Mock-interview tables: profiles, per-community round settings, rounds, sessions, seats.

The constraints encode the rules: one profile per member, one round per round key
(`mock:{community}:{local date}`), one seat per member per session. A seat is one
member's side of a session: who they interview (`partner_id`), the prompt they ask,
and the feedback they give about that partner.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow

TYPES: tuple[str, ...] = ("ml-coding", "ml-system-design", "ml-theory", "behavioral")
LEVELS: tuple[str, ...] = ("junior", "mid", "senior")
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_DAY = 0  # Monday
DEFAULT_TIME = time(10, 0)
NO_REPEAT_ROUNDS = 4
NO_SHOW_LIMIT = 2


class MockProfile(Base):
    """A member who opted in to mock-interview rounds: what they practise and when they can."""

    __tablename__ = "mock_profiles"
    __table_args__ = (
        UniqueConstraint("member_id"),
        Index("ix_mock_profiles_community_active", "community_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    interview_type: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64))
    # Local weekdays "mon,wed" (empty: every day) and local windows "18:00-20:00,…".
    days: Mapped[str] = mapped_column(String(40), default="")
    windows: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Sessions in a row the partner reported this member missing; NO_SHOW_LIMIT pauses.
    no_show_streak: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MockSettings(Base):
    """A community's weekly round slot. `next_round_at` is what the tick queries."""

    __tablename__ = "mock_settings"
    __table_args__ = (UniqueConstraint("community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer, default=DEFAULT_DAY)
    round_time: Mapped[time] = mapped_column(Time(), default=DEFAULT_TIME)
    next_round_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_round_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class MockRound(Base):
    """One weekly pairing run for a community (scheduled or `admin mock run-now`)."""

    __tablename__ = "mock_rounds"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_mock_rounds_community_started", "community_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    local_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    pool_size: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)


class MockSession(Base):
    """Two members interviewing each other at a proposed slot."""

    __tablename__ = "mock_sessions"
    __table_args__ = (
        Index("ix_mock_sessions_community_created", "community_id", "created_at"),
        Index("ix_mock_sessions_feedback", "feedback_sent_at", "feedback_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("mock_rounds.id", ondelete="SET NULL"), nullable=True, index=True
    )
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    feedback_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    feedback_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set when a member reports that both showed up (their feedback arrived).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MockSeat(Base):
    """One member's side of a session: the prompt they ask their partner, and their feedback."""

    __tablename__ = "mock_seats"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id"),
        Index("ix_mock_seats_member", "member_id", "session_id"),
        Index("ix_mock_seats_partner", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("mock_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # The prompt this member asks the partner (an id in the prompt bank).
    prompt_id: Mapped[str] = mapped_column(String(64))
    # None until they answer the form; False: "They didn't show up".
    partner_showed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # "4,3,5,4": one 1-5 score per rubric criterion, in the rubric's order.
    scores: Mapped[str | None] = mapped_column(String(40), nullable=True)
    strength: Mapped[str | None] = mapped_column(Text, nullable=True)
    improve: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
