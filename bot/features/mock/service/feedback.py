"""After the slot: the feedback form, the feedback itself, no-shows, history and the report.

A seat's feedback is always about its `partner_id` and is delivered only to them.
A member reported missing twice in a row (`NO_SHOW_LIMIT`) is paused from rounds and
told; feedback saying they showed up resets the count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, Member
from bot.features.mock import posts
from bot.features.mock.bank import Prompt, bank
from bot.features.mock.models import NO_SHOW_LIMIT, MockProfile, MockRound, MockSeat, MockSession
from bot.features.roadmap import service as roadmap
from bot.features.roadmap.milestones import Milestone

MAX_NOTE = 1000


async def seat_of(session: AsyncSession, member: Member, session_id: int) -> MockSeat | None:
    return (
        await session.execute(
            select(MockSeat).where(
                MockSeat.community_id == member.community_id,
                MockSeat.session_id == session_id,
                MockSeat.member_id == member.id,
            )
        )
    ).scalar_one_or_none()


async def _open_seat(session: AsyncSession, member: Member, session_id: int) -> tuple[MockSeat, Member, Prompt]:
    seat = await seat_of(session, member, session_id)
    if seat is None:
        raise NotAllowed("This form is for the two members of that mock interview.")
    if seat.answered_at is not None:
        raise NotAllowed("You already answered for this mock interview.")
    partner = await session.get(Member, seat.partner_id)
    prompt = bank().by_id(seat.prompt_id)
    if partner is None or partner.community_id != member.community_id or prompt is None:
        raise NotFound("That mock interview is no longer here.")
    return seat, partner, prompt


def parse_scores(text: str, count: int) -> list[int]:
    """`4 3 5` or `4,3,5` → exactly `count` whole numbers from 1 to 5."""
    parts = [p for p in re.split(r"[\s,;/]+", text.strip()) if p]
    if len(parts) != count or not all(re.fullmatch(r"[1-5]", p) for p in parts):
        raise InvalidInput(
            f"Scores: give {count} numbers from 1 to 5, one per rubric criterion, e.g. "
            + " ".join(["4", "3", "5", "4"][:count])
            + "."
        )
    return [int(p) for p in parts]


def _note(text: str | None, label: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput(f"{label}: write a sentence — it's what your partner learns from.")
    if len(value) > MAX_NOTE:
        raise InvalidInput(f"{label} is too long ({len(value)} characters; at most {MAX_NOTE}).")
    return value


async def _profile(session: AsyncSession, member_id: int, community_id: int) -> MockProfile | None:
    return (
        await session.execute(
            select(MockProfile).where(
                MockProfile.community_id == community_id, MockProfile.member_id == member_id
            )
        )
    ).scalar_one_or_none()


async def give_feedback(
    session: AsyncSession,
    community: Community,
    member: Member,
    session_id: int,
    values: dict[str, str],
    *,
    now: datetime,
) -> Milestone | None:
    """Record a member's feedback about their partner and DM it to the partner.

    Everything is checked before anything is written. Returns the milestone newly ticked."""
    seat, partner, prompt = await _open_seat(session, member, session_id)
    rubric = bank().rubrics[prompt.type]
    scores = parse_scores(values.get("scores", ""), len(rubric))
    strength = _note(values.get("strength"), "One strength")
    improve = _note(values.get("improve"), "One thing to improve")
    seat.partner_showed, seat.scores = True, ",".join(map(str, scores))
    seat.strength, seat.improve, seat.answered_at = strength, improve, now
    row = await session.get(MockSession, session_id)
    assert row is not None
    if row.completed_at is None:
        row.completed_at = now
    for who in (member.id, partner.id):
        profile = await _profile(session, who, community.id)
        if profile is not None:
            profile.no_show_streak = 0
    await enqueue(
        session, community, Target.dm(partner.platform_user_id),
        posts.feedback_received(member, prompt, rubric, scores, strength, improve),
        dedupe_key=f"mock-feedback:{seat.id}", now=now,
    )
    await roadmap.mark_auto(session, partner, "mock-first", now=now)
    return await roadmap.mark_auto(session, member, "mock-first", now=now)


async def report_no_show(
    session: AsyncSession, community: Community, member: Member, session_id: int, *, now: datetime
) -> bool:
    """Record that the partner didn't show up. True when that paused the partner."""
    seat, partner, _ = await _open_seat(session, member, session_id)
    seat.partner_showed, seat.answered_at = False, now
    profile = await _profile(session, partner.id, community.id)
    if profile is None:
        return False
    profile.no_show_streak += 1
    if profile.no_show_streak < NO_SHOW_LIMIT or not profile.active or profile.paused:
        return False
    profile.paused, profile.paused_until, profile.updated_at = True, None, now
    await enqueue(
        session, community, Target.dm(partner.platform_user_id), posts.paused_for_no_shows(),
        dedupe_key=f"mock-paused:{partner.id}:{session_id}", now=now,
    )
    return True


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryItem:
    session: MockSession
    partner: Member | None
    asked: Prompt | None  # what this member asked
    was_asked: Prompt | None  # what the partner asked this member
    mine: MockSeat
    theirs: MockSeat | None  # the partner's seat: their feedback about this member


async def history(session: AsyncSession, member: Member, limit: int = 10) -> list[HistoryItem]:
    seats = list(
        (
            await session.execute(
                select(MockSeat, MockSession)
                .join(MockSession, MockSession.id == MockSeat.session_id)
                .where(MockSeat.community_id == member.community_id, MockSeat.member_id == member.id)
                .order_by(MockSession.slot_at.desc(), MockSession.id.desc())
                .limit(limit)
            )
        ).all()
    )
    items = []
    for mine, row in seats:
        theirs = (
            await session.execute(
                select(MockSeat).where(
                    MockSeat.community_id == member.community_id,
                    MockSeat.session_id == row.id,
                    MockSeat.member_id == mine.partner_id,
                )
            )
        ).scalar_one_or_none()
        items.append(
            HistoryItem(
                row, await session.get(Member, mine.partner_id), bank().by_id(mine.prompt_id),
                bank().by_id(theirs.prompt_id) if theirs else None, mine, theirs,
            )
        )
    return items


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class RoundStats:
    label: str
    pool: int
    sessions: int
    completed: int
    no_shows: int
    unmatched: int


async def report(session: AsyncSession, community_id: int, limit: int = 8) -> list[RoundStats]:
    rounds = list(
        (
            await session.execute(
                select(MockRound)
                .where(MockRound.community_id == community_id)
                .order_by(MockRound.started_at.desc())
                .limit(limit)
            )
        ).scalars()
    )
    out = []
    for r in rounds:
        sessions, completed = (
            await session.execute(
                select(func.count(MockSession.id), func.count(MockSession.completed_at)).where(
                    MockSession.community_id == community_id, MockSession.round_id == r.id
                )
            )
        ).one()
        no_shows = (
            await session.execute(
                select(func.count(MockSeat.id))
                .join(MockSession, MockSession.id == MockSeat.session_id)
                .where(
                    MockSeat.community_id == community_id,
                    MockSession.round_id == r.id,
                    MockSeat.partner_showed.is_(False),
                )
            )
        ).scalar_one()
        label = r.local_date.isoformat() + (" (run-now)" if r.manual else "")
        out.append(RoundStats(label, r.pool_size, sessions, completed, no_shows, r.unmatched))
    return out
