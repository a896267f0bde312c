"""The command registry: one declaration serves every platform.

A feature declares its commands once, in its `commands.py`:

    goal = CommandGroup("goal", "Set goals and track your progress")

    @goal.command("add", "Add a goal",
                  Param.text("text", "What you want to achieve", greedy=True),
                  Param.date("by", "Target date", required=False))
    async def add(ctx: Context, text: str, by: date | None) -> Reply: ...

From that the Discord adapter builds application commands, the Slack adapter and
the console parse `goal add "…" --by 2027-03-01`, help and usage errors are
derived, and invalid input never reaches a handler.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from bot.core.errors import InvalidInput
from bot.core.text import clean_text

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.messages import Reply

Handler = Callable[..., Awaitable["Reply"]]
ActionHandler = Callable[["Context", "ActionRequest"], Awaitable["Reply"]]
Autocomplete = Callable[["Context", str], Awaitable[list["Choice"]]]

NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    FLAG = "flag"
    DATE = "date"
    TIME = "time"
    DURATION = "duration"
    TIMEZONE = "timezone"
    MEMBER = "member"
    CHANNEL = "channel"
    CHOICE = "choice"


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True)
class MemberRef:
    """A member named by a platform id (a mention, a Discord user option) or by display name."""

    user_id: str | None = None
    name: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class ChannelRef:
    id: str
    name: str = ""


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    help: str
    required: bool = True
    positional: bool | None = None
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    max_length: int = 200
    greedy: bool = False
    autocomplete: Autocomplete | None = None
    percent: bool = False

    # Constructors, one per kind, so declarations read like a form.
    @classmethod
    def text(cls, name: str, help: str, *, required: bool = True, max_length: int = 200,
             greedy: bool = False, autocomplete: Autocomplete | None = None,
             positional: bool | None = None) -> Param:
        return cls(name, Kind.TEXT, help, required=required, max_length=max_length, greedy=greedy,
                   autocomplete=autocomplete, positional=positional)

    @classmethod
    def integer(cls, name: str, help: str, *, required: bool = True, min_value: int | None = None,
                max_value: int | None = None, autocomplete: Autocomplete | None = None,
                positional: bool | None = None, percent: bool = False) -> Param:
        """`percent=True`: a percentage, typed `50` or `50%`."""
        return cls(name, Kind.INTEGER, help, required=required, min_value=min_value,
                   max_value=max_value, autocomplete=autocomplete, positional=positional,
                   percent=percent)

    @classmethod
    def number(cls, name: str, help: str, *, required: bool = True, min_value: float | None = None,
               max_value: float | None = None, positional: bool | None = None) -> Param:
        return cls(name, Kind.NUMBER, help, required=required, min_value=min_value,
                   max_value=max_value, positional=positional)

    @classmethod
    def flag(cls, name: str, help: str) -> Param:
        return cls(name, Kind.FLAG, help, required=False, positional=False)

    @classmethod
    def date(cls, name: str, help: str, *, required: bool = True, positional: bool | None = None) -> Param:
        return cls(name, Kind.DATE, help, required=required, positional=positional)

    @classmethod
    def time(cls, name: str, help: str, *, required: bool = True, positional: bool | None = None) -> Param:
        return cls(name, Kind.TIME, help, required=required, positional=positional)

    @classmethod
    def duration(cls, name: str, help: str, *, required: bool = True,
                 positional: bool | None = None) -> Param:
        return cls(name, Kind.DURATION, help, required=required, positional=positional)

    @classmethod
    def timezone(cls, name: str, help: str, *, required: bool = True,
                 positional: bool | None = None) -> Param:
        return cls(name, Kind.TIMEZONE, help, required=required, positional=positional,
                   autocomplete=_timezone_autocomplete)

    @classmethod
    def member(cls, name: str, help: str, *, required: bool = True,
               positional: bool | None = None) -> Param:
        return cls(name, Kind.MEMBER, help, required=required, positional=positional)

    @classmethod
    def channel(cls, name: str, help: str, *, required: bool = True,
                positional: bool | None = None) -> Param:
        return cls(name, Kind.CHANNEL, help, required=required, positional=positional)

    @classmethod
    def choice(cls, name: str, help: str, choices: Sequence[str], *, required: bool = True,
               positional: bool | None = None) -> Param:
        return cls(name, Kind.CHOICE, help, required=required, choices=tuple(choices),
                   positional=positional)

    @property
    def is_positional(self) -> bool:
        return self.required if self.positional is None else self.positional

    @property
    def option_name(self) -> str:
        """How the option is written in text (`--challenge-time`) and on Discord (`challenge-time`)."""
        return self.name.replace("_", "-")

    @property
    def metavar(self) -> str:
        if self.kind is Kind.CHOICE and len("|".join(self.choices)) <= 40:
            return "|".join(self.choices)
        return {
            Kind.DATE: "YYYY-MM-DD",
            Kind.TIME: "HH:MM",
            Kind.DURATION: "DURATION",
            Kind.TIMEZONE: "TZ",
            Kind.MEMBER: "@MEMBER",
            Kind.CHANNEL: "#CHANNEL",
        }.get(self.kind, self.name.upper())

    def usage(self) -> str:
        if self.is_positional:
            word = self.metavar + ("…" if self.greedy else "")
            return word if self.required else f"[{word}]"
        if self.kind is Kind.FLAG:
            return f"[--{self.option_name}]"
        word = f"--{self.option_name} {self.metavar}"
        return word if self.required else f"[{word}]"


@dataclass(frozen=True)
class ActionRequest:
    """A button click, select choice or modal submit routed back to a handler."""

    args: tuple[str, ...]
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    group: str
    path: tuple[str, ...]
    help: str
    params: tuple[Param, ...]
    handler: Handler
    admin: bool = False
    slow: bool = False
    ephemeral: bool = False
    # Offer a form when run with no input at all, even though nothing is required (Discord,
    # which enforces required options itself, shows it for commands with several options).
    form: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def usage(self) -> str:
        return " ".join([self.name, *(p.usage() for p in self.params)])


Audience = Callable[["Context", "ActionRequest"], Awaitable[bool]]


async def ANYONE(_ctx: Context, _req: ActionRequest) -> bool:
    """A button on a public post: every member of the community may press it."""
    return True


def owner(index: int = 0) -> Audience:
    """The button's argument `index` is the id of the one member it is addressed to."""

    async def is_owner(ctx: Context, req: ActionRequest) -> bool:
        return len(req.args) > index and req.args[index] == str(ctx.member.id)

    return is_owner


