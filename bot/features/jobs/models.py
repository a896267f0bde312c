"""Job-search tables.

Member data (applications and their moves, settings and alerts, hires, resume-review requests)
carries `community_id` and `member_id`, so `privacy forget/export` covers it. Job sources and
the postings read from them belong to a community, not to a member.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow

# --- the application tracker -----------------------------------------------------------------------


class JobApplication(Base):
    """One job a member is pursuing. `number` is per community (#3), private to its owner."""

    __tablename__ = "job_applications"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        UniqueConstraint("member_id", "posting_id"),
        Index("ix_job_applications_member", "community_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    company: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    stage: Mapped[str] = mapped_column(String(16))
    # The feed posting it was saved from (Save button), if any.
    posting_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_postings.id", ondelete="SET NULL"), nullable=True
    )
    # When the member applied (the day they give with --on, or the day they moved it to applied).
    applied_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The first move out of `applied` to an answer (screen, take-home, onsite, offer, rejected).
    first_reply_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The one follow-up nudge this application gets.
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class JobApplicationMove(Base):
    """The history of an application: every stage it entered, when, with an optional note."""

    __tablename__ = "job_application_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("job_applications.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_stage: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JobMemberSettings(Base):
    """A member's job-search choices: funnel sharing, alert filters, reviewing resumes."""

    __tablename__ = "job_member_settings"
    __table_args__ = (UniqueConstraint("member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    share_funnel: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Alerts (`jobs follow`): on when followed_at is set.
    followed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    follow_keyword: Mapped[str | None] = mapped_column(String(100), nullable=True)
    follow_location: Mapped[str | None] = mapped_column(String(100), nullable=True)
    follow_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_level: Mapped[str | None] = mapped_column(String(16), nullable=True)


class JobAlertItem(Base):
    """A posting already sent to a member in an alert DM (each posting is sent at most once)."""

    __tablename__ = "job_alert_items"
    __table_args__ = (UniqueConstraint("member_id", "posting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("job_postings.id", ondelete="CASCADE"), index=True
    )
    sent_on: Mapped[date] = mapped_column(Date)


class JobHire(Base):
    """A member got hired (`jobs hired`)."""

    __tablename__ = "job_hires"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    company: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    hired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResumeReviewRequest(Base):
    """A member asked for a resume review; routed to one reviewer at a time.

    status: pending (waiting for `reviewer_id` to accept), accepted, unmatched (nobody left),
    cancelled. `tried` lists reviewer member ids already asked, so a re-pick never repeats.
    """

    __tablename__ = "resume_review_requests"
    __table_args__ = (Index("ix_resume_review_requests_status", "status", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    tried: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# --- the feed ----------------------------------------------------------------------------------


class JobSource(Base):
    """A company's public job board an admin added (`jobs source add greenhouse acme`)."""

    __tablename__ = "job_sources"
    __table_args__ = (
        UniqueConstraint("community_id", "kind", "board"),
        Index("ix_job_sources_due", "next_poll_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    board: Mapped[str] = mapped_column(String(100))
    company: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Validators for conditional requests (If-None-Match / If-Modified-Since).
    etag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set by the first successful poll: what was open then is the backlog (only a few posted).
    baseline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class JobPosting(Base):
    """An ML posting read from a source. Closed when a complete read no longer lists it."""

    __tablename__ = "job_postings"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        Index("ix_job_postings_open", "community_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("job_sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    company: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(300), default="")
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    compensation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
