"""Leaderboard scores: one row per member and period, kept when a daily answer is graded.

A period is the calendar week (from Monday), the calendar month or all time, by the post's
local date in the community. `record_correct` adds a point to the member's three rows in the
transaction that stores the correct attempt; `leaderboard` reads the top N in rank order off
`ix_challenge_scores_rank`, and each shown rank from `challenge_score_counts` (how many members
have each number of points), so its cost does not grow with the number of members or attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from bot.core.tenancy import Member
from bot.features.challenges.models import (
    ALL_TIME_START,
    PERIOD_ALL,
    PERIOD_MONTH,
    PERIOD_WEEK,
    PERIODS,
    SCORE_SHARDS,
    ChallengeScore,
    ChallengeScoreCount,
)


def period_start(period: str, day: date) -> date:
    """The first local date of the `period` that contains `day`."""
    if period == PERIOD_WEEK:
        return day - timedelta(days=day.weekday())
    if period == PERIOD_MONTH:
        return day.replace(day=1)
    if period == PERIOD_ALL:
        return ALL_TIME_START
    raise ValueError(f"unknown period {period!r}")


def _upsert(session: AsyncSession, model: type[Any], rows: list[dict[str, Any]],
            keys: list[str], increments: dict[str, Any]) -> Insert:
    """INSERT rows; on a key conflict, SET `increments` (given the excluded row) instead."""
    if session.get_bind().dialect.name == "postgresql":
        pg = pg_insert(model).values(rows)
        return pg.on_conflict_do_update(index_elements=keys, set_=increments_for(pg, increments))
    lite = sqlite_insert(model).values(rows)
    return lite.on_conflict_do_update(index_elements=keys, set_=increments_for(lite, increments))


def increments_for(stmt: Any, increments: dict[str, Any]) -> dict[str, Any]:
    return {name: make(stmt.excluded) for name, make in increments.items()}


async def record_correct(
    session: AsyncSession, member: Member, post_date: date, at: datetime
) -> None:
    """One more point in each period containing `post_date`, the last one scored `at`.

    Upserts that increment, so two answers of the same member graded at once (two processes)
    both count; the members-per-points counts move with them in the same transaction.
    """
    rows = [
        {
            "community_id": member.community_id,
            "member_id": member.id,
            "period": period,
            "period_start": period_start(period, post_date),
            "points": 1,
            "last_correct_at": at,
        }
        for period in PERIODS
    ]
    latest = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
    stmt = _upsert(
        session, ChallengeScore, rows, ["community_id", "member_id", "period", "period_start"],
        {"points": lambda new: ChallengeScore.points + 1,
         "last_correct_at": lambda new: latest(ChallengeScore.last_correct_at,
                                               new.last_correct_at)},
    ).returning(ChallengeScore.period, ChallengeScore.period_start, ChallengeScore.points)
    moved = (await session.execute(stmt)).all()
    moves = [(p, s, n, +1) for p, s, n in moved] + [(p, s, n - 1, -1) for p, s, n in moved if n > 1]
    await _count(session, member.community_id, member.id % SCORE_SHARDS, moves)


async def _count(session: AsyncSession, community_id: int, shard: int,
                 moves: Sequence[tuple[str, date, int, int]]) -> None:
    """Add each move's delta to the members at its (period, start, points), in one statement
    whose rows are in key order: concurrent answers lock the shared rows in the same order."""
    if not moves:
        return
    rows = [{"community_id": community_id, "period": period, "period_start": start,
             "points": points, "shard": shard, "members": delta}
            for period, start, points, delta in sorted(moves)]
    await session.execute(_upsert(
        session, ChallengeScoreCount, rows,
        ["community_id", "period", "period_start", "points", "shard"],
        {"members": lambda new: ChallengeScoreCount.members + new.members},
    ))


async def forget_member(session: AsyncSession, member: Member) -> None:
    """Take the member out of the members-per-points counts (before their scores are deleted)."""
    rows = (await session.execute(
        select(ChallengeScore.period, ChallengeScore.period_start, ChallengeScore.points).where(
            ChallengeScore.community_id == member.community_id,
            ChallengeScore.member_id == member.id)
    )).all()
    await _count(session, member.community_id, member.id % SCORE_SHARDS,
                 [(p, s, n, -1) for p, s, n in rows])


@dataclass(frozen=True)
class Standing:
    rank: int
    member_id: int
    platform_user_id: str
    name: str
    points: int
    last_correct_at: datetime
    # Someone else has the same points (the rank is shared: "2=").
    tied: bool = False


def _in_period(community_id: int, period: str, start: date) -> ColumnElement[bool]:
    return and_(
        ChallengeScore.community_id == community_id,
        ChallengeScore.period == period,
        ChallengeScore.period_start == start,
    )


def _listing() -> Select[int, int, datetime, str, str]:
    return (
        select(
            ChallengeScore.member_id, ChallengeScore.points, ChallengeScore.last_correct_at,
            Member.platform_user_id, Member.display_name,
        )
        .join(Member, Member.id == ChallengeScore.member_id)
    )


def _order() -> tuple[Any, ...]:
    # Ties: equal points share a rank; whoever reached the score first is listed first, then
    # by name. The first two keys are the rank index's, so PostgreSQL sorts only within them.
    return (
        ChallengeScore.points.desc(), ChallengeScore.last_correct_at,
        func.lower(Member.display_name), Member.id,
    )


async def leaderboard(
    session: AsyncSession, community_id: int, period: str, day: date = ALL_TIME_START, *,
    limit: int | None = None, include_member: int | None = None,
) -> list[Standing]:
    """Standings of the `period` (week, month, all) that contains local date `day` (any day
    for all time).

    The first `limit` standings (all when None), plus `include_member`'s own wherever it ranks,
    in rank order. Ties: equal points share a rank (1, 2, 2, 4); within a tie, whoever reached
    the score first (earlier last correct answer) is listed first, then by name.
    """
    where = and_(_in_period(community_id, period, period_start(period, day)),
                 Member.community_id == community_id)
    stmt = _listing().where(where).order_by(*_order())
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = list((await session.execute(stmt)).all())
    if limit is not None and include_member is not None and all(
        r.member_id != include_member for r in rows
    ):
        own = (await session.execute(
            _listing().where(where, ChallengeScore.member_id == include_member)
        )).first()
        if own is not None:
            rows.append(own)
    if not rows:
        return []
    ranks = await _ranks(session, community_id, period, period_start(period, day),
                         sorted({int(r.points) for r in rows}))
    return [
        Standing(ranks[int(r.points)][0], r.member_id, r.platform_user_id, r.display_name,
                 int(r.points), r.last_correct_at, tied=ranks[int(r.points)][1])
        for r in rows
    ]


async def _ranks(
    session: AsyncSession, community_id: int, period: str, start: date, points: Sequence[int]
) -> dict[int, tuple[int, bool]]:
    """Points -> (rank, shared): 1 + how many members have more, and whether two or more have
    exactly that many — sums over the members-per-points counts (a few rows per point value)."""
    rows = (await session.execute(
        select(ChallengeScoreCount.points, func.sum(ChallengeScoreCount.members)).where(
            ChallengeScoreCount.community_id == community_id,
            ChallengeScoreCount.period == period,
            ChallengeScoreCount.period_start == start,
            ChallengeScoreCount.points >= min(points),
        ).group_by(ChallengeScoreCount.points)
    )).all()
    having = {int(p): int(n) for p, n in rows}
    return {p: (1 + sum(n for q, n in having.items() if q > p), having.get(p, 0) > 1)
            for p in points}
