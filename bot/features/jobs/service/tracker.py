"""The application tracker: private to its member.

Numbers are per community (`next_number(…, "application")`), but every lookup is scoped to the
owner: another member's number answers exactly like a number that does not exist. Each stage
an application enters is a row in `job_application_moves`, so the funnel can count what an
application *reached*, not only where it is now.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotFound
from bot.core.numbers import next_number
from bot.core.tenancy import Community, Member, present
from bot.features.jobs.models import JobApplication, JobApplicationMove, JobMemberSettings
from bot.features.jobs.service.common import check_url
from bot.features.roadmap import service as roadmap

STAGES: tuple[str, ...] = (
    "saved", "applied", "screen", "take-home", "onsite", "offer", "accepted", "rejected", "withdrawn",
)
STAGE_LABELS = {
    "saved": "Saved", "applied": "Applied", "screen": "Screen", "take-home": "Take-home",
    "onsite": "Onsite", "offer": "Offer", "accepted": "Accepted", "rejected": "Rejected",
    "withdrawn": "Withdrawn",
}
CLOSED = frozenset({"accepted", "rejected", "withdrawn"})
# Waiting on the company: these get the follow-up nudge when they stand still.
WAITING = frozenset({"applied", "screen", "take-home", "onsite", "offer"})
# An answer from the company, for "days from applied to first reply".
REPLIES = frozenset({"screen", "take-home", "onsite", "offer", "rejected"})
INTERVIEWS = frozenset({"screen", "take-home", "onsite"})
# The funnel: an application that reached a later step counts as having passed the earlier ones.
FUNNEL: tuple[str, ...] = ("applied", "screen", "onsite", "offer", "accepted")
_RANK = {"applied": 0, "screen": 1, "take-home": 1, "onsite": 2, "offer": 3, "accepted": 4}

MAX_NOTE = 500
MIN_SHARERS = 5


def _not_yours(number: int) -> NotFound:
    return NotFound(f"There's no application #{number} of yours. `apply list --all` shows yours.")


async def get_own(session: AsyncSession, member: Member, number: int) -> JobApplication:
    row = (
        await session.execute(
            select(JobApplication).where(
                JobApplication.community_id == member.community_id,
                JobApplication.member_id == member.id,
                JobApplication.number == number,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise _not_yours(number)
    return row


async def _milestones(session: AsyncSession, member: Member, stage: str, now: datetime) -> list[str]:
    keys: list[str] = []
    if stage != "saved" and stage != "withdrawn":
        keys.append("apply-first")
    if stage in INTERVIEWS or stage in {"offer", "accepted"}:
        keys.append("interview-first")
    if stage in {"offer", "accepted"}:
        keys.append("offer")
    titles: list[str] = []
    for key in keys:
        milestone = await roadmap.mark_auto(session, member, key, now=now)
        if milestone is not None:
            titles.append(milestone.title)
    return titles


@dataclass(frozen=True)
class Change:
    application: JobApplication
    previous: str | None
    milestones: list[str]


def _clean_name(text: str, label: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise InvalidInput(f"{label} can't be empty.")
    if len(text) > 200:
        raise InvalidInput(f"{label} is too long ({len(text)} characters; at most 200).")
    return text


async def add(
    session: AsyncSession,
    member: Member,
    company: str,
    role: str,
    *,
    url: str | None = None,
    stage: str = "applied",
    on: date | None = None,
    now: datetime,
    today: date,
    posting_id: int | None = None,
) -> Change:
    if stage not in STAGES:
        raise InvalidInput(f"Stage must be one of {', '.join(STAGES)} — not '{stage}'.")
    company, role = _clean_name(company, "Company"), _clean_name(role, "Role")
    url = check_url(url)
    if on is not None and on > today:
        raise InvalidInput(f"--on can't be in the future ({on.isoformat()}).")
    number = await next_number(session, member.community_id, "application")
    applied_on = (on or today) if stage != "saved" else None
    application = JobApplication(
        community_id=member.community_id, member_id=member.id, number=number, company=company,
        role=role, url=url, stage=stage, posting_id=posting_id, applied_on=applied_on,
        first_reply_on=(on or today) if stage in REPLIES else None,
        created_at=now, moved_at=now,
    )
    session.add(application)
    await session.flush()
    session.add(JobApplicationMove(community_id=member.community_id, member_id=member.id,
                                   application_id=application.id, from_stage=None, to_stage=stage,
                                   moved_at=now))
    return Change(application, None, await _milestones(session, member, stage, now))


async def move(
    session: AsyncSession,
    member: Member,
    number: int,
    stage: str,
    *,
    note: str | None = None,
    now: datetime,
    today: date,
) -> Change:
    if stage not in STAGES:
        raise InvalidInput(f"Stage must be one of {', '.join(STAGES)} — not '{stage}'.")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"--note is too long ({len(note)} characters; at most {MAX_NOTE}).")
    application = await get_own(session, member, number)
    previous = application.stage
    if previous == stage:
        raise InvalidInput(f"#{number} is already at {stage}.")
    if stage != "saved" and stage != "withdrawn" and application.applied_on is None:
        application.applied_on = today
    if (stage in REPLIES and application.first_reply_on is None
            and application.applied_on is not None and previous != "saved"):
        application.first_reply_on = today
    application.stage = stage
    application.moved_at = now
    session.add(JobApplicationMove(community_id=member.community_id, member_id=member.id,
                                   application_id=application.id, from_stage=previous,
                                   to_stage=stage, note=note or None, moved_at=now))
    return Change(application, previous, await _milestones(session, member, stage, now))


async def applications(session: AsyncSession, member: Member, *, include_closed: bool = False
                       ) -> list[JobApplication]:
    stmt = select(JobApplication).where(JobApplication.community_id == member.community_id,
                                        JobApplication.member_id == member.id)
    if not include_closed:
        stmt = stmt.where(JobApplication.stage.notin_(CLOSED))
    stmt = stmt.order_by(JobApplication.number)
    return list((await session.execute(stmt)).scalars())


async def history(session: AsyncSession, member: Member, number: int
                  ) -> tuple[JobApplication, list[JobApplicationMove]]:
    application = await get_own(session, member, number)
    moves = (
        await session.execute(
            select(JobApplicationMove)
            .where(JobApplicationMove.application_id == application.id,
                   JobApplicationMove.member_id == member.id)
            .order_by(JobApplicationMove.moved_at, JobApplicationMove.id)
        )
    ).scalars()
    return application, list(moves)


# --- the funnel ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    total: int
    now_at: dict[str, int]  # current stage -> count
    reached: dict[str, int]  # funnel step -> applications that reached it (or beyond)
    take_home: int
    reply_days: list[int]

    def conversion(self, earlier: str, later: str) -> float | None:
        base = self.reached.get(earlier, 0)
        return None if base == 0 else self.reached.get(later, 0) / base

    @property
    def median_reply_days(self) -> float | None:
        return statistics.median(self.reply_days) if self.reply_days else None


def build_funnel(apps: Sequence[JobApplication], entered: dict[int, set[str]]) -> Funnel:
    now_at = Counter(a.stage for a in apps)
    reached: Counter[str] = Counter()
    take_home = 0
    for application in apps:
        stages = entered.get(application.id, set()) | {application.stage}
        best = max((_RANK[s] for s in stages if s in _RANK), default=-1)
        for step in FUNNEL[: best + 1]:
            reached[step] += 1
        take_home += "take-home" in stages
    days = [
        (a.first_reply_on - a.applied_on).days
        for a in apps
        if a.applied_on is not None and a.first_reply_on is not None
    ]
    return Funnel(len(apps), dict(now_at), dict(reached), take_home, [max(0, d) for d in days])


async def _entered(session: AsyncSession, application_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = list(application_ids)
    out: dict[int, set[str]] = {}
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(JobApplicationMove.application_id, JobApplicationMove.to_stage)
            .where(JobApplicationMove.application_id.in_(ids[start:start + 500]))
        )
        for app_id, stage in rows:
            out.setdefault(app_id, set()).add(stage)
    return out


async def funnel(session: AsyncSession, member: Member) -> Funnel:
    apps = await applications(session, member, include_closed=True)
    return build_funnel(apps, await _entered(session, (a.id for a in apps)))


async def community_funnel(session: AsyncSession, community: Community) -> tuple[int, Funnel | None]:
    """(members sharing, their pooled funnel — None below MIN_SHARERS)."""
    sharers = list(
        (
            await session.execute(
                select(JobMemberSettings.member_id).where(
                    JobMemberSettings.community_id == community.id,
                    JobMemberSettings.share_funnel.is_(True),
                )
            )
        ).scalars()
    )
    if len(sharers) < MIN_SHARERS:
        return len(sharers), None
    apps = list(
        (
            await session.execute(
                select(JobApplication).where(JobApplication.community_id == community.id,
                                             JobApplication.member_id.in_(sharers))
            )
        ).scalars()
    )
    return len(sharers), build_funnel(apps, await _entered(session, (a.id for a in apps)))


# --- follow-up nudges ----------------------------------------------------------------------------


async def stale(session: AsyncSession, now: datetime, days: int, limit: int = 1000
                ) -> list[tuple[JobApplication, Member, Community]]:
    """Waiting applications that have not moved for `days` and were never nudged."""
    rows = await session.execute(
        select(JobApplication, Member, Community)
        .join(Member, and_(Member.id == JobApplication.member_id,
                           Member.community_id == JobApplication.community_id))
        .join(Community, Community.id == JobApplication.community_id)
        .where(
            JobApplication.stage.in_(WAITING),
            JobApplication.nudged_at.is_(None),
            JobApplication.moved_at <= now - timedelta(days=days),
            present(Community.id),
        )
        .order_by(JobApplication.moved_at)
        .limit(limit)
    )
    return [(a, m, c) for a, m, c in rows]


async def count_open(session: AsyncSession, member: Member) -> int:
    return int(
        (
            await session.execute(
                select(func.count()).select_from(JobApplication).where(
                    JobApplication.community_id == member.community_id,
                    JobApplication.member_id == member.id,
                    JobApplication.stage.notin_(CLOSED),
                )
            )
        ).scalar_one()
    )
