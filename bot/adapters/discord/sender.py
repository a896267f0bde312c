"""Outbox deliveries to Discord: channel posts, DMs (with a channel fallback), private threads.

Everything goes through discord.py's HTTP layer, so its per-route rate-limit buckets and
429 retries apply; on top, requests are spaced to stay under Discord's global limit
(`discord.global_rate_limit`, 50/s), which discord.py only learns about from a 429.
Discord's error codes decide what is worth retrying: an unknown channel, missing access or
a user who blocks DMs will not fix themselves (permanent); a 5xx, a timeout or a long rate
limit will (transient; a rate limit is no failed attempt).

Every message carries a `nonce` derived from its outbox row with `enforce_nonce`, so a
send repeated after a crash or a lost answer returns the message already created instead
of posting it again (Discord remembers nonces for a few minutes). DM channel ids come
stored with the delivery and newly opened ones go back to the outbox to be stored, so a DM
costs one request after the first, across restarts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord
from discord.http import Route

from bot.adapters.discord.client import PivotHTTPClient
from bot.adapters.discord.render import OutgoingMessage, attachment_name, render, trim
from bot.core.messages import Reply
from bot.core.outbox import (
    CHANNEL_GONE,
    DMS_CLOSED,
    NO_ACCESS,
    NO_PERMISSION,
    REMOVED,
    Delivery,
    DeliveryResult,
    Pacer,
    PermanentDeliveryError,
    RateLimited,
    SendPolicy,
    TransientDeliveryError,
)

log = logging.getLogger(__name__)

# https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
UNKNOWN_CHANNEL = 10003
UNKNOWN_USER = 10013
MISSING_ACCESS = 50001
CANNOT_DM = 50007
MISSING_PERMISSIONS = 50013
PERMANENT_CODES = {UNKNOWN_CHANNEL, UNKNOWN_USER, MISSING_ACCESS, CANNOT_DM, MISSING_PERMISSIONS}
# What each means for the admin who set the channel (core/failnotice.py tells them the fix).
CAUSES = {
    UNKNOWN_CHANNEL: CHANNEL_GONE,
    MISSING_ACCESS: NO_ACCESS,
    MISSING_PERMISSIONS: NO_PERMISSION,
    CANNOT_DM: DMS_CLOSED,
    UNKNOWN_USER: DMS_CLOSED,
}

PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
# Channels whose every post is a thread: "Start Thread in Forum or Media Channel".
FORUM_TYPES = {15, 16}
THREAD_ARCHIVE_MINUTES = 10080  # a week: long enough for a buddy pair to say hello
THREAD_NAME_LIMIT = 100
# "A thread has already been created for this message": our own, from a send cut short.
THREAD_EXISTS = 160004
REMOVED_REASON = "Pivot was removed from this Discord server; invite it again to resume posts"
NONCE_LIMIT = 25  # characters


def nonce(delivery_id: int, part: int, *, fallback: bool = False, opening: bool = False) -> str:
    """The nonce of one message of an outbox row (a long reply is several messages; `opening`:
    the first message in the thread the row's post started)."""
    marker = "f" if fallback else "t" if opening else "."
    return f"pv{delivery_id}{marker}{part}"[:NONCE_LIMIT]


def multipart(payload: dict[str, Any], message: OutgoingMessage) -> list[dict[str, Any]]:
    """discord.py's `form` list: payload_json plus files[n], as its own senders build it."""
    form: list[dict[str, Any]] = [
        {"name": "payload_json", "value": discord.utils._to_json(payload)}
    ]
    for index, image in enumerate(message.files):
        form.append(
            {
                "name": f"files[{index}]",
                "value": image.data,
                "filename": attachment_name(image),
                "content_type": getattr(image, "content_type", "image/png"),
            }
        )
    return form


async def send(
    http: PivotHTTPClient,
    route: Route,
    message: OutgoingMessage,
    payload: dict[str, Any] | None = None,
) -> Any:
    """One request carrying a message: JSON, or multipart when it has files."""
    body = message.payload if payload is None else payload
    if message.files:
        return await http.request(route, form=multipart(body, message))
    return await http.request(route, json=body)


def classify(exc: BaseException, *, channel: str | None = None) -> Exception:
    """A discord.py / network error → the outbox's permanent or transient error (with its
    cause; `channel`: the channel that refused when it is not the delivery's target)."""
    if isinstance(exc, discord.RateLimited):
        return RateLimited(f"rate limited for {exc.retry_after:.0f}s", exc.retry_after)
    if isinstance(exc, discord.DiscordServerError):
        return TransientDeliveryError(f"Discord {exc.status}: {exc.text or 'server error'}")
    if isinstance(exc, discord.HTTPException):
        reason = f"Discord {exc.status} (code {exc.code}): {exc.text or 'error'}"
        if exc.code in PERMANENT_CODES or exc.status in (400, 403, 404):
            return PermanentDeliveryError(reason, cause=CAUSES.get(exc.code), channel=channel)
        return TransientDeliveryError(reason)
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return TransientDeliveryError(f"network: {exc!r}", maybe_sent=True)
    return TransientDeliveryError(repr(exc), maybe_sent=True)


class DiscordSender:
    """The outbox's Discord `Sender`. `http` is the logged-in client's HTTP layer."""

    # discord.py paces each route; the global limit is paced per request below.
    policy = SendPolicy()

    def __init__(
        self,
        http: Callable[[], Awaitable[PivotHTTPClient]],
        *,
        on_render: Callable[[Reply], None] | None = None,
        removed: Callable[[str], Awaitable[bool]] | None = None,
        rate_per_second: float = 50.0,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        self._http = http
        self._ready = ready
        self._on_render = on_render
        # "Was the bot removed from this guild?" Posts there fail instead of being sent.
        self._removed = removed
        self._dm_channels: dict[str, str] = {}
        # A tenth of a second's worth may go at once, to catch up after a stall.
        self._pacer = Pacer(1.0 / rate_per_second, burst=max(int(rate_per_second / 10), 1))

    def ready(self) -> bool:
        """Logged in: the outbox claims Discord rows only then (no lease held while waiting)."""
        return self._ready is None or self._ready()

    async def http(self) -> PivotHTTPClient:
        try:
            http = await self._http()
        except TimeoutError:
            raise RateLimited("not logged in to Discord yet", retry_after=30) from None
        await self._pacer.wait()
        return http

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        target = delivery.target
        if self._removed is not None and await self._removed(delivery.community_external_id):
            raise PermanentDeliveryError(REMOVED_REASON, cause=REMOVED)
        try:
            if target.kind == "channel":
                message_id = await self.post(target.to, delivery.reply, nonce_of=delivery.id)
                thread = delivery.reply.extra.get("thread")
                if thread:
                    return await self.discussion(target.to, message_id, thread, delivery.id)
                return DeliveryResult(message_id)
            if target.kind == "dm":
                return await self.direct_message(delivery)
            if target.kind == "group":
                return await self.group_thread(delivery)
            if target.kind == "thread":
                return await self.public_thread(target.to, delivery)
            if target.kind == "reply":
                # `to` is the thread: a thread is a channel on Discord.
                return DeliveryResult(await self.post(target.to, delivery.reply, nonce_of=delivery.id))
        except (PermanentDeliveryError, TransientDeliveryError):
            raise
        except Exception as exc:
            raise classify(exc) from exc
        raise PermanentDeliveryError(f"unknown target kind {target.kind!r}")

    async def post(
        self,
        channel_id: str,
        reply: Reply,
        *,
        content: str = "",
        mention_users: Sequence[str] = (),
        nonce_of: int | None = None,
        fallback: bool = False,
        opening: bool = False,
    ) -> str:
        """Post `reply` in a channel (or thread, or DM channel); returns the id of the message
        that carries its buttons (the last one when the reply had to be split). With
        `nonce_of` (the outbox row id) each message carries its idempotency nonce."""
        if self._on_render is not None:
            self._on_render(reply)
        message_id = ""
        for part, message in enumerate(
            render(reply, content=content, mention_users=tuple(mention_users))
        ):
            message.payload.pop("flags", None)  # nothing posted by the outbox is ephemeral
            if nonce_of is not None:
                message.payload["nonce"] = nonce(nonce_of, part, fallback=fallback, opening=opening)
                message.payload["enforce_nonce"] = True
            # A Route per request: the HTTP layer rewrites its URL to the configured base.
            route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
            data = await send(await self.http(), route, message)
            message_id = str(data["id"])
        return message_id

    async def discussion(self, channel_id: str, message_id: str, thread: dict[str, Any],
                         delivery_id: int) -> DeliveryResult:
        """A public thread started from the post, with its opening message (a showcase card's
        discussion). The post is already out: a failure here is noted, never retried (a retry
        would post the card twice). Repeated after a crash, it finds its thread (one per
        message) and its opening message (by nonce) instead of making them again."""
        try:
            thread_id = await self._thread_on(
                channel_id, message_id, str(thread.get("name") or "Discussion"))
            if thread.get("text"):
                await self.post(thread_id, Reply(text=str(thread["text"])), nonce_of=delivery_id,
                                opening=True)
        except Exception as exc:
            log.warning("post %s is out but its thread could not be started: %r", message_id, exc)
            return DeliveryResult(message_id, note=f"thread not started: {classify(exc)}")
        return DeliveryResult(message_id, note=f"thread <#{thread_id}>")

    async def _thread_on(self, channel_id: str, message_id: str, name: str) -> str:
        """Start a public thread on a message; its id is the message's. A message holds one
        thread: when it has one already (an earlier send of the same row), that is it."""
        try:
            started = await (await self.http()).request(
                Route("POST", "/channels/{channel_id}/messages/{message_id}/threads",
                      channel_id=channel_id, message_id=message_id),
                json={"name": trim(name, THREAD_NAME_LIMIT),
                      "auto_archive_duration": THREAD_ARCHIVE_MINUTES},
            )
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
            log.info("message %s already has its thread (a repeated send)", message_id)
            return message_id
        return str(started["id"])

    async def _dm_channel(self, user_id: str, stored: str | None) -> tuple[str, str | None]:
        """The DM channel with this user, and its id when it had to be opened (to store)."""
        channel_id = stored or self._dm_channels.get(user_id)
        if channel_id is not None:
            self._dm_channels[user_id] = channel_id
            return channel_id, None if stored else channel_id
        data = await (await self.http()).start_private_message(int(user_id))
        channel_id = self._dm_channels[user_id] = str(data["id"])
        return channel_id, channel_id

    async def direct_message(self, delivery: Delivery) -> DeliveryResult:
        user_id, fallback = delivery.target.to, delivery.target.channel
        opened: str | None = None
        try:
            channel_id, opened = await self._dm_channel(user_id, delivery.dm_channel)
            message_id = await self.post(channel_id, delivery.reply, nonce_of=delivery.id)
            return DeliveryResult(message_id, dm_channel=opened)
        except discord.HTTPException as exc:
            if exc.code != CANNOT_DM:
                raise
            if fallback is None:
                raise PermanentDeliveryError(
                    f"DMs closed for user {user_id} and no fallback channel is set", cause=DMS_CLOSED
                ) from exc
        # Once, in the fallback channel, with a mention so they still notice it.
        try:
            message_id = await self.post(
                fallback,
                delivery.reply,
                content=f"<@{user_id}> (your DMs are closed, so here it is)",
                mention_users=(user_id,),
                nonce_of=delivery.id,
                fallback=True,
            )
        except discord.HTTPException as exc:
            raise classify(exc, channel=fallback) from exc  # the fallback channel's admin can fix it
        log.info("DMs closed for a member; posted in channel %s instead", fallback)
        return DeliveryResult(message_id, note=f"DMs closed; posted in <#{fallback}>", dm_channel=opened)

    async def public_thread(self, channel_id: str, delivery: Delivery) -> DeliveryResult:
        """A public thread titled by the reply, holding it: a forum post in a forum channel,
        else the reply posted in the channel with a thread started on it (both by nonce and
        one thread per message, so a send repeated after a crash makes neither twice). The
        result's message id is the thread's id."""
        reply = delivery.reply
        http = await self.http()
        channel = await http.request(Route("GET", "/channels/{channel_id}", channel_id=channel_id))
        name = trim(reply.title or "Question", THREAD_NAME_LIMIT)
        if channel.get("type") not in FORUM_TYPES:
            message_id = await self.post(channel_id, reply, nonce_of=delivery.id)
            thread_id = await self._thread_on(channel_id, message_id, name)
            return DeliveryResult(thread_id, note=f"thread <#{thread_id}>")
        # A forum post and its starter message are one call, which takes no nonce: repeated
        # after a crash mid-send, it makes a second post (README, Delivery: limits).
        if self._on_render is not None:
            self._on_render(reply)
        first, *rest = render(reply)
        first.payload.pop("flags", None)
        body = {"name": name, "auto_archive_duration": THREAD_ARCHIVE_MINUTES,
                "message": first.payload}
        thread = await send(http, Route("POST", "/channels/{channel_id}/threads", channel_id=channel_id),
                            first, payload=body)
        thread_id = str(thread["id"])
        for part, message in enumerate(rest, start=1):
            message.payload.pop("flags", None)
            message.payload["nonce"] = nonce(delivery.id, part)
            message.payload["enforce_nonce"] = True
            await send(http, Route("POST", "/channels/{channel_id}/messages", channel_id=thread_id),
                       message)
        return DeliveryResult(thread_id, note=f"forum post <#{thread_id}>")

    async def group_thread(self, delivery: Delivery) -> DeliveryResult:
        user_ids, parent, reply = delivery.target.to.split(","), delivery.target.channel, delivery.reply
        if not parent:
            raise PermanentDeliveryError(
                "a group post needs a parent channel for its private thread"
            )
        # Thread creation has no nonce: a repeat after a crash mid-send makes a second thread
        # (the message inside it is still deduplicated).
        thread = await (await self.http()).request(
            Route("POST", "/channels/{channel_id}/threads", channel_id=parent),
            json={
                "name": trim(reply.title or "Pivot", THREAD_NAME_LIMIT),
                "type": PRIVATE_THREAD,
                "invitable": False,
                "auto_archive_duration": THREAD_ARCHIVE_MINUTES,
            },
        )
        thread_id = str(thread["id"])
        for user_id in user_ids:
            await (await self.http()).add_user_to_thread(thread_id, int(user_id))
        mentions = " ".join(f"<@{u}>" for u in user_ids)
        message_id = await self.post(
            thread_id, reply, content=mentions, mention_users=tuple(user_ids), nonce_of=delivery.id
        )
        return DeliveryResult(message_id, note=f"private thread <#{thread_id}>")
