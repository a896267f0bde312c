"""Reply → Block Kit: Slack's markup and Slack's limits."""

from __future__ import annotations

import json

import pytest

from bot.adapters.slack import render
from bot.core.messages import Button, Field, Modal, Reply, Select, SelectOption, TextInput


def test_markdown_becomes_slack_mrkdwn() -> None:
    text = "**Goal** _soon_ `x**2` [fast.ai](https://course.fast.ai) <@U1> in <#C1> & 1 < 2\n- one\n- two"
    assert render.mrkdwn(text) == (
        "*Goal* _soon_ `x**2` <https://course.fast.ai|fast.ai> <@U1> in <#C1> &amp; 1 &lt; 2\n• one\n• two"
    )


def test_code_blocks_are_left_alone_except_escaping() -> None:
    assert render.mrkdwn("```\n**a** < b\n```") == "```\n**a** &lt; b\n```"


def test_long_text_is_split_into_sections_within_limits() -> None:
    paragraph = "Gradient descent takes small steps downhill. " * 30  # ~1350 chars a line
    reply = Reply(title="Notes", text="\n".join([paragraph] * 200))
    parts = render.messages(reply)
    blocks = [b for p in parts for b in p.blocks]
    assert len(parts) > 1 and all(len(p.blocks) <= render.MAX_BLOCKS for p in parts)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(s) <= render.SECTION_TEXT for s in sections)
    assert " ".join(sections).split() == reply.text.split()  # nothing lost or repeated
    assert all(p.text for p in parts)


def test_a_split_code_block_is_closed_and_reopened() -> None:
    code = "```\n" + "\n".join(f"x{i} = {i} * 2  # a line of code" for i in range(400)) + "\n```"
    chunks = render.split_text(code)
    assert len(chunks) > 1
    assert all(len(c) <= render.SECTION_TEXT and c.count("```") % 2 == 0 for c in chunks)


def test_fields_ten_to_a_section_and_long_ones_on_their_own() -> None:
    reply = Reply(
        fields=tuple(Field(f"Day {i}", "done", inline=True) for i in range(13))
        + (Field("Notes", "n" * 2500),)
    )
    blocks = render.content_blocks(reply)
    assert [len(b.get("fields", [])) for b in blocks] == [10, 3, 0]
    assert blocks[2]["text"]["text"].startswith("*Notes*\n")


def test_buttons_map_styles_and_keep_action_ids_unique() -> None:
    reply = Reply(
        buttons=(
            Button("Yes", "q.answer:1:A", style="success"),
            Button("No", "q.answer:1:A", style="danger"),
            Button("Skip", "q.skip:1"),
        )
    )
    elements = render.interactive_blocks(reply)[0]["elements"]
    assert [e.get("style") for e in elements] == ["primary", "danger", None]
    assert [e["action_id"] for e in elements] == ["q.answer:1:A", "q.answer:1:A#2", "q.skip:1"]
    assert render.strip_suffix("q.answer:1:A#2") == "q.answer:1:A"
    assert [e["value"] for e in elements] == ["q.answer:1:A", "q.answer:1:A", "q.skip:1"]


def test_many_buttons_make_several_actions_blocks_and_selects_are_capped() -> None:
    reply = Reply(
        buttons=tuple(Button(str(i), f"q.pick:{i}") for i in range(30)),
        selects=(
            Select("Zone", "tz.pick", tuple(SelectOption(f"Z{i}", f"z{i}") for i in range(150))),
        ),
    )
    blocks = render.interactive_blocks(reply)
    assert [len(b["elements"]) for b in blocks] == [25, 6]
    assert len(blocks[1]["elements"][-1]["options"]) == render.SELECT_OPTIONS


def test_a_form_button_carries_its_form_and_becomes_a_modal() -> None:
    button = Button(
        "Add a note",
        "checkin.note_open:3",
        modal=Modal(
            "A rather long form title here",
            "checkin.note:3",
            (TextInput("note", "What did you do?", long=False),),
        ),
    )
    form = json.loads(render.button_value(button))["modal"]
    view = render.modal_view(form, {"action": "checkin.note:3", "response_url": "https://hooks/x"})
    assert len(view["title"]["text"]) <= render.MODAL_TITLE
    assert view["callback_id"] == render.MODAL_CALLBACK
    assert json.loads(view["private_metadata"])["action"] == "checkin.note:3"
    (block,) = view["blocks"]
    assert (block["block_id"], block["element"]["action_id"], block["element"]["multiline"]) == (
        "note",
        "note",
        False,
    )
    assert render.submitted_values({"state": {"values": {"note": {"note": {"value": "hi"}}}}}) == {
        "note": "hi"
    }


def test_fallback_text_is_always_set() -> None:
    assert render.messages(Reply(fields=(Field("Streak", "4 days"),)))[0].text == "Streak: 4 days"
    assert render.messages(Reply())[0].text == "Pivot"


@pytest.mark.parametrize("title", ["x" * 149, "x" * 300])
def test_titles_become_headers_when_they_fit(title: str) -> None:
    first = render.content_blocks(Reply(title=title))[0]
    assert first["type"] == ("header" if len(title) <= render.HEADER_TEXT else "section")
