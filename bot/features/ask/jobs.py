"""The 12-hour second round: unanswered questions get more helpers and one reminder."""

from __future__ import annotations

from datetime import timedelta

from bot.core.scheduler import Tick, TickContext
from bot.features.ask import service


async def escalate(ctx: TickContext) -> None:
    async with ctx.session_factory() as session, session.begin():
        await service.escalate_due(session, now=ctx.clock.now(), prefixes=dict(ctx.prefixes))


TICKS = [Tick("ask.escalate", timedelta(minutes=10), escalate)]
