"""Reply → Discord message payloads (embeds, components, attachments) within Discord's limits.

A `Reply` has no length limit; Discord has many. Rather than let the API reject a
long roadmap or leaderboard, the renderer splits text over several embeds (and, past
the 6000-character total, several messages), splits long field values over
continuation fields, trims what cannot be split (titles, labels) with "…", and
drops components beyond five rows with a log line. The output is plain JSON plus
the files to attach, so it is easy to test and to send through discord.py's HTTP layer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.messages import Attachment, Button, Image, Modal, Reply, Select

log = logging.getLogger(__name__)

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
CONTENT_LIMIT = 2000
# https://discord.com/developers/docs/components/reference
ROWS_PER_MESSAGE = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL_LIMIT = 80
SELECT_OPTIONS_LIMIT = 25
SELECT_TEXT_LIMIT = 100
SELECT_PLACEHOLDER_LIMIT = 150
MODAL_TITLE_LIMIT = 45
TEXT_INPUT_LABEL_LIMIT = 45
TEXT_INPUT_MAX_LENGTH = 4000

EPHEMERAL = 1 << 6

COLOR = 0x2B9A8F  # Pivot teal
ERROR_COLOR = 0xED4245  # Discord's red: errors must not look like answers
CONTINUED = "\u200b"  # a field name that shows nothing, for continuation fields

BUTTON_STYLES = {"primary": 1, "secondary": 2, "success": 3, "danger": 4}


@dataclass
class OutgoingMessage:
    """One Discord message: its JSON body and the files to send with it (multipart)."""

    payload: dict[str, Any]
    files: list[Image | Attachment] = field(default_factory=list)


def trim(text: str, limit: int) -> str:
    """At most `limit` characters, ending in "…" when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def attachment_name(image: Image | Attachment) -> str:
    """Discord only resolves `attachment://` for plain file names."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", image.filename) or "image.png"
    return name if "." in name else name + ".png"


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then word boundaries; keep ``` code blocks balanced."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        room = limit - 4  # space to close an open code fence
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = rest.rfind(sep, 0, room)
            if cut > room // 2:
                break
        if cut <= 0:
            cut = room
        chunk, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if chunk.count("```") % 2 == 1:
            chunk += "\n```"
            rest = "```\n" + rest
        chunks.append(chunk)
    if rest:
        chunks.append(rest)
    return chunks


def _embed_size(embed: dict[str, Any]) -> int:
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", ()))
    return size + len(embed.get("footer", {}).get("text", ""))


def _embeds(reply: Reply) -> list[dict[str, Any]]:
    color = ERROR_COLOR if reply.error else COLOR
    embeds: list[dict[str, Any]] = []

    def new() -> dict[str, Any]:
        embed: dict[str, Any] = {"type": "rich", "color": color}
        embeds.append(embed)
        return embed

    current = new()
    if reply.title:
        current["title"] = trim(reply.title, TITLE_LIMIT)
    for index, chunk in enumerate(split_text(reply.text, DESCRIPTION_LIMIT)):
        if index:
            current = new()
        current["description"] = chunk
    for reply_field in reply.fields:
        name = trim(reply_field.name.strip() or CONTINUED, FIELD_NAME_LIMIT)
        parts = split_text(reply_field.value, FIELD_VALUE_LIMIT) or [CONTINUED]
        for index, value in enumerate(parts):
            item: dict[str, Any] = {
                "name": name if index == 0 else CONTINUED,
                "value": value,
                "inline": reply_field.inline and len(parts) == 1,
            }
            fields = current.setdefault("fields", [])
            if (
                len(fields) >= FIELDS_PER_EMBED
                or _embed_size(current) + len(item["name"]) + len(value) > EMBED_TOTAL_LIMIT
            ):
                if not fields:
                    current.pop("fields")
                current = new()
                fields = current["fields"] = []
            fields.append(item)
    if reply.footer:
        room = EMBED_TOTAL_LIMIT - _embed_size(current)
        if room < 20:
            current = new()
            room = EMBED_TOTAL_LIMIT
        current["footer"] = {"text": trim(reply.footer, min(FOOTER_LIMIT, room))}
    if reply.image is not None:
        embeds[0]["image"] = {"url": f"attachment://{attachment_name(reply.image)}"}
    if len(embeds) == 1 and set(embeds[0]) == {"type", "color"}:
        embeds[0]["description"] = CONTINUED if reply.image is not None else "(nothing to show)"
    return embeds


def components(reply: Reply) -> list[dict[str, Any]]:
    """Buttons in rows of five, each select on its own row; at most five rows."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    buttons = [b for b in reply.buttons if _unique(b.action, seen)]
    for start in range(0, len(buttons), BUTTONS_PER_ROW):
        rows.append(
            {
                "type": 1,
                "components": [button_payload(b) for b in buttons[start : start + BUTTONS_PER_ROW]],
            }
        )
    for select in reply.selects:
        if _unique(select.action, seen):
            rows.append({"type": 1, "components": [select_payload(select)]})
    if len(rows) > ROWS_PER_MESSAGE:
        log.warning(
            "reply has %d component rows; Discord shows %d, dropping the rest",
            len(rows),
            ROWS_PER_MESSAGE,
        )
        rows = rows[:ROWS_PER_MESSAGE]
    return rows


