"""Wins and resume reviews.

`jobs hired` records the win, ticks the jobs milestones and (opt-in) celebrates in the jobs
channel. Members who were hired or reached the jobs step of the roadmap may volunteer as resume
reviewers; a review request goes to one reviewer at a time — the one with the fewest open
reviews — who accepts or declines with buttons only they can press. A request nobody answers
within `REPICK_AFTER` moves on to the next reviewer (the `jobs.resume-repick` tick).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.commands import action_id
from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.messages import Button, Reply, mention
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, Member, channel_for, present
from bot.features.jobs.models import JobHire, JobMemberSettings, ResumeReviewRequest
from bot.features.jobs.service.common import check_url, member_settings
from bot.features.roadmap import service as roadmap
from bot.features.roadmap.milestones import for_step

REPICK_AFTER = timedelta(days=3)
OPEN = ("pending", "accepted")
LOAD_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Win:
    hire: JobHire
    milestones: list[str]
    celebrated_in: str | None


async def hired(session: AsyncSession, member: Member, community: Community, company: str,
                role: str, *, share: bool, now: datetime) -> Win:
    company, role = " ".join(company.split())[:200], " ".join(role.split())[:200]
    hire = JobHire(community_id=member.community_id, member_id=member.id, company=company,
                   role=role, shared=share, hired_at=now)
    session.add(hire)
    await session.flush()
    titles = []
    for key in ("apply-first", "interview-first", "offer"):
        milestone = await roadmap.mark_auto(session, member, key, now=now)
        if milestone is not None:
            titles.append(milestone.title)
    channel = None
    if share:
        channel = await channel_for(session, community.id, "jobs")
        if channel is not None:
            await enqueue(
                session, community, Target.in_channel(channel),
                Reply(title="🎉 Hired!",
                      text=f"{mention(member.platform_user_id)} starts as **{role}** at **{company}**. "
                           "From backend to ML — congratulations!"),
                dedupe_key=f"jobs-hired:{hire.id}", now=now,
            )
    return Win(hire, titles, channel)


async def can_review(session: AsyncSession, member: Member) -> bool:
    hires = (
        await session.execute(
            select(func.count()).select_from(JobHire).where(JobHire.member_id == member.id,
                                                            JobHire.community_id == member.community_id)
        )
    ).scalar_one()
    if hires:
        return True
    jobs_ids = {m.id for m in for_step("jobs")}
    return bool(jobs_ids & await roadmap.checked_ids(session, member))


async def set_reviewer(session: AsyncSession, member: Member, on: bool) -> None:
    if on and not await can_review(session, member):
        raise NotAllowed(
            "Resume reviewers are members who got hired (`jobs hired`) or reached the jobs step "
            "of the roadmap (a jobs milestone checked, e.g. by tracking an application)."
        )
    prefs = await member_settings(session, member)
    prefs.reviewer = on


def _tried(request: ResumeReviewRequest) -> set[int]:
    return {int(x) for x in request.tried.split(",") if x}


async def _pick(session: AsyncSession, request: ResumeReviewRequest, now: datetime) -> Member | None:
    """The willing reviewer with the fewest open reviews (never the requester, never asked twice)."""
    skip = _tried(request) | {request.member_id}
    load = (
        select(ResumeReviewRequest.reviewer_id, func.count().label("n"))
        .where(ResumeReviewRequest.community_id == request.community_id,
               ResumeReviewRequest.status.in_(OPEN),
               ResumeReviewRequest.created_at >= now - LOAD_WINDOW)
        .group_by(ResumeReviewRequest.reviewer_id)
        .subquery()
    )
    stmt = (
        select(Member)
        .join(JobMemberSettings, and_(JobMemberSettings.member_id == Member.id,
                                      JobMemberSettings.community_id == Member.community_id))
        .outerjoin(load, load.c.reviewer_id == Member.id)
        .where(Member.community_id == request.community_id, JobMemberSettings.reviewer.is_(True),
               Member.id.notin_(skip))
        .order_by(func.coalesce(load.c.n, 0), Member.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def ask_card(request: ResumeReviewRequest, requester: Member, reviewer: Member) -> Reply:
    link = f"\nResume: {request.link}" if request.link else "\nThey'll send the resume when you accept."
    return Reply(
        title="📄 Could you review a resume?",
        text=f"{mention(requester.platform_user_id)} asked for a resume review and you're the "
             f"reviewer with the most room right now.{link}\nIf it's not a good week, decline and "
             "it goes to someone else.",
        buttons=(
            Button("Accept", action_id("resume.accept", request.id, reviewer.id), style="success"),
            Button("Decline", action_id("resume.decline", request.id, reviewer.id)),
        ),
    )


async def _route(session: AsyncSession, request: ResumeReviewRequest, community: Community,
                 now: datetime) -> Member | None:
    reviewer = await _pick(session, request, now)
    requester = await session.get(Member, request.member_id)
    if reviewer is None or requester is None:
        request.status, request.reviewer_id = "unmatched", None
        return None
    request.reviewer_id, request.asked_at, request.status = reviewer.id, now, "pending"
    request.tried = ",".join(str(i) for i in sorted(_tried(request) | {reviewer.id}))
    await enqueue(session, community, Target.dm(reviewer.platform_user_id),
                  ask_card(request, requester, reviewer),
                  dedupe_key=f"resume-ask:{request.id}:{reviewer.id}", now=now)
    return reviewer


async def request_review(session: AsyncSession, member: Member, community: Community,
                         link: str | None, *, now: datetime) -> ResumeReviewRequest:
    link = check_url(link, "--link")
    waiting = (
        await session.execute(
            select(ResumeReviewRequest.id).where(
                ResumeReviewRequest.community_id == member.community_id,
                ResumeReviewRequest.member_id == member.id,
                ResumeReviewRequest.status == "pending")
        )
    ).first()
    if waiting is not None:
        raise InvalidInput("You already have a review request waiting for a reviewer's answer.")
    request = ResumeReviewRequest(community_id=member.community_id, member_id=member.id, link=link,
                                  status="pending", tried="", created_at=now)
    session.add(request)
    await session.flush()
    if await _route(session, request, community, now) is None:
        raise InvalidInput(
            "No resume reviewer is free here yet. Members who got hired or reached the jobs step "
            "can volunteer with `resume reviewer on`."
        )
    return request


async def respond(session: AsyncSession, member: Member, community: Community, request_id: int,
                  accept: bool, *, now: datetime) -> tuple[ResumeReviewRequest, Member | None]:
    request = await session.get(ResumeReviewRequest, request_id)
    if request is None or request.community_id != member.community_id:
        raise NotFound("That review request is gone.")
    if request.reviewer_id != member.id or request.status != "pending":
        raise InvalidInput("That review request has already moved on.")
    requester = await session.get(Member, request.member_id)
    if accept:
        request.status = "accepted"
        if requester is not None:
            await enqueue(
                session, community, Target.dm(requester.platform_user_id),
                Reply(text=f"{mention(member.platform_user_id)} accepted your resume review — "
                           "send them your resume (or the link) and a line on the roles you target."),
                dedupe_key=f"resume-accepted:{request.id}", now=now,
            )
        return request, requester
    next_reviewer = await _route(session, request, community, now)
    if next_reviewer is None and requester is not None:
        await _tell_unmatched(session, community, requester, request, now)
    return request, next_reviewer


async def _tell_unmatched(session: AsyncSession, community: Community, requester: Member,
                          request: ResumeReviewRequest, now: datetime) -> None:
    await enqueue(
        session, community, Target.dm(requester.platform_user_id),
        Reply(text="No resume reviewer could take your request this time. Try "
                   "`resume review-request` again in a few days, or ask in the jobs channel."),
        dedupe_key=f"resume-unmatched:{request.id}", now=now,
    )


async def repick_stale(session: AsyncSession, now: datetime) -> int:
    stale = (
        await session.execute(
            select(ResumeReviewRequest, Community)
            .join(Community, Community.id == ResumeReviewRequest.community_id)
            .where(ResumeReviewRequest.status == "pending",
                   ResumeReviewRequest.asked_at <= now - REPICK_AFTER, present(Community.id))
        )
    ).all()
    moved = 0
    for request, community in stale:
        if await _route(session, request, community, now) is None:
            requester = await session.get(Member, request.member_id)
            if requester is not None:
                await _tell_unmatched(session, community, requester, request, now)
        moved += 1
    return moved
