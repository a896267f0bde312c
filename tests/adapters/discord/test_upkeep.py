"""Discord upkeep: slash commands registered at start only when they changed, leaving a
server stops every post there, and shards split over processes sharing one database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update

from bot.adapters.discord.commands import build_payload
from bot.adapters.discord.models import DiscordCommandSync
from bot.adapters.discord.sender import REMOVED_REASON
from bot.adapters.discord.sync import payload_hash
from bot.app import App
from bot.core.clock import ManualClock
from bot.core.messages import Reply
from bot.core.outbox import OutboxMessage, Target, enqueue
from bot.core.tenancy import Community, ensure_community
from tests.adapters.discord import probe
from tests.adapters.discord.conftest import DiscordBot, discord_settings, settled
from tests.fakes.discord import FakeDiscord


def global_puts(fake: FakeDiscord) -> list[Any]:
    return [
        c for c in fake.calls
        if c.method == "PUT" and c.path == f"/applications/{fake.application_id}/commands"
    ]


async def until(app: App, check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Wait until `check()` holds, re-checking after every database commit."""
    committed = asyncio.Event()

    def on_commit(_connection: Any) -> None:
        committed.set()

    event.listen(app.engine.sync_engine, "commit", on_commit)
    try:
        async with asyncio.timeout(within):
            while True:
                committed.clear()
                if await check():
                    return
                await committed.wait()
    finally:
        event.remove(app.engine.sync_engine, "commit", on_commit)


async def schedule(bot: DiscordBot, target: Target, key: str, *, later: bool = False) -> None:
    async with bot.app.session_factory() as session:
        community = await ensure_community(session, "discord", bot.fake.guild_id, bot.fake.guild_name)
        due = bot.clock.now() + (timedelta(days=1) if later else timedelta())
        await enqueue(session, community, target, Reply(text="Daily challenge"), dedupe_key=key,
                      now=bot.clock.now(), not_before=due)
        await session.commit()
    bot.app.outbox.wake()


async def test_commands_are_registered_at_start_only_when_their_definition_changed(
    bot: DiscordBot,
) -> None:
    fake = bot.fake
    await bot.adapter.commands_synced()
    [first] = global_puts(fake)
    assert first.json == build_payload(bot.app.registry)
    async with bot.app.session_factory() as session:
        stored = (await session.execute(select(DiscordCommandSync))).scalar_one()
    assert (stored.application_id, stored.scope) == (fake.application_id, "global")
    assert stored.payload_hash == payload_hash(first.json)

    await bot.restart()  # same code: nothing to register
    await bot.adapter.commands_synced()
    assert len(global_puts(fake)) == 1

    async with bot.app.session_factory() as session, session.begin():  # an older definition
        await session.execute(update(DiscordCommandSync).values(payload_hash="0" * 64))
    await bot.restart()
    await bot.adapter.commands_synced()
    assert len(global_puts(fake)) == 2
    assert fake.commands[None][0]["name"] == first.json[0]["name"]


async def test_leaving_a_server_stops_every_post_there(bot: DiscordBot) -> None:
    fake = bot.fake
    channel = fake.add_channel("ml-daily")
    await schedule(bot, Target.in_channel(channel), "challenge:tomorrow", later=True)
    # Until the start-up guilds are in, discord.py takes any GUILD_CREATE for one of them.
    await bot.adapter.client.wait_until_ready()

    await fake.remove_guild()

    async def stopped() -> bool:
        async with bot.app.session_factory() as session:
            row = (await session.execute(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == "challenge:tomorrow")
            )).scalar_one()
            return row.status == "failed"

    await until(bot.app, stopped)
    async with bot.app.session_factory() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        community = (await session.execute(select(Community))).scalar_one()
    assert row.last_error == REMOVED_REASON
    assert community.removed_at is not None

    # A post written after leaving (a tick that ran anyway) fails without reaching Discord.
    await schedule(bot, Target.dm(fake.member("ada").id), "checkin:after")
    failed = await settled(bot.app, "checkin:after")
    assert (failed.status, failed.last_error) == ("failed", REMOVED_REASON)
    assert not [c for c in fake.calls if c.method == "POST" and "/messages" in c.path]

    await fake.rejoin_guild()  # invited again: posts resume

    async def back() -> bool:
        async with bot.app.session_factory() as session:
            return (await session.scalar(select(Community.removed_at))) is None

    await until(bot.app, back)


async def test_two_shard_processes_on_one_database_post_each_message_once(
    database_url: str, fake: FakeDiscord, clock: ManualClock
) -> None:
    probe.Gate.reset()
    bots = [
        DiscordBot(discord_settings(database_url, fake, shard_ids=[shard], shard_count=2), clock, fake)
        for shard in (0, 1)
    ]
    try:
        for bot in bots:
            await bot.start()
            await bot.adapter.commands_synced()  # one after the other, as a rolling start
        assert len(global_puts(fake)) == 1  # the second process found the definition registered
        channel = fake.add_channel("ml-daily")
        for n in range(12):
            await schedule(bots[n % 2], Target.in_channel(channel), f"post:{n}")
        for n in range(12):
            row = await settled(bots[0].app, f"post:{n}")
            assert row.status == "sent"
        assert sorted(m["embeds"][0]["description"] for m in fake.messages[channel]) == [
            "Daily challenge"
        ] * 12
    finally:
        for bot in bots:
            await bot.stop()
