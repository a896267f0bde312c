"""Application commands generated from the registry, and incoming options mapped back to it.

One top-level slash command per registry group (`/goal`, `/admin`, …); a command
path of two words is a subcommand (`/goal add`), three words a subcommand group
(`/admin set channel`). Option types follow the parameter kinds; required options
come first, as Discord demands. `build_payload` is pure: `python -m bot
discord-commands` prints it and `--sync` PUTs it, so what is registered is exactly
what was printed. `validate_payload` checks Discord's documented limits and runs in
the test suite over every command of every feature.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.discord.render import trim
from bot.core.commands import ChannelRef, Command, CommandGroup, Kind, MemberRef, Param, Registry

# https://discord.com/developers/docs/interactions/application-commands
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, NUMBER = 3, 4, 5, 6, 7, 10
CHAT_INPUT = 1
GUILD_CONTEXT = 0  # interaction context: inside a server (communities are servers)
GUILD_INSTALL = 0  # integration type: installed to a server
MANAGE_GUILD = 1 << 5
GUILD_TEXT, GUILD_ANNOUNCEMENT = 0, 5

# Discord allows more (lowercase letters of any script); we hold ourselves to ASCII.
ASCII_NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")
DESCRIPTION_LIMIT = 100
OPTIONS_LIMIT = 25
CHOICES_LIMIT = 25
CHOICE_TEXT_LIMIT = 100
COMMAND_CHARS_LIMIT = 4000
GLOBAL_COMMANDS_LIMIT = 100
STRING_MAX_LENGTH = 6000
INTEGER_BOUND = 2**53

_KIND_TYPES = {
    Kind.TEXT: STRING,
    Kind.INTEGER: INTEGER,
    Kind.NUMBER: NUMBER,
    Kind.FLAG: BOOLEAN,
    Kind.DATE: STRING,
    Kind.TIME: STRING,
    Kind.DURATION: STRING,
    Kind.TIMEZONE: STRING,
    Kind.MEMBER: USER,
    Kind.CHANNEL: CHANNEL,
    Kind.CHOICE: STRING,
}
# Discord has no date or time picker: say the format in the description.
_HINTS = {
    Kind.DATE: "YYYY-MM-DD, tomorrow, fri, in 2 weeks",
    Kind.TIME: "HH:MM, 24-hour",
    Kind.DURATION: "like 30m, 2h, 3d, 2w",
}
_LENGTHS = {Kind.DATE: 24, Kind.TIME: 5, Kind.DURATION: 16, Kind.TIMEZONE: 64}


def describe(text: str, fallback: str) -> str:
    """1–100 characters, as Discord requires."""
    text = " ".join(text.split())
    return trim(text or fallback, DESCRIPTION_LIMIT)


def discord_path(group: CommandGroup, command: Command) -> tuple[str, ...]:
    """How a registry command is invoked on Discord: (command, [subcommand group,] subcommand).

    Discord nests at most two levels below the top command; deeper words are joined
    with '-'. A bare group command beside subcommands becomes `run`.
    """
    rest = command.path[1:]
    if not rest:
        return (group.name,) if len(group.commands) == 1 else (group.name, "run")
    if len(rest) > 2:
        rest = (rest[0], "-".join(rest[1:]))
    return (group.name, *rest)


def uses_local_choices(param: Param) -> bool:
    """Choice lists longer than Discord's 25 are offered through autocomplete instead."""
    return param.kind is Kind.CHOICE and len(param.choices) > CHOICES_LIMIT


def option_payload(param: Param) -> dict[str, Any]:
    hint = _HINTS.get(param.kind)
    text = param.help if hint is None or hint in param.help else f"{param.help} ({hint})"
    option: dict[str, Any] = {
        "type": _KIND_TYPES[param.kind],
        "name": param.option_name,
        "description": describe(text, param.name),
        "required": param.required,
    }
    if param.kind is Kind.TEXT:
        option["min_length"] = 1
        option["max_length"] = min(param.max_length, STRING_MAX_LENGTH)
    elif param.kind in _LENGTHS:
        option["max_length"] = _LENGTHS[param.kind]
    if param.kind in (Kind.INTEGER, Kind.NUMBER):
        cast = int if param.kind is Kind.INTEGER else float
        if param.min_value is not None:
            option["min_value"] = cast(param.min_value)
        if param.max_value is not None:
            option["max_value"] = cast(param.max_value)
    if param.kind is Kind.CHANNEL:
        option["channel_types"] = [GUILD_TEXT, GUILD_ANNOUNCEMENT]
    if param.kind is Kind.CHOICE and not uses_local_choices(param):
        option["choices"] = [
            {"name": trim(c, CHOICE_TEXT_LIMIT), "value": c} for c in param.choices
        ]
    elif param.autocomplete is not None or uses_local_choices(param):
        option["autocomplete"] = True
    return option


