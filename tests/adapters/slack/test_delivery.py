"""Delivery guarantees on Slack against the fake Web API: a 429 costs no attempt, each channel
is paced to about one message a second instead of being refused, posts to one channel keep
their order, DM channels are reused across a restart, and a post interrupted mid-send is
looked up by its outbox id in history before it is posted again."""

from __future__ import annotations

import time
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select, update

from bot.adapters.slack.client import make_client
from bot.adapters.slack.sender import METADATA_EVENT, SlackSender
from bot.app import App
from bot.core.clock import ManualClock
from bot.core.messages import Reply, with_thread
from bot.core.outbox import OutboxMessage, Target, enqueue
from bot.core.tenancy import ensure_community, ensure_member
from tests.adapters.slack.conftest import SlackHarness
from tests.fakes.slack import TEAM_ID


async def post(app: App, target: Target, text: str, key: str) -> None:
    async with app.session_factory() as session:
        community = await ensure_community(session, "slack", TEAM_ID, "pivot-test")
        await enqueue(session, community, target, Reply(text=text), dedupe_key=key, now=app.clock.now())
        await session.commit()


async def rows(app: App) -> dict[str, OutboxMessage]:
    async with app.session_factory() as session:
        return {r.dedupe_key: r for r in (await session.execute(select(OutboxMessage))).scalars()}


def posted_texts(slack: SlackHarness, channel: str) -> list[str]:
    return [m["text"] for m in slack.fake.posted.get(channel, [])]


async def test_a_429_is_no_failed_attempt(slack: SlackHarness, clock: ManualClock) -> None:
    slack.app.outbox.max_attempts = 2
    slack.fake.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=3, times=5)
    await post(slack.app, Target.in_channel("C0HOT"), "Daily challenge", "c")
    for _ in range(5):
        assert await slack.app.outbox.run_once() == 1
        row = (await rows(slack.app))["c"]
        assert (row.status, row.attempts) == ("pending", 0)
        assert row.next_attempt_at == clock.now() + timedelta(seconds=3)
        clock.advance(timedelta(seconds=3))
    await slack.app.outbox.run_once()
    row = (await rows(slack.app))["c"]
    assert (row.status, row.attempts) == ("sent", 0)
    assert posted_texts(slack, "C0HOT") == ["Daily challenge"]


async def test_each_channel_is_paced_to_its_rate_not_refused(slack: SlackHarness) -> None:
    slack.fake.channel_rate = 1.0  # Slack: about one message per second per channel,
    slack.fake.channel_burst = 2.0  # with short bursts allowed
    for i in range(4):
        await post(slack.app, Target.in_channel("C1"), f"one {i}", f"c1:{i}")
        await post(slack.app, Target.in_channel("C2"), f"two {i}", f"c2:{i}")
    started = time.monotonic()
    assert await slack.app.outbox.run_once() == 8
    elapsed = time.monotonic() - started
    assert slack.fake.rate_limited == 0
    assert {r.status for r in (await rows(slack.app)).values()} == {"sent"}
    for channel in ("C1", "C2"):
        times = slack.fake.post_times[channel]
        # A quiet channel takes two at once; after that, one a second as they arrive (arrival
        # jitters a little on a busy machine): never three within a second.
        assert times[1] - times[0] < 0.5, times
        assert all(times[i + 2] - times[i] >= 0.97 for i in range(len(times) - 2)), times
    assert elapsed < 4.0, "the two channels were paced side by side, the burst used"
    assert posted_texts(slack, "C1") == ["one 0", "one 1", "one 2", "one 3"]


async def test_posts_to_one_channel_keep_their_order_across_a_retry(
    slack: SlackHarness, clock: ManualClock
) -> None:
    slack.fake.fail_next("chat.postMessage", "internal_error", status=500)
    await post(slack.app, Target.in_channel("C1"), "challenge", "c")
    await post(slack.app, Target.in_channel("C1"), "reveal", "r")
    await slack.app.outbox.run_once()
    current = await rows(slack.app)
    assert (current["c"].attempts, current["r"].attempts, current["r"].status) == (1, 0, "pending")
    assert posted_texts(slack, "C1") == [], "the reveal never overtakes its challenge"
    assert await slack.app.outbox.run_once() == 0
    clock.advance(timedelta(seconds=30))
    await slack.app.outbox.run_once()
    assert posted_texts(slack, "C1") == ["challenge", "reveal"]


async def test_a_dm_channel_is_opened_once_even_across_a_restart(slack: SlackHarness) -> None:
    async with slack.app.session_factory() as session:
        community = await ensure_community(session, "slack", TEAM_ID, "pivot-test")
        await ensure_member(session, community, "U1", "ada")
        await session.commit()
    await post(slack.app, Target.dm("U1"), "first check-in", "dm:1")
    await slack.app.outbox.run_once()
    restarted = App(slack.app.settings, clock=slack.app.clock)
    client = make_client(slack.app.settings, retries=False)

    async def client_for(_team: str) -> AsyncWebClient:
        return client

    sender = SlackSender(client_for)
    try:
        restarted.outbox.senders["slack"] = sender
        await post(restarted, Target.dm("U1"), "second check-in", "dm:2")
        assert await restarted.outbox.run_once() == 1
    finally:
        await sender.aclose()
        await restarted.close()
    assert slack.fake.calls_to("conversations.open") == [{"users": "U1"}]
    assert posted_texts(slack, "DU1") == ["first check-in", "second check-in"]


