"""`python -m bot discord-commands [--sync] [--guild ID]` and `python -m bot discord-invite`."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.adapters.discord.client import MAX_RATELIMIT_WAIT, PivotHTTPClient
from bot.adapters.discord.commands import build_payload, validate_payload
from bot.adapters.discord.invite import invite_url

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.commands import Registry


def _registry() -> Registry:
    from bot.core.commands import Registry
    from bot.features import load_all

    return Registry(g for f in load_all() for g in f.groups)


@asynccontextmanager
async def logged_in(settings: Settings) -> AsyncIterator[PivotHTTPClient]:
    """discord.py's HTTP layer, logged in with the bot token (no gateway connection)."""
    if settings.discord.token is None:
        raise discord.LoginFailure("PIVOT_DISCORD_TOKEN is not set")
    http = PivotHTTPClient(
        asyncio.get_running_loop(),
        api_base=settings.discord.api_url,
        max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
    )
    try:
        await http.static_login(settings.discord.token.get_secret_value())
        yield http
    finally:
        await http.close()


async def application_id(settings: Settings, http: PivotHTTPClient) -> str:
    if settings.discord.application_id:
        return settings.discord.application_id
    info = await http.application_info()
    return str(info["id"])


async def sync(
    settings: Settings, payload: list[dict[str, Any]], guild_id: str | None
) -> list[Any]:
    """Bulk-overwrite the global (or one guild's) commands with exactly `payload`."""
    async with logged_in(settings) as http:
        app_id = await application_id(settings, http)
        if guild_id:
            return await http.bulk_upsert_guild_commands(app_id, guild_id, payload)
        return await http.bulk_upsert_global_commands(app_id, payload)


def commands_main(settings: Settings, *, do_sync: bool, guild_id: str | None) -> int:
    payload = build_payload(_registry())
    problems = validate_payload(payload)
    if problems:
        print(
            "pivot: the command payload breaks Discord's limits:",
            *problems,
            sep="\n  ",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(payload, indent=2, ensure_ascii=False))
    if not do_sync:
        return 0
    try:
        registered = asyncio.run(sync(settings, payload, guild_id))
    except (discord.HTTPException, discord.LoginFailure, aiohttp.ClientError, OSError) as exc:
        print(f"pivot: registering commands failed: {exc}", file=sys.stderr)
        return 1
    where = (
        f"in guild {guild_id} (visible at once)"
        if guild_id
        else "globally (may take a while to show)"
    )
    print(f"Registered {len(registered)} commands {where}.", file=sys.stderr)
    return 0


def invite_main(settings: Settings) -> int:
    client_id = settings.discord.application_id
    if not client_id:
        if settings.discord.token is None:
            print(
                "pivot: set PIVOT_DISCORD_APPLICATION_ID (or PIVOT_DISCORD_TOKEN) first",
                file=sys.stderr,
            )
            return 2

        async def fetch() -> str:
            async with logged_in(settings) as http:
                return await application_id(settings, http)

        try:
            client_id = asyncio.run(fetch())
        except (discord.HTTPException, discord.LoginFailure, aiohttp.ClientError, OSError) as exc:
            print(f"pivot: could not look up the application id ({exc}); "
                  "set PIVOT_DISCORD_APPLICATION_ID instead", file=sys.stderr)
            return 1
    print(invite_url(client_id))
    return 0
