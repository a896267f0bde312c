"""The one HTTP server: started in any mode when configured, shared by whoever mounts routes."""

from __future__ import annotations

import io

import aiohttp
from aiohttp import web

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import HttpSettings, Settings
from bot.core.clock import ManualClock


class ProbeAdapter:
    """An adapter that, once serving, fetches a page from the running server and stops."""

    platform = "console"
    prefix = ""

    def __init__(self, app: App) -> None:
        self.app = app
        self.sender = ConsoleAdapter(app, out=io.StringIO()).sender
        self.seen: tuple[int, str] | None = None

    async def start(self) -> None:
        async with aiohttp.ClientSession() as session, session.get(self.app.web.url("/hello")) as r:
            self.seen = (r.status, await r.text())

    async def close(self) -> None:
        pass


async def test_every_mode_starts_the_server_when_a_port_is_configured(
    database_url: str, clock: ManualClock
) -> None:
    settings = Settings(database={"url": database_url}, http={"host": "127.0.0.1", "port": 0})
    app = App(settings, clock=clock)

    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app.web.add_routes([web.get("/hello", hello)])
    probe = ProbeAdapter(app)
    try:
        await app.serve([probe])
    finally:
        await app.close()
    assert probe.seen == (200, "hello")
    assert not app.web.running


async def test_without_configuration_no_server_starts(app: App) -> None:
    probe = ProbeAdapter(app)
    ports: list[int | None] = []

    async def look() -> None:
        ports.append(app.web.port)

    probe.start = look  # type: ignore[method-assign]
    await app.serve([probe])
    assert ports == [None] and not app.web.wanted


def test_the_server_is_wanted_only_when_configured_or_required() -> None:
    assert not HttpSettings().configured
    assert HttpSettings(port=8080).configured
    assert HttpSettings(public_url="https://pivot.example.org/").configured
    assert HttpSettings(public_url="https://pivot.example.org/").public_url == "https://pivot.example.org"


def test_public_url_needs_a_scheme() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="must start with https://"):
        HttpSettings(public_url="pivot.example.org")
