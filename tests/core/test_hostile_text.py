"""Hostile text through EVERY text parameter of EVERY command (generated from the registry, so
new features are covered as they land): no error page, and nothing stored that could deceive.
And every button declares who may press it; another member's is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.core.commands import NOT_YOURS, Command, Kind, Param
from bot.core.db import Base
from bot.core.dispatch import Caller
from bot.core.forms import form_for

HOSTILE = {
    "rlo": "safe\u202etxt.exe",
    "nul": "before\x00after",
    "zero-width": "in\u200bvis\u200dible\u2060",
    "huge": "x" * 10_000,
    "control": "bell\x07 escape\x1b[31m red\x7f",
}
# What must never be stored: bidi overrides/isolates, NUL, zero-width space, controls (not \n \t).
DECEIVING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")

ADMIN = Caller(platform="console", community_id="local", user_id="ada", display_name="ada",
               community_name="Test group", is_admin=True)


def _filler(param: Param) -> str | None:
    return {
        Kind.INTEGER: "1",
        Kind.NUMBER: "1",
        Kind.DATE: "tomorrow",
        Kind.TIME: "10:00",
        Kind.DURATION: "1d",
        Kind.TIMEZONE: "Europe/Berlin",
        Kind.MEMBER: "ada",
        Kind.CHANNEL: "#general",
        Kind.CHOICE: param.choices[0] if param.choices else None,
        Kind.TEXT: "ok",
    }.get(param.kind)


def _cases(app: App) -> list[tuple[Command, Param]]:
    return [(c, p) for c in app.registry.commands() for p in c.params if p.kind is Kind.TEXT]


async def _stored_strings(app: App) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    async with app.session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if isinstance(value, str):
                        found.append((f"{table.name}.{column}", value))
    return found


async def test_hostile_text_in_every_text_parameter(app: App) -> None:
    cases = _cases(app)
    assert len(cases) >= 10  # the registry really was walked
    await app.dispatcher.run_text(ADMIN, 'goal add "A goal to act on"')
    for command, target in cases:
        for name, hostile in HOSTILE.items():
            raw: dict[str, Any] = {}
            for param in command.params:
                if param is target:
                    raw[param.name] = hostile
                elif param.required and (value := _filler(param)) is not None:
                    raw[param.name] = value
            reply = await app.dispatcher.run_command(ADMIN, command, raw)
            shown = " ".join([reply.title or "", reply.text, *(f.value for f in reply.fields)])
            assert "Something went wrong" not in shown, (command.name, target.name, name, shown)
            assert "Traceback" not in shown
            if name == "nul":
                assert "NUL" in shown or reply.text == "" or "\x00" not in shown
    bad = [(where, value[:60]) for where, value in await _stored_strings(app) if DECEIVING.search(value)]
    assert not bad, bad


async def test_hostile_text_in_every_form_field(app: App) -> None:
    """The same through forms (Slack modals, Discord modals, the console's questions)."""
    for command in app.registry.commands():
        modal = form_for(command, ADMIN.user_id)
        for name, hostile in HOSTILE.items():
            values = {i.name: hostile if j == 0 else "" for j, i in enumerate(modal.inputs)}
            reply = await app.dispatcher.run_action(ADMIN, modal.submit_action, values)
            assert "Something went wrong" not in reply.text, (command.name, name, reply.text)
    bad = [(where, value[:60]) for where, value in await _stored_strings(app) if DECEIVING.search(value)]
    assert not bad, bad


def test_every_action_declares_an_audience(app: App) -> None:
    actions = [a for g in app.registry.groups.values() for a in g.actions.values()]
    assert actions
    for action in actions:
        assert callable(action.audience), action.id


def _owner_index(action: Any) -> int | None:
    audience = action.audience
    if audience.__qualname__ != "owner.<locals>.is_owner" or audience.__closure__ is None:
        return None
    return int(audience.__closure__[0].cell_contents)


async def test_another_members_button_is_refused(app: App) -> None:
    """Every action addressed to one member (`owner(i)`): a different member pressing it is told
    it isn't theirs, before its handler runs."""
    await app.dispatcher.run_text(ADMIN, "goal list")  # ada is member 1
    grace = Caller(platform="console", community_id="local", user_id="grace", display_name="grace",
                   community_name="Test group")
    owned = 0
    for group in app.registry.groups.values():
        for action in group.actions.values():
            index = _owner_index(action)
            if index is None:
                continue
            owned += 1
            args = ["1"] * (index + 3)
            reply = await app.dispatcher.run_action(grace, ":".join([action.id, *args]))
            assert reply.text.endswith(NOT_YOURS) or NOT_YOURS in reply.text, (action.id, reply.text)
    assert owned >= 1


async def test_someone_elses_form_is_refused(app: App) -> None:
    command = app.registry.get("goal add")
    modal = form_for(command, "ada")
    grace = Caller(platform="console", community_id="local", user_id="grace", display_name="grace")
    reply = await app.dispatcher.run_action(grace, modal.submit_action, {"text": "Not mine"})
    assert NOT_YOURS in reply.text
    assert not [v for _, v in await _stored_strings(app) if v == "Not mine"]


@pytest.mark.parametrize("text", list(HOSTILE.values()))
async def test_hostile_text_typed_in_the_console(console, text: str) -> None:
    out = await console.say(f'goal add "{text}"')
    assert "Something went wrong" not in out
