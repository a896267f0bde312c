"""Scheduled work: rounds that are due, and the "Did you meet?" follow-ups.

Each tick asks the store one question ("which communities' round slot has passed",
"which groups' follow-up is due and not sent") and writes posts with unique dedupe
keys, so a tick that runs twice, late or in two processes sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.core.outbox import Target, enqueue
from bot.core.scheduler import Tick, TickContext
from bot.core.tenancy import Community, channel_for, present
from bot.features.buddies import intro, service
from bot.features.buddies.models import BuddyGroup, BuddyGroupMember, BuddySettings

log = logging.getLogger(__name__)

FOLLOWUP_BATCH = 500
# A follow-up this late is no longer a useful question; the next round comes first.
FOLLOWUP_STALE = timedelta(days=7)


async def run_due_rounds(tc: TickContext) -> None:
    """Run the round of every community whose slot has passed (within the grace window)."""
    now = tc.clock.now()
    async with tc.session_factory() as session:
        due = list(
            (
                await session.execute(
                    select(BuddySettings.community_id).where(
                        BuddySettings.next_round_at <= now, present(BuddySettings.community_id))
                )
            ).scalars()
        )
    for community_id in due:
        async with tc.session_factory() as session:
            try:
                community = await session.get(Community, community_id)
                settings = await service.find_settings(session, community_id)
                if community is None or settings is None or settings.next_round_at > now:
                    continue
                if tc.in_grace(settings.next_round_at, now):
                    outcome = await service.run_round(session, community, now=now)
                    log.info(
                        "buddy round for community %s: %s groups from %s members%s",
                        community_id,
                        len(outcome.groups),
                        outcome.pool,
                        f" ({outcome.reason})" if outcome.reason else "",
                    )
                else:
                    log.warning(
                        "buddy round for community %s missed its slot %s; skipping to the next one",
                        community_id,
                        settings.next_round_at,
                    )
                    settings.next_round_at = service.next_slot(community, settings, after=now)
                await session.commit()
            except Exception:
                await session.rollback()
                log.exception("buddy round failed for community %s", community_id)


async def send_followups(tc: TickContext) -> None:
    """Ask each group three days after its intro whether they met."""
    now = tc.clock.now()
    async with tc.session_factory() as session:
        groups = list(
            (
                await session.execute(
                    select(BuddyGroup)
                    .where(BuddyGroup.followup_sent_at.is_(None), BuddyGroup.followup_due_at <= now,
                           present(BuddyGroup.community_id))
                    .order_by(BuddyGroup.followup_due_at, BuddyGroup.id)
                    .limit(FOLLOWUP_BATCH)
                )
            ).scalars()
        )
        if not groups:
            return
        for group in groups:
            group.followup_sent_at = now
            if now - group.followup_due_at > FOLLOWUP_STALE:
                continue
            staying = set(
                (
                    await session.execute(
                        select(BuddyGroupMember.member_id).where(
                            BuddyGroupMember.community_id == group.community_id,
                            BuddyGroupMember.group_id == group.id,
                            BuddyGroupMember.left_at.is_(None),
                        )
                    )
                ).scalars()
            )
            members = [m for m in await service.group_members(session, group) if m.id in staying]
            if len(members) < 2:
                continue  # someone moved on early; nobody left to ask about meeting
            community = await session.get(Community, group.community_id)
            assert community is not None
            channel = await channel_for(session, community.id, "buddies")
            await enqueue(
                session,
                community,
                Target.group([m.platform_user_id for m in members], channel=channel),
                intro.followup_reply(group, members),
                dedupe_key=f"buddy-followup:{group.id}",
                now=now,
            )
        await session.commit()


TICKS = [
    Tick("buddies.rounds", timedelta(minutes=1), run_due_rounds),
    Tick("buddies.followups", timedelta(minutes=10), send_followups),
]