NOT_YOURS = "This isn't yours to answer."


@dataclass(frozen=True)
class Action:
    id: str
    handler: ActionHandler
    # Who may press it: checked by the dispatcher before the handler runs (see ANYONE, owner()).
    audience: Audience
    admin: bool = False
    slow: bool = False


def action_id(action: str, *args: object) -> str:
    """The id a button or select carries: `challenge.answer:42:B`. Persistent across restarts."""
    parts = [action, *(str(a) for a in args)]
    if any(":" in p for p in parts[1:]):
        raise ValueError("action arguments may not contain ':'")
    value = ":".join(parts)
    if len(value) > 100:
        raise ValueError(f"action id too long for Discord custom_id: {value!r}")
    return value


class CommandGroup:
    """A feature's commands: `/goal …` on Discord, `goal …` in text."""

    def __init__(self, name: str, help: str, *, default: str | None = None,
                 catch_all: bool = False) -> None:
        self.name = name
        self.help = help
        self.default = default
        # Words that name no subcommand are the default command's arguments (`ask How do I …`).
        self.catch_all = catch_all
        self.commands: list[Command] = []
        self.actions: dict[str, Action] = {}

    def command(self, sub: str, help: str, *params: Param, admin: bool = False,
                slow: bool = False, ephemeral: bool = False, form: bool = False
                ) -> Callable[[Handler], Handler]:
        path = (self.name, *sub.split())

        def register(handler: Handler) -> Handler:
            self.commands.append(Command(self.name, path, help, tuple(params), handler,
                                         admin=admin or self.name == "admin", slow=slow,
                                         ephemeral=ephemeral, form=form))
            return handler

        return register

    def action(self, name: str, *, audience: Audience, admin: bool = False, slow: bool = False
               ) -> Callable[[ActionHandler], ActionHandler]:
        """A button, select or form submit. `audience` says who may act on it (every action
        declares it: `ANYONE` for public posts, `owner(i)`, or an async predicate)."""
        full = f"{self.name}.{name}"

        def register(handler: ActionHandler) -> ActionHandler:
            self.actions[full] = Action(full, handler, audience, admin=admin, slow=slow)
            return handler

        return register


