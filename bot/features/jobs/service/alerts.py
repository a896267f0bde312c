"""Personal job alerts: `jobs follow` filters, at most one batched DM a day per member.

A member gets postings first seen after they followed, each at most once (`job_alert_items`).
The DM's dedupe key carries the member's local date, so the tick can run every few minutes and
a member still gets one DM a day at most; what missed today's DM goes in tomorrow's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput
from bot.core.messages import Reply
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, Member, member_timezone, present
from bot.features.jobs.models import JobAlertItem, JobMemberSettings, JobPosting
from bot.features.jobs.service import feed
from bot.features.jobs.service.common import member_settings, plural

MAX_PER_DM = 10


async def follow(session: AsyncSession, member: Member, *, keyword: str | None, location: str | None,
                 remote: bool, level: str | None, now: datetime) -> JobMemberSettings:
    for label, value in (("--keyword", keyword), ("--location", location)):
        if value is not None and len(value) > 100:
            raise InvalidInput(f"{label} is too long ({len(value)} characters; at most 100).")
    prefs = await member_settings(session, member)
    prefs.followed_at = prefs.followed_at or now
    prefs.follow_keyword, prefs.follow_location = keyword or None, location or None
    prefs.follow_remote, prefs.follow_level = bool(remote), level
    return prefs


async def unfollow(session: AsyncSession, member: Member) -> None:
    prefs = await member_settings(session, member)
    if prefs.followed_at is None:
        raise InvalidInput("You aren't following the job feed. `jobs follow` starts alerts.")
    prefs.followed_at = None


def describe(prefs: JobMemberSettings) -> str:
    parts = []
    if prefs.follow_keyword:
        parts.append(f"matching “{prefs.follow_keyword}”")
    if prefs.follow_level:
        parts.append(f"at {feed.LEVEL_LABELS[prefs.follow_level]} level")
    if prefs.follow_location:
        parts.append(f"in “{prefs.follow_location}”")
    if prefs.follow_remote:
        parts.append("remote only")
    return "every new ML role" + ("" if not parts else " " + ", ".join(parts))


def matches(prefs: JobMemberSettings, posting: JobPosting) -> bool:
    if prefs.follow_remote and not posting.remote:
        return False
    if prefs.follow_level and posting.level != prefs.follow_level:
        return False
    if prefs.follow_location and prefs.follow_location.lower() not in posting.location.lower():
        return False
    if prefs.follow_keyword:
        needle = prefs.follow_keyword.lower()
        haystack = f"{posting.title}\n{posting.company}\n{posting.summary}".lower()
        if needle not in haystack:
            return False
    return True


async def send_due(session: AsyncSession, now: datetime,
                   prefix: Callable[[str], str] = lambda _platform: "") -> int:
    """One DM per following member with new matches, at most one per local day.

    `prefix(platform)` is what members type before a command there, for the hints."""
    rows = (
        await session.execute(
            select(JobMemberSettings, Member, Community)
            .join(Member, and_(Member.id == JobMemberSettings.member_id,
                               Member.community_id == JobMemberSettings.community_id))
            .join(Community, Community.id == JobMemberSettings.community_id)
            .where(JobMemberSettings.followed_at.is_not(None), present(Community.id))
        )
    ).all()
    sent = 0
    for prefs, member, community in rows:
        today = now.astimezone(ZoneInfo(member_timezone(community, member))).date()
        assert prefs.followed_at is not None
        candidates = await feed.open_postings(session, community, since=prefs.followed_at)
        done = set(
            (
                await session.execute(
                    select(JobAlertItem.posting_id).where(JobAlertItem.member_id == member.id,
                                                          JobAlertItem.community_id == community.id)
                )
            ).scalars()
        )
        picks = [p for p in candidates if p.id not in done and matches(prefs, p)][:MAX_PER_DM]
        if not picks:
            continue
        lines = [feed.list_line(p) + f"\n    {p.url}" for p in picks]
        hint = prefix(community.platform)
        reply = Reply(
            title=f"🔔 {plural(len(picks), 'new ML role')} for you",
            text="\n".join(lines)
            + f"\n\n`{hint}jobs save ID` adds one to your tracker; `{hint}jobs unfollow` stops these.",
            footer=f"Following {describe(prefs)}",
        )
        if not await enqueue(session, community, Target.dm(member.platform_user_id),
                             reply, dedupe_key=f"jobs-alert:{member.id}:{today.isoformat()}", now=now):
            continue  # today's DM went already: these wait for tomorrow's
        for posting in picks:
            session.add(JobAlertItem(community_id=community.id, member_id=member.id,
                                     posting_id=posting.id, sent_on=today))
        sent += 1
    return sent
