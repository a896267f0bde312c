"""After two missed check-ins in a row, the member's study buddy gets one friendly DM."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.tenancy import Community, Member
from tests.conftest import ConsoleHarness
from tests.features.checkins.conftest import as_member, posted, schedule

buddies = pytest.importorskip("bot.features.buddies.service")


async def _prompt(app: App, clock: ManualClock, name: str) -> None:
    clock.set((await schedule(app, name)).next_due_at)  # type: ignore[arg-type]
    await app.scheduler.run_tick("checkins.due")


async def test_two_misses_nudge_the_buddy_once_per_run(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await as_member(console, "mo", "checkin schedule daily 09:00")
    await as_member(console, "bea", "checkin show")
    async with app.session_factory() as session:
        community = (await session.execute(select(Community))).scalar_one()
        members = {m.platform_user_id: m for m in (await session.execute(select(Member))).scalars()}
        await buddies.create_group(
            session, community, [members["mo"], members["bea"]], now=clock.now()
        )
        await session.commit()
    for _ in range(3):  # Monday and Tuesday go unanswered; Wednesday's prompt closes Tuesday's
        await _prompt(app, clock, "mo")
    nudges = await posted(app, "checkin-nudge:")
    assert [(n.kind, n.target) for n in nudges] == [("dm", "bea")]
    assert "<@mo> has missed their last two check-ins" in nudges[0].text
    for _ in range(2):  # a third and fourth miss in the same run: no more nudges
        await _prompt(app, clock, "mo")
    assert len(await posted(app, "checkin-nudge:")) == 1
    await as_member(console, "mo", "checkin log 'back at it'")
    for _ in range(3):  # a new run of misses earns one new nudge
        await _prompt(app, clock, "mo")
    assert len(await posted(app, "checkin-nudge:")) == 2
    out = await console.say(
        "/wait 10m"
    )  # the first nudge went out when mo typed; this is the second
    assert out.count("── DM to @bea ──") == 1 and "friendly message" in out


async def test_no_buddy_no_nudge(console: ConsoleHarness, app: App, clock: ManualClock) -> None:
    await as_member(console, "solo", "checkin schedule daily 09:00")
    for _ in range(4):
        await _prompt(app, clock, "solo")
    assert await posted(app, "checkin-nudge:") == []
    assert (await schedule(app, "solo")).missed_run == 3
