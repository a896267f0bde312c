"""Who is asked about a question: opted-in helpers who know the topic, are awake, and aren't
asked too often.

The score of a helper, with its parts (kept on each ping so `ask why` can explain it):

- topic: 1.0 when the helper listed the topic, 0.3 when they help with any topic;
- rating: their challenge rating in the topic, (rating − 1000) / 400 clipped to [−1, 2];
- experience: challenge answers in the topic, up to 20 → up to 0.5;
- milestones: roadmap milestones done, up to 20 → up to 0.5;
- fairness: −0.4 per ping in the last 24 hours, −0.3 more when pinged in the last 3 hours.

Hard rules: never the asker, never someone already asked about this question, nobody asleep
(08:00–22:00 in their time zone), nobody pinged twice in the last 24 hours.

How it stays fast with thousands of helpers (see bench/ask_routing.py):

1. the topic's best rated are read from the top, 200 at a time, through the challenges
   feature (`topic_leaders`, an index range); one query over this feature's own tables says
   which of them are eligible helpers (opted in, topic, awake, under the daily cap — the pings
   of the last 24 hours come from an index range on `(community_id, created_at)`, a day's
   slice of the table), the roadmap feature (`milestones_done`) adds their milestones, and
   the walk stops as soon as nobody not yet read could overtake the picks: a rating bounds the
   rating part, the other parts have fixed maxima (a threshold algorithm: exact);
2. when that can't be shown (a topic without ratings — career, tooling — or everyone strong
   asleep or busy), every eligible helper is scored: one query over the ask tables (awake
   zones joined as one array on PostgreSQL), their topic strengths in one bulk call to the
   challenges feature (`topic_strengths`) unless the walk already read them all, and
   milestones for the LEADERS best by every other part, further down only while someone
   there could still overtake the picks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import String, bindparam, case, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import in_ids, is_postgres
from bot.core.tenancy import Community, Member
from bot.features.ask.models import Helper, Ping, Question
from bot.features.challenges import service as challenges
from bot.features.roadmap import service as roadmap

PICKS_PER_ROUND = 3
DAILY_CAP = 2
AWAKE_FROM, AWAKE_UNTIL = 8, 22
RECENT = timedelta(hours=3)
TOPIC_MAX = 1.0
EXPERIENCE_MAX = 0.5
MILESTONE_MAX = 0.5
# The most a helper with no challenge rating in the topic can score: topic and milestones.
UNRATED_MAX = TOPIC_MAX + MILESTONE_MAX
# Walking the topic's best rated: members per batch, and batches before scoring everyone.
LEADER_BATCH = 200
LEADER_BATCHES = 3
# How many helpers, by every score part but milestones, get their milestones counted first.
LEADERS = 50
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Pick:
    member_id: int
    platform_user_id: str
    display_name: str
    score: float
    parts: dict[str, Any]


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def awake(tz: str, now: datetime) -> bool:
    try:
        hour = now.astimezone(_zone(tz)).hour
    except (KeyError, ValueError):
        hour = now.hour
    return AWAKE_FROM <= hour < AWAKE_UNTIL


@lru_cache(maxsize=64)
def _awake_at(minute: datetime) -> frozenset[str]:
    return frozenset(z for z in available_timezones() if awake(z, minute))


def awake_zones(now: datetime) -> frozenset[str]:
    """Every IANA zone where it is 08:00–22:00 now (the same for a whole minute: cached)."""
    return _awake_at(now.replace(second=0, microsecond=0))


def _clip(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


@dataclass
class _Candidate:
    member_id: int
    platform_user_id: str
    display_name: str
    topic: float
    rating: float
    experience: float
    fairness: float
    pings_24h: int
    last: datetime | None
    raw_rating: float | None
    milestones: float = 0.0

    @property
    def partial(self) -> float:
        """Everything but milestones."""
        return self.topic + self.rating + self.experience + self.fairness

    @property
    def total(self) -> float:
        return self.partial + self.milestones


async def _candidates(
    session: AsyncSession, community: Community, question: Question, *, now: datetime,
    among: Collection[int] | None = None, strengths: dict[int, challenges.TopicStrength] | None = None,
    best_of: int | None = None,
) -> list[_Candidate]:
    """Opted-in, awake helpers for this topic under the daily cap, not yet asked about this
    question, never the asker; every score part but milestones. `among`: only these members.
    `strengths`: the topic strengths when already known (else asked of the challenges feature).
    `best_of` (PostgreSQL, nobody rated in the topic): only those who could still be among the
    best `best_of` — the score is then topic + fairness + milestones, and milestones add at
    most MILESTONE_MAX, so whoever trails the `best_of`-th by more than that is left in the
    database."""
    cid = community.id
    recent_where = [Ping.community_id == cid, Ping.created_at > now - DAY]
    if among is not None:
        recent_where.append(in_ids(session, Ping.member_id, list(among)))
    recent = (
        select(
            Ping.member_id.label("member_id"),
            func.count().label("n"),
            func.max(Ping.created_at).label("last"),
        )
        .where(*recent_where)
        .group_by(Ping.member_id)
        .subquery()
    )
    n_pings = func.coalesce(recent.c.n, 0)
    already = select(Ping.member_id).where(Ping.question_id == question.id)
    zone = func.coalesce(Member.timezone, community.timezone)
    stmt = (
        select(Helper.member_id, Helper.topics == "", zone, n_pings, recent.c.last,
               Member.platform_user_id, Member.display_name)
        .join(Member, Member.id == Helper.member_id)
        .outerjoin(recent, recent.c.member_id == Helper.member_id)
        .where(
            Helper.community_id == cid,
            Member.community_id == cid,
            Helper.active.is_(True),
            Helper.member_id != question.member_id,
            or_(Helper.topics == "", ("," + Helper.topics + ",").contains(f",{question.topic},")),
            n_pings < DAILY_CAP,
            Helper.member_id.not_in(already),
        )
    )
    awake_now = awake_zones(now)
    if among is not None:
        stmt = stmt.where(in_ids(session, Helper.member_id, list(among)))
    elif is_postgres(session):
        # Awake: a hash join with the few hundred zones where it is daytime (one array
        # parameter), so only awake helpers leave the database.
        zones = func.unnest(bindparam("zones", sorted(awake_now), type_=ARRAY(String))).table_valued("name")
        stmt = stmt.join(zones, zones.c.name == zone)
        if best_of is not None:
            ask_part = (case((Helper.topics == "", literal(0.3)), else_=literal(1.0)) - 0.4 * n_pings
                        - case((recent.c.last > now - RECENT, literal(0.3)), else_=literal(0.0)))
            every = stmt.add_columns(ask_part.label("ask_part")).cte("every")
            cutoff = select(every.c.ask_part).order_by(every.c.ask_part.desc()).offset(best_of - 1).limit(1)
            stmt = select(*[c for c in every.c if c.name != "ask_part"]).where(
                every.c.ask_part >= func.coalesce(cutoff.scalar_subquery(), -100.0) - MILESTONE_MAX - 1e-9)
    rows = [r for r in (await session.execute(stmt)).all() if r[2] in awake_now]
    if strengths is None:
        strengths = await challenges.topic_strengths(session, cid, [r[0] for r in rows], question.topic)
    out = []
    for member_id, any_topic, _zone, pings, last, user_id, name in rows:
        strength = strengths.get(member_id)
        answers = strength.answers if strength else 0
        recently = last is not None and last > now - RECENT
        out.append(_Candidate(
            member_id=member_id,
            platform_user_id=user_id,
            display_name=name,
            topic=0.3 if any_topic else 1.0,
            rating=_clip((strength.rating - 1000.0) / 400.0, -1.0, 2.0) if strength and answers > 0 else 0.0,
            experience=_clip(answers / 40.0, 0.0, 0.5),
            fairness=-0.4 * int(pings) - (0.3 if recently else 0.0),
            pings_24h=int(pings),
            last=last,
            raw_rating=strength.rating if strength else None,
        ))
    return out


async def pick_helpers(
    session: AsyncSession,
    community: Community,
    question: Question,
    *,
    now: datetime,
    limit: int = PICKS_PER_ROUND,
) -> list[Pick]:
    """The best `limit` helpers for this question right now (may be fewer, or none)."""
    if not awake_zones(now):
        return []
    best, ratings = await _from_the_best_rated(session, community, question, now=now, limit=limit)
    if best is None:
        best = await _from_everyone(session, community, question, now=now, limit=limit, ratings=ratings)
    return _picks(best[:limit])


def _final_order(now: datetime) -> Any:
    """Best total first; on a tie, who was pinged longest ago (or never), then the older member."""
    return lambda c: (-c.total, c.last is not None, c.last or now, c.member_id)


async def _from_the_best_rated(
    session: AsyncSession, community: Community, question: Question, *, now: datetime, limit: int
) -> tuple[list[_Candidate] | None, dict[int, challenges.TopicStrength] | None]:
    """The picks, found by walking the challenges feature's ratings in the topic from the top
    (a threshold algorithm): helpers among them are scored exactly (milestones included), and
    the walk stops once the `limit`-th best total is at least what anyone not yet seen could
    reach — a rated helper further down (their rating bounds the rating part; topic, experience
    and milestones at most), or a helper with no rating in the topic (UNRATED_MAX). None when
    that can't be shown within LEADER_BATCHES batches (few ratings, everyone strong asleep), with
    every rating in the topic when the walk read them all (often none: career, tooling)."""
    seen: dict[int, _Candidate] = {}
    ratings: dict[int, challenges.TopicStrength] = {}
    after: tuple[float, int] | None = None
    for _ in range(LEADER_BATCHES):
        leaders = await challenges.topic_leaders(session, community.id, question.topic,
                                                 limit=LEADER_BATCH, after=after)
        if leaders:
            ratings.update(leaders)
            batch = await _candidates(session, community, question, now=now, among=[m for m, _ in leaders],
                                      strengths=ratings)
            counts = await roadmap.milestones_done(session, community.id, [c.member_id for c in batch])
            for c in batch:
                c.milestones = min(counts.get(c.member_id, 0) / 40.0, MILESTONE_MAX)
                seen[c.member_id] = c
            after = (leaders[-1][1].rating, leaders[-1][0])
        exhausted = len(leaders) < LEADER_BATCH
        reachable = UNRATED_MAX
        if not exhausted and after is not None:
            reachable = max(reachable, TOPIC_MAX + _clip((after[0] - 1000.0) / 400.0, -1.0, 2.0)
                            + EXPERIENCE_MAX + MILESTONE_MAX)
        best = sorted(seen.values(), key=_final_order(now))
        if len(best) >= limit and best[limit - 1].total >= reachable:
            return best, None
        if reachable <= UNRATED_MAX:
            return None, ratings if exhausted else None
    return None, None


async def _from_everyone(
    session: AsyncSession, community: Community, question: Question, *, now: datetime, limit: int,
    ratings: dict[int, challenges.TopicStrength] | None = None,
) -> list[_Candidate]:
    """The picks, from every eligible helper (a topic with few ratings, a small community).
    `ratings`: every rating in the topic, when already read."""
    nobody_rated = ratings is not None and not ratings
    ranked = sorted(await _candidates(session, community, question, now=now, strengths=ratings,
                                      best_of=limit if nobody_rated else None),
                    key=lambda c: (-c.partial, c.member_id))
    # Milestones add at most MILESTONE_MAX: once the `limit`-th best total among the first n
    # beats the partial score of the next one plus that, nobody further down can overtake.
    n, counted = max(LEADERS, limit), 0
    while True:
        batch = ranked[counted:n]
        counts = await roadmap.milestones_done(session, community.id, [c.member_id for c in batch])
        for c in batch:
            c.milestones = min(counts.get(c.member_id, 0) / 40.0, MILESTONE_MAX)
        counted = min(n, len(ranked))
        best = sorted(ranked[:counted], key=_final_order(now))
        if counted == len(ranked) or (
            len(best) >= limit and best[limit - 1].total > ranked[counted].partial + MILESTONE_MAX
        ):
            return best
        n = len(ranked)  # close scores (few ratings): everyone's milestones, in one query


def _picks(picks: list[_Candidate]) -> list[Pick]:
    return [
        Pick(
            member_id=c.member_id,
            platform_user_id=c.platform_user_id,
            display_name=c.display_name,
            score=round(c.total, 3),
            parts={
                "topic": round(c.topic, 3),
                "rating": round(c.rating, 3),
                "experience": round(c.experience, 3),
                "milestones": round(c.milestones, 3),
                "fairness": round(c.fairness, 3),
                "pings_24h": c.pings_24h,
                "challenge_rating": None if c.raw_rating is None else round(c.raw_rating),
                "awake": True,
            },
        )
        for c in picks
    ]


def explain(parts: dict[str, Any]) -> str:
    """One line for `ask why`."""
    bits = [
        f"topic {parts.get('topic', 0):+.2f}"
        + (" (listed it)" if parts.get("topic", 0) >= 1 else " (helps with any topic)"),
        f"rating {parts.get('rating', 0):+.2f}"
        + (f" (challenge rating {parts['challenge_rating']})" if parts.get("challenge_rating") else ""),
        f"experience {parts.get('experience', 0):+.2f}",
        f"milestones {parts.get('milestones', 0):+.2f}",
        f"fairness {parts.get('fairness', 0):+.2f} ({parts.get('pings_24h', 0)} pings in 24 h before)",
        "awake in their time zone",
    ]
    return " · ".join(bits)


def member_ids(picks: list[Pick]) -> list[int]:
    return [p.member_id for p in picks]


__all__ = ["Pick", "awake", "explain", "pick_helpers", "Member"]
