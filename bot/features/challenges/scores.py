"""Leaderboard scores: one row per member and period, kept when a daily answer is graded.

A period is the calendar week (from Monday), the calendar month or all time, by the post's
local date in the community. `record_correct` adds a point to the member's three rows in the
transaction that stores the correct attempt; `leaderboard` reads the top N in rank order off
`ix_challenge_scores_rank` and each shown rank as a count over a range of the same index, so
its cost does not grow with the number of members or attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, select
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
    ChallengeScore,
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


async def record_correct(
    session: AsyncSession, member: Member, post_date: date, at: datetime
) -> None:
    """One more point in each period containing `post_date`, the last one scored `at`.

    One statement, an upsert that increments, so two answers of the same member graded at
    once (two processes) both count.
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
    stmt: Insert
    if session.get_bind().dialect.name == "postgresql":
        pg = pg_insert(ChallengeScore).values(rows)
        stmt = pg.on_conflict_do_update(
            index_elements=["community_id", "member_id", "period", "period_start"],
            set_={
                "points": ChallengeScore.points + 1,
                "last_correct_at": func.greatest(ChallengeScore.last_correct_at,
                                                 pg.excluded.last_correct_at),
            },
        )
    else:
        lite = sqlite_insert(ChallengeScore).values(rows)
        stmt = lite.on_conflict_do_update(
            index_elements=["community_id", "member_id", "period", "period_start"],
            set_={
                "points": ChallengeScore.points + 1,
                "last_correct_at": func.max(ChallengeScore.last_correct_at,
                                            lite.excluded.last_correct_at),
            },
        )
    await session.execute(stmt)


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
    """Points -> (rank, shared) in one round trip: 1 + how many have more, and whether two or
    more have exactly that many (each a count over a range of the rank index)."""
    scope = _in_period(community_id, period, start)
    columns = []
    for p in points:
        above = select(func.count()).where(scope, ChallengeScore.points > p)
        same = select(literal(1)).where(scope, ChallengeScore.points == p).limit(2).subquery()
        columns += [above.scalar_subquery(),
                    select(func.count()).select_from(same).scalar_subquery()]
    values = (await session.execute(select(*columns))).one()
    return {p: (int(values[2 * i]) + 1, int(values[2 * i + 1]) > 1) for i, p in enumerate(points)}
