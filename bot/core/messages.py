"""The neutral message model features return and adapters render.

A `Reply` is plain data. Discord renders it as an embed with components,
Slack as Block Kit, the console as text. Length limits are the renderer's job.

Text is "markdown-ish": **bold**, _italic_, `code`, ``` blocks ```, "- " bullets,
and mentions written as `<@platform_user_id>` (see `mention`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal

ButtonStyle = Literal["primary", "secondary", "success", "danger"]


@dataclass(frozen=True)
class TextInput:
    """One free-text field of a modal."""

    name: str
    label: str
    long: bool = True
    required: bool = True
    max_length: int = 1000
    placeholder: str = ""


@dataclass(frozen=True)
class Modal:
    """A form a button opens; submitting it dispatches `submit_action` with the field values."""

    title: str
    submit_action: str
    inputs: tuple[TextInput, ...]


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    style: ButtonStyle = "secondary"
    modal: Modal | None = None


@dataclass(frozen=True)
class SelectOption:
    label: str
    value: str
    description: str = ""


@dataclass(frozen=True)
class Select:
    placeholder: str
    action: str
    options: tuple[SelectOption, ...]


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Image:
    filename: str
    data: bytes
    alt: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a message (not shown inline): an export, a CSV."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    alt: str = ""


@dataclass(frozen=True)
class Reply:
    text: str = ""
    title: str | None = None
    fields: tuple[Field, ...] = ()
    image: Image | None = None
    buttons: tuple[Button, ...] = ()
    selects: tuple[Select, ...] = ()
    ephemeral: bool = False
    footer: str | None = None
    error: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    attachment: Attachment | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the outbox. Written out by hand: `dataclasses.asdict` is ~30× slower,
        and ticks serialise thousands of posts at once."""
        image = self.image
        return {
            "text": self.text,
            "title": self.title,
            "fields": [{"name": f.name, "value": f.value, "inline": f.inline} for f in self.fields],
            "image": None
            if image is None
            else {"filename": image.filename, "data": base64.b64encode(image.data).decode("ascii"),
                  "alt": image.alt},
            "buttons": [_button_json(b) for b in self.buttons],
            "selects": [
                {
                    "placeholder": s.placeholder,
                    "action": s.action,
                    "options": [{"label": o.label, "value": o.value, "description": o.description}
                                for o in s.options],
                }
                for s in self.selects
            ],
            "ephemeral": self.ephemeral,
            "footer": self.footer,
            "error": self.error,
            "extra": dict(self.extra),
            "attachment": None
            if self.attachment is None
            else {"filename": self.attachment.filename, "content_type": self.attachment.content_type,
                  "data": base64.b64encode(self.attachment.data).decode("ascii"),
                  "alt": self.attachment.alt},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        image = data.get("image")
        return cls(
            text=data.get("text", ""),
            title=data.get("title"),
            fields=tuple(Field(**f) for f in data.get("fields", ())),
            image=Image(
                filename=image["filename"],
                data=base64.b64decode(image["data"]),
                alt=image.get("alt", ""),
            )
            if image
            else None,
            buttons=tuple(_button_from_json(b) for b in data.get("buttons", ())),
            selects=tuple(
                Select(
                    placeholder=s["placeholder"],
                    action=s["action"],
                    options=tuple(SelectOption(**o) for o in s["options"]),
                )
                for s in data.get("selects", ())
            ),
            ephemeral=data.get("ephemeral", False),
            footer=data.get("footer"),
            error=data.get("error", False),
            extra=dict(data.get("extra", {})),
            attachment=_attachment_from_json(data.get("attachment")),
        )


def _attachment_from_json(data: dict[str, Any] | None) -> Attachment | None:
    if not data:
        return None
    return Attachment(filename=data["filename"], data=base64.b64decode(data["data"]),
                      content_type=data.get("content_type", "application/octet-stream"),
                      alt=data.get("alt", ""))


def _button_json(button: Button) -> dict[str, Any]:
    modal = button.modal
    return {
        "label": button.label,
        "action": button.action,
        "style": button.style,
        "modal": None
        if modal is None
        else {
            "title": modal.title,
            "submit_action": modal.submit_action,
            "inputs": [
                {"name": i.name, "label": i.label, "long": i.long, "required": i.required,
                 "max_length": i.max_length, "placeholder": i.placeholder}
                for i in modal.inputs
            ],
        },
    }


def _button_from_json(data: dict[str, Any]) -> Button:
    modal = data.get("modal")
    return Button(
        label=data["label"],
        action=data["action"],
        style=data.get("style", "secondary"),
        modal=Modal(
            title=modal["title"],
            submit_action=modal["submit_action"],
            inputs=tuple(TextInput(**i) for i in modal["inputs"]),
        )
        if modal
        else None,
    )


def error_reply(message: str, usage: str | None = None) -> Reply:
    """The one-line error a user sees, with the usage line when it helps."""
    text = message if usage is None else f"{message}\nUsage: `{usage}`"
    return Reply(text=text, ephemeral=True, error=True)


def mention(platform_user_id: str) -> str:
    """A mention every renderer understands (Discord and Slack share this form)."""
    return f"<@{platform_user_id}>"


def bar(fraction: float, width: int = 10) -> str:
    """A text progress bar that reads well in any chat: ▰▰▰▱▱▱▱▱▱▱."""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    return "▰" * filled + "▱" * (width - filled)
