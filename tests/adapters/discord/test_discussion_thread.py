"""A reply that asks for a discussion thread gets a public thread on its posted message."""

from __future__ import annotations

from bot.core.messages import Reply, with_thread
from bot.core.outbox import Target
from tests.adapters.discord.conftest import DiscordBot, settled
from tests.adapters.discord.test_sender import schedule


async def test_the_reveal_opens_a_thread_on_its_message(bot: DiscordBot) -> None:
    fake = bot.fake
    channel = fake.add_channel("ml-daily")
    reply = with_thread(Reply(title="Answer", text="B"), "Discuss: challenge of Mon 02 Mar",
                        "Spoilers are fine here.")
    await schedule(bot, Target.in_channel(channel), reply, "challenge-reveal:1")
    row = await settled(bot.app, "challenge-reveal:1")
    [message] = fake.messages[channel]
    assert row.status == "sent" and row.platform_message_id == message["id"]
    [call] = await fake.wait_for("POST", f"/channels/{channel}/messages/{message['id']}/threads")
    assert call.json["name"] == "Discuss: challenge of Mon 02 Mar"
    thread = fake.channels[message["id"]]
    assert thread["parent_id"] == channel and thread["type"] == 11
    assert "Spoilers are fine here." in str(fake.messages[message["id"]][0])
    assert row.note == f"thread <#{message['id']}>"


async def test_a_plain_post_opens_no_thread(bot: DiscordBot) -> None:
    fake = bot.fake
    channel = fake.add_channel("ml-daily")
    await schedule(bot, Target.in_channel(channel), Reply(text="Daily challenge"), "challenge:9")
    row = await settled(bot.app, "challenge:9")
    assert row.status == "sent" and row.note is None
    assert not [c for c in fake.calls if c.path.endswith("/threads")]
