"""The real bolt app on a local port, a fake Slack Web API, and a harness that sends
correctly signed requests shaped like Slack's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import SlackAdapter
from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.commands import ANYONE, ActionRequest, CommandGroup, action_id
from bot.core.context import Context
from bot.core.errors import InvalidInput
from bot.core.messages import Button, Image, Modal, Reply, Select, SelectOption, TextInput
from tests.fakes.slack import TEAM_ID, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@dataclass
class Probe:
    """Test-only commands with a button, a select, a form and a chart, recording what reached them."""

    group: CommandGroup
    clicks: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    # `probe slow` waits for this: a command that takes as long as the test wants.
    gate: asyncio.Event = field(default_factory=asyncio.Event)


def make_probe() -> Probe:
    group = CommandGroup("probe", "Test-only interactive replies")
    probe = Probe(group)

    @group.command("buttons", "A reply with a button, a form button and a select")
    async def buttons(ctx: Context) -> Reply:
        return Reply(
            title="Pick one",
            text="How did it go?",
            buttons=(
                Button("Done", action_id("probe.click", 7, "done"), style="success"),
                Button(
                    "Add a note",
                    action_id("probe.note_open", 7),
                    modal=Modal(
                        "Add a note",
                        action_id("probe.note", 7),
                        (TextInput("note", "What did you do?", placeholder="Read chapter 3"),),
                    ),
                ),
            ),
            selects=(
                Select(
                    "Level",
                    action_id("probe.level"),
                    (SelectOption("Easy", "easy"), SelectOption("Hard", "hard")),
                ),
            ),
        )

    @group.command("slow", "A command that takes until the test opens the gate", slow=True)
    async def slow(ctx: Context) -> Reply:
        await probe.gate.wait()
        return Reply(text="Finally done.")

    @group.command("chart", "A reply with an image")
    async def chart(ctx: Context) -> Reply:
        return Reply(
            title="Your week", image=Image("week.png", PNG, alt="Goals progress this week")
        )

    @group.action("click", audience=ANYONE)
    async def click(ctx: Context, req: ActionRequest) -> Reply:
        probe.clicks.append((ctx.member.platform_user_id, req.args))
        return Reply(text=f"Marked {req.args[1]} for #{req.args[0]}.", ephemeral=True)

    @group.action("level", audience=ANYONE)
    async def level(ctx: Context, req: ActionRequest) -> Reply:
        probe.clicks.append((ctx.member.platform_user_id, ("level", req.values["value"])))
        return Reply(text=f"Level set to {req.values['value']}.", ephemeral=True)

    @group.action("note", audience=ANYONE)
    async def note(ctx: Context, req: ActionRequest) -> Reply:
        text = req.values.get("note", "").strip()
        if len(text) < 3:
            raise InvalidInput("Say a bit more about what you did.")
        probe.notes.append((ctx.member.platform_user_id, text))
        return Reply(text=f"Noted for #{req.args[0]}: {text}")

    return probe


@dataclass
class Sent:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class SlackHarness:
    """Sends Slack-shaped, signed requests to the adapter's /slack/events endpoint."""

    def __init__(self, app: App, adapter: SlackAdapter, fake: FakeSlack, probe: Probe) -> None:
        self.app = app
        self.adapter = adapter
        self.fake = fake
        self.probe = probe
        self.url = f"http://127.0.0.1:{adapter.port}/slack/events"
        self.signer = SignatureVerifier(SIGNING_SECRET)
        self._triggers = 0

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        retry: int | None = None,
    ) -> Sent:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature
            or self.signer.generate_signature(timestamp=ts, body=body),
        }
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body.encode(), headers=headers) as response,
        ):
            return Sent(response.status, await response.text())

    def trigger_id(self) -> str:
        self._triggers += 1
        return f"1337.42.trigger{self._triggers}"

    def command_body(
        self,
        text: str,
        *,
        user: str = "U1",
        user_name: str = "ada",
        response_key: str = "r1",
        channel: str = "C0GENERAL",
    ) -> str:
        return urlencode(
            {
                "token": "deprecated-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "pivot-test",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user_name,
                "command": self.app.settings.slack.command,
                "text": text,
                "api_app_id": "A0PIVOT",
                "is_enterprise_install": "false",
                "response_url": self.fake.response_url(response_key),
                "trigger_id": self.trigger_id(),
            }
        )

    async def command(self, text: str, **kwargs: Any) -> Sent:
        retry = kwargs.pop("retry", None)
        return await self.send(
            self.command_body(text, **kwargs), "application/x-www-form-urlencoded", retry=retry
        )

    async def command_reply(self, text: str, *, key: str = "r1", **kwargs: Any) -> dict[str, Any]:
        """Run a command and return the message that arrives at its response_url."""
        before = len(self.fake.responses_to(key))
        sent = await self.command(text, response_key=key, **kwargs)
        assert sent.status == 200, sent
        # Generous: a first chart imports matplotlib, which takes seconds on a loaded machine.
        await self.fake.wait_for(lambda: len(self.fake.responses_to(key)) > before, within=20)
        return self.fake.responses_to(key)[before]

    async def interact(self, payload: dict[str, Any]) -> Sent:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded")

    def _who(self, user: str, user_name: str) -> dict[str, Any]:
        return {"id": user, "username": user_name, "name": user_name, "team_id": TEAM_ID}

    async def click(
        self,
        element: dict[str, Any],
        *,
        user: str = "U1",
        user_name: str = "ada",
        response_key: str = "click",
        selected: str | None = None,
    ) -> Sent:
        """A block_actions payload for pressing `element` (a button or static_select as rendered)."""
        action: dict[str, Any] = {
            "action_id": element["action_id"],
            "block_id": "b1",
            "type": element["type"],
            "action_ts": f"{time.time():.6f}",
        }
        if element["type"] == "button":
            action |= {"text": element["text"], "value": element.get("value", "")}
        else:
            option = next(o for o in element["options"] if o["value"] == selected)
            action |= {"selected_option": option, "placeholder": element["placeholder"]}
        return await self.interact(
            {
                "type": "block_actions",
                "user": self._who(user, user_name),
                "api_app_id": "A0PIVOT",
                "token": "deprecated-verification-token",
                "container": {
                    "type": "message",
                    "message_ts": "1772438400.000001",
                    "channel_id": "C0GENERAL",
                    "is_ephemeral": True,
                },
                "trigger_id": self.trigger_id(),
                "team": {"id": TEAM_ID, "domain": "pivot-test"},
                "enterprise": None,
                "is_enterprise_install": False,
                "channel": {"id": "C0GENERAL", "name": "general"},
                "state": {"values": {}},
                "response_url": self.fake.response_url(response_key),
                "actions": [action],
            }
        )

    async def submit(
        self,
        view: dict[str, Any],
        values: dict[str, str],
        *,
        user: str = "U1",
        user_name: str = "ada",
    ) -> Sent:
        """A view_submission payload for the view views.open was given, filled with `values`."""
        state = {
            name: {name: {"type": "plain_text_input", "value": value}}
            for name, value in values.items()
        }
        return await self.interact(
            {
                "type": "view_submission",
                "team": {"id": TEAM_ID, "domain": "pivot-test"},
                "user": self._who(user, user_name),
                "api_app_id": "A0PIVOT",
                "token": "deprecated-verification-token",
                "trigger_id": self.trigger_id(),
                "view": {
                    **view,
                    "id": "V1",
                    "team_id": TEAM_ID,
                    "state": {"values": state},
                    "hash": "1772438400.abc",
                    "app_id": "A0PIVOT",
                    "bot_id": "BPIVOT",
                },
                "response_urls": [],
                "is_enterprise_install": False,
            }
        )

    async def mention(
        self, text: str, *, user: str = "U1", event_id: str = "Ev1", retry: int | None = None
    ) -> Sent:
        body = json.dumps(
            {
                "token": "deprecated-verification-token",
                "team_id": TEAM_ID,
                "api_app_id": "A0PIVOT",
                "event": {
                    "type": "app_mention",
                    "user": user,
                    "text": text,
                    "ts": "1772438400.000900",
                    "channel": "C0GENERAL",
                    "event_ts": "1772438400.000900",
                },
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [
                    {"team_id": TEAM_ID, "user_id": self.fake.bot_user_id, "is_bot": True}
                ],
            }
        )
        return await self.send(body, "application/json", retry=retry)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", name="ada")
        fake.add_user("U2", name="grace")
        fake.add_user("UADMIN", name="linus", admin=True)
        yield fake


@pytest.fixture
def slack_settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        database={"url": database_url},
        # No trailing slash on purpose: the adapter must add the one slack_sdk needs.
        slack={
            "bot_token": "xoxb-test-token",
            "signing_secret": SIGNING_SECRET,
            "api_url": fake_slack.base_url.rstrip("/"),
            "admins": ["UCONFIG"],
        },
        http={"host": "127.0.0.1", "port": 0},
    )


@pytest.fixture
async def slack(
    slack_settings: Settings, clock: ManualClock, fake_slack: FakeSlack
) -> AsyncIterator[SlackHarness]:
    app = App(slack_settings, clock=clock)
    probe = make_probe()
    app.registry.add(probe.group)
    adapter = SlackAdapter(app)
    app.attach(adapter)
    await adapter.open_http()
    try:
        yield SlackHarness(app, adapter, fake_slack, probe)
    finally:
        await adapter.close()
        await app.close()
