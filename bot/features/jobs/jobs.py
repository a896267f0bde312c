"""Job-search scheduled work: reading job boards, alerts, follow-up nudges, review re-picks.

Every tick asks the store what is due; board reads happen outside any transaction (see
service/feed.py), so a slow board never blocks commands.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.core.messages import Reply
from bot.core.outbox import Target, enqueue
from bot.core.scheduler import Tick, TickContext
from bot.core.text import plural
from bot.features.checkins.models import CheckinSchedule
from bot.features.checkins.service import is_paused
from bot.features.jobs.service import alerts, feed, resume, tracker

log = logging.getLogger(__name__)


async def poll_boards(tc: TickContext) -> None:
    boards = tc.resources.get("jobs")
    if boards is None:
        return
    outcomes = await feed.poll_due(tc.session_factory, boards, tc.settings, tc.clock.now())
    if outcomes:
        failed = sum(o.error is not None for o in outcomes)
        log.info("job boards read: %d (%d failed), %d new ML roles posted", len(outcomes), failed,
                 sum(o.posted for o in outcomes))


async def send_alerts(tc: TickContext) -> None:
    async with tc.session_factory() as session:
        sent = await alerts.send_due(session, tc.clock.now(), tc.prefix)
        await session.commit()
    if sent:
        log.info("queued %d job alert DMs", sent)


async def nudge_stale(tc: TickContext) -> None:
    """One follow-up DM per application that has stood still for `jobs.nudge_days` (not while the
    member's check-ins are paused: the nudge waits until they are back)."""
    now = tc.clock.now()
    days = tc.settings.jobs.nudge_days
    async with tc.session_factory() as session:
        rows = await tracker.stale(session, now, days)
        paused_ids = set()
        if rows:
            schedules = (
                await session.execute(
                    select(CheckinSchedule).where(CheckinSchedule.member_id.in_({m.id for _, m, _ in rows}))
                )
            ).scalars()
            paused_ids = {s.member_id for s in schedules if is_paused(s, now)}
        sent = 0
        for application, member, community in rows:
            if member.id in paused_ids:
                continue
            prefix = tc.prefix(community.platform)
            n = application.number
            text = (
                f"Your application **#{n}** ({application.company} — {application.role}) has been at "
                f"*{application.stage}* for {plural(days, 'day')}. A short, friendly follow-up to the recruiter "
                f"often gets an answer. When something changes: `{prefix}apply move {n} STAGE`."
            )
            await enqueue(session, community, Target.dm(member.platform_user_id), Reply(text=text),
                          dedupe_key=f"jobs-nudge:{application.id}", now=now)
            application.nudged_at = now
            sent += 1
        await session.commit()
    if sent:
        log.info("queued %d application follow-up nudges", sent)


async def repick_reviewers(tc: TickContext) -> None:
    async with tc.session_factory() as session:
        moved = await resume.repick_stale(session, tc.clock.now())
        await session.commit()
    if moved:
        log.info("re-routed %d resume review requests", moved)


TICKS = [
    Tick("jobs.poll", timedelta(minutes=5), poll_boards),
    Tick("jobs.alerts", timedelta(minutes=15), send_alerts),
    Tick("jobs.nudge", timedelta(minutes=30), nudge_stale),
    Tick("jobs.resume-repick", timedelta(hours=1), repick_reviewers),
]
