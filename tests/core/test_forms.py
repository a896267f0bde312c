"""Forms instead of flags: a bare command asks for its inputs on Slack, Discord and the console."""

from __future__ import annotations

from typing import Any

from bot.adapters.discord.commands import build_payload
from bot.core.commands import FormRequest, Registry, parse_text, wants_form
from bot.core.forms import form_for
from bot.features import load_all
from tests.conftest import ConsoleHarness

REGISTRY = Registry(g for f in load_all() for g in f.groups)


def test_every_command_that_needs_input_opens_a_form_when_typed_bare() -> None:
    for command in REGISTRY.commands():
        if wants_form(command):
            parsed = parse_text(REGISTRY, command.name)
            assert isinstance(parsed, FormRequest), command.name
            modal = form_for(command, "U1")
            assert 1 <= len(modal.inputs) <= 5 and len(modal.title) <= 24
            assert all(len(i.label) <= 45 and len(i.placeholder) <= 100 for i in modal.inputs)
            required = [p.name for p in command.params if p.required and p.kind.value != "flag"]
            assert [i.name for i in modal.inputs][: len(required)] == required[:5]
            assert len(modal.submit_action) <= 100


def test_form_commands_have_only_optional_options_on_discord() -> None:
    payload = {c["name"]: c for c in build_payload(REGISTRY)}

    def options(top: str, sub: str) -> list[dict[str, Any]]:
        return next(o for o in payload[top]["options"] if o["name"] == sub)["options"]

    assert not any(o["required"] for o in options("checkin", "schedule"))
    assert not any(o["required"] for o in options("buddy", "join"))


async def test_console_asks_in_turn(console: ConsoleHarness, app) -> None:
    out = await console.say("goal add")
    assert "What you want to achieve:" in out and "Missing" not in out
    out = await console.say("Finish fast.ai", "in 2 weeks", "-")
    assert "Goal #1 added" in out and "by 2026-03-16" in out
    out = await console.say("checkin schedule", "daily", "18:30", "-", "Europe/Berlin")
    assert "every day at 18:30 (Europe/Berlin)" in out
    # Flags still work.
    assert "Goal #2 added" in await console.say('goal add "Read ISLR" --by friday')
