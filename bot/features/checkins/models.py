"""Check-in tables: one schedule per member, one period per prompt, one settings row per community.

The schedule row carries the NEXT due instant in UTC (`next_due_at`, indexed): the due tick
asks one indexed question ("whose check-in is due?") instead of walking every member.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow

FREQUENCIES = ("daily", "weekdays", "weekly")
# open: prompted, not answered yet. missed: the next period started without an answer.
# paused: closed unanswered by `checkin pause`/`off` (excused: neither breaks nor extends).
PERIOD_STATUSES = ("open", "done", "progress", "blocked", "skipped", "missed", "paused")
ANSWERS = ("done", "progress", "blocked", "skipped")


class CheckinSchedule(Base):
    """When Pivot checks in with a member, and their running tallies."""

    __tablename__ = "checkin_schedules"
    __table_args__ = (
        UniqueConstraint("member_id"),
        Index("ix_checkin_schedules_next_due_at", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(16))
    # 0 = Monday … 6 = Sunday; only for weekly schedules.
    weekday: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    local_time: Mapped[time] = mapped_column(Time())
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # First local date on which check-ins come again (None: not paused).
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # NULL when switched off; otherwise the next prompt's instant (UTC).
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    current_period_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    share: Mapped[bool] = mapped_column(Boolean, default=False)
    last_plan: Mapped[str | None] = mapped_column(Text, nullable=True)
    current_streak: Mapped[int] = mapped_column(Integer, default=0)
    best_streak: Mapped[int] = mapped_column(Integer, default=0)
    missed_run: Mapped[int] = mapped_column(Integer, default=0)
    # The first missed period of the current run of misses (names the buddy nudge once per run).
    missed_since: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CheckinPeriod(Base):
    """One prompt and its answer. A period runs from its prompt until the next scheduled one."""

    __tablename__ = "checkin_periods"
    __table_args__ = (
        # One prompt per member per local day: the key of the outbox dedupe too.
        UniqueConstraint("member_id", "period_key"),
        Index("ix_checkin_periods_member_starts", "member_id", "starts_at"),
        Index("ix_checkin_periods_community_date", "community_id", "local_date"),
        Index("ix_checkin_periods_remind_at", "remind_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(16))
    local_date: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    did: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_plan: Mapped[str | None] = mapped_column(Text, nullable=True)
    blockers: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the (single) reminder is due; cleared once it is sent or no longer wanted.
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CheckinSettings(Base):
    """A community's check-in settings: the weekly digest and the reminder policy."""

    __tablename__ = "checkin_settings"
    __table_args__ = (UniqueConstraint("community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    digest_weekday: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    digest_time: Mapped[time | None] = mapped_column(Time(), nullable=True)
    # ISO week ("2026-W10") of the last digest written, so a tick does not rebuild it.
    digest_last_week: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reminders: Mapped[int] = mapped_column(SmallInteger, default=1)
    reminder_delay_minutes: Mapped[int] = mapped_column(Integer, default=240)
