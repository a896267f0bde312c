"""Reply → Block Kit, within Slack's limits.

Pure functions: no client, no I/O. An image is uploaded elsewhere (see `files.py`)
and passed in as its Slack file id. A long reply becomes several messages, each
within Slack's limits; buttons and selects ride on the last one so they sit under
the content they act on.

Limits (https://docs.slack.dev/reference/block-kit/blocks): 50 blocks a message,
section text 3000 characters, 10 section fields of 2000, header 150, button text
75, button value 2000, 25 elements an actions block, 100 options a static select
(option text 75, value 150), modal title 24, private_metadata 3000.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.core.messages import Button, Modal, Reply, Select

MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
CONTEXT_TEXT = 2000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTIONS_PER_BLOCK = 25
SELECT_OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
PLACEHOLDER_TEXT = 150
FALLBACK_TEXT = 3000
MODAL_TITLE = 24
METADATA = 3000

MODAL_CALLBACK = "pivot.modal"

# Our styles → Slack's: Slack buttons know only "primary" and "danger" (default = no style).
BUTTON_STYLES = {"primary": "primary", "success": "primary", "danger": "danger"}


# --- text ---------------------------------------------------------------------------------------

_SLACK_TOKEN = re.compile(r"<(?:[@#!][^<>\s]+|(?:https?|mailto):[^<>\s]+)>")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BULLET = re.compile(r"^(\s*)[-*] ", re.MULTILINE)
_CODE = re.compile(r"(```.*?```|`[^`\n]+`)", re.DOTALL)


def escape(text: str) -> str:
    """Escape &, <, > as Slack requires, keeping Slack's own tokens (<@U…>, <#C…>, <!here>, <url>)."""
    out: list[str] = []
    last = 0
    for match in _SLACK_TOKEN.finditer(text):
        out.append(_escape_plain(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def unescape(text: str) -> str:
    """Incoming text as the member typed it: Slack sends &, <, > as entities (its own tokens
    like <@U…|name> keep real angle brackets, so they pass through unchanged)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _escape_plain(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Our markdown-ish text → Slack mrkdwn: **bold** → *bold*, [a](url) → <url|a>, "- " → "• ".

    _italic_, `code` and ``` blocks are the same in both; code is left untouched.
    Mentions (<@U…>) and channels (<#C…>) are Slack's own syntax already.
    """
    parts = _CODE.split(text)
    for index in range(0, len(parts), 2):  # even indexes are outside code
        part = escape(parts[index])
        part = _LINK.sub(lambda m: f"<{m[2]}|{m[1]}>", part)
        part = _BOLD.sub(r"*\1*", part)
        part = _BULLET.sub(r"\1• ", part)
        parts[index] = part
    for index in range(1, len(parts), 2):
        parts[index] = _escape_plain(parts[index])
    return "".join(parts)


def plain(text: str) -> str:
    """Text for plain_text objects and notification fallbacks: no markup."""
    text = _LINK.sub(lambda m: f"{m[1]} ({m[2]})", text)
    text = text.replace("**", "")
    return text


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Split mrkdwn into chunks of at most `limit` characters, at line breaks when possible.

    A ``` block cut in two is closed at the end of one chunk and reopened in the next.
    """
    if len(text) <= limit:
        return [text]
    room = limit - 4  # a chunk may need a closing fence appended
    pieces: list[str] = []
    for line in text.split("\n"):
        while len(line) > room - 4:  # … or a reopening fence prepended
            take = room - 4
            cut = line.rfind(" ", 0, take)
            cut = cut if cut > take // 2 else take
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        pieces.append(line)
    chunks: list[str] = []
    current = ""
    open_fence = False
    for line in pieces:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > room and current:
            chunks.append(current + ("\n```" if open_fence else ""))
            current = ("```\n" if open_fence else "") + line
        else:
            current = candidate
        if line.count("```") % 2 == 1:
            open_fence = not open_fence
    if current.strip():
        chunks.append(current)
    return chunks


# --- blocks -------------------------------------------------------------------------------------


def _mrkdwn_object(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _plain_object(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(plain(text), limit) or " ", "emoji": True}


def _sections(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": _mrkdwn_object(chunk)} for chunk in split_text(mrkdwn(text))
    ]


def _field_text(name: str, value: str) -> str:
    return f"*{escape(plain(name))}*\n{mrkdwn(value)}"


def content_blocks(reply: Reply, image_file_id: str | None = None) -> list[dict[str, Any]]:
    """Everything but the interactive parts, in reading order."""
    blocks: list[dict[str, Any]] = []
    if reply.title:
        if len(plain(reply.title)) <= HEADER_TEXT:
            blocks.append({"type": "header", "text": _plain_object(reply.title, HEADER_TEXT)})
        else:
            blocks += _sections(f"**{reply.title}**")
    if reply.text:
        blocks += _sections(reply.text)
    inline: list[dict[str, Any]] = []

    def flush_inline() -> None:
        for start in range(0, len(inline), FIELDS_PER_SECTION):
            blocks.append({"type": "section", "fields": inline[start : start + FIELDS_PER_SECTION]})
        inline.clear()

    for item in reply.fields:
        text = _field_text(item.name, item.value)
        if item.inline and len(text) <= FIELD_TEXT:
            inline.append(_mrkdwn_object(text))
            continue
        flush_inline()
        blocks += [{"type": "section", "text": _mrkdwn_object(c)} for c in split_text(text)]
    flush_inline()
    if reply.image is not None and image_file_id is not None:
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": image_file_id},
                "alt_text": clip(reply.image.alt or reply.image.filename, 2000),
            }
        )
    if reply.footer:
        blocks.append(
            {
                "type": "context",
                "elements": [_mrkdwn_object(clip(mrkdwn(reply.footer), CONTEXT_TEXT))],
            }
        )
    return blocks


def button_element(button: Button, action_id: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain_object(button.label, BUTTON_TEXT),
        "action_id": action_id,
        "value": button_value(button),
    }
    style = BUTTON_STYLES.get(button.style)
    if style:
        element["style"] = style
    return element


def button_value(button: Button) -> str:
    """What a click sends back: our action id, or (for a form button) the form itself as JSON."""
    if button.modal is None:
        return button.action
    value = json.dumps(
        {"action": button.action, "modal": modal_json(button.modal)}, separators=(",", ":")
    )
    if len(value) > BUTTON_VALUE:
        raise ValueError(f"form too large to carry on a Slack button: {button.action}")
    return value


def modal_json(modal: Modal) -> dict[str, Any]:
    return {
        "title": modal.title,
        "submit_action": modal.submit_action,
        "inputs": [
            {
                "name": i.name,
                "label": i.label,
                "long": i.long,
                "required": i.required,
                "max_length": i.max_length,
                "placeholder": i.placeholder,
            }
            for i in modal.inputs
        ],
    }


def select_element(select: Select, action_id: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": _plain_object(select.placeholder, PLACEHOLDER_TEXT),
        "options": [
            {
                "text": _plain_object(o.label, OPTION_TEXT),
                "value": o.value[:OPTION_VALUE],
                **(
                    {"description": _plain_object(o.description, OPTION_TEXT)}
                    if o.description
                    else {}
                ),
            }
            for o in select.options[:SELECT_OPTIONS]
        ],
    }


def interactive_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Buttons and selects as actions blocks. Action ids are unique within the message
    (Slack rejects duplicates): a repeat gets a `#n` suffix that `strip_suffix` removes."""
    seen: set[str] = set()

    def unique(action: str) -> str:
        candidate, n = action, 1
        while candidate in seen:
            n += 1
            candidate = f"{action}#{n}"
        seen.add(candidate)
        return candidate

    elements = [button_element(b, unique(b.action)) for b in reply.buttons]
    elements += [select_element(s, unique(s.action)) for s in reply.selects]
    return [
        {"type": "actions", "elements": elements[i : i + ACTIONS_PER_BLOCK]}
        for i in range(0, len(elements), ACTIONS_PER_BLOCK)
    ]


def strip_suffix(action_id: str) -> str:
    head, sep, tail = action_id.rpartition("#")
    return head if sep and tail.isdigit() else action_id


def fallback_text(reply: Reply) -> str:
    """The notification / screen-reader text Slack shows where blocks can't be."""
    parts = [p for p in (reply.title, reply.text) if p]
    if not parts and reply.fields:
        parts = [f"{reply.fields[0].name}: {reply.fields[0].value}"]
    return clip(escape(plain("\n".join(parts))) or "Pivot", FALLBACK_TEXT)


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]]


