"""Scheduled check-in work: prompts that are due, their one reminder, and the weekly digest.

The due tick asks ONE indexed query per batch (`next_due_at <= now`, index
ix_checkin_schedules_next_due_at; PostgreSQL locks the batch with SKIP LOCKED so two
processes split the work), then writes in bulk: new periods, missed ones, outbox rows
and the schedules' next instants. Every write is idempotent — periods are unique per
(member, local day) and outbox rows per dedupe key `checkin:{member_id}:{period key}` —
so a tick that runs twice, late, or in two processes prompts once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.db import bulk_insert, bulk_update
from bot.core.outbox import Outgoing, Target, enqueue_many
from bot.core.scheduler import Tick, TickContext
from bot.core.tenancy import Community, CommunityChannel, Member, channel_for, present
from bot.features.ask import service as ask_service
from bot.features.checkins import prompts, service
from bot.features.checkins.models import CheckinPeriod, CheckinSchedule, CheckinSettings
from bot.features.checkins.timing import Rule, iso_week, latest_due, local_date, next_occurrence

log = logging.getLogger(__name__)

BATCH = 1000
MAX_BATCHES = 200
DEFAULT_REMINDERS = 1
DEFAULT_REMINDER_DELAY = timedelta(hours=4)


async def _checkin_channels(session: AsyncSession, community_ids: Iterable[int]) -> dict[int, str]:
    rows = await session.execute(
        select(CommunityChannel.community_id, CommunityChannel.channel_id).where(
            CommunityChannel.community_id.in_(set(community_ids)),
            CommunityChannel.purpose == "checkins",
        )
    )
    return {cid: channel for cid, channel in rows.all()}


async def _reminder_policy(
    session: AsyncSession, community_ids: Iterable[int]
) -> dict[int, tuple[int, timedelta]]:
    rows = await session.execute(
        select(
            CheckinSettings.community_id,
            CheckinSettings.reminders,
            CheckinSettings.reminder_delay_minutes,
        ).where(CheckinSettings.community_id.in_(set(community_ids)))
    )
    return {cid: (count, timedelta(minutes=minutes)) for cid, count, minutes in rows.all()}


async def _goal_lines(
    session: AsyncSession, member_ids: Iterable[int]
) -> tuple[dict[int, list[prompts.GoalLine]], dict[int, int]]:
    """Active goals of many members in one query (goals.service.active_goals, in bulk)."""
    from bot.features.goals.models import Goal

    rows = await session.execute(
        select(Goal.member_id, Goal.number, Goal.text, Goal.progress, Goal.private)
        .where(Goal.member_id.in_(list(member_ids)), Goal.status == "active")
        .order_by(Goal.member_id, Goal.number)
    )
    public: dict[int, list[prompts.GoalLine]] = defaultdict(list)
    private: dict[int, int] = defaultdict(int)
    for member_id, number, goal_text, progress, is_private in rows.all():
        # Private goals stay out of the text: a closed DM falls back to the check-in channel.
        if is_private:
            private[member_id] += 1
        else:
            public[member_id].append(prompts.GoalLine(number, goal_text, progress))
    return public, private


async def _reviews_due(
    session: AsyncSession, member_ids: Iterable[int], now: datetime
) -> dict[int, int]:
    """Spaced reviews due per member, in one query (challenges' public service)."""
    from bot.features.challenges import service as challenges

    return await challenges.reviews_due_by_member(session, list(member_ids), now)


async def run_due_batch(
    session: AsyncSession, *, now: datetime, grace: timedelta, limit: int = BATCH
) -> int:
    """Prompt one batch of due schedules. Returns how many schedules were due (≤ limit)."""
    previous = aliased(CheckinPeriod)
    S = CheckinSchedule
    due = (
        await session.execute(
            select(
                S.id,
                S.member_id,
                S.community_id,
                S.frequency,
                S.weekday,
                S.local_time,
                S.timezone,
                S.paused_until,
                S.next_due_at,
                S.current_period_id,
                S.last_plan,
                S.missed_run,
                S.missed_since,
                Member.platform_user_id,
                Member.display_name,
                Community.platform,
                previous.status.label("previous_status"),
            )
            .join(Member, Member.id == S.member_id)
            .join(Community, Community.id == S.community_id)
            .outerjoin(previous, previous.id == S.current_period_id)
            .where(S.next_due_at <= now, present(S.community_id))
            .order_by(S.next_due_at)
            .limit(limit)
            .with_for_update(of=S, skip_locked=True)
        )
    ).all()
    if not due:
        return 0
    community_ids = {row.community_id for row in due}
    channels = await _checkin_channels(session, community_ids)
    policy = await _reminder_policy(session, community_ids)

    new_periods: list[dict[str, Any]] = []
    advance: dict[int, datetime] = {}
    skipped: dict[int, int] = {}
    for row in due:
        rule = Rule(row.frequency, row.local_time, row.timezone, row.weekday, row.paused_until)
        occurrence, following = latest_due(rule, row.next_due_at, now, grace)
        advance[row.id] = following
        if occurrence is None:
            skipped[row.community_id] = skipped.get(row.community_id, 0) + 1
            continue
        count, delay = policy.get(row.community_id, (DEFAULT_REMINDERS, DEFAULT_REMINDER_DELAY))
        remind_at = occurrence + delay if count and occurrence + delay < following else None
        day = local_date(occurrence, row.timezone)
        new_periods.append(
            {
                "community_id": row.community_id,
                "member_id": row.member_id,
                "period_key": day.isoformat(),
                "local_date": day,
                "starts_at": occurrence,
                "ends_at": following,
                "status": "open",
                "remind_at": remind_at,
            }
        )

    created: dict[int, int] = {}
    if new_periods:
        inserted = await bulk_insert(
            session,
            cast(Table, CheckinPeriod.__table__),  # declarative types it FromClause; it is the Table
            new_periods,
            conflict=["member_id", "period_key"],
            returning=["id", "member_id"],
        )
        created = {member_id: period_id for period_id, member_id in inserted}

    by_member = {row.member_id: row for row in due}
    closing = [
        by_member[m].current_period_id
        for m in created
        if by_member[m].current_period_id is not None and by_member[m].previous_status == "open"
    ]
    missed: set[int] = set()
    if closing:
        result = await session.execute(
            update(CheckinPeriod)
            .where(CheckinPeriod.id.in_(closing), CheckinPeriod.status == "open")
            .values(status="missed", remind_at=None)
            .returning(CheckinPeriod.member_id)
        )
        missed = set(result.scalars())

    goals, private_goals = await _goal_lines(session, created) if created else ({}, {})
    reviews = await _reviews_due(session, created, now) if created else {}
    posts: list[Outgoing] = []
    prompted: list[dict[str, Any]] = []
    now_missing: list[dict[str, Any]] = []
    nudges: list[tuple[int, int]] = []
    period_keys = {p["member_id"]: p["period_key"] for p in new_periods}
    for member_id, period_id in created.items():
        row = by_member[member_id]
        posts.append(
            Outgoing(
                row.community_id,
                row.platform,
                Target.dm(row.platform_user_id, fallback_channel=channels.get(row.community_id)),
                prompts.prompt(
                    row.display_name,
                    period_id,
                    row.frequency,
                    goals.get(member_id, []),
                    private_goals.get(member_id, 0),
                    row.last_plan,
                    reviews.get(member_id, 0),
                ),
                f"checkin:{member_id}:{period_keys[member_id]}",
            )
        )
        values = {"id": row.id, "next_due_at": advance[row.id], "current_period_id": period_id}
        if member_id not in missed:
            prompted.append(values)
            continue
        run, since = row.missed_run + 1, row.missed_since or row.current_period_id
        now_missing.append(values | {"current_streak": 0, "missed_run": run, "missed_since": since})
        if run == 2:
            nudges.append((member_id, since))
    await enqueue_many(session, posts, now=now)

    # Bulk UPDATE … WHERE id = :id (executemany); rows another process prompted only move on.
    moved = [
        {"id": row.id, "next_due_at": advance[row.id]}
        for row in due
        if row.member_id not in created
    ]
    for rows in (prompted, now_missing, moved):
        if rows:
            await bulk_update(session, CheckinSchedule.__table__, rows)  # type: ignore[arg-type]
    if nudges:
        await _nudge_buddies(session, nudges, channels, now=now)
    for community_id, count in skipped.items():
        log.warning("%d check-in(s) in community %s skipped: they fell due more than %s ago "
                    "(Pivot was not running)", count, community_id, grace)
    return len(due)


async def _nudge_buddies(
    session: AsyncSession, nudges: list[tuple[int, int]], channels: dict[int, str], *, now: datetime
) -> None:
    """One friendly DM to each current study buddy of a member who missed two in a row."""
    try:
        from bot.features.buddies.service import current_buddies
    except ImportError:
        return
    members = {
        m.id: m
        for m in (
            await session.execute(
                select(Member).where(Member.id.in_([member_id for member_id, _ in nudges]))
            )
        ).scalars()
    }
    platforms = dict(
        (
            await session.execute(
                select(Community.id, Community.platform).where(
                    Community.id.in_({m.community_id for m in members.values()})
                )
            )
        ).all()
    )
    posts = []
    for member_id, run_start in nudges:
        member = members[member_id]
        for buddy in await current_buddies(session, member):
            if buddy.id == member.id:
                continue
            posts.append(
                Outgoing(
                    member.community_id,
                    platforms[member.community_id],
                    Target.dm(buddy.platform_user_id),
                    prompts.buddy_nudge(member.platform_user_id),
                    f"checkin-nudge:{member_id}:{run_start}:{buddy.id}",
                )
            )
    await enqueue_many(session, posts, now=now)


async def prompt_due(tc: TickContext) -> None:
    now = tc.clock.now()
    for _ in range(MAX_BATCHES):
        async with tc.session_factory() as session:
            count = await run_due_batch(session, now=now, grace=tc.grace)
            await session.commit()
        if count < BATCH:
            return


async def send_reminders(tc: TickContext) -> None:
    """The single reminder of open periods whose reminder time has come."""
    now = tc.clock.now()
    async with tc.session_factory() as session:
        rows = (
            await session.execute(
                select(
                    CheckinPeriod.id,
                    CheckinPeriod.community_id,
                    CheckinPeriod.member_id,
                    CheckinPeriod.remind_at,
                    CheckinPeriod.ends_at,
                    CheckinPeriod.status,
                    Member.platform_user_id,
                    Member.display_name,
                    Community.platform,
                )
                .join(Member, Member.id == CheckinPeriod.member_id)
                .join(Community, Community.id == CheckinPeriod.community_id)
                .outerjoin(
                    CheckinSettings, CheckinSettings.community_id == CheckinPeriod.community_id
                )
                .where(CheckinPeriod.remind_at <= now, present(CheckinPeriod.community_id))
                .add_columns(
                    func.coalesce(CheckinSettings.reminders, DEFAULT_REMINDERS).label("wanted")
                )
                .limit(BATCH)
            )
        ).all()
        if not rows:
            return
        channels = await _checkin_channels(session, {r.community_id for r in rows})
        posts = [
            Outgoing(
                r.community_id,
                r.platform,
                Target.dm(r.platform_user_id, fallback_channel=channels.get(r.community_id)),
                prompts.reminder(r.display_name, r.id),
                f"checkin-remind:{r.id}",
            )
            for r in rows
            # Admins may have turned reminders off since the period opened.
            if r.wanted and r.status == "open" and tc.in_grace(r.remind_at, now) and now < r.ends_at
        ]
        await enqueue_many(session, posts, now=now)
        await session.execute(
            update(CheckinPeriod)
            .where(CheckinPeriod.id.in_([r.id for r in rows]))
            .values(remind_at=None)
        )
        await session.commit()


async def post_digests(tc: TickContext) -> None:
    """Each community's weekly digest at its chosen local day and time."""
    now = tc.clock.now()
    async with tc.session_factory() as session:
        rows = (
            await session.execute(
                select(CheckinSettings, Community)
                .join(Community, Community.id == CheckinSettings.community_id)
                .where(
                    CheckinSettings.digest_weekday.is_not(None),
                    CheckinSettings.digest_time.is_not(None),
                    present(Community.id),
                )
            )
        ).all()
        for settings, community in rows:
            assert settings.digest_time is not None  # the query keeps only rows that have one
            rule = Rule("weekly", settings.digest_time, community.timezone, settings.digest_weekday)
            due = next_occurrence(rule, now - tc.grace - timedelta(microseconds=1))
            if due > now:
                continue
            week = iso_week(local_date(due, community.timezone))
            if settings.digest_last_week == week:
                continue
            channel = await channel_for(session, community.id, "checkins")
            if channel is None:
                log.info("community %s has a digest time but no checkins channel", community.id)
                continue
            summary = await service.build_digest(
                session, community, start=due - timedelta(weeks=1), end=due, week=week
            )
            questions = await ask_service.open_questions_for_digest(session, community.id)
            summary = replace(summary, open_questions=tuple(questions))
            await enqueue_many(
                session,
                [
                    Outgoing(
                        community.id,
                        community.platform,
                        Target.in_channel(channel),
                        prompts.digest(summary),
                        f"digest:{community.id}:{week}",
                    )
                ],
                now=now,
            )
            settings.digest_last_week = week
        await session.commit()


TICKS = [
    Tick("checkins.due", timedelta(minutes=1), prompt_due),
    Tick("checkins.reminders", timedelta(minutes=1), send_reminders),
    Tick("checkins.digest", timedelta(minutes=1), post_digests),
]
