"""Composition root: builds the store, the registry, the outbox, the scheduler and the adapters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.web import WebServer
from bot.adapters.web.health import health_routes
from bot.adapters.web.pages import page_routes
from bot.config import Settings
from bot.core import failnotice
from bot.core.clock import Clock, SystemClock
from bot.core.clockstate import SharedClock
from bot.core.commands import Registry
from bot.core.db import make_engine, make_session_factory
from bot.core.dispatch import Dispatcher
from bot.core.outbox import OutboxWorker, PermanentFailure, Sender
from bot.core.scheduler import Scheduler, TickContext
from bot.features import load_all

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0


class PlatformsDown(Exception):
    """Every platform adapter stopped with an error (the message says which and why)."""


class Adapter(Protocol):
    platform: str
    # What members type before a command there ("/" on Discord, "/pivot " on Slack), for hints.
    prefix: str

    @property
    def sender(self) -> Sender: ...

    async def start(self) -> None:
        """Connect and serve until cancelled or closed."""
        ...

    async def close(self) -> None: ...


class App:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, demo: bool = False) -> None:
        """`demo`: the console's offline demo — features without credentials use their sample data."""
        self.settings = settings
        self.engine = make_engine(settings.database.url, echo=settings.database.echo)
        self.session_factory = make_session_factory(self.engine)
        if clock is None and settings.clock.source == "database":
            clock = SharedClock(self.session_factory, poll_seconds=settings.clock.poll_seconds)
        self.clock = clock or SystemClock()
        self.features = load_all()
        self.registry = Registry(g for f in self.features for g in f.groups)
        self.resources: dict[str, Any] = {}
        for feature in self.features:
            if feature.resource is not None:
                resource = feature.resource(settings)
                if resource is None and demo and feature.demo_resource is not None:
                    resource = feature.demo_resource(settings, self.clock)
                    log.info("%s: no credentials, so the console uses its sample data", feature.name)
                if resource is not None:
                    self.resources[feature.name] = resource
        self.outbox = OutboxWorker(
            self.session_factory,
            self.clock,
            {},
            max_attempts=settings.outbox.max_attempts,
            backoff=timedelta(seconds=settings.outbox.backoff_seconds),
            lease=timedelta(seconds=settings.outbox.lease_seconds),
            batch=settings.outbox.batch,
            concurrency=settings.outbox.concurrency,
        )
        self.dispatcher = Dispatcher(
            self.registry, self.session_factory, self.clock, settings,
            resources=self.resources, after_commit=self.outbox.wake,
            thread_replies={k: h for f in self.features for k, h in f.thread_replies.items()},
        )
        self.prefixes: dict[str, str] = {}
        # Posts that can never be sent tell the admin who can fix it (core/failnotice.py).
        self.outbox.on_failed = self._failure_notices
        # The one HTTP server; whoever serves over HTTP mounts its routes before `serve`.
        self.web = WebServer(settings.http)
        self.web.add_routes(health_routes(self))
        # The adapters `serve` runs (for readiness).
        self.adapters: list[Adapter] = []
        # Features build links to public pages from it (`portfolio` shows `<public_url>/p/<slug>`).
        self.resources["web"] = self.web
        self.web.add_routes(page_routes(self))
        self._stop_requested: asyncio.Event | None = None
        self.scheduler = Scheduler(
            [t for f in self.features for t in f.ticks],
            TickContext(self.session_factory, self.clock, settings, self.resources, self.prefixes),
            after_tick=self.outbox.wake,
        )

    async def _failure_notices(self, session: AsyncSession, failures: Sequence[PermanentFailure],
                               now: datetime) -> int:
        return await failnotice.notify(session, failures, now, prefixes=self.prefixes)

    def request_stop(self) -> None:
        """Shut down gracefully (SIGTERM, SIGINT): `serve` winds down and returns."""
        if self._stop_requested is None:
            self._stop_requested = asyncio.Event()
        self._stop_requested.set()

    def attach(self, adapter: Adapter) -> None:
        """Let the outbox deliver this adapter's platform (and ticks write its command hints)."""
        self.outbox.senders[adapter.platform] = adapter.sender
        self.prefixes[adapter.platform] = adapter.prefix

    async def serve(self, adapters: Sequence[Adapter]) -> None:
        """Run the adapters, the outbox and the scheduler.

        Returns when an adapter finishes (the console at end of input). A platform that fails
        (token refused, network down) is logged in one line and the others keep serving; when
        every adapter has failed, `PlatformsDown` says why.
        """
        self.adapters = list(adapters)
        for adapter in adapters:
            self.attach(adapter)
        if self.web.wanted:
            await self.web.start()
        if isinstance(self.clock, SharedClock):
            # Before anything asks the time: ticks and claims see the simulated clock only.
            self.clock.on_move(self.scheduler.clock_moved)
            await self.clock.start()
        outbox_task = asyncio.create_task(self.outbox.run_forever(), name="outbox")
        self.scheduler.start()
        tasks = [asyncio.create_task(a.start(), name=a.platform) for a in adapters]
        if self._stop_requested is None:
            self._stop_requested = asyncio.Event()
        stop = asyncio.create_task(self._stop_requested.wait(), name="stop")
        failures: list[str] = []
        try:
            pending: set[asyncio.Task[Any]] = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending | {stop}, return_when=asyncio.FIRST_COMPLETED)
                if stop in done:
                    log.info("stopping: finishing sends in flight, releasing the rest")
                    break
                pending.discard(stop)
                finished = [t for t in done if t.exception() is None]
                for task in (t for t in tasks if t in done):  # in adapter order, for a stable message
                    if (exc := task.exception()) is not None:
                        failures.append(f"{task.get_name()}: {exc}")
                        log.error("%s stopped: %s", task.get_name(), exc)
                        log.debug("%s traceback", task.get_name(), exc_info=exc)
                if finished:
                    break
            if failures and len(failures) == len(tasks):
                raise PlatformsDown("; ".join(failures))
        finally:
            stop.cancel()
            # Graceful: let running ticks and the outbox's current pass finish their unit of
            # work (a task cancelled mid-query can leave its connection unusable), then stop.
            await asyncio.shield(self._wind_down(tasks, outbox_task, adapters))

    async def _wind_down(self, tasks: list[asyncio.Task[None]], outbox_task: asyncio.Task[None],
                         adapters: Sequence[Adapter]) -> None:
        await self.scheduler.drain(SHUTDOWN_GRACE_SECONDS)
        if isinstance(self.clock, SharedClock):
            await self.clock.close()
        self.outbox.stop()
        try:
            await asyncio.wait_for(outbox_task, SHUTDOWN_GRACE_SECONDS)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("outbox did not finish within %ss; stopping it", SHUTDOWN_GRACE_SECONDS)
        except Exception:
            log.exception("outbox stopped with an error")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for adapter in adapters:
            await adapter.close()
        await self.web.close()

    async def close(self) -> None:
        await self.scheduler.drain(SHUTDOWN_GRACE_SECONDS)
        await self.web.close()
        for resource in self.resources.values():
            closer = getattr(resource, "aclose", None)
            if closer is not None:
                await closer()
        await self.engine.dispose()


def platform_adapters(app: App) -> list[Adapter]:
    """The adapters whose credentials are configured (Discord, Slack)."""
    adapters: list[Adapter] = []
    if app.settings.discord.token is not None:
        from bot.adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(app))
    if app.settings.slack.enabled:
        from bot.adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(app))
    return adapters
