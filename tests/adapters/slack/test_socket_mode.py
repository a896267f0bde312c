"""Socket Mode: with an app token the adapter connects out over a websocket instead of serving HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import func, select

from bot.adapters.slack import SlackAdapter
from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.features.goals.models import Goal
from tests.adapters.slack.conftest import SlackHarness, make_probe
from tests.fakes.slack import FakeSlack


@pytest.fixture
async def socket_slack(
    database_url: str, clock: ManualClock, fake_slack: FakeSlack
) -> AsyncIterator[SlackHarness]:
    settings = Settings(
        database={"url": database_url},
        slack={
            "bot_token": "xoxb-test-token",
            "app_token": "xapp-1-test-token",
            "api_url": fake_slack.base_url,
        },
    )
    app = App(settings, clock=clock)
    adapter = SlackAdapter(app)
    await adapter.open()
    try:
        yield SlackHarness(app, adapter, fake_slack, make_probe())
    finally:
        await adapter.close()
        await app.close()


async def test_a_slash_command_over_socket_mode(socket_slack: SlackHarness) -> None:
    fake = socket_slack.fake
    await fake.wait_for(lambda: fake.sockets)
    assert [c.token for c in fake.calls if c.method == "apps.connections.open"] == [
        "xapp-1-test-token"
    ]
    assert socket_slack.adapter.port is None  # no HTTP endpoint in this mode

    payload = dict(parse_qsl(socket_slack.command_body('goal add "Finish fast.ai part 1"')))
    await fake.socket_send(
        {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "payload": payload,
            "accepts_response_payload": True,
        }
    )

    await fake.wait_for(lambda: fake.responses)
    assert any(m.get("envelope_id") == "env-1" for m in fake.socket_messages)  # acknowledged
    assert "Goal #1 added" in fake.responses[0].body["text"]

    # Slack redelivers an event it thinks we missed: acknowledged, not handled again.
    event = {
        "type": "event_callback",
        "team_id": payload["team_id"],
        "event_id": "Ev1",
        "event": {
            "type": "app_mention",
            "user": "U1",
            "text": f'<@{fake.bot_user_id}> goal add "Twice"',
            "channel": "C0GENERAL",
            "ts": "1.0",
            "event_ts": "1.0",
        },
    }
    await fake.socket_send(
        {
            "envelope_id": "env-2",
            "type": "events_api",
            "payload": event,
            "accepts_response_payload": False,
            "retry_attempt": 1,
            "retry_reason": "timeout",
        }
    )
    await fake.wait_for(lambda: any(m.get("envelope_id") == "env-2" for m in fake.socket_messages))
    await socket_slack.adapter.idle()
    async with socket_slack.app.session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(Goal))).scalar_one() == 1
    assert fake.calls_to("chat.postMessage") == []
