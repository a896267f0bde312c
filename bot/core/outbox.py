"""Idempotent delivery: every outbound post is a row first.

Features call `enqueue` inside their unit of work with a unique dedupe key
(`challenge:{community}:{local date}`), so a tick that runs twice, late, or in two
processes writes a post once. Per platform a `Sender` delivers; the `OutboxWorker`
claims due rows in batches, sends them concurrently within the platform's rate-limit
model, and records the results in batched writes.

Exactly-once in effect:
- a claim leases rows to one claim token (`lease_owner`); the lease is renewed while the
  batch is in flight, and every write about a claimed row is fenced on that token (a worker
  that lost its lease records nothing and sends nothing more);
- posts to one destination (channel, DM, group) go out one at a time in id order: a claim
  never takes a row while an earlier row for the same destination is leased or waiting;
- the platform's own idempotency is used where it exists (Discord message nonces); where it
  does not (Slack), `sending_at` is recorded before the call, and a row recovered with it set
  is looked up on the platform before it is sent again (see the senders);
- a rate limit (`RateLimited`) is not a failed attempt: the row waits for Retry-After.
Permanent failures are marked failed and shown to admins; other failures retry with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, aliased, mapped_column

from bot.core.clock import Clock
from bot.core.db import (
    Base,
    UTCDateTime,
    bulk_insert,
    bulk_update,
    insert_for,
    is_postgres,
    rowcount,
    utcnow,
)
from bot.core.messages import Reply
from bot.core.metrics import FAILED, RATE_LIMITED, SENT
from bot.core.tenancy import Community, Member

log = logging.getLogger(__name__)

# thread: a new thread (Discord; a forum post when the channel is a forum) or a new top-level
#   message whose thread holds the replies (Slack). The result's message id names the thread.
# reply: a post inside the thread another outbox row opened; `to` is that row's dedupe key,
#   resolved when the reply is delivered (it waits until the thread exists).
TargetKind = Literal["channel", "dm", "group", "thread", "reply"]
# How long a reply waits for its thread to be created before looking again.
REPLY_WAIT = timedelta(seconds=20)

# Claims are serialised across processes on PostgreSQL (a transaction-scoped advisory lock),
# so "no earlier row of this destination is leased" holds when two workers claim at once.
CLAIM_LOCK_KEY = 0x70697673  # "pivs"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # Button clicks in DMs find their community through the message they were posted in.
        Index("ix_outbox_platform_message", "platform", "platform_message_id"),
        # Per-destination order: "is an earlier row for this destination still waiting?"
        Index("ix_outbox_destination", "platform", "kind", "target", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The token of the claim that holds the row (a fencing token: results are written only
    # while it still matches) and until when.
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set just before a send that the platform cannot deduplicate; still set on a row that is
    # claimed again means an earlier send may have reached the platform.
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DmChannel(Base):
    """A member's DM channel on a platform, so a DM costs one request after the first."""

    __tablename__ = "dm_channels"
    __table_args__ = (UniqueConstraint("member_id", "platform"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class Target:
    """Where a post goes. `channel` is a group thread's parent or a closed DM's fallback."""

    kind: TargetKind
    to: str
    channel: str | None = None

    @classmethod
    def in_channel(cls, channel_id: str) -> Target:
        return cls("channel", channel_id)

    @classmethod
    def dm(cls, user_id: str, *, fallback_channel: str | None = None) -> Target:
        return cls("dm", user_id, fallback_channel)

    @classmethod
    def group(cls, user_ids: Sequence[str], *, channel: str | None = None) -> Target:
        return cls("group", ",".join(user_ids), channel)

    @classmethod
    def thread(cls, channel_id: str) -> Target:
        """A new thread in `channel_id`, titled by the reply's title."""
        return cls("thread", channel_id)

    @classmethod
    def reply_in(cls, thread_dedupe_key: str) -> Target:
        """Inside the thread the outbox row with this dedupe key opened."""
        return cls("reply", thread_dedupe_key)


@dataclass(frozen=True)
class Delivery:
    """What a sender gets: one claimed row, decoded."""

    id: int
    platform: str
    community_external_id: str
    target: Target
    reply: Reply
    dedupe_key: str
    # The member's DM channel when one is stored (DM targets only).
    dm_channel: str | None = None
    # An earlier send of this row may have reached the platform (it was marked sending and
    # its outcome was never recorded): look before sending again.
    recovering: bool = False


@dataclass(frozen=True)
class DeliveryResult:
    message_id: str | None = None
    note: str | None = None
    # A DM channel the sender opened for the target, to be stored for next time.
    dm_channel: str | None = None


class TransientDeliveryError(Exception):
    """Try again later (network trouble, 5xx). `retry_after` in seconds when known.
    `maybe_sent`: the request may have reached the platform (a timeout, a lost answer)."""

    def __init__(self, reason: str, retry_after: float | None = None, *, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class RateLimited(TransientDeliveryError):
    """The platform said "not now" (HTTP 429): wait `retry_after`; not a failed attempt."""

    retry_after: float

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason, retry_after)


# Why a post can never be sent, when the platform said so plainly. The ones an admin can act on
# (`NOTICED`) are told to the admin who configured the channel, with the fix (core/failnotice.py).
CHANNEL_GONE = "channel_gone"  # Discord 10003 Unknown Channel; Slack channel_not_found
ARCHIVED = "archived"  # Slack is_archived
NO_ACCESS = "no_access"  # Discord 50001 Missing Access: the bot cannot see the channel
NO_PERMISSION = "no_permission"  # Discord 50013 Missing Permissions; Slack restricted_action
NOT_IN_CHANNEL = "not_in_channel"  # Slack not_in_channel: the app was never invited
DMS_CLOSED = "dms_closed"  # Discord 50007; Slack cannot_dm_bot, user_disabled, …; no fallback channel
REMOVED = "removed"  # Pivot left the community (or was uninstalled): nobody there to tell
CHANNEL_CAUSES = frozenset({CHANNEL_GONE, ARCHIVED, NO_ACCESS, NO_PERMISSION, NOT_IN_CHANNEL})
NOTICED = CHANNEL_CAUSES | {DMS_CLOSED}


class PermanentDeliveryError(Exception):
    """Never going to work (channel gone, DMs closed with no fallback, bot removed).

    `cause`: one of the causes above when the platform named it. `channel`: the channel that
    refused, when it is not the target itself (a closed DM's fallback channel)."""

    def __init__(self, reason: str, *, cause: str | None = None, channel: str | None = None) -> None:
        super().__init__(reason)
        self.cause = cause
        self.channel = channel


@dataclass(frozen=True)
class PermanentFailure:
    """A post just marked failed for a named cause (what `on_failed` hears about)."""

    outbox_id: int
    cause: str
    channel: str | None = None


# Called after failures are recorded, in a transaction of its own (see core/failnotice.py).
FailureHook = Callable[[AsyncSession, Sequence[PermanentFailure], datetime], Awaitable[object]]


@dataclass(frozen=True)
class SendPolicy:
    """A platform's rate-limit model, as far as the worker paces it.

    `per_destination_interval`: seconds between the starts of two sends to one destination
    (Slack: about one message per second per channel), on average: `per_destination_burst`
    sends may start at once after a quiet moment (Slack allows short bursts). `rate_per_second`: all sends to the
    platform from this worker (Discord: the global 50 requests/s). `mark_sending`: the
    platform cannot deduplicate a send, so record `sending_at` before each call.
    """

    per_destination_interval: float = 0.0
    per_destination_burst: int = 1
    rate_per_second: float | None = None
    mark_sending: bool = False


class Sender(Protocol):
    """Delivers one row. Optional: `policy` (a `SendPolicy`) and `ready()` (False while the
    platform cannot send yet, e.g. before login: its rows are not claimed meanwhile)."""

    async def deliver(self, delivery: Delivery) -> DeliveryResult: ...


async def enqueue(
    session: AsyncSession,
    community: Community,
    target: Target,
    reply: Reply,
    *,
    dedupe_key: str,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Write a post once. Returns False when a post with this dedupe key already exists."""
    values = _row(community.id, community.platform, target, reply.to_json(), dedupe_key,
                  not_before or now, now)
    stmt = insert_for(session, OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["dedupe_key"]
    )
    result = await session.execute(stmt)
    return bool(rowcount(result))


@dataclass(frozen=True)
class Outgoing:
    """One post for `enqueue_many` (ticks that write thousands at once)."""

    community_id: int
    platform: str
    target: Target
    reply: Reply
    dedupe_key: str


async def enqueue_many(session: AsyncSession, posts: Sequence[Outgoing], *, now: datetime) -> None:
    """`enqueue` for many posts in one statement: same rows, same once-per-dedupe-key rule."""
    rows = [
        _row(p.community_id, p.platform, p.target, p.reply.to_json(), p.dedupe_key, now, now)
        for p in posts
    ]
    await bulk_insert(session, OutboxMessage.__table__, rows, conflict=["dedupe_key"])  # type: ignore[arg-type]


def _row(community_id: int, platform: str, target: Target, payload: dict[str, Any], dedupe_key: str,
         due: datetime, now: datetime) -> dict[str, Any]:
    return {
        "community_id": community_id,
        "platform": platform,
        "kind": target.kind,
        "target": target.to,
        "channel": target.channel,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": due,
        "created_at": now,
    }


async def recent_failures(session: AsyncSession, community_id: int, limit: int = 5) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.community_id == community_id, OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


# --- the worker ---------------------------------------------------------------------------------

# Every result writes the same columns (one batched statement for any mix of outcomes).
RESULT_COLUMNS = ("status", "attempts", "next_attempt_at", "last_error", "note",
                  "platform_message_id", "sent_at", "sending_at", "lease_owner", "lease_until")
FLUSH_EVERY = 100  # results
FLUSH_SECONDS = 0.25


@dataclass
class _Claimed:
    delivery: Delivery
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    member_id: int | None
    community_id: int

    @property
    def destination(self) -> tuple[str, str, str]:
        target = self.delivery.target
        return (self.delivery.platform, target.kind, target.to)


@dataclass(eq=False)
class _Batch:
    token: str
    rows: list[_Claimed]
    results: list[dict[str, Any]] = field(default_factory=list)
    dm_channels: list[dict[str, Any]] = field(default_factory=list)
    lost: set[int] = field(default_factory=set)
    done: set[int] = field(default_factory=set)
    # time.monotonic() until which the lease surely still holds (claim or last renewal, plus
    # two thirds of the lease): past it, renew before sending (the event loop may have stalled).
    valid_until: float = 0.0
    # One write about the batch at a time: a release must never overtake a result being written.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    marker: _Marker | None = None
    marked: set[int] = field(default_factory=set)  # rows this batch marked "sending"
    seq: int = 0  # claims of this worker are numbered in order

    def unmark_on_release(self) -> list[int]:
        """Rows this batch marked sending but never sent, and which were not already marked
        when claimed (those keep their mark: an earlier send may have reached the platform)."""
        return [r.delivery.id for r in self.rows
                if r.delivery.id in self.marked and not r.delivery.recovering
                and r.delivery.id not in self.done]


class Pacer:
    """Start times `interval` apart on average. `burst` starts may catch up at once after a
    stall or a pause (0: a strict spacing)."""

    def __init__(self, interval: float, burst: int = 0) -> None:
        self.interval = interval
        self.burst = burst
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        slot = max(self._next, now - self.burst * self.interval)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class _Spacing:
    """One destination's calls: on average `interval` apart, with up to `burst` at once after a
    quiet moment (a token bucket, kept as the time it is full again). Its sends are sequential.

    Strict spacing (`burst` 1) follows a schedule, so a late wake-up is made up for, by at most
    `catch_up` seconds per call. With a burst the bucket itself absorbs late wake-ups, a quiet
    destination is owed no catch-up (a full bucket is all the platform allows), and the call
    after a burst waits `jitter` longer: sent side by side, two calls may arrive out of step
    with the timing they were sent with, and the platform counts arrivals."""

    def __init__(self, interval: float, burst: int = 1, *, catch_up: float = 0.03,
                 jitter: float = 0.25) -> None:
        self.interval = interval
        self.burst = max(burst, 1)
        self.catch_up = catch_up if self.burst == 1 else 0.0
        # How far ahead of a full bucket's schedule the next call may start.
        self.ahead = (self.burst - 1) * interval - (jitter if self.burst > 1 else 0.0)
        self.full_at = float("-inf")  # when the bucket holds `burst` calls again

    @property
    def last(self) -> float:
        return self.full_at - self.interval

    @property
    def next_at(self) -> float:
        """When the next call may start."""
        return self.full_at - self.ahead

    async def wait(self, lead: float = 0.0) -> None:
        """Until the next call may start, or `lead` seconds before (to prepare it meanwhile)."""
        delay = self.next_at - lead - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def started(self) -> None:
        now = time.monotonic()
        self.full_at = max(self.full_at, now - self.catch_up) + self.interval


class _Marker:
    """Coalesces "about to send" marks: every row asking while a write is under way goes
    into the next write, so concurrent sends share one transaction."""

    def __init__(self, write: Callable[[list[int]], Awaitable[set[int]]]) -> None:
        self._write = write
        self._waiting: list[int] = []
        self._next: asyncio.Future[set[int]] | None = None
        self._busy = asyncio.Lock()

    async def mark(self, row_id: int) -> bool:
        self._waiting.append(row_id)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            asyncio.create_task(self._run(self._next))
        marked = await asyncio.shield(self._next)
        return row_id in marked

    async def _run(self, future: asyncio.Future[set[int]]) -> None:
        async with self._busy:  # one write at a time; the others gather meanwhile
            ids, self._waiting, self._next = self._waiting, [], None
            try:
                future.set_result(await self._write(ids))
            except BaseException as exc:
                future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise


class OutboxWorker:
    """Claims due rows for the platforms it has senders for, and delivers them."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        senders: Mapping[str, Sender],
        *,
        max_attempts: int = 8,
        backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(hours=1),
        lease: timedelta = timedelta(seconds=60),
        batch: int = 200,
        concurrency: int = 32,
        on_failed: FailureHook | None = None,
    ) -> None:
        self.session_factory = session_factory
        # Hears about posts marked failed for a named cause (admins' failure notices).
        self.on_failed = on_failed
        self.clock = clock
        self.senders = dict(senders)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.lease = lease
        self.batch = batch
        self.concurrency = concurrency
        self.owner = uuid.uuid4().hex[:16]
        self._wake = asyncio.Event()
        self._stopping = False
        self._slots: asyncio.Semaphore | None = None  # sends in flight
        self._ahead: asyncio.Semaphore | None = None  # sends in flight or next in line
        self._destination_spacing: dict[tuple[str, str, str], _Spacing] = {}
        self._platform_pacers: dict[str, Pacer] = {}
        self._held = 0  # rows claimed and not yet finished, over all batches in flight
        self._retry_timer: asyncio.TimerHandle | None = None
        self._claims = 0
        self._batches: set[_Batch] = set()
        # A destination's batches take turns (FIFO lock); when one of its rows must wait (retry,
        # rate limit), batches claimed meanwhile hand their later rows back.
        self._destination_turns: dict[tuple[str, str, str], tuple[asyncio.Lock, int]] = {}
        self._destination_waiting: dict[tuple[str, str, str], int] = {}  # → the waiting row

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a unit of work commits)."""
        self._wake.set()

    def stop(self) -> None:
        """Graceful shutdown: sends in flight finish and are recorded, rows not yet sent are
        released at once (another process may take them), then `run_forever` returns."""
        self._stopping = True
        self._wake.set()

    def ready_platforms(self) -> list[str]:
        return [p for p, sender in self.senders.items() if getattr(sender, "ready", lambda: True)()]

    def policy(self, platform: str) -> SendPolicy:
        return getattr(self.senders.get(platform), "policy", None) or SendPolicy()

    async def run_forever(self, poll_seconds: float = 2.0) -> None:
        """Claim while there is room (`batch` rows held at most), deliver batches concurrently."""
        self._stopping = False
        running: set[asyncio.Task[int]] = set()
        try:
            while not self._stopping:
                self._wake.clear()
                room = self.batch - self._held
                claimed = 0
                # Claim in batches: only once half the held rows are done (tiny claims would
                # cost a transaction, a renewer and a flusher each for a handful of rows).
                if room >= max(self.batch // 2, 1) and self.senders:
                    try:
                        batch = await self._claim(room)
                    except Exception:
                        log.exception("outbox claim failed; retrying")
                        batch = None
                    if batch is not None:
                        claimed = len(batch.rows)
                        task = asyncio.create_task(self._process(batch), name="outbox-batch")
                        running.add(task)
                        task.add_done_callback(running.discard)
                        task.add_done_callback(lambda _t: self._wake.set())
                if claimed and not self._stopping:
                    continue
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
                except TimeoutError:
                    pass
        finally:
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def run_once(self) -> int:
        """One pass: claim a batch, deliver it, record results. Returns how many were handled."""
        if not self.senders:
            return 0
        batch = await self._claim(self.batch)
        if batch is None:
            return 0
        return await self._process(batch)

    # --- claiming ---------------------------------------------------------------------------

    async def _claim(self, limit: int) -> _Batch | None:
        platforms = self.ready_platforms()
        if not platforms:
            return None
        started = time.monotonic()
        now = self.clock.now()
        token = f"{self.owner}:{uuid.uuid4().hex[:12]}"
        cand, earlier = aliased(OutboxMessage), aliased(OutboxMessage)
        # OFFSET 0 keeps PostgreSQL from turning this NOT EXISTS into an anti-join: right after
        # a tick enqueues thousands of rows (before autovacuum has analysed them) the planner
        # then picked a join that compared every pending row with every other one (1.75 s for
        # 2,000 rows, quadratic); as a subplan it is one index lookup of the row's destination
        # per candidate (17 ms for 2,000, 255 ms for 20,000; bench/README.md).
        waiting_before = select(literal(1)).where(
            earlier.platform == cand.platform,
            earlier.kind == cand.kind,
            earlier.target == cand.target,
            earlier.status == "pending",
            earlier.id < cand.id,
            or_(
                earlier.next_attempt_at > now,
                # Leased by another worker. Our own earlier rows don't block: this worker sends
                # a destination's batches one after the other (`_destination`).
                and_(earlier.lease_until >= now, ~earlier.lease_owner.startswith(f"{self.owner}:")),
            ),
        ).offset(0).exists()
        async with self.session_factory() as session, session.begin():
            postgres = is_postgres(session)
            if postgres:
                await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK_KEY})
            due = (
                select(cand.id)
                .where(
                    cand.status == "pending",
                    cand.next_attempt_at <= now,
                    cand.platform.in_(platforms),
                    or_(cand.lease_until.is_(None), cand.lease_until < now),
                    ~waiting_before,
                )
                .order_by(cand.id)
                .limit(limit)
            )
            if postgres:
                due = due.with_for_update(skip_locked=True)
            # One statement: atomic on SQLite too (no row locks there).
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(due.scalar_subquery()))
                .values(lease_owner=token, lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            if not rowcount(result):
                return None
            rows = (
                await session.execute(
                    select(OutboxMessage, Community.external_id, Member.id, DmChannel.channel_id)
                    .join(Community, Community.id == OutboxMessage.community_id)
                    .outerjoin(
                        Member,
                        and_(
                            OutboxMessage.kind == "dm",
                            Member.community_id == OutboxMessage.community_id,
                            Member.platform_user_id == OutboxMessage.target,
                        ),
                    )
                    .outerjoin(
                        DmChannel,
                        and_(DmChannel.member_id == Member.id, DmChannel.platform == OutboxMessage.platform),
                    )
                    .where(OutboxMessage.lease_owner == token)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        claimed = [
            _Claimed(
                Delivery(
                    id=row.id,
                    platform=row.platform,
                    community_external_id=external_id,
                    target=Target(row.kind, row.target, row.channel),  # type: ignore[arg-type]
                    reply=Reply.from_json(row.payload),
                    dedupe_key=row.dedupe_key,
                    dm_channel=dm_channel,
                    recovering=row.sending_at is not None,
                ),
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at,
                last_error=row.last_error,
                member_id=member_id,
                community_id=row.community_id,
            )
            for row, external_id, member_id, dm_channel in rows
        ]
        if not claimed:
            return None
        log.debug("claimed %d row(s) in %.3fs", len(claimed), time.monotonic() - started)
        self._claims += 1
        batch = _Batch(token, claimed, valid_until=started + self._safe_lease_seconds(), seq=self._claims)
        batch.marker = _Marker(lambda ids: self._mark_sending(batch, ids))
        return batch

    def _safe_lease_seconds(self) -> float:
        return self.lease.total_seconds() * 2 / 3

    # --- delivering -------------------------------------------------------------------------

    async def _process(self, batch: _Batch) -> int:
        began = time.monotonic()
        self._held += len(batch.rows)
        self._batches.add(batch)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
            self._ahead = asyncio.Semaphore(2 * self.concurrency)
        queues: dict[tuple[str, str, str], deque[_Claimed]] = {}
        for row in batch.rows:
            queues.setdefault(row.destination, deque()).append(row)
        renewer = asyncio.create_task(self._renew(batch), name="outbox-renew")
        flusher = asyncio.create_task(self._flush_periodically(batch), name="outbox-flush")
        try:
            await asyncio.gather(*(self._destination(batch, q) for q in queues.values()))
        finally:
            renewer.cancel()
            flusher.cancel()
            await asyncio.gather(renewer, flusher, return_exceptions=True)
            # Shielded: recording what was sent must survive a cancelled shutdown.
            await asyncio.shield(self._finish(batch))
            self._finished(len(batch.rows) - len(batch.done))
            self._batches.discard(batch)
            log.debug("batch of %d done in %.2fs", len(batch.rows), time.monotonic() - began)
        return len(batch.rows)

    def _spacing(self, destination: tuple[str, str, str], policy: SendPolicy) -> _Spacing:
        spacing = self._destination_spacing.get(destination)
        if spacing is None:
            if len(self._destination_spacing) > 10_000:  # forget destinations long quiet
                horizon = time.monotonic() - policy.per_destination_interval
                self._destination_spacing = {
                    k: v for k, v in self._destination_spacing.items() if v.last > horizon}
            spacing = self._destination_spacing[destination] = _Spacing(
                policy.per_destination_interval, policy.per_destination_burst)
        return spacing

    async def _destination(self, batch: _Batch, queue: deque[_Claimed]) -> None:
        """One destination's rows, one at a time, in id order, after its earlier batches."""
        destination = queue[0].destination
        turn, users = self._destination_turns.get(destination) or (asyncio.Lock(), 0)
        self._destination_turns[destination] = (turn, users + 1)
        try:
            async with turn:
                head = self._destination_waiting.get(destination)
                if head is not None:
                    first = queue[0].delivery.id
                    if first > head and await self._still_pending(head):
                        # Claimed while an earlier row of this destination was being put back
                        # to wait (retry, rate limit): don't overtake it.
                        await self._release_rest(batch, queue)
                        return
                    del self._destination_waiting[destination]
                await self._destination_rows(batch, queue)
        finally:
            turn, users = self._destination_turns[destination]
            if users == 1:
                del self._destination_turns[destination]  # no batch waits for its turn
            else:
                self._destination_turns[destination] = (turn, users - 1)

    async def _still_pending(self, row_id: int) -> bool:
        async with self.session_factory() as session:
            status = (await session.execute(
                select(OutboxMessage.status).where(OutboxMessage.id == row_id))).scalar_one_or_none()
        return status == "pending"

    def _waits(self, row: _Claimed) -> None:
        """This row must wait: later rows of its destination held by batches claimed in the
        meantime are handed back rather than sent (see `_destination`)."""
        self._destination_waiting[row.destination] = row.delivery.id
        if len(self._destination_waiting) > 10_000:
            self._destination_waiting = dict(list(self._destination_waiting.items())[-5_000:])

    async def _destination_rows(self, batch: _Batch, queue: deque[_Claimed]) -> None:
        assert self._ahead is not None
        while queue and not self._stopping:
            row = queue.popleft()
            if row.delivery.id in batch.lost:
                # Another worker holds this destination now; leave the rest to it.
                self._waits(row)
                await self._release_rest(batch, queue)
                return
            policy = self.policy(row.delivery.platform)
            spacing = (self._spacing(row.destination, policy)
                       if policy.per_destination_interval else None)
            if spacing is not None:
                # Without holding a slot, and a little early: the mark below takes a moment.
                await spacing.wait(lead=min(0.25, spacing.interval / 2))
            async with self._ahead:
                keep_going = await self._send_row(batch, row, policy, spacing)
            if not keep_going:
                self._waits(row)  # before anything else awaits: a claim may be under way
            if keep_going is None:
                await self._release_rest(batch, queue)
                return
            self._finished(1)
            if len(batch.results) >= FLUSH_EVERY:
                await self._flush(batch)
            if not keep_going:
                # Later rows of this destination must not overtake this one: hand them back
                # now (not at the end of the batch) so they follow it as soon as it is due.
                await self._release_rest(batch, queue)
                return

    async def _send_row(self, batch: _Batch, row: _Claimed, policy: SendPolicy,
                        spacing: _Spacing | None) -> bool | None:
        """Send one row once a slot is free: whether its destination may go on (None: the
        row was not sent, leave the destination)."""
        assert self._slots is not None and batch.marker is not None
        # Marked before waiting for a slot, so the marks of the sends about to happen share
        # one write; at most two slots' worth are marked ahead (after a crash, each marked
        # row costs a history lookup). A row marked but never sent is unmarked on release.
        if policy.mark_sending and not await batch.marker.mark(row.delivery.id):
            log.warning("delivery %s: lease lost before sending; left to its new holder",
                        row.delivery.id)
            batch.lost.add(row.delivery.id)
            return None
        async with self._slots:
            if self._stopping or row.delivery.id in batch.lost:
                return None
            if spacing is not None:
                await spacing.wait()  # the mark took a moment: space the calls themselves
            if policy.rate_per_second:
                await self._platform_pacers.setdefault(
                    row.delivery.platform, Pacer(1.0 / policy.rate_per_second)).wait()
            # Last check before the call: is the lease surely still ours?
            if time.monotonic() > batch.valid_until:
                await self._renew_once(batch)
                if row.delivery.id in batch.lost:
                    return None
            if spacing is not None:
                spacing.started()
            return await self._attempt(batch, row)

    async def _release_rest(self, batch: _Batch, queue: deque[_Claimed]) -> None:
        rest = [row.delivery.id for row in queue]
        queue.clear()
        async with batch.lock:
            await self._write_results(batch)  # the head row's new due time first
            if rest:
                async with self.session_factory() as session, session.begin():
                    await self._release(session, batch, rest)
        batch.done.update(rest)
        self._finished(len(rest))

    def _finished(self, rows: int) -> None:
        """Rows no longer held. Crossing half the batch wakes the claim loop once (room for
        another claim while this batch finishes), not at every row."""
        before = self._held
        self._held -= rows
        if before > self.batch // 2 >= self._held:
            self._wake.set()

    async def _attempt(self, batch: _Batch, row: _Claimed) -> bool:
        """Send one row and queue its result. False when the destination must wait."""
        delivery = row.delivery
        now = self.clock.now()
        values: dict[str, Any] = {
            "id": delivery.id,
            "lease_owner": batch.token,  # the fence: matched, then cleared (see _flush)
            "status": "pending",
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at,
            "last_error": row.last_error,
            "note": None,
            "platform_message_id": None,
            "sent_at": None,
            "sending_at": None,
        }
        keep_going = True
        try:
            if delivery.target.kind == "reply":
                resolved = await self._thread_of(delivery)
                if resolved is None:
                    # The thread this reply goes into is still being created: wait for it,
                    # without counting an attempt; later rows of this destination follow it.
                    values["next_attempt_at"] = now + REPLY_WAIT
                    self._wake_at(REPLY_WAIT.total_seconds())
                    batch.results.append(values)
                    batch.done.add(delivery.id)
                    return False
                delivery = resolved
            result = await self.senders[delivery.platform].deliver(delivery)
        except PermanentDeliveryError as exc:
            log.warning("delivery %s failed permanently: %s", delivery.id, exc)
            values |= {"status": "failed", "last_error": str(exc)[:2000]}
            if exc.cause is not None:  # not a result column: read by _write_results for on_failed
                values["failure"] = PermanentFailure(delivery.id, exc.cause, exc.channel)
            FAILED.labels(delivery.platform).inc()
        except RateLimited as exc:
            RATE_LIMITED.labels(delivery.platform).inc()
            log.info("delivery %s rate limited for %.1fs", delivery.id, exc.retry_after)
            values |= {
                "next_attempt_at": now + timedelta(seconds=exc.retry_after),
                "last_error": str(exc)[:2000],
            }
            self._wake_at(exc.retry_after)
            keep_going = False
        except Exception as exc:  # transient or unexpected: both retried, with backoff
            transient = isinstance(exc, TransientDeliveryError)
            if not transient:
                log.exception("delivery %s raised unexpectedly", delivery.id)
            attempts = row.attempts + 1
            values["attempts"] = attempts
            # A lost answer may mean the post went out: keep the mark so a retry looks first.
            if not transient or exc.maybe_sent:  # type: ignore[attr-defined]
                values["sending_at"] = now
            if attempts >= self.max_attempts:
                values |= {"status": "failed", "last_error": f"gave up: {exc}"[:2000]}
                FAILED.labels(delivery.platform).inc()
            else:
                retry_after = exc.retry_after if transient else None  # type: ignore[attr-defined]
                delay = timedelta(seconds=retry_after) if retry_after is not None else min(
                    self.backoff * 2 ** (attempts - 1), self.max_backoff
                )
                values |= {"next_attempt_at": now + delay, "last_error": str(exc)[:2000]}
                keep_going = False
        else:
            SENT.labels(delivery.platform).inc()
            values |= {
                "status": "sent",
                "sent_at": self.clock.now(),
                "platform_message_id": result.message_id,
                "note": result.note,
            }
            if result.dm_channel and row.member_id is not None:
                batch.dm_channels.append({
                    "community_id": row.community_id,
                    "member_id": row.member_id,
                    "platform": delivery.platform,
                    "channel_id": result.dm_channel,
                    "created_at": now,
                })
        batch.results.append(values)
        batch.done.add(delivery.id)
        return keep_going

    async def _thread_of(self, delivery: Delivery) -> Delivery | None:
        """A reply's target resolved to its thread: Target("reply", thread id, parent channel).
        None while the message that opens the thread is still waiting to be sent."""
        async with self.session_factory() as session:
            parent = (
                await session.execute(
                    select(OutboxMessage.status, OutboxMessage.platform_message_id, OutboxMessage.target)
                    .where(OutboxMessage.dedupe_key == delivery.target.to)
                )
            ).one_or_none()
        if parent is not None and parent.status == "pending":
            return None
        if parent is None or parent.status != "sent" or not parent.platform_message_id:
            raise PermanentDeliveryError("the thread this reply belongs to was never created")
        return replace(delivery, target=Target("reply", parent.platform_message_id, parent.target))

    def _wake_at(self, seconds: float) -> None:
        """Claim again when a rate-limited destination may send (not only at the next poll)."""
        loop = asyncio.get_running_loop()
        when = loop.time() + max(seconds, 0.0)
        if self._retry_timer is not None and not self._retry_timer.cancelled() \
                and self._retry_timer.when() <= when:
            return
        if self._retry_timer is not None:
            self._retry_timer.cancel()
        self._retry_timer = loop.call_at(when, self._wake.set)

    # --- leases and writes --------------------------------------------------------------------

    async def _mark_sending(self, batch: _Batch, ids: list[int]) -> set[int]:
        """Record that these sends are about to happen; returns the ids still ours (a row
        whose lease passed to another worker is not marked and must not be sent)."""
        async with self.session_factory() as session, session.begin():
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.lease_owner == batch.token)
                .values(sending_at=self.clock.now())
                .returning(OutboxMessage.id)
            )
            marked = set(result.scalars())
        batch.marked |= marked
        return marked

    async def _renew(self, batch: _Batch) -> None:
        """Keep the batch's rows leased while it is in flight; notice rows taken from us."""
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            await self._renew_once(batch)

    async def _renew_once(self, batch: _Batch) -> None:
        started = time.monotonic()
        async with self.session_factory() as session, session.begin():
            held = set(
                (
                    await session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.lease_owner == batch.token)
                        .values(lease_until=self.clock.now() + self.lease)
                        .returning(OutboxMessage.id)
                    )
                ).scalars()
            )
        batch.valid_until = started + self._safe_lease_seconds()
        lost = {r.delivery.id for r in batch.rows} - batch.done - held - batch.lost
        if lost:
            log.warning("outbox lease lost on %d row(s); not sending them", len(lost))
            batch.lost |= lost

    async def _flush_periodically(self, batch: _Batch) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            if batch.results:
                # Shielded: cancelling this task at the end of the batch must not drop a write.
                await asyncio.shield(self._flush(batch))

    async def _flush(self, batch: _Batch) -> None:
        async with batch.lock:
            await self._write_results(batch)

    async def _write_results(self, batch: _Batch) -> None:
        """Write the queued results in one transaction, each fenced on the claim token."""
        results, batch.results = batch.results, []
        channels, batch.dm_channels = batch.dm_channels, []
        if not results and not channels:
            return
        rows = [
            {"id": r["id"], "fence": r["lease_owner"], **{c: r.get(c) for c in RESULT_COLUMNS},
             "lease_owner": None, "lease_until": None}
            for r in results
        ]
        try:
            async with self.session_factory() as session, session.begin():
                matched = await bulk_update(session, OutboxMessage.__table__, rows,  # type: ignore[arg-type]
                                            fence=("lease_owner", "fence"))
                if channels:
                    stmt = insert_for(session, DmChannel)
                    stmt = stmt.on_conflict_do_update(
                        index_elements=["member_id", "platform"],
                        set_={"channel_id": stmt.excluded.channel_id},
                    )
                    await session.execute(stmt, channels)
        except BaseException:
            batch.results[:0] = results  # keep them for the next flush
            batch.dm_channels[:0] = channels
            raise
        if matched < len(rows):
            log.warning("outbox: %d result(s) not recorded: their lease had passed to another worker",
                        len(rows) - matched)
        failures = [r["failure"] for r in results if r.get("failure") is not None]
        if failures and self.on_failed is not None:
            await self._tell_failures(failures)

    async def _tell_failures(self, failures: list[PermanentFailure]) -> None:
        """After the results are recorded, in a transaction of its own: a problem here must
        never undo or repeat a delivery result (at worst a notice is missed; the failure stays
        in `admin failures`)."""
        assert self.on_failed is not None
        for attempt in range(3):
            try:
                async with self.session_factory() as session, session.begin():
                    await self.on_failed(session, failures, self.clock.now())
                return
            except Exception:
                log.exception("outbox: failure notices not written (try %d of 3)", attempt + 1)
                await asyncio.sleep(0.2 * (attempt + 1))

    async def _release(self, session: AsyncSession, batch: _Batch, ids: list[int] | None = None) -> None:
        """Hand rows back at once (all still held when `ids` is None). Results clear the lease,
        so what is still held was never attempted: a mark set by this batch goes too."""
        held = [OutboxMessage.lease_owner == batch.token]
        if ids is not None:
            held.append(OutboxMessage.id.in_(ids))
        unmark = [i for i in batch.unmark_on_release() if ids is None or i in ids]
        if unmark:
            await session.execute(update(OutboxMessage).where(*held, OutboxMessage.id.in_(unmark))
                                  .values(sending_at=None))
        await session.execute(update(OutboxMessage).where(*held).values(lease_owner=None, lease_until=None))

    async def _finish(self, batch: _Batch) -> None:
        """Record every result, then release what was not sent at once."""
        for attempt in range(3):
            try:
                async with batch.lock:
                    await self._write_results(batch)
                    async with self.session_factory() as session, session.begin():
                        await self._release(session, batch)
                return
            except Exception:
                log.exception("outbox: recording results failed (try %d of 3)", attempt + 1)
                if attempt == 2:
                    raise
                await asyncio.sleep(0.5)