class Registry:
    """All commands of one app. Groups of the same name (every feature's `admin …`) are merged
    into a fresh group, so the feature modules' own declarations are never mutated."""

    def __init__(self, groups: Iterable[CommandGroup] = ()) -> None:
        self.groups: dict[str, CommandGroup] = {}
        for group in groups:
            self.add(group)

    def add(self, group: CommandGroup) -> None:
        merged = self.groups.get(group.name)
        if merged is None:
            merged = self.groups[group.name] = CommandGroup(group.name, group.help, default=group.default,
                                                            catch_all=group.catch_all)
        elif group.default is not None:
            if merged.default not in (None, group.default):
                raise ValueError(f"conflicting default subcommands for {group.name}")
            merged.default = group.default
        taken = {c.path for c in merged.commands}
        for command in group.commands:
            if command.path in taken:
                raise ValueError(f"duplicate command: {command.name}")
            merged.commands.append(command)
        for key, action in group.actions.items():
            if key in merged.actions:
                raise ValueError(f"duplicate action: {key}")
            merged.actions[key] = action

    def commands(self) -> list[Command]:
        return [c for g in self.groups.values() for c in g.commands]

    def get(self, name: str) -> Command:
        for command in self.commands():
            if command.name == name:
                return command
        raise KeyError(name)

    def action_for(self, action: str) -> tuple[Action, tuple[str, ...]]:
        head, *args = action.split(":")
        group = self.groups.get(head.split(".", 1)[0])
        if group is None or head not in group.actions:
            raise InvalidInput("That button no longer does anything.")
        return group.actions[head], tuple(args)

    # --- help ---------------------------------------------------------------------------------

    def overview(self, prefix: str = "") -> str:
        lines = ["**Pivot** — your study companion on the way from backend engineering to ML.", ""]
        for group in self.groups.values():
            lines.append(f"`{prefix}{group.name}` — {group.help}")
        lines += ["", f"Type `{prefix}<command> help` for the commands of one area, e.g. `{prefix}goal help`."]
        return "\n".join(lines)

    def group_help(self, group: CommandGroup, prefix: str = "") -> str:
        lines = [f"**{group.name}** — {group.help}", ""]
        for command in group.commands:
            lines.append(f"`{prefix}{command.usage}`\n    {command.help}")
        return "\n".join(lines)

    def command_help(self, command: Command, prefix: str = "") -> str:
        lines = [f"`{prefix}{command.usage}`", command.help]
        for param in command.params:
            label = param.metavar if param.is_positional else f"--{param.option_name}"
            extra = "" if param.required else " (optional)"
            if param.kind is Kind.DATE:
                extra += " — YYYY-MM-DD, today, tomorrow, fri, next friday, in 3 days, in 2 weeks"
            elif param.percent:
                extra += " — 50 or 50%"
            lines.append(f"  {label}: {param.help}{extra}")
        if command.admin:
            lines.append("Only community admins can run this.")
        return "\n".join(lines)


# --- value conversion ---------------------------------------------------------------------------

_DURATION_RE = re.compile(r"^(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)$")


