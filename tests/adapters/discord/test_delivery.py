"""Delivery guarantees on Discord, end to end against the fake: a 429 costs no attempt, a hot
channel is paced rather than failed, posts to one channel keep their order, DM channels are
reused across a restart, and a send repeated after a crash is absorbed by its nonce."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update

from bot.app import App
from bot.core.messages import Reply
from bot.core.outbox import OutboxMessage, Target, enqueue
from bot.core.tenancy import ensure_community, ensure_member
from tests.adapters.discord.conftest import DiscordBot

MESSAGES = r"/channels/\d+/messages"


async def schedule(bot: DiscordBot, target: Target, text: str, key: str) -> None:
    async with bot.app.session_factory() as session:
        community = await ensure_community(session, "discord", bot.fake.guild_id, bot.fake.guild_name)
        await enqueue(session, community, target, Reply(text=text), dedupe_key=key, now=bot.clock.now())
        await session.commit()
    bot.app.outbox.wake()


async def rows(app: App) -> dict[str, OutboxMessage]:
    async with app.session_factory() as session:
        return {r.dedupe_key: r for r in (await session.execute(select(OutboxMessage))).scalars()}


async def until(app: App, check: Callable[[dict[str, OutboxMessage]], bool], seconds: float = 15) -> dict[str, OutboxMessage]:
    """The outbox rows once `check` holds, re-read after every database commit."""
    committed = asyncio.Event()

    def on_commit(_connection: Any) -> None:
        committed.set()

    event.listen(app.engine.sync_engine, "commit", on_commit)
    try:
        async with asyncio.timeout(seconds):
            while True:
                committed.clear()
                current = await rows(app)
                if check(current):
                    return current
                await committed.wait()
    finally:
        event.remove(app.engine.sync_engine, "commit", on_commit)


def texts(bot: DiscordBot, channel: str) -> list[str]:
    return [m["content"] or m["embeds"][0].get("description", "") for m in bot.fake.messages.get(channel, [])]


async def test_a_429_is_no_failed_attempt(bot: DiscordBot) -> None:
    bot.app.outbox.max_attempts = 2
    channel = bot.fake.add_channel("ml-daily")
    # Longer than discord.py waits by itself: each one comes back to the outbox.
    bot.fake.fail("POST", MESSAGES, status=429, retry_after=60, times=4)
    await schedule(bot, Target.in_channel(channel), "Daily challenge", "challenge:1")
    for n in range(1, 5):
        await bot.fake.wait_for("POST", MESSAGES, count=n)
        current = await until(bot.app, lambda r: r["challenge:1"].lease_owner is None
                              and r["challenge:1"].next_attempt_at > bot.clock.now())
        assert (current["challenge:1"].status, current["challenge:1"].attempts) == ("pending", 0)
        bot.clock.advance(timedelta(seconds=60))
        bot.app.outbox.wake()
    current = await until(bot.app, lambda r: r["challenge:1"].status != "pending")
    assert (current["challenge:1"].status, current["challenge:1"].attempts) == ("sent", 0)
    assert texts(bot, channel) == ["Daily challenge"]


async def test_a_hot_channel_is_paced_not_failed(bot: DiscordBot) -> None:
    channel = bot.fake.add_channel("busy")
    bot.fake.limit(route=(2, 0.5))  # two messages per half second in a channel
    started = time.monotonic()
    for i in range(6):
        await schedule(bot, Target.in_channel(channel), f"post {i}", f"hot:{i}")
    current = await until(bot.app, lambda r: all(x.status == "sent" for x in r.values()) and len(r) == 6)
    assert time.monotonic() - started >= 1.0, "three buckets' worth of posts took three windows"
    assert {r.attempts for r in current.values()} == {0}
    assert texts(bot, channel) == [f"post {i}" for i in range(6)]


async def test_posts_to_one_channel_keep_their_order_across_a_retry(bot: DiscordBot) -> None:
    channel = bot.fake.add_channel("ml-daily")
    await schedule(bot, Target.in_channel(channel), "challenge", "c")
    await until(bot.app, lambda r: r["c"].status == "sent")
    bot.fake.fail("POST", MESSAGES, status=503, times=1)
    await schedule(bot, Target.in_channel(channel), "reveal", "r")
    await schedule(bot, Target.in_channel(channel), "next challenge", "n")
    current = await until(bot.app, lambda r: r["r"].attempts == 1)
    assert current["n"].status == "pending" and current["n"].attempts == 0
    assert texts(bot, channel) == ["challenge"], "the next post waits for the reveal"
    bot.clock.advance(timedelta(seconds=30))
    bot.app.outbox.wake()
    await until(bot.app, lambda r: r["n"].status == "sent")
    assert texts(bot, channel) == ["challenge", "reveal", "next challenge"]


async def test_a_dm_channel_is_opened_once_even_across_a_restart(bot: DiscordBot) -> None:
    ada = bot.fake.member("ada")
    async with bot.app.session_factory() as session:
        community = await ensure_community(session, "discord", bot.fake.guild_id, bot.fake.guild_name)
        await ensure_member(session, community, ada.id, "ada")
        await session.commit()
    await schedule(bot, Target.dm(ada.id), "first check-in", "dm:1")
    await until(bot.app, lambda r: r["dm:1"].status == "sent")
    await bot.restart()
    await schedule(bot, Target.dm(ada.id), "second check-in", "dm:2")
    await until(bot.app, lambda r: r["dm:2"].status == "sent")
    opens = [c for c in bot.fake.calls if c.path == "/users/@me/channels"]
    assert len(opens) == 1, "the stored DM channel is used after the restart"
    assert texts(bot, bot.fake.dm_channels[ada.id]) == ["first check-in", "second check-in"]


async def test_a_send_repeated_after_a_crash_is_absorbed_by_its_nonce(bot: DiscordBot) -> None:
    channel = bot.fake.add_channel("ml-daily")
    await schedule(bot, Target.in_channel(channel), "once", "c")
    sent = (await until(bot.app, lambda r: r["c"].status == "sent"))["c"]
    [first] = await bot.fake.wait_for("POST", MESSAGES)
    assert first.json["nonce"] == f"pv{sent.id}.0" and first.json["enforce_nonce"] is True
    # As if the process died after Discord created the message, before the result was written.
    async with bot.app.session_factory() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == sent.id)
                              .values(status="pending", sent_at=None, platform_message_id=None))
        await session.commit()
    bot.app.outbox.wake()
    again = (await until(bot.app, lambda r: r["c"].status == "sent"))["c"]
    assert len(await bot.fake.wait_for("POST", MESSAGES, count=2)) == 2
    assert texts(bot, channel) == ["once"] and bot.fake.nonce_replays == 1
    assert again.platform_message_id == sent.platform_message_id
