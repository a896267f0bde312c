"""A test-only command group: a slow command, buttons, a select and a modal.

The product has no slow command or modal yet, so the Discord tests add this group to
their App's registry (never to the product's features).
"""

from __future__ import annotations

import asyncio

from bot.core.commands import ANYONE, ActionRequest, CommandGroup, Param, action_id
from bot.core.context import Context
from bot.core.messages import Button, Modal, Reply, Select, SelectOption, TextInput


class Gate:
    """Holds a handler until the test lets it finish (set per test by the fixture)."""

    event: asyncio.Event = asyncio.Event()
    entered: asyncio.Event = asyncio.Event()

    @classmethod
    def reset(cls) -> None:
        cls.event, cls.entered = asyncio.Event(), asyncio.Event()


probe = CommandGroup("probe", "Test-only commands for the Discord adapter")

NOTE = Modal("Add a note", action_id("probe.note", 7), (TextInput("note", "What did you do?"),))


def buttons_reply() -> Reply:
    return Reply(
        title="Pick one",
        text="Buttons, a select and a form.",
        buttons=(
            Button("Press", action_id("probe.press", 7), style="success"),
            Button("Add a note", action_id("probe.note_open", 7), modal=NOTE),
        ),
        selects=(
            Select(
                "Pick a level",
                action_id("probe.level"),
                (SelectOption("Easy", "easy"), SelectOption("Hard", "hard")),
            ),
        ),
    )


@probe.command(
    "slow", "Takes its time", Param.flag("private", "Answer only to the caller"), slow=True
)
async def slow(ctx: Context, private: bool) -> Reply:
    Gate.entered.set()
    await Gate.event.wait()
    return Reply(text="Done, slowly.", ephemeral=private)


@probe.command("linger", "Not declared slow, but waits for the test")
async def linger(ctx: Context) -> Reply:
    Gate.entered.set()
    await Gate.event.wait()
    return Reply(text="Done, eventually.")


@probe.command("buttons", "Replies with components")
async def buttons(ctx: Context) -> Reply:
    return buttons_reply()


@probe.action("press", audience=ANYONE)
async def press(ctx: Context, req: ActionRequest) -> Reply:
    return Reply(
        text=f"Pressed {req.args[0]} by {ctx.member.display_name} in {ctx.community.name}."
    )


@probe.action("level", audience=ANYONE)
async def level(ctx: Context, req: ActionRequest) -> Reply:
    return Reply(text=f"Level {req.values['value']} chosen.", ephemeral=True)


@probe.action("note", audience=ANYONE)
async def note(ctx: Context, req: ActionRequest) -> Reply:
    return Reply(text=f"Noted for {req.args[0]}: {req.values['note']}", ephemeral=True)
