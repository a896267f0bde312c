"""Routing: the best-rated awake opted-in helper first, never the asker, fairness caps hold."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.core.tenancy import Community, Member, ensure_community, ensure_member
from bot.features.ask import service
from bot.features.ask.models import Helper, Ping, Question
from bot.features.ask.routing import DAILY_CAP, awake
from bot.features.challenges.models import TopicRating

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def people(session, names: list[str]) -> tuple[Community, dict[str, Member]]:  # type: ignore[no-untyped-def]
    community = await ensure_community(session, "console", "local")
    return community, {n: await ensure_member(session, community, n) for n in names}


def helper(member: Member, topics: str = "", *, active: bool = True) -> Helper:
    return Helper(community_id=member.community_id, member_id=member.id, topics=topics, active=active,
                  updated_at=NOON)


def question(member: Member, number: int, topic: str = "metrics", *, at: datetime = NOON) -> Question:
    return Question(community_id=member.community_id, member_id=member.id, number=number,
                    title=f"Question {number}", topic=topic, status="open", created_at=at, posted_at=at,
                    channel_id="questions")


async def test_best_rated_awake_opted_in_helper_is_picked_and_never_the_asker(app: App) -> None:
    async with app.session_factory() as session, session.begin():
        community, m = await people(session, ["asker", "expert", "novice", "sleeper", "optout", "any"])
        m["sleeper"].timezone = "Pacific/Kiritimati"  # UTC+14: 02:00 at noon UTC → asleep
        session.add_all([
            helper(m["asker"]), helper(m["expert"], "metrics"), helper(m["novice"], "metrics"),
            helper(m["sleeper"], "metrics"), helper(m["optout"], "metrics", active=False),
            helper(m["any"]),
        ])
        for name, rating in (("expert", 1400.0), ("novice", 900.0), ("sleeper", 1600.0), ("asker", 1700.0)):
            session.add(TopicRating(community_id=community.id, member_id=m[name].id, topic="metrics",
                                    rating=rating, answers=10, updated_at=NOON))
        q = question(m["asker"], 1)
        session.add(q)
        await session.flush()
        picks = await service.route(session, community, q, now=NOON, round_=1)
    names = [p.display_name for p in picks]
    assert names[0] == "expert"
    assert "asker" not in names and "sleeper" not in names and "optout" not in names
    assert set(names) == {"expert", "novice", "any"}
    assert picks[0].parts["rating"] == 1.0 and picks[0].parts["topic"] == 1.0


async def test_topic_filter_and_second_round_adds_new_people(app: App) -> None:
    async with app.session_factory() as session, session.begin():
        community, m = await people(session, ["asker", "h1", "h2", "h3", "h4", "math"])
        session.add_all([helper(m[n], "metrics") for n in ("h1", "h2", "h3", "h4")] + [helper(m["math"], "calculus")])
        q = question(m["asker"], 1)
        session.add(q)
        await session.flush()
        first = await service.route(session, community, q, now=NOON, round_=1)
        second = await service.route(session, community, q, now=NOON + timedelta(hours=2), round_=2)
    assert len(first) == 3 and len(second) == 1
    assert {p.display_name for p in first} | {p.display_name for p in second} == {"h1", "h2", "h3", "h4"}


async def test_busy_day_fairness(app: App) -> None:
    """200 questions over a day, 50 helpers across time zones: nobody over the cap in any 24 h,
    and every question finds helpers whenever someone eligible exists."""
    rng = random.Random(16)
    zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney",
             "America/Los_Angeles"]
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    async with app.session_factory() as session, session.begin():
        names = [f"h{i}" for i in range(50)] + [f"a{i}" for i in range(30)]
        community, m = await people(session, names)
        for i in range(50):
            m[f"h{i}"].timezone = zones[i % len(zones)]
            session.add(helper(m[f"h{i}"]))
        helpers = [m[f"h{i}"] for i in range(50)]
        pinged: dict[int, list[datetime]] = {h.id: [] for h in helpers}
        for n in range(1, 201):
            at = start + timedelta(minutes=7 * n)
            asker = m[rng.choice(names)]
            eligible = [
                h for h in helpers
                if h.id != asker.id and awake(h.timezone or "UTC", at)
                and sum(1 for t in pinged[h.id] if t > at - timedelta(hours=24)) < DAILY_CAP
            ]
            q = question(asker, n, at=at)
            session.add(q)
            await session.flush()
            picks = await service.route(session, community, q, now=at, round_=1)
            assert bool(picks) == bool(eligible), f"question {n}"
            assert asker.id not in {p.member_id for p in picks}
            assert {p.member_id for p in picks} <= {h.id for h in eligible}
            for p in picks:
                pinged[p.member_id].append(at)
        times = (await session.execute(select(Ping.member_id, Ping.created_at))).all()
    by_member: dict[int, list[datetime]] = {}
    for member_id, created in times:
        by_member.setdefault(member_id, []).append(created)
    for stamps in by_member.values():
        stamps.sort()
        for i, t in enumerate(stamps):
            assert sum(1 for u in stamps[i:] if u < t + timedelta(hours=24)) <= DAILY_CAP
    assert sum(len(s) for s in by_member.values()) >= 90  # the day's capacity is used


async def test_milestones_counted_for_leaders_only_still_give_the_exact_best(app: App, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Milestones are counted for the leaders by every other part; someone just below them with
    many milestones must still win when their total is higher."""
    from bot.features.ask import routing
    from bot.features.roadmap.models import MilestoneCheck

    monkeypatch.setattr(routing, "LEADERS", 1)
    async with app.session_factory() as session, session.begin():
        community, m = await people(session, ["asker", "rated", "veteran"])
        session.add_all([helper(m["rated"], "metrics"), helper(m["veteran"], "metrics")])
        session.add(TopicRating(community_id=community.id, member_id=m["rated"].id, topic="metrics",
                                rating=1040.0, answers=1, updated_at=NOON))  # partial 1.125
        session.add_all([MilestoneCheck(community_id=community.id, member_id=m["veteran"].id,
                                        milestone_id=f"basics-{i}", checked_at=NOON) for i in range(1, 10)]
                        + [MilestoneCheck(community_id=community.id, member_id=m["veteran"].id,
                                          milestone_id=f"math-{i}", checked_at=NOON) for i in range(1, 10)])
        q = question(m["asker"], 1)
        session.add(q)
        await session.flush()
        [pick] = await routing.pick_helpers(session, community, q, now=NOON, limit=1)
    assert pick.display_name == "veteran" and pick.parts["milestones"] == 0.45