def convert(param: Param, raw: Any, *, today: date | None = None) -> Any:
    """Turn raw input (text, or an already-typed platform value) into the handler's value.

    Raises InvalidInput with a line that names the parameter and what was expected.
    """
    label = param.name.replace("_", " ") if param.is_positional else f"--{param.option_name}"
    if param.kind is Kind.FLAG:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "yes", "on", "1"}:
            return True
        if text in {"false", "no", "off", "0"}:
            return False
        raise InvalidInput(f"{label} is a yes/no switch, not '{raw}'.")
    if isinstance(raw, MemberRef | ChannelRef):
        return raw
    if param.kind is Kind.MEMBER:
        return parse_member(clean_text(str(raw), label=label, max_length=200))
    if param.kind is Kind.CHANNEL:
        return parse_channel(clean_text(str(raw), label=label, max_length=200), label)
    text = raw if isinstance(raw, str) else str(raw)
    text = clean_text(text, label=label, max_length=param.max_length if param.kind is Kind.TEXT else 200)
    if param.kind is Kind.TEXT:
        if not text:
            raise InvalidInput(f"{label} can't be empty.")
        return text
    if param.kind is Kind.INTEGER:
        if param.percent:
            text = text.removesuffix("%").strip()
        if isinstance(raw, bool) or not re.fullmatch(r"[-+]?#?\d{1,12}", text):
            what = "a whole percentage like 50 or 50%" if param.percent else "a whole number"
            raise InvalidInput(f"{label} must be {what}, not '{_short(text)}'.")
        value = int(text.replace("#", ""))
        _check_range(param, value, label)
        return value
    if param.kind is Kind.NUMBER:
        try:
            number = float(text.replace("%", "")) / (100 if text.endswith("%") else 1)
        except ValueError:
            raise InvalidInput(f"{label} must be a number, not '{_short(text)}'.") from None
        _check_range(param, number, label)
        return number
    if param.kind is Kind.DATE:
        return parse_date(text, label, today=today)
    if param.kind is Kind.TIME:
        return parse_time(text, label)
    if param.kind is Kind.DURATION:
        return parse_duration(text, label)
    if param.kind is Kind.TIMEZONE:
        return parse_timezone(text, label)
    if param.kind is Kind.CHOICE:
        for choice in param.choices:
            if choice.lower() == text.lower():
                return choice
        weekday = weekday_index(text)
        if weekday is not None and WEEKDAY_NAMES[weekday][:3] in param.choices:
            return WEEKDAY_NAMES[weekday][:3]
        raise InvalidInput(f"{label} must be one of {', '.join(param.choices)} — not '{_short(text)}'."
                           + nearest(text, param.choices, lead=" Did you mean {}?"))
    raise AssertionError(param.kind)


def nearest(word: str, candidates: Iterable[str], *, lead: str = " (did you mean {}?)") -> str:
    """` (did you mean x?)` for the closest candidate by edit similarity, or ''."""
    found = difflib.get_close_matches(word.lower(), list(candidates), n=1, cutoff=0.6)
    return lead.format(found[0]) if found else ""


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_range(param: Param, value: float, label: str) -> None:
    if param.min_value is not None and value < param.min_value:
        raise InvalidInput(f"{label} must be at least {param.min_value:g}.")
    if param.max_value is not None and value > param.max_value:
        raise InvalidInput(f"{label} must be at most {param.max_value:g}.")


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# How far ahead a date may lie: a goal or a pause years away is a typo, not a plan.
MAX_YEARS_AHEAD = 5
_IN_RE = re.compile(r"^in\s+(\d{1,4}|a|an|one)\s+(days?|weeks?|months?)$")
DATE_FORMS = "a date like YYYY-MM-DD, today, tomorrow, fri, next friday, in 3 days or in 2 weeks"


