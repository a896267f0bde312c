"""The outbox: written once per dedupe key, sent once, retried with backoff, failures recorded."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.messages import Button, Reply
from bot.core.outbox import (
    Delivery,
    DeliveryResult,
    OutboxMessage,
    OutboxWorker,
    PermanentDeliveryError,
    Target,
    TransientDeliveryError,
    enqueue,
    recent_failures,
)
from bot.core.tenancy import ensure_community


class ScriptedPlatform:
    """Stands in for a chat platform at the sender boundary: records posts, fails on cue."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.failures = list(failures or [])
        self.posts: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        if self.failures:
            raise self.failures.pop(0)
        self.posts.append(delivery)
        return DeliveryResult(message_id=f"m{len(self.posts)}")


async def _enqueue(app: App, key: str, reply: Reply | None = None) -> bool:
    async with app.session_factory() as session:
        community = await ensure_community(session, "test", "c1")
        inserted = await enqueue(session, community, Target.in_channel("general"),
                                 reply or Reply(text="hello"), dedupe_key=key, now=app.clock.now())
        await session.commit()
    return inserted


async def _rows(app: App) -> list[OutboxMessage]:
    async with app.session_factory() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_same_key_is_written_once_and_sent_once(app: App) -> None:
    platform = ScriptedPlatform()
    app.outbox.senders["test"] = platform
    assert await _enqueue(app, "daily:1:2026-03-02") is True
    assert await _enqueue(app, "daily:1:2026-03-02") is False
    assert await app.outbox.run_once() == 1
    assert await app.outbox.run_once() == 0
    assert [p.reply.text for p in platform.posts] == ["hello"]
    (row,) = await _rows(app)
    assert (row.status, row.platform_message_id, row.attempts) == ("sent", "m1", 0)


async def test_payload_round_trips(app: App) -> None:
    platform = ScriptedPlatform()
    app.outbox.senders["test"] = platform
    reply = Reply(title="T", text="body", buttons=(Button("Go", "x.y:1", style="primary"),))
    await _enqueue(app, "k", reply)
    await app.outbox.run_once()
    assert platform.posts[0].reply == reply
    assert platform.posts[0].target == Target("channel", "general")


async def test_transient_failures_back_off_then_deliver(app: App, clock: ManualClock) -> None:
    platform = ScriptedPlatform([TransientDeliveryError("502"), TransientDeliveryError("429", retry_after=7)])
    app.outbox.senders["test"] = platform
    await _enqueue(app, "k")
    await app.outbox.run_once()
    (row,) = await _rows(app)
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert await app.outbox.run_once() == 0, "not due yet"
    clock.advance(timedelta(seconds=30))
    await app.outbox.run_once()
    (row,) = await _rows(app)
    assert row.attempts == 2 and row.next_attempt_at == clock.now() + timedelta(seconds=7), "Retry-After honoured"
    clock.advance(timedelta(seconds=7))
    await app.outbox.run_once()
    (row,) = await _rows(app)
    assert row.status == "sent" and len(platform.posts) == 1


async def test_permanent_failure_is_recorded_for_admins(app: App) -> None:
    app.outbox.senders["test"] = ScriptedPlatform([PermanentDeliveryError("channel_not_found")])
    await _enqueue(app, "k")
    await app.outbox.run_once()
    (row,) = await _rows(app)
    assert (row.status, row.last_error) == ("failed", "channel_not_found")
    async with app.session_factory() as session:
        assert [f.id for f in await recent_failures(session, row.community_id)] == [row.id]


async def test_gives_up_after_max_attempts(app: App, clock: ManualClock) -> None:
    app.outbox.max_attempts = 2
    app.outbox.senders["test"] = ScriptedPlatform([TransientDeliveryError("down")] * 5)
    await _enqueue(app, "k")
    await app.outbox.run_once()
    clock.advance(timedelta(hours=1))
    await app.outbox.run_once()
    (row,) = await _rows(app)
    assert row.status == "failed" and "gave up" in (row.last_error or "")


async def test_two_workers_never_send_the_same_row(app: App) -> None:
    platform = ScriptedPlatform()
    for i in range(30):
        await _enqueue(app, f"k{i}")
    workers = [OutboxWorker(app.session_factory, app.clock, {"test": platform}, batch=5) for _ in range(2)]

    async def drain(worker: OutboxWorker) -> None:
        while await worker.run_once():
            pass

    await asyncio.gather(*(drain(w) for w in workers))
    keys = [p.dedupe_key for p in platform.posts]
    assert sorted(keys) == sorted(f"k{i}" for i in range(30))
    assert len(keys) == len(set(keys))


async def test_rows_for_other_platforms_are_left_alone(app: App) -> None:
    await _enqueue(app, "k")
    app.outbox.senders["discord"] = ScriptedPlatform()
    assert await app.outbox.run_once() == 0
    assert (await _rows(app))[0].status == "pending"
