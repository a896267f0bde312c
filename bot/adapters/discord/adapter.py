"""The Discord adapter: one discord.py client, the interaction router and the outbox sender."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.adapters.discord.client import (
    PivotClient,
    PivotHTTPClient,
    PivotShardedClient,
    make_client,
)
from bot.adapters.discord.interactions import (
    DEFER_AFTER_SECONDS,
    PLATFORM,
    PREFIX,
    Interactions,
    ModalBook,
)
from bot.adapters.discord.sender import DiscordSender

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

LOGIN_WAIT_SECONDS = 30.0


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
        self.sender = DiscordSender(self._http, on_render=self.modals.remember,
                                    rate_per_second=settings.global_rate_limit,
                                    ready=self._logged_in.is_set)

    async def _http(self) -> PivotHTTPClient:
        """The REST layer once logged in (the outbox may start before the gateway is up)."""
        await asyncio.wait_for(self._logged_in.wait(), LOGIN_WAIT_SECONDS)
        return self.client.http

    async def start(self) -> None:
        await self.client.login(self._token)
        if self._discover_gateway:
            url = await self.client.http.discover_gateway()
            log.info("Discord gateway from the REST base: %s", url)
        self._logged_in.set()
        self.app.outbox.wake()  # posts waiting for the login
        log.info("logged in to Discord as %s", self.client.user)
        await self.client.connect(reconnect=True)

    async def close(self) -> None:
        await self.client.close()
