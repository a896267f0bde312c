"""Wait for what a bot writes in the background (after an event it was sent), without sleeping."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App


class Commits:
    """Wakes on every commit of the app's engine, registered before the events it waits for are
    sent. A commit on a pooled connection opened before the listener may go unannounced, so it
    also looks again every 0.2 s."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.engine = app.engine.sync_engine
        self.committed = asyncio.Event()
        event.listen(self.engine, "commit", self._on_commit)

    def _on_commit(self, _connection: Any) -> None:
        self.committed.set()

    async def until(self, check: Callable[[AsyncSession], Awaitable[bool]], seconds: float = 10.0) -> None:
        async with asyncio.timeout(seconds):
            while True:
                self.committed.clear()
                async with self.app.session_factory() as session:
                    if await check(session):
                        return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.committed.wait(), 0.2)

    def close(self) -> None:
        event.remove(self.engine, "commit", self._on_commit)
