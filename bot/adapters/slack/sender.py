"""The outbox's Slack sender: channel posts, DMs and group DMs through the Web API.

The outbox is the one place that retries: this sender makes one attempt and says
whether the failure is worth retrying (`TransientDeliveryError`, with Slack's
Retry-After on a 429, which is no failed attempt) or never will work
(`PermanentDeliveryError`). Its client has slack_sdk's own retry handlers removed so nothing
retries twice.

Slack allows about one message per second per channel: the outbox paces each destination
to that (`policy`). Slack has no idempotency key, so the outbox records "sending" before
each call and every post carries its outbox id in message metadata
(`event_type: pivot_outbox`); a row recovered mid-send (a crash, a lost answer) is looked
for in the channel's recent history by that id before it is posted again. DM channel ids
are stored (see the outbox), so a DM costs one request after the first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.client import upload_image
from bot.core.messages import Reply, mention, thread_request
from bot.core.outbox import (
    ARCHIVED,
    CHANNEL_GONE,
    DMS_CLOSED,
    NO_PERMISSION,
    NOT_IN_CHANNEL,
    REMOVED,
    Delivery,
    DeliveryResult,
    PermanentDeliveryError,
    RateLimited,
    SendPolicy,
    TransientDeliveryError,
)

log = logging.getLogger(__name__)

# Errors that no retry will fix (https://docs.slack.dev/reference/methods/chat.postMessage#errors).
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "cannot_dm_bot",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "restricted_action",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "too_many_users",
        "not_allowed_token_type",
        "ekm_access_denied",
        "team_access_not_granted",
        "channel_is_archived",
        "messages_tab_disabled",
    }
)
# Errors of opening a DM that mean "this person can't be written to privately".
DM_CLOSED_ERRORS = frozenset(
    {
        "cannot_dm_bot",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "messages_tab_disabled",
    }
)
# What an error means for the admin who set the channel (core/failnotice.py tells them the fix).
CAUSES = {
    "channel_not_found": CHANNEL_GONE,
    "is_archived": ARCHIVED,
    "channel_is_archived": ARCHIVED,
    "not_in_channel": NOT_IN_CHANNEL,
    "restricted_action": NO_PERMISSION,
} | dict.fromkeys(DM_CLOSED_ERRORS, DMS_CLOSED)
# A group DM holds at most 8 people besides the bot.
MAX_GROUP = 8
METADATA_EVENT = "pivot_outbox"
# How far back a recovered post is looked for (messages, newest first).
HISTORY_LIMIT = 100
# A thread is read oldest first: this many pages of 200 replies at most.
THREAD_PAGES = 5
# The metadata part of the first reply that opens a post's discussion thread.
DISCUSSION_PART = -1


def metadata(outbox_id: int, part: int) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": outbox_id, "part": part}}


# Slack allows about one message per second per channel; 1% under it absorbs network jitter.
PER_CHANNEL_INTERVAL = 1.01
# "Short bursts >1 allowed" (docs.slack.dev/apis/web-api/rate-limits): a channel quiet for a
# couple of seconds takes two posts at once (a challenge and its thread starter, or the first
# two rounds of a fan-out over many channels), then one a second. A 429 past that only waits.
PER_CHANNEL_BURST = 2


class NotInstalled(Exception):
    """No installation for this workspace (OAuth mode): never installed, or uninstalled."""


class SlackSender:
    """`client_for(team_id)` gives the Web API client with that workspace's bot token (one
    client for every team with a single bot token); it raises `NotInstalled` for a workspace
    that removed Pivot, and the post fails with that reason instead of being sent."""

    policy = SendPolicy(per_destination_interval=PER_CHANNEL_INTERVAL,
                        per_destination_burst=PER_CHANNEL_BURST, mark_sending=True)

    def __init__(self, client_for: Callable[[str], Awaitable[AsyncWebClient]]) -> None:
        self.client_for = client_for
        self._dm_channels: dict[str, str] = {}
        self._own_sessions: list[aiohttp.ClientSession] = []

    def _keep_alive(self, client: AsyncWebClient) -> None:
        """One HTTP session per client for all deliveries (slack_sdk opens a connection per call
        without one): created in the running loop on first use, closed by `aclose`."""
        if client.session is None or client.session.closed:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
            self._own_sessions.append(session)
            client.session = session

    async def aclose(self) -> None:
        sessions, self._own_sessions = self._own_sessions, []
        for session in sessions:
            await session.close()

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        try:
            client = await self.client_for(delivery.community_external_id)
        except NotInstalled as exc:
            raise PermanentDeliveryError(str(exc), cause=REMOVED) from None
        self._keep_alive(client)
        try:
            return await _Delivering(client, self._dm_channels).deliver(delivery)
        except SlackApiError as exc:
            raise classify(exc) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise TransientDeliveryError(
                f"network: {type(exc).__name__}: {exc}"[:500], maybe_sent=True
            ) from None



class _Delivering:
    """One delivery with one workspace's client (and the sender's known DM channels)."""

    def __init__(self, client: AsyncWebClient, dm_channels: dict[str, str]) -> None:
        self.client = client
        self._dm_channels = dm_channels

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        target = delivery.target
        if target.kind in ("channel", "thread"):
            # A question's message (kind "thread"): the replies go into its thread (named by its ts).
            ts = await self.post(target.to, delivery)
            wanted = thread_request(delivery.reply)
            if wanted is not None:
                name, opening = wanted
                return await self.discussion(target.to, ts, delivery,
                                             f"🧵 *{name}*" + (f"\n{opening}" if opening else ""))
            return DeliveryResult(ts)
        if target.kind == "reply":
            if not target.channel:
                raise PermanentDeliveryError("a thread reply needs the thread's channel")
            return DeliveryResult(await self.post(target.channel, delivery, thread_ts=target.to))
        if target.kind == "dm":
            opened: str | None = None
            try:
                channel = delivery.dm_channel or self._dm_channels.get(target.to)
                if channel is None:
                    channel = opened = await self._open([target.to])
                    self._dm_channels[target.to] = channel
                elif delivery.dm_channel is None:
                    opened = channel  # known here but not yet stored
            except SlackApiError as exc:
                error = _error(exc)
                if error not in DM_CLOSED_ERRORS or not target.channel:
                    raise
                # DMs closed: say it once in the fallback channel, with a mention.
                ts = await self.fallback_post(target.channel, delivery, lead=f"{mention(target.to)} ")
                return DeliveryResult(
                    ts, note=f"DM closed ({error}); posted in <#{target.channel}>"
                )
            return DeliveryResult(await self.post(channel, delivery), dm_channel=opened)
        users = [u for u in target.to.split(",") if u]
        if len(users) > MAX_GROUP:
            if not target.channel:
                raise PermanentDeliveryError(
                    f"too_many_users: a group DM holds at most {MAX_GROUP}"
                )
            lead = " ".join(mention(u) for u in users) + " "
            ts = await self.fallback_post(target.channel, delivery, lead=lead)
            return DeliveryResult(
                ts, note=f"group too large for a DM; posted in <#{target.channel}>"
            )
        try:
            channel = await self._open(users)
        except SlackApiError as exc:
            error = _error(exc)
            if error not in DM_CLOSED_ERRORS or not target.channel:
                raise
            # Someone in the group can't be messaged privately: introduce them in the channel.
            lead = " ".join(mention(u) for u in users) + " "
            ts = await self.fallback_post(target.channel, delivery, lead=lead)
            return DeliveryResult(
                ts, note=f"group DM refused ({error}); posted in <#{target.channel}>"
            )
        return DeliveryResult(await self.post(channel, delivery))

    async def fallback_post(self, channel: str, delivery: Delivery, *, lead: str) -> str:
        """`post` into a DM's or group's fallback channel: a refusal there is that channel's."""
        try:
            return await self.post(channel, delivery, lead=lead)
        except SlackApiError as exc:
            raise classify(exc, channel=channel) from None

    async def discussion(self, channel: str, ts: str, delivery: Delivery, text: str) -> DeliveryResult:
        """Open the post's reply thread with a first message (a showcase card's discussion).
        The post is already out: a failure here is noted, never retried. A delivery that may
        have been sent before opens the thread only if its first message is not there yet."""
        try:
            if delivery.recovering and DISCUSSION_PART in await self.find_posted(
                    channel, delivery.id, thread_ts=ts):
                return DeliveryResult(ts, note="thread started")
            message = render.messages(Reply(text=text))[0]
            await self.client.chat_postMessage(channel=channel, thread_ts=ts, text=message.text,
                                               blocks=message.blocks, unfurl_links=False,
                                               metadata=metadata(delivery.id, DISCUSSION_PART))
        except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("post %s is out but its thread reply failed: %s", ts, type(exc).__name__)
            return DeliveryResult(ts, note="thread reply failed")
        return DeliveryResult(ts, note="thread started")

    async def _open(self, users: list[str]) -> str:
        """conversations.open: one user → their DM with the bot, several → a group DM."""
        response = await self.client.conversations_open(users=",".join(users))
        return str(response["channel"]["id"])

    async def post(self, channel: str, delivery: Delivery, *, lead: str = "",
                   thread_ts: str | None = None) -> str:
        """Post the reply (several messages if it is long) and return the first message's ts.
        A delivery that may have been sent before posts only the parts not found in history."""
        reply = delivery.reply
        if lead:
            reply = replace(reply, text=lead + reply.text)
        found = (await self.find_posted(channel, delivery.id, thread_ts=thread_ts)
                 if delivery.recovering else {})
        if found:
            log.info("delivery %s: %d part(s) already in the channel; not posting them again",
                     delivery.id, len(found))
        file_id = (
            await upload_image(self.client, reply.image)
            if reply.image is not None and 0 not in found else None
        )
        first: str | None = None
        for part, message in enumerate(render.messages(reply, file_id)):
            if part in found:
                first = first or found[part]
                continue
            extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
            response = await self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                metadata=metadata(delivery.id, part),
                **extra,
            )
            first = first or str(response["ts"])
        assert first is not None
        if reply.attachment is not None:
            # A file (not an image to show inline) is shared into the conversation itself.
            await self.client.files_upload_v2(
                content=reply.attachment.data, filename=reply.attachment.filename,
                title=reply.attachment.alt or reply.attachment.filename, channel=channel,
            )
        return first

    async def find_posted(self, channel: str, outbox_id: int, *,
                          thread_ts: str | None = None) -> dict[int, str]:
        """Parts of this outbox post already in the channel's recent history (or, for a post in
        a thread, among the thread's replies, which the channel's history leaves out): part → ts."""
        found: dict[int, str] = {}
        try:
            for message in await self._recent(channel, thread_ts):
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == outbox_id:
                    found.setdefault(int(payload.get("part", 0)), str(message["ts"]))
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                raise
            log.warning("could not read history of %s to recover a post (%s); posting it",
                        channel, _error(exc))
        return found

    async def _recent(self, channel: str, thread_ts: str | None) -> list[dict[str, Any]]:
        if thread_ts is None:
            response = await self.client.conversations_history(
                channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True
            )
            return list(response.get("messages") or [])
        messages: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(THREAD_PAGES):
            response = await self.client.conversations_replies(
                channel=channel, ts=thread_ts, limit=200, include_all_metadata=True, cursor=cursor)
            messages.extend(response.get("messages") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not response.get("has_more") or not cursor:
                break
        return messages


def _error(exc: SlackApiError) -> str:
    data: Any = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    return "unknown_error"


def classify(exc: SlackApiError, *, channel: str | None = None) -> Exception:
    """A Web API failure → the outbox's vocabulary (with its cause; `channel`: the channel
    that refused when it is not the delivery's target)."""
    response = exc.response
    status = getattr(response, "status_code", 200)
    error = _error(exc)
    if status == 429 or error == "ratelimited":
        headers = getattr(response, "headers", {}) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after")
        try:
            retry_after = float(raw) if raw is not None else None
        except ValueError:
            retry_after = None
        return RateLimited("ratelimited", retry_after=retry_after if retry_after is not None else 1.0)
    if error in PERMANENT_ERRORS:
        return PermanentDeliveryError(error, cause=CAUSES.get(error), channel=channel)
    return TransientDeliveryError(f"{error} (HTTP {status})")