async def test_walking_the_best_rated_gives_exactly_the_best_by_the_score(app: App, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With ratings in the topic, routing reads the best rated first and stops early; the picks
    must be exactly those a full scoring of every helper gives (small batches force several)."""
    from bot.features.ask import routing
    from bot.features.roadmap.models import MilestoneCheck

    monkeypatch.setattr(routing, "LEADER_BATCH", 7)
    monkeypatch.setattr(routing, "LEADER_BATCHES", 50)
    rng = random.Random(5)
    zones = ["UTC", "Europe/Berlin", "Asia/Tokyo", "America/New_York"]  # Tokyo: 21:00 at noon UTC
    async with app.session_factory() as session, session.begin():
        names = [f"h{i}" for i in range(60)] + ["asker", "other"]
        community, m = await people(session, names)
        m["asker"].timezone = "UTC"
        for i in range(60):
            h = m[f"h{i}"]
            h.timezone = rng.choice(zones)
            session.add(helper(h, rng.choice(["", "metrics", "metrics,validation", "calculus"])))
            if rng.random() < 0.8:
                session.add(TopicRating(community_id=community.id, member_id=h.id, topic="metrics",
                                        rating=rng.gauss(1000, 250), answers=rng.randint(0, 30), updated_at=NOON))
            session.add_all([MilestoneCheck(community_id=community.id, member_id=h.id, milestone_id=f"basics-{k}",
                                            checked_at=NOON) for k in range(rng.randint(0, 12))])
        # Ratings of members who are not helpers are walked past.
        session.add(TopicRating(community_id=community.id, member_id=m["other"].id, topic="metrics",
                                rating=1900.0, answers=30, updated_at=NOON))
        earlier = question(m["asker"], 1, at=NOON - timedelta(hours=1))
        session.add(earlier)
        await session.flush()
        pinged = [m[f"h{i}"] for i in rng.sample(range(60), 15)]
        session.add_all([Ping(community_id=community.id, question_id=earlier.id, member_id=h.id, round=1,
                              score=1.0, parts={}, created_at=NOON - timedelta(hours=rng.choice([1, 5])))
                         for h in pinged])
        q = question(m["asker"], 2)
        session.add(q)
        await session.flush()
        walked, _ = await routing._from_the_best_rated(session, community, q, now=NOON, limit=5)
        fast = await routing.pick_helpers(session, community, q, now=NOON, limit=5)
        full = await routing._from_everyone(session, community, q, now=NOON, limit=5)
    assert walked is not None  # the walk proved its answer (no fallback to scoring everyone)
    assert [c.member_id for c in walked[:5]] == [p.member_id for p in fast]
    assert len(fast) == 5
    assert [p.member_id for p in fast] == [c.member_id for c in full[:5]]
    assert [p.score for p in fast] == [round(c.total, 3) for c in full[:5]]
    assert all(p.parts["challenge_rating"] is not None for p in fast[:1])


async def test_a_topic_nobody_is_rated_in_gives_the_same_picks_as_scoring_everyone(app: App) -> None:
    """Career, tooling, projects: no challenge ratings, so routing scores every eligible helper
    (on PostgreSQL, leaving in the database whoever trails by more than milestones can make up);
    the picks equal those of scoring everyone with nothing left out."""
    from bot.features.ask import routing
    from bot.features.roadmap.models import MilestoneCheck

    rng = random.Random(9)
    async with app.session_factory() as session, session.begin():
        names = [f"h{i}" for i in range(40)] + ["asker"]
        community, m = await people(session, names)
        for i in range(40):
            h = m[f"h{i}"]
            h.timezone = rng.choice(["UTC", "Europe/Berlin", "Asia/Tokyo"])
            session.add(helper(h, rng.choice(["", "", "career", "career,tooling", "tooling"])))
            session.add_all([MilestoneCheck(community_id=community.id, member_id=h.id, milestone_id=f"jobs-{k}",
                                            checked_at=NOON) for k in range(rng.randint(0, 25))])
        earlier = question(m["asker"], 1, "career", at=NOON - timedelta(hours=2))
        session.add(earlier)
        await session.flush()
        session.add_all([Ping(community_id=community.id, question_id=earlier.id, member_id=m[f"h{i}"].id, round=1,
                              score=1.0, parts={}, created_at=NOON - timedelta(hours=rng.choice([1, 6])))
                         for i in rng.sample(range(40), 12)])
        q = question(m["asker"], 2, "career")
        session.add(q)
        await session.flush()
        picks = await routing.pick_helpers(session, community, q, now=NOON, limit=4)
        everyone = await routing._from_everyone(session, community, q, now=NOON, limit=4)
    assert len(picks) == 4
    assert [(p.member_id, p.score) for p in picks] == [(c.member_id, round(c.total, 3)) for c in everyone[:4]]
    assert all(p.parts["topic"] == 1.0 for p in picks)  # listed it: 'any topic' helpers trail
