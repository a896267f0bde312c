"""Roadmap progress. Other features call `mark_auto` when a member earns a milestone, and
`milestones_done` to weigh members by how far along they are."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import in_ids, rowcount
from bot.core.errors import InvalidInput, NotFound
from bot.core.tenancy import Member
from bot.features.roadmap.milestones import STEPS, Milestone, by_id, for_auto, milestones
from bot.features.roadmap.models import MilestoneCheck


async def checked_ids(session: AsyncSession, member: Member) -> set[str]:
    stmt = select(MilestoneCheck.milestone_id).where(
        MilestoneCheck.community_id == member.community_id, MilestoneCheck.member_id == member.id
    )
    return set((await session.execute(stmt)).scalars())


async def milestones_done(
    session: AsyncSession, community_id: int, member_ids: Sequence[int]
) -> dict[int, int]:
    """How many milestones each of these members has checked (members with none are left out).
    For the ask feature's helper routing."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(MilestoneCheck.member_id, func.count())
        .where(MilestoneCheck.community_id == community_id,
               in_ids(session, MilestoneCheck.member_id, member_ids))
        .group_by(MilestoneCheck.member_id)
    )
    return {int(m): int(c) for m, c in rows.all()}


async def progress_by_step(session: AsyncSession, member: Member) -> dict[str, tuple[int, int]]:
    """step -> (checked, total)."""
    done = await checked_ids(session, member)
    out = {step: (0, 0) for step in STEPS}
    for m in milestones():
        checked, total = out[m.step]
        out[m.step] = (checked + (m.id in done), total + 1)
    return out


def _milestone(milestone_id: str) -> Milestone:
    found = by_id(milestone_id)
    if found is None:
        raise NotFound(f"There's no milestone '{milestone_id}'. `roadmap step basics` lists them with ids.")
    return found


async def check(session: AsyncSession, member: Member, milestone_id: str, *, now: datetime,
                source: str = "manual") -> tuple[Milestone, bool]:
    """Tick a milestone. Returns (milestone, newly_checked)."""
    milestone = _milestone(milestone_id)
    if milestone.id in await checked_ids(session, member):
        return milestone, False
    session.add(MilestoneCheck(community_id=member.community_id, member_id=member.id,
                               milestone_id=milestone.id, source=source, checked_at=now))
    await session.flush()
    return milestone, True


async def uncheck(session: AsyncSession, member: Member, milestone_id: str) -> Milestone:
    milestone = _milestone(milestone_id)
    result = await session.execute(
        delete(MilestoneCheck).where(
            MilestoneCheck.community_id == member.community_id,
            MilestoneCheck.member_id == member.id,
            MilestoneCheck.milestone_id == milestone.id,
        )
    )
    if not rowcount(result):
        raise InvalidInput(f"{milestone.id} wasn't checked.")
    return milestone


async def mark_auto(session: AsyncSession, member: Member, key: str, *, now: datetime) -> Milestone | None:
    """Check the milestone bound to an automatic trigger; returns it when it was newly checked."""
    milestone = for_auto(key)
    if milestone is None:
        return None
    _, new = await check(session, member, milestone.id, now=now, source="auto")
    return milestone if new else None
