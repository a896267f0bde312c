"""Answering, the one-attempt rule, reveals, streaks, leaderboard ties, ratings and milestones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Community, Member
from bot.features.challenges import service
from bot.features.challenges.bank import ChallengeItem
from bot.features.challenges.models import (
    POST_REVEALED,
    POST_SKIPPED,
    ChallengeAttempt,
    ChallengePost,
    TopicRating,
)
from bot.features.challenges.selection import default_catalogue
from bot.features.roadmap.models import MilestoneCheck
from tests.features.challenges import factories

MONDAY = date(2026, 3, 2)
AT_NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def right(item: ChallengeItem) -> str:
    return item.answer


def wrong(item: ChallengeItem) -> str:
    if item.kind == "choice":
        return next(letter for letter in "ABCDE" if letter != item.answer)
    if item.kind == "numeric":
        return str(float(item.answer) + 1000)
    return "definitely not it"


async def _setup(session: AsyncSession, *names: str) -> tuple[Community, list[Member]]:
    where = await factories.community(session, "c")
    return where, [await factories.member(session, where, n) for n in names]


async def _attempts(session: AsyncSession) -> list[ChallengeAttempt]:
    return list(
        (await session.execute(select(ChallengeAttempt).order_by(ChallengeAttempt.id))).scalars()
    )


@pytest.mark.parametrize("typed", ["0.25", ".25", "1/4", "25%", "2.5e-1", " 0.2500 "])
async def test_every_way_of_writing_a_quarter_is_right(app: App, typed: str) -> None:
    async with app.session_factory() as session:
        where, (ada,) = await _setup(session, "ada")
        post = await factories.post(session, where, MONDAY, "calculus-07", posted_at=AT_NINE)
        outcome = await service.answer(session, ada, post, typed, now=AT_NINE)
    assert outcome.correct


async def test_unreadable_input_costs_no_attempt_and_a_second_attempt_is_refused(app: App) -> None:
    async with app.session_factory() as session:
        where, (ada,) = await _setup(session, "ada")
        post = await factories.post(session, where, MONDAY, "calculus-07", posted_at=AT_NINE)
        with pytest.raises(InvalidInput, match="couldn't read 'a quarter' as a number"):
            await service.answer(session, ada, post, "a quarter", now=AT_NINE)
        assert await _attempts(session) == []
        first = await service.answer(session, ada, post, "0.3", now=AT_NINE)
        assert not first.correct
        with pytest.raises(
            NotAllowed, match=r"already answered this challenge \('0.3', not right\)"
        ):
            await service.answer(session, ada, post, "0.25", now=AT_NINE + timedelta(minutes=1))
        attempts = await _attempts(session)
    assert [(a.answer, a.correct) for a in attempts] == [("0.3", False)]


async def test_choice_and_short_answers(app: App) -> None:
    async with app.session_factory() as session:
        where, (ada, bob, cy) = await _setup(session, "ada", "bob", "cy")
        choice = await factories.post(session, where, MONDAY, "probability-06", posted_at=AT_NINE)
        # Letters are those of the post's own option order (shuffled per community and day).
        letter = service.item_of(choice).answer
        other = next(x for x in "ABC" if x != letter)
        assert (await service.answer(session, ada, choice, letter.lower(), now=AT_NINE)).correct
        assert not (await service.answer(session, bob, choice, other, now=AT_NINE)).correct
        with pytest.raises(InvalidInput, match="Answer with a letter A–"):
            await service.answer(session, cy, choice, "Z", now=AT_NINE)
        short = await factories.post(
            session,
            where,
            MONDAY + timedelta(days=1),
            "linear-algebra-04",
            posted_at=AT_NINE + timedelta(days=1),
        )
        assert (await service.answer(session, cy, short, "2 x 4", now=AT_NINE)).correct


async def test_a_revealed_challenge_takes_no_more_answers(app: App) -> None:
    async with app.session_factory() as session:
        where, (ada,) = await _setup(session, "ada")
        post = await factories.post(session, where, MONDAY, "calculus-07", posted_at=AT_NINE)
        await service.reveal(session, where, post, now=AT_NINE + timedelta(hours=1))
        with pytest.raises(NotAllowed, match="closed and its answer has been revealed"):
            await service.answer(session, ada, post, "0.25", now=AT_NINE + timedelta(hours=2))


async def test_reveal_shows_answer_share_first_solvers_and_source(app: App) -> None:
    async with app.session_factory() as session:
        where, members = await _setup(session, "ada", "bob", "cy", "dee", "eve")
        post = await factories.post(session, where, MONDAY, "calculus-07", posted_at=AT_NINE)
        for minutes, (m, typed) in enumerate(
            zip(members, ["0.3", "1/4", "25%", ".25", "0.25"], strict=True)
        ):
            await service.answer(session, m, post, typed, now=AT_NINE + timedelta(minutes=minutes))
        await service.reveal(session, where, post, now=AT_NINE + timedelta(days=1))
        await service.reveal(session, where, post, now=AT_NINE + timedelta(days=1))  # idempotent
        await session.commit()
        rows = list((await session.execute(select(OutboxMessage))).scalars())
    assert [r.dedupe_key for r in rows] == [f"challenge-reveal:{post.id}"]
    fields = {f["name"]: f["value"] for f in rows[0].payload["fields"]}
    assert fields["Answer"] == "0.25"
    assert fields["Results"] == "4 of 5 answered correctly (80%)."
    # The first three correct, in the order they answered.
    assert fields["First correct"] == "<@bob>, <@cy>, <@dee>"
    item = default_catalogue().item("calculus-07")
    assert item is not None and fields["Read more"] == item.source
    assert fields["Why"] == item.explanation.strip()
    assert post.status == POST_REVEALED


async def test_the_daily_post_hides_answer_and_source(app: App, clock: ManualClock) -> None:
    async with app.session_factory() as session:
        where = await factories.community(session, "c")
        clock.set(AT_NINE)
        post = await service.publish(session, where, MONDAY, now=AT_NINE, prefix="/pivot ")
        await session.commit()
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert post is not None
    item = service.item_of(post)
    payload = row.payload
    assert row.dedupe_key == f"challenge:{where.id}:2026-03-02"
    shown = payload["text"] + str(payload["fields"]) + (payload["footer"] or "")
    assert item.source not in shown and item.explanation.strip()[:40] not in shown
    assert "Topic" in str(payload["fields"]) and "Difficulty" in str(payload["fields"])
    if item.kind == "choice":
        assert [b["action"] for b in payload["buttons"]] == [
            f"challenge.answer:{post.id}:{letter}" for letter in "ABCDE"[: len(item.choices)]
        ]
        assert "A) " in payload["text"].replace("**", "")
    else:
        assert "`/pivot challenge answer" in payload["footer"]


async def test_configured_reveal_time(app: App, clock: ManualClock) -> None:
    async with app.session_factory() as session:
        where = await factories.community(session, "c", tz="Europe/Berlin", at=time(8, 0))
        await service.set_reveal_time(session, where.id, time(18, 0))
        await session.commit()
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    await app.scheduler.run_tick("challenges.post")
    clock.set(datetime(2026, 3, 2, 16, 59, tzinfo=UTC))
    await app.scheduler.run_tick("challenges.post")
    async with app.session_factory() as session:
        post = (await session.execute(select(ChallengePost))).scalar_one()
        assert post.status == "open" and post.reveal_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))  # 18:00 in Berlin
    await app.scheduler.run_tick("challenges.post")
    async with app.session_factory() as session:
        post = (await session.execute(select(ChallengePost))).scalar_one()
        keys = await factories.outbox_keys(session)
    assert post.status == POST_REVEALED
    assert keys == [f"challenge:{post.community_id}:2026-03-02", f"challenge-reveal:{post.id}"]


# --- streaks -------------------------------------------------------------------------------------


async def _week(session: AsyncSession, where: Community, days: list[date]) -> list[ChallengePost]:
    posts = []
    for day in days:
        posted = datetime.combine(day, time(9, 0), tzinfo=UTC)
        posts.append(
            await factories.post(
                session,
                where,
                day,
                f"gen-dot-product-{day.toordinal()}",
                posted_at=posted,
                status=POST_REVEALED,
            )
        )
    return posts


async def test_streaks_skip_weekends_and_admin_skips_but_not_missed_days(app: App) -> None:
    async with app.session_factory() as session:
        where, (ada,) = await _setup(session, "ada")
        week1 = [MONDAY + timedelta(days=i) for i in range(5)]  # Mon 2 – Fri 6 March
        week2 = [MONDAY + timedelta(days=7 + i) for i in (0, 2, 3)]  # Mon 9, Wed 11, Thu 12
        posts = await _week(session, where, week1 + week2)
        # Tuesday 10 March: the admins skipped it; it has a skip marker and no item.
        session.add(
            ChallengePost(
                community_id=where.id,
                local_date=date(2026, 3, 10),
                status=POST_SKIPPED,
                posted_at=AT_NINE,
            )
        )
        answered = [0, 1, 3, 4, 5, 6, 7]  # misses Wednesday 4 March
        for i in answered:
            session.add(
                ChallengeAttempt(
                    community_id=where.id,
                    post_id=posts[i].id,
                    member_id=ada.id,
                    answer="1",
                    correct=False,
                    created_at=posts[i].posted_at,
                )
            )
        await session.flush()
        # Thu, Fri, (weekend), Mon, (skipped Tue), Wed, Thu: five in a row.
        assert await service.streaks(session, ada) == (5, 5)
        # A new challenge is open and not answered yet: the streak still stands.
        today = await factories.post(
            session,
            where,
            date(2026, 3, 13),
            "gen-dot-product-1",
            posted_at=datetime(2026, 3, 13, 9, 0, tzinfo=UTC),
        )
        assert await service.streaks(session, ada) == (5, 5)
        # Revealed without an answer from ada: the streak is broken, the best remains.
        await service.reveal(session, where, today, now=datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
        assert await service.streaks(session, ada) == (0, 5)


async def test_a_streak_of_ten_checks_no_milestone(app: App) -> None:
    # The math step's milestones are math now, not an answering streak (issue 17).
    async with app.session_factory() as session:
        where, (ada,) = await _setup(session, "ada")
        days = [
            MONDAY + timedelta(days=i)
            for i in range(14)
            if (MONDAY + timedelta(days=i)).weekday() < 5
        ]
        posts = await _week(session, where, days[:9])
        for p in posts:
            session.add(
                ChallengeAttempt(
                    community_id=where.id,
                    post_id=p.id,
                    member_id=ada.id,
                    answer="1",
                    correct=False,
                    created_at=p.posted_at,
                )
            )
        tenth = await factories.post(
            session,
            where,
            days[9],
            "calculus-07",
            posted_at=datetime.combine(days[9], time(9), tzinfo=UTC),
        )
        outcome = await service.answer(session, ada, tenth, "0.9", now=tenth.posted_at)
        checks = list((await session.execute(select(MilestoneCheck.milestone_id))).scalars())
    assert outcome.streak == 10 and not outcome.correct
    assert [m.id for m in outcome.milestones] == [] and checks == []


async def test_correct_answers_feed_the_basics_and_math_milestones(app: App) -> None:
    async with app.session_factory() as session:
        where, (ada,) = await _setup(session, "ada")
        earned: list[str] = []
        start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        for i in range(20):
            day = start + timedelta(days=i)
            for offset, family in ((0, "softmax-component"), (1, "dot-product")):
                if family == "softmax-component" and i >= 10:
                    continue
                item_id = f"gen-{family}-{i}"
                post = await factories.post(
                    session,
                    where,
                    (day + timedelta(days=40 * offset)).date(),
                    item_id,
                    posted_at=day,
                )
                item = default_catalogue().item(item_id)
                assert item is not None
                outcome = await service.answer(session, ada, post, right(item), now=day)
                assert outcome.correct
                earned += [f"{i}:{m.id}" for m in outcome.milestones]
                post.status = POST_REVEALED
    # The 10th correct basics answer (i = 9), the 20th correct math one (i = 19).
    assert earned == ["9:basics-6", "19:math-8"]


# --- ratings --------------------------------------------------------------------------------------


async def test_graded_and_practice_answers_move_the_topic_rating(app: App) -> None:
    async with app.session_factory() as session:
        where, (ada,) = await _setup(session, "ada")
        post = await factories.post(
            session, where, MONDAY, "probability-06", posted_at=AT_NINE
        )  # difficulty 3
        outcome = await service.answer(
            session, ada, post, service.item_of(post).answer, now=AT_NINE
        )
        assert (round(outcome.rating_before), round(outcome.rating_after)) == (1000, 1024)
        row, item = await service.start_practice(
            session, ada, topic="probability", difficulty=3, now=AT_NINE
        )
        practised = await service.answer_practice(session, ada, row, wrong(item), now=AT_NINE)
        assert not practised.correct and practised.rating_before == outcome.rating_after
        assert practised.rating_after < practised.rating_before
        rating = (await session.execute(select(TopicRating))).scalar_one()
        assert (rating.topic, rating.answers, rating.rating) == (
            "probability",
            2,
            practised.rating_after,
        )
        with pytest.raises(NotAllowed, match="answered that practice question"):
            await service.answer_practice(session, ada, row, right(item), now=AT_NINE)
        # Practice never counts towards streaks or standings.
        assert await service.streaks(session, ada) == (1, 1)
        board = await service.leaderboard(session, where.id, "all")
        assert [(s.name, s.points) for s in board] == [("ada", 1)]


async def test_practice_follows_the_members_level_and_never_serves_the_open_challenge(
    app: App,
) -> None:
    async with app.session_factory() as session:
        where, (ada,) = await _setup(session, "ada")
        session.add(
            TopicRating(
                community_id=where.id,
                member_id=ada.id,
                topic="statistics",
                rating=1310.0,
                answers=12,
                updated_at=AT_NINE,
            )
        )
        await session.flush()
        strong = [
            (
                await service.start_practice(
                    session, ada, topic="statistics", difficulty=None, now=AT_NINE
                )
            )[1]
            for _ in range(4)
        ]
        assert all(item.difficulty >= 4 for item in strong)
        easy = [
            (
                await service.start_practice(
                    session, ada, topic="calculus", difficulty=1, now=AT_NINE
                )
            )[1]
            for _ in range(2)
        ]
        assert all(item.difficulty == 1 for item in easy)
        assert len({i.id for i in strong + easy}) == 6  # nothing repeats for the member
        open_post = await factories.post(session, where, MONDAY, "calculus-07", posted_at=AT_NINE)
        served = {
            (
                await service.start_practice(
                    session, ada, topic="calculus", difficulty=2, now=AT_NINE
                )
            )[1].id
            for _ in range(12)
        }
        assert open_post.item_id not in served


# --- leaderboard ----------------------------------------------------------------------------------


async def test_leaderboard_ties_share_a_rank_and_list_who_got_there_first(app: App) -> None:
    async with app.session_factory() as session:
        where, (ada, bob, cy, dee) = await _setup(session, "ada", "bob", "cy", "dee")
        old = await factories.post(
            session,
            where,
            date(2026, 2, 20),
            "gen-dot-product-1",
            posted_at=datetime(2026, 2, 20, 9, tzinfo=UTC),
        )
        mon = await factories.post(
            session, where, MONDAY, "gen-dot-product-2", posted_at=AT_NINE
        )
        tue = await factories.post(
            session,
            where,
            MONDAY + timedelta(days=1),
            "gen-dot-product-3",
            posted_at=AT_NINE + timedelta(days=1),
        )
        answers = [  # (post, member, correct, minutes after the post)
            (old, dee, True, 1),
            (old, cy, True, 2),
            (mon, ada, True, 5),
            (mon, bob, True, 1),
            (mon, cy, True, 9),
            (mon, dee, False, 2),
            (tue, ada, True, 1),
            (tue, bob, True, 30),
            (tue, cy, False, 3),
        ]
        for post, who, correct, minutes in answers:
            item = service.item_of(post)
            await service.answer(session, who, post, right(item) if correct else wrong(item),
                                 now=post.posted_at + timedelta(minutes=minutes))
        week = await service.leaderboard(session, where.id, "week", MONDAY + timedelta(days=1))
        all_time = await service.leaderboard(session, where.id, "all")
        top_two = await service.leaderboard(session, where.id, "all", limit=2,
                                            include_member=dee.id)
    # This week: ada and bob tie on 2 (ada reached 2 first, on Tuesday at 09:01); cy has 1.
    assert [(s.rank, s.name, s.points, s.tied) for s in week] == [
        (1, "ada", 2, True),
        (1, "bob", 2, True),
        (3, "cy", 1, False),
    ]
    # All time: cy (2, last correct Monday) before ada and bob (2, Tuesday); dee 1.
    assert [(s.rank, s.name, s.points) for s in all_time] == [
        (1, "cy", 2),
        (1, "ada", 2),
        (1, "bob", 2),
        (4, "dee", 1),
    ]
    # A top two still shows the shared rank, and the caller's own line below it.
    assert [(s.rank, s.name, s.tied) for s in top_two] == [
        (1, "cy", True), (1, "ada", True), (4, "dee", False),
    ]


async def test_days_and_ramp_settings_are_validated(app: App) -> None:
    assert service.parse_days("Fri, mon,wed") == ("mon", "wed", "fri")
    assert service.parse_days("weekdays") == ("mon", "tue", "wed", "thu", "fri")
    with pytest.raises(InvalidInput, match="Name days like mon,tue,wed"):
        service.parse_days("mon,funday")
    assert service.parse_ramp("2,2,3,3,4") == (2, 2, 3, 3, 4, 3, 3)
    with pytest.raises(InvalidInput, match="Give 5 .* or 7"):
        service.parse_ramp("1,2,3")
    with pytest.raises(InvalidInput):
        service.parse_ramp("1,2,3,4,6")
