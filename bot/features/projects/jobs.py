"""Projects' scheduled work: refresh linked GitHub repos (each at most daily, a few per tick so
the hourly budget is spread), re-pick reviewers after 3 silent days, and the weekly nudge."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.scheduler import Tick, TickContext
from bot.core.tenancy import Community
from bot.features.projects.service import posts, repos, reviews

log = logging.getLogger(__name__)

REPOS_PER_TICK = 10


async def refresh_repos(tc: TickContext) -> None:
    client = tc.resources.get("projects")
    if client is None:
        return
    now = tc.clock.now()
    async with tc.session_factory() as session:
        for row in (await repos.stale_repos(session, now))[:REPOS_PER_TICK]:
            if client.exhausted_until(now) is not None:
                break
            await repos.refresh(session, client, row.owner, row.name, now=now)
        await session.commit()


async def expire_requests(tc: TickContext) -> None:
    now = tc.clock.now()
    async with tc.session_factory() as session:
        for project, request, reviewer in await reviews.expire_silent(session, now):
            community = await session.get(Community, project.community_id)
            assert community is not None
            await posts.ask_reviewer(session, community, project, request, reviewer, now=now)
        await session.commit()


async def nudge(tc: TickContext) -> None:
    now = tc.clock.now()
    async with tc.session_factory() as session:
        sent = await posts.nudge_due(session, now)
        await session.commit()
    if sent:
        log.info("queued %d project nudges", sent)


TICKS = [
    Tick("projects.github", timedelta(minutes=30), refresh_repos),
    Tick("projects.requests", timedelta(hours=1), expire_requests),
    Tick("projects.nudge", timedelta(hours=6), nudge),
]
