"""Tables of the daily challenge: settings, posts, attempts, practice and ratings.

The constraints carry the rules: one post per community per local day, one graded
attempt per member per post, one rating per member per topic.
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

DEFAULT_DAYS = "mon,tue,wed,thu,fri"
# Target difficulty per weekday, Monday first: easy at the start of the week, hard on Friday.
DEFAULT_RAMP = "1,2,3,4,5,3,3"

POST_OPEN = "open"
POST_REVEALED = "revealed"
POST_SKIPPED = "skipped"
# The bot was not running within the grace window of the challenge time: nothing was posted.
# Like a skip, it breaks nobody's streak; `admin challenge post-now` can still post that day.
POST_MISSED = "missed"
NOT_POSTED = (POST_SKIPPED, POST_MISSED)


class ChallengeSettings(Base):
    """A community's challenge settings; a missing row means the defaults."""

    __tablename__ = "challenge_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), unique=True
    )
    days: Mapped[str] = mapped_column(String(40), default=DEFAULT_DAYS)
    ramp: Mapped[str] = mapped_column(String(20), default=DEFAULT_RAMP)
    # None: the answer is revealed when the next challenge is posted.
    reveal_time: Mapped[time | None] = mapped_column(Time(), nullable=True)


class ChallengePost(Base):
    """One community's challenge of one local day (or a day the admins skipped).

    Topic, step and difficulty are copied from the item so statistics never need
    the bank, and a renamed bank file cannot rewrite history.
    """

    __tablename__ = "challenge_posts"
    __table_args__ = (
        UniqueConstraint("community_id", "local_date"),
        Index("ix_challenge_posts_community_item", "community_id", "item_id"),
        Index("ix_challenge_posts_status_reveal", "status", "reveal_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=POST_OPEN)
    item_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    topic: Mapped[str | None] = mapped_column(String(32), nullable=True)
    step: Mapped[str | None] = mapped_column(String(16), nullable=True)
    difficulty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reveal_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ChallengeAttempt(Base):
    """A member's one graded answer to a posted challenge."""

    __tablename__ = "challenge_attempts"
    __table_args__ = (
        UniqueConstraint("post_id", "member_id"),
        Index("ix_challenge_attempts_member", "community_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("challenge_posts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(200))
    correct: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PracticeItem(Base):
    """An ungraded challenge handed to one member by `challenge practice`."""

    __tablename__ = "challenge_practice"
    __table_args__ = (Index("ix_challenge_practice_member", "community_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    correct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TopicRating(Base):
    """A member's Elo-style rating on one topic (see rating.py)."""

    __tablename__ = "challenge_ratings"
    __table_args__ = (
        UniqueConstraint("member_id", "topic"),
        # The best rated in a topic, read from the top (ask's helper routing).
        Index("ix_challenge_ratings_topic_rating", "community_id", "topic", "rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(32))
    rating: Mapped[float] = mapped_column(Float)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HintUse(Base):
    """A member asked for the hint of a daily challenge or a practice question (never graded)."""

    __tablename__ = "challenge_hints"
    __table_args__ = (Index("ix_challenge_hints_member", "community_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    # Which question it was for: a daily post or a practice row (one of the two).
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenge_posts.id", ondelete="CASCADE"), nullable=True
    )
    practice_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenge_practice.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewItem(Base):
    """A question a member got wrong, coming back after 1, 3, 7 and 21 days (see review.py).

    `item_key` is what is being learned: a curated item's id, or `gen-<family>` for a
    generated family (each review serves a fresh problem of it, `item_id`).
    """

    __tablename__ = "challenge_reviews"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id", "item_key"),
        Index("ix_challenge_reviews_due", "community_id", "member_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    # Index into the intervals (1, 3, 7, 21 days) of the review that is due next.
    stage: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # How many times it was reviewed (also seeds the option order of the next serving).
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    learned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


PERIOD_WEEK = "week"
PERIOD_MONTH = "month"
PERIOD_ALL = "all"
PERIODS = (PERIOD_WEEK, PERIOD_MONTH, PERIOD_ALL)
# The period_start of the all-time rows.
ALL_TIME_START = date(1970, 1, 1)


class ChallengeScore(Base):
    """A member's leaderboard score in one period: correct daily answers on posts of that week
    (from Monday), calendar month or all time, by the post's local date.

    Kept in step with `challenge_attempts` in the transaction that grades a daily answer
    (practice and reviews never count), so a leaderboard reads the top N off the rank index
    instead of aggregating every attempt. `period_start` is the Monday, the 1st of the month,
    or ALL_TIME_START.
    """

    __tablename__ = "challenge_scores"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id", "period", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)
    last_correct_at: Mapped[datetime] = mapped_column(UTCDateTime())


# Top N is an index scan in leaderboard order (most points first, then who got there first);
# a rank is a count over a range of it.
Index(
    "ix_challenge_scores_rank",
    ChallengeScore.community_id,
    ChallengeScore.period,
    ChallengeScore.period_start,
    ChallengeScore.points.desc(),
    ChallengeScore.last_correct_at,
    ChallengeScore.member_id,
)


SCORE_SHARDS = 8


class ChallengeScoreCount(Base):
    """How many members have exactly `points` in a period: a rank is a sum over the few point
    values above, not a count over everyone ranked above. Kept with `challenge_scores` in the
    same statement's transaction; split over SCORE_SHARDS rows per value (by member id) so members
    graded at the same moment don't wait on one row."""

    __tablename__ = "challenge_score_counts"
    __table_args__ = (
        UniqueConstraint("community_id", "period", "period_start", "points", "shard"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)
    shard: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)
