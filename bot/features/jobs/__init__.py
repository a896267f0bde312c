"""Job search: a private application tracker (`apply …`), an ML job feed read from companies'
public Greenhouse, Lever and Ashby boards with personal alerts (`jobs …`), wins, and resume
reviews by members who got hired (`resume …`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.feature import Feature
from bot.core.messages import Field
from bot.features.jobs.commands import apply, jobs_group, resume_group
from bot.features.jobs.jobs import TICKS

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.context import Context
    from bot.features.jobs.boards import JobBoards


def _resource(settings: Settings) -> JobBoards:
    from bot.features.jobs.boards import JobBoards

    return JobBoards(settings.jobs)


async def _summary(ctx: Context) -> list[Field]:
    from bot.features.jobs.service import feed

    rows = await feed.sources(ctx.session, ctx.community)
    failing = [f"{s.kind} {s.board}" for s in rows if s.last_error]
    text = f"{len(rows)} job boards" + (f" · failing: {', '.join(failing)}" if failing else "")
    return [Field("Job feed", text)]


FEATURE = Feature(
    name="jobs",
    groups=[apply, jobs_group, resume_group],
    ticks=TICKS,
    settings_summary=_summary,
    resource=_resource,
)
