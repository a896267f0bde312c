"""A fake Discord: REST API v10 and a gateway websocket on 127.0.0.1, port 0 (aiohttp.web).

The real discord.py client connects to it through `PIVOT_DISCORD_API_URL` (`api_url`)
and `PIVOT_DISCORD_GATEWAY_URL` (`gateway_url`), or finds the gateway through
`GET /gateway/bot`. Payload shapes follow Discord's developer documentation
(https://discord.com/developers/docs): READY, GUILD_CREATE, INTERACTION_CREATE,
message, channel, application and error objects.

Gateway: HELLO (op 10) → IDENTIFY (op 2) → READY + GUILD_CREATE; HEARTBEAT (op 1) →
HEARTBEAT_ACK (op 11); RESUME (op 6) → RESUMED. THREAD_CREATE when the bot creates a thread;
MESSAGE_CREATE when a member writes (`member_writes`), honouring the identified intents
(GUILD_MESSAGES to get it at all, MESSAGE_CONTENT to see its content). `zlib-stream` transport compression is
spoken when asked for (discord.py asks by default). Interactions are dispatched to the
session of the shard that owns the guild (DMs: shard 0), built the way Discord builds
them — slash-command options are typed from the commands registered with the fake.

REST: every request is recorded (`calls`); `wait_for(method, path)` waits for one
without sleeping. Errors are scriptable: `fail(...)` (any status / JSON code / 429 with
retry_after), `close_dms(user)` (sending to that user's DM channel → 403 code 50007),
and posting to a channel the fake does not know → 404 code 10003.

Rate limits, as Discord enforces them: `global_limit` (requests per second over every
authenticated REST call, a token bucket; over it → 429 with `"global": true`,
`X-RateLimit-Global`, `X-RateLimit-Scope: global` and Retry-After) and `route_limit`
((requests, seconds) per channel for message posts, announced in `X-RateLimit-Limit`,
`-Remaining`, `-Reset`, `-Reset-After` and `-Bucket` headers, as discord.py reads them).
`delay` makes every REST call take that long (a slow platform). Message nonces are honoured:
with `enforce_nonce`, a nonce the bot used in the last few minutes returns that message
instead of creating another (`nonce_replays` counts them).

    async with FakeDiscord() as fake:
        settings = Settings(discord={"token": fake.token, "api_url": fake.api_url,
                                     "gateway_url": fake.gateway_url}, ...)
        ...
        interaction = await fake.slash(fake.member("ada", admin=True), "goal add", text="Finish fast.ai")
        response = await fake.response(interaction)         # the callback body
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from aiohttp import WSMsgType, web

API = "/api/v10"
WAIT_SECONDS = 10.0
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 16)  # view, send, read history
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_GUILD
APP_PERMISSIONS = 377957174272  # what the invite asks for
SUB_COMMAND, SUB_COMMAND_GROUP, USER, CHANNEL = 1, 2, 6, 7
# Gateway intents (IDENTIFY's `intents` bit field) that decide which events a session gets.
GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 9, 1 << 15


@dataclass
class Call:
    method: str
    path: str  # below /api/v10, e.g. /channels/1/messages
    json: Any = None
    files: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


CALL = web.RequestKey("call", Call)
NONCE_WINDOW_SECONDS = 300.0  # "the past few minutes"


class _TokenBucket:
    """`rate` requests per second with bursts up to `rate` (Discord's global limit)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0 when allowed, else the seconds until a request would be."""
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class _Window:
    started: float
    used: int = 0


@dataclass
class User:
    id: str
    username: str
    permissions: int = MEMBER_PERMISSIONS

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username.capitalize(),
            "avatar": None,
        }

    def member(self) -> dict[str, Any]:
        return {
            "user": self.payload(),
            "nick": None,
            "roles": [],
            "avatar": None,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "permissions": str(self.permissions),
            "communication_disabled_until": None,
        }


@dataclass
class Interaction:
    id: str
    token: str
    payload: dict[str, Any]


