"""Scheduled posts and DMs reach Slack through the outbox; rate limits and dead ends are handled."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.messages import Button, Field, Reply
from bot.core.outbox import OutboxMessage, Target, enqueue
from bot.core.tenancy import ensure_community
from tests.adapters.slack.conftest import SlackHarness
from tests.adapters.slack.test_adapter import texts
from tests.fakes.slack import TEAM_ID


async def post(slack: SlackHarness, target: Target, reply: Reply, key: str) -> None:
    """What a scheduled tick does: write the post into the outbox in its unit of work."""
    async with slack.app.session_factory() as session:
        community = await ensure_community(session, "slack", TEAM_ID, "pivot-test")
        await enqueue(session, community, target, reply, dedupe_key=key, now=slack.app.clock.now())
        await session.commit()


async def row(slack: SlackHarness, key: str) -> OutboxMessage:
    async with slack.app.session_factory() as session:
        return (
            await session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        ).scalar_one()


CHALLENGE = Reply(
    title="Daily challenge",
    text="What is the rank of a 3×3 matrix whose rows are **linearly dependent**?",
    fields=(
        Field("Topic", "linear algebra", inline=True),
        Field("Difficulty", "easy", inline=True),
    ),
    buttons=(
        Button("A) 3", "challenge.answer:1:A"),
        Button("B) at most 2", "challenge.answer:1:B"),
    ),
)


async def test_a_scheduled_channel_post_goes_through_the_outbox(slack: SlackHarness) -> None:
    await post(slack, Target.in_channel("C0CHALLENGE"), CHALLENGE, "challenge:1:2026-03-02")
    await post(
        slack, Target.in_channel("C0CHALLENGE"), CHALLENGE, "challenge:1:2026-03-02"
    )  # tick ran twice

    assert await slack.app.outbox.run_once() == 1
    (call,) = slack.fake.calls_to("chat.postMessage")
    assert call["channel"] == "C0CHALLENGE"
    assert "Daily challenge" in call["text"]
    assert "*linearly dependent*" in texts(call)
    fields = next(b for b in call["blocks"] if "fields" in b)["fields"]
    assert [f["text"] for f in fields] == ["*Topic*\nlinear algebra", "*Difficulty*\neasy"]
    actions = next(b for b in call["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "challenge.answer:1:A",
        "challenge.answer:1:B",
    ]
    sent = await row(slack, "challenge:1:2026-03-02")
    assert sent.status == "sent" and sent.platform_message_id.startswith("1772438400.")


async def test_a_dm_opens_the_conversation_then_posts(slack: SlackHarness) -> None:
    await post(
        slack, Target.dm("U2"), Reply(text="Time for your weekly check-in."), "checkin:U2:w10"
    )
    await slack.app.outbox.run_once()

    assert slack.fake.calls_to("conversations.open") == [{"users": "U2"}]
    assert slack.fake.calls_to("chat.postMessage")[0]["channel"] == "DU2"
    assert (await row(slack, "checkin:U2:w10")).status == "sent"


async def test_a_group_target_becomes_a_group_dm(slack: SlackHarness) -> None:
    await post(
        slack,
        Target.group(["U1", "U2"], channel="C0BUDDIES"),
        Reply(text="Meet your study buddy: <@U1> and <@U2>!"),
        "buddies:1:w10",
    )
    await slack.app.outbox.run_once()

    assert slack.fake.calls_to("conversations.open") == [{"users": "U1,U2"}]
    call = slack.fake.calls_to("chat.postMessage")[0]
    assert call["channel"] == "GU1U2"
    assert "<@U1> and <@U2>" in texts(call)  # Slack-native mentions are kept, not escaped


async def test_a_refused_group_dm_introduces_the_group_in_its_channel(slack: SlackHarness) -> None:
    slack.fake.fail_next("conversations.open", "user_disabled")
    await post(slack, Target.group(["U1", "U2"], channel="C0BUDDIES"), Reply(text="Meet!"), "b:2")
    await post(slack, Target.group(["U1", "U2"]), Reply(text="Meet!"), "b:3")
    slack.fake.fail_next("conversations.open", "user_disabled")

    await slack.app.outbox.run_once()
    (call,) = slack.fake.calls_to("chat.postMessage")
    assert call["channel"] == "C0BUDDIES" and texts(call).startswith("<@U1> <@U2> Meet!")
    assert (
        await row(slack, "b:2")
    ).note == "group DM refused (user_disabled); posted in <#C0BUDDIES>"
    assert ((await row(slack, "b:3")).status, (await row(slack, "b:3")).last_error) == (
        "failed",
        "user_disabled",
    )


async def test_a_429_is_waited_out_then_delivered(slack: SlackHarness, clock: ManualClock) -> None:
    slack.fake.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)
    await post(slack, Target.in_channel("C0CHALLENGE"), CHALLENGE, "challenge:1:2026-03-03")

    await slack.app.outbox.run_once()
    waiting = await row(slack, "challenge:1:2026-03-03")
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=7)

    clock.advance(timedelta(seconds=6))
    assert await slack.app.outbox.run_once() == 0  # not before Retry-After
    clock.advance(timedelta(seconds=1))
    assert await slack.app.outbox.run_once() == 1
    assert (await row(slack, "challenge:1:2026-03-03")).status == "sent"
    assert len(slack.fake.calls_to("chat.postMessage")) == 2  # the refused one and the delivery


async def test_permanent_errors_mark_the_delivery_failed(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.postMessage", "channel_not_found")
    slack.fake.fail_next("chat.postMessage", "not_in_channel")
    await post(slack, Target.in_channel("C0GONE"), CHALLENGE, "gone")
    await post(slack, Target.in_channel("C0PRIVATE"), CHALLENGE, "private")
    slack.fake.fail_next("conversations.open", "cannot_dm_bot")
    await post(slack, Target.dm("UBOTFRIEND"), Reply(text="hi"), "dm-closed")

    await slack.app.outbox.run_once()
    assert [
        (r.status, r.last_error)
        for r in [await row(slack, k) for k in ("gone", "private", "dm-closed")]
    ] == [
        ("failed", "channel_not_found"),
        ("failed", "not_in_channel"),
        ("failed", "cannot_dm_bot"),
    ]


async def test_a_closed_dm_falls_back_to_a_mention_in_the_channel_once(slack: SlackHarness) -> None:
    slack.fake.fail_next("conversations.open", "cannot_dm_bot")
    await post(
        slack,
        Target.dm("U2", fallback_channel="C0CHECKINS"),
        Reply(text="How did this week go?"),
        "checkin:U2:w11",
    )

    await slack.app.outbox.run_once()
    await slack.app.outbox.run_once()
    (call,) = slack.fake.calls_to("chat.postMessage")
    assert call["channel"] == "C0CHECKINS"
    assert texts(call).startswith("<@U2> How did this week go?")
    delivered = await row(slack, "checkin:U2:w11")
    assert delivered.status == "sent"
    assert delivered.note == "DM closed (cannot_dm_bot); posted in <#C0CHECKINS>"


async def test_a_server_error_is_retried_later(slack: SlackHarness, clock: ManualClock) -> None:
    slack.fake.fail_next("chat.postMessage", "internal_error", status=500)
    await post(slack, Target.in_channel("C0CHALLENGE"), CHALLENGE, "flaky")

    await slack.app.outbox.run_once()
    waiting = await row(slack, "flaky")
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert len(slack.fake.calls_to("chat.postMessage")) == 1  # slack_sdk did not retry on its own
    clock.advance(timedelta(minutes=1))
    await slack.app.outbox.run_once()
    assert (await row(slack, "flaky")).status == "sent"


async def test_a_file_attachment_is_shared_into_the_dm(slack: SlackHarness) -> None:
    from bot.core.messages import Attachment

    slack.fake.add_user("U1", name="ada")
    reply = Reply(title="Your data", text="Everything stored about you.",
                  attachment=Attachment("pivot-export.json", b'{"goals": []}', "application/json"))
    await post(slack, Target.dm("U1"), reply, "export:1")
    await slack.app.outbox.run_once()
    assert (await row(slack, "export:1")).status == "sent"
    [complete] = slack.fake.calls_to("files.completeUploadExternal")
    [opened] = slack.fake.calls_to("conversations.open")
    assert complete.get("channel_id") and "pivot-export.json" in str(complete["files"])
    assert opened["users"] == "U1"