def weekday_index(text: str) -> int | None:
    """0–6 for `fri`, `Friday`, `next friday`, `this fri`; None for anything else."""
    word = text.strip().lower()
    for lead in ("next ", "this ", "on "):
        word = word.removeprefix(lead)
    word = word.strip().rstrip(".")
    if len(word) < 3:
        return None
    for index, name in enumerate(WEEKDAY_NAMES):
        if name.startswith(word) or word in {name[:3] + "s", name + "s"}:
            return index
    if word in {"tues", "thur", "thurs"}:
        return 1 if word == "tues" else 3
    return None


def example_date(today: date | None, days: int = 30) -> str:
    """A date example that lies in the future of the community's today."""
    return (today + timedelta(days=days)).isoformat() if today is not None else "YYYY-MM-DD"


def parse_date(text: str, label: str = "date", *, today: date | None = None) -> date:
    """The one date parser: ISO dates, `today`, `tomorrow`, weekday names (`fri`, `friday`,
    `next friday`: the coming one after today), `in 3 days`, `in 2 weeks`, `in 1 month`.
    Relative forms need `today` (the community's); a date over 5 years ahead is refused."""
    lowered = " ".join(text.lower().split())
    value: date | None = None
    if today is not None:
        if lowered in {"today", "tonight"}:
            value = today
        elif lowered == "tomorrow":
            value = today + timedelta(days=1)
        elif (weekday := weekday_index(lowered)) is not None:
            value = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        elif match := _IN_RE.fullmatch(lowered):
            amount = 1 if match[1] in {"a", "an", "one"} else int(match[1])
            unit = match[2][0]
            if unit == "m":
                month = today.month - 1 + amount
                year, month = today.year + month // 12, month % 12 + 1
                if year > today.year + MAX_YEARS_AHEAD:
                    value = date(today.year + MAX_YEARS_AHEAD + 1, 1, 1)
                else:
                    day = min(today.day, _days_in_month(year, month))
                    value = date(year, month, day)
            else:
                days = amount * (7 if unit == "w" else 1)
                value = today + timedelta(days=min(days, 366 * (MAX_YEARS_AHEAD + 1)))
    if value is None:
        try:
            value = date.fromisoformat(lowered)
        except ValueError:
            raise InvalidInput(f"{label} must be {DATE_FORMS.replace('YYYY-MM-DD', example_date(today))}"
                               f" — not '{_short(text)}'.") from None
    if today is not None:
        limit = _years_after(today, MAX_YEARS_AHEAD)
        if value > limit:
            raise InvalidInput(f"{label} is too far ahead: pick a date up to {limit.isoformat()} "
                               f"({MAX_YEARS_AHEAD} years from today).")
    return value


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_time(text: str, label: str = "time") -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput(f"{label} must be a 24-hour time like 09:30, not '{_short(text)}'.")
    return time(int(match[1]), int(match[2]))


def parse_duration(text: str, label: str = "duration") -> timedelta:
    match = _DURATION_RE.fullmatch(text.lower())
    if not match:
        raise InvalidInput(f"{label} must be a duration like 30m, 2h, 3d or 2w, not '{_short(text)}'.")
    amount, unit = int(match[1]), match[2][0]
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount),
            "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]


_ZONES: dict[str, str] = {}


def _zones() -> dict[str, str]:
    if not _ZONES:
        _ZONES.update({z.lower(): z for z in available_timezones()})
    return _ZONES


def parse_timezone(text: str, label: str = "time zone") -> str:
    """An IANA name (case-insensitive), returned in its canonical spelling."""
    name = _zones().get(text.strip().lower().replace(" ", "_"))
    if name is None:
        raise InvalidInput(f"{label} must be an IANA time zone like Europe/Berlin or America/New_York, "
                           f"not '{_short(text)}'.")
    ZoneInfo(name)
    return name


async def _timezone_autocomplete(_ctx: Context, partial: str) -> list[Choice]:
    needle = partial.strip().lower().replace(" ", "_")
    names = sorted(z for k, z in _zones().items() if needle in k and "/" in z)
    return [Choice(n, n) for n in names[:25]]


