"""A reply that asks for a discussion thread gets a public thread on its posted message, and a
question's thread is started on its card; neither is made twice when a send is repeated."""

from __future__ import annotations

from sqlalchemy import update

from bot.core.messages import Reply, with_thread
from bot.core.outbox import OutboxMessage, Target
from tests.adapters.discord.conftest import DiscordBot, settled
from tests.adapters.discord.test_sender import schedule


async def reveal(bot: DiscordBot) -> str:
    """A reveal that opens a discussion, scheduled in a new channel (returned)."""
    channel = bot.fake.add_channel("ml-daily")
    reply = with_thread(Reply(title="Answer", text="B"), "Discuss: challenge of Mon 02 Mar",
                        "Spoilers are fine here.")
    await schedule(bot, Target.in_channel(channel), reply, "challenge-reveal:1")
    return channel


async def test_the_reveal_opens_a_thread_on_its_message(bot: DiscordBot) -> None:
    fake = bot.fake
    channel = await reveal(bot)
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


async def as_if_crashed_mid_send(bot: DiscordBot, key: str) -> None:
    """The row as a process killed after Discord answered leaves it: pending, result unwritten."""
    async with bot.app.session_factory() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == key)
                              .values(status="pending", sent_at=None, platform_message_id=None, note=None))
        await session.commit()
    bot.app.outbox.wake()


async def test_a_reveal_repeated_after_a_crash_makes_no_second_thread_or_opening(bot: DiscordBot) -> None:
    fake = bot.fake
    channel = await reveal(bot)
    first = await settled(bot.app, "challenge-reveal:1")
    await as_if_crashed_mid_send(bot, "challenge-reveal:1")
    again = await settled(bot.app, "challenge-reveal:1")

    [message] = fake.messages[channel]
    assert [c for c in fake.channels.values() if c.get("parent_id") == channel] == [fake.channels[message["id"]]]
    assert len(fake.messages[message["id"]]) == 1, "the opening message once"
    assert fake.nonce_replays == 2  # the post and the opening, both found by their nonces
    assert (again.status, again.platform_message_id, again.note) == (
        "sent", first.platform_message_id, f"thread <#{message['id']}>")


async def test_a_question_thread_repeated_after_a_crash_is_made_once(bot: DiscordBot) -> None:
    fake = bot.fake
    channel = fake.add_channel("questions")
    card = Reply(title="Question #1: Why does my LSTM loss explode?", text="Asked by ada")
    await schedule(bot, Target.thread(channel), card, "ask:q:1")
    first = await settled(bot.app, "ask:q:1")
    await as_if_crashed_mid_send(bot, "ask:q:1")
    again = await settled(bot.app, "ask:q:1")

    [message] = fake.messages[channel]
    threads = [cid for cid, c in fake.channels.items() if c.get("parent_id") == channel]
    assert threads == [message["id"]], "one thread, on the card"
    assert again.status == "sent" and again.platform_message_id == first.platform_message_id == message["id"]
