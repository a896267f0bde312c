"""The application-command payload: generated from the registry, within Discord's limits."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.adapters.discord.commands import (
    build_payload,
    command_index,
    discord_path,
    invoked,
    raw_args,
    validate_payload,
)
from bot.core.commands import ANYONE, ChannelRef, CommandGroup, MemberRef, Param, Registry
from bot.core.context import Context
from bot.core.messages import Reply
from bot.features import load_all

STRING, INTEGER, BOOLEAN, USER, CHANNEL = 3, 4, 5, 6, 7


def full_registry() -> Registry:
    """Every feature the app loads: whatever is merged is checked."""
    return Registry(g for f in load_all() for g in f.groups)


def find(payload: list[dict[str, Any]], path: tuple[str, ...]) -> dict[str, Any]:
    level: dict[str, Any] = next(c for c in payload if c["name"] == path[0])
    for word in path[1:]:
        level = next(o for o in level["options"] if o["name"] == word)
    return level


def test_every_command_of_every_feature_fits_discords_limits() -> None:
    registry = full_registry()
    payload = build_payload(registry)
    assert validate_payload(payload) == []
    assert [c["name"] for c in payload] == [n for n, g in registry.groups.items() if g.commands]
    for group in registry.groups.values():
        for command in group.commands:
            leaf = find(payload, discord_path(group, command))
            options = [o["name"] for o in leaf.get("options", [])]
            assert sorted(options) == sorted(p.option_name for p in command.params), command.name
            for option in leaf.get("options", []):
                assert re.fullmatch(r"[-_a-z0-9]{1,32}", option["name"])
                assert 1 <= len(option["description"]) <= 100


def test_every_command_path_resolves_back_to_its_registry_command() -> None:
    registry = full_registry()
    index = command_index(registry)
    for group in registry.groups.values():
        for command in group.commands:
            path = discord_path(group, command)
            data: dict[str, Any] = {"name": path[0], "options": []}
            holder = data
            for word in path[1:]:
                entry = {"name": word, "type": 1 if word == path[-1] else 2, "options": []}
                holder["options"].append(entry)
                holder = entry
            assert index[invoked(data)[0]] is command


def test_bare_commands_and_action_only_groups() -> None:
    solo = CommandGroup("ping", "Is Pivot there?")
    solo.command("", "Answer pong", Param.text("note", "Say something", required=False))(_noop)
    mixed = CommandGroup("stats", "Numbers")
    mixed.command("", "Overview")(_noop)
    mixed.command("week", "This week")(_noop)
    buttons_only = CommandGroup("quiz", "Quiz buttons")
    buttons_only.action("answer", audience=ANYONE)(_noop)
    registry = Registry([solo, mixed, buttons_only])
    payload = build_payload(registry)
    assert validate_payload(payload) == []
    assert [c["name"] for c in payload] == ["ping", "stats"]
    assert [o["name"] for o in find(payload, ("ping",))["options"]] == ["note"]
    assert [o["name"] for o in find(payload, ("stats",))["options"]] == ["run", "week"]
    index = command_index(registry)
    assert index[("ping",)].path == ("ping",) and index[("stats", "run")].path == ("stats",)


def test_options_are_typed_from_param_kinds_with_required_first() -> None:
    payload = build_payload(full_registry())
    add = find(payload, ("goal", "add"))
    assert [(o["name"], o["type"], o["required"]) for o in add["options"]] == [
        ("text", STRING, True),
        ("by", STRING, False),
        ("step", STRING, False),
        ("private", BOOLEAN, False),
    ]
    text, by, step, _ = add["options"]
    assert (text["min_length"], text["max_length"]) == (1, 300)
    assert "YYYY-MM-DD" in by["description"]
    assert [c["value"] for c in step["choices"]] == [
        "basics",
        "math",
        "projects",
        "community",
        "jobs",
    ]
    member = find(payload, ("goal", "list"))["options"][0]
    assert (member["name"], member["type"]) == ("member", USER)
    goal_id = find(payload, ("goal", "progress"))["options"][0]
    assert (goal_id["type"], goal_id["min_value"], goal_id["autocomplete"]) == (INTEGER, 1, True)
    percent = find(payload, ("goal", "progress"))["options"][1]
    assert (percent["min_value"], percent["max_value"]) == (0, 100)


def test_admin_is_hidden_from_members_without_manage_server_and_nests_subcommand_groups() -> None:
    payload = build_payload(full_registry())
    admin = find(payload, ("admin",))
    assert admin["default_member_permissions"] == "32"
    assert "default_member_permissions" not in find(payload, ("goal",))
    set_group = find(payload, ("admin", "set"))
    assert set_group["type"] == 2
    channel = find(payload, ("admin", "set", "channel"))
    assert channel["type"] == 1
    purpose, target = channel["options"]
    assert purpose["type"] == STRING and "challenge" in [c["value"] for c in purpose["choices"]]
    assert target["type"] == CHANNEL and target["channel_types"] == [0, 5]
    timezone = find(payload, ("admin", "set", "timezone"))["options"][0]
    assert timezone["type"] == STRING and timezone["autocomplete"] is True
    assert all(c["contexts"] == [0] for c in payload)


async def _noop(ctx: Context, **_: Any) -> Reply:
    return Reply()


def test_limits_are_enforced_by_trimming_or_autocomplete() -> None:
    group = CommandGroup("quiz", "x" * 150)
    group.command(
        "pick",
        "Pick one",
        Param.choice("answer", "y" * 300, [f"option-{i}" for i in range(40)]),
        Param.text("why", "Why", required=False),
        Param.integer("n", "How many"),
    )(_noop)
    payload = build_payload(Registry([group]))
    assert validate_payload(payload) == []
    [quiz] = payload
    assert len(quiz["description"]) == 100 and quiz["description"].endswith("…")
    answer, n, why = quiz["options"][0]["options"]
    assert (answer["name"], n["name"], why["name"]) == ("answer", "n", "why")  # required first
    assert "choices" not in answer and answer["autocomplete"] is True  # 40 choices > Discord's 25
    assert len(answer["description"]) == 100


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (lambda c: c.update(name="Goal"), "must match"),
        (lambda c: c.update(description=""), "description must be 1–100"),
        (
            lambda c: c["options"][0]["options"][0].update(
                choices=[{"name": str(i), "value": str(i)} for i in range(26)]
            ),
            "26 choices",
        ),
        (lambda c: c["options"][0]["options"].reverse(), "required option follows an optional one"),
        (
            lambda c: c["options"].extend(
                [{"type": 1, "name": f"s{i}", "description": "d"} for i in range(25)]
            ),
            "options; Discord allows 25",
        ),
        (
            lambda c: c["options"][0].update(
                options=[{"type": 2, "name": "deep", "description": "d", "options": []}]
            ),
            "nested too deeply",
        ),
    ],
)
def test_the_validator_catches_what_discord_would_reject(breakage: Any, problem: str) -> None:
    group = CommandGroup("goal", "Goals")
    group.command(
        "add", "Add", Param.text("text", "What"), Param.date("by", "When", required=False)
    )(_noop)
    [command] = build_payload(Registry([group]))
    breakage(command)
    assert any(problem in p for p in validate_payload([command])), validate_payload([command])


def test_user_and_channel_options_become_member_and_channel_refs() -> None:
    group = CommandGroup("buddy", "Buddies")
    command_group = group.command(
        "pair", "Pair", Param.member("with", "Who"), Param.channel("where", "Where")
    )
    command_group(_noop)
    [command] = group.commands
    args = raw_args(
        command,
        [{"name": "with", "type": 6, "value": "42"}, {"name": "where", "type": 7, "value": "7"}],
        {
            "users": {"42": {"id": "42", "username": "ada", "global_name": "Ada L."}},
            "members": {"42": {"nick": "ada-ml"}},
            "channels": {"7": {"id": "7", "name": "buddies"}},
        },
    )
    assert args == {
        "with": MemberRef(user_id="42", display_name="ada-ml"),
        "where": ChannelRef("7", "buddies"),
    }
