"""Replay protection: a signed request is accepted once, in every process.

Slack signs `v0:{timestamp}:{body}`; a signature is valid for five minutes. Within that
window somebody who captured a request could send it again, so each accepted request's
(timestamp, signature) is recorded and a second arrival is refused. On PostgreSQL (several
processes behind a load balancer) the record is the database, `slack_seen_requests`, rows
older than the window pruned; each process also remembers its own, so a replay to the same
process is refused without a round trip. On SQLite, which serves one process, memory is the
whole record (see `ReplayGuard`).

A slash command is acknowledged before any database work, so its cross-process check runs
with its work, after the ack: a replay sent to another process is acknowledged like any
request and then dropped, never run (`SlackAdapter._ack_command`). Everything else is
checked in full before it reaches bolt.

Requests are recorded in groups: every request waiting at one moment goes into one
INSERT … ON CONFLICT DO NOTHING RETURNING, so a burst costs one round trip, not one each
(and up to `MAX_FLUSHERS` groups are in flight at once).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.slack.models import SlackSeenRequest

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=5)
PRUNE_EVERY = timedelta(minutes=1)
MAX_BATCH = 500
# Batches in flight at once: a commit's round trip, not the CPU, bounds one flusher.
MAX_FLUSHERS = 4
MAX_REMEMBERED = 200_000  # expired digests are dropped from memory past this many


def digest(timestamp: str, signature: str) -> str:
    return hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()


class ReplayGuard:
    """Wall-clock time throughout, like the signature's own timestamp check (not the app's
    injectable clock: a test that moves days ahead must not prune live entries).

    `engine` is the guard's own: in autocommit, so a batch is one statement and one round
    trip (no BEGIN/COMMIT), without waiting for the WAL flush (PostgreSQL
    `synchronous_commit = off`, SQLite `synchronous = NORMAL`): the ack waits on it. A
    database crash could forget the last fraction of a second of digests, no more.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.postgres = engine.dialect.name == "postgresql"
        # Digests seen by this process, with their expiry (monotonic seconds). On SQLite, which
        # serves one process, this is the whole record: a write there would queue behind the
        # workers' transactions for the one write lock, and the ack would wait behind work.
        self._seen: dict[str, float] = {}
        self._pending: dict[str, tuple[datetime, list[asyncio.Future[bool]]]] = {}
        self._flushers: set[asyncio.Task[None]] = set()
        self._last_prune: datetime | None = None

    def seen_here(self, timestamp: str, signature: str) -> bool:
        """True when this process has seen the request already (or its timestamp is not one);
        otherwise it is remembered here. No round trip: it runs before the ack."""
        try:
            datetime.fromtimestamp(int(timestamp), tz=UTC)
        except (ValueError, OverflowError, OSError):
            return True
        key = digest(timestamp, signature)
        now = time.monotonic()
        if self._seen.get(key, 0.0) > now:
            return True
        if len(self._seen) >= MAX_REMEMBERED:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
        self._seen[key] = now + 2 * WINDOW.total_seconds()
        return False

    async def first_everywhere(self, timestamp: str, signature: str) -> bool:
        """True when no other process recorded the request (after `seen_here` said this one
        has not): on PostgreSQL, recorded in `slack_seen_requests`, grouped with every other
        request waiting at the moment. On SQLite (one process) memory was the whole record."""
        if not self.postgres:
            return True
        key = digest(timestamp, signature)
        sent_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
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
        async with self.engine.connect() as connection:
            if self.postgres:
                # One statement whatever the batch size (prepared once): arrays, unnested.
                result = await connection.execute(
                    _PG_INSERT, {"digests": list(batch), "times": [t for t, _ in batch.values()]}
                )
            else:
                rows = [{"digest": key, "request_at": sent_at} for key, (sent_at, _) in batch.items()]
                result = await connection.execute(
                    sqlite_insert(SlackSeenRequest)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=["digest"])
                    .returning(SlackSeenRequest.digest)
                )
            fresh = set(result.scalars())
            if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY:
                self._last_prune = now
                await connection.execute(
                    delete(SlackSeenRequest).where(SlackSeenRequest.request_at < now - 2 * WINDOW)
                )
        return fresh


_PG_INSERT = text(
    "INSERT INTO slack_seen_requests (digest, request_at) "
    "SELECT * FROM unnest(CAST(:digests AS VARCHAR(64)[]), CAST(:times AS TIMESTAMP WITH TIME ZONE[])) "
    "ON CONFLICT (digest) DO NOTHING RETURNING digest"
)


def tune_connection(engine: AsyncEngine) -> None:
    """The guard's engine: commits that don't wait for the disk (see `ReplayGuard`)."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("SET synchronous_commit TO off")
        else:
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine.sync_engine, "connect", on_connect)
