"""Scheduled work: weekly rounds that are due, and feedback forms after each slot.

Each tick asks the store one question and writes posts with unique dedupe keys, so a
tick that runs twice, late or in two processes sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.core.outbox import Target, enqueue
from bot.core.scheduler import Tick, TickContext
from bot.core.tenancy import Community, Member, present
from bot.features.mock import posts, service
from bot.features.mock.bank import bank
from bot.features.mock.models import MockSeat, MockSession, MockSettings

log = logging.getLogger(__name__)

FEEDBACK_BATCH = 500
# A form this late is no longer useful (the next round has come).
FEEDBACK_STALE = timedelta(days=7)


async def run_due_rounds(tc: TickContext) -> None:
    now = tc.clock.now()
    async with tc.session_factory() as session:
        due = list(
            (
                await session.execute(
                    select(MockSettings.community_id).where(
                        MockSettings.next_round_at <= now, present(MockSettings.community_id))
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
                    log.info("mock round for community %s: %s pairs from %s members%s",
                             community_id, len(outcome.sessions), outcome.pool,
                             f" ({outcome.reason})" if outcome.reason else "")
                else:
                    log.warning("mock round for community %s missed its slot %s; skipping",
                                community_id, settings.next_round_at)
                    settings.next_round_at = service.next_slot(community, settings, after=now)
                await session.commit()
            except Exception:
                await session.rollback()
                log.exception("mock round failed for community %s", community_id)


async def send_feedback_forms(tc: TickContext) -> None:
    """DM each member of a session the feedback form once its slot is over."""
    now = tc.clock.now()
    the_bank = bank()
    async with tc.session_factory() as session:
        rows = list(
            (
                await session.execute(
                    select(MockSession)
                    .where(MockSession.feedback_sent_at.is_(None),
                           MockSession.feedback_due_at <= now,
                           present(MockSession.community_id))
                    .order_by(MockSession.feedback_due_at, MockSession.id)
                    .limit(FEEDBACK_BATCH)
                )
            ).scalars()
        )
        for row in rows:
            row.feedback_sent_at = now
            if now - row.feedback_due_at > FEEDBACK_STALE:
                continue
            community = await session.get(Community, row.community_id)
            assert community is not None
            seats = (
                await session.execute(
                    select(MockSeat).where(MockSeat.community_id == row.community_id,
                                           MockSeat.session_id == row.id)
                )
            ).scalars()
            for seat in seats:
                member = await session.get(Member, seat.member_id)
                partner = await session.get(Member, seat.partner_id)
                prompt = the_bank.by_id(seat.prompt_id)
                if member is None or partner is None or prompt is None:
                    continue
                await enqueue(
                    session, community, Target.dm(member.platform_user_id),
                    posts.feedback_form(row.id, member, partner, prompt,
                                        the_bank.rubrics[prompt.type]),
                    dedupe_key=f"mock-form:{row.id}:{member.id}", now=now,
                )
        await session.commit()


TICKS = [
    Tick("mock.rounds", timedelta(minutes=1), run_due_rounds),
    Tick("mock.feedback", timedelta(minutes=10), send_feedback_forms),
]
