"""A fake Slack Web API: a real aiohttp server on 127.0.0.1, port 0.

It answers the methods Pivot's Slack adapter calls, with the shapes Slack documents
(https://docs.slack.dev/reference/methods): ``auth.test``, ``users.info``,
``chat.postMessage``, ``chat.postEphemeral``, ``conversations.open``, ``views.open``,
``files.getUploadURLExternal`` (+ the upload URL it hands out) and
``files.completeUploadExternal``, ``apps.connections.open`` and the Socket Mode
websocket it points to; plus ``response_url`` endpoints. For many workspaces:
``oauth.v2.access`` (the OAuth code exchange, client credentials in HTTP Basic auth as
slack_sdk sends them) and ``auth.test`` answering for whichever workspace a token belongs
to; `install_code` scripts a code, `revoke` makes a token invalid.

Usage::

    async with FakeSlack() as fake:
        fake.add_user("U1", name="ada", admin=False)
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        fake.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)
        ...
        fake.calls_to("chat.postMessage")       # every call's arguments, in order
        await fake.wait_for(lambda: fake.responses)   # wait for something to arrive

Scripted failures are consumed in order, one per call of that method.

Like Slack, it limits ``chat.postMessage`` per channel when ``channel_rate`` is set: messages
per second per channel, with short bursts of up to ``channel_burst`` allowed (Slack: "1 per
second, short bursts allowed"), as a token bucket; a post over it gets HTTP 429
``ratelimited`` with Retry-After in whole seconds. Posted messages are kept per channel (``posted``) with their ``metadata``;
``conversations.history`` returns a channel's top-level messages newest first (a thread's
replies are not in it, as on Slack), ``conversations.replies`` a thread's parent and replies
oldest first, paged with ``cursor``; both give metadata only with ``include_all_metadata``.
``delay`` makes every Web API call take that long.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

TEAM_ID = "T0PIVOT"
BOT_USER_ID = "UPIVOTBOT"
CLIENT_ID = "1111111111.2222222222222"
CLIENT_SECRET = "fake-client-secret-5e1f"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass
class Response:
    """A message posted to a response_url."""

    key: str
    body: dict[str, Any]


@dataclass
class FakeSlack:
    team_id: str = TEAM_ID
    bot_user_id: str = BOT_USER_ID
    calls: list[Call] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_rate: float | None = None
    channel_burst: float = 2.0
    delay: float = 0.0

    def __post_init__(self) -> None:
        self.posted: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.post_times: dict[str, list[float]] = defaultdict(list)  # monotonic, per channel
        self.rate_limited = 0
        self._buckets: dict[str, tuple[float, float]] = {}  # channel → (tokens, at)
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_messages: list[dict[str, Any]] = []
        self.expired_response_urls: set[str] = set()
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        # OAuth: code → the installation it grants; token → (team id, team name, bot user).
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, tuple[str, str, str]] = {}
        self.revoked: set[str] = set()

    # --- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk sends users.info etc. as GET
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # --- scripting and inspection -------------------------------------------------------------

    def add_user(
        self, user_id: str, *, name: str = "", admin: bool = False, owner: bool = False
    ) -> None:
        name = name or user_id.lower()
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name.title(),
            "is_admin": admin,
            "is_owner": owner,
            "is_primary_owner": False,
            "is_bot": False,
            "deleted": False,
            "profile": {"display_name": name, "real_name": name.title()},
        }

    def install_code(
        self, code: str, *, team_id: str, team_name: str, bot_token: str, user: str = "UINSTALLER"
    ) -> None:
        """The code Slack hands the browser after `user` approves the install in `team_id`."""
        bot_user = "UBOT" + team_id[-4:]
        self.codes[code] = {
            "ok": True,
            "access_token": bot_token,
            "token_type": "bot",
            "scope": "commands,chat:write,im:write,mpim:write,users:read,files:write,app_mentions:read",
            "bot_user_id": bot_user,
            "app_id": "A0PIVOT",
            "team": {"id": team_id, "name": team_name},
            "enterprise": None,
            "authed_user": {"id": user},
            "is_enterprise_install": False,
        }
        self.tokens[bot_token] = (team_id, team_name, bot_user)

    def revoke(self, token: str) -> None:
        self.revoked.add(token)

    def fail_next(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._failures[method].append(Failure(error, status, retry_after))

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def responses_to(self, key: str) -> list[dict[str, Any]]:
        return [r.body for r in self.responses if r.key == key]

    async def wait_for(self, predicate: Callable[[], object], within: float = 5.0) -> None:
        """Wait until `predicate()` is true; it is re-checked whenever a request arrives."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- endpoints ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        auth = request.headers.get("Authorization", "")
        token = (
            auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.pop("token", None)
        )
        self.calls.append(Call(method, args, token))
        try:
            failures = self._failures.get(method)
            if failures:
                failure = failures.popleft()
                headers = (
                    {"Retry-After": str(failure.retry_after)}
                    if failure.retry_after is not None
                    else {}
                )
                return web.json_response(
                    {"ok": False, "error": failure.error}, status=failure.status, headers=headers
                )
            if method == "oauth.v2.access":
                return web.json_response(self._oauth_v2_access(auth, args))
            if not token:
                return web.json_response({"ok": False, "error": "not_authed"})
            if token in self.revoked:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            if self.delay:
                await asyncio.sleep(self.delay)
            if method == "chat.postMessage" and self.channel_rate:
                wait = self._pace(str(args.get("channel")))
                if wait:
                    self.rate_limited += 1
                    return web.json_response(
                        {"ok": False, "error": "ratelimited"}, status=429,
                        headers={"Retry-After": str(max(1, math.ceil(wait)))},
                    )
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            if handler is None:
                return web.json_response({"ok": False, "error": "unknown_method"})
            return web.json_response(handler({**args, "_token": token}))
        finally:
            await self._notify()

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key in self.expired_response_urls:
            await self._notify()
            return web.Response(status=404, text="expired_url")
        self.responses.append(Response(key, await request.json()))
        await self._notify()
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record what the app sends (envelope acks)."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "connection_info": {"app_id": "A0PIVOT"},
                "debug_info": {"host": "fake"},
            }
        )
        await self._notify()
        async for message in ws:
            if message.type.name == "TEXT":
                self.socket_messages.append(json.loads(message.data))
                await self._notify()
        return ws

    async def socket_send(self, envelope: dict[str, Any]) -> None:
        """Deliver an envelope (slash_commands, interactive, events_api) to the connected app."""
        await self.sockets[-1].send_json(envelope)

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        await self._notify()
        return web.Response(text="OK - 200")

    # --- methods ------------------------------------------------------------------------------

    def _oauth_v2_access(self, auth: str, args: dict[str, Any]) -> dict[str, Any]:
        """https://docs.slack.dev/reference/methods/oauth.v2.access: credentials in Basic auth
        (or the form), the code is single-use."""
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
            return {"ok": False, "error": "invalid_client_id"}
        granted = self.codes.pop(str(args.get("code", "")), None)
        return granted or {"ok": False, "error": "invalid_code"}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        team_id, team, user_id = self.tokens.get(
            args.get("_token", ""), (self.team_id, "Pivot test", self.bot_user_id)
        )
        return {
            "ok": True,
            "url": f"https://{team_id.lower()}.slack.com/",
            "team": team,
            "user": "pivot",
            "team_id": team_id,
            "user_id": user_id,
            "bot_id": "BPIVOT",
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _next_ts(self) -> str:
        return f"1772438400.{next(self._ts):06d}"

    def _pace(self, channel: str) -> float:
        """0 when this channel may take a post now (and count it), else seconds to wait."""
        assert self.channel_rate
        now = time.monotonic()
        tokens, at = self._buckets.get(channel, (self.channel_burst, now))
        tokens = min(self.channel_burst, tokens + (now - at) * self.channel_rate)
        if tokens < 1:
            self._buckets[channel] = (tokens, now)
            return (1 - tokens) / self.channel_rate
        self._buckets[channel] = (tokens - 1, now)
        return 0.0

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": "BPIVOT",
            "ts": ts,
            "text": args.get("text", ""),
        }
        metadata = args.get("metadata")
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        thread_ts = args.get("thread_ts")
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
            for parent in self.posted.get(str(args["channel"]), []):
                if parent["ts"] == thread_ts:
                    parent["thread_ts"] = parent["ts"]
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
        self.posted[str(args["channel"])].append(message)
        self.post_times[str(args["channel"])].append(time.monotonic())
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        limit = int(args.get("limit") or 100)
        newest_first = [m for m in reversed(self.posted.get(channel, []))
                        if m.get("thread_ts", m["ts"]) == m["ts"]]  # replies live in threads
        messages = [_shown(m, args) for m in newest_first[:limit]]
        return {"ok": True, "messages": messages, "has_more": len(newest_first) > limit,
                "pin_count": 0}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        thread = [m for m in self.posted.get(channel, [])
                  if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        limit = int(args.get("limit") or 1000)
        start = int(args.get("cursor") or 0)
        page = thread[start:start + limit]
        more = start + limit < len(thread)
        return {"ok": True, "messages": [_shown(m, args) for m in page], "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def all_posted(self) -> list[dict[str, Any]]:
        return [m for messages in self.posted.values() for m in messages]

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 8:
            return {"ok": False, "error": "too_many_users"}
        channel = "D" + users[0] if len(users) == 1 else "G" + "".join(u[-2:] for u in users)
        return {"ok": True, "channel": {"id": channel}}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = dict(args["view"])
        view["id"] = f"V{len(self.calls_to('views.open'))}"
        return {"ok": True, "view": view}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not args.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._files):04d}"
        return {
            "ok": True,
            "file_id": file_id,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
        }

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files") or []
        missing = [f["id"] for f in files if f["id"] not in self.uploads]
        if not files or missing:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Query, form or JSON arguments; JSON-valued fields (blocks, view, files) decoded."""
    args: dict[str, Any] = dict(request.query)  # slack_sdk sends `params=` as the query string
    if request.method == "GET":
        pass
    elif request.content_type == "application/json":
        data = await request.json()
        args.update(data if isinstance(data, dict) else {})
    else:
        args.update(await request.post())
    for key, value in list(args.items()):
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                args[key] = json.loads(value)
            except ValueError:
                pass
    return args


def _shown(message: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """A stored message as a history call returns it: metadata only when asked for."""
    if str(args.get("include_all_metadata", "")).lower() in ("1", "true"):
        return message
    return {k: v for k, v in message.items() if k != "metadata"}