_MENTION_RE = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|([^>]*))?>$")


def parse_member(text: str) -> MemberRef:
    text = text.strip()
    match = _MENTION_RE.match(text)
    if match:
        return MemberRef(user_id=match[1], display_name=match[2] or None)
    if not text.lstrip("@"):
        raise InvalidInput("Name a member, like @alice.")
    return MemberRef(name=text.lstrip("@"))


_CHANNEL_RE = re.compile(r"^<#([A-Za-z0-9]+)(?:\|([^>]*))?>$")


def parse_channel(text: str, label: str = "channel") -> ChannelRef:
    text = text.strip()
    match = _CHANNEL_RE.match(text)
    if match:
        return ChannelRef(id=match[1], name=match[2] or "")
    name = text.lstrip("#")
    if not re.fullmatch(r"[-_a-z0-9]{1,80}", name):
        raise InvalidInput(f"{label} must be a channel like #ml-daily, not '{_short(text)}'.")
    return ChannelRef(id=name, name=name)


# --- the text grammar shared by Slack and the console ------------------------------------------


class UsageError(InvalidInput):
    def __init__(self, message: str, usage: str | None = None) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class HelpRequest:
    text: str


@dataclass(frozen=True)
class FormRequest:
    """A command typed without its required inputs: ask for them in a form instead of refusing."""

    command: Command


def wants_form(command: Command) -> bool:
    """Typed bare, this command opens a form: it needs input, or declares `form=True`."""
    return command.form or any(p.required and p.kind is not Kind.FLAG for p in command.params)


@dataclass(frozen=True)
class Call:
    command: Command
    args: dict[str, Any]


_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’"}


def tokenize(text: str) -> list[str]:
    """Split on spaces; a token that starts with a quote runs to its closing quote.

    Apostrophes inside words ("I'm") are just letters.
    """
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        closing = _QUOTES.get(text[i])
        if closing:
            end = text.find(closing, i + 1)
            if end == -1:
                raise UsageError(f"A quote opened with {text[i]} is never closed.")
            tokens.append(text[i + 1 : end])
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        tokens.append(text[i:j])
        i = j
    return tokens


_HELP_WORDS = {"help", "--help", "-h"}


def parse_text(registry: Registry, text: str, *, prefix: str = ""
               ) -> Call | HelpRequest | FormRequest:
    """Parse `<group> <sub> [positionals] [--option value]` into a Call, or a HelpRequest."""
    tokens = tokenize(text)
    if not tokens or tokens[0].lower() in _HELP_WORDS:
        if len(tokens) >= 2 and tokens[1].lower() in registry.groups:
            return HelpRequest(registry.group_help(registry.groups[tokens[1].lower()], prefix))
        return HelpRequest(registry.overview(prefix))
    group = registry.groups.get(tokens[0].lower())
    if group is None:
        hint = nearest(tokens[0], registry.groups, lead=" Did you mean `" + prefix + "{}`?")
        raise UsageError(f"There's no command '{_short(tokens[0])}'.{hint or f' Try `{prefix}help`.'}")
    if len(tokens) > 1 and tokens[1].lower() in _HELP_WORDS:
        return HelpRequest(registry.group_help(group, prefix))
    command, rest = _match_command(group, tokens[1:])
    if command is None:
        if not rest:
            return HelpRequest(registry.group_help(group, prefix))
        subs = sorted({c.path[1] for c in group.commands})
        hint = nearest(rest[0], subs, lead=f" Did you mean `{prefix}{group.name} " + "{}`?")
        raise UsageError(f"'{group.name}' has no '{_short(rest[0])}' command.{hint} It has: {', '.join(subs)}.",
                         f"{prefix}{group.name} help")
    if any(t.lower() in _HELP_WORDS for t in rest[:1]) or "--help" in rest:
        return HelpRequest(registry.command_help(command, prefix))
    if not rest and wants_form(command):
        return FormRequest(command)
    return Call(command, _bind(command, rest, prefix))


