"""Public pages: a member's portfolio (`/p/<slug>`) and a community's page (`/c/<slug>`).

Server-rendered with Jinja2 (autoescaping on: every name, title and comment members typed is
escaped), readable on a phone, no JavaScript. The pages read through the projects feature's
public view functions, which only ever return public things; an unknown slug, or a page its
owner turned off, is a 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.features.projects.service import portfolio

if TYPE_CHECKING:
    import jinja2

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")


class _Host(Protocol):
    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock


@cache
def environment() -> jinja2.Environment:
    """Built on the first page served: jinja2 is not loaded at start-up (issue 11)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_routes(host: _Host) -> list[web.RouteDef]:
    def render(name: str, status: int = 200, **values: Any) -> web.Response:
        html = environment().get_template(name).render(**values)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                                     "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    def not_found() -> web.Response:
        return render("404.html", status=404, title="Page not found", indexable=False)

    def page(load: Callable[..., Any], template: str) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.Response:
            slug = request.match_info["slug"]
            async with host.session_factory() as session:
                view = await load(session, slug, now=host.clock.now())
            if view is None:
                return not_found()
            return render(template, view=view, title=view.name,
                          indexable=getattr(view, "indexable", False))

        return handler

    return [
        web.get("/p/{slug}", page(portfolio.portfolio_view, "portfolio.html")),
        web.get("/c/{slug}", page(portfolio.community_view, "community.html")),
    ]
