"""The weekly nudge: a DM for an active project with no log and no push in 14 days, only to
members whose check-ins are on and not paused, once a week."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage
from bot.features.projects.models import GitHubRepo
from tests.conftest import ConsoleHarness


async def nudged(app: App) -> list[str]:
    async with app.session_factory() as session:
        rows = (await session.execute(select(OutboxMessage.target, OutboxMessage.dedupe_key)
                                      .where(OutboxMessage.dedupe_key.like("project-nudge:%"))
                                      .order_by(OutboxMessage.id))).all()
    return [target for target, _ in rows]


async def test_quiet_projects_get_one_nudge_a_week_respecting_check_in_settings(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    everyone = ("ada", "grace", "bob", "carol", "dan", "eve")
    for name in everyone:
        await console.say(f"/as {name}", f'project add "{name} project"')
        if name != "carol":  # carol has no check-ins: no DMs from Pivot
            await console.say("checkin schedule daily 18:00")
    await console.say("/as bob", "checkin pause --days 60", "/as dan", "checkin off")
    await console.say("/as eve", 'project add "second"', "project drop 7")
    async with app.session_factory() as session:
        session.add(GitHubRepo(owner="grace", name="busy", state="ok", etags={}, digests={},
                               facts={"pushed_at": (clock.now() + timedelta(days=10)).isoformat()},
                               checked_at=clock.now()))
        await session.commit()
    await console.say("/as grace", "project edit 2 --repo https://github.com/grace/busy")

    clock.advance(timedelta(days=13))
    await app.scheduler.run_tick("projects.nudge")
    assert await nudged(app) == []  # not yet two weeks

    await console.say("/as eve", 'project log 6 "tuned the threshold"')
    clock.advance(timedelta(days=2))
    await app.scheduler.run_tick("projects.nudge")
    # grace pushed 5 days ago; bob is paused; carol has no check-ins; dan switched them off;
    # eve logged two days ago; eve's dropped project is never nudged.
    assert await nudged(app) == ["ada"]
    out = await console.say()
    assert "── DM to @ada ──" in out and "How is project #1 going?" in out

    await app.scheduler.run_tick("projects.nudge")
    clock.advance(timedelta(days=1))
    await app.scheduler.run_tick("projects.nudge")
    assert await nudged(app) == ["ada"]  # once a week

    clock.advance(timedelta(days=7))  # day 23: grace's push and eve's log are under 14 days old
    await app.scheduler.run_tick("projects.nudge")
    assert await nudged(app) == ["ada", "ada"]
    clock.advance(timedelta(days=7))  # day 30: now they are not
    await app.scheduler.run_tick("projects.nudge")
    assert await nudged(app) == ["ada", "ada", "ada", "grace", "eve"]
