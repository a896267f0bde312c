"""The outbox: written once per dedupe key, sent once, retried with backoff, failures recorded."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.messages import Button, Reply
from bot.core.outbox import (
    Delivery,
    DeliveryResult,
    OutboxMessage,
    OutboxWorker,
    Outgoing,
    PermanentDeliveryError,
    RateLimited,
    Target,
    TransientDeliveryError,
    enqueue,
    enqueue_many,
    recent_failures,
)
from bot.core.tenancy import ensure_community
from tests.conftest import BACKEND


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


# --- delivery guarantees ------------------------------------------------------------------------


class GatedPlatform(ScriptedPlatform):
    """Holds each send until the test opens `gate` (a send in flight, as long as we like)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        self.started.set()
        await self.gate.wait()
        return await super().deliver(delivery)


async def _enqueue_to(app: App, key: str, target: Target, text: str = "hello") -> None:
    async with app.session_factory() as session:
        community = await ensure_community(session, "test", "c1")
        await enqueue(session, community, target, Reply(text=text), dedupe_key=key, now=app.clock.now())
        await session.commit()


async def test_a_429_is_no_failed_attempt_however_often(app: App, clock: ManualClock) -> None:
    app.outbox.max_attempts = 3
    platform = ScriptedPlatform([RateLimited("429", retry_after=5)] * 10)
    app.outbox.senders["test"] = platform
    await _enqueue(app, "k")
    for _ in range(10):
        assert await app.outbox.run_once() == 1
        (row,) = await _rows(app)
        assert (row.status, row.attempts) == ("pending", 0)
        assert row.next_attempt_at == clock.now() + timedelta(seconds=5), "waits for Retry-After"
        assert await app.outbox.run_once() == 0
        clock.advance(timedelta(seconds=5))
    await app.outbox.run_once()
    (row,) = await _rows(app)
    assert (row.status, row.attempts, row.lease_owner) == ("sent", 0, None)


async def test_posts_to_one_destination_go_in_order_and_never_overtake_a_retry(
    app: App, clock: ManualClock
) -> None:
    platform = ScriptedPlatform()
    app.outbox.senders["test"] = platform
    for i in range(5):
        await _enqueue_to(app, f"a{i}", Target.in_channel("A"), f"a{i}")
        await _enqueue_to(app, f"b{i}", Target.in_channel("B"), f"b{i}")
    # The second post to A fails once: A's later posts wait for it; B is not held up.
    original = platform.deliver

    async def flaky(delivery: Delivery) -> DeliveryResult:
        if delivery.dedupe_key == "a1" and not getattr(flaky, "failed", False):
            flaky.failed = True  # type: ignore[attr-defined]
            raise TransientDeliveryError("502")
        return await original(delivery)

    platform.deliver = flaky  # type: ignore[method-assign]
    await app.outbox.run_once()
    assert [p.reply.text for p in platform.posts if p.target.to == "A"] == ["a0"]
    assert [p.reply.text for p in platform.posts if p.target.to == "B"] == [f"b{i}" for i in range(5)]
    assert await app.outbox.run_once() == 0, "a2..a4 wait behind a1's retry"
    clock.advance(timedelta(seconds=30))
    await app.outbox.run_once()
    assert [p.reply.text for p in platform.posts if p.target.to == "A"] == [f"a{i}" for i in range(5)]


async def test_a_second_worker_never_takes_a_destination_another_holds(app: App) -> None:
    gated = GatedPlatform()
    for i in range(3):
        await _enqueue_to(app, f"a{i}", Target.in_channel("A"), f"a{i}")
    await _enqueue_to(app, "b0", Target.in_channel("B"), "b0")
    first = OutboxWorker(app.session_factory, app.clock, {"test": gated}, batch=1)
    other = ScriptedPlatform()
    second = OutboxWorker(app.session_factory, app.clock, {"test": other})
    holding = asyncio.create_task(first.run_once())
    await gated.started.wait()
    assert await second.run_once() == 1  # only B's post: A's later posts wait for a0
    assert [p.dedupe_key for p in other.posts] == ["b0"]
    gated.gate.set()
    await holding
    while await second.run_once():
        pass
    assert [p.dedupe_key for p in other.posts] == ["b0", "a1", "a2"]


async def test_a_worker_that_lost_its_lease_records_nothing(app: App, clock: ManualClock) -> None:
    """Fencing: the slow worker's result must not overwrite the row its successor holds."""
    gated = GatedPlatform()
    await _enqueue(app, "k")
    slow = OutboxWorker(app.session_factory, clock, {"test": gated}, lease=timedelta(seconds=10))
    in_flight = asyncio.create_task(slow.run_once())
    await gated.started.wait()
    clock.advance(timedelta(seconds=11))  # the lease ran out (no renewal: the clock jumped)
    successor = GatedPlatform()
    other = OutboxWorker(app.session_factory, clock, {"test": successor})
    taking = asyncio.create_task(other.run_once())
    await successor.started.wait()
    gated.gate.set()
    await in_flight
    (row,) = await _rows(app)
    assert row.status == "pending" and row.lease_owner is not None, "the successor's lease stands"
    successor.gate.set()
    await taking
    (row,) = await _rows(app)
    assert (row.status, row.platform_message_id) == ("sent", "m1")


