"""Reply → Discord messages: long content is split or trimmed, never rejected by the API."""

from __future__ import annotations

from typing import Any

from bot.adapters.discord.render import modal_payload, render, split_text
from bot.core.messages import Button, Field, Image, Modal, Reply, Select, SelectOption, TextInput


def embed_size(embed: dict[str, Any]) -> int:
    size = (
        len(embed.get("title", ""))
        + len(embed.get("description", ""))
        + len(embed.get("footer", {}).get("text", ""))
    )
    return size + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


def assert_within_limits(messages: list[Any]) -> None:
    for message in messages:
        embeds = message.payload["embeds"]
        assert 1 <= len(embeds) <= 10
        assert sum(embed_size(e) for e in embeds) <= 6000
        assert len(message.payload.get("content", "")) <= 2000
        for embed in embeds:
            assert len(embed.get("title", "")) <= 256
            assert len(embed.get("description", "")) <= 4096
            assert len(embed.get("fields", [])) <= 25
            for field in embed.get("fields", []):
                assert 1 <= len(field["name"]) <= 256 and 1 <= len(field["value"]) <= 1024
        rows = message.payload.get("components", [])
        assert len(rows) <= 5 and all(len(r["components"]) <= 5 for r in rows)


def test_a_short_reply_is_one_embed() -> None:
    [message] = render(Reply(title="Your goals", text="**#1** Learn PyTorch", footer="Keep going"))
    assert message.payload["embeds"] == [
        {
            "type": "rich",
            "color": 0x2B9A8F,
            "title": "Your goals",
            "description": "**#1** Learn PyTorch",
            "footer": {"text": "Keep going"},
        }
    ]
    assert "flags" not in message.payload and message.files == []


def test_long_text_is_split_over_embeds_and_messages_keeping_every_word() -> None:
    lines = [f"Milestone {i}: " + "read, practise, and write about it. " * 4 for i in range(200)]
    text = "\n".join(lines)
    messages = render(Reply(title="Roadmap", text=text, ephemeral=True))
    assert len(messages) >= 2  # 30 000 characters cannot fit one message's 6000
    assert_within_limits(messages)
    descriptions = [e["description"] for m in messages for e in m.payload["embeds"]]
    assert "\n".join(descriptions).split() == text.split()
    assert all(m.payload["flags"] == 64 for m in messages)  # every part stays private


def test_code_blocks_stay_closed_across_a_split() -> None:
    text = "```\n" + "\n".join(f"x_{i} = {i}" for i in range(1200)) + "\n```"
    chunks = split_text(text, 4096)
    assert len(chunks) > 1
    assert all(chunk.count("```") % 2 == 0 for chunk in chunks)


def test_many_and_long_fields_are_spread_over_embeds_within_limits() -> None:
    fields = tuple(Field(f"Week {i}", "▰" * 1500) for i in range(30))
    messages = render(Reply(title="Leaderboard", fields=fields))
    assert_within_limits(messages)
    values = [f for m in messages for e in m.payload["embeds"] for f in e.get("fields", [])]
    assert sum(len(f["value"]) for f in values) == 30 * 1500
    assert [f["name"] for f in values].count("Week 29") == 1


def test_an_over_long_title_and_footer_are_trimmed_with_an_ellipsis() -> None:
    [message] = render(Reply(title="T" * 300, text="x", footer="F" * 3000))
    embed = message.payload["embeds"][0]
    assert len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert len(embed["footer"]["text"]) == 2048 and embed["footer"]["text"].endswith("…")


def test_errors_are_red_and_images_are_attachments() -> None:
    [error] = render(Reply(text="No goal #9.", error=True, ephemeral=True))
    assert error.payload["embeds"][0]["color"] == 0xED4245 and error.payload["flags"] == 64
    [chart] = render(Reply(title="Progress", image=Image("my chart.png", b"png", alt="bars")))
    assert chart.payload["embeds"][0]["image"] == {"url": "attachment://my_chart.png"}
    assert chart.payload["attachments"] == [
        {"id": 0, "filename": "my_chart.png", "description": "bars"}
    ]
    assert [i.data for i in chart.files] == [b"png"]


def test_buttons_fill_rows_of_five_and_selects_take_a_row_each() -> None:
    buttons = tuple(Button(f"B{i}", f"quiz.answer:{i}", style="primary") for i in range(7))
    select = Select("Pick", "quiz.pick", tuple(SelectOption(f"o{i}", f"v{i}") for i in range(30)))
    [message] = render(Reply(text="Choose", buttons=(*buttons, buttons[0]), selects=(select,)))
    rows = message.payload["components"]
    assert [len(r["components"]) for r in rows] == [5, 2, 1]  # the duplicate custom id is dropped
    assert rows[0]["components"][0] == {
        "type": 2,
        "style": 1,
        "label": "B0",
        "custom_id": "quiz.answer:0",
    }
    assert len(rows[2]["components"][0]["options"]) == 25


def test_more_than_five_rows_are_cut_to_five() -> None:
    selects = tuple(Select(f"S{i}", f"quiz.s{i}", (SelectOption("a", "a"),)) for i in range(7))
    [message] = render(Reply(text="x", selects=selects))
    assert_within_limits([message])
    assert len(message.payload["components"]) == 5


def test_modal_payload_uses_text_inputs_keyed_by_name() -> None:
    modal = Modal(
        "A rather long title for a form that keeps going",
        "checkin.note:3",
        (
            TextInput(
                "note", "What did you do?", long=False, max_length=9000, placeholder="e.g. read"
            ),
        ),
    )
    data = modal_payload(modal)
    assert data["custom_id"] == "checkin.note:3" and len(data["title"]) == 45
    assert data["components"] == [
        {
            "type": 1,
            "components": [
                {
                    "type": 4,
                    "custom_id": "note",
                    "label": "What did you do?",
                    "style": 1,
                    "required": True,
                    "max_length": 4000,
                    "placeholder": "e.g. read",
                }
            ],
        }
    ]
