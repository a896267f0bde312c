"""The leaderboard's score table stays what the attempts say, across week and month boundaries,
and the migration that adds it fills it from the attempts already stored."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import migrate
from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.errors import NotAllowed
from bot.core.tenancy import Member
from bot.features.challenges import service
from bot.features.challenges.models import (
    PERIODS,
    ChallengeAttempt,
    ChallengePost,
    ChallengeScore,
    ChallengeScoreCount,
)
from bot.features.challenges.scores import Standing, period_start
from tests.features.challenges import factories
from tests.features.challenges.test_service import right, wrong

# Fri 27 Mar, Sun 29 Mar, Mon 30 Mar, Tue 31 Mar, Wed 1 Apr (new month, same week), Mon 6 Apr.
DAYS = [date(2026, 3, 27), date(2026, 3, 29), date(2026, 3, 30), date(2026, 3, 31),
        date(2026, 4, 1), date(2026, 4, 6)]
NAMES = ["ada", "Bob", "cy", "dee", "eve"]
_communities = itertools.count()

Key = tuple[int, str, date]


async def _recomputed(session: AsyncSession, community_id: int) -> dict[Key, tuple[int, datetime]]:
    """Points and last correct answer per (member, period, start), from the attempts alone."""
    rows = (await session.execute(
        select(ChallengeAttempt.member_id, ChallengeAttempt.created_at, ChallengePost.local_date)
        .join(ChallengePost, ChallengePost.id == ChallengeAttempt.post_id)
        .where(ChallengeAttempt.community_id == community_id, ChallengeAttempt.correct.is_(True))
    )).all()
    expected: dict[Key, tuple[int, datetime]] = {}
    for member_id, at, day in rows:
        for period in PERIODS:
            key = (member_id, period, period_start(period, day))
            points, last = expected.get(key, (0, at))
            expected[key] = (points + 1, max(last, at))
    return expected


async def _stored(session: AsyncSession, community_id: int) -> dict[Key, tuple[int, datetime]]:
    rows = (await session.execute(
        select(ChallengeScore).where(ChallengeScore.community_id == community_id)
    )).scalars()
    return {(r.member_id, r.period, r.period_start): (r.points, r.last_correct_at) for r in rows}


async def _counted(session: AsyncSession, community_id: int) -> dict[tuple[str, date, int], int]:
    """Members per (period, start, points) as the counts table has them (shards summed, zeros
    left out)."""
    rows = (await session.execute(
        select(ChallengeScoreCount).where(ChallengeScoreCount.community_id == community_id)
    )).scalars()
    counted: dict[tuple[str, date, int], int] = {}
    for r in rows:
        key = (r.period, r.period_start, r.points)
        counted[key] = counted.get(key, 0) + r.members
    return {k: n for k, n in counted.items() if n}


def _histogram(scored: dict[Key, tuple[int, datetime]]) -> dict[tuple[str, date, int], int]:
    counted: dict[tuple[str, date, int], int] = {}
    for (_, period, start), (points, _) in scored.items():
        counted[(period, start, points)] = counted.get((period, start, points), 0) + 1
    return counted


def _reference(scored: dict[Key, tuple[int, datetime]], members: Sequence[Member], period: str,
               day: date) -> list[tuple[int, str, int, bool]]:
    """The standings as the old aggregate-every-attempt query ranked them."""
    start = period_start(period, day)
    rows = [(m, *scored[(m.id, period, start)]) for m in members if (m.id, period, start) in scored]
    rows.sort(key=lambda r: (-r[1], r[2], r[0].display_name.lower(), r[0].id))
    points = [r[1] for r in rows]
    return [(1 + sum(p > r[1] for p in points), r[0].display_name, r[1], points.count(r[1]) > 1)
            for r in rows]


def _shown(standings: list[Standing]) -> list[tuple[int, str, int, bool]]:
    return [(s.rank, s.name, s.points, s.tied) for s in standings]


answers = st.lists(
    st.tuples(st.integers(0, len(NAMES) - 1), st.integers(0, len(DAYS) - 1), st.booleans(),
              st.integers(0, 3)),
    max_size=30,
)


@examples(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(answers=answers, practice=st.lists(st.booleans(), max_size=3),
       caller=st.integers(0, len(NAMES) - 1), limit=st.integers(1, 4))
async def test_scores_equal_a_recount_of_the_attempts(
    app: App, answers: list[tuple[int, int, bool, int]], practice: list[bool], caller: int,
    limit: int,
) -> None:
    async with app.session_factory() as session:
        where = await factories.community(session, f"prop-{next(_communities)}")
        members = [await factories.member(session, where, n) for n in NAMES]
        posts = [await factories.post(session, where, day, f"gen-dot-product-{i}",
                                      posted_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
                 for i, day in enumerate(DAYS)]
        for who, which, correct, hour in answers:
            post = posts[which]
            item = service.item_of(post)
            try:
                await service.answer(session, members[who], post,
                                     right(item) if correct else wrong(item),
                                     now=post.posted_at + timedelta(hours=hour))
            except NotAllowed:
                pass  # a second answer to the same post: refused, and it must not count
        for correct in practice:  # practice never counts
            row, item = await service.start_practice(session, members[0], topic=None,
                                                     difficulty=None, now=posts[0].posted_at)
            await service.answer_practice(session, members[0], row,
                                          right(item) if correct else wrong(item),
                                          now=posts[0].posted_at)
        recount = await _recomputed(session, where.id)
        assert await _stored(session, where.id) == recount
        assert await _counted(session, where.id) == _histogram(recount)
        for period, day in [("week", DAYS[3]), ("week", DAYS[5]), ("month", DAYS[2]),
                            ("month", DAYS[4]), ("all", DAYS[0])]:
            full = _reference(recount, members, period, day)
            assert _shown(await service.leaderboard(session, where.id, period, day)) == full
            # The top `limit` and the caller's own line, wherever they rank.
            shown = _shown(await service.leaderboard(
                session, where.id, period, day, limit=limit, include_member=members[caller].id))
            own = [r for r in full[limit:] if r[1] == NAMES[caller]]
            assert shown == full[:limit] + own


async def test_the_migration_fills_the_scores_from_stored_attempts(
    settings: Settings, clock: ManualClock, database_url: str
) -> None:
    """Upgrading a database that already has graded answers gives everyone their points."""
    await migrate.downgrade_async(database_url, "0017")
    try:
        before = App(settings, clock=clock)
        try:
            async with before.session_factory() as session:
                where = await factories.community(session, "old")
                ada, bob = [await factories.member(session, where, n) for n in ("ada", "bob")]
                for i, day in enumerate(DAYS):
                    post = await factories.post(
                        session, where, day, f"gen-dot-product-{i}",
                        posted_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
                    for j, who in enumerate((ada, bob)):
                        session.add(ChallengeAttempt(
                            community_id=where.id, post_id=post.id, member_id=who.id, answer="x",
                            correct=(i + j) % 3 != 0,
                            created_at=post.posted_at + timedelta(minutes=7 * i + j)))
                await session.commit()
                community_id = where.id
        finally:
            await before.close()
    finally:
        await migrate.upgrade_async(database_url)
    after = App(settings, clock=clock)
    try:
        async with after.session_factory() as session:
            recount = await _recomputed(session, community_id)
            # ada: 3 weeks, 2 months, all time; bob: 2 weeks, 2 months, all time.
            assert len(recount) == 11
            assert await _stored(session, community_id) == recount
            assert await _counted(session, community_id) == _histogram(recount)
            board = await service.leaderboard(session, community_id, "month", DAYS[2])
            assert [(s.name, s.points) for s in board] == [("bob", 3), ("ada", 2)]
    finally:
        await after.close()


async def test_answers_graded_at_once_all_count(app: App) -> None:
    """Sixteen members answering in the same moment, each in their own transaction: every point
    and every members-per-points count is there, with no deadlock between the shared rows."""
    import asyncio

    async with app.session_factory() as session:
        where = await factories.community(session, "rush")
        members = [await factories.member(session, where, f"m{i}") for i in range(16)]
        earlier = await factories.post(session, where, DAYS[2], "gen-dot-product-1",
                                       posted_at=datetime(2026, 3, 30, 9, tzinfo=UTC))
        today = await factories.post(session, where, DAYS[3], "gen-dot-product-2",
                                     posted_at=datetime(2026, 3, 31, 9, tzinfo=UTC))
        for m in members[::2]:  # half already have a point this week
            await service.answer(session, m, earlier, right(service.item_of(earlier)),
                                 now=earlier.posted_at)
        await session.commit()
        community_id, post_id = where.id, today.id

    async def answer(member_id: int, offset: int) -> None:
        async with app.session_factory() as session:
            member = await session.get(Member, member_id)
            post = await session.get(ChallengePost, post_id)
            assert member is not None and post is not None
            await service.answer(session, member, post, right(service.item_of(post)),
                                 now=post.posted_at + timedelta(seconds=offset))
            await session.commit()

    await asyncio.gather(*(answer(m.id, i) for i, m in enumerate(members)))
    async with app.session_factory() as session:
        recount = await _recomputed(session, community_id)
        assert await _stored(session, community_id) == recount
        assert await _counted(session, community_id) == _histogram(recount)
        board = await service.leaderboard(session, community_id, "week", DAYS[3], limit=3)
    assert [(s.rank, s.points, s.tied) for s in board] == [(1, 2, True)] * 3
