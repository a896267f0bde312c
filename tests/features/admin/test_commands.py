from __future__ import annotations

from datetime import time

from sqlalchemy import select

from bot.app import App
from bot.core.tenancy import Community, CommunityChannel
from tests.conftest import ConsoleHarness


async def _community(app: App) -> Community:
    async with app.session_factory() as session:
        return (await session.execute(select(Community))).scalar_one()


async def test_admin_settings(console: ConsoleHarness, app: App) -> None:
    assert "Daily challenges will go to #ml-daily" in await console.say("admin set channel challenge #ml-daily")
    assert "Europe/Berlin" in await console.say("admin set timezone europe/berlin")
    assert "07:30 Europe/Berlin" in await console.say("admin set challenge-time 07:30")
    community = await _community(app)
    assert (community.timezone, community.challenge_time) == ("Europe/Berlin", time(7, 30))
    shown = await console.say("admin show")
    assert "challenge: #ml-daily" in shown and "checkins: not set" in shown
    assert "Time zone: Europe/Berlin" in shown and "Challenge time: 07:30" in shown


async def test_non_admin_is_refused_and_nothing_changes(console: ConsoleHarness, app: App) -> None:
    await console.say("admin set timezone Asia/Tokyo")
    await console.as_member("mallory")
    for line in ("admin set timezone America/Lima", "admin set channel kaggle #spam",
                 "admin set challenge-time 03:00", "admin show", "admin"):
        out = await console.say(line)
        assert "Only community admins can run" in out, line
    community = await _community(app)
    assert (community.timezone, community.challenge_time) == ("Asia/Tokyo", time(9, 0))
    async with app.session_factory() as session:
        assert list((await session.execute(select(CommunityChannel))).scalars()) == []


async def test_bad_settings_are_rejected(console: ConsoleHarness, app: App) -> None:
    await console.say("admin show")
    assert "must be an IANA time zone" in await console.say("admin set timezone Mars/Base")
    assert "24-hour time like 09:30" in await console.say("admin set challenge-time 25:00")
    assert "purpose must be one of" in await console.say("admin set channel memes #memes")
    assert "must be a channel like #ml-daily" in await console.say("admin set channel kaggle #Bad!")
    community = await _community(app)
    assert (community.timezone, community.challenge_time) == ("UTC", time(9, 0))
