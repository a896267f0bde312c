"""Idempotent delivery: every outbound post is a row first.

Features call `enqueue` inside their unit of work with a unique dedupe key
(`challenge:{community}:{local date}`), so a tick that runs twice, late, or in two
processes writes a post once. Per platform a `Sender` delivers; the `OutboxWorker`
claims due rows (PostgreSQL: FOR UPDATE SKIP LOCKED plus a lease), sends, and records
the result: transient failures retry with backoff (honouring rate-limit hints),
permanent ones are marked failed and shown to admins.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import Clock
from bot.core.db import Base, UTCDateTime, bulk_insert, insert_for, rowcount, utcnow
from bot.core.messages import Reply
from bot.core.tenancy import Community

log = logging.getLogger(__name__)

# thread: a new thread (Discord; a forum post when the channel is a forum) or a new top-level
#   message whose thread holds the replies (Slack). The result's message id names the thread.
# reply: a post inside the thread another outbox row opened; `to` is that row's dedupe key,
#   resolved when the reply is delivered (it waits until the thread exists).
TargetKind = Literal["channel", "dm", "group", "thread", "reply"]
# How long a reply waits for its thread to be created before looking again.
REPLY_WAIT = timedelta(seconds=20)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # Button clicks in DMs find their community through the message they were posted in.
        Index("ix_outbox_platform_message", "platform", "platform_message_id"),
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
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


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


@dataclass(frozen=True)
class DeliveryResult:
    message_id: str | None = None
    note: str | None = None


class TransientDeliveryError(Exception):
    """Try again later (network trouble, 5xx, rate limit). `retry_after` in seconds when known."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """Never going to work (channel gone, DMs closed with no fallback, bot removed)."""


class Sender(Protocol):
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
        lease: timedelta = timedelta(minutes=5),
        batch: int = 50,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.senders = dict(senders)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.lease = lease
        self.batch = batch
        self.owner = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a unit of work commits)."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the current pass, then return from `run_forever` (a graceful shutdown:
        cancelling mid-delivery could send a post without recording it)."""
        self._stopping = True
        self._wake.set()

    async def run_forever(self, poll_seconds: float = 2.0) -> None:
        self._stopping = False
        while not self._stopping:
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("outbox pass failed; retrying")
                sent = 0
            if sent or self._stopping:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def run_once(self) -> int:
        """One pass: claim a batch, deliver each, record results. Returns how many were handled."""
        if not self.senders:
            return 0
        claimed = await self._claim()
        for row_id, delivery in claimed:
            await self._deliver(row_id, delivery)
        return len(claimed)

    async def _claim(self) -> list[tuple[int, Delivery]]:
        now = self.clock.now()
        token = f"{self.owner}:{uuid.uuid4().hex[:8]}"
        async with self.session_factory() as session, session.begin():
            claimable = (
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.platform.in_(list(self.senders)),
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
            )
            due = (
                select(OutboxMessage.id)
                .where(*claimable)
                .order_by(OutboxMessage.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            )
            ids = list((await session.execute(due)).scalars())
            if not ids:
                return []
            # The conditions are checked again by the UPDATE itself: on SQLite (no row locks) a
            # concurrent worker may have leased some of these rows between our SELECT and now.
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), *claimable)
                .values(lease_owner=token, lease_until=now + self.lease)
            )
            rows = (
                await session.execute(
                    select(OutboxMessage, Community.external_id)
                    .join(Community, Community.id == OutboxMessage.community_id)
                    .where(OutboxMessage.lease_owner == token)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        return [
            (
                row.id,
                Delivery(
                    id=row.id,
                    platform=row.platform,
                    community_external_id=external_id,
                    target=Target(row.kind, row.target, row.channel),  # type: ignore[arg-type]
                    reply=Reply.from_json(row.payload),
                    dedupe_key=row.dedupe_key,
                ),
            )
            for row, external_id in rows
        ]

    async def _thread_of(self, row_id: int, delivery: Delivery) -> Delivery | None:
        """A reply's target resolved to its thread: Target("reply", thread id, parent channel).
        None (and the row put back for later) while the thread is still being created."""
        async with self.session_factory() as session, session.begin():
            parent = (
                await session.execute(
                    select(OutboxMessage.status, OutboxMessage.platform_message_id, OutboxMessage.target)
                    .where(OutboxMessage.dedupe_key == delivery.target.to)
                )
            ).one_or_none()
            if parent is not None and parent.status == "pending":
                await session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                        lease_owner=None, lease_until=None, next_attempt_at=self.clock.now() + REPLY_WAIT)
                )
                return None
        if parent is None or parent.status != "sent" or not parent.platform_message_id:
            raise PermanentDeliveryError("the thread this reply belongs to was never created")
        return replace(delivery, target=Target("reply", parent.platform_message_id, parent.target))

    async def _deliver(self, row_id: int, delivery: Delivery) -> None:
        sender = self.senders[delivery.platform]
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None}
        try:
            if delivery.target.kind == "reply":
                resolved = await self._thread_of(row_id, delivery)
                if resolved is None:
                    return
                delivery = resolved
            result = await sender.deliver(delivery)
        except PermanentDeliveryError as exc:
            log.warning("delivery %s failed permanently: %s", row_id, exc)
            values |= {"status": "failed", "last_error": str(exc)[:2000]}
        except Exception as exc:  # transient or unexpected: both retried, with backoff
            retry_after = exc.retry_after if isinstance(exc, TransientDeliveryError) else None
            if not isinstance(exc, TransientDeliveryError):
                log.exception("delivery %s raised unexpectedly", row_id)
            async with self.session_factory() as session:
                attempts = (
                    await session.execute(select(OutboxMessage.attempts).where(OutboxMessage.id == row_id))
                ).scalar_one() + 1
            if attempts >= self.max_attempts:
                values |= {"status": "failed", "attempts": attempts, "last_error": f"gave up: {exc}"[:2000]}
            else:
                delay = timedelta(seconds=retry_after) if retry_after is not None else min(
                    self.backoff * 2 ** (attempts - 1), self.max_backoff
                )
                values |= {
                    "attempts": attempts,
                    "next_attempt_at": self.clock.now() + delay,
                    "last_error": str(exc)[:2000],
                }
        else:
            values |= {
                "status": "sent",
                "sent_at": self.clock.now(),
                "platform_message_id": result.message_id,
                "note": result.note,
            }
        async with self.session_factory() as session, session.begin():
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


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
                              "last_error": None, "lease_owner": None, "lease_until": None}
    if channel is not None:  # only channel posts are moved; DMs keep their person
        values["target"] = case((OutboxMessage.kind == "channel", channel), else_=OutboxMessage.target)
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.community_id == community_id, OutboxMessage.id.in_(list(ids)),
               OutboxMessage.status == "failed")
        .values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0)


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
