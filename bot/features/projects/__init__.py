"""Projects and portfolio: `project …`, `portfolio …`, `admin portfolio community …`."""

from __future__ import annotations

from bot.config import Settings
from bot.core.feature import Feature
from bot.features.projects.commands import admin_portfolio, portfolio_group, project
from bot.features.projects.github import GitHubClient
from bot.features.projects.jobs import TICKS


def _resource(settings: Settings) -> GitHubClient:
    token = settings.github.token.get_secret_value() if settings.github.token else None
    return GitHubClient(settings.github.api_url, token)


FEATURE = Feature(name="projects", groups=[project, portfolio_group, admin_portfolio], ticks=TICKS,
                  resource=_resource)
