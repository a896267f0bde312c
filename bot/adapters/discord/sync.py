"""Slash commands registered at start, only when their definition changed.

The payload built from the registry is hashed; the hash of the last registration is kept
in the database (`discord_command_sync`). A start whose payload hashes the same skips the
PUT, so restarts and several shard processes starting together don't hit Discord's
command endpoints (and its strict rate limit on them) for nothing. When two processes
do race after an upgrade, both PUT the same payload: an overwrite is idempotent.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.discord.client import PivotHTTPClient
from bot.adapters.discord.models import DiscordCommandSync
from bot.core.db import insert_for

log = logging.getLogger(__name__)

GLOBAL = "global"


def payload_hash(payload: list[dict[str, Any]]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def sync_if_changed(
    session_factory: async_sessionmaker[AsyncSession],
    http: PivotHTTPClient,
    application_id: str,
    payload: list[dict[str, Any]],
    *,
    now: datetime,
    guild_id: str | None = None,
) -> bool:
    """Register `payload` (globally, or in one guild) unless the same was registered last.
    Returns whether it registered."""
    scope = guild_id or GLOBAL
    digest = payload_hash(payload)
    async with session_factory() as session:
        stored = await session.scalar(
            select(DiscordCommandSync.payload_hash).where(
                DiscordCommandSync.application_id == application_id,
                DiscordCommandSync.scope == scope,
            )
        )
    if stored == digest:
        log.info("Discord: slash commands unchanged; not registering them again")
        return False
    if guild_id:
        await http.bulk_upsert_guild_commands(application_id, guild_id, payload)
    else:
        await http.bulk_upsert_global_commands(application_id, payload)
    values = {"application_id": application_id, "scope": scope, "payload_hash": digest, "synced_at": now}
    async with session_factory() as session, session.begin():
        stmt = insert_for(session, DiscordCommandSync).values(**values)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["application_id", "scope"],
                set_={"payload_hash": digest, "synced_at": now},
            )
        )
    log.info("Discord: registered %d slash commands (%s)", len(payload), scope)
    return True