def messages(reply: Reply, image_file_id: str | None = None) -> list[Message]:
    """The reply as one or more Slack messages, each within the block limit."""
    blocks = content_blocks(reply, image_file_id) + interactive_blocks(reply)
    if not blocks:
        blocks = [{"type": "section", "text": _mrkdwn_object(" ")}]
    text = fallback_text(reply)
    chunks = list(_chunks(blocks, MAX_BLOCKS))
    return [
        Message(text if i == 0 else clip(text, 150) + " (continued)", chunk)
        for i, chunk in enumerate(chunks)
    ]


def _chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- modals -------------------------------------------------------------------------------------


def modal_view(form: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    """A button's form (see `button_value`) → a views.open payload.

    Each input's block_id and action_id are the field name, so a submission maps back to
    `{name: value}`. `metadata` (the submit action and where to answer) rides in
    private_metadata, since Slack hands it back untouched with the submission.
    """
    private = json.dumps(metadata, separators=(",", ":"))
    if len(private) > METADATA:
        private = json.dumps({"action": metadata["action"]}, separators=(",", ":"))
    blocks = []
    for field in form["inputs"]:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": field["name"],
            "multiline": bool(field.get("long", True)),
            "max_length": min(int(field.get("max_length", 1000)), 3000),
        }
        if field.get("placeholder"):
            element["placeholder"] = _plain_object(field["placeholder"], PLACEHOLDER_TEXT)
        blocks.append(
            {
                "type": "input",
                "block_id": field["name"],
                "label": _plain_object(field["label"], 2000),
                "optional": not field.get("required", True),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": _plain_object(form["title"], MODAL_TITLE),
        "submit": _plain_object("Submit", MODAL_TITLE),
        "close": _plain_object("Cancel", MODAL_TITLE),
        "private_metadata": private,
        "blocks": blocks,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """`view.state.values` of a submission → `{field name: text}` (empty fields as "")."""
    values: dict[str, str] = {}
    for block_id, actions in (view.get("state", {}).get("values", {}) or {}).items():
        for action_id, state in actions.items():
            values[action_id or block_id] = state.get("value") or ""
    return values
