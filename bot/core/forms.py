"""Forms instead of flags: a command typed without its inputs asks for them.

From a command's declaration the core builds a `Modal` with its required inputs and main
options (up to five, Discord's limit). Slack shows it as a modal, Discord as a modal behind a
button, the console asks the questions in turn. Submitting it runs the command with the typed
values through the same conversion as text, so flags and forms validate alike.
"""

from __future__ import annotations

from bot.core.commands import Command, Kind, Param
from bot.core.messages import Button, Modal, Reply, TextInput

FORM_ACTION = "form"
MAX_INPUTS = 5
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100

_HINTS = {
    Kind.DATE: "2027-03-01, tomorrow, fri, in 2 weeks",
    Kind.TIME: "24-hour, like 18:30",
    Kind.DURATION: "like 30m, 2h, 3d, 2w",
    Kind.TIMEZONE: "like Europe/Berlin",
    Kind.MEMBER: "@name",
    Kind.CHANNEL: "#channel",
    Kind.INTEGER: "a whole number",
    Kind.NUMBER: "a number",
}


def form_params(command: Command) -> list[Param]:
    """Required inputs first, then the main options; flags stay flags."""
    fields = [p for p in command.params if p.kind is not Kind.FLAG]
    ordered = [p for p in fields if p.required] + [p for p in fields if not p.required]
    return ordered[:MAX_INPUTS]


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _placeholder(param: Param) -> str:
    if param.kind is Kind.CHOICE:
        hint = ", ".join(param.choices)
    elif param.percent:
        hint = "0–100, like 50 or 50%"
    else:
        hint = _HINTS.get(param.kind, "")
    return _trim(hint, PLACEHOLDER_LIMIT)


def form_for(command: Command, user_id: str) -> Modal:
    inputs = tuple(
        TextInput(
            name=p.name,
            label=_trim(p.help, LABEL_LIMIT),
            long=p.kind is Kind.TEXT and p.max_length > 200,
            required=p.required,
            max_length=p.max_length if p.kind is Kind.TEXT else 100,
            placeholder=_placeholder(p),
        )
        for p in form_params(command)
    )
    return Modal(title=_trim(command.name, 24), submit_action=submit_action(command, user_id),
                 inputs=inputs)


def submit_action(command: Command, user_id: str) -> str:
    """`form:goal.add:U123` — the command and the one member the form is for."""
    return f"{FORM_ACTION}:{'.'.join(command.path)}:{user_id}"


def form_reply(command: Command, user_id: str, prefix: str = "") -> Reply:
    modal = form_for(command, user_id)
    return Reply(
        text=f"`{prefix}{command.name}` — fill in the form (or type `{prefix}{command.usage}`).",
        buttons=(Button("Fill in the form", modal.submit_action, style="primary", modal=modal),),
        ephemeral=True,
    )


def parse_submit(action: str) -> tuple[str, str] | None:
    """(command name, user id) of a form submit action, or None for any other action."""
    parts = action.split(":")
    if len(parts) != 3 or parts[0] != FORM_ACTION:
        return None
    return parts[1].replace(".", " "), parts[2]