def _options(command: Command) -> list[dict[str, Any]]:
    params = sorted(command.params, key=lambda p: not p.required)  # stable: required first
    options = [option_payload(p) for p in params]
    if command.form:
        # Run with no options, a form command offers its form (which asks for the required ones).
        for option in options:
            option["required"] = False
    return options


def build_payload(registry: Registry) -> list[dict[str, Any]]:
    """The JSON list that bulk-overwrites the application's chat-input commands."""
    payload: list[dict[str, Any]] = []
    for group in registry.groups.values():
        if not group.commands:
            continue  # a group of button actions only has nothing to type
        top: dict[str, Any] = {
            "type": CHAT_INPUT,
            "name": group.name,
            "description": describe(group.help, group.name),
            "contexts": [GUILD_CONTEXT],
            "integration_types": [GUILD_INSTALL],
            "options": [],
        }
        if group.commands and all(c.admin for c in group.commands):
            # Hidden from members without Manage Server; the dispatcher checks again server-side.
            top["default_member_permissions"] = str(MANAGE_GUILD)
        subgroups: dict[str, dict[str, Any]] = {}
        for command in group.commands:
            path = discord_path(group, command)
            if len(path) == 1:
                top["options"] = _options(command)
                continue
            sub = {
                "type": SUB_COMMAND,
                "name": path[-1],
                "description": describe(command.help, path[-1]),
                "options": _options(command),
            }
            if len(path) == 2:
                top["options"].append(sub)
                continue
            holder = subgroups.get(path[1])
            if holder is None:
                holder = subgroups[path[1]] = {
                    "type": SUB_COMMAND_GROUP,
                    "name": path[1],
                    "description": describe(f"{group.name} {path[1]} …", path[1]),
                    "options": [],
                }
                top["options"].append(holder)
            holder["options"].append(sub)
        payload.append(top)
    return payload


def command_index(registry: Registry) -> dict[tuple[str, ...], Command]:
    """Discord path → registry command, the inverse of `build_payload`."""
    return {discord_path(g, c): c for g in registry.groups.values() for c in g.commands}


