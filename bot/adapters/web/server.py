"""Pivot's one HTTP server (aiohttp), shared by every mode.

Whoever serves over HTTP mounts routes here before the server starts: the Slack adapter its
Events endpoint, the app its health and metrics, features' public pages. The server runs
whenever something needs it: `http.port` or `http.public_url` is configured (any mode,
the console included), or Slack runs in HTTP mode.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiohttp import web

from bot.config import HttpSettings

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self.app = web.Application()
        self.port: int | None = None
        # Something (an adapter in HTTP mode) needs the server even if no port was configured.
        self.required = False
        self._runner: web.AppRunner | None = None

    @property
    def wanted(self) -> bool:
        return self.required or self.settings.configured

    @property
    def running(self) -> bool:
        return self._runner is not None

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """Mount routes; only before the server starts."""
        self.app.add_routes(list(routes))

    async def start(self) -> int:
        """Bind `http.host:http.port` (port 0 picks a free one) and return the port. Idempotent."""
        if self._runner is None:
            runner = web.AppRunner(self.app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, self.settings.host, self.settings.bind_port)
            try:
                await site.start()
            except OSError as exc:
                await runner.cleanup()
                raise OSError(f"HTTP server could not listen on {self.settings.host}:"
                              f"{self.settings.bind_port}: {exc.strerror or exc}") from None
            self._runner = runner
            self.port = int(runner.addresses[0][1])
            log.info("HTTP server listening on %s:%s", self.settings.host, self.port)
        assert self.port is not None
        return self.port

    def url(self, path: str = "/") -> str:
        """The address members reach `path` at: `http.public_url` when set, else the bound one."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/") + path
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::", "") else self.settings.host
        return f"http://{host}:{self.port or self.settings.bind_port}{path}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
