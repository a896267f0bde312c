"""Kaggle tables.

Competitions are global facts about Kaggle (one row per competition ref, shared by
every community) and so carry no community_id. What a community did with them
(posted, follows for channel reminders, its category choice) and what a member did
(follows for DM reminders, entries) are community data and carry community_id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow


class KaggleCompetition(Base):
    """A competition as last seen on Kaggle's active list (not community data)."""

    __tablename__ = "kaggle_competitions"
    __table_args__ = (Index("ix_kaggle_competitions_active_deadline", "active", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(200), unique=True)  # the slug: "titanic"
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reward: Mapped[str | None] = mapped_column(String(100), nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    enabled_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    team_count: Mapped[int] = mapped_column(Integer, default=0)
    evaluation_metric: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kernels_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # False once a complete poll no longer lists it (finished, or withdrawn by Kaggle).
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When Pivot first saw it: what "new" means for posting (see service.post_new).
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KagglePollState(Base):
    """The one row that says when Kaggle was last polled and how it went (shown in `admin show`)."""

    __tablename__ = "kaggle_poll_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    competitions_seen: Mapped[int] = mapped_column(Integer, default=0)


class KaggleCommunitySettings(Base):
    """A community's Kaggle preferences and the moment its Kaggle channel was first served."""

    __tablename__ = "kaggle_community_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), unique=True
    )
    # None: the bot-wide default (settings.kaggle.categories).
    categories: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # Set by the first poll that finds a Kaggle channel: competitions Pivot knew before
    # then are the backlog (only a few are posted), later ones are new (all are posted).
    baseline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class KaggleChannelCompetition(Base):
    """A competition posted to a community's Kaggle channel, or followed there by an admin.

    `following` rows get the channel deadline reminders.
    """

    __tablename__ = "kaggle_channel_competitions"
    __table_args__ = (UniqueConstraint("community_id", "competition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("kaggle_competitions.id", ondelete="CASCADE"), index=True
    )
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    following: Mapped[bool] = mapped_column(Boolean, default=True)


class KaggleMemberFollow(Base):
    """A member wants deadline reminders for a competition by DM."""

    __tablename__ = "kaggle_member_follows"
    __table_args__ = (UniqueConstraint("member_id", "competition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("kaggle_competitions.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KaggleEntry(Base):
    """A member told Pivot they entered a competition."""

    __tablename__ = "kaggle_entries"
    __table_args__ = (UniqueConstraint("member_id", "competition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("kaggle_competitions.id", ondelete="CASCADE"), index=True
    )
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
