"""Public portfolio pages (`/p/<slug>`) and community pages (`/c/<slug>`): settings and the
plain-data views the web adapter renders. Only public things ever reach a view."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.tenancy import Community, Member
from bot.features.challenges import service as challenges
from bot.features.checkins import service as checkins
from bot.features.kaggle import service as kaggle
from bot.features.projects.models import CommunityPage, Portfolio, Project, ProjectReview
from bot.features.projects.service import projects as projects_service
from bot.features.projects.service import repos, reviews
from bot.features.roadmap import service as roadmap
from bot.features.roadmap.milestones import STEP_TITLES

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def slugify(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return slug or fallback


async def _free_slug(session: AsyncSession, model: type[Portfolio] | type[CommunityPage], base: str) -> str:
    taken = set((await session.execute(
        select(model.slug).where(model.slug.like(f"{base}%"))
    )).scalars())
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


async def portfolio_of(session: AsyncSession, member: Member) -> Portfolio | None:
    return (await session.execute(select(Portfolio).where(
        Portfolio.community_id == member.community_id, Portfolio.member_id == member.id
    ))).scalar_one_or_none()


async def set_portfolio(session: AsyncSession, member: Member, on: bool, *, now: datetime,
                        name: str | None = None, index: bool | None = None) -> tuple[Portfolio, str | None]:
    """Turn the page on or off; returns it and a milestone title newly ticked."""
    row = await portfolio_of(session, member)
    if row is None:
        display = name or member.display_name
        slug = await _free_slug(session, Portfolio, slugify(display, f"member-{member.id}"))
        row = Portfolio(community_id=member.community_id, member_id=member.id, slug=slug,
                        display_name=display, enabled=on, indexable=bool(index), updated_at=now)
        session.add(row)
    else:
        row.enabled = on
        if name is not None:
            row.display_name = name
        if index is not None:
            row.indexable = index
        row.updated_at = now
    await session.flush()
    earned = await roadmap.mark_auto(session, member, "portfolio-published", now=now) if on else None
    return row, earned.title if earned else None


async def community_page_of(session: AsyncSession, community: Community) -> CommunityPage | None:
    return (await session.execute(select(CommunityPage).where(
        CommunityPage.community_id == community.id))).scalar_one_or_none()


async def set_community_page(session: AsyncSession, community: Community, on: bool, *,
                             now: datetime) -> CommunityPage:
    row = await community_page_of(session, community)
    if row is None:
        slug = await _free_slug(session, CommunityPage, slugify(community.name, f"community-{community.id}"))
        row = CommunityPage(community_id=community.id, slug=slug, enabled=on, updated_at=now)
        session.add(row)
    else:
        row.enabled, row.updated_at = on, now
    await session.flush()
    return row


# --- views: plain data for the web pages ---------------------------------------------------------


@dataclass(frozen=True)
class ProjectView:
    number: int
    title: str
    problem: str | None
    dataset: str | None
    status: str
    repo: str | None
    repo_url: str | None
    checks: list[tuple[str, str]]  # (mark, text)
    repo_note: str | None
    reviews: int
    average: float | None
    owner: str = ""


@dataclass(frozen=True)
class PortfolioView:
    name: str
    indexable: bool
    community: str
    projects: list[ProjectView]
    roadmap: list[tuple[str, int, int]]  # (step title, checked, total)
    topics: list[tuple[str, int, int]]  # (topic, answered, correct)
    challenge_answered: int
    challenge_correct: int
    checkin_streak: int
    checkin_best: int
    kaggle: list[str]


@dataclass(frozen=True)
class CommunityView:
    name: str
    leaderboard: list[tuple[int, str, int]]  # (rank, public name, points)
    projects: list[ProjectView] = field(default_factory=list)
    reviewers: list[tuple[str, int]] = field(default_factory=list)  # (public name, reviews given)


async def _project_view(session: AsyncSession, project: Project, now: datetime, owner: str = "") -> ProjectView:
    checks: list[tuple[str, str]] = []
    note = None
    url = None
    if project.repo is not None:
        row = await repos.cached(session, project.repo_owner or "", project.repo_name or "")
        note = repos.state_line(row, project.repo)
        if row is not None and row.facts.get("html_url") and row.state == "ok":
            checks = [(c.mark, c.text) for c in repos.checklist(row.facts, now)]
        url = f"https://github.com/{project.repo}"
    found = [r for r, _ in await reviews.reviews_of(session, project)]
    avg = reviews.averages(found).get("overall")
    return ProjectView(project.number, project.title, project.problem, project.dataset, project.status,
                       project.repo, url, checks, note, len(found), avg, owner)


async def portfolio_view(session: AsyncSession, slug: str, *, now: datetime) -> PortfolioView | None:
    """The public page of `slug`, or None when there is none or it is off."""
    if not SLUG_RE.fullmatch(slug):
        return None
    row = (await session.execute(select(Portfolio).where(Portfolio.slug == slug))).scalar_one_or_none()
    if row is None or not row.enabled:
        return None
    member = await session.get(Member, row.member_id)
    community = await session.get(Community, row.community_id)
    if member is None or community is None:
        return None
    projects = await projects_service.projects_of(session, member, None)
    views = [await _project_view(session, p, now) for p in projects]
    progress = await roadmap.progress_by_step(session, member)
    stats = await challenges.stats(session, member)
    schedule = await checkins.schedule_of(session, member)
    entered = await kaggle.entered_titles(session, member)
    return PortfolioView(
        name=row.display_name,
        indexable=row.indexable,
        community=community.name,
        projects=views,
        roadmap=[(STEP_TITLES[step], done, total) for step, (done, total) in progress.items()],
        topics=[(t.topic, t.answered, t.correct) for t in stats.topics if t.answered],
        challenge_answered=stats.answered,
        challenge_correct=stats.correct,
        checkin_streak=schedule.current_streak if schedule else 0,
        checkin_best=schedule.best_streak if schedule else 0,
        kaggle=entered,
    )


async def community_view(session: AsyncSession, slug: str, *, now: datetime) -> CommunityView | None:
    if not SLUG_RE.fullmatch(slug):
        return None
    page = (await session.execute(select(CommunityPage).where(CommunityPage.slug == slug))).scalar_one_or_none()
    if page is None or not page.enabled:
        return None
    community = await session.get(Community, page.community_id)
    if community is None:
        return None
    # Only members who published a portfolio are named; everyone else stays anonymous.
    public_names = {
        p.member_id: p.display_name
        for p in (await session.execute(select(Portfolio).where(
            Portfolio.community_id == community.id, Portfolio.enabled.is_(True)))).scalars()
    }
    board = [(s.rank, public_names.get(s.member_id, "A member"), s.points)
             for s in await challenges.leaderboard(session, community.id, "all", limit=10)]
    showcased = list((await session.execute(
        select(Project).where(Project.community_id == community.id, Project.private.is_(False),
                              Project.showcased_at.is_not(None), Project.status != "dropped")
        .order_by(Project.showcased_at.desc()).limit(20)
    )).scalars())
    views = [await _project_view(session, p, now, public_names.get(p.member_id, "A member"))
             for p in showcased]
    given = (await session.execute(
        select(ProjectReview.member_id, func.count(ProjectReview.id).label("n"))
        .where(ProjectReview.community_id == community.id)
        .group_by(ProjectReview.member_id).order_by(func.count(ProjectReview.id).desc(), ProjectReview.member_id)
        .limit(10)
    )).all()
    reviewers = [(public_names.get(member_id, "A member"), int(n)) for member_id, n in given]
    return CommunityView(community.name, board, views, reviewers)

