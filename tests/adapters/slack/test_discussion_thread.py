"""A reply that asks for a discussion thread gets a thread reply under its Slack post."""

from __future__ import annotations

from bot.core.messages import Reply, with_thread
from bot.core.outbox import Target
from tests.adapters.slack.conftest import SlackHarness
from tests.adapters.slack.test_sender import post, row


async def test_the_reveal_opens_a_thread_reply(slack: SlackHarness) -> None:
    reply = with_thread(Reply(title="Answer", text="B"), "Discuss: challenge of Mon 02 Mar",
                        "Spoilers are fine here.")
    await post(slack, Target.in_channel("C0CHALLENGE"), reply, "challenge-reveal:1")
    assert await slack.app.outbox.run_once() == 1
    first, thread = slack.fake.calls_to("chat.postMessage")
    assert first["channel"] == "C0CHALLENGE" and "thread_ts" not in first
    sent = await row(slack, "challenge-reveal:1")
    assert thread["channel"] == "C0CHALLENGE" and thread["thread_ts"] == sent.platform_message_id
    assert "Discuss: challenge of Mon 02 Mar" in thread["text"]
    assert "Spoilers are fine here." in thread["text"]
    assert sent.status == "sent" and sent.note == "thread started"


async def test_a_plain_post_opens_no_thread(slack: SlackHarness) -> None:
    await post(slack, Target.in_channel("C0CHALLENGE"), Reply(text="Daily"), "challenge:1:x")
    await slack.app.outbox.run_once()
    [only] = slack.fake.calls_to("chat.postMessage")
    assert "thread_ts" not in only
    assert (await row(slack, "challenge:1:x")).note is None
