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
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

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
    # Which time zones are awake now: few distinct zones, decided here rather than in SQL
    # (SQLite knows no time zones).
    zones = (
        await session.execute(
            select(zone).select_from(Helper).join(Member, Member.id == Helper.member_id)
            .where(*helpers).distinct()
        )
    ).scalars()
    awake_zones = [z for z in zones if awake(z, now)]
    if not awake_zones:
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
    done = (
        select(MilestoneCheck.member_id.label("member_id"), func.count().label("n"))
        .where(MilestoneCheck.community_id == cid)
        .group_by(MilestoneCheck.member_id)
        .subquery()
    )
    already = select(Ping.member_id).where(Ping.question_id == question.id)
    n_pings = func.coalesce(pings.c.n, 0)
    n_done = func.coalesce(done.c.n, 0)
    answers = func.coalesce(TopicRating.answers, 0)

    topic_part = case((Helper.topics == "", literal(0.3)), else_=literal(1.0))
    rating_part = case(
        (answers > 0, _clip((cast(TopicRating.rating, Float) - 1000.0) / 400.0, -1.0, 2.0)),
        else_=literal(0.0),
    )
    experience_part = _clip(cast(answers, Float) / 40.0, 0.0, 0.5)
    milestone_part = _clip(cast(n_done, Float) / 40.0, 0.0, 0.5)
    fairness_part = -0.4 * cast(n_pings, Float) - case(
        (and_(pings.c.last.is_not(None), pings.c.last > now - RECENT), literal(0.3)), else_=literal(0.0)
    )
    score = topic_part + rating_part + experience_part + milestone_part + fairness_part

    stmt = (
        select(
            Member.id,
            Member.platform_user_id,
            Member.display_name,
            score.label("score"),
            topic_part.label("topic"),
            rating_part.label("rating"),
            experience_part.label("experience"),
            milestone_part.label("milestones"),
            fairness_part.label("fairness"),
            n_pings.label("pings_24h"),
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
        .outerjoin(done, done.c.member_id == Helper.member_id)
        .where(
            *helpers,
            zone.in_(awake_zones),
            n_pings < DAILY_CAP,
            Helper.member_id.not_in(already),
        )
        .order_by(score.desc(), pings.c.last.asc().nulls_first(), Member.id)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    return [
        Pick(
            member_id=r.id,
            platform_user_id=r.platform_user_id,
            display_name=r.display_name,
            score=round(float(r.score), 3),
            parts={
                "topic": round(float(r.topic), 3),
                "rating": round(float(r.rating), 3),
                "experience": round(float(r.experience), 3),
                "milestones": round(float(r.milestones), 3),
                "fairness": round(float(r.fairness), 3),
                "pings_24h": int(r.pings_24h),
                "challenge_rating": None if r.raw_rating is None else round(float(r.raw_rating)),
                "awake": True,
            },
        )
        for r in rows
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