async def test_every_post_carries_its_outbox_id_in_metadata(slack: SlackHarness) -> None:
    await post(slack.app, Target.in_channel("C1"), "hello", "k")
    await slack.app.outbox.run_once()
    row = (await rows(slack.app))["k"]
    (call,) = slack.fake.calls_to("chat.postMessage")
    assert call["metadata"] == {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": row.id, "part": 0}}
    assert row.sending_at is None and row.status == "sent"


async def _as_if_crashed_mid_send(app: App, key: str) -> None:
    """The row as a killed process leaves it: marked sending, its result never written."""
    async with app.session_factory() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.dedupe_key == key)
            .values(status="pending", sending_at=app.clock.now(), platform_message_id=None, sent_at=None)
        )
        await session.commit()


async def test_a_post_found_in_history_after_a_crash_is_not_posted_again(slack: SlackHarness) -> None:
    await post(slack.app, Target.in_channel("C1"), "hello", "k")
    await slack.app.outbox.run_once()
    first = (await rows(slack.app))["k"].platform_message_id
    await _as_if_crashed_mid_send(slack.app, "k")
    assert await slack.app.outbox.run_once() == 1
    (history,) = slack.fake.calls_to("conversations.history")
    assert history["channel"] == "C1" and str(history["include_all_metadata"]).lower() in ("1", "true")
    assert posted_texts(slack, "C1") == ["hello"]
    row = (await rows(slack.app))["k"]
    assert (row.status, row.platform_message_id) == ("sent", first)


async def test_a_post_not_found_in_history_after_a_crash_is_posted_once(slack: SlackHarness) -> None:
    await post(slack.app, Target.in_channel("C1"), "hello", "k")
    await _as_if_crashed_mid_send(slack.app, "k")
    await slack.app.outbox.run_once()
    assert len(slack.fake.calls_to("conversations.history")) == 1
    assert posted_texts(slack, "C1") == ["hello"]
    assert (await rows(slack.app))["k"].status == "sent"


async def _post_reply(app: App, target: Target, reply: Reply, key: str) -> None:
    async with app.session_factory() as session:
        community = await ensure_community(session, "slack", TEAM_ID, "pivot-test")
        await enqueue(session, community, target, reply, dedupe_key=key, now=app.clock.now())
        await session.commit()


REVEAL = with_thread(Reply(title="Answer", text="B"), "Discuss: challenge of Mon 02 Mar",
                     "Spoilers are fine here.")


async def test_a_reveal_and_its_thread_found_after_a_crash_are_not_posted_again(
    slack: SlackHarness,
) -> None:
    await _post_reply(slack.app, Target.in_channel("C1"), REVEAL, "reveal")
    await slack.app.outbox.run_once()
    await _as_if_crashed_mid_send(slack.app, "reveal")
    assert await slack.app.outbox.run_once() == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 2, "neither the post nor its thread again"
    (replies,) = slack.fake.calls_to("conversations.replies")
    assert str(replies["include_all_metadata"]).lower() in ("1", "true")
    row = (await rows(slack.app))["reveal"]
    assert (row.status, row.note) == ("sent", "thread started")


async def test_a_thread_that_never_opened_before_a_crash_is_opened_once(slack: SlackHarness) -> None:
    await _post_reply(slack.app, Target.in_channel("C1"), REVEAL, "reveal")
    await slack.app.outbox.run_once()
    # The process died between the post and its thread's first message.
    parent, opening = slack.fake.posted["C1"]
    slack.fake.posted["C1"].remove(opening)
    parent.pop("thread_ts"), parent.pop("reply_count")
    await _as_if_crashed_mid_send(slack.app, "reveal")
    await slack.app.outbox.run_once()
    texts = [m["text"] for m in slack.fake.posted["C1"]]
    assert len(texts) == 2 and "Discuss: challenge of Mon 02 Mar" in texts[1]
    assert [m.get("thread_ts") for m in slack.fake.posted["C1"]] == [parent["ts"], parent["ts"]]


async def test_a_thread_reply_found_among_the_replies_after_a_crash_is_not_posted_again(
    slack: SlackHarness,
) -> None:
    await post(slack.app, Target.in_channel("C1"), "question", "q")
    await slack.app.outbox.run_once()
    await post(slack.app, Target.reply_in("q"), "an answer", "a")
    await slack.app.outbox.run_once()
    assert posted_texts(slack, "C1") == ["question", "an answer"]
    await _as_if_crashed_mid_send(slack.app, "a")
    assert await slack.app.outbox.run_once() == 1
    # The channel's history does not hold a thread's replies: the thread is read instead.
    assert slack.fake.calls_to("conversations.history") == []
    assert len(slack.fake.calls_to("conversations.replies")) == 1
    assert posted_texts(slack, "C1") == ["question", "an answer"]
    assert (await rows(slack.app))["a"].status == "sent"
