"""Replay protection: a signed request is accepted once, in every process.

Slack signs `v0:{timestamp}:{body}`; a signature is valid for five minutes. Within that
window somebody who captured a request could send it again, so each accepted request's
(timestamp, signature) is recorded in the database and a second arrival is refused. Rows
older than the window are pruned; they could never pass the timestamp check again.

Requests are recorded in groups: every request waiting at one moment goes into one
INSERT … ON CONFLICT DO NOTHING RETURNING, so a burst costs one round trip, not one each.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.slack.models import SlackSeenRequest
from bot.core.db import insert_for

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=5)
PRUNE_EVERY = timedelta(minutes=1)
MAX_BATCH = 500
# Batches in flight at once: a commit's round trip, not the CPU, bounds one flusher.
MAX_FLUSHERS = 4


def digest(timestamp: str, signature: str) -> str:
    return hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()


class ReplayGuard:
    """Wall-clock time throughout, like the signature's own timestamp check (not the app's
    injectable clock: a test that moves days ahead must not prune live entries)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        self._pending: dict[str, tuple[datetime, list[asyncio.Future[bool]]]] = {}
        self._flushers: set[asyncio.Task[None]] = set()
        self._last_prune: datetime | None = None

    async def first_time(self, timestamp: str, signature: str) -> bool:
        """True when this (timestamp, signature) was not seen before (and now is)."""
        key = digest(timestamp, signature)
        try:
            sent_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
        except (ValueError, OverflowError, OSError):
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if key in self._pending:
            self._pending[key][1].append(future)
        else:
            self._pending[key] = (sent_at, [future])
        if len(self._flushers) < MAX_FLUSHERS:
            task = asyncio.get_running_loop().create_task(self._flush())
            self._flushers.add(task)
            task.add_done_callback(self._flushers.discard)
        return await future

    async def close(self) -> None:
        await asyncio.gather(*self._flushers, return_exceptions=True)

    async def _flush(self) -> None:
        while self._pending:
            batch = dict(list(self._pending.items())[:MAX_BATCH])
            for key in batch:
                del self._pending[key]
            try:
                fresh = await self._record(batch)
            except Exception as exc:
                for _, futures in batch.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                continue
            for key, (_, futures) in batch.items():
                # The first arrival of a digest wins; a copy in the same batch is a replay.
                for index, future in enumerate(futures):
                    if not future.done():
                        future.set_result(key in fresh and index == 0)

    async def _record(self, batch: dict[str, tuple[datetime, list[asyncio.Future[bool]]]]) -> set[str]:
        now = datetime.now(UTC)
        rows = [{"digest": key, "request_at": sent_at} for key, (sent_at, _) in batch.items()]
        async with self.session_factory() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                # Don't wait for the WAL flush: the ack waits on this commit. A database crash
                # could forget the last fraction of a second of digests, no more.
                await session.execute(text("SET LOCAL synchronous_commit = off"))
            stmt = (
                insert_for(session, SlackSeenRequest)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["digest"])
                .returning(SlackSeenRequest.digest)
            )
            fresh = set((await session.execute(stmt)).scalars())
            if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY:
                self._last_prune = now
                await session.execute(
                    delete(SlackSeenRequest).where(SlackSeenRequest.request_at < now - 2 * WINDOW)
                )
        return fresh
