"""Goals: what a member wants to achieve, by when, and how far along they are."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.numbers import next_number
from bot.core.tenancy import Member
from bot.features.goals.models import Goal, GoalUpdate


async def add_goal(session: AsyncSession, member: Member, text: str, *, now: datetime, today: date,
                   due: date | None = None, step: str | None = None, private: bool = False) -> Goal:
    if due is not None and due < today:
        raise InvalidInput(f"--by {due.isoformat()} is in the past; pick a date from today on.")
    number = await next_number(session, member.community_id, "goal")
    goal = Goal(community_id=member.community_id, member_id=member.id, number=number, text=text,
                step=step, due=due, private=private, created_at=now, updated_at=now)
    session.add(goal)
    await session.flush()
    return goal


async def visible_goal(session: AsyncSession, viewer: Member, number: int) -> Goal:
    """Goal #number of the viewer's community, if the viewer may see it."""
    goal = (
        await session.execute(
            select(Goal).where(Goal.community_id == viewer.community_id, Goal.number == number)
        )
    ).scalar_one_or_none()
    if goal is None or goal.private and goal.member_id != viewer.id:
        raise NotFound(f"There's no goal #{number} here. `goal list` shows yours.")
    return goal


async def own_goal(session: AsyncSession, member: Member, number: int) -> Goal:
    goal = await visible_goal(session, member, number)
    if goal.member_id != member.id:
        raise NotAllowed(f"Goal #{number} belongs to someone else; you can only change your own goals.")
    return goal


def _require_active(goal: Goal) -> None:
    if goal.status != "active":
        raise InvalidInput(f"Goal #{goal.number} is already {goal.status}.")


async def record_progress(session: AsyncSession, member: Member, number: int, percent: int, *,
                          note: str | None, now: datetime) -> Goal:
    goal = await own_goal(session, member, number)
    _require_active(goal)
    goal.progress = percent
    goal.updated_at = now
    if percent == 100:
        goal.status, goal.closed_at = "done", now
    session.add(GoalUpdate(community_id=goal.community_id, goal_id=goal.id, progress=percent,
                           note=note, created_at=now))
    return goal


async def close_goal(session: AsyncSession, member: Member, number: int, status: str,
                     *, now: datetime) -> Goal:
    goal = await own_goal(session, member, number)
    _require_active(goal)
    goal.status, goal.closed_at, goal.updated_at = status, now, now
    if status == "done":
        goal.progress = 100
    return goal


async def edit_goal(session: AsyncSession, member: Member, number: int, *, text: str | None,
                    due: date | None, now: datetime, today: date) -> Goal:
    if text is None and due is None:
        raise InvalidInput("Say what to change: --text or --by.")
    goal = await own_goal(session, member, number)
    if due is not None and due < today:
        raise InvalidInput(f"--by {due.isoformat()} is in the past; pick a date from today on.")
    if text is not None:
        goal.text = text
    if due is not None:
        goal.due = due
    goal.updated_at = now
    return goal


async def goals_of(session: AsyncSession, owner: Member, viewer: Member, *,
                   include_closed: bool = False) -> list[Goal]:
    stmt = select(Goal).where(Goal.community_id == owner.community_id, Goal.member_id == owner.id)
    if owner.id != viewer.id:
        stmt = stmt.where(Goal.private.is_(False))
    if not include_closed:
        stmt = stmt.where(Goal.status == "active")
    return list((await session.execute(stmt.order_by(Goal.number))).scalars())


async def active_goals(session: AsyncSession, member: Member) -> list[Goal]:
    """A member's own active goals (check-ins show these)."""
    return await goals_of(session, member, member)
