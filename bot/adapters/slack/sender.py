"""The outbox's Slack sender: channel posts, DMs and group DMs through the Web API.

The outbox is the one place that retries: this sender makes one attempt and says
whether the failure is worth retrying (`TransientDeliveryError`, with Slack's
Retry-After on a 429) or never will work (`PermanentDeliveryError`). Its client
has slack_sdk's own retry handlers removed so nothing retries twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.client import upload_image
from bot.core.messages import Reply, mention
from bot.core.outbox import (
    Delivery,
    DeliveryResult,
    PermanentDeliveryError,
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
# A group DM holds at most 8 people besides the bot.
MAX_GROUP = 8


class SlackSender:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        try:
            return await self._deliver(delivery)
        except SlackApiError as exc:
            raise classify(exc) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise TransientDeliveryError(f"network: {type(exc).__name__}: {exc}"[:500]) from None

    async def _deliver(self, delivery: Delivery) -> DeliveryResult:
        target = delivery.target
        if target.kind in ("channel", "thread"):
            # A question's message (kind "thread"): the replies go into its thread (named by its ts).
            ts = await self.post(target.to, delivery)
            thread = delivery.reply.extra.get("thread")
            if thread and thread.get("text"):
                return await self.discussion(target.to, ts, str(thread["text"]))
            return DeliveryResult(ts)
        if target.kind == "reply":
            if not target.channel:
                raise PermanentDeliveryError("a thread reply needs the thread's channel")
            return DeliveryResult(await self.post(target.channel, delivery, thread_ts=target.to))
        if target.kind == "dm":
            try:
                channel = await self._open([target.to])
            except SlackApiError as exc:
                error = _error(exc)
                if error not in DM_CLOSED_ERRORS or not target.channel:
                    raise
                # DMs closed: say it once in the fallback channel, with a mention.
                ts = await self.post(target.channel, delivery, lead=f"{mention(target.to)} ")
                return DeliveryResult(
                    ts, note=f"DM closed ({error}); posted in <#{target.channel}>"
                )
            return DeliveryResult(await self.post(channel, delivery))
        users = [u for u in target.to.split(",") if u]
        if len(users) > MAX_GROUP:
            if not target.channel:
                raise PermanentDeliveryError(
                    f"too_many_users: a group DM holds at most {MAX_GROUP}"
                )
            lead = " ".join(mention(u) for u in users) + " "
            ts = await self.post(target.channel, delivery, lead=lead)
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
            ts = await self.post(target.channel, delivery, lead=lead)
            return DeliveryResult(
                ts, note=f"group DM refused ({error}); posted in <#{target.channel}>"
            )
        return DeliveryResult(await self.post(channel, delivery))

    async def discussion(self, channel: str, ts: str, text: str) -> DeliveryResult:
        """Open the post's reply thread with a first message (a showcase card's discussion).
        The post is already out: a failure here is noted, never retried."""
        try:
            message = render.messages(Reply(text=text))[0]
            await self.client.chat_postMessage(channel=channel, thread_ts=ts, text=message.text,
                                               blocks=message.blocks, unfurl_links=False)
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
        """Post the reply (several messages if it is long) and return the first message's ts."""
        reply = delivery.reply
        if lead:
            reply = replace(reply, text=lead + reply.text)
        file_id = await upload_image(self.client, reply.image) if reply.image is not None else None
        first: str | None = None
        for message in render.messages(reply, file_id):
            extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
            response = await self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
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


def _error(exc: SlackApiError) -> str:
    data: Any = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    return "unknown_error"


def classify(exc: SlackApiError) -> Exception:
    """A Web API failure → the outbox's vocabulary."""
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
        return TransientDeliveryError("ratelimited", retry_after=retry_after)
    if error in PERMANENT_ERRORS:
        return PermanentDeliveryError(error)
    return TransientDeliveryError(f"{error} (HTTP {status})")
