"""A local chat in the terminal: the zero-token way to try everything.

You are a member of a local community (and its admin). Type commands as on Slack
without the slash command (`goal add "Finish fast.ai" --by in 12 weeks`, or with a
leading `/pivot`). A message with buttons gets a number (`#12`) and lists its buttons
as [1] [2] …: type `2` to press the second button of the LAST message, or `#12 2` to
press a button of an earlier message. Console-only commands:

  /as NAME        speak as another member (not an admin) — try pairing, leaderboards
  /as             back to yourself
  /wait DURATION  let time pass (30m, 2h, 1d, 1w): scheduled posts happen meanwhile
  /press LABEL    press the button with that label on the latest message showing one
  /reply THREAD TEXT  write in a thread (THREAD as shown: `new thread console-5`), as members
                  do on Discord and Slack — in a question's thread, that answers it
  /now            the demo clock (kept with the database, so a restart continues from it)
  /reset          start over with a fresh demo database (asks first)
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

from sqlalchemy import text as sql_text

from bot.core.clock import OffsetClock
from bot.core.clockstate import load_offset, save_offset
from bot.core.commands import parse_duration
from bot.core.dispatch import Caller
from bot.core.errors import InvalidInput
from bot.core.forms import FORM_ACTION
from bot.core.messages import Button, Reply, TextInput
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
        self.on_post: Callable[[str, Reply], None] | None = None

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        target = delivery.target
        if target.kind == "channel":
            header = f"#{target.to}"
        elif target.kind == "dm":
            header = f"DM to @{target.to}"
        elif target.kind == "thread":
            header = f"#{target.to} › new thread console-{delivery.id}"
        elif target.kind == "reply":
            header = f"thread {target.to}"
        else:
            header = "group: " + ", ".join("@" + u for u in target.to.split(","))
        if self.on_post is not None:
            self.on_post(f"\n── {header} ──", delivery.reply)
        else:
            text, _ = render(delivery.reply)
            self.write(f"\n── {header} ──\n{text}\n")
        thread = delivery.reply.extra.get("thread")
        if thread and target.kind == "channel":
            self.write(f"   └─ thread “{thread.get('name', '')}”: {thread.get('text', '')}\n")
        return DeliveryResult(message_id=f"console-{delivery.id}")


_PRESS = re.compile(r"^(?:#(\d{1,9})\s+)?(\d{1,9})$")


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
        self.sender.on_post = self._post
        # Messages with buttons, numbered as printed (#1, #2, …); `last` is the latest message
        # printed (None when it had no buttons), so a bare number presses only its buttons.
        self.messages: dict[int, list[Choice]] = {}
        self.last: int | None = None
        self.pending_inputs: list[tuple[Choice, list[str]]] = []
        self.confirming_reset = False
        self._clock_loaded = False

    # --- output -----------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def _number(self, choices: list[Choice]) -> int | None:
        if not choices:
            return None
        number = len(self.messages) + 1
        self.messages[number] = choices
        return number

    def _post(self, header: str, reply: Reply) -> None:
        text, choices = render(reply)
        number = self._number(choices)
        self.last = number
        suffix = f"   · message #{number}" if number is not None else ""
        self._write(f"{header}\n{text}{suffix}\n")

    def _show(self, reply: Reply, *, after_press: bool = False) -> None:
        form = next((b for b in reply.buttons if b.modal is not None
                     and b.modal.submit_action.startswith(FORM_ACTION + ":")), None)
        if form is not None and form.modal is not None:
            # A command typed without its inputs: the console asks for them in turn.
            self._write(f"{reply.text}\n== {form.modal.title} ==")
            self.pending_inputs.append((Choice(form.label, form.action, button=form), []))
            self._prompt(form.modal.inputs[0])
            return
        text, choices = render(reply)
        number = self._number(choices)
        # The plain acknowledgement of a button press leaves the pressed message current,
        # as a chat app updates the message in place.
        if number is not None or not after_press:
            self.last = number
        self._write(text + (f"   · message #{number}" if number is not None else ""))

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
        if not line or line.startswith("#") and not _PRESS.match(line):
            return True
        await self._load_clock()
        if self.pending_inputs:
            await self._modal_input(line)
            return True
        if self.confirming_reset:
            self.confirming_reset = False
            if line.lower() in {"yes", "y"}:
                await self._reset()
            else:
                self._write("Nothing was deleted.")
            return True
        if line in {"/quit", "/exit"}:
            return False
        if line == "/help":
            self._write(__doc__.split("\n\n", 1)[1].strip() if __doc__ else "")
            return True
        if line.startswith("/as") and (len(line) == 3 or line[3].isspace()):
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
        if line == "/now":
            self._write(f"It is {self._now_text()} (demo clock).")
            return True
        if line == "/reset":
            self.confirming_reset = True
            self._write("This deletes every goal, answer, check-in and member of the demo community "
                        "and sets the clock back to now. Type yes to start over, anything else to keep it.")
            return True
        if line.startswith("/press"):
            await self._press_label(line[6:].strip())
            return True
        if line.startswith("/reply") and (len(line) == 6 or line[6].isspace()):
            await self._reply_in_thread(line[6:].strip())
            return True
        press = _PRESS.match(line)
        if press:
            await self._choose(int(press[1]) if press[1] else None, int(press[2]))
            return True
        text = line.removeprefix("/pivot").removeprefix("/").strip()
        reply = await self.app.dispatcher.run_text(self.caller(), text)
        self._show(reply)
        await self.flush()
        return True

    async def _reply_in_thread(self, rest: str) -> None:
        thread, _, words = rest.partition(" ")
        if not re.fullmatch(r"console-\d{1,12}", thread) or not words.strip():
            self._write("Usage: /reply THREAD TEXT — e.g. /reply console-5 Try a smaller learning rate")
            return
        self._write(f"── thread {thread} ── {self.current}: {words.strip()}")
        await self.app.dispatcher.thread_message(self.caller(), thread)
        await self.flush()

    async def _choose(self, message: int | None, number: int) -> None:
        if message is None:
            if self.last is None:
                self._write("The last message has no buttons. To press a button of an earlier message, "
                            "type its number and the button's, like `#3 1`." if self.messages
                            else "Nothing to choose from right now.")
                return
            message = self.last
        choices = self.messages.get(message)
        if choices is None:
            self._write(f"There's no message #{message} with buttons.")
            return
        if not 1 <= number <= len(choices):
            self._write(f"Message #{message} has buttons 1 to {len(choices)}.")
            return
        choice = choices[number - 1]
        if choice.button is not None and choice.button.modal is not None:
            modal = choice.button.modal
            self._write(f"== {modal.title} ==")
            self.pending_inputs.append((choice, []))
            self._prompt(modal.inputs[0])
            return
        reply = await self.app.dispatcher.run_action(self.caller(), choice.action, choice.values)
        self._show(reply, after_press=True)
        await self.flush()

    def _prompt(self, field: TextInput) -> None:
        hint = f" ({field.placeholder})" if field.placeholder else ""
        optional = " — optional, '-' skips" if not field.required else ""
        self._write(f"{field.label}{hint}{optional}:")

    async def _press_label(self, label: str) -> None:
        """`/press Done`: the button with that label on the latest message that has one (for
        scripts, whose posts arrive in an order that depends on the time of day)."""
        wanted = label.strip().strip('"').casefold()
        if not wanted:
            self._write("Say which button, like `/press Done`.")
            return
        for message in sorted(self.messages, reverse=True):
            for index, choice in enumerate(self.messages[message], start=1):
                if choice.label.casefold() == wanted:
                    self._write(f"(pressing [{index}] {choice.label} on message #{message})")
                    await self._choose(message, index)
                    return
        self._write(f"No message has a button labelled '{label[:40]}'.")

    async def _modal_input(self, line: str) -> None:
        choice, answers = self.pending_inputs[0]
        assert choice.button is not None and choice.button.modal is not None
        modal = choice.button.modal
        field = modal.inputs[len(answers)]
        answers.append("" if line == "-" and not field.required else line)
        if len(answers) < len(modal.inputs):
            self._prompt(modal.inputs[len(answers)])
            return
        self.pending_inputs.pop(0)
        values = {field.name: answer for field, answer in zip(modal.inputs, answers, strict=True)}
        reply = await self.app.dispatcher.run_action(self.caller(), modal.submit_action, values)
        self._show(reply, after_press=True)
        await self.flush()

    # --- the demo clock ---------------------------------------------------------------------

    def _now_text(self) -> str:
        now = self.app.clock.now()
        return f"{now:%a %Y-%m-%d %H:%M} UTC"

    async def _load_clock(self) -> None:
        """An `OffsetClock` (the console's) continues from the offset stored with the database."""
        if self._clock_loaded:
            return
        self._clock_loaded = True
        if not isinstance(self.app.clock, OffsetClock):
            return
        async with self.app.session_factory() as session:
            self.app.clock.offset = await load_offset(session)

    async def _save_clock(self) -> None:
        if isinstance(self.app.clock, OffsetClock):
            async with self.app.session_factory() as session:
                await save_offset(session, self.app.clock.offset)
                await session.commit()

    async def _reset(self) -> None:
        from bot.core.db import Base

        tables = list(reversed(Base.metadata.sorted_tables))
        async with self.app.session_factory() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Numbers restart too, so a replayed tour meets the same ids.
                names = ", ".join(f'"{t.name}"' for t in tables)
                await session.execute(sql_text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    await session.execute(table.delete())
            await session.commit()
        if isinstance(self.app.clock, OffsetClock):
            self.app.clock.offset = timedelta()
        self.messages.clear()
        self.last = None
        self.current = self.admin_name
        self._write(f"Started over: an empty demo community, and it is {self._now_text()}.")

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
        remaining, since_saved = delta, timedelta()
        while remaining > timedelta(0):
            move = min(WAIT_STEP, remaining)
            advance(move)
            remaining -= move
            since_saved += move
            if since_saved >= timedelta(hours=1) or remaining <= timedelta(0):
                await self._save_clock()  # hourly: a crash mid-wait loses at most an hour
                since_saved = timedelta()
            await self.app.scheduler.run_all()
            await self.flush()
        self._write(f"(time passes… it is now {self._now_text()})")

    async def flush(self) -> None:
        """Deliver everything due now, so output follows the command that caused it."""
        while await self.app.outbox.run_once():
            pass

    # --- Adapter protocol -------------------------------------------------------------------

    async def start(self) -> None:
        stdin = sys.stdin
        if hasattr(stdin, "reconfigure"):
            stdin.reconfigure(errors="replace")  # invalid UTF-8 becomes U+FFFD, never a traceback
        await self.run(stdin)

    async def run(self, stream: TextIO) -> None:
        interactive = stream.isatty()
        await self._load_clock()
        if interactive:
            _enable_line_editing()
            self._write(
                f"Pivot console — you are {self.admin_name}, admin of '{self.community_name}'. "
                f"It is {self._now_text()}. "
                "Type `help` for commands, /help for console tricks, /quit to leave."
            )
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                try:
                    line = await loop.run_in_executor(None, input, "> ")
                except EOFError:
                    break
                line += "\n"
            else:
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


def _enable_line_editing() -> None:
    """Arrow keys and history through the standard library's readline, where it exists."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input still works
        return
    history = Path.home() / ".pivot_console_history"
    try:
        readline.read_history_file(history)
    except OSError:
        pass
    readline.set_history_length(1000)
    import atexit

    def save() -> None:
        try:
            readline.write_history_file(history)
        except OSError:
            pass

    atexit.register(save)