def _unique(custom_id: str, seen: set[str]) -> bool:
    if custom_id in seen:
        log.warning(
            "dropping a second component with custom id %s (Discord rejects duplicates)", custom_id
        )
        return False
    seen.add(custom_id)
    return True


def button_payload(button: Button) -> dict[str, Any]:
    return {
        "type": 2,
        "style": BUTTON_STYLES.get(button.style, 2),
        "label": trim(button.label, BUTTON_LABEL_LIMIT),
        "custom_id": button.action,
    }


def select_payload(select: Select) -> dict[str, Any]:
    options = []
    for option in select.options[:SELECT_OPTIONS_LIMIT]:
        item = {
            "label": trim(option.label, SELECT_TEXT_LIMIT),
            "value": option.value[:SELECT_TEXT_LIMIT],
        }
        if option.description:
            item["description"] = trim(option.description, SELECT_TEXT_LIMIT)
        options.append(item)
    return {
        "type": 3,
        "custom_id": select.action,
        "options": options,
        "placeholder": trim(select.placeholder, SELECT_PLACEHOLDER_LIMIT),
        "min_values": 1,
        "max_values": 1,
    }


def modal_payload(modal: Modal) -> dict[str, Any]:
    """The `data` of an interaction response of type 9 (MODAL)."""
    rows = []
    for text_input in modal.inputs[:ROWS_PER_MESSAGE]:
        item: dict[str, Any] = {
            "type": 4,
            "custom_id": text_input.name,
            "label": trim(text_input.label, TEXT_INPUT_LABEL_LIMIT),
            "style": 2 if text_input.long else 1,
            "required": text_input.required,
            "max_length": max(1, min(text_input.max_length, TEXT_INPUT_MAX_LENGTH)),
        }
        if text_input.placeholder:
            item["placeholder"] = trim(text_input.placeholder, SELECT_TEXT_LIMIT)
        rows.append({"type": 1, "components": [item]})
    return {
        "custom_id": modal.submit_action,
        "title": trim(modal.title, MODAL_TITLE_LIMIT),
        "components": rows,
    }


def render(
    reply: Reply, *, content: str = "", mention_users: tuple[str, ...] = ()
) -> list[OutgoingMessage]:
    """The messages that show `reply`: embeds packed within limits, the image on the first,
    components on the last. `content` (mentions that should ping) goes on the first."""
    messages: list[OutgoingMessage] = []
    current: list[dict[str, Any]] = []
    size = 0
    for embed in _embeds(reply):
        embed_size = _embed_size(embed)
        if current and (
            len(current) >= EMBEDS_PER_MESSAGE or size + embed_size > EMBED_TOTAL_LIMIT
        ):
            messages.append(OutgoingMessage({"embeds": current}))
            current, size = [], 0
        current.append(embed)
        size += embed_size
    messages.append(OutgoingMessage({"embeds": current}))
    first, last = messages[0], messages[-1]
    first.payload["allowed_mentions"] = {"parse": [], "users": list(mention_users)}
    for message in messages[1:]:
        message.payload["allowed_mentions"] = {"parse": []}
    if content:
        first.payload["content"] = trim(content, CONTENT_LIMIT)
    attachments: list[dict[str, Any]] = []
    for file in (reply.image, reply.attachment):
        if file is None:
            continue
        first.files.append(file)
        attachment = {"id": len(attachments), "filename": attachment_name(file)}
        if file.alt:
            attachment["description"] = trim(file.alt, 1024)
        attachments.append(attachment)
    if attachments:
        first.payload["attachments"] = attachments
    rows = components(reply)
    if rows:
        last.payload["components"] = rows
    if reply.ephemeral:
        for message in messages:
            message.payload["flags"] = EPHEMERAL
    return messages


def modals_of(reply: Reply) -> dict[str, Modal]:
    """The forms this reply's buttons open, by button custom id."""
    return {b.action: b.modal for b in reply.buttons if b.modal is not None}