async def test_leases_are_renewed_while_a_slow_batch_is_in_flight(database_url: str) -> None:
    """Two workers, a platform slower than the lease is long, one destination: no duplicate."""
    from bot.config import Settings
    from bot.core.clock import SystemClock

    live = App(Settings(database={"url": database_url}), clock=SystemClock())
    try:
        for i in range(10):
            await _enqueue_to(live, f"k{i}", Target.in_channel("A"), f"k{i}")
        sent: list[str] = []

        class Slow:
            async def deliver(self, delivery: Delivery) -> DeliveryResult:
                sent.append(delivery.dedupe_key)  # the platform has it; its answer is slow
                await asyncio.sleep(0.25)  # 10 posts in a row: 2.5 s, two and a half leases
                return DeliveryResult(message_id=delivery.dedupe_key)

        workers = [
            OutboxWorker(live.session_factory, live.clock, {"test": Slow()}, lease=timedelta(seconds=1))
            for _ in range(2)
        ]

        async def drain(worker: OutboxWorker) -> None:
            while len(sent) < 10:
                await worker.run_once()
                await asyncio.sleep(0.05)

        async with asyncio.timeout(20):
            await asyncio.gather(*(drain(w) for w in workers))
        assert sent == [f"k{i}" for i in range(10)], "each once, in order"
        assert {r.status for r in await _rows(live)} == {"sent"}
    finally:
        await live.close()


async def test_stop_finishes_sends_in_flight_and_releases_the_rest_at_once(app: App) -> None:
    gated = GatedPlatform()
    app.outbox.senders["test"] = gated
    for i in range(3):
        await _enqueue_to(app, f"a{i}", Target.in_channel("A"))
    running = asyncio.create_task(app.outbox.run_forever())
    await gated.started.wait()
    app.outbox.stop()
    gated.gate.set()
    await running
    rows = await _rows(app)
    assert [(r.status, r.lease_owner, r.lease_until) for r in rows] == [
        ("sent", None, None), ("pending", None, None), ("pending", None, None)
    ]


async def test_dm_channels_are_stored_per_member_and_reused(app: App) -> None:
    from bot.core.outbox import DmChannel
    from bot.core.tenancy import Member
    from bot.features.privacy import service as privacy

    class Opening(ScriptedPlatform):
        async def deliver(self, delivery: Delivery) -> DeliveryResult:
            self.posts.append(delivery)
            return DeliveryResult("m", dm_channel=None if delivery.dm_channel else "D-ada")

    platform = Opening()
    app.outbox.senders["test"] = platform
    async with app.session_factory() as session:
        community = await ensure_community(session, "test", "c1")
        session.add(Member(community_id=community.id, platform_user_id="U-ada", display_name="ada"))
        await session.commit()
    await _enqueue_to(app, "dm1", Target.dm("U-ada"))
    await _enqueue_to(app, "dm-stranger", Target.dm("U-nobody"))
    await app.outbox.run_once()
    await _enqueue_to(app, "dm2", Target.dm("U-ada"))
    await app.outbox.run_once()
    assert [(p.dedupe_key, p.dm_channel) for p in platform.posts] == [
        ("dm1", None), ("dm-stranger", None), ("dm2", "D-ada")
    ]
    async with app.session_factory() as session:
        stored = list((await session.execute(select(DmChannel))).scalars())
        assert [(d.platform, d.channel_id) for d in stored] == [("test", "D-ada")]
        member = (await session.execute(select(Member))).scalar_one()
        assert "dm_channels" in {t.name for t in privacy.member_tables()}
        assert (await privacy.stored_counts(session, member))["dm_channels"] == 1
        await privacy.forget(session, member)
        await session.commit()
        assert list((await session.execute(select(DmChannel))).scalars()) == []


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's planner")
async def test_a_burst_of_unanalysed_rows_is_claimed_without_comparing_every_pair(app: App) -> None:
    """Right after a tick writes thousands of rows, PostgreSQL has no statistics for them yet.
    The claim's "an earlier row of this destination is waiting" check must stay one index
    lookup per candidate (a subplan), not an anti-join that compares every pending row with
    every other (which took 1.75 s for 2,000 rows and grows with the square)."""
    async with app.session_factory() as session:
        community = await ensure_community(session, "test", "c1")
        await enqueue_many(session, [
            Outgoing(community.id, "test", Target.in_channel(f"C{i % 50}"), Reply(text=f"p{i}"), f"k{i}")
            for i in range(500)], now=app.clock.now())
        await session.commit()
    claims: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.startswith("UPDATE outbox SET lease_owner") and "SELECT" in statement:
            claims.append((statement, parameters))

    event.listen(app.engine.sync_engine, "before_cursor_execute", capture)
    try:
        worker = OutboxWorker(app.session_factory, app.clock, {"test": ScriptedPlatform()}, batch=100)
        assert await worker.run_once() == 100
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", capture)
    [(statement, parameters)] = claims
    async with app.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        plan = "\n".join(row[0] for row in await raw.driver_connection.fetch(
            "EXPLAIN " + statement, *parameters))
    assert "SubPlan" in plan and "Anti Join" not in plan, plan
