"""A local chat in the terminal: the zero-token way to try everything.

You are a member of a local community (and its admin). Type commands as on Slack
without the slash command (`goal add "Finish fast.ai" --by 2027-03-01`, or with a
leading `/pivot`). Buttons appear as numbered choices: type the number to press one.
Console-only commands:

  /as NAME        speak as another member (not an admin) — try pairing, leaderboards
  /as             back to yourself
  /wait DURATION  let time pass (30m, 2h, 1d, 1w): scheduled posts happen meanwhile
  /help           this text
  /quit           leave (end of input works too)

Scheduled posts (challenges, check-in DMs, buddy intros) are printed as they happen.
Works with stdin piped, for scripted sessions and demos.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.core.commands import parse_duration
from bot.core.dispatch import Caller
from bot.core.errors import InvalidInput
from bot.core.messages import Button, Reply, thread_request
from bot.core.outbox import Delivery, DeliveryResult

PLATFORM = "console"
WAIT_STEP = timedelta(minutes=10)
COMMUNITY_ID = "local"

_MENTION = re.compile(r"<@([^>|]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([^>|]+)(?:\|[^>]*)?>")


def render(reply: Reply, *, image_dir: Path | None = None) -> tuple[str, list[Choice]]:
    """Reply → terminal text, plus the numbered choices it offers."""
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {reply.title} ==")
    if reply.text:
        lines.append(reply.text)
    for field in reply.fields:
        value = field.value.replace("\n", "\n    ")
        lines.append(f"{field.name}:\n    {value}" if "\n" in field.value else f"{field.name}: {value}")
    if reply.image is not None:
        directory = image_dir or Path(tempfile.gettempdir())
        path = directory / reply.image.filename
        path.write_bytes(reply.image.data)
        lines.append(f"[image: {reply.image.alt or reply.image.filename} → {path}]")
    if reply.attachment is not None:
        directory = image_dir or Path(tempfile.gettempdir())
        path = directory / Path(reply.attachment.filename).name
        path.write_bytes(reply.attachment.data)
        lines.append(f"[file: {reply.attachment.filename} → {path}]")
    if reply.footer:
        lines.append(reply.footer)
    choices: list[Choice] = []
    for button in reply.buttons:
        choices.append(Choice(button.label, button.action, button=button))
    for select in reply.selects:
        for option in select.options:
            choices.append(Choice(f"{select.placeholder}: {option.label}", select.action,
                                  values={"value": option.value}))
    if choices:
        lines.append("  ".join(f"[{i}] {c.label}" for i, c in enumerate(choices, start=1)))
    text = "\n".join(lines)
    text = text.replace("**", "")
    text = _MENTION.sub(lambda m: "@" + m[1], text)
    text = _CHANNEL.sub(lambda m: "#" + m[1], text)
    return text, choices


@dataclass
class Choice:
    label: str
    action: str
    values: dict[str, str] | None = None
    button: Button | None = None


class ConsoleSender:
    """Delivers outbox posts by printing them."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.on_choices: Callable[[list[Choice]], None] | None = None

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        target = delivery.target
        if target.kind == "channel":
            header = f"#{target.to}"
        elif target.kind == "dm":
            header = f"DM to @{target.to}"
        else:
            header = "group: " + ", ".join("@" + u for u in target.to.split(","))
        text, choices = render(delivery.reply)
        self.write(f"\n── {header} ──\n{text}\n")
        thread = thread_request(delivery.reply)
        if thread is not None:
            self.write(f"  🧵 thread: {thread[0]}\n  {thread[1]}\n")
        if choices and self.on_choices is not None:
            self.on_choices(choices)
        return DeliveryResult(message_id=f"console-{delivery.id}")


