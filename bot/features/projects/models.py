"""Projects: a member's portfolio projects, their devlogs, peer reviews, review requests,
reviewer opt-ins, portfolio pages, and the cached facts of linked GitHub repositories."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow

PROJECT_STATUSES = ("active", "done", "dropped")
REQUEST_STATUSES = ("asked", "accepted", "declined", "expired", "done")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_projects_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # What members see and type: project #1, #2, … within their community.
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)
    dataset: Mapped[str | None] = mapped_column(Text, nullable=True)
    step: Mapped[str | None] = mapped_column(String(16), nullable=True)
    repo_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    repo_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # The goal (its per-community number) this project serves, if any.
    goal_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    showcased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def repo(self) -> str | None:
        return f"{self.repo_owner}/{self.repo_name}" if self.repo_owner and self.repo_name else None


class ProjectLog(Base):
    """A dated devlog entry."""

    __tablename__ = "project_logs"
    __table_args__ = (Index("ix_project_logs_project", "project_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectReview(Base):
    """One peer review: five criteria scored 1–5, each with a comment. `member_id` is the reviewer."""

    __tablename__ = "project_reviews"
    __table_args__ = (UniqueConstraint("project_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # criterion key -> {"score": 1..5, "comment": "…"}, in CRITERIA order.
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectReviewer(Base):
    """A member who opted in to be asked for reviews (`project reviewer on`)."""

    __tablename__ = "project_reviewers"
    __table_args__ = (UniqueConstraint("member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Comma-separated roadmap steps they like to review; empty = any.
    focus: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectReviewRequest(Base):
    """Pivot asked `member_id` to review a project (accept/decline; expires after 3 days)."""

    __tablename__ = "project_review_requests"
    __table_args__ = (
        UniqueConstraint("project_id", "member_id"),
        Index("ix_project_review_requests_status", "status", "asked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="asked")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Portfolio(Base):
    """A member's public portfolio page at /p/<slug> (off by default)."""

    __tablename__ = "portfolios"
    __table_args__ = (UniqueConstraint("member_id"), UniqueConstraint("slug"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    indexable: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommunityPage(Base):
    """A community's public page at /c/<slug> (admin opt-in)."""

    __tablename__ = "community_pages"
    __table_args__ = (UniqueConstraint("community_id"), UniqueConstraint("slug"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GitHubRepo(Base):
    """Public facts about a GitHub repository, fetched at most daily with conditional requests.

    Shared by every community that links the repo: it holds GitHub's public data, no member's.
    """

    __tablename__ = "github_repos"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    # ok | missing (404: private or gone) | unauthorized | rate_limited | error
    state: Mapped[str] = mapped_column(String(16), default="ok")
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # endpoint -> ETag of the last 200 answer, sent back as If-None-Match.
    etags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # endpoint -> the digest of that answer (what a 304 means "still this").
    digests: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