def _match_command(group: CommandGroup, tokens: list[str]) -> tuple[Command | None, list[str]]:
    best: Command | None = None
    for command in group.commands:
        sub = command.path[1:]
        if [t.lower() for t in tokens[: len(sub)]] == list(sub):
            if best is None or len(sub) > len(best.path) - 1:
                best = command
    if best is not None:
        return best, tokens[len(best.path) - 1 :]
    if group.default is not None and (not tokens or tokens[0].startswith("--") or group.catch_all):
        for command in group.commands:
            if command.path[1:] == tuple(group.default.split()):
                return command, tokens
    return None, tokens


def _bind(command: Command, tokens: list[str], prefix: str) -> dict[str, Any]:
    usage = prefix + command.usage
    options = {p.option_name: p for p in command.params if not p.is_positional}
    options.update({p.name: p for p in command.params if not p.is_positional})
    positionals = [p for p in command.params if p.is_positional]
    values: dict[str, Any] = {}
    loose: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and len(token) > 2 and not _looks_negative(token):
            name, _, inline = token[2:].partition("=")
            param = options.get(name) or options.get(name.replace("-", "_"))
            if param is None:
                names = sorted({p.option_name for p in command.params if not p.is_positional})
                hint = nearest(name, names, lead=" Did you mean --{}?")
                if not hint:
                    hint = f" Options: {', '.join('--' + n for n in names)}." if names else " It takes no options."
                raise UsageError(f"Unknown option --{_short(name)}.{hint}", usage)
            if param.name in values:
                raise UsageError(f"--{param.option_name} is given twice.", usage)
            if param.kind is Kind.FLAG:
                values[param.name] = inline or "true"
            elif param.kind is Kind.DATE and not inline and i + 1 < len(tokens):
                # `--by next friday`, `--until in 2 weeks`: a relative date may take a few words.
                words = _date_words(tokens[i + 1 :])
                values[param.name] = " ".join(tokens[i + 1 : i + 1 + words])
                i += words
            elif inline:
                values[param.name] = inline
            else:
                if i + 1 >= len(tokens):
                    raise UsageError(f"--{param.option_name} needs a value.", usage)
                values[param.name] = tokens[i + 1]
                i += 1
        else:
            loose.append(token)
        i += 1
    for index, param in enumerate(positionals):
        if not loose:
            if param.required:
                raise UsageError(f"Missing {param.metavar} ({param.help.lower()}).", usage)
            break
        if (param.kind is Kind.CHOICE and len(loose) > 1 and loose[0].lower() in {"next", "every", "on"}
                and weekday_index(loose[1]) is not None):
            loose = [loose[0] + " " + loose[1], *loose[2:]]
        if param.greedy or index == len(positionals) - 1 and param.kind is Kind.TEXT:
            values[param.name] = " ".join(loose)
            loose = []
        else:
            values[param.name] = loose.pop(0)
    if loose:
        raise UsageError(f"Unexpected '{_short(' '.join(loose))}'.", usage)
    for param in command.params:
        if param.required and param.name not in values:
            raise UsageError(f"Missing --{param.option_name}.", usage)
    return values


def _date_words(tokens: list[str]) -> int:
    """How many tokens a date value spans: `in 3 days` 3, `next friday` 2, else 1."""
    first = tokens[0].lower()
    if first == "in" and len(tokens) >= 3 and _IN_RE.fullmatch(" ".join(tokens[:3]).lower()):
        return 3
    if first in {"next", "this", "on"} and len(tokens) >= 2 and weekday_index(tokens[1]) is not None:
        return 2
    return 1


def _looks_negative(token: str) -> bool:
    return bool(re.fullmatch(r"--?\d.*", token)) and token[1].isdigit()


def with_defaults(command: Command, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter present: missing optional ones are None (flags False)."""
    out = {p.name: (False if p.kind is Kind.FLAG else None) for p in command.params}
    out.update(values)
    return out


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()
