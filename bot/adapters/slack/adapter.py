"""Pivot as a Slack app: one slash command, buttons, selects, modals and @mentions, over bolt.

Acknowledge first, work afterwards. Every request is acknowledged before any database
work: the work goes to a bounded pool of workers (`slack.workers`, queue `slack.queue`) and
its result comes back through the request's `response_url` (or the Web API when there is
none). When the queue is full the request is answered "Pivot is busy — try again in a
moment." at once, so a burst never piles up behind the database and acks stay fast. A modal
submission waits (up to `SUBMIT_WAIT_SECONDS`) for its own work, so that invalid input can be
shown inside the form; actions declared `slow=True` close the form first instead.

HTTP requests are checked before anything reads their body: the signature and its
timestamp (five minutes), then that this (timestamp, signature) was not seen before, in any
process (`ReplayGuard`, kept in the database). A malformed body is a 400 with one warning.

Retries: Slack redelivers a request (header `X-Slack-Retry-Num`) when it did not see our
acknowledgement in time. Since we acknowledge before doing any work, a retry means the
first delivery reached us and is being handled, so retried deliveries are acknowledged and
dropped.

One workspace (a bot token) or many (OAuth: /slack/install and /slack/oauth_redirect,
installations in the database, see `installations.py`); `app_uninstalled` and
`tokens_revoked` remove a workspace's installation, and its scheduled posts then fail with
a clear reason instead of being sent.
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

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack import render
from bot.adapters.slack.client import api_base_url, make_client, upload_image
from bot.adapters.slack.installations import (
    DatabaseInstallationStore,
    DatabaseStateStore,
    make_cipher,
)
from bot.adapters.slack.paths import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH
from bot.adapters.slack.pool import WorkPool
from bot.adapters.slack.replay import ReplayGuard, tune_connection
from bot.adapters.slack.sender import NotInstalled, SlackSender
from bot.config import ConfigError
from bot.core.db import make_engine
from bot.core.dispatch import Caller
from bot.core.forms import FORM_ACTION
from bot.core.messages import Reply, error_reply
from bot.core.outbox import community_removed

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

PLATFORM = "slack"
__all__ = ["EVENTS_PATH", "INSTALL_PATH", "REDIRECT_PATH", "SlackAdapter", "SlackRefused", "slack_routes"]
PROFILE_TTL_SECONDS = 300.0
MAX_PROFILES = 10_000  # expired entries are dropped when the cache reaches this size
INSTALL_TTL_SECONDS = 60.0  # how long a workspace's bot token is reused before asking the store
SUBMIT_WAIT_SECONDS = 2.0  # a form waits this long for its answer, within Slack's 3 seconds
BUSY = "Pivot is busy — try again in a moment."
_LEADING_MENTION = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>\s*)+")


class SlackRefused(Exception):
    """Slack refused our credentials at start (one line, no traceback)."""


@dataclass(frozen=True)
class Profile:
    is_admin: bool
    name: str
    expires: float


def slack_routes(adapter: SlackAdapter) -> list[web.RouteDef]:
    """The Slack endpoints, for whichever aiohttp application serves HTTP: events (commands,
    interactions, events) always, the install link and OAuth redirect with many workspaces."""
    routes = [web.post(EVENTS_PATH, adapter.handle_events)]
    if adapter.settings.oauth:
        routes += [
            web.get(INSTALL_PATH, adapter.handle_install),
            web.get(REDIRECT_PATH, adapter.handle_oauth_redirect),
        ]
    return routes


class SlackAdapter:
    """Serves Slack in HTTP mode (Events API on `http.host:port` + /slack/events) or, when an
    app token is set, over Socket Mode; delivers the outbox through `sender`."""

    platform = PLATFORM

    def __init__(self, app: App) -> None:
        settings = app.settings.slack
        if not settings.enabled:
            raise ConfigError(
                "Slack needs PIVOT_SLACK_BOT_TOKEN (one workspace) or PIVOT_SLACK_CLIENT_ID and "
                "PIVOT_SLACK_CLIENT_SECRET (many workspaces over OAuth)"
            )
        if settings.app_token is None and settings.signing_secret is None:
            raise ConfigError(
                "Slack HTTP mode needs the signing secret: set PIVOT_SLACK_SIGNING_SECRET "
                "(or PIVOT_SLACK_APP_TOKEN to use Socket Mode)"
            )
        self.app = app
        self.settings = settings
        self.prefix = settings.command + " "
        self.base_url = api_base_url(app.settings)
        self.store: DatabaseInstallationStore | None = None
        self._clients: dict[tuple[str, str], tuple[AsyncWebClient, AsyncWebClient, float]] = {}
        signing_secret = (
            settings.signing_secret.get_secret_value() if settings.signing_secret else ""
        )
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        # Its own connections: an ack never waits for a pool slot that busy workers hold.
        self._replay_engine = make_engine(app.settings.database.url)
        tune_connection(self._replay_engine)
        self.replays = ReplayGuard(self._replay_engine)
        self.pool = WorkPool(settings.workers, settings.queue)
        bolt_logger = logging.getLogger("slack_bolt.pivot")
        if settings.oauth:
            from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
            from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

            from bot.adapters.slack.manifest import bot_scopes

            if settings.token_key is None:
                raise ConfigError(
                    "Slack OAuth keeps bot tokens encrypted: set PIVOT_SLACK_TOKEN_KEY (make one "
                    "with `python -m bot slack-token-key`)"
                )
            assert settings.client_id is not None and settings.client_secret is not None
            self.store = DatabaseInstallationStore(
                app.session_factory,
                client_id=settings.client_id,
                cipher=make_cipher(settings.token_key.get_secret_value()),
            )
            # No token: each request and each post uses its workspace's bot token.
            self.client = AsyncWebClient(base_url=self.base_url)
            redirect = (
                settings.public_url.rstrip("/") + REDIRECT_PATH if settings.public_url else None
            )
            self.bolt = AsyncApp(
                client=self.client,
                signing_secret=signing_secret,
                installation_store=self.store,
                installation_store_bot_only=True,
                # bolt would call auth.test for every request before the ack; once per token.
                # bolt's own annotation wants a plain callable; its AsyncAuthorize classes are what it calls.
                authorize=AsyncInstallationStoreAuthorize(  # type: ignore[arg-type]
                    installation_store=self.store,
                    client_id=settings.client_id,
                    client_secret=settings.client_secret.get_secret_value(),
                    logger=bolt_logger,
                    bot_only=True,
                    cache_enabled=True,
                    client=self.client,
                ),
                oauth_settings=AsyncOAuthSettings(
                    client_id=settings.client_id,
                    client_secret=settings.client_secret.get_secret_value(),
                    scopes=bot_scopes(),
                    installation_store=self.store,
                    installation_store_bot_only=True,
                    state_store=DatabaseStateStore(app.session_factory),
                    install_path=INSTALL_PATH,
                    redirect_uri_path=REDIRECT_PATH,
                    redirect_uri=redirect,
                    authorization_url=settings.oauth_url,
                    install_page_rendering_enabled=False,
                ),
                process_before_response=False,
                logger=bolt_logger,
            )
            self.sender = SlackSender(self._sender_client)
        else:
            self.client = make_client(app.settings)
            sender_client = make_client(app.settings, retries=False)
            self.bolt = AsyncApp(
                client=self.client,
                signing_secret=signing_secret,
                process_before_response=False,
                logger=bolt_logger,
            )

            self._sender_single = sender_client

            async def single(team_id: str) -> AsyncWebClient:
                return sender_client

            self.sender = SlackSender(single)
        self.profiles: dict[tuple[str, str], Profile] = {}
        # One connection pool for every Web API and response_url call (slack_sdk otherwise
        # opens a new session, and a new connection, per call); made once a loop runs.
        self._http: aiohttp.ClientSession | None = None
        self.port: int | None = None
        self.bot_user_id: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._socket: Any = None
        self._register()
        if settings.app_token is None or settings.oauth:
            # Events in HTTP mode; the install link and OAuth redirect with many workspaces
            # (those need HTTP even in Socket Mode).
            app.web.add_routes(slack_routes(self))
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

    def _shared_session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
            self.client.session = self._http
            single = getattr(self, "_sender_single", None)
            if single is not None:
                single.session = self._http
        return self._http

    async def open(self) -> None:
        """Check the token, then start receiving: Socket Mode when an app token is set, else
        the HTTP endpoint."""
        self._shared_session()
        await self.check_token()
        self.pool.start()
        if self.settings.app_token is not None:
            await self.open_socket()
            log.info("Slack: connected over Socket Mode")
        else:
            await self.open_http()
            log.info(
                "Slack: Events API at %s:%s%s", self.app.settings.http.host, self.port, EVENTS_PATH
            )
        if self.settings.oauth:
            log.info("Slack: installs for new workspaces at %s", INSTALL_PATH)

    async def check_token(self) -> None:
        """auth.test with the bot token: a refused token stops Slack here, in one line, rather
        than at the first command. (With OAuth each workspace's token was checked when it was
        installed.) An unreachable Slack is only a warning: it may be back in a moment."""
        if self.settings.oauth:
            return
        try:
            response = await self.client.auth_test()
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "unknown_error"
            raise SlackRefused(
                f"Slack refused the bot token ({error}): check PIVOT_SLACK_BOT_TOKEN "
                "(Install App → Bot User OAuth Token, xoxb-…)"
            ) from None
        except (SlackClientError, OSError, TimeoutError) as exc:
            log.warning("Slack: could not check the bot token (%s); continuing", type(exc).__name__)
            return
        self.bot_user_id = response.get("user_id")
        log.info("Slack: bot token accepted for workspace %s", response.get("team_id"))

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
        self._shared_session()
        self.port = await self.app.web.start()
        return self.port

    async def handle_events(self, request: web.Request) -> web.Response:
        """POST /slack/events: signature, replay and body checked before bolt sees it."""
        raw = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            body = None
        if (
            body is None
            or self.verifier is None
            or not self.verifier.is_valid(body, timestamp, signature)
        ):
            log.warning("Slack: refused a request with a missing, wrong or expired signature")
            return web.Response(status=401, text="invalid signature")
        if self.replays.seen_here(timestamp, signature):
            return self._replayed(request)
        try:
            parsed = parse_body(body, request.content_type)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            log.warning("Slack: refused a signed request whose body is not a Slack payload")
            return web.Response(status=400, text="malformed body")
        if parsed.get("command") == self.settings.command and isinstance(parsed.get("team_id"), str):
            if request.headers.get("X-Slack-Retry-Num"):
                return self._retried(request)
            # Acknowledged at once: its check against other processes runs with its work.
            return self._ack_command(parsed, timestamp, signature)
        try:
            first_time = await self.replays.first_everywhere(timestamp, signature)
        except Exception as exc:  # the database is down: refuse rather than risk a replay
            log.warning("Slack: could not check a request for replay (%s)", type(exc).__name__)
            return web.Response(status=503, text="try again")
        if not first_time:
            return self._replayed(request)
        if request.headers.get("X-Slack-Retry-Num"):
            return self._retried(request)
        bolt_request = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers={k.lower(): [v] for k, v in request.headers.items()},
        )
        try:
            bolt_response = await self.bolt.async_dispatch(bolt_request)
        except Exception as exc:
            log.warning("Slack: could not handle a request (%s)", type(exc).__name__)
            log.debug("Slack: request handling traceback", exc_info=True)
            return web.Response(status=400, text="malformed request")
        return await to_aiohttp_response(bolt_response)

    @staticmethod
    def _replayed(request: web.Request) -> web.Response:
        if request.headers.get("X-Slack-Retry-Num"):
            # Slack redelivering what we already have: acknowledged, and dropped.
            log.info("Slack: ignoring a retried delivery of a request already received")
            return web.Response(status=200, text="")
        log.warning("Slack: refused a replayed request (its signature was already used)")
        return web.Response(status=401, text="replayed request")

    @staticmethod
    def _retried(request: web.Request) -> web.Response:
        # Acknowledged before (we ack before any work), so this copy is dropped.
        log.info("Slack: ignoring a retried delivery (attempt %s)", request.headers["X-Slack-Retry-Num"])
        return web.Response(status=200, text="")

    def _ack_command(self, body: dict[str, Any], timestamp: str, signature: str) -> web.Response:
        """The slash command, answered here rather than through bolt's listener chain: the ack
        is the HTTP response itself, sent without waiting for anything — not even the database
        (bolt's own path polls for the listener's ack every 10 ms). The work is queued, or the
        answer is "busy". Queued work first makes sure no other process has run the same
        signed request (a replay sent elsewhere): a replay is dropped there, unrun."""
        response_url = body.get("response_url")
        # Started now, not when a worker takes the job: recorded with every request arriving
        # meanwhile in one round trip, while the job waits its turn.
        first = asyncio.ensure_future(self.replays.first_everywhere(timestamp, signature))

        async def work() -> None:
            if not await first:
                log.warning("Slack: dropped a replayed request (its signature was already used "
                            "in another process)")
                return
            await self._command(body)

        if not self._queue(work, response_url):
            first.cancel()  # not started yet: nothing is recorded for a request never run
            log.info("Slack: work queue full; answered busy")
            return web.json_response({"text": BUSY, "response_type": "ephemeral"})
        return web.Response(status=200, text="")

    async def handle_install(self, request: web.Request) -> web.Response:
        """GET /slack/install: a fresh OAuth state, then off to Slack's authorize page."""
        assert self.bolt.oauth_flow is not None
        bolt_request = _bolt_get(request)
        return await to_aiohttp_response(await self.bolt.oauth_flow.handle_installation(bolt_request))

    async def handle_oauth_redirect(self, request: web.Request) -> web.Response:
        """GET /slack/oauth_redirect: the code exchanged (oauth.v2.access) and stored."""
        assert self.bolt.oauth_flow is not None
        bolt_request = _bolt_get(request)
        return await to_aiohttp_response(await self.bolt.oauth_flow.handle_callback(bolt_request))

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self.pool.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)
        for task in list(self._tasks):
            task.cancel()
        await self.replays.close()
        await self._replay_engine.dispose()
        if self._http is not None:
            await self._http.close()
            self._http = None
        await self.sender.aclose()

    async def idle(self) -> None:
        """Wait until all work started by requests so far has finished."""
        while self._tasks or self.pool.pending:
            await self.pool.join()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """A small tracked task outside the pool: busy answers, failure reports, and the rare
        uninstall, which must not be refused for a full queue."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _queue(self, work: Callable[[], Awaitable[None]], response_url: str | None) -> bool:
        """Hand work to the pool, guarded; False when the queue is full."""

        async def job() -> None:
            await self._guard(work(), response_url)

        return self.pool.submit(job)

    # --- workspaces ---------------------------------------------------------------------------

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """The Web API client with this workspace's bot token."""
        return (await self._clients_for(team_id))[0]

    async def _sender_client(self, team_id: str) -> AsyncWebClient:
        return (await self._clients_for(team_id))[1]

    async def _clients_for(self, team_id: str) -> tuple[AsyncWebClient, AsyncWebClient]:
        if self.store is None:
            return self.client, self.client
        now = time.monotonic()
        cached = self._clients.get(("", team_id))
        if cached is not None and cached[2] > now:
            return cached[0], cached[1]
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            self._clients.pop(("", team_id), None)
            raise NotInstalled(
                f"Pivot is not installed in Slack workspace {team_id} (uninstalled, or its "
                "token was revoked)"
            )
        session = self._shared_session()
        client = AsyncWebClient(token=bot.bot_token, base_url=self.base_url, session=session)
        sender = AsyncWebClient(token=bot.bot_token, base_url=self.base_url, session=session)
        sender.retry_handlers = []
        self._clients[("", team_id)] = (client, sender, now + INSTALL_TTL_SECONDS)
        return client, sender

    async def _forget_workspace(self, enterprise_id: str | None, team_id: str | None) -> None:
        assert self.store is not None
        await self.store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        if team_id:
            async with self.app.session_factory() as session, session.begin():
                await community_removed(
                    session, PLATFORM, team_id, now=self.app.clock.now(),
                    reason="Pivot was uninstalled from this Slack workspace; install it again "
                    "to resume posts",
                )
        self._clients.pop(("", team_id or ""), None)
        self.profiles = {k: p for k, p in self.profiles.items() if k[0] != team_id}
        log.info("Slack: workspace %s removed Pivot; its scheduled posts stop", team_id or enterprise_id)

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
            response_url = body.get("response_url")
            if self.pool.busy:
                await ack(text=BUSY, response_type="ephemeral")
                return
            await ack()
            if not self._queue(lambda: self._command(body), response_url):
                self._spawn(self._busy(body.get("team_id", ""), response_url, None, None))

        @bolt.block_action(re.compile(".+"))
        async def on_action(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            await self._action(body)

        @bolt.view_submission(render.MODAL_CALLBACK)
        async def on_submit(ack: Any, body: dict[str, Any]) -> None:
            await self._submit(ack, body)

        @bolt.event("app_mention")
        async def on_mention(body: dict[str, Any]) -> None:
            event = body.get("event") or {}
            team = body.get("team_id") or event.get("team", "")
            if not self._queue(lambda: self._mention(body), None):
                self._spawn(self._busy(team, None, event.get("channel"), event.get("user")))

        @bolt.event("message")
        async def on_message(body: dict[str, Any]) -> None:
            # message.channels / message.groups: only a member's reply in a thread matters (to
            # a question's post: that counts as answering it); the rest is dropped unread.
            event = body.get("event") or {}
            if not _member_thread_reply(event):
                return
            team = body.get("team_id") or event.get("team", "")
            if not self._queue(lambda: self._thread_reply(team, event), None):
                log.info("Slack: work queue full; a thread reply was not recorded")

        if self.settings.oauth:

            @bolt.event("app_uninstalled")
            async def on_uninstalled(body: dict[str, Any]) -> None:
                # Not through the pool: a full queue must not lose an uninstall.
                forget = self._forget_workspace(body.get("enterprise_id"), body.get("team_id"))
                self._spawn(self._guard(forget, None))

            @bolt.event("tokens_revoked")
            async def on_revoked(body: dict[str, Any]) -> None:
                tokens = (body.get("event") or {}).get("tokens") or {}
                if tokens.get("bot"):  # user tokens: Pivot keeps none
                    forget = self._forget_workspace(body.get("enterprise_id"), body.get("team_id"))
                    self._spawn(self._guard(forget, None))

    async def _busy(
        self, team_id: str, response_url: str | None, channel: str | None, user: str | None
    ) -> None:
        """Say "busy" where the request came from; no database work, and never raises."""
        log.info("Slack: work queue full; answered busy")
        try:
            await self._answer(
                team_id, Reply(text=BUSY, ephemeral=True),
                response_url=response_url, channel=channel, user=user,
            )
        except Exception as exc:
            log.warning("Slack: could not say busy (%s)", type(exc).__name__)

    async def _guard(self, work: Awaitable[None], response_url: str | None) -> None:
        """Background work never dies silently: log it and tell the user something went wrong."""
        try:
            await work
        except NotInstalled as exc:
            log.warning("Slack: %s", exc)
            if response_url:
                reply = error_reply(
                    f"Pivot is not installed in this workspace. Ask an admin to add it: "
                    f"{self.settings.public_url or ''}{INSTALL_PATH}"
                )
                try:
                    await self._answer("", reply, response_url=response_url, channel=None, user=None)
                except Exception as answer_exc:
                    log.warning("Slack: could not say so (%s)", type(answer_exc).__name__)
        except Exception:
            log.exception("Slack: handling a request failed")
            if response_url:
                reply = error_reply(
                    "Something went wrong on our side. It has been logged; please try again."
                )
                try:
                    await self._answer("", reply, response_url=response_url, channel=None, user=None)
                except Exception:
                    log.exception("Slack: could not report the failure either")

    async def _command(self, body: dict[str, Any]) -> None:
        team = body["team_id"]
        caller = await self.caller(
            team, body["user_id"], body.get("user_name", ""), body.get("team_domain", "")
        )
        text = render.unescape(body.get("text", ""))
        reply = await self.app.dispatcher.run_text(caller, text, prefix=self.prefix)
        form = next((b.modal for b in reply.buttons if b.modal is not None
                     and b.modal.submit_action.startswith(FORM_ACTION + ":")), None)
        if form is not None and body.get("trigger_id"):
            # A command typed without its inputs: open its form at once (the button stays as
            # the fallback when the trigger has expired).
            metadata = {"action": form.submit_action, "response_url": body.get("response_url"),
                        "channel": body.get("channel_id")}
            try:
                await self.client.views_open(
                    trigger_id=body["trigger_id"],
                    view=render.modal_view(render.modal_json(form), metadata),
                )
                return
            except SlackApiError as exc:
                log.warning("Slack: could not open a form: %s", exc.response.get("error"))
        await self._answer(
            team,
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
                    client = await self.client_for(team["id"])
                    await client.views_open(
                        trigger_id=body["trigger_id"], view=render.modal_view(form, metadata)
                    )
                except SlackApiError as exc:  # e.g. expired_trigger_id after a slow network
                    log.warning("Slack: could not open a form: %s", exc.response.get("error"))
                    reply = error_reply(
                        "That form could not be opened in time; please click again."
                    )
                    answer = self._answer(
                        team["id"], reply, response_url=response_url, channel=channel,
                        user=user["id"],
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
            await self._answer(
                team["id"], reply, response_url=response_url, channel=channel, user=user["id"]
            )

        if not self._queue(run, response_url):
            self._spawn(self._busy(team["id"], response_url, channel, user["id"]))

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
        first = (view.get("blocks") or [{}])[0].get("block_id") or next(iter(values), "")
        if self.pool.busy:
            # The form stays open with what was typed; pressing Submit again retries.
            await ack(response_action="errors", errors={first: BUSY})
            return

        async def caller() -> Caller:
            return await self.caller(
                team["id"],
                user["id"],
                user.get("username") or user.get("name", ""),
                team.get("domain", ""),
            )

        if self.app.dispatcher.action_is_slow(action_name):
            await ack(response_action="clear")

            async def run_slow() -> None:
                reply = await self.app.dispatcher.run_action(
                    await caller(), action_name, values, prefix=self.prefix
                )
                await self._answer(team["id"], reply, **where)

            if not self._queue(run_slow, where["response_url"]):
                self._spawn(self._busy(team["id"], where["response_url"], where["channel"], user["id"]))
            return

        # Quick actions answer inside the form: wait a moment for this one's own work.
        answered: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        late = False

        async def run() -> None:
            reply = await self.app.dispatcher.run_action(
                await caller(), action_name, values, prefix=self.prefix
            )
            if late:
                await self._answer(team["id"], reply, **where)
            else:
                answered.set_result(reply)

        async def guarded() -> None:
            try:
                await run()
            except BaseException as exc:
                if not answered.done() and not late:
                    answered.set_exception(exc)
                raise

        if not self._queue(guarded, where["response_url"]):
            await ack(response_action="errors", errors={first: BUSY})
            return
        await asyncio.wait({answered}, timeout=SUBMIT_WAIT_SECONDS)
        if not answered.done():
            late = True  # the worker answers through response_url when it finishes
            await ack(response_action="clear")
            return
        if answered.exception() is not None:
            await ack(response_action="clear")
            return
        reply = answered.result()
        if reply.error and view.get("blocks"):
            # Shown under the first field; the form stays open so nothing typed is lost.
            await ack(
                response_action="errors",
                errors={first: render.clip(render.plain(reply.text), 2000)},
            )
            return
        await ack(response_action="clear")
        self._spawn(self._guard(self._answer(team["id"], reply, **where), where["response_url"]))

    async def _mention(self, body: dict[str, Any]) -> None:
        event = body["event"]
        team = body.get("team_id") or event.get("team", "")
        text = _LEADING_MENTION.sub("", render.unescape(event.get("text", "")), count=1).strip()
        text = text.removeprefix(self.prefix).strip()
        caller = await self.caller(team, event["user"], "", "")
        reply = await self.app.dispatcher.run_text(caller, text, prefix=self.prefix)
        await self._answer(
            team,
            reply,
            response_url=None,
            channel=event["channel"],
            user=event["user"],
            thread_ts=event.get("thread_ts"),
        )

    async def _thread_reply(self, team: str, event: dict[str, Any]) -> None:
        caller = await self.caller(team, event["user"], "", "")
        await self.app.dispatcher.thread_message(caller, event["thread_ts"], channel=event.get("channel"))

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
            client = await self.client_for(team_id)
            response = await client.users_info(user=user_id)
        except NotInstalled:
            raise
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
        team_id: str,
        reply: Reply,
        *,
        response_url: str | None,
        channel: str | None,
        user: str | None,
        thread_ts: str | None = None,
    ) -> None:
        """Post a reply: through response_url when we have one, else the Web API
        (chat.postEphemeral for ephemeral replies in a channel, chat.postMessage otherwise).
        `team_id` may be "" when only `response_url` is used (it needs no token)."""
        file_id: str | None = None
        if reply.image is not None:
            try:
                file_id = await upload_image(await self.client_for(team_id), reply.image)
            except (SlackApiError, SlackClientError) as exc:
                log.warning("Slack: image upload failed: %s", exc)
        parts = render.messages(reply, file_id)
        if response_url:
            webhook = AsyncWebhookClient(response_url, session=self._shared_session())
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
        destination = channel or user
        if destination is None:
            return
        client = await self.client_for(team_id)
        for part in parts:
            if reply.ephemeral and channel and user:
                await client.chat_postEphemeral(
                    channel=channel, user=user, text=part.text, blocks=part.blocks
                )
            else:
                await client.chat_postMessage(
                    channel=destination,
                    text=part.text,
                    blocks=part.blocks,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                )


# Message subtypes a member's own reply can have (others: edits, deletions, joins, bots).
_REPLY_SUBTYPES = (None, "thread_broadcast", "file_share")


def _member_thread_reply(event: dict[str, Any]) -> bool:
    """A person's reply inside a thread (not the thread's parent message, not a bot)."""
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    return (
        event.get("subtype") in _REPLY_SUBTYPES
        and not event.get("bot_id")
        and isinstance(event.get("user"), str)
        and isinstance(thread_ts, str)
        and thread_ts != ts
    )


def _bolt_get(request: web.Request) -> AsyncBoltRequest:
    return AsyncBoltRequest(
        body="",
        query=request.query_string,
        headers={k.lower(): [v] for k, v in request.headers.items()},
    )


def _team_of(body: dict[str, Any]) -> dict[str, Any]:
    team = body.get("team") or {}
    if not team.get("id"):
        team = {"id": body.get("user", {}).get("team_id", ""), "domain": ""}
    return team
