"""Pivot as a Slack app: one slash command, buttons, selects, modals and @mentions, over bolt.

Every request is acknowledged first and worked on afterwards, so Slack always gets its
answer within 3 seconds however slow a command is; the result goes back through the
request's `response_url` (or the Web API when there is none). The one exception is a
modal submission, which is answered in the acknowledgement so that invalid input can be
shown inside the form; actions declared `slow=True` close the form first instead.

Retries: Slack redelivers a request (header `X-Slack-Retry-Num`) when it did not see our
acknowledgement in time. Since we acknowledge before doing any work, a retry means the
first delivery reached us and is being handled, so retried deliveries are acknowledged and
dropped. This needs no shared state, so it holds with several processes behind a load
balancer, and it is what keeps a command from being recorded or posted twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack import render
from bot.adapters.slack.client import make_client, upload_image
from bot.adapters.slack.sender import SlackSender
from bot.config import ConfigError
from bot.core.dispatch import Caller
from bot.core.messages import Reply, error_reply

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
PROFILE_TTL_SECONDS = 300.0
MAX_PROFILES = 10_000  # expired entries are dropped when the cache reaches this size
_LEADING_MENTION = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>\s*)+")


@dataclass(frozen=True)
class Profile:
    is_admin: bool
    name: str
    expires: float


class SlackAdapter:
    """Serves Slack in HTTP mode (Events API on `http.host:port` + /slack/events) or, when an
    app token is set, over Socket Mode; delivers the outbox through `sender`."""

    platform = PLATFORM

    def __init__(self, app: App) -> None:
        settings = app.settings.slack
        if settings.bot_token is None:
            raise ConfigError("slack.bot_token is not set (environment PIVOT_SLACK_BOT_TOKEN)")
        if settings.app_token is None and settings.signing_secret is None:
            raise ConfigError(
                "Slack HTTP mode needs the signing secret: set PIVOT_SLACK_SIGNING_SECRET "
                "(or PIVOT_SLACK_APP_TOKEN to use Socket Mode)"
            )
        self.app = app
        self.settings = settings
        self.prefix = settings.command + " "
        self.client = make_client(app.settings)
        self.sender = SlackSender(make_client(app.settings, retries=False))
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=settings.signing_secret.get_secret_value()
            if settings.signing_secret
            else "",
            process_before_response=False,
            logger=logging.getLogger("slack_bolt.pivot"),
        )
        self.profiles: dict[tuple[str, str], Profile] = {}
        self.port: int | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._socket: Any = None
        self._register()
        if settings.app_token is None:
            app.web.add_routes([web.post(EVENTS_PATH, self._handle_http)])
            app.web.required = True

    # --- serving ------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.open()
        await asyncio.Event().wait()  # serve until cancelled

    def is_ready(self) -> bool:
        """Receiving: the Socket Mode connection is open, or the HTTP endpoint is being served."""
        if self.settings.app_token is not None:
            return self._socket is not None
        return self.app.web.running

    async def open(self) -> None:
        """Start receiving: Socket Mode when an app token is set, else the HTTP endpoint."""
        if self.settings.app_token is not None:
            await self.open_socket()
            log.info("Slack: connected over Socket Mode")
        else:
            await self.open_http()
            log.info(
                "Slack: Events API at %s:%s%s", self.app.settings.http.host, self.port, EVENTS_PATH
            )

    async def open_socket(self) -> None:
        """Connect over Socket Mode (slack_sdk's aiohttp client; it reconnects by itself)."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert self.settings.app_token is not None
        self._socket = AsyncSocketModeHandler(
            self.bolt, self.settings.app_token.get_secret_value(), web_client=self.client
        )
        await self._socket.connect_async()

    async def open_http(self) -> int:
        """Serve the Events endpoint on Pivot's HTTP server (started here if not yet) and
        return its port (port 0 picks a free one)."""
        self.port = await self.app.web.start()
        return self.port

    async def _handle_http(self, request: web.Request) -> web.Response:
        bolt_response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)
        for task in list(self._tasks):
            task.cancel()

    async def idle(self) -> None:
        """Wait until all work started by requests so far has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- listeners ----------------------------------------------------------------------------

    def _register(self) -> None:
        bolt = self.bolt

        @bolt.middleware
        async def drop_retries(request: Any, next: Callable[[], Awaitable[BoltResponse]]) -> Any:
            # Runs after signature verification, so a forged retry still gets 401.
            if request.headers.get("x-slack-retry-num"):
                log.info(
                    "Slack: ignoring a retried delivery (attempt %s)",
                    request.headers["x-slack-retry-num"][0],
                )
                return BoltResponse(status=200, body="")
            return await next()

        @bolt.command(self.settings.command)
        async def on_command(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            self._spawn(self._guard(self._command(body), body.get("response_url")))

        @bolt.block_action(re.compile(".+"))
        async def on_action(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            await self._action(body)

        @bolt.view_submission(render.MODAL_CALLBACK)
        async def on_submit(ack: Any, body: dict[str, Any]) -> None:
            await self._submit(ack, body)

        @bolt.event("app_mention")
        async def on_mention(body: dict[str, Any]) -> None:
            self._spawn(self._guard(self._mention(body), None))

    async def _guard(self, work: Awaitable[None], response_url: str | None) -> None:
        """Background work never dies silently: log it and tell the user something went wrong."""
        try:
            await work
        except Exception:
            log.exception("Slack: handling a request failed")
            if response_url:
                reply = error_reply(
                    "Something went wrong on our side. It has been logged; please try again."
                )
                try:
                    await self._answer(reply, response_url=response_url, channel=None, user=None)
                except Exception:
                    log.exception("Slack: could not report the failure either")

    async def _command(self, body: dict[str, Any]) -> None:
        caller = await self.caller(
            body["team_id"], body["user_id"], body.get("user_name", ""), body.get("team_domain", "")
        )
        text = render.unescape(body.get("text", ""))
        reply = await self.app.dispatcher.run_text(caller, text, prefix=self.prefix)
        await self._answer(
            reply,
            response_url=body.get("response_url"),
            channel=body.get("channel_id"),
            user=body["user_id"],
        )

    async def _action(self, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        user, team = body["user"], _team_of(body)
        channel = (body.get("channel") or {}).get("id")
        response_url = body.get("response_url")
        values: dict[str, str] = {}
        if action["type"] == "button":
            value = action.get("value") or ""
            if value.startswith("{"):
                # A form button: open the form now, the trigger id is valid for 3 seconds only.
                try:
                    form = json.loads(value)["modal"]
                    submit_action = form["submit_action"]
                except (ValueError, KeyError, TypeError):  # not a form button Pivot rendered
                    log.warning("Slack: ignored a button whose form value is malformed")
                    return
                metadata = {
                    "action": submit_action,
                    "response_url": response_url,
                    "channel": channel,
                }
                try:
                    await self.client.views_open(
                        trigger_id=body["trigger_id"], view=render.modal_view(form, metadata)
                    )
                except SlackApiError as exc:  # e.g. expired_trigger_id after a slow network
                    log.warning("Slack: could not open a form: %s", exc.response.get("error"))
                    reply = error_reply(
                        "That form could not be opened in time; please click again."
                    )
                    answer = self._answer(
                        reply, response_url=response_url, channel=channel, user=user["id"]
                    )
                    self._spawn(self._guard(answer, None))
                return
            action_name = value or render.strip_suffix(action["action_id"])
        elif action["type"] == "static_select":
            action_name = render.strip_suffix(action["action_id"])
            values["value"] = action["selected_option"]["value"]
        else:
            return

        async def run() -> None:
            caller = await self.caller(
                team["id"],
                user["id"],
                user.get("username") or user.get("name", ""),
                team.get("domain", ""),
            )
            reply = await self.app.dispatcher.run_action(
                caller, action_name, values, prefix=self.prefix
            )
            await self._answer(reply, response_url=response_url, channel=channel, user=user["id"])

        self._spawn(self._guard(run(), response_url))

    async def _submit(self, ack: Any, body: dict[str, Any]) -> None:
        view = body["view"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        action_name = metadata.get("action", "")
        user, team = body["user"], _team_of(body)
        values = render.submitted_values(view)
        where = {
            "response_url": metadata.get("response_url"),
            "channel": metadata.get("channel"),
            "user": user["id"],
        }
        caller = await self.caller(
            team["id"],
            user["id"],
            user.get("username") or user.get("name", ""),
            team.get("domain", ""),
        )
        if self.app.dispatcher.action_is_slow(action_name):
            await ack(response_action="clear")

            async def run() -> None:
                reply = await self.app.dispatcher.run_action(
                    caller, action_name, values, prefix=self.prefix
                )
                await self._answer(reply, **where)

            self._spawn(self._guard(run(), where["response_url"]))
            return
        reply = await self.app.dispatcher.run_action(
            caller, action_name, values, prefix=self.prefix
        )
        if reply.error and view.get("blocks"):
            # Shown under the first field; the form stays open so nothing typed is lost.
            first = view["blocks"][0].get("block_id") or next(iter(values), "")
            await ack(
                response_action="errors",
                errors={first: render.clip(render.plain(reply.text), 2000)},
            )
            return
        await ack(response_action="clear")
        self._spawn(self._guard(self._answer(reply, **where), where["response_url"]))

    async def _mention(self, body: dict[str, Any]) -> None:
        event = body["event"]
        team = body.get("team_id") or event.get("team", "")
        text = _LEADING_MENTION.sub("", render.unescape(event.get("text", "")), count=1).strip()
        text = text.removeprefix(self.prefix).strip()
        caller = await self.caller(team, event["user"], "", "")
        reply = await self.app.dispatcher.run_text(caller, text, prefix=self.prefix)
        await self._answer(
            reply,
            response_url=None,
            channel=event["channel"],
            user=event["user"],
            thread_ts=event.get("thread_ts"),
        )

    # --- who is asking ------------------------------------------------------------------------

    async def caller(self, team_id: str, user_id: str, user_name: str, team_name: str) -> Caller:
        profile = await self.profile(team_id, user_id)
        return Caller(
            platform=PLATFORM,
            community_id=team_id,
            user_id=user_id,
            display_name=user_name or profile.name,
            community_name=team_name,
            is_admin=profile.is_admin or user_id in self.settings.admins,
        )

    async def profile(self, team_id: str, user_id: str) -> Profile:
        """Admin flag and name from users.info, cached for a few minutes per (team, user).

        A failed lookup counts as "not an admin" (and is cached only briefly): a Slack hiccup
        must not grant rights, nor block ordinary commands.
        """
        key = (team_id, user_id)
        now = time.monotonic()
        cached = self.profiles.get(key)
        if cached is not None and cached.expires > now:
            return cached
        try:
            response = await self.client.users_info(user=user_id)
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning("Slack: users.info failed for %s: %s", user_id, type(exc).__name__)
            profile = Profile(False, "", now + 10)
        else:
            user = response["user"]
            admin = bool(
                user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
            )
            name = (
                (user.get("profile") or {}).get("display_name")
                or user.get("real_name")
                or user.get("name", "")
            )
            profile = Profile(admin, name, now + PROFILE_TTL_SECONDS)
        if len(self.profiles) >= MAX_PROFILES:
            self.profiles = {k: p for k, p in self.profiles.items() if p.expires > now}
        self.profiles[key] = profile
        return profile

    # --- answering ----------------------------------------------------------------------------

    async def _answer(
        self,
        reply: Reply,
        *,
        response_url: str | None,
        channel: str | None,
        user: str | None,
        thread_ts: str | None = None,
    ) -> None:
        """Post a reply: through response_url when we have one, else the Web API
        (chat.postEphemeral for ephemeral replies in a channel, chat.postMessage otherwise)."""
        file_id: str | None = None
        if reply.image is not None:
            try:
                file_id = await upload_image(self.client, reply.image)
            except (SlackApiError, SlackClientError) as exc:
                log.warning("Slack: image upload failed: %s", exc)
        parts = render.messages(reply, file_id)
        if response_url:
            webhook = AsyncWebhookClient(response_url)
            response_type = "ephemeral" if reply.ephemeral else "in_channel"
            for index, part in enumerate(parts):
                result = await webhook.send(
                    text=part.text,
                    blocks=part.blocks,
                    response_type=response_type,
                    replace_original=False,
                )
                if result.status_code != 200:
                    log.warning("Slack: response_url refused the reply (%s)", result.status_code)
                    parts = parts[index:]
                    break
            else:
                return
        if channel is None and user is None:
            return
        for part in parts:
            if reply.ephemeral and channel and user:
                await self.client.chat_postEphemeral(
                    channel=channel, user=user, text=part.text, blocks=part.blocks
                )
            else:
                await self.client.chat_postMessage(
                    channel=channel or user,
                    text=part.text,
                    blocks=part.blocks,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                )


def _team_of(body: dict[str, Any]) -> dict[str, Any]:
    team = body.get("team") or {}
    if not team.get("id"):
        team = {"id": body.get("user", {}).get("team_id", ""), "domain": ""}
    return team
