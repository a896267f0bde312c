"""Who is asked about a question: opted-in helpers who know the topic, are awake, and aren't
asked too often.

One query scores every eligible helper and returns the best few, with the parts of the score
(kept on each ping so `ask why` can explain it):

- topic: 1.0 when the helper listed the topic, 0.3 when they help with any topic;
- rating: their challenge rating in the topic, (rating − 1000) / 400 clipped to [−1, 2];
- experience: challenge answers in the topic, up to 20 → up to 0.5;
- milestones: roadmap milestones done, up to 20 → up to 0.5;
- fairness: −0.4 per ping in the last 24 hours, −0.3 more when pinged in the last 3 hours.

Hard rules: never the asker, never someone already asked about this question, nobody asleep
(08:00–22:00 in their time zone), nobody pinged twice in the last 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.tenancy import Community, Member
from bot.features.ask.models import Helper, Ping, Question
from bot.features.challenges.models import TopicRating
from bot.features.roadmap.models import MilestoneCheck

PICKS_PER_ROUND = 3
DAILY_CAP = 2
AWAKE_FROM, AWAKE_UNTIL = 8, 22
RECENT = timedelta(hours=3)
MILESTONE_MAX = 0.5
# How many helpers, by every score part but milestones, get their milestones counted.
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
def _awake_at(minute: datetime) -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if awake(z, minute)))


def awake_zones(now: datetime) -> tuple[str, ...]:
    """Every IANA zone where it is 08:00–22:00 now (the same for a whole minute: cached)."""
    return _awake_at(now.replace(second=0, microsecond=0))


def _clip(expr: Any, low: float, high: float) -> Any:
    return case((expr < low, literal(low)), (expr > high, literal(high)), else_=expr)


async def pick_helpers(
    session: AsyncSession,
    community: Community,
    question: Question,
    *,
    now: datetime,
    limit: int = PICKS_PER_ROUND,
) -> list[Pick]:
    """The best `limit` helpers for this question right now (may be fewer, or none)."""
    cid = community.id
    zone = func.coalesce(Member.timezone, community.timezone)
    helpers = (
        Helper.community_id == cid,
        Helper.active.is_(True),
        Helper.member_id != question.member_id,
        or_(Helper.topics == "", ("," + Helper.topics + ",").contains(f",{question.topic},")),
    )
    awake_now = awake_zones(now)
    if not awake_now:
        return []

    since = now - DAY
    pings = (
        select(
            Ping.member_id.label("member_id"),
            func.count().label("n"),
            func.max(Ping.created_at).label("last"),
        )
        .where(Ping.community_id == cid, Ping.created_at > since)
        .group_by(Ping.member_id)
        .subquery()
    )
    already = select(Ping.member_id).where(Ping.question_id == question.id)
    n_pings = func.coalesce(pings.c.n, 0)
    answers = func.coalesce(TopicRating.answers, 0)

    topic_part = case((Helper.topics == "", literal(0.3)), else_=literal(1.0))
    rating_part = case(
        (answers > 0, _clip((cast(TopicRating.rating, Float) - 1000.0) / 400.0, -1.0, 2.0)),
        else_=literal(0.0),
    )
    experience_part = _clip(cast(answers, Float) / 40.0, 0.0, 0.5)
    fairness_part = -0.4 * cast(n_pings, Float) - case(
        (and_(pings.c.last.is_not(None), pings.c.last > now - RECENT), literal(0.3)), else_=literal(0.0)
    )
    # Everything but milestones, which are counted afterwards for the leaders only (see below).
    partial = topic_part + rating_part + experience_part + fairness_part

    def leaders(n: int | None) -> Any:
        stmt = (
            select(
                Member.id,
                Member.platform_user_id,
                Member.display_name,
                partial.label("partial"),
                topic_part.label("topic"),
                rating_part.label("rating"),
                experience_part.label("experience"),
                fairness_part.label("fairness"),
                n_pings.label("pings_24h"),
                pings.c.last.label("last"),
                TopicRating.rating.label("raw_rating"),
            )
            .select_from(Helper)
            .join(Member, Member.id == Helper.member_id)
            .outerjoin(
                TopicRating,
                and_(TopicRating.community_id == cid, TopicRating.member_id == Helper.member_id,
                     TopicRating.topic == question.topic),
            )
            .outerjoin(pings, pings.c.member_id == Helper.member_id)
            .where(
                *helpers,
                zone.in_(awake_now),
                n_pings < DAILY_CAP,
                Helper.member_id.not_in(already),
            )
            .order_by(partial.desc(), Member.id)
        )
        return stmt if n is None else stmt.limit(n)

    # The milestone part adds at most MILESTONE_MAX, so once the `limit`-th best total among the
    # first n by partial score beats the n-th partial score plus that, nobody further down can
    # overtake: the answer is exact. Otherwise look at more.
    n: int | None = max(LEADERS, limit)
    while True:
        rows = (await session.execute(leaders(n))).all()
        counts = await _milestones(session, cid, [r.id for r in rows])
        scored = []
        for r in rows:
            milestones = min(counts.get(r.id, 0) / 40.0, MILESTONE_MAX)
            scored.append((float(r.partial) + milestones, milestones, r))
        scored.sort(key=lambda item: (-item[0], item[2].last is not None, item[2].last or now, item[2].id))
        exact = (n is None or len(rows) < n
                 or (len(scored) >= limit and scored[limit - 1][0] >= float(rows[-1].partial) + MILESTONE_MAX))
        if exact or n is None:
            break
        n = None if n >= 1000 else n * 4
    return [
        Pick(
            member_id=r.id,
            platform_user_id=r.platform_user_id,
            display_name=r.display_name,
            score=round(total, 3),
            parts={
                "topic": round(float(r.topic), 3),
                "rating": round(float(r.rating), 3),
                "experience": round(float(r.experience), 3),
                "milestones": round(milestones, 3),
                "fairness": round(float(r.fairness), 3),
                "pings_24h": int(r.pings_24h),
                "challenge_rating": None if r.raw_rating is None else round(float(r.raw_rating)),
                "awake": True,
            },
        )
        for total, milestones, r in scored[:limit]
    ]


async def _milestones(session: AsyncSession, community_id: int, member_ids: list[int]) -> dict[int, int]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(MilestoneCheck.member_id, func.count())
        .where(MilestoneCheck.community_id == community_id, MilestoneCheck.member_id.in_(member_ids))
        .group_by(MilestoneCheck.member_id)
    )
    return {int(m): int(c) for m, c in rows.all()}


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
