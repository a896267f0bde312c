"""Acks that never wait behind work, the busy answer, replay protection, malformed bodies,
and the bot token checked at start."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, text

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack.adapter import BUSY, SlackRefused
from bot.adapters.slack.models import SlackSeenRequest
from bot.app import App, PlatformsDown
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.features.goals.models import Goal
from tests.adapters.slack.conftest import SlackHarness, make_probe
from tests.conftest import BACKEND
from tests.fakes.slack import FakeSlack

Harness = Callable[..., Any]


@pytest.fixture
async def make_slack(
    slack_settings: Settings, clock: ManualClock, fake_slack: FakeSlack
) -> AsyncIterator[Callable[..., Any]]:
    """Start another Pivot (its own App and adapter) on the same database and fake Slack."""
    async with AsyncExitStack() as stack:

        @asynccontextmanager
        async def started(**slack: Any) -> AsyncIterator[SlackHarness]:
            settings = slack_settings.model_copy(
                update={"slack": slack_settings.slack.model_copy(update=slack)}
            )
            app = App(settings, clock=clock)
            probe = make_probe()
            app.registry.add(probe.group)
            adapter = SlackAdapter(app)
            app.attach(adapter)
            await adapter.open_http()
            try:
                yield SlackHarness(app, adapter, fake_slack, probe)
            finally:
                probe.gate.set()
                await adapter.close()
                await app.close()

        async def make(**slack: Any) -> SlackHarness:
            return await stack.enter_async_context(started(**slack))

        yield make


async def goals(slack: SlackHarness) -> int:
    async with slack.app.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(Goal))).scalar_one())


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- ack before work ------------------------------------------------------------------------------


async def test_the_ack_arrives_while_the_database_work_is_blocked(slack: SlackHarness) -> None:
    engine = slack.app.engine
    held = []
    # Take every connection the app's pool can give: the command's work cannot reach the
    # database until they are returned.
    for _ in range(engine.pool.size() + engine.pool._max_overflow):  # type: ignore[attr-defined]
        held.append(await engine.connect())
    try:
        sent = await slack.command('goal add "Blocked behind the database"')
        assert (sent.status, sent.body) == (200, "")
        assert slack.fake.responses == []
    finally:
        for connection in held:
            await connection.close()
    await slack.fake.wait_for(lambda: slack.fake.responses)
    assert "Goal #1 added" in slack.fake.responses[0].body["text"]
    assert await goals(slack) == 1


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite keeps the replay record in memory")
async def test_the_ack_does_not_wait_for_the_replay_record_either(slack: SlackHarness) -> None:
    # The cross-process replay record is a database write too: while another transaction
    # holds its table, a slash command is still acknowledged at once, and runs once free.
    async with slack.app.engine.connect() as blocker:
        await blocker.execute(text("LOCK TABLE slack_seen_requests IN EXCLUSIVE MODE"))
        sent = await asyncio.wait_for(slack.command('goal add "Past a locked record"'), 5)
        assert (sent.status, sent.body) == (200, "")
        await asyncio.sleep(0.2)
        assert slack.fake.responses == [] and await goals(slack) == 0
        await blocker.rollback()
    await slack.fake.wait_for(lambda: slack.fake.responses)
    assert "Goal #1 added" in slack.fake.responses[0].body["text"]
    assert await goals(slack) == 1


async def test_a_full_queue_answers_busy_at_once_and_the_queued_work_still_runs(
    make_slack: Harness,
) -> None:
    slack = await make_slack(workers=1, queue=1)
    await slack.command_reply("goal list", key="first")  # known: the slow command writes nothing
    running = await slack.command("probe slow", response_key="running")
    queued = await slack.command('goal add "Waits its turn"', response_key="queued")
    refused = await slack.command('goal add "Too many at once"', response_key="refused")

    assert (running.status, running.body) == (200, "")
    assert (queued.status, queued.body) == (200, "")
    assert refused.status == 200
    assert refused.json() == {"text": BUSY, "response_type": "ephemeral"}

    slack.probe.gate.set()
    await slack.fake.wait_for(
        lambda: slack.fake.responses_to("running") and slack.fake.responses_to("queued")
    )
    await slack.adapter.idle()
    async with slack.app.session_factory() as session:
        assert list((await session.execute(select(Goal.text))).scalars()) == ["Waits its turn"]
    assert slack.fake.responses_to("refused") == []


async def test_a_busy_pool_keeps_a_form_open_with_the_busy_answer(make_slack: Harness) -> None:
    slack = await make_slack(workers=1, queue=1)
    await slack.command_reply("goal list", key="first")
    await slack.command("probe slow", response_key="running")
    await slack.command("goal list", response_key="queued")  # the queue is now full
    view = {
        "type": "modal",
        "callback_id": "pivot.modal",
        "private_metadata": '{"action": "probe.note:7"}',
        "blocks": [{"type": "input", "block_id": "note", "element": {"action_id": "note"}}],
    }

    sent = await slack.submit(view, {"note": "Read chapter 3"})

    assert sent.json() == {"response_action": "errors", "errors": {"note": BUSY}}
    assert slack.probe.notes == []


# --- replays and malformed bodies -----------------------------------------------------------------


async def test_the_same_signed_request_twice_is_refused_the_second_time(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = slack.command_body('goal add "Only once"')
    first = await slack.send(body, "application/x-www-form-urlencoded", timestamp=1_900_000_000 - 1)
    assert first.status == 401  # far future: outside the 5-minute window



    ts = int(time.time())
    first = await slack.send(body, "application/x-www-form-urlencoded", timestamp=ts)
    caplog.clear()
    again = await slack.send(body, "application/x-www-form-urlencoded", timestamp=ts)

    assert (first.status, again.status) == (200, 401)
    assert [r.getMessage() for r in warnings(caplog)] == [
        "Slack: refused a replayed request (its signature was already used)"
    ]
    await slack.fake.wait_for(lambda: slack.fake.responses)
    await slack.adapter.idle()
    assert await goals(slack) == 1


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite serves one process: replays are kept in memory")
async def test_a_replay_sent_to_another_process_is_acknowledged_and_never_run(
    slack: SlackHarness, make_slack: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # The ack waits for no database work, so the other process cannot refuse the copy at the
    # door: it acknowledges it, and its worker drops it before running anything.
    other = await make_slack()
    body = slack.command_body('goal add "Once across processes"')
    ts = int(time.time())
    first = await slack.send(body, "application/x-www-form-urlencoded", timestamp=ts)
    await slack.fake.wait_for(lambda: slack.fake.responses)
    await slack.adapter.idle()
    caplog.clear()
    replayed = await other.send(body, "application/x-www-form-urlencoded", timestamp=ts)
    await other.adapter.idle()

    assert (first.status, replayed.status) == (200, 200)
    assert [r.getMessage() for r in warnings(caplog)] == [
        "Slack: dropped a replayed request (its signature was already used in another process)"
    ]
    assert await goals(slack) == 1
    assert len(slack.fake.responses) == 1, "the replay got no answer of its own"
    async with slack.app.session_factory() as session:
        stored = list((await session.execute(select(SlackSeenRequest.digest))).scalars())
    assert len(stored) == 1 and len(stored[0]) == 64  # a digest, never the signature itself


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite serves one process: replays are kept in memory")
async def test_the_same_command_sent_to_two_processes_at_once_runs_once(
    slack: SlackHarness, make_slack: Harness
) -> None:
    other = await make_slack()
    body = slack.command_body('goal add "Raced across processes"')
    ts = int(time.time())
    sent = await asyncio.gather(
        slack.send(body, "application/x-www-form-urlencoded", timestamp=ts),
        other.send(body, "application/x-www-form-urlencoded", timestamp=ts))
    await slack.adapter.idle()
    await other.adapter.idle()

    assert [r.status for r in sent] == [200, 200]
    assert await goals(slack) == 1
    await slack.fake.wait_for(lambda: slack.fake.responses)
    assert len(slack.fake.responses) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (urlencode({"payload": "{not json"}), "application/x-www-form-urlencoded"),
        (urlencode({"payload": "[1, 2]"}), "application/x-www-form-urlencoded"),
        ('{"type": "event_callback", "event": ', "application/json"),
        ("[]", "application/json"),
    ],
)
async def test_a_signed_malformed_body_is_a_400_with_one_warning(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    caplog.set_level(logging.DEBUG)
    sent = await slack.send(body, content_type)

    assert sent.status == 400
    assert [r.levelname for r in warnings(caplog)] == ["WARNING"]
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.INFO)


async def test_an_unsigned_malformed_body_is_refused_before_it_is_read(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode({"payload": "{not json"})
    sent = await slack.send(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)

    assert sent.status == 401
    assert [r.getMessage() for r in warnings(caplog)] == [
        "Slack: refused a request with a missing, wrong or expired signature"
    ]
    assert not any(r.exc_info for r in caplog.records)


# --- the token at start ---------------------------------------------------------------------------


async def test_a_refused_bot_token_stops_slack_with_one_line(
    slack_settings: Settings, clock: ManualClock, fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_slack.fail_next("auth.test", "invalid_auth")
    app = App(slack_settings, clock=clock)
    adapter = SlackAdapter(app)
    try:
        with pytest.raises(PlatformsDown) as raised:
            await app.serve([adapter])
    finally:
        await app.close()

    line = "Slack refused the bot token (invalid_auth): check PIVOT_SLACK_BOT_TOKEN"
    assert str(raised.value).startswith(f"slack: {line}")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and line in errors[0].getMessage() and not errors[0].exc_info
    assert adapter.port is None  # never started listening


async def test_an_accepted_bot_token_is_checked_once_at_start(
    slack_settings: Settings, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    app = App(slack_settings, clock=clock)
    adapter = SlackAdapter(app)
    try:
        await adapter.open()
        assert fake_slack.calls_to("auth.test") == [{}]
        assert adapter.bot_user_id == fake_slack.bot_user_id
        assert adapter.port
    finally:
        await adapter.close()
        await app.close()


def test_slack_refused_is_an_exception_with_the_message() -> None:
    assert str(SlackRefused("x")) == "x"
