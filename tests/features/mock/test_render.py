"""The intro, every interviewer brief and the feedback form render on Discord and Slack
within their limits, and the form opens as a modal on both."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.adapters.discord import render as discord
from bot.adapters.slack import render as slack
from bot.core.messages import Reply
from bot.core.tenancy import Member
from bot.features.mock import posts
from bot.features.mock.bank import bank

ANA = Member(id=1, community_id=1, platform_user_id="U1", display_name="Ana")
BEN = Member(id=2, community_id=1, platform_user_id="U2", display_name="Ben")
SLOT = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


def _replies() -> list[Reply]:
    b = bank()
    out = [
        posts.intro(
            [(ANA, "Europe/Berlin", "ml-system-design", 1), (BEN, "America/New_York", "behavioral", 0)],
            SLOT, 5.0,
        )
    ]
    for p in b.prompts:
        out.append(posts.interviewer_brief(BEN, "America/New_York", SLOT, p, b.rubrics[p.type]))
        out.append(posts.feedback_form(7, ANA, BEN, p, b.rubrics[p.type]))
    return out


@pytest.mark.parametrize("reply", _replies(), ids=lambda r: r.title or "")
def test_discord_renders_within_limits(reply: Reply) -> None:
    messages = discord.render(reply)
    embeds = [e for m in messages for e in m.payload.get("embeds", [])]
    assert embeds
    for embed in embeds:
        assert len(embed.get("description", "")) <= discord.DESCRIPTION_LIMIT
        assert all(len(f["value"]) <= discord.FIELD_VALUE_LIMIT for f in embed.get("fields", []))
        assert discord._embed_size(embed) <= discord.EMBED_TOTAL_LIMIT
    text = json.dumps([m.payload for m in messages])
    for field in reply.fields:
        assert field.name in text


@pytest.mark.parametrize("reply", _replies(), ids=lambda r: r.title or "")
def test_slack_renders_within_limits(reply: Reply) -> None:
    parts = slack.messages(reply)
    blocks = [b for p in parts for b in p.blocks]
    assert all(len(p.blocks) <= slack.MAX_BLOCKS for p in parts)
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= slack.SECTION_TEXT


def test_the_intro_shows_the_slot_in_both_local_times() -> None:
    reply = _replies()[0]
    assert "Tue 2026-03-03 18:00 (Europe/Berlin) for Ana" in reply.text
    assert "Tue 2026-03-03 12:00 (America/New_York) for Ben" in reply.text
    assert "<@U1>" in discord.render(reply)[0].payload["embeds"][0]["description"]


def test_the_form_opens_as_a_modal_on_both_platforms() -> None:
    b = bank()
    prompt = b.of_type("ml-coding")[0]
    form = posts.feedback_form(7, ANA, BEN, prompt, b.rubrics["ml-coding"])
    give, noshow = form.buttons
    assert give.action == "mock.compose:7:1" and noshow.action == "mock.noshow:7:1"
    assert give.modal is not None and give.modal.submit_action == "mock.feedback:7:1"
    # Discord: buttons in the components, the modal payload within its limits.
    rendered = discord.render(form)[-1].payload
    ids = [c["custom_id"] for row in rendered["components"] for c in row["components"]]
    assert ids == ["mock.compose:7:1", "mock.noshow:7:1"]
    modal = discord.modal_payload(give.modal)
    assert modal["custom_id"] == "mock.feedback:7:1"
    assert len(modal["title"]) <= discord.MODAL_TITLE_LIMIT
    inputs = [row["components"][0] for row in modal["components"]]
    assert [i["custom_id"] for i in inputs] == ["scores", "strength", "improve"]
    assert all(len(i["label"]) <= discord.TEXT_INPUT_LABEL_LIMIT for i in inputs)
    # Slack: the form travels on the button and opens as a view with three inputs.
    value = json.loads(slack.button_value(give))
    assert value["modal"]["submit_action"] == "mock.feedback:7:1"
    view = slack.modal_view(value["modal"], {"action": value["modal"]["submit_action"]})
    assert len(view["title"]["text"]) <= slack.MODAL_TITLE
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "scores", "strength", "improve"
    ]