@dataclass
class _Failure:
    method: str
    path: re.Pattern[str]
    status: int
    code: int
    message: str
    retry_after: float | None
    times: int


class _Session:
    """One gateway connection."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.sequence = 0
        self.shard = (0, 1)
        self.identified = asyncio.Event()
        self.identify: dict[str, Any] | None = None
        self._zlib = zlib.compressobj() if compress else None

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        sequence = None
        if op == 0:
            self.sequence += 1
            sequence = self.sequence
        body = json.dumps({"op": op, "d": data, "s": sequence, "t": event})
        if self._zlib is None:
            await self.ws.send_str(body)
        else:
            await self.ws.send_bytes(
                self._zlib.compress(body.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            )


class FakeDiscord:
    def __init__(
        self,
        *,
        guild_id: str = "810000000000000001",
        guild_name: str = "ML Switchers",
        global_limit: float | None = None,
        route_limit: tuple[int, float] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.global_limit = global_limit
        self.route_limit = route_limit
        self.delay = delay
        self._global_bucket = _TokenBucket(global_limit) if global_limit else None
        self._windows: dict[str, _Window] = {}
        self._nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self.nonce_replays = 0
        self.rate_limited = 0  # 429s answered by the limits above
        self.post_times: list[float] = []  # time.monotonic() of each message created by REST
        self._ids = itertools.count(900000000000000001)
        self.token = "fake-bot-token"
        self.bot = User("800000000000000001", "pivot")
        self.application_id = "800000000000000002"
        self.guild_id = guild_id
        self.guild_name = guild_name
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.users: dict[str, User] = {}
        self.dm_channels: dict[str, str] = {}  # user id → DM channel id
        self.closed_dms: set[str] = set()
        self.thread_members: dict[str, list[str]] = {}
        self.commands: dict[str | None, list[dict[str, Any]]] = {
            None: []
        }  # guild id (None: global)
        self.responses: dict[
            str, list[Call]
        ] = {}  # interaction token → callbacks and webhook calls
        self.calls: list[Call] = []
        self._interactions: dict[str, Interaction] = {}  # by token
        self._interaction_channel: dict[str, str] = {}
        self._original: dict[str, dict[str, Any]] = {}
        self.sessions: list[_Session] = []
        self._failures: list[_Failure] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.add_channel("general")

    # --- setup ------------------------------------------------------------------------------

    def next_id(self) -> str:
        return str(next(self._ids))

    def add_channel(self, name: str, *, channel_id: str | None = None, kind: int = 0) -> str:
        channel_id = channel_id or self.next_id()
        self.channels[channel_id] = {
            "id": channel_id,
            "type": kind,
            "guild_id": self.guild_id,
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }
        return channel_id

    def channel(self, name: str) -> str:
        return next(cid for cid, c in self.channels.items() if c.get("name") == name)

    def member(self, username: str, *, admin: bool = False, permissions: int | None = None) -> User:
        for user in self.users.values():
            if user.username == username:
                return user
        user = User(
            self.next_id(),
            username,
            permissions
            if permissions is not None
            else ADMIN_PERMISSIONS
            if admin
            else MEMBER_PERMISSIONS,
        )
        self.users[user.id] = user
        return user

    def limit(
        self, *, global_per_second: float | None = None, route: tuple[int, float] | None = None
    ) -> None:
        """Enforce Discord's global limit and/or a per-channel message bucket from now on."""
        self.global_limit = global_per_second
        self._global_bucket = _TokenBucket(global_per_second) if global_per_second else None
        self.route_limit = route

    def close_dms(self, user: User) -> None:
        self.closed_dms.add(user.id)

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int,
        code: int = 0,
        message: str = "error",
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests matching `method` and the `path` regex get this error."""
        self._failures.append(
            _Failure(method, re.compile(path), status, code, message, retry_after, times)
        )

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self._gateway)
        r = app.router
        r.add_get(API + "/gateway/bot", self._gateway_bot)
        r.add_get(API + "/users/@me", self._me)
        r.add_get(API + "/oauth2/applications/@me", self._application)
        r.add_put(API + "/applications/{app}/commands", self._put_commands)
        r.add_put(API + "/applications/{app}/guilds/{guild}/commands", self._put_commands)
        r.add_post(API + "/interactions/{id}/{token}/callback", self._interaction_callback)
        r.add_patch(API + "/webhooks/{app}/{token}/messages/@original", self._webhook)
        r.add_delete(API + "/webhooks/{app}/{token}/messages/@original", self._webhook)
        r.add_post(API + "/webhooks/{app}/{token}", self._webhook)
        r.add_post(API + "/users/@me/channels", self._open_dm)
        r.add_post(API + "/channels/{channel}/messages", self._post_message)
        r.add_get(API + "/channels/{channel}", self._get_channel)
        r.add_post(API + "/channels/{channel}/threads", self._create_thread)
        r.add_post(API + "/channels/{channel}/messages/{message}/threads", self._start_thread)
        r.add_put(API + "/channels/{channel}/thread-members/{user}", self._add_thread_member)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for session in self.sessions:
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- waiting ----------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _until(self, check: Callable[[], Any], what: str) -> Any:
        async def wait() -> Any:
            async with self._changed:
                while not (result := check()):
                    await self._changed.wait()
                return result

        try:
            return await asyncio.wait_for(wait(), WAIT_SECONDS)
        except TimeoutError:
            raise AssertionError(f"fake Discord: timed out waiting for {what}") from None

    async def wait_for(self, method: str, path: str, *, count: int = 1) -> list[Call]:
        """The first `count` recorded calls matching method and path regex, once there are that many."""
        pattern = re.compile(path)

        def found() -> list[Call]:
            hits = [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]
            return hits[:count] if len(hits) >= count else []

        return await self._until(found, f"{count}× {method} {path}")

    async def wait_identified(self, *, since: int = 0, count: int = 1) -> list[_Session]:
        """Until `count` gateway sessions opened after the first `since` have identified
        (READY and GUILD_CREATE sent)."""

        def ready() -> list[_Session]:
            done = [s for s in self.sessions[since:] if s.identified.is_set()]
            return done if len(done) >= count else []

        return await self._until(ready, f"{count} new identified gateway session(s)")

    async def response(self, interaction: Interaction, *, count: int = 1) -> list[Call]:
        """The first `count` calls answering this interaction (callback, edits, follow-ups)."""
        return await self._until(
            lambda: (
                self.responses.get(interaction.token, [])[:count]
                if len(self.responses.get(interaction.token, [])) >= count
                else []
            ),
            f"{count} response(s) to interaction {interaction.id}",
        )

    # --- REST -------------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API):
            return await handler(request)
        call = Call(request.method, request.path[len(API) :], headers=dict(request.headers))
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    call.json = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    call.files.append(
                        {
                            "name": part.name,
                            "filename": part.filename,  # type: ignore[union-attr]
                            "data": await part.read(),
                        }
                    )  # type: ignore[union-attr]
        elif request.can_read_body:
            call.json = await request.json()
        request[CALL] = call
        self.calls.append(call)
        try:
            if (
                request.headers.get("Authorization") != f"Bot {self.token}"
                and "/interactions/" not in call.path
                and "/webhooks/" not in call.path
            ):
                return self._error(401, 0, "401: Unauthorized")
            if self._global_bucket is not None and "/interactions/" not in call.path \
                    and "/webhooks/" not in call.path:
                wait = self._global_bucket.take()
                if wait:
                    self.rate_limited += 1
                    return self._json(
                        {"message": "You are being rate limited.", "retry_after": round(wait, 3),
                         "global": True, "code": 0},
                        status=429,
                        headers={"Via": "1.1 google", "Retry-After": f"{wait:.3f}",
                                 "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
                    )
            if self.delay:
                await asyncio.sleep(self.delay)
            for failure in self._failures:
                if (
                    failure.times > 0
                    and failure.method == request.method
                    and failure.path.fullmatch(call.path)
                ):
                    failure.times -= 1
                    if failure.status == 429:
                        body = {
                            "message": "You are being rate limited.",
                            "retry_after": failure.retry_after or 0.01,
                            "global": False,
                        }
                        return self._json(
                            body,
                            status=429,
                            headers={
                                "Via": "1.1 google",
                                "Retry-After": str(failure.retry_after or 0.01),
                                "X-RateLimit-Scope": "user",
                            },
                        )
                    return self._error(failure.status, failure.code, failure.message)
            return await handler(request)
        finally:
            await self._notify()

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly "application/json", as Discord sends it: discord.py parses nothing else.
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def _error(cls, status: int, code: int, message: str) -> web.Response:
        return cls._json({"code": code, "message": message}, status=status)

    async def _me(self, _request: web.Request) -> web.Response:
        return self._json(self.bot.payload() | {"bot": True})

    async def _gateway_bot(self, _request: web.Request) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _application(self, _request: web.Request) -> web.Response:
        return self._json(
            {
                "id": self.application_id,
                "name": "Pivot",
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": self.bot.payload(),
                "team": None,
                "bot": self.bot.payload(),
                "rpc_origins": [],
                "hook": True,
                "interactions_endpoint_url": None,
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        payload = request[CALL].json
        guild = request.match_info.get("guild")
        stored = [
            dict(
                c,
                id=self.next_id(),
                application_id=self.application_id,
                version=self.next_id(),
                **({"guild_id": guild} if guild else {}),
            )
            for c in payload
        ]
        self.commands[guild] = stored
        return self._json(stored)

    def _message(
        self,
        channel_id: str,
        body: dict[str, Any],
        files: Iterable[dict[str, Any]] = (),
        *,
        interaction: Interaction | None = None,
    ) -> dict[str, Any]:
        message = {
            "id": self.next_id(),
            "channel_id": channel_id,
            "type": 20 if interaction else 0,
            "content": body.get("content", ""),
            "author": self.bot.payload() | {"bot": True},
            "embeds": body.get("embeds", []),
            "components": body.get("components", []),
            "attachments": [
                {
                    "id": self.next_id(),
                    "filename": f["filename"],
                    "size": len(f["data"]),
                    "url": f"https://cdn.example/{f['filename']}",
                    "proxy_url": f"https://cdn.example/{f['filename']}",
                }
                for f in files
            ],
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "flags": body.get("flags", 0),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if channel_id in self.channels and "guild_id" in self.channels[channel_id]:
            message["guild_id"] = self.channels[channel_id]["guild_id"]
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def _route_headers(self, channel_id: str) -> tuple[dict[str, str], float]:
        """This channel's message bucket: its headers, and the wait when it is exhausted."""
        if self.route_limit is None:
            return {}, 0.0
        limit, per = self.route_limit
        now = time.monotonic()
        window = self._windows.get(channel_id)
        if window is None or now - window.started >= per:
            window = self._windows[channel_id] = _Window(now)
        reset_after = max(window.started + per - now, 0.0)
        if window.used >= limit:
            return {}, reset_after or 0.001
        window.used += 1
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - window.used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"messages-{channel_id}",
        }, 0.0

    async def _post_message(self, request: web.Request) -> web.Response:
        call: Call = request[CALL]
        channel_id = request.match_info["channel"]
        channel = self.channels.get(channel_id)
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        if channel["type"] == 1 and channel["recipients"][0]["id"] in self.closed_dms:
            return self._error(403, 50007, "Cannot send messages to this user")
        headers, wait = self._route_headers(channel_id)
        if wait:
            self.rate_limited += 1
            return self._json(
                {"message": "You are being rate limited.", "retry_after": round(wait, 3),
                 "global": False, "code": 0},
                status=429,
                headers={"Via": "1.1 google", "Retry-After": f"{wait:.3f}",
                         "X-RateLimit-Scope": "user", "X-RateLimit-Bucket": f"messages-{channel_id}"},
            )
        body = call.json or {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            key = (self.bot.id, str(nonce))
            seen = self._nonces.get(key)
            if seen is not None and time.monotonic() - seen[0] < NONCE_WINDOW_SECONDS:
                self.nonce_replays += 1
                return self._json(seen[1], headers=headers)
        message = self._message(channel_id, body, call.files)
        self.post_times.append(time.monotonic())
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(self.bot.id, str(nonce))] = (time.monotonic(), message)
        return self._json(message, headers=headers)

    def posted(self) -> list[dict[str, Any]]:
        """Every message created by REST posts, over all channels."""
        return [m for messages in self.messages.values() for m in messages]

    async def _open_dm(self, request: web.Request) -> web.Response:
        return self._json(self.channels[self.open_dm(str(request[CALL].json["recipient_id"]))])

    def open_dm(self, user_id: str) -> str:
        """The DM channel with this user (opened now if new), as POST /users/@me/channels does."""
        user = self.users.get(user_id) or User(user_id, f"user{user_id[-4:]}")
        channel_id = self.dm_channels.get(user_id)
        if channel_id is None:
            channel_id = self.dm_channels[user_id] = self.next_id()
            self.channels[channel_id] = {
                "id": channel_id,
                "type": 1,
                "recipients": [user.payload()],
                "last_message_id": None,
                "flags": 0,
            }
        return channel_id

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["channel"])
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        return self._json(channel)

    async def _create_thread(self, request: web.Request) -> web.Response:
        parent = request.match_info["channel"]
        if parent not in self.channels:
            return self._error(404, 10003, "Unknown Channel")
        body = request[CALL].json
        forum = self.channels[parent]["type"] in (15, 16)
        if forum and not isinstance(body.get("message"), dict):
            return self._error(400, 50035, "Invalid Form Body: message is required in a forum")
        thread_id = self.next_id()
        self.channels[thread_id] = {
            "id": thread_id,
            "type": body.get("type", 11),
            "guild_id": self.guild_id,
            "parent_id": parent,
            "name": body["name"],
            "owner_id": self.bot.id,
            "member_count": 1,
            "message_count": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "last_message_id": None,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 4320),
                "archive_timestamp": datetime.now(UTC).isoformat(),
                "locked": False,
                "invitable": body.get("invitable", True),
            },
        }
        self.thread_members[thread_id] = [self.bot.id]
        await self._thread_created(thread_id)
        if forum:
            # A forum post's starter message shares the thread's id.
            message = self._message(thread_id, body["message"], request[CALL].files)
            message["id"] = thread_id
            return self._json(self.channels[thread_id] | {"message": message}, status=201)
        return self._json(self.channels[thread_id], status=201)

    async def _start_thread(self, request: web.Request) -> web.Response:
        """Start Thread from Message: a public thread whose id is the message's id."""
        parent = request.match_info["channel"]
        message_id = request.match_info["message"]
        if parent not in self.channels:
            return self._error(404, 10003, "Unknown Channel")
        if not any(m["id"] == message_id for m in self.messages.get(parent, [])):
            return self._error(404, 10008, "Unknown Message")
        if message_id in self.channels:
            return self._error(400, 160004, "A thread has already been created for this message")
        body = request[CALL].json or {}
        if not 1 <= len(body.get("name", "")) <= 100:
            return self._error(400, 50035, "Invalid Form Body")
        self.channels[message_id] = {
            "id": message_id,
            "type": 11,
            "guild_id": self.guild_id,
            "parent_id": parent,
            "name": body["name"],
            "owner_id": self.bot.id,
            "member_count": 1,
            "message_count": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "last_message_id": None,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 4320),
                "archive_timestamp": datetime.now(UTC).isoformat(),
                "locked": False,
            },
        }
        self.thread_members[message_id] = [self.bot.id]
        await self._thread_created(message_id)
        return self._json(self.channels[message_id], status=201)

    async def _add_thread_member(self, request: web.Request) -> web.Response:
        thread = request.match_info["channel"]
        if thread not in self.thread_members:
            return self._error(404, 10003, "Unknown Channel")
        self.thread_members[thread].append(request.match_info["user"])
        return web.Response(status=204)

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        call: Call = request[CALL]
        token = request.match_info["token"]
        if self.responses.get(token):
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        self.responses[token] = [call]
        body = call.json or {}
        if body.get("type") == 4:
            self._original[token] = self._message(
                self._interaction_channel.get(token, "0"),
                body.get("data", {}),
                call.files,
                interaction=self._interactions[token],
            )
        return web.Response(status=204)

    async def _webhook(self, request: web.Request) -> web.Response:
        call: Call = request[CALL]
        token = request.match_info["token"]
        if request.match_info["app"] != self.application_id or token not in self._interactions:
            return self._error(404, 10015, "Unknown Webhook")
        if not self.responses.get(token):
            return self._error(404, 10008, "Unknown Message")  # nothing to edit before the callback
        self.responses[token].append(call)
        channel = self._interaction_channel.get(token, "0")
        if request.method == "DELETE":
            self._original.pop(token, None)
            return web.Response(status=204)
        if request.method == "PATCH":
            message = self._message(
                channel, call.json or {}, call.files, interaction=self._interactions[token]
            )
            self._original[token] = message
            return self._json(message)
        return self._json(
            self._message(
                channel, call.json or {}, call.files, interaction=self._interactions[token]
            )
        )

    def original(self, interaction: Interaction) -> dict[str, Any]:
        """The message an interaction's response created (after a type 4 or an edit)."""
        return self._original[interaction.token]

    # --- gateway ----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if request.query.get("v") != "10" or request.query.get("encoding") != "json":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        session = _Session(ws, request.query.get("compress") == "zlib-stream")
        self.sessions.append(session)
        await session.send(10, {"heartbeat_interval": 41250})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await session.send(11, None)
            elif op == 2:
                await self._identify(session, data["d"])
            elif op == 6:
                await session.send(0, {}, "RESUMED")
        await self._notify()
        return ws

    async def _identify(self, session: _Session, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        session.identify = data
        session.shard = tuple(data.get("shard") or (0, 1))  # type: ignore[assignment]
        guilds = (
            [self.guild_id]
            if self._shard_of(self.guild_id, session.shard[1]) == session.shard[0]
            else []
        )
        await session.send(
            0,
            {
                "v": 10,
                "user": self.bot.payload()
                | {"bot": True, "verified": True, "flags": 0, "mfa_enabled": False},
                "guilds": [{"id": g, "unavailable": True} for g in guilds],
                "session_id": f"session-{len(self.sessions)}",
                "resume_gateway_url": self.gateway_url,
                "shard": list(session.shard),
                "application": {"id": self.application_id, "flags": 0},
            },
            "READY",
        )
        for _ in guilds:
            await session.send(0, self._guild_payload(), "GUILD_CREATE")
        session.identified.set()
        await self._notify()

    async def _thread_created(self, thread_id: str) -> None:
        """THREAD_CREATE (GUILDS intent): the bot created it, so the bot is told."""
        for session in self._owning_sessions():
            if self._intents(session) & GUILDS:
                await session.send(0, self.channels[thread_id] | {"newly_created": True}, "THREAD_CREATE")

    @staticmethod
    def _intents(session: _Session) -> int:
        return int((session.identify or {}).get("intents") or 0)

    async def member_writes(self, user: User, channel_id: str, content: str) -> dict[str, Any]:
        """`user` posts a message in a channel or thread of the guild, from Discord's own client.

        MESSAGE_CREATE goes to the shard session that owns the guild, as Discord sends it: only
        to a session that identified with GUILD_MESSAGES, and with the content (also embeds,
        attachments, components) only with MESSAGE_CONTENT, a privileged intent."""
        assert channel_id in self.channels, f"fake Discord: no channel {channel_id}"
        self.users.setdefault(user.id, user)
        member = {k: v for k, v in user.member().items() if k not in ("user", "permissions")}
        message = {
            "id": self.next_id(),
            "channel_id": channel_id,
            "guild_id": self.guild_id,
            "type": 0,
            "content": content,
            "author": user.payload(),
            "member": member,
            "embeds": [],
            "components": [],
            "attachments": [],
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "flags": 0,
        }
        self.messages.setdefault(channel_id, []).append(message)
        for session in self._owning_sessions():
            intents = self._intents(session)
            if intents & GUILD_MESSAGES:
                seen = message if intents & MESSAGE_CONTENT else message | {"content": ""}
                await session.send(0, seen, "MESSAGE_CREATE")
        return message

    def _owning_sessions(self) -> list[_Session]:
        live = [s for s in self.sessions if s.identified.is_set() and not s.ws.closed]
        return [s for s in live if self._shard_of(self.guild_id, s.shard[1]) == s.shard[0]][-1:]

    async def remove_guild(self) -> None:
        """The bot is kicked: GUILD_DELETE without `unavailable` (an outage would carry
        `unavailable: true`), to the session of the shard that owns the guild."""
        for session in self._owning_sessions():
            await session.send(0, {"id": self.guild_id}, "GUILD_DELETE")

    async def rejoin_guild(self) -> None:
        """The bot is invited again: GUILD_CREATE for a guild it is not in (no `unavailable`
        key: that is how a join differs from a guild coming back after an outage)."""
        payload = {k: v for k, v in self._guild_payload().items() if k != "unavailable"}
        for session in self._owning_sessions():
            await session.send(0, payload, "GUILD_CREATE")

    @staticmethod
    def _shard_of(guild_id: str, shard_count: int) -> int:
        return (int(guild_id) >> 22) % shard_count

    def _guild_payload(self) -> dict[str, Any]:
        return {
            "id": self.guild_id,
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.bot.id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "roles": [
                {
                    "id": self.guild_id,
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(self.users) + 1,
            "voice_states": [],
            "members": [],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"}
                for c in self.channels.values()
                if c.get("guild_id") == self.guild_id and c["type"] in (0, 5)
            ],
        }

    # --- interactions -----------------------------------------------------------------------

    def _new_interaction(
        self,
        kind: int,
        user: User,
        data: dict[str, Any] | None,
        *,
        channel_id: str | None = None,
        message: dict[str, Any] | None = None,
        in_dm: bool = False,
    ) -> Interaction:
        interaction_id, token = self.next_id(), f"token-{self.next_id()}"
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": self.application_id,
            "type": kind,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(APP_PERMISSIONS),
        }
        if data is not None:
            payload["data"] = data
        if in_dm:
            channel_id = channel_id or self.dm_channels.get(user.id) or self.next_id()
            payload |= {
                "user": user.payload(),
                "context": 1,
                "channel_id": channel_id,
                "channel": {
                    "id": channel_id,
                    "type": 1,
                    "recipients": [user.payload()],
                    "last_message_id": None,
                    "flags": 0,
                },
                "authorizing_integration_owners": {"0": self.guild_id},
            }
        else:
            channel_id = channel_id or self.channel("general")
            channel = self.channels[channel_id]
            payload |= {
                "guild_id": self.guild_id,
                "guild": {"id": self.guild_id, "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "member": user.member(),
                "context": 0,
                "channel_id": channel_id,
                "channel": channel | {"permissions": str(user.permissions)},
                "authorizing_integration_owners": {"0": self.guild_id},
            }
        if message is not None:
            payload["message"] = message
        interaction = Interaction(interaction_id, token, payload)
        self._interactions[token] = interaction
        self._interaction_channel[token] = channel_id
        return interaction

    async def dispatch(self, interaction: Interaction) -> Interaction:
        """Send INTERACTION_CREATE to the shard session that owns the interaction's guild."""
        guild = interaction.payload.get("guild_id")
        live = [s for s in self.sessions if s.identified.is_set() and not s.ws.closed]
        for session in reversed(live):  # the newest session of a shard is the one in use
            if (
                self._shard_of(guild, session.shard[1]) == session.shard[0]
                if guild
                else session.shard[0] == 0
            ):
                await session.send(0, interaction.payload, "INTERACTION_CREATE")
                return interaction
        raise AssertionError("fake Discord: no identified gateway session for this interaction")

    def _registered(self, name: str) -> dict[str, Any]:
        for command in [*self.commands.get(self.guild_id, []), *self.commands[None]]:
            if command["name"] == name:
                return command
        raise AssertionError(f"fake Discord: /{name} is not registered")

    def command_data(
        self, path: str, values: dict[str, Any], *, focused: str | None = None
    ) -> dict[str, Any]:
        """An application command's `data` as Discord builds it from what a user typed."""
        words = path.split()
        command = self._registered(words[0])
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "guild_id": self.guild_id,
        }
        level, holder = command, data
        for word in words[1:]:
            option = next(o for o in level.get("options", []) if o["name"] == word)
            entry: dict[str, Any] = {"name": word, "type": option["type"], "options": []}
            holder.setdefault("options", []).append(entry)
            level, holder = option, entry
        resolved: dict[str, dict[str, Any]] = {}
        options = []
        for spec in level.get("options", []):
            name = spec["name"]
            if name not in values:
                if spec.get("required") and focused is None:
                    raise AssertionError(
                        f"fake Discord: Discord would not send /{path} without {name}"
                    )
                continue
            value = values[name]
            if spec["type"] == USER:
                user: User = value
                value = user.id
                resolved.setdefault("users", {})[user.id] = user.payload()
                resolved.setdefault("members", {})[user.id] = {
                    k: v for k, v in user.member().items() if k != "user"
                }
            elif spec["type"] == CHANNEL:
                channel = self.channels[value]
                resolved.setdefault("channels", {})[value] = {
                    "id": value,
                    "name": channel["name"],
                    "type": channel["type"],
                    "permissions": "0",
                }
            elif "choices" in spec and value not in [c["value"] for c in spec["choices"]]:
                raise AssertionError(f"fake Discord: {value!r} is not a choice of {name}")
            entry = {"name": name, "type": spec["type"], "value": value}
            if name == focused:
                entry["focused"] = True
            options.append(entry)
        holder["options"] = options
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash(self, user: User, path: str, **values: Any) -> Interaction:
        """A member runs `/path` with these option values (Users for user options, ids for channels)."""
        return await self.dispatch(self._new_interaction(2, user, self.command_data(path, values)))

    async def autocomplete(self, user: User, path: str, focused: str, **values: Any) -> Interaction:
        data = self.command_data(path, values, focused=focused)
        return await self.dispatch(self._new_interaction(4, user, data))

    async def click(
        self,
        user: User,
        message: dict[str, Any],
        custom_id: str,
        *,
        values: list[str] | None = None,
    ) -> Interaction:
        """A member presses a button (or picks `values` in a select) on a message."""
        components = [c for row in message.get("components", []) for c in row["components"]]
        component = next((c for c in components if c.get("custom_id") == custom_id), None)
        if component is None:
            raise AssertionError(f"fake Discord: no component {custom_id!r} on that message")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        in_dm = self.channels.get(message["channel_id"], {}).get("type") == 1
        interaction = self._new_interaction(
            3, user, data, channel_id=message["channel_id"], message=message, in_dm=in_dm
        )
        return await self.dispatch(interaction)

    async def submit(
        self,
        user: User,
        modal: dict[str, Any],
        values: dict[str, str],
        *,
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        """A member fills in and submits a modal (the `data` of a type 9 callback)."""
        rows = [
            {
                "type": 1,
                "components": [
                    {"type": 4, "custom_id": c["custom_id"], "value": values[c["custom_id"]]}
                ],
            }
            for row in modal["components"]
            for c in row["components"]
            if c["custom_id"] in values
        ]
        data = {"custom_id": modal["custom_id"], "components": rows}
        channel_id = message["channel_id"] if message else None
        in_dm = bool(message) and self.channels.get(channel_id or "", {}).get("type") == 1
        return await self.dispatch(
            self._new_interaction(
                5, user, data, channel_id=channel_id, message=message, in_dm=in_dm
            )
        )
