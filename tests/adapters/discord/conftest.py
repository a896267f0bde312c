"""Pivot on Discord, started the way production starts it, against the fake Discord.

`bot` is a `DiscordBot`: an App whose Discord adapter comes from `platform_adapters`
(settings point it at the fake), served by `App.serve` in a task — gateway connected,
outbox worker running. `restart()` stops it and starts a new App and adapter on the
same database, as a process restart would. The commands (the product's plus the
test-only `probe` group) are registered with the fake first, through the same
`sync` that `python -m bot discord-commands --sync` uses.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.cli import sync
from bot.adapters.discord.commands import build_payload
from bot.app import App, platform_adapters
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage
from tests.adapters.discord import probe
from tests.fakes.discord import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


def discord_settings(database_url: str, fake: FakeDiscord, **discord: Any) -> Settings:
    values = {
        "token": fake.token,
        "api_url": fake.api_url,
        "gateway_url": fake.gateway_url,
    } | discord
    return Settings(
        database={"url": database_url}, discord={k: v for k, v in values.items() if v is not None}
    )


def embeds_text(body: dict[str, Any]) -> str:
    """Titles then descriptions of a message body's embeds, one per line."""
    embeds = body.get("embeds", [])
    return "\n".join(
        filter(
            None, [e.get("title", "") for e in embeds] + [e.get("description", "") for e in embeds]
        )
    )


class DiscordBot:
    def __init__(self, settings: Settings, clock: ManualClock, fake: FakeDiscord) -> None:
        self.settings = settings
        self.clock = clock
        self.fake = fake
        self._app: App | None = None
        self._adapter: DiscordAdapter | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def app(self) -> App:
        assert self._app is not None
        return self._app

    @property
    def adapter(self) -> DiscordAdapter:
        assert self._adapter is not None
        return self._adapter

    async def start(self) -> None:
        app = App(self.settings, clock=self.clock)
        app.registry.add(probe.probe)
        adapters = platform_adapters(app)
        assert [type(a) for a in adapters] == [DiscordAdapter]
        since = len(self.fake.sessions)
        self._app, self._adapter = app, adapters[0]  # type: ignore[assignment]
        self._task = asyncio.create_task(app.serve(adapters))
        await self.fake.wait_identified(since=since)
        # The start-up registration check runs beside the gateway and writes its own row: a
        # test that counts rows or reads the registered commands starts after it.
        await self._adapter.commands_synced()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._app is not None:
            await self._app.close()
            self._app = None

    async def restart(self) -> None:
        await stop_or_explain(self)
        await self.start()


async def register_commands(settings: Settings, fake: FakeDiscord) -> None:
    app = App(settings)
    app.registry.add(probe.probe)
    try:
        await sync(settings, build_payload(app.registry), fake.guild_id)
    finally:
        await app.close()


@pytest.fixture
async def bot(
    database_url: str, fake: FakeDiscord, clock: ManualClock
) -> AsyncIterator[DiscordBot]:
    probe.Gate.reset()
    settings = discord_settings(database_url, fake)
    await register_commands(settings, fake)
    running = DiscordBot(settings, clock, fake)
    await running.start()
    try:
        yield running
    finally:
        await stop_or_explain(running)


async def stop_or_explain(running: DiscordBot, seconds: float = 10.0) -> None:
    """Stop the bot; if that hangs, fail with every pending task's stack instead of hanging CI."""
    try:
        async with asyncio.timeout(seconds):
            await running.stop()
    except TimeoutError:
        import io

        out = io.StringIO()
        for task in asyncio.all_tasks():
            task.print_stack(file=out)
        print(out.getvalue(), file=__import__("sys").stderr)
        pytest.fail(f"the Discord bot did not stop within {seconds:.0f} s; pending tasks:\n{out.getvalue()}")


SETTLE_SECONDS = 10.0


async def settled(app: App, dedupe_key: str) -> OutboxMessage:
    """The outbox row once the worker has recorded an attempt (sent, failed, or retried).

    Waits on database commits (an engine event), not on the clock.
    """
    committed = asyncio.Event()

    def on_commit(_connection: Any) -> None:
        committed.set()

    event.listen(app.engine.sync_engine, "commit", on_commit)
    try:
        async with asyncio.timeout(SETTLE_SECONDS):
            while True:
                committed.clear()
                async with app.session_factory() as session:
                    row = (
                        await session.execute(
                            select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
                        )
                    ).scalar_one()
                if row.status != "pending" or row.attempts > 0:
                    return row
                await committed.wait()
    finally:
        event.remove(app.engine.sync_engine, "commit", on_commit)
