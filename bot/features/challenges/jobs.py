"""The challenge tick: reveal what is due, then post every community's due challenge.

Each community is posted in its own unit of work, so one failure (a broken item, a
lost connection) delays only that community and the next tick retries it within
the grace window.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.scheduler import Tick, TickContext
from bot.core.tenancy import Community
from bot.features.challenges import service

log = logging.getLogger(__name__)


async def post_due(tc: TickContext) -> None:
    now = tc.clock.now()
    async with tc.session_factory() as session:
        if await service.reveal_due(session, now):
            await session.commit()
        due = [
            (community.id, day)
            for community, day in await service.due_communities(session, now, tc.grace)
        ]
        missed = await service.record_missed(session, now, tc.grace)
        if missed:
            await session.commit()
            for missed_community, day in missed:
                log.warning(
                    "daily challenge for community %s on %s was missed: Pivot was not running "
                    "within %s of its challenge time (shown in admin show)",
                    missed_community.id, day, tc.grace,
                )
    for community_id, day in due:
        async with tc.session_factory() as session:
            try:
                community = await session.get(Community, community_id)
                if community is None:
                    continue
                prefix = tc.prefix(community.platform)
                await service.publish(session, community, day, now=now, prefix=prefix)
                await session.commit()
            except Exception:
                await session.rollback()
                log.exception(
                    "challenge post for community %s on %s failed; retrying next tick",
                    community_id,
                    day,
                )


TICKS = [Tick("challenges.post", timedelta(minutes=1), post_due)]
