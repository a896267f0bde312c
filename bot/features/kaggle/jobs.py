"""Kaggle's scheduled work: the poll and the deadline reminders.

Both ticks wake every few minutes and ask the store what is due. The poll runs
when `settings.kaggle.poll_hours` have passed since the last attempt (recorded in
the database, so restarts, the console's `/wait` and several processes all poll
at the polite interval, once).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.scheduler import Tick, TickContext
from bot.features.kaggle import service

log = logging.getLogger(__name__)


async def poll_kaggle(tc: TickContext) -> None:
    client = tc.resources.get("kaggle")
    if client is None:
        return
    now = tc.clock.now()
    every = timedelta(hours=tc.settings.kaggle.poll_hours)
    async with tc.session_factory() as session:
        claimed = await service.claim_poll(session, now, every)
        await session.commit()
    if not claimed:
        return
    async with tc.session_factory() as session:
        await service.poll(session, client, tc.settings, now)
        await session.commit()


async def remind_deadlines(tc: TickContext) -> None:
    now = tc.clock.now()
    async with tc.session_factory() as session:
        sent = await service.send_reminders(session, tc.settings, now, tc.in_grace)
        await session.commit()
    if sent:
        log.info("queued %d Kaggle deadline reminders", sent)


TICKS = [
    Tick("kaggle.poll", timedelta(minutes=10), poll_kaggle),
    Tick("kaggle.remind", timedelta(minutes=10), remind_deadlines),
]