class ConsoleAdapter:
    platform = PLATFORM
    prefix = ""

    def __init__(self, app: object, *, out: TextIO | None = None, member: str | None = None) -> None:
        from bot.app import App

        assert isinstance(app, App)
        self.app = app
        self.out = out or sys.stdout
        self.admin_name = member or app.settings.console.member
        self.current = self.admin_name
        self.community_name = app.settings.console.community
        self.sender = ConsoleSender(self._write)
        self.sender.on_choices = self._offer
        self.choices: list[Choice] = []
        self.pending_inputs: list[tuple[Choice, list[str]]] = []

    # --- output -----------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def _offer(self, choices: list[Choice]) -> None:
        self.choices = choices

    def _show(self, reply: Reply) -> None:
        text, choices = render(reply)
        self._write(text)
        if choices:
            self.choices = choices

    # --- input ------------------------------------------------------------------------------

    def caller(self) -> Caller:
        return Caller(
            platform=PLATFORM,
            community_id=COMMUNITY_ID,
            user_id=self.current.lower(),
            display_name=self.current,
            community_name=self.community_name,
            is_admin=self.current == self.admin_name,
        )

    async def handle_line(self, line: str) -> bool:
        """Process one line. Returns False when the user asked to quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if self.pending_inputs:
            await self._modal_input(line)
            return True
        if line in {"/quit", "/exit"}:
            return False
        if line == "/help":
            self._write(__doc__.split("\n\n", 1)[1].strip() if __doc__ else "")
            return True
        if line.startswith("/as"):
            name = line[3:].strip().lstrip("@") or self.admin_name
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", name):
                self._write("Names are letters, digits, '.', '_' or '-' (up to 32).")
                return True
            self.current = name
            role = " (admin)" if name == self.admin_name else ""
            self._write(f"You are now {name}{role}.")
            return True
        if line.startswith("/wait"):
            await self._wait(line[5:].strip())
            return True
        if line.isdigit():
            await self._choose(int(line))
            return True
        text = line.removeprefix("/pivot").removeprefix("/").strip()
        reply = await self.app.dispatcher.run_text(self.caller(), text)
        self._show(reply)
        await self.flush()
        return True

    async def _choose(self, number: int) -> None:
        if not 1 <= number <= len(self.choices):
            self._write("There's no such choice." if self.choices else "Nothing to choose from right now.")
            return
        choice = self.choices[number - 1]
        if choice.button is not None and choice.button.modal is not None:
            modal = choice.button.modal
            self._write(f"== {modal.title} ==\n{modal.inputs[0].label}:")
            self.pending_inputs.append((choice, []))
            return
        reply = await self.app.dispatcher.run_action(self.caller(), choice.action, choice.values)
        self._show(reply)
        await self.flush()

    async def _modal_input(self, line: str) -> None:
        choice, answers = self.pending_inputs[0]
        assert choice.button is not None and choice.button.modal is not None
        modal = choice.button.modal
        answers.append(line)
        if len(answers) < len(modal.inputs):
            self._write(f"{modal.inputs[len(answers)].label}:")
            return
        self.pending_inputs.pop(0)
        values = {field.name: answer for field, answer in zip(modal.inputs, answers, strict=True)}
        reply = await self.app.dispatcher.run_action(self.caller(), modal.submit_action, values)
        self._show(reply)
        await self.flush()

    async def _wait(self, text: str) -> None:
        try:
            delta = parse_duration(text or "1d", "/wait")
        except InvalidInput as exc:
            self._write(str(exc))
            return
        advance = getattr(self.app.clock, "advance", None)
        if advance is None:
            self._write("/wait only works in the console.")
            return
        # Walk in steps so each scheduled post happens at (about) its own time.
        remaining = delta
        while remaining > timedelta(0):
            move = min(WAIT_STEP, remaining)
            advance(move)
            remaining -= move
            await self.app.scheduler.run_all()
            await self.flush()
        now = self.app.clock.now().astimezone()
        self._write(f"(time passes… it is now {now:%a %Y-%m-%d %H:%M %Z})")

    async def flush(self) -> None:
        """Deliver everything due now, so output follows the command that caused it."""
        while await self.app.outbox.run_once():
            pass

    # --- Adapter protocol -------------------------------------------------------------------

    async def start(self) -> None:
        await self.run(sys.stdin)

    async def run(self, stream: TextIO) -> None:
        interactive = stream.isatty()
        if interactive:
            self._write(
                f"Pivot console — you are {self.admin_name}, admin of '{self.community_name}'. "
                "Type `help` for commands, /help for console tricks, /quit to leave."
            )
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.out.write("> ")
                self.out.flush()
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                break
            if not interactive and line.strip():
                self._write(f"> {line.strip()}")
            if not await self.handle_line(line):
                break
        await self.flush()

    async def close(self) -> None:
        return None
