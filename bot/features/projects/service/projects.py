"""Projects and their devlogs: add, edit, log, close; who may see what."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.numbers import next_number
from bot.core.tenancy import Member
from bot.features.goals import service as goals
from bot.features.projects.github import parse_repo_url
from bot.features.projects.models import Project, ProjectLog
from bot.features.roadmap import service as roadmap

MAX_LOG = 2000


async def _goal_number(session: AsyncSession, member: Member, number: int | None) -> int | None:
    if number is None:
        return None
    goal = await goals.own_goal(session, member, number)
    return goal.number


async def add_project(session: AsyncSession, member: Member, title: str, *, now: datetime,
                      repo: str | None = None, problem: str | None = None,
                      dataset: str | None = None, step: str | None = None,
                      goal: int | None = None, private: bool = False) -> tuple[Project, str | None]:
    """A new project; returns it and the title of a roadmap milestone it newly ticked."""
    owner, name = parse_repo_url(repo) if repo else (None, None)
    goal_number = await _goal_number(session, member, goal)
    number = await next_number(session, member.community_id, "project")
    project = Project(community_id=member.community_id, member_id=member.id, number=number,
                      title=title, problem=problem, dataset=dataset, step=step, repo_owner=owner,
                      repo_name=name, goal_number=goal_number, private=private,
                      created_at=now, updated_at=now)
    session.add(project)
    await session.flush()
    earned = await roadmap.mark_auto(session, member, "project-first", now=now)
    return project, earned.title if earned else None


async def visible_project(session: AsyncSession, viewer: Member, number: int) -> Project:
    """Project #number of the viewer's community, if the viewer may see it."""
    project = (
        await session.execute(
            select(Project).where(Project.community_id == viewer.community_id, Project.number == number)
        )
    ).scalar_one_or_none()
    if project is None or project.private and project.member_id != viewer.id:
        raise NotFound(f"There's no project #{number} here. `project list` shows yours.")
    return project


async def own_project(session: AsyncSession, member: Member, number: int) -> Project:
    project = await visible_project(session, member, number)
    if project.member_id != member.id:
        raise NotAllowed(f"Project #{number} belongs to someone else; you can only change your own.")
    return project


def _require_active(project: Project) -> None:
    if project.status != "active":
        raise InvalidInput(f"Project #{project.number} is already {project.status}.")


async def edit_project(session: AsyncSession, member: Member, number: int, *, now: datetime,
                       title: str | None = None, repo: str | None = None,
                       problem: str | None = None, dataset: str | None = None,
                       step: str | None = None, goal: int | None = None,
                       private: bool | None = None) -> Project:
    if all(v is None for v in (title, repo, problem, dataset, step, goal, private)):
        raise InvalidInput("Say what to change: --title, --repo, --problem, --dataset, --step, "
                           "--goal or --private/--public.")
    project = await own_project(session, member, number)
    parsed = parse_repo_url(repo) if repo else None
    goal_number = await _goal_number(session, member, goal)
    if title is not None:
        project.title = title
    if parsed is not None:
        project.repo_owner, project.repo_name = parsed
    if problem is not None:
        project.problem = problem
    if dataset is not None:
        project.dataset = dataset
    if step is not None:
        project.step = step
    if goal_number is not None:
        project.goal_number = goal_number
    if private is not None:
        project.private = private
    project.updated_at = now
    return project


async def add_log(session: AsyncSession, member: Member, number: int, text: str, *,
                  now: datetime) -> tuple[Project, ProjectLog]:
    if len(text) > MAX_LOG:
        raise InvalidInput(f"A log entry is at most {MAX_LOG} characters ({len(text)} given).")
    project = await own_project(session, member, number)
    _require_active(project)
    entry = ProjectLog(community_id=project.community_id, member_id=member.id, project_id=project.id,
                       text=text, created_at=now)
    session.add(entry)
    project.updated_at = now
    await session.flush()
    return project, entry


async def close_project(session: AsyncSession, member: Member, number: int, status: str, *,
                        now: datetime) -> Project:
    project = await own_project(session, member, number)
    _require_active(project)
    project.status, project.closed_at, project.updated_at = status, now, now
    return project


async def projects_of(session: AsyncSession, owner: Member, viewer: Member | None, *,
                      include_closed: bool = True, include_dropped: bool = False) -> list[Project]:
    """A member's projects as `viewer` may see them (viewer None: the public, e.g. a web page)."""
    stmt = select(Project).where(Project.community_id == owner.community_id,
                                 Project.member_id == owner.id)
    if viewer is None or viewer.id != owner.id:
        stmt = stmt.where(Project.private.is_(False))
    if not include_closed:
        stmt = stmt.where(Project.status == "active")
    elif not include_dropped:
        stmt = stmt.where(Project.status != "dropped")
    return list((await session.execute(stmt.order_by(Project.number))).scalars())


async def latest_logs(session: AsyncSession, project: Project, limit: int = 5) -> list[ProjectLog]:
    stmt = (select(ProjectLog)
            .where(ProjectLog.community_id == project.community_id, ProjectLog.project_id == project.id)
            .order_by(ProjectLog.created_at.desc(), ProjectLog.id.desc()).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def last_log_at(session: AsyncSession, project: Project) -> datetime | None:
    value = (
        await session.execute(
            select(func.max(ProjectLog.created_at)).where(ProjectLog.community_id == project.community_id,
                                                          ProjectLog.project_id == project.id)
        )
    ).scalar_one()
    return aware(value)


def aware(value: datetime | str | None) -> datetime | None:
    """MAX() over a UTC column comes back naive (or as text) on SQLite."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def owner_of(session: AsyncSession, project: Project) -> Member:
    return (await session.execute(select(Member).where(Member.id == project.member_id))).scalar_one()
