"""Projects and portfolio: `project …`, `portfolio …`, `admin portfolio community …`."""

from __future__ import annotations

from bot.config import Settings
from bot.core.context import Context
from bot.core.feature import Feature
from bot.core.messages import Field
from bot.features.projects.commands import admin_portfolio, page_url, portfolio_group, project
from bot.features.projects.github import GitHubClient
from bot.features.projects.jobs import TICKS
from bot.features.projects.service import portfolio


async def _summary(ctx: Context) -> list[Field]:
    page = await portfolio.community_page_of(ctx.session, ctx.community)
    url = page_url(ctx, f"/c/{page.slug}") if page is not None and page.enabled else None
    status = ("on" + (f" — {url}" if url else "")) if page is not None and page.enabled else \
        "off (`admin portfolio community on`)"
    github = "with a token" if ctx.settings.github.token else "without a token (60 requests/hour)"
    return [Field("Community page", status), Field("GitHub repo facts", f"read {github}")]


def _resource(settings: Settings) -> GitHubClient:
    token = settings.github.token.get_secret_value() if settings.github.token else None
    return GitHubClient(settings.github.api_url, token)


FEATURE = Feature(name="projects", groups=[project, portfolio_group, admin_portfolio], ticks=TICKS,
                  settings_summary=_summary, resource=_resource)
