"""Start-up the way operators run it: gateway discovery, intents, shards, the CLI commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord

from bot.adapters.discord import cli
from bot.adapters.discord.commands import build_payload
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.commands import Registry
from bot.features import load_all
from tests.adapters.discord import probe
from tests.adapters.discord.conftest import (
    DiscordBot,
    discord_settings,
    embeds_text,
    register_commands,
)
from tests.fakes.discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[3]


async def test_with_only_the_rest_base_set_the_gateway_comes_from_get_gateway_bot(
    database_url: str, fake: FakeDiscord, clock: ManualClock
) -> None:
    settings = discord_settings(database_url, fake, gateway_url=None)
    assert settings.discord.gateway_url is None
    await register_commands(settings, fake)
    bot = DiscordBot(settings, clock, fake)
    await bot.start()
    try:
        assert [c.method for c in fake.calls if c.path == "/gateway/bot"] == ["GET"]
        [session] = fake.sessions
        assert session.identify is not None and session.identify["token"] == fake.token
        interaction = await fake.slash(fake.member("ada"), "goal list")
        [callback] = await fake.response(interaction)
        assert callback.json["type"] == 4
    finally:
        await bot.stop()


async def test_the_bot_identifies_with_guilds_and_guild_messages_and_no_privileged_intent(
    bot: DiscordBot,
) -> None:
    [session] = bot.fake.sessions
    assert session.identify is not None
    intents = discord.Intents._from_value(session.identify["intents"])
    # Guild Messages: who wrote in a question's thread; never Message Content (privileged).
    assert intents == discord.Intents(guilds=True, guild_messages=True)
    assert not (intents.message_content or intents.members or intents.presences)
    assert "/gateway/bot" not in [c.path for c in bot.fake.calls]  # gateway_url given: used as is


async def test_shards_split_over_two_processes_each_get_their_own_guilds(
    database_url: str, fake: FakeDiscord, clock: ManualClock
) -> None:
    probe.Gate.reset()
    owner = (int(fake.guild_id) >> 22) % 2
    bots = [
        DiscordBot(
            discord_settings(database_url, fake, shard_ids=[shard], shard_count=2), clock, fake
        )
        for shard in (0, 1)
    ]
    await register_commands(bots[0].settings, fake)
    try:
        for bot in bots:
            await bot.start()
        assert sorted(tuple(s.identify["shard"]) for s in fake.sessions if s.identify) == [
            (0, 2),
            (1, 2),
        ]
        interaction = await fake.slash(
            fake.member("ada"), "goal add", text="Ship a portfolio project"
        )
        [callback] = await fake.response(interaction)
        assert embeds_text(callback.json["data"]).startswith("Goal #1 added")
        owning = next(s for s in fake.sessions if s.identify and s.identify["shard"][0] == owner)
        assert owning.sequence == 3  # READY, GUILD_CREATE, and the interaction went to the owner
    finally:
        for bot in bots:
            await bot.stop()


async def _run_cli(*args: str, fake: FakeDiscord) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIVOT_")}
    env |= {
        "PIVOT_DISCORD_TOKEN": fake.token,
        "PIVOT_DISCORD_API_URL": fake.api_url,
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_registered_payload_equals_the_discord_commands_output(fake: FakeDiscord) -> None:
    # One process (start-up is slow on a busy machine): --sync prints the payload, then PUTs it.
    code, printed, err = await _run_cli(
        "discord-commands", "--sync", "--guild", fake.guild_id, fake=fake
    )
    assert code == 0, err
    payload = json.loads(printed)
    assert payload == build_payload(Registry(g for f in load_all() for g in f.groups))
    [put] = [c for c in fake.calls if c.method == "PUT"]
    assert put.path == f"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
    assert put.json == payload
    assert [c.path for c in fake.calls if c.method == "GET"] == [
        "/users/@me",
        "/oauth2/applications/@me",
    ]
    assert f"Registered {len(payload)} commands in guild {fake.guild_id}" in err


def test_discord_commands_without_sync_prints_the_payload_and_talks_to_nobody(capsys) -> None:  # noqa: ANN001
    assert cli.commands_main(Settings(), do_sync=False, guild_id=None) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == build_payload(Registry(g for f in load_all() for g in f.groups))


async def test_sync_without_a_guild_overwrites_the_global_commands(fake: FakeDiscord) -> None:
    settings = Settings(
        discord={"token": fake.token, "api_url": fake.api_url, "application_id": "4242"}
    )
    payload = build_payload(Registry(g for f in load_all() for g in f.groups))
    registered = await cli.sync(settings, payload, None)
    assert len(registered) == len(payload)
    [put] = [c for c in fake.calls if c.method == "PUT"]
    assert put.path == "/applications/4242/commands" and put.json == payload
    assert "/oauth2/applications/@me" not in [
        c.path for c in fake.calls
    ]  # the configured id is used


def test_invite_url_asks_for_exactly_the_permissions_pivot_uses(capsys) -> None:  # noqa: ANN001
    assert cli.invite_main(Settings(discord={"application_id": "123456"})) == 0
    url = capsys.readouterr().out.strip()
    assert url == (
        "https://discord.com/oauth2/authorize?client_id=123456"
        "&scope=bot+applications.commands&permissions=377957174272"
    )
    query = parse_qs(urlsplit(url).query)
    assert discord.Permissions(int(query["permissions"][0])) == discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        attach_files=True,
        create_public_threads=True,
        create_private_threads=True,
        send_messages_in_threads=True,
    )


def test_invite_without_an_application_id_or_token_explains_what_to_set(capsys) -> None:  # noqa: ANN001
    assert cli.invite_main(Settings()) == 2
    assert "PIVOT_DISCORD_APPLICATION_ID" in capsys.readouterr().err


async def test_the_application_id_for_the_invite_can_come_from_the_token(fake: FakeDiscord) -> None:
    settings = Settings(discord={"token": fake.token, "api_url": fake.api_url})
    async with cli.logged_in(settings) as http:
        assert await cli.application_id(settings, http) == fake.application_id


async def test_python_m_bot_run_starts_discord_from_the_environment_with_its_shard(
    database_url: str, fake: FakeDiscord
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIVOT_")}
    env |= {
        "PIVOT_DISCORD_TOKEN": fake.token,
        "PIVOT_DISCORD_API_URL": fake.api_url,  # the gateway is found through GET /gateway/bot
        "PIVOT_DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--no-migrate",
        "--shard-ids",
        "1",
        "--shard-count",
        "2",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        [session] = await fake.wait_identified()
        assert session.identify is not None and session.identify["shard"] == [1, 2]
        assert "/gateway/bot" in [c.path for c in fake.calls]
    finally:
        process.terminate()
        await process.wait()