@dataclass(frozen=True)
class Backlog:
    pending: dict[str, int]
    # Seconds since the oldest pending row became due (0 when nothing is overdue).
    oldest_due_seconds: float


async def backlog(session: AsyncSession, now: datetime) -> Backlog:
    """What waits in the outbox, per platform, and how overdue the oldest due row is."""
    rows = (
        await session.execute(
            select(OutboxMessage.platform, func.count(), func.min(OutboxMessage.next_attempt_at))
            .where(OutboxMessage.status == "pending")
            .group_by(OutboxMessage.platform)
        )
    ).all()
    oldest = min((r[2] for r in rows), default=None)
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Backlog({r[0]: int(r[1]) for r in rows}, age)


async def failed_posts(session: AsyncSession, community_id: int, *, limit: int = 20) -> list[OutboxMessage]:
    """This community's failed posts, newest first."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.community_id == community_id, OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def retry(session: AsyncSession, community_id: int, ids: Sequence[int], *, now: datetime,
                channel: str | None = None) -> int:
    """Send failed posts again from scratch (attempts reset), optionally to another channel
    (after an admin fixed the configured one). Returns how many were queued again."""
    values: dict[str, Any] = {"status": "pending", "attempts": 0, "next_attempt_at": now,
                              "last_error": None, "lease_owner": None, "lease_until": None,
                              "sending_at": None}
    if channel is not None:  # only channel posts are moved; DMs keep their person
        values["target"] = case((OutboxMessage.kind == "channel", channel), else_=OutboxMessage.target)
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.community_id == community_id, OutboxMessage.id.in_(list(ids)),
               OutboxMessage.status == "failed")
        .values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def thread_post(
    session: AsyncSession, platform: str, community_external_id: str, thread_id: str,
    *, channel: str | None = None,
) -> tuple[Community, str] | None:
    """The community and dedupe key of the outbox post that opened this thread (a `thread`
    target: its platform message id is the thread's id — Discord — or the ts its replies hang
    from — Slack, where `channel` narrows it, a ts being unique per channel only)."""
    stmt = (
        select(Community, OutboxMessage.dedupe_key)
        .join(Community, Community.id == OutboxMessage.community_id)
        .where(
            OutboxMessage.platform == platform,
            OutboxMessage.platform_message_id == thread_id,
            OutboxMessage.kind == "thread",
            Community.platform == platform,
            Community.external_id == community_external_id,
        )
    )
    if channel is not None:
        stmt = stmt.where(OutboxMessage.target == channel)
    row = (await session.execute(stmt.limit(1))).first()
    return None if row is None else (row[0], row[1])


async def by_dedupe_key(session: AsyncSession, community_id: int, key: str) -> OutboxMessage | None:
    return (await session.execute(
        select(OutboxMessage).where(OutboxMessage.community_id == community_id,
                                    OutboxMessage.dedupe_key == key)
    )).scalar_one_or_none()


# --- a community the bot was removed from ----------------------------------------------------------


async def community_removed(
    session: AsyncSession, platform: str, external_id: str, *, now: datetime, reason: str
) -> int:
    """The bot left this community (Discord server left, Slack app uninstalled): remember when,
    and mark its pending posts failed with `reason`. Returns how many posts were stopped."""
    community = (
        await session.execute(
            select(Community).where(Community.platform == platform, Community.external_id == external_id)
        )
    ).scalar_one_or_none()
    if community is None:
        return 0
    community.removed_at = now
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.community_id == community.id, OutboxMessage.status == "pending")
        .values(status="failed", last_error=reason, lease_owner=None, lease_until=None)
    )
    return int(rowcount(result) or 0)


async def community_returned(session: AsyncSession, platform: str, external_id: str) -> None:
    """The bot is back in this community (re-invited, re-installed): posts go out again."""
    await session.execute(
        update(Community)
        .where(Community.platform == platform, Community.external_id == external_id,
               Community.removed_at.is_not(None))
        .values(removed_at=None)
    )


async def removed_communities(session: AsyncSession, platform: str) -> set[str]:
    """External ids of this platform's communities the bot has been removed from."""
    stmt = select(Community.external_id).where(
        Community.platform == platform, Community.removed_at.is_not(None)
    )
    return set((await session.execute(stmt)).scalars())
