"""Questions, the helpers who opted in, who was pinged, answers and kudos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow
from bot.core.search import SearchSpec

# draft: shown to the asker with similar solved questions, not posted yet.
QUESTION_STATUSES = ("draft", "open", "solved")


class Question(Base):
    __tablename__ = "ask_questions"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_ask_questions_status", "community_id", "status", "created_at"),
        Index("ix_ask_questions_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # The asker.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # `ask show 4`: given when the question is posted (drafts have none).
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
    topic: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # What search shows once solved; the asker may edit it.
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When the 12-hour "still unanswered" round ran (once per question).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


SEARCH = SearchSpec(table="ask_questions", title="title", body=("details", "summary"))


class Helper(Base):
    """A member who opted in to be asked (`helper on`)."""

    __tablename__ = "ask_helpers"
    __table_args__ = (UniqueConstraint("community_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Comma-separated topics; empty means "any topic".
    topics: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Ping(Base):
    """A helper Pivot asked about a question, with the score parts that explain why."""

    __tablename__ = "ask_pings"
    __table_args__ = (
        UniqueConstraint("question_id", "member_id"),
        Index("ix_ask_pings_member_time", "community_id", "member_id", "created_at"),
        # Routing's "pings in the last 24 hours": a range scan over one day, whatever the history.
        Index("ix_ask_pings_recent", "community_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("ask_questions.id", ondelete="CASCADE"))
    # The helper pinged.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float] = mapped_column(Float)
    parts: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Answer(Base):
    """A member answered a question: with `ask answer` (the text, posted into the thread by
    Pivot) or by writing in the question's thread themselves (no text: Pivot records who and
    when, never what they wrote there)."""

    __tablename__ = "ask_answers"
    __table_args__ = (Index("ix_ask_answers_question", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("ask_questions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # None: written in the thread (see above).
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Kudos(Base):
    """Thanks from an asker to the member who helped. Kept when the asker is forgotten."""

    __tablename__ = "ask_kudos"
    __table_args__ = (
        UniqueConstraint("question_id", "member_id"),
        Index("ix_ask_kudos_board", "community_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("ask_questions.id", ondelete="SET NULL"), nullable=True
    )
    # The helper thanked.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
