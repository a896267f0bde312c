"""What projects post through the outbox: the showcase card (with its discussion thread and
Review button), reviews delivered to owners, review requests, and the weekly nudge."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.commands import action_id
from bot.core.errors import InvalidInput
from bot.core.messages import Button, Field, Modal, Reply, TextInput, mention
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, Member, channel_for, present
from bot.features.checkins import service as checkins
from bot.features.projects.models import Project, ProjectReview, ProjectReviewRequest
from bot.features.projects.service import projects as projects_service
from bot.features.projects.service import repos
from bot.features.projects.service.reviews import CRITERIA
from bot.features.roadmap import service as roadmap

NUDGE_AFTER = timedelta(days=14)
THREAD_NAME_LIMIT = 90


def review_modal(project: Project) -> Modal:
    return Modal(
        title=f"Review project #{project.number}",
        submit_action=action_id("project.review", project.number),
        inputs=tuple(
            TextInput(name=c.key, label=f"{c.title}: 1–5 + comment", long=True, max_length=700,
                      placeholder=f"e.g. 4 — … ({c.question})")
            for c in CRITERIA
        ),
    )


def review_button(project: Project) -> Button:
    return Button("Review", action_id("project.review", project.number), style="primary",
                  modal=review_modal(project))


async def card_text(session: AsyncSession, project: Project, now: datetime, *, logs: int = 3) -> str:
    lines = []
    if project.problem:
        lines.append(f"**Problem:** {project.problem}")
    if project.dataset:
        lines.append(f"**Data:** {project.dataset}")
    if project.repo:
        lines.append(f"**Repo:** https://github.com/{project.repo}")
        row = await repos.cached(session, project.repo_owner or "", project.repo_name or "")
        note = repos.state_line(row, project.repo)
        if note:
            lines.append(note)
        elif row is not None:
            lines += [f"{c.mark} {c.text}" for c in repos.checklist(row.facts, now)]
    entries = await projects_service.latest_logs(session, project, logs)
    if entries:
        lines.append("**Latest log:**")
        lines += [f"- {e.created_at:%Y-%m-%d}: {e.text.splitlines()[0][:200]}" for e in entries]
    return "\n".join(lines) or "_No details yet._"


async def showcase(session: AsyncSession, community: Community, member: Member, number: int, *,
                   now: datetime, prefix: str = "") -> tuple[Project, str, str | None]:
    """Post the card to the showcase channel. Returns (project, channel id, milestone newly ticked)."""
    project = await projects_service.own_project(session, member, number)
    if project.private:
        raise InvalidInput(f"Project #{number} is private; make it public with "
                           f"`{prefix}project edit {number} --public` first.")
    if project.status == "dropped":
        raise InvalidInput(f"Project #{number} is dropped; showcase an active or finished one.")
    if project.showcased_at is not None:
        raise InvalidInput(f"Project #{number} is already in the showcase; ask for reviews with "
                           f"`{prefix}project review-request {number}`.")
    channel = await channel_for(session, community.id, "showcase")
    if channel is None:
        raise InvalidInput("No showcase channel is set yet; an admin can choose one with "
                           f"`{prefix}admin set channel showcase #channel`.")
    text = await card_text(session, project, now)
    reply = Reply(
        title=f"🚀 Project #{project.number}: {project.title}",
        text=f"by {mention(member.platform_user_id)}\n\n{text}",
        buttons=(review_button(project),),
        footer=f"Press Review to score it on five criteria, or `{prefix}project reviews {project.number}`.",
        extra={"thread": {
            "name": f"#{project.number} {project.title}"[:THREAD_NAME_LIMIT],
            "text": f"Discussion of project #{project.number}: questions, ideas and links here. "
                    "For a structured review press **Review** on the card.",
        }},
    )
    await enqueue(session, community, Target.in_channel(channel), reply,
                  dedupe_key=f"project-showcase:{project.id}", now=now)
    project.showcased_at = now
    earned = await roadmap.mark_auto(session, member, "showcase-first", now=now)
    return project, channel, earned.title if earned else None


def review_text(project: Project, review: ProjectReview, reviewer: Member | None) -> str:
    who = mention(reviewer.platform_user_id) if reviewer else "A reviewer"
    lines = [f"{who} reviewed project #{project.number} {project.title}:"]
    for c in CRITERIA:
        entry = review.scores[c.key]
        lines.append(f"- **{c.title}** {entry['score']}/5 — {entry['comment']}")
    return "\n".join(lines)


async def deliver_review(session: AsyncSession, community: Community, project: Project,
                         review: ProjectReview, reviewer: Member, *, now: datetime,
                         milestone: str | None = None) -> None:
    owner = await projects_service.owner_of(session, project)
    text = review_text(project, review, reviewer)
    if milestone:
        text += f"\n\n🏁 Roadmap milestone ticked: **{milestone}**"
    reply = Reply(title=f"New review of project #{project.number}", text=text)
    await enqueue(session, community, Target.dm(owner.platform_user_id), reply,
                  dedupe_key=f"project-review:{review.id}", now=now)


async def ask_reviewer(session: AsyncSession, community: Community, project: Project,
                       request: ProjectReviewRequest, reviewer: Member, *, now: datetime) -> None:
    owner = await projects_service.owner_of(session, project)
    text = await card_text(session, project, now, logs=2)
    reply = Reply(
        title=f"Would you review project #{project.number}: {project.title}?",
        text=f"{mention(owner.platform_user_id)} asked for a peer review, and you opted in as a "
             f"reviewer.\n\n{text}",
        fields=(Field("What it takes", "About 30 minutes: five criteria, a score and a comment each."),),
        buttons=(
            Button("Accept", action_id("project.request", request.id, reviewer.id, "yes"), style="success"),
            Button("Decline", action_id("project.request", request.id, reviewer.id, "no")),
        ),
        footer="No answer in 3 days and Pivot asks someone else.",
    )
    await enqueue(session, community, Target.dm(reviewer.platform_user_id), reply,
                  dedupe_key=f"project-request:{request.id}", now=now)


async def nudge_due(session: AsyncSession, now: datetime) -> int:
    """A weekly DM for each active project with no log and no push in 14 days, to members whose
    check-ins are on and not paused (their check-in DMs are their consent to nudges)."""
    rows = (await session.execute(
        select(Project, Member, Community)
        .join(Member, Member.id == Project.member_id)
        .join(Community, Community.id == Project.community_id)
        .where(Project.status == "active", Project.created_at <= now - NUDGE_AFTER,
               present(Community.id))
    )).all()
    sent = 0
    for project, member, community in rows:
        schedule = await checkins.schedule_of(session, member)
        if schedule is None or not schedule.active or checkins.is_paused(schedule, now):
            continue
        last = await projects_service.last_log_at(session, project)
        if last is not None and now - last < NUDGE_AFTER:
            continue
        if project.repo:
            row = await repos.cached(session, project.repo_owner or "", project.repo_name or "")
            pushed = repos.pushed_at(row.facts) if row is not None else None
            if pushed is not None and now - pushed < NUDGE_AFTER:
                continue
        year, week, _ = now.isocalendar()
        reply = Reply(
            title=f"How is project #{project.number} going?",
            text=f"**{project.title}** has had no log entry or push for two weeks. One small step "
                 f"counts: write down what you tried with `project log {project.number} …`, or close it "
                 f"with `project done {project.number}` / `project drop {project.number}`.",
        )
        if await enqueue(session, community, Target.dm(member.platform_user_id), reply,
                         dedupe_key=f"project-nudge:{project.id}:{year}-{week:02d}", now=now):
            sent += 1
    return sent
