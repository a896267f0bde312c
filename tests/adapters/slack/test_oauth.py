"""Many workspaces: the OAuth install link, installations kept encrypted in our database,
requests and posts with each workspace's own token, and uninstalling."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
import yarl
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack.installations import DatabaseInstallationStore, make_cipher
from bot.adapters.slack.manifest import bot_scopes
from bot.adapters.slack.models import SlackInstallation, SlackOAuthState
from bot.app import App
from bot.config import ConfigError, Settings
from bot.core.clock import ManualClock
from bot.core.messages import Reply
from bot.core.outbox import Delivery, OutboxMessage, PermanentDeliveryError, Target, enqueue
from bot.core.tenancy import Community, ensure_community
from tests.adapters.slack.conftest import SIGNING_SECRET, SlackHarness, make_probe
from tests.fakes.slack import CLIENT_ID, CLIENT_SECRET, FakeSlack

AUTHORIZE = "https://slack.test/oauth/v2/authorize"
TOKEN_KEY = Fernet.generate_key().decode()


@pytest.fixture
def oauth_settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        database={"url": database_url},
        slack={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "token_key": TOKEN_KEY,
            "signing_secret": SIGNING_SECRET,
            "api_url": fake_slack.base_url,
            "oauth_url": AUTHORIZE,
        },
        http={"host": "127.0.0.1", "port": 0},
    )


@pytest.fixture
async def oauth_slack(
    oauth_settings: Settings, clock: ManualClock, fake_slack: FakeSlack
) -> AsyncIterator[SlackHarness]:
    app = App(oauth_settings, clock=clock)
    adapter = SlackAdapter(app)
    app.attach(adapter)
    await adapter.open()
    try:
        yield SlackHarness(app, adapter, fake_slack, make_probe())
    finally:
        await adapter.close()
        await app.close()


async def install(slack: SlackHarness, code: str) -> aiohttp.ClientResponse:
    """Click the install link, approve at "Slack", come back to the redirect with the code."""
    base = f"http://127.0.0.1:{slack.adapter.port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/slack/install", allow_redirects=False) as started:
            assert started.status == 302
            location = yarl.URL(started.headers["Location"])
            cookie = SimpleCookie(started.headers["Set-Cookie"])
        assert str(location.with_query(None)) == AUTHORIZE
        assert location.query["client_id"] == CLIENT_ID
        assert location.query["scope"] == ",".join(bot_scopes())
        cookies = "; ".join(f"{k}={m.value}" for k, m in cookie.items())
        async with http.get(
            f"{base}/slack/oauth_redirect",
            params={"code": code, "state": location.query["state"]},
            headers={"Cookie": cookies},
            allow_redirects=False,
        ) as finished:
            await finished.read()
            return finished


def command_in(slack: SlackHarness, team: str, text: str, key: str) -> str:
    fields = dict(parse_qsl(slack.command_body(text, response_key=key)))
    return urlencode(fields | {"team_id": team, "team_domain": team.lower()})


def delivery(team: str) -> Delivery:
    return Delivery(
        id=1, platform="slack", community_external_id=team,
        target=Target.in_channel("C0DAILY"), reply=Reply(text="Today's challenge"),
        dedupe_key="challenge:x",
    )


async def test_a_workspace_installs_and_pivot_answers_there_with_its_own_token(
    oauth_slack: SlackHarness,
) -> None:
    slack, fake = oauth_slack, oauth_slack.fake
    fake.install_code("code-1", team_id="T0SECOND", team_name="Second team", bot_token="xoxb-second")

    finished = await install(slack, "code-1")

    assert finished.status == 200
    assert fake.calls_to("oauth.v2.access")[0]["code"] == "code-1"
    async with slack.app.session_factory() as session:
        row = (await session.execute(select(SlackInstallation))).scalar_one()
        assert await session.scalar(select(SlackOAuthState.state)) is None  # consumed
    assert (row.team_id, row.team_name, row.bot_user_id) == ("T0SECOND", "Second team", "UBOTCOND")
    assert "xoxb-second" not in row.secrets  # encrypted at rest

    body = command_in(slack, "T0SECOND", 'goal add "Installed and working"', "second")
    sent = await slack.send(body, "application/x-www-form-urlencoded")
    assert sent.status == 200
    await fake.wait_for(lambda: fake.responses_to("second"))
    assert "Goal #1 added" in fake.responses_to("second")[0]["text"]
    assert {c.token for c in fake.calls if c.method == "users.info"} == {"xoxb-second"}

    result = await slack.adapter.sender.deliver(delivery("T0SECOND"))
    assert result.message_id
    assert [c.token for c in fake.calls if c.method == "chat.postMessage"] == ["xoxb-second"]


async def test_a_state_that_was_not_issued_installs_nothing(oauth_slack: SlackHarness) -> None:
    fake = oauth_slack.fake
    fake.install_code("code-2", team_id="T0THIRD", team_name="Third", bot_token="xoxb-third")
    async with aiohttp.ClientSession() as http, http.get(
        f"http://127.0.0.1:{oauth_slack.adapter.port}/slack/oauth_redirect",
        params={"code": "code-2", "state": "forged"},
        headers={"Cookie": "slack-app-oauth-state=forged"},
    ) as response:
        assert response.status == 401  # bolt's answer to an unknown state
    assert fake.calls_to("oauth.v2.access") == []
    async with oauth_slack.app.session_factory() as session:
        assert (await session.execute(select(SlackInstallation))).first() is None


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOTCOND"]}},
    ],
)
async def test_uninstalling_removes_the_installation_and_stops_posts_there(
    oauth_slack: SlackHarness, event: dict[str, object]
) -> None:
    slack, fake = oauth_slack, oauth_slack.fake
    fake.install_code("code-3", team_id="T0SECOND", team_name="Second team", bot_token="xoxb-second")
    assert (await install(slack, "code-3")).status == 200

    async with slack.app.session_factory() as session:
        community = await ensure_community(session, "slack", "T0SECOND", "second")
        await enqueue(session, community, Target.in_channel("C0DAILY"), Reply(text="Tomorrow"),
                      dedupe_key="challenge:tomorrow", now=slack.app.clock.now())
        await session.commit()
    body = json.dumps(
        {
            "token": "deprecated",
            "team_id": "T0SECOND",
            "api_app_id": "A0PIVOT",
            "event": {**event, "event_ts": "1772438400.000100"},
            "type": "event_callback",
            "event_id": "EvUninstall",
            "event_time": int(time.time()),
        }
    )
    fake.revoke("xoxb-second")
    sent = await slack.send(body, "application/json")
    assert sent.status == 200
    await slack.adapter.idle()

    async with slack.app.session_factory() as session:
        assert (await session.execute(select(SlackInstallation))).first() is None
        pending = (await session.execute(select(OutboxMessage))).scalar_one()
        assert await session.scalar(select(Community.removed_at)) is not None
    assert pending.status == "failed" and "uninstalled" in (pending.last_error or "")
    with pytest.raises(PermanentDeliveryError, match="not installed in Slack workspace T0SECOND"):
        await slack.adapter.sender.deliver(delivery("T0SECOND"))
    assert fake.calls_to("chat.postMessage") == []


async def test_a_token_saved_under_another_key_is_not_used(oauth_slack: SlackHarness) -> None:
    fake = oauth_slack.fake
    fake.install_code("code-4", team_id="T0SECOND", team_name="Second", bot_token="xoxb-second")
    assert (await install(oauth_slack, "code-4")).status == 200
    other = DatabaseInstallationStore(
        oauth_slack.app.session_factory, client_id=CLIENT_ID,
        cipher=make_cipher(Fernet.generate_key().decode()),
    )
    assert await other.async_find_bot(enterprise_id=None, team_id="T0SECOND") is None
    mine = oauth_slack.adapter.store
    assert mine is not None
    bot = await mine.async_find_bot(enterprise_id=None, team_id="T0SECOND")
    assert bot is not None and bot.bot_token == "xoxb-second"


def test_oauth_needs_a_valid_token_key(oauth_settings: Settings, clock: ManualClock) -> None:
    missing = oauth_settings.model_copy(
        update={"slack": oauth_settings.slack.model_copy(update={"token_key": None})}
    )
    with pytest.raises(ConfigError, match="PIVOT_SLACK_TOKEN_KEY"):
        SlackAdapter(App(missing, clock=clock))
    with pytest.raises(ConfigError, match="must be a Fernet key"):
        make_cipher("not-a-key")
