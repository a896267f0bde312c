"""The Discord adapter: one discord.py client, the interaction router and the outbox sender."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord

from bot.adapters.discord.client import (
    PivotClient,
    PivotHTTPClient,
    PivotShardedClient,
    make_client,
)
from bot.adapters.discord.commands import build_payload
from bot.adapters.discord.interactions import (
    DEFER_AFTER_SECONDS,
    PLATFORM,
    PREFIX,
    Interactions,
    ModalBook,
)
from bot.adapters.discord.sender import REMOVED_REASON, DiscordSender
from bot.adapters.discord.sync import sync_if_changed
from bot.core.dispatch import Caller
from bot.core.outbox import community_removed, community_returned, removed_communities

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

LOGIN_WAIT_SECONDS = 30.0
# How long the set of servers Pivot was removed from is reused before asking the database
# again (another process may have seen the GUILD_DELETE).
REMOVED_CACHE_SECONDS = 30.0


class DiscordAdapter:
    """Serves one bot token: gateway (interactions in) and REST (replies and outbox posts out).

    Honours `[discord]` settings: token, api_url (REST base, e.g. a shared rate-limit proxy),
    gateway_url (else taken from the REST base's GET /gateway/bot when api_url is set),
    shard_ids/shard_count (split shards over processes).
    """

    platform = PLATFORM
    prefix = PREFIX

    def __init__(self, app: App, *, defer_after: float = DEFER_AFTER_SECONDS) -> None:
        settings = app.settings.discord
        if settings.token is None:
            raise ValueError("PIVOT_DISCORD_TOKEN is not set")
        self.app = app
        self._token = settings.token.get_secret_value()
        self._discover_gateway = bool(settings.api_url) and not settings.gateway_url
        self.client: PivotClient | PivotShardedClient = make_client(
            api_base=settings.api_url,
            gateway=settings.gateway_url,
            shard_ids=settings.shard_ids,
            shard_count=settings.shard_count,
        )
        self.modals = ModalBook()
        self._logged_in = asyncio.Event()
        self.interactions = Interactions(
            app, lambda: self.client.http, self.modals, defer_after=defer_after
        )
        self.client.on_pivot_interaction = self.interactions.handle
        self.client.on_pivot_guild_remove = self.guild_removed
        self.client.on_pivot_guild_join = self.guild_joined
        self.client.on_pivot_message = self.message_posted
        self._removed: tuple[set[str], float] = (set(), 0.0)
        self._sync_task: asyncio.Task[None] | None = None
        self.sender = DiscordSender(
            self._http, on_render=self.modals.remember, removed=self.is_removed,
            rate_per_second=settings.global_rate_limit, ready=self._logged_in.is_set,
        )

    async def _http(self) -> PivotHTTPClient:
        """The REST layer once logged in (the outbox may start before the gateway is up)."""
        await asyncio.wait_for(self._logged_in.wait(), LOGIN_WAIT_SECONDS)
        return self.client.http

    def is_ready(self) -> bool:
        """Connected to the gateway (readiness)."""
        return self.client.is_ready() and not self.client.is_closed()

    async def start(self) -> None:
        await self.client.login(self._token)
        if self._discover_gateway:
            url = await self.client.http.discover_gateway()
            log.info("Discord gateway from the REST base: %s", url)
        self._logged_in.set()
        self.app.outbox.wake()  # posts waiting for the login
        log.info("logged in to Discord as %s", self.client.user)
        if self.app.settings.discord.sync_commands:
            # Beside the gateway connection, not before it: identifying is not delayed.
            self._sync_task = asyncio.create_task(self.sync_commands(), name="discord-command-sync")
        await self.client.connect(reconnect=True)

    async def commands_synced(self) -> None:
        """Wait until the start-up registration check has finished (tests, health checks)."""
        await self._logged_in.wait()  # the task is created in the same step as this is set
        if self._sync_task is not None:
            await asyncio.shield(self._sync_task)

    async def sync_commands(self) -> None:
        """Register the slash commands if their definition changed since the last start.
        A failure is logged and the bot runs on with the commands Discord already has."""
        app_id = self.app.settings.discord.application_id or (
            str(self.client.application_id) if self.client.application_id else None
        )
        try:
            if app_id is None:
                app_id = str((await self.client.http.application_info())["id"])
            await sync_if_changed(
                self.app.session_factory,
                self.client.http,
                app_id,
                build_payload(self.app.registry),
                now=self.app.clock.now(),
            )
        except Exception as exc:
            log.warning("Discord: could not register the slash commands (%s)", exc)

    async def message_posted(self, message: discord.Message) -> None:
        """MESSAGE_CREATE: when it is a member's message in a thread Pivot opened (a question's),
        the feature that opened it is told who wrote there. Bots, DMs, system messages and
        messages in ordinary channels are dropped here, without a database query."""
        if message.author.bot or message.webhook_id is not None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        channel = message.channel
        # A thread is no GuildChannel; a channel missing from the cache arrives partial.
        if isinstance(channel, (discord.abc.GuildChannel, discord.DMChannel, discord.GroupChannel)):
            return
        guild = message.guild
        guild_id = guild.id if guild is not None else getattr(channel, "guild_id", None)
        if guild_id is None:
            return
        caller = Caller(
            platform=PLATFORM,
            community_id=str(guild_id),
            user_id=str(message.author.id),
            display_name=message.author.display_name,
            community_name=getattr(guild, "name", None) or "",
        )
        try:
            await self.app.dispatcher.thread_message(caller, str(channel.id))
        except Exception as exc:  # the database is down: a thread reply is not worth a crash
            log.warning("Discord: could not record a thread reply (%s)", type(exc).__name__)

    async def guild_removed(self, guild_id: str) -> None:
        """Kicked, banned, or the server deleted: every post there stops, pending ones are
        marked failed with the reason, and later ones fail without being sent."""
        async with self.app.session_factory() as session, session.begin():
            stopped = await community_removed(
                session, PLATFORM, guild_id, now=self.app.clock.now(), reason=REMOVED_REASON
            )
        self._removed = (self._removed[0] | {guild_id}, self._removed[1])
        log.info("Discord: removed from server %s; %d pending posts stopped", guild_id, stopped)

    async def guild_joined(self, guild_id: str) -> None:
        async with self.app.session_factory() as session, session.begin():
            await community_returned(session, PLATFORM, guild_id)
        self._removed = (self._removed[0] - {guild_id}, self._removed[1])

    async def is_removed(self, guild_id: str) -> bool:
        removed, expires = self._removed
        now = time.monotonic()
        if expires <= now:
            async with self.app.session_factory() as session:
                removed = await removed_communities(session, PLATFORM)
            self._removed = (removed, now + REMOVED_CACHE_SECONDS)
        return guild_id in removed

    async def close(self) -> None:
        if self._sync_task is not None and not self._sync_task.done():
            await asyncio.wait({self._sync_task}, timeout=10)
        await self.client.close()
