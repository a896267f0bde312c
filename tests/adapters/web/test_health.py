"""/healthz, /readyz and /metrics over real HTTP."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.dispatch import Caller
from bot.core.messages import Reply
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import ensure_community


class Probe:
    """An adapter that runs a check against the live server, then stops."""

    platform = "console"
    prefix = ""

    def __init__(self, app: App, check: Callable[[App], Awaitable[None]], ready: bool = True) -> None:
        self.app = app
        self.sender = ConsoleAdapter(app, out=io.StringIO()).sender
        self.check = check
        self.ready = ready

    def is_ready(self) -> bool:
        return self.ready

    async def start(self) -> None:
        await self.check(self.app)

    async def close(self) -> None:
        pass


async def _get(app: App, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(app.web.url(path)) as response:
        return response.status, await response.text()


async def _serve(settings: Settings, clock: ManualClock, check: Callable[[App], Awaitable[None]],
                 *, ready: bool = True) -> None:
    app = App(settings, clock=clock)
    try:
        await app.serve([Probe(app, check, ready)])
    finally:
        await app.close()


def _settings(url: str) -> Settings:
    return Settings(database={"url": url}, http={"host": "127.0.0.1", "port": 0})


async def test_healthz_and_readyz_answer_when_all_is_well(database_url: str, clock: ManualClock) -> None:
    seen: dict[str, object] = {}

    async def check(app: App) -> None:
        await app.scheduler.run_all()
        seen["healthz"] = await _get(app, "/healthz")
        status, body = await _get(app, "/readyz")
        seen["readyz"] = status
        seen["body"] = body

    await _serve(_settings(database_url), clock, check)
    assert seen["healthz"] == (200, '{"status": "ok"}')
    assert seen["readyz"] == 200
    assert '"database": {"ok": true}' in str(seen["body"])
    assert '"platform:console": {"ok": true}' in str(seen["body"])


async def test_readyz_is_503_when_the_database_is_down(clock: ManualClock) -> None:
    seen: dict[str, object] = {}

    async def check(app: App) -> None:
        seen["healthz"] = (await _get(app, "/healthz"))[0]
        seen["readyz"] = await _get(app, "/readyz")
        seen["metrics"] = (await _get(app, "/metrics"))[0]

    # Nothing listens on port 1: the database is "stopped".
    await _serve(_settings("postgresql+asyncpg://postgres@127.0.0.1:1/pivot"), clock, check)
    status, body = seen["readyz"]  # type: ignore[misc]
    assert status == 503 and '"database": {"ok": false' in body
    assert seen["healthz"] == 200  # liveness does not depend on the database
    assert seen["metrics"] == 200  # counters are still served


async def test_readyz_is_503_when_a_platform_is_not_connected(database_url: str, clock: ManualClock) -> None:
    seen: list[tuple[int, str]] = []

    async def check(app: App) -> None:
        await app.scheduler.run_all()
        seen.append(await _get(app, "/readyz"))

    await _serve(_settings(database_url), clock, check, ready=False)
    assert seen[0][0] == 503 and '"platform:console": {"ok": false}' in seen[0][1]


async def test_readyz_is_503_when_the_outbox_is_stuck(database_url: str, clock: ManualClock) -> None:
    seen: list[tuple[int, str]] = []
    settings = _settings(database_url)
    settings.health.outbox_stuck_seconds = 60

    async def check(app: App) -> None:
        # Nobody delivers: the row waits. Stopping the worker (rather than taking its sender
        # away) also covers a claim already under way, which hands the row back untouched.
        app.outbox.stop()
        async with app.session_factory() as session:
            community = await ensure_community(session, "console", "local")
            await enqueue(session, community, Target.in_channel("C1"), Reply(text="x"),
                          dedupe_key="stuck", now=clock.now())
            await session.commit()
        clock.advance(timedelta(minutes=5))
        await app.scheduler.run_all()
        seen.append(await _get(app, "/readyz"))

    await _serve(settings, clock, check)
    assert seen[0][0] == 503 and '"outbox": {"ok": false' in seen[0][1]


async def test_metrics_show_outbox_commands_and_ticks(database_url: str, clock: ManualClock) -> None:
    seen: list[str] = []

    async def check(app: App) -> None:
        await app.dispatcher.run_text(Caller("console", "local", "ada", "ada"), "goal list")
        await app.scheduler.run_all()
        seen.append((await _get(app, "/metrics"))[1])

    await _serve(_settings(database_url), clock, check)
    text = seen[0]
    assert 'pivot_command_seconds_count{command="goal list"}' in text
    assert "pivot_tick_seconds_count{tick=" in text
    assert "pivot_outbox_oldest_pending_seconds 0.0" in text
