"""Structured peer review: five criteria scored 1–5 with a comment each, reviewer opt-ins and
routed review requests (two reviewers, fair share, re-picked on decline or after 3 days)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.tenancy import Member, present
from bot.features.buddies import service as buddies
from bot.features.projects.models import (
    Project,
    ProjectReview,
    ProjectReviewer,
    ProjectReviewRequest,
)
from bot.features.roadmap import service as roadmap
from bot.features.roadmap.milestones import STEPS

REVIEWERS_PER_REQUEST = 2
REQUEST_EXPIRES = timedelta(days=3)
MAX_COMMENT = 600


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    question: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("problem", "Problem and metric",
              "Is the problem clear, and does the metric match the decision it informs?"),
    Criterion("data", "Data and leakage",
              "Is the data described, split sensibly, and free of leakage?"),
    Criterion("baseline", "Baseline", "Is there a simple baseline, and is it beaten honestly?"),
    Criterion("evaluation", "Evaluation and error analysis",
              "Is it evaluated on held-out data, with a look at where it fails?"),
    Criterion("writeup", "Write-up and reproducibility",
              "Can a stranger understand it and reproduce the numbers?"),
)

_SCORE_RE = re.compile(r"^\s*([1-5])(?:\s*/\s*5)?(?=$|[\s:.,;\-–—])[\s:.,;\-–—]*(.*)$", re.S)


def parse_form(values: dict[str, str]) -> dict[str, dict[str, object]]:
    """Form values (`criterion key` → "4 clear metric, but …") → scores, strictly."""
    out: dict[str, dict[str, object]] = {}
    for criterion in CRITERIA:
        raw = (values.get(criterion.key) or "").strip()
        match = _SCORE_RE.match(raw)
        if match is None:
            raise InvalidInput(f"{criterion.title}: start with a score from 1 to 5, then your comment "
                               "(like `4 clear metric, no baseline yet`).")
        comment = " ".join(match[2].split())
        if not comment:
            raise InvalidInput(f"{criterion.title}: add a comment after the score — what would make it better?")
        if len(comment) > MAX_COMMENT:
            raise InvalidInput(f"{criterion.title}: the comment is at most {MAX_COMMENT} characters.")
        out[criterion.key] = {"score": int(match[1]), "comment": comment}
    return out


@dataclass(frozen=True)
class Submitted:
    review: ProjectReview
    owner_milestone: str | None
    reviewer_milestone: str | None


async def submit_review(session: AsyncSession, reviewer: Member, project: Project,
                        values: dict[str, str], *, now: datetime) -> Submitted:
    if project.community_id != reviewer.community_id or project.private and project.member_id != reviewer.id:
        raise NotFound("That project isn't here any more.")
    if project.member_id == reviewer.id:
        raise NotAllowed("You can't review your own project.")
    if await has_reviewed(session, reviewer, project):
        raise NotAllowed(f"You've already reviewed project #{project.number}; one review per project.")
    scores = parse_form(values)
    review = ProjectReview(community_id=project.community_id, member_id=reviewer.id,
                           project_id=project.id, scores=scores, created_at=now)
    try:
        async with session.begin_nested():
            session.add(review)
            await session.flush()
    except IntegrityError:
        raise NotAllowed(f"You've already reviewed project #{project.number}; one review per project.") from None
    request = await _request(session, reviewer, project)
    if request is not None:
        request.status, request.answered_at = "done", now
    owner = (await session.execute(select(Member).where(Member.id == project.member_id))).scalar_one()
    got = await roadmap.mark_auto(session, owner, "review-received", now=now)
    given = await reviews_given(session, reviewer)
    gave = await roadmap.mark_auto(session, reviewer, "reviews-given-3", now=now) if given >= 3 else None
    return Submitted(review, got.title if got else None, gave.title if gave else None)


async def has_reviewed(session: AsyncSession, reviewer: Member, project: Project) -> bool:
    return (
        await session.execute(
            select(ProjectReview.id).where(ProjectReview.community_id == project.community_id,
                                           ProjectReview.project_id == project.id,
                                           ProjectReview.member_id == reviewer.id)
        )
    ).scalar_one_or_none() is not None


async def reviews_given(session: AsyncSession, member: Member) -> int:
    return int((await session.execute(
        select(func.count(ProjectReview.id)).where(ProjectReview.community_id == member.community_id,
                                                   ProjectReview.member_id == member.id)
    )).scalar_one())


async def reviews_of(session: AsyncSession, project: Project) -> list[tuple[ProjectReview, Member]]:
    rows = (
        await session.execute(
            select(ProjectReview, Member).join(Member, Member.id == ProjectReview.member_id)
            .where(ProjectReview.community_id == project.community_id,
                   ProjectReview.project_id == project.id)
            .order_by(ProjectReview.created_at, ProjectReview.id)
        )
    ).all()
    return [(r, m) for r, m in rows]


def averages(reviews: list[ProjectReview]) -> dict[str, float]:
    """criterion key → mean score (and "overall"); {} without reviews."""
    if not reviews:
        return {}
    out = {c.key: sum(int(r.scores[c.key]["score"]) for r in reviews) / len(reviews) for c in CRITERIA}
    out["overall"] = sum(out.values()) / len(CRITERIA)
    return out


# --- reviewers and review requests --------------------------------------------------------------


def parse_focus(text: str | None) -> str:
    if not text:
        return ""
    words = [w for w in re.split(r"[,\s]+", text.lower()) if w]
    unknown = [w for w in words if w not in STEPS]
    if unknown:
        raise InvalidInput(f"--focus takes roadmap steps ({', '.join(STEPS)}), not '{unknown[0]}'.")
    return ",".join(s for s in STEPS if s in words)


async def set_reviewer(session: AsyncSession, member: Member, on: bool, *, focus: str | None,
                       now: datetime) -> ProjectReviewer:
    row = (await session.execute(select(ProjectReviewer).where(
        ProjectReviewer.community_id == member.community_id, ProjectReviewer.member_id == member.id
    ))).scalar_one_or_none()
    parsed = parse_focus(focus)
    if row is None:
        row = ProjectReviewer(community_id=member.community_id, member_id=member.id, active=on,
                              focus=parsed, created_at=now)
        session.add(row)
    else:
        row.active = on
        if focus is not None:
            row.focus = parsed
    await session.flush()
    return row


async def _request(session: AsyncSession, reviewer: Member, project: Project) -> ProjectReviewRequest | None:
    return (await session.execute(select(ProjectReviewRequest).where(
        ProjectReviewRequest.community_id == project.community_id,
        ProjectReviewRequest.project_id == project.id,
        ProjectReviewRequest.member_id == reviewer.id,
    ))).scalar_one_or_none()


async def _open_load(session: AsyncSession, community_id: int) -> Counter[int]:
    rows = (await session.execute(
        select(ProjectReviewRequest.member_id, func.count())
        .where(ProjectReviewRequest.community_id == community_id,
               ProjectReviewRequest.status.in_(["asked", "accepted"]))
        .group_by(ProjectReviewRequest.member_id)
    )).all()
    return Counter({member_id: int(n) for member_id, n in rows})


async def pick_reviewers(session: AsyncSession, project: Project, owner: Member, wanted: int) -> list[Member]:
    """Opted-in reviewers who fit the project's step, never the owner or their current buddy,
    never asked about this project before, least loaded (open requests) first."""
    candidates = (await session.execute(
        select(Member, ProjectReviewer.focus)
        .join(ProjectReviewer, ProjectReviewer.member_id == Member.id)
        .where(ProjectReviewer.community_id == project.community_id, ProjectReviewer.active.is_(True),
               Member.community_id == project.community_id, Member.id != owner.id)
    )).all()
    asked = set((await session.execute(select(ProjectReviewRequest.member_id).where(
        ProjectReviewRequest.community_id == project.community_id,
        ProjectReviewRequest.project_id == project.id))).scalars())
    reviewed = set((await session.execute(select(ProjectReview.member_id).where(
        ProjectReview.community_id == project.community_id,
        ProjectReview.project_id == project.id))).scalars())
    buddy_ids = {m.id for m in await buddies.current_buddies(session, owner)}
    load = await _open_load(session, project.community_id)
    fitting = [
        m for m, focus in candidates
        if m.id not in asked | reviewed | buddy_ids
        and (not focus or project.step is None or project.step in focus.split(","))
    ]
    fitting.sort(key=lambda m: (load[m.id], m.id))
    return fitting[:wanted]


async def open_requests(session: AsyncSession, project: Project) -> list[ProjectReviewRequest]:
    return list((await session.execute(select(ProjectReviewRequest).where(
        ProjectReviewRequest.community_id == project.community_id,
        ProjectReviewRequest.project_id == project.id,
        ProjectReviewRequest.status.in_(["asked", "accepted", "done"]),
    ))).scalars())


async def request_reviews(session: AsyncSession, project: Project, owner: Member, *,
                          now: datetime) -> list[tuple[ProjectReviewRequest, Member]]:
    """Ask reviewers until two are asked, have accepted, or have reviewed. Returns the new asks."""
    if project.private:
        raise InvalidInput(f"Project #{project.number} is private; make it public with "
                           f"`project edit {project.number} --public` before asking for reviews.")
    wanted = REVIEWERS_PER_REQUEST - len(await open_requests(session, project))
    if wanted <= 0:
        raise InvalidInput(f"Project #{project.number} already has {REVIEWERS_PER_REQUEST} reviewers "
                           "asked; Pivot re-picks if one declines or stays silent for 3 days.")
    return await _ask(session, project, owner, wanted, now)


async def _ask(session: AsyncSession, project: Project, owner: Member, wanted: int,
               now: datetime) -> list[tuple[ProjectReviewRequest, Member]]:
    out = []
    for reviewer in await pick_reviewers(session, project, owner, wanted):
        request = ProjectReviewRequest(community_id=project.community_id, member_id=reviewer.id,
                                       project_id=project.id, status="asked", asked_at=now)
        session.add(request)
        out.append((request, reviewer))
    await session.flush()
    return out


async def request_by_id(session: AsyncSession, member: Member, request_id: int) -> ProjectReviewRequest:
    request = await session.get(ProjectReviewRequest, request_id)
    if request is None or request.community_id != member.community_id or request.member_id != member.id:
        raise NotFound("That review request isn't here any more.")
    return request


async def answer_request(session: AsyncSession, member: Member, request_id: int, accept: bool, *,
                         now: datetime) -> tuple[ProjectReviewRequest, Project,
                                                 list[tuple[ProjectReviewRequest, Member]]]:
    """Accept or decline; a decline re-picks one reviewer. Returns (request, project, new asks)."""
    request = await request_by_id(session, member, request_id)
    project = await session.get(Project, request.project_id)
    assert project is not None
    if request.status != "asked":
        raise InvalidInput(f"You already answered this request ({request.status}).")
    request.status, request.answered_at = ("accepted" if accept else "declined"), now
    replacements: list[tuple[ProjectReviewRequest, Member]] = []
    if not accept:
        await session.flush()
        owner = (await session.execute(select(Member).where(Member.id == project.member_id))).scalar_one()
        replacements = await _ask(session, project, owner, 1, now)
    return request, project, replacements


async def expire_silent(session: AsyncSession, now: datetime) -> list[tuple[Project, ProjectReviewRequest, Member]]:
    """Requests unanswered for 3 days expire, and each gets one re-picked reviewer."""
    stale = list((await session.execute(select(ProjectReviewRequest).where(
        ProjectReviewRequest.status == "asked",
        ProjectReviewRequest.asked_at <= now - REQUEST_EXPIRES,
        present(ProjectReviewRequest.community_id),
    ).order_by(ProjectReviewRequest.id))).scalars())
    out = []
    for request in stale:
        request.status, request.answered_at = "expired", now
        project = await session.get(Project, request.project_id)
        if project is None or project.status == "dropped" or project.private:
            continue
        await session.flush()
        owner = (await session.execute(select(Member).where(Member.id == project.member_id))).scalar_one()
        for new, reviewer in await _ask(session, project, owner, 1, now):
            out.append((project, new, reviewer))
    return out
