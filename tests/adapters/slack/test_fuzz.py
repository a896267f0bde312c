"""Hypothesis fuzzing of signed Slack requests: slash commands with odd text built from the
registry, block_actions and view_submission payloads with odd contents.

Each is signed correctly and sent to the real adapter over HTTP. None may get a 500 or leave an
ERROR line or a traceback, and whenever Pivot's answer is an error (or nothing was dispatched),
no table may have gained or lost a row.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack import render
from bot.core.messages import Reply
from tests.adapters.slack.conftest import SlackHarness
from tests.fuzz.tables import row_counts, tracebacks

ODD = st.one_of(
    st.text(max_size=60),
    st.text(min_size=2000, max_size=5000),
    st.sampled_from(
        ["", "<@U2>", "<!channel>", "<#C0GENERAL|general>", "&lt;&gt;&amp;", "{", "{\"modal\": 1}",
         "--", "\u202e", "a\nb\r\nc", "9" * 40, "-1", "#0", "probe.click:x", "goal.done:1:2"]
    ),
)
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


class Spy:
    """Records the replies the dispatcher gives (observation only: the reply is returned as is)."""

    def __init__(self, slack: SlackHarness) -> None:
        self.replies: list[Reply] = []
        dispatcher = slack.app.dispatcher
        for name in ("run_text", "run_action"):
            real = getattr(dispatcher, name)

            async def spy(*args: Any, _real: Any = real, **kwargs: Any) -> Reply:
                reply = await _real(*args, **kwargs)
                self.replies.append(reply)
                return reply

            setattr(dispatcher, name, spy)


@pytest.fixture
async def spied(slack: SlackHarness) -> tuple[SlackHarness, Spy]:
    await slack.command_reply("goal list", key="warm")  # first contact: members exist already
    await slack.adapter.idle()
    return slack, Spy(slack)


async def _check(
    spied: tuple[SlackHarness, Spy], caplog: pytest.LogCaptureFixture, send: Any
) -> None:
    slack, spy = spied
    before = await row_counts(slack.app)
    seen = len(spy.replies)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        sent = await send(slack)
        await slack.adapter.idle()
    assert sent.status < 500, sent
    assert not tracebacks(caplog.records), tracebacks(caplog.records)
    answers = spy.replies[seen:]
    if not answers or any(r.error for r in answers):
        assert await row_counts(slack.app) == before


def _paths(slack: SlackHarness) -> list[str]:
    return sorted({" ".join(c.path) for g in slack.app.registry.groups.values() for c in g.commands})


@FUZZ
@given(data=st.data())
async def test_slash_commands_with_odd_text(
    spied: tuple[SlackHarness, Spy], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from([*_paths(spied[0]), ""]))
    text = f"{path} {data.draw(ODD)}".strip()
    await _check(spied, caplog, lambda s: s.command(text, response_key="fuzz"))


@FUZZ
@given(data=st.data())
async def test_block_actions_with_odd_ids_and_values(
    spied: tuple[SlackHarness, Spy], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    action_id = data.draw(st.one_of(ODD.filter(bool), st.sampled_from(["probe.click:7:done", "probe.level"])))
    if data.draw(st.booleans()):
        element = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": "x"},
                   "value": data.draw(ODD)}
        selected = None
    else:
        selected = data.draw(ODD)
        element = {"type": "static_select", "action_id": action_id,
                   "placeholder": {"type": "plain_text", "text": "x"},
                   "options": [{"text": {"type": "plain_text", "text": "x"}, "value": selected}]}
    await _check(spied, caplog, lambda s: s.click(element, selected=selected))


@FUZZ
@given(data=st.data())
async def test_view_submissions_with_odd_metadata_and_values(
    spied: tuple[SlackHarness, Spy], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    action = data.draw(st.one_of(ODD, st.sampled_from(["probe.note:7", "goal.add"])))
    metadata = data.draw(
        st.one_of(
            st.just(json.dumps({"action": action, "response_url": None, "channel": "C0GENERAL"})),
            ODD.map(lambda t: json.dumps({"action": t})),
            st.just(""),
        )
    )
    names = data.draw(st.lists(st.sampled_from(["note", "title", "x", ""]), max_size=3, unique=True))
    values = {name: data.draw(ODD) for name in names}
    view = {
        "type": "modal",
        "callback_id": render.MODAL_CALLBACK,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Form"},
        "blocks": [{"type": "input", "block_id": n, "label": {"type": "plain_text", "text": n},
                    "element": {"type": "plain_text_input", "action_id": n}} for n in names],
    }
    await _check(spied, caplog, lambda s: s.submit(view, values))