def invoked(data: Mapping[str, Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The path and leaf options of an APPLICATION_COMMAND or AUTOCOMPLETE interaction's data."""
    path = [data["name"]]
    options = list(data.get("options") or [])
    while len(options) == 1 and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        path.append(options[0]["name"])
        options = list(options[0].get("options") or [])
    return tuple(path), options


def raw_args(
    command: Command, options: list[dict[str, Any]], resolved: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Option values keyed by parameter name, users and channels as Member/ChannelRefs."""
    resolved = resolved or {}
    by_option = {p.option_name: p for p in command.params}
    args: dict[str, Any] = {}
    for option in options:
        param = by_option.get(option["name"])
        if param is None or option.get("value") is None:
            continue
        value = option["value"]
        if param.kind is Kind.MEMBER:
            user_id = str(value)
            member = (resolved.get("members") or {}).get(user_id) or {}
            user = (resolved.get("users") or {}).get(user_id) or {}
            name = member.get("nick") or user.get("global_name") or user.get("username")
            value = MemberRef(user_id=user_id, display_name=name)
        elif param.kind is Kind.CHANNEL:
            channel = (resolved.get("channels") or {}).get(str(value)) or {}
            value = ChannelRef(id=str(value), name=channel.get("name") or "")
        args[param.name] = value
    return args


def focused(options: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(option name, partial text) of the option being typed in an AUTOCOMPLETE interaction."""
    for option in options:
        if option.get("focused"):
            return option["name"], str(option.get("value") or "")
    return None


def choice_value(param: Param, value: str) -> str | int | float | None:
    """An autocomplete choice's value in the option's type (INTEGER options need integers)."""
    try:
        if param.kind is Kind.INTEGER:
            return int(value)
        if param.kind is Kind.NUMBER:
            return float(value)
    except ValueError:
        return None
    return value[:CHOICE_TEXT_LIMIT]


# --- limits ---------------------------------------------------------------------------------------


def validate_payload(payload: list[dict[str, Any]]) -> list[str]:
    """Every way this payload would be rejected by Discord (empty when it is valid)."""
    problems: list[str] = []
    if len(payload) > GLOBAL_COMMANDS_LIMIT:
        problems.append(f"{len(payload)} commands; Discord allows {GLOBAL_COMMANDS_LIMIT}")
    _unique_names(payload, "top level", problems)
    for command in payload:
        where = f"/{command.get('name')}"
        _check_named(command, where, problems)
        perms = command.get("default_member_permissions")
        if perms is not None and not (isinstance(perms, str) and perms.isdigit()):
            problems.append(f"{where}: default_member_permissions must be a string of digits")
        _check_options(command.get("options") or [], where, 0, problems)
        size = _chars(command)
        if size > COMMAND_CHARS_LIMIT:
            problems.append(
                f"{where}: {size} characters of names and descriptions; limit {COMMAND_CHARS_LIMIT}"
            )
    return problems


def _check_named(item: Mapping[str, Any], where: str, problems: list[str]) -> None:
    name = item.get("name")
    if not isinstance(name, str) or not ASCII_NAME_RE.match(name):
        problems.append(f"{where}: name {name!r} must match ^[-_a-z0-9]{{1,32}}$")
    description = item.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= DESCRIPTION_LIMIT:
        problems.append(f"{where}: description must be 1–{DESCRIPTION_LIMIT} characters")


def _unique_names(items: list[dict[str, Any]], where: str, problems: list[str]) -> None:
    names = [i.get("name") for i in items]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"{where}: the name {name!r} is used twice")


def _check_options(
    options: list[dict[str, Any]], where: str, depth: int, problems: list[str]
) -> None:
    if len(options) > OPTIONS_LIMIT:
        problems.append(f"{where}: {len(options)} options; Discord allows {OPTIONS_LIMIT}")
    _unique_names(options, where, problems)
    kinds = {o.get("type") for o in options}
    if kinds & {SUB_COMMAND, SUB_COMMAND_GROUP} and kinds - {SUB_COMMAND, SUB_COMMAND_GROUP}:
        problems.append(f"{where}: subcommands can't sit beside plain options")
    seen_optional = False
    for option in options:
        here = f"{where} {option.get('name')}"
        _check_named(option, here, problems)
        kind = option.get("type")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if kind == SUB_COMMAND_GROUP and depth > 0 or kind == SUB_COMMAND and depth > 1:
                problems.append(f"{here}: nested too deeply")
            inner = option.get("options") or []
            if kind == SUB_COMMAND_GROUP and any(o.get("type") != SUB_COMMAND for o in inner):
                problems.append(f"{here}: a subcommand group may hold only subcommands")
            _check_options(inner, here, depth + 1, problems)
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(f"{here}: a required option follows an optional one")
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > CHOICES_LIMIT:
            problems.append(f"{here}: {len(choices)} choices; Discord allows {CHOICES_LIMIT}")
        if choices and option.get("autocomplete"):
            problems.append(f"{here}: choices and autocomplete are exclusive")
        for choice in choices:
            if not 1 <= len(str(choice.get("name", ""))) <= CHOICE_TEXT_LIMIT:
                problems.append(f"{here}: choice name must be 1–{CHOICE_TEXT_LIMIT} characters")
            if len(str(choice.get("value", ""))) > CHOICE_TEXT_LIMIT:
                problems.append(f"{here}: choice value longer than {CHOICE_TEXT_LIMIT}")
        if "max_length" in option and not 1 <= option["max_length"] <= STRING_MAX_LENGTH:
            problems.append(f"{here}: max_length must be 1–{STRING_MAX_LENGTH}")
        for bound in ("min_value", "max_value"):
            if bound in option and abs(option[bound]) > INTEGER_BOUND:
                problems.append(f"{here}: {bound} out of Discord's range")


def _chars(item: Mapping[str, Any]) -> int:
    size = len(item.get("name", "")) + len(item.get("description", ""))
    for choice in item.get("choices") or []:
        size += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return size + sum(_chars(o) for o in item.get("options") or [])
