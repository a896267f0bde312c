"""Spaced review: a question a member got wrong comes back after 1, 3, 7 and 21 days.

A wrong answer (daily or practice) puts the question in the member's queue, due one day
later. A correct review moves it to the next interval; a wrong one sends it back to day 1;
a correct answer at the 21-day review takes it out of the queue (learned). A generated
family comes back as a fresh problem of the same family (a new seed), so the member
relearns the method rather than remembering a number.

Reviews are for learning: they change no rating, streak or leaderboard.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import NotFound
from bot.core.tenancy import Member
from bot.features.challenges.bank import ChallengeItem, shuffled
from bot.features.challenges.generators import FAMILIES, parse_generated_id
from bot.features.challenges.grading import grade
from bot.features.challenges.models import POST_OPEN, ChallengePost, ReviewItem
from bot.features.challenges.selection import MAX_SEED, Catalogue, default_catalogue

INTERVALS = (1, 3, 7, 21)  # days


def item_key(item_id: str) -> str:
    """What a review is about: the curated item itself, or a generated problem's family."""
    try:
        family, _ = parse_generated_id(item_id)
    except ValueError:
        return item_id
    return f"gen-{family}"


def _fresh(key: str, row_seed: str, avoid: str | None) -> str:
    """The item id to serve for `key`: the curated id, or a new problem of the family."""
    if not key.startswith("gen-") or key[4:] not in FAMILIES:
        return key
    rng = random.Random(row_seed)
    while True:
        candidate = f"{key}-{rng.randrange(MAX_SEED)}"
        if candidate != avoid:
            return candidate


async def _row(session: AsyncSession, member: Member, key: str) -> ReviewItem | None:
    return (
        await session.execute(
            select(ReviewItem).where(
                ReviewItem.community_id == member.community_id,
                ReviewItem.member_id == member.id,
                ReviewItem.item_key == key,
            )
        )
    ).scalar_one_or_none()


async def missed(session: AsyncSession, member: Member, item_id: str, *, now: datetime) -> None:
    """A wrong answer to `item_id`: (re)start its review at the first interval."""
    key = item_key(item_id)
    row = await _row(session, member, key)
    if row is None:
        row = ReviewItem(
            community_id=member.community_id, member_id=member.id, item_key=key,
            item_id=item_id, stage=0, reviews=0, created_at=now, due_at=now,
        )
        session.add(row)
    row.stage, row.learned_at = 0, None
    row.due_at = now + timedelta(days=INTERVALS[0])
    row.item_id = _fresh(key, f"review:{member.id}:{key}:{now.isoformat()}", item_id)
    await session.flush()


def _due(member: Member, now: datetime):  # noqa: ANN202 (a SQLAlchemy clause)
    # Never while the same question is still the community's open daily challenge: the review
    # shows the explanation, which would spoil it for everyone else.
    open_items = select(ChallengePost.item_id).where(
        ChallengePost.community_id == member.community_id,
        ChallengePost.status == POST_OPEN,
        ChallengePost.item_id.is_not(None),
    )
    return (
        ReviewItem.community_id == member.community_id,
        ReviewItem.member_id == member.id,
        ReviewItem.learned_at.is_(None),
        ReviewItem.due_at <= now,
        ReviewItem.item_id.not_in(open_items),
    )


async def due_count(session: AsyncSession, member: Member, now: datetime) -> int:
    return int(
        (await session.execute(select(func.count(ReviewItem.id)).where(*_due(member, now))))
        .scalar_one()
    )


async def due_counts(
    session: AsyncSession, member_ids: Sequence[int], now: datetime
) -> dict[int, int]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(ReviewItem.member_id, func.count(ReviewItem.id))
        .where(ReviewItem.member_id.in_(list(member_ids)), ReviewItem.learned_at.is_(None),
               ReviewItem.due_at <= now)
        .group_by(ReviewItem.member_id)
    )
    return {member_id: int(n) for member_id, n in rows.all()}


async def next_due(session: AsyncSession, member: Member, now: datetime) -> ReviewItem | None:
    return (
        await session.execute(
            select(ReviewItem).where(*_due(member, now))
            .order_by(ReviewItem.due_at, ReviewItem.id).limit(1)
        )
    ).scalar_one_or_none()


async def by_id(session: AsyncSession, member: Member, review_id: int) -> ReviewItem:
    row = (
        await session.execute(
            select(ReviewItem).where(
                ReviewItem.community_id == member.community_id,
                ReviewItem.member_id == member.id,
                ReviewItem.id == review_id,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("That review isn't in your queue.")
    return row


def served_item(row: ReviewItem, catalogue: Catalogue | None = None) -> ChallengeItem:
    """The row's question, options in the order of this serving (stable until it is answered)."""
    item = (catalogue or default_catalogue()).item(row.item_id)
    if item is None:
        raise NotFound("That review's question is no longer in the bank.")
    return shuffled(item, f"review:{row.community_id}:{row.id}:{row.reviews}:{item.id}")


@dataclass(frozen=True)
class ReviewOutcome:
    item: ChallengeItem
    correct: bool
    given: str
    learned: bool
    next_due: datetime | None


async def answer(
    session: AsyncSession, member: Member, row: ReviewItem, raw: str, *, now: datetime,
    catalogue: Catalogue | None = None,
) -> ReviewOutcome:
    """Grade a review; unreadable input raises InvalidInput before anything changes."""
    if row.learned_at is not None or row.due_at > now:
        raise NotFound("That review isn't due — `review` serves the next one.")
    item = served_item(row, catalogue)
    result = grade(item, raw)
    row.reviews += 1
    if result.correct:
        row.stage += 1
    else:
        row.stage = 0
    learned = row.stage >= len(INTERVALS)
    if learned:
        row.learned_at = now
    else:
        row.due_at = now + timedelta(days=INTERVALS[row.stage])
        row.item_id = _fresh(row.item_key, f"review:{row.id}:{row.reviews}", row.item_id)
    await session.flush()
    return ReviewOutcome(item, result.correct, result.given, learned,
                         None if learned else row.due_at)


@dataclass(frozen=True)
class QueueStats:
    due_now: int
    due_this_week: int
    waiting: int
    learned: int
    next_due: datetime | None


async def queue_stats(session: AsyncSession, member: Member, now: datetime) -> QueueStats:
    rows = (
        await session.execute(
            select(ReviewItem.due_at, ReviewItem.learned_at).where(
                ReviewItem.community_id == member.community_id,
                ReviewItem.member_id == member.id,
            )
        )
    ).all()
    pending = [due for due, learned in rows if learned is None]
    week = now + timedelta(days=7)
    later = [d for d in pending if d > now]
    return QueueStats(
        due_now=sum(1 for d in pending if d <= now),
        due_this_week=sum(1 for d in pending if now < d <= week),
        waiting=len(pending),
        learned=sum(1 for _, learned in rows if learned is not None),
        next_due=min(later) if later else None,
    )
