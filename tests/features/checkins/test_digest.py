"""The weekly digest: numbers for everyone, names and blockers only from members who share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.dispatch import Caller
from bot.core.tenancy import Community
from tests.conftest import ConsoleHarness
from tests.features.checkins.conftest import as_member, posted, schedule


async def _press(app: App, name: str, status: str) -> None:
    period_id = (await schedule(app, name)).current_period_id
    caller = Caller(
        platform="console",
        community_id="local",
        user_id=name,
        display_name=name,
        community_name="Test group",
    )
    reply = await app.dispatcher.run_action(caller, f"checkin.answer:{period_id}:{status}")
    assert not reply.error, reply.text


async def test_weekly_digest_respects_sharing(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("admin set channel checkins #checkins")
    assert "every Monday at 10:00 UTC, in #checkins" in await console.say(
        "admin set digest-time mon 10:00"
    )
    for name in ("asha", "bruno", "chen"):
        await as_member(console, name, "checkin schedule daily 09:00")
    assert "Sharing is on" in await as_member(console, "asha", "checkin share on")
    await as_member(console, "chen", "checkin share on")
    for day in range(3, 9):  # Tuesday 3 to Sunday 8 March
        clock.set(datetime(2026, 3, day, 9, 0, tzinfo=UTC))
        await app.scheduler.run_tick("checkins.due")
        await _press(app, "chen", "done")
        if day == 3:
            await _press(app, "asha", "blocked")
            await as_member(
                console, "asha", "checkin log 'tried colab' --blocked 'CUDA out of memory'"
            )
            await _press(app, "bruno", "blocked")
            await as_member(
                console, "bruno", "checkin log 'nothing' --blocked 'my secret struggle'"
            )
        else:
            await _press(app, "asha", "done")
    clock.set(datetime(2026, 3, 9, 9, 59, tzinfo=UTC))
    await app.scheduler.run_all()
    assert await posted(app, "digest:") == []
    clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    await app.scheduler.run_all()
    clock.advance(timedelta(minutes=5))
    await app.scheduler.run_all()
    [digest] = await posted(app, "digest:")
    community_id = await _community_id(app)
    assert (digest.key, digest.kind, digest.target) == (
        f"digest:{community_id}:2026-W11",
        "channel",
        "checkins",
    )
    text = digest.text
    assert "3 of 3 members checked in; 13 of 18 check-ins answered (72%)" in text
    assert "<@chen>: 6" in text and "<@asha>: 5" in text and "<@bruno>" not in text
    assert "<@asha>: CUDA out of memory" in text
    assert "secret struggle" not in text and "1 more blocker(s) were raised privately" in text
    out = await console.say("/wait 10m")
    assert "── #checkins ──" in out and "Weekly check-in digest · 2026-W11" in out
    report = await console.say("admin checkins report --weeks 3")
    assert "2026-W09` ▱▱▱▱▱▱▱▱▱▱ 0% · 0/0 answered · 0 members" in report
    assert "2026-W10` ▰▰▰▰▰▰▰▱▱▱ 72% · 13/18 answered · 3 members" in report
    assert "2026-W11` ▱▱▱▱▱▱▱▱▱▱ 0% · 0/3 answered · 3 members" in report


async def _community_id(app: App) -> int:
    from sqlalchemy import select

    async with app.session_factory() as session:
        return (await session.execute(select(Community.id))).scalar_one()


async def test_no_digest_without_a_time_or_a_channel(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await as_member(console, "dana", "checkin schedule daily 09:00")
    assert "not scheduled" in await console.say("admin show")
    await console.say("admin set digest-time tue 08:00")
    assert "Check-in digest: Tuesday 08:00 UTC" in await console.say("admin show")
    clock.set(datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
    await app.scheduler.run_all()
    assert await posted(app, "digest:") == []  # no check-ins channel yet
    await console.say("admin set channel checkins #checkins")
    await app.scheduler.run_all()
    [digest] = await posted(app, "digest:")
    assert "No check-ins this week" in digest.text
