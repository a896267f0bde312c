"""End to end through the console: members join, an admin runs a round, the pair gets an
intro with the slot in both local times and each member a question by DM; after the slot
the feedback forms arrive, feedback goes to the partner, no-shows pause, history lists it."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.features.mock.models import MockProfile, MockSeat
from bot.features.roadmap.models import MilestoneCheck
from tests.conftest import ConsoleHarness


async def _join_pair(console: ConsoleHarness) -> str:
    return await console.say(
        "/as Ana",
        "mock join --type ml-system-design --level mid --windows 18:00-20:00 --tz Europe/Berlin",
        "/as Ben",
        "mock join --type behavioral --windows 12:00-14:00 --days mon,tue,wed --tz America/New_York",
        "/as",
    )


async def test_scratch(console: ConsoleHarness, app: App, clock: ManualClock) -> None:
    out = await _join_pair(console)
    print(out)
    out = await console.say("admin set channel mock #mock-interviews", "admin mock run-now")
    print(out)
    out = await console.say("/wait 2d")
    print(out)
    out = await console.say("/as Ben", "1", "4 3 5 4", "Clear metrics up front.", "Spend less time on the model.")
    print(out)
    out = await console.say("/as Ana", "mock history", "/as Ben", "mock history", "/as", "admin mock report")
    print(out)
    assert 0
