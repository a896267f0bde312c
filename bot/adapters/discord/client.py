"""discord.py, pointed where settings say: a REST base URL and a gateway URL per client.

discord.py builds every REST URL from the class attribute `discord.http.Route.BASE`
(webhook and interaction routes too) and opens the gateway at
`DiscordWebSocket.DEFAULT_GATEWAY` unless it asked `GET /gateway/bot` first (only
`AutoShardedClient` without a shard count does). Both are process-wide constants.
Rather than overwrite them, `PivotHTTPClient` — the client's own HTTP layer, kept
whole (rate-limit buckets, 429 retries, multipart) — rewrites the base of each
route it sends and the address of each gateway socket it opens, so the override
belongs to one client and two clients in one process (tests) never leak into each
other. The one private touch is installing it as the client's `http` (and its
connection state's), right after construction, before anything used the old one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

log = logging.getLogger(__name__)

API_VERSION_PATH = "/api/v10"
# Waiting out a long 429 would stall the outbox; past this many seconds discord.py raises
# RateLimited and the outbox retries later instead (discord.py's minimum is 30).
MAX_RATELIMIT_WAIT = 30.0


def normalize_api_url(url: str) -> str:
    """`http://proxy:8080` or `…/api` or `…/api/v10` → the base routes are appended to."""
    url = url.rstrip("/")
    if re.search(r"/api/v\d+$", url):
        return url
    return url + ("/v10" if url.endswith("/api") else API_VERSION_PATH)


class PivotHTTPClient(HTTPClient):
    """discord.py's HTTP client with a per-instance REST base and gateway address."""

    def __init__(
        self, *args: Any, api_base: str | None = None, gateway: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.api_base = normalize_api_url(api_base) if api_base else None
        self.gateway = yarl.URL(gateway) if gateway else None

    def url_for(self, route: Route) -> str:
        if self.api_base and route.url.startswith(Route.BASE):
            return self.api_base + route.url[len(Route.BASE) :]
        return route.url

    async def request(self, route: Route, **kwargs: Any) -> Any:
        route.url = self.url_for(route)
        return await super().request(route, **kwargs)

    async def ws_connect(self, url: str, *, compress: int = 0) -> aiohttp.ClientWebSocketResponse:
        # Only the built-in default is replaced: a resume_gateway_url from READY, or the
        # URL /gateway/bot returned, is where Discord told us to go.
        target = yarl.URL(url)
        if self.gateway is not None and target.host == DiscordWebSocket.DEFAULT_GATEWAY.host:
            url = str(self.gateway.with_query(target.query))
        return await super().ws_connect(url, compress=compress)

    async def discover_gateway(self) -> str:
        """The gateway address the REST base advertises (GET /gateway/bot)."""
        _, url, _ = await self.get_bot_gateway()
        self.gateway = yarl.URL(url)
        return url


InteractionHook = Callable[[discord.Interaction], Awaitable[None]]
GuildHook = Callable[[str], Awaitable[None]]
MessageHook = Callable[[discord.Message], Awaitable[None]]


class _PivotMixin:
    """What Pivot's two client classes share: the HTTP layer, one interaction hook, and
    hooks for joining and leaving a guild."""

    on_pivot_interaction: InteractionHook | None = None
    on_pivot_guild_join: GuildHook | None = None
    on_pivot_guild_remove: GuildHook | None = None
    on_pivot_message: MessageHook | None = None

    def _install_http(self, api_base: str | None, gateway: str | None) -> None:
        old: HTTPClient = self.http  # type: ignore[has-type]
        self.http = PivotHTTPClient(
            old.loop,
            old.connector or None,  # type: ignore[truthy-bool]  # discord.py types it BaseConnector but stores the falsy MISSING
            proxy=old.proxy,
            proxy_auth=old.proxy_auth,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            api_base=api_base,
            gateway=gateway,
        )
        self._connection.http = self.http  # type: ignore[attr-defined]

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Every interaction, whenever its message was posted: routing is by custom id,
        # not by View objects that die with the process.
        if self.on_pivot_interaction is not None:
            await self.on_pivot_interaction(interaction)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # GUILD_DELETE without `unavailable`: kicked, banned, or the server was deleted.
        # (An outage sends `unavailable: true`, which discord.py reports separately.)
        if self.on_pivot_guild_remove is not None:
            await self.on_pivot_guild_remove(str(guild.id))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        if self.on_pivot_guild_join is not None:
            await self.on_pivot_guild_join(str(guild.id))

    async def on_message(self, message: discord.Message) -> None:
        if self.on_pivot_message is not None:
            await self.on_pivot_message(message)


class PivotClient(_PivotMixin, discord.Client):
    http: PivotHTTPClient

    def __init__(self, *, api_base: str | None, gateway: str | None, **options: Any) -> None:
        super().__init__(**options)
        self._install_http(api_base, gateway)


class PivotShardedClient(_PivotMixin, discord.AutoShardedClient):
    http: PivotHTTPClient

    def __init__(self, *, api_base: str | None, gateway: str | None, **options: Any) -> None:
        super().__init__(**options)
        self._install_http(api_base, gateway)


def intents() -> discord.Intents:
    """GUILDS (guild names, the channel and thread cache) and GUILD_MESSAGES (that someone
    wrote in a thread Pivot opened: a question's answers).

    Slash commands, buttons and modals arrive as interactions whatever the intents. Pivot
    reads no message text (MESSAGE_CONTENT, privileged, stays off: messages arrive without
    their content, and the author and time are all Pivot uses), presences or member lists,
    so it needs no privileged intent.
    """
    return discord.Intents(guilds=True, guild_messages=True)


def make_client(
    *,
    api_base: str | None,
    gateway: str | None,
    shard_ids: list[int] | None,
    shard_count: int | None,
) -> PivotClient | PivotShardedClient:
    # Pivot never joins voice: don't warn at every start that voice libraries are missing.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    options: dict[str, Any] = {
        "intents": intents(),
        "api_base": api_base,
        "gateway": gateway,
        "max_messages": None,
        "chunk_guilds_at_startup": False,
    }
    if shard_count is not None:
        return PivotShardedClient(shard_ids=shard_ids, shard_count=shard_count, **options)
    if shard_ids:
        raise ValueError("--shard-ids needs --shard-count (the total across all processes)")
    return PivotClient(**options)
