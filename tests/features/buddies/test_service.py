"""The public service for check-ins (`current_buddies`, `create_group`), rematches, intros."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput
from bot.core.messages import Reply
from bot.core.tenancy import Community, ensure_member
from bot.features.buddies import intro, service
from bot.features.buddies.models import BuddyProfile
from tests.conftest import ConsoleHarness
from tests.features.buddies.conftest import Buddies

SAME = {"tz": "Europe/Berlin", "level": "beginner", "focus": "math", "hours": 5}


async def test_create_group_and_current_buddies(buddies: Buddies, app: App) -> None:
    async with app.session_factory() as session:
        community = await session.get(Community, buddies.community_id)
        assert community is not None
        ana = await ensure_member(session, community, "ana", "Ana")
        ben = await ensure_member(session, community, "ben", "Ben")
        cy = await ensure_member(session, community, "cy", "Cy")
        assert await service.current_buddies(session, ana) == []
        group = await service.create_group(session, community, [ana, ben], now=app.clock.now())
        assert group.round_id is None
        assert [m.id for m in await service.current_buddies(session, ana)] == [ben.id]
        assert [m.id for m in await service.current_buddies(session, ben)] == [ana.id]
        # A new group for ana ends the old one for both: ben has no buddy any more.
        await service.create_group(session, community, [ana, cy], now=app.clock.now())
        assert [m.id for m in await service.current_buddies(session, ana)] == [cy.id]
        assert await service.current_buddies(session, ben) == []
        with pytest.raises(InvalidInput):
            await service.create_group(session, community, [ana], now=app.clock.now())
        with pytest.raises(InvalidInput):
            await service.create_group(session, community, [ana, ana], now=app.clock.now())
        await session.commit()
    rows = await buddies.outbox()
    # Each intro goes to the group with the buddies channel as the parent: Discord opens a
    # private thread there, Slack a group DM, the console prints it.
    assert [(r.kind, r.target, r.channel, r.dedupe_key) for r in rows] == [
        ("group", "ana,ben", "study-buddies", f"buddy-intro:{group.id}"),
        ("group", "ana,cy", "study-buddies", f"buddy-intro:{group.id + 1}"),
    ]
    assert Reply.from_json(rows[0].payload).title == "👋 Meet your study buddy"


async def test_rematch_waits_then_pairs_two_who_asked(
    buddies: Buddies, console: ConsoleHarness, app: App
) -> None:
    for name in ("ana", "ben", "cy", "dee"):
        await buddies.join(name, **SAME)
    first = await buddies.run_round()
    ana_buddy = next(iter(next(g for g in first if "ana" in g) - {"ana"}))
    other = sorted({"ben", "cy", "dee"} - {ana_buddy})[0]
    out = await console.say("/as Ana", "buddy rematch")
    assert "on the rematch list" in out and "next round, Mon 2026-03-16 10:00" in out
    assert "waiting for a rematch" in await console.say("buddy status")
    before = len(await buddies.groups())
    out = await console.say(f"/as {other.capitalize()}", "buddy rematch")
    assert "New buddy found: @ana" in out
    groups = await buddies.groups()
    assert len(groups) == before + 1 and groups[-1] == frozenset({"ana", other})
    async with app.session_factory() as session:
        ana = await buddies.member(session, "ana")
        assert [m.platform_user_id for m in await service.current_buddies(session, ana)] == [other]
        left = await buddies.member(session, ana_buddy)
        assert await service.current_buddies(session, left) == []
        waiting = (
            (
                await session.execute(
                    select(BuddyProfile).where(BuddyProfile.rematch_requested_at.is_not(None))
                )
            )
            .scalars()
            .all()
        )
    assert waiting == []


async def test_rematch_never_pairs_blocked_or_recent(
    buddies: Buddies, console: ConsoleHarness
) -> None:
    for name in ("ana", "ben"):
        await buddies.join(name, **SAME)
    await buddies.run_round()
    await console.say("/as Ana", "buddy rematch")
    # ben was ana's buddy this round: no instant rematch with him.
    assert "on the rematch list" in await console.say("/as Ben", "buddy rematch")
    assert len(await buddies.groups()) == 1


async def test_profile_validation_and_editing(console: ConsoleHarness, buddies: Buddies) -> None:
    out = await console.say("/as Ana", "buddy join --focus cooking")
    assert "Unknown focus 'cooking'" in out
    out = await console.say("buddy join --windows 25:00-26:00")
    assert "--windows must look like 07:00-09:00,19:00-22:00" in out
    assert "haven't joined" in await console.say("buddy profile")
    out = await console.say("buddy join --focus math,linear-algebra --size 3 --level advanced")
    assert "You're in!" in out and "linear-algebra, math" in out and "Group size: 3" in out
    out = await console.say("buddy profile --windows 07:00-09:00,22:00-01:00 --hours 8")
    assert "07:00-09:00, 22:00-01:00" in out and "Hours a week: 8" in out
    out = await console.say("buddy profile")
    assert "Level: advanced" in out and "Time zone: UTC" in out
    assert "--size must be one of 2, 3" in await console.say("buddy profile --size 4")


def _person(
    name: str,
    tz: str,
    windows: tuple[tuple[time, time], ...] = (),
    focus: frozenset[str] = frozenset({"math"}),
) -> intro.Person:
    from bot.core.tenancy import Member

    member = Member(
        id=hash(name) % 1000, community_id=1, platform_user_id=name.lower(), display_name=name
    )
    return intro.Person(member, tz, windows, focus, 0, 5)


def test_intro_states_overlap_in_each_local_time() -> None:
    ana = _person("Ana", "Europe/Berlin", ((time(18), time(21)),), frozenset({"math", "jobs"}))
    ben = _person("Ben", "America/New_York", ((time(9), time(17)),), frozenset({"math"}))
    reply = intro.intro_reply([ana, ben], on=date(2026, 3, 2))
    assert (
        "you overlap 18:00–21:00 for Ana (Europe/Berlin) = "
        "12:00–15:00 for Ben (America/New_York) — 3 h a day"
    ) in reply.text
    assert "you both focus on math" in reply.text
    assert "<@ana> and <@ben>" in reply.text
    assert "pick this week's challenge and solve it together" in reply.text


def test_intro_without_overlap_suggests_async() -> None:
    ana = _person("Ana", "Europe/Berlin", ((time(7), time(9)),))
    ben = _person("Ben", "America/Los_Angeles", ((time(7), time(9)),))
    reply = intro.intro_reply([ana, ben], on=date(2026, 3, 2))
    assert "don't overlap" in reply.text and "you overlap" not in reply.text


def test_overlap_runs_past_midnight_utc() -> None:
    # 22:00-02:00 Auckland (UTC+13 in March) and 08:00-16:00 Berlin (UTC+1).
    runs = intro.shared_runs(
        [("Pacific/Auckland", ((time(22), time(2)),)), ("Europe/Berlin", ((time(8), time(16)),))],
        date(2026, 3, 2),
    )
    assert runs == [(9 * 60, 4 * 60)]  # 09:00-13:00 UTC


def test_windows_parse_and_reject() -> None:
    assert service.parse_windows("7:00-9:30, 22:00-24:00") == (
        (time(7), time(9, 30)),
        (time(22), time(0)),
    )
    for bad in ("9-10", "10:00-10:00", "10:60-11:00"):
        with pytest.raises(InvalidInput):
            service.parse_windows(bad)


async def test_status_lists_current_and_past_buddies(
    buddies: Buddies, console: ConsoleHarness, clock: ManualClock
) -> None:
    for name in ("ana", "ben", "cy"):
        await buddies.join(name, **SAME)
    await console.say("/as Cy", "buddy pause")
    await buddies.run_round()
    await console.say("/as Cy", "buddy resume", "/as Ben", "buddy pause")
    clock.advance(timedelta(weeks=2))
    await buddies.run_round()
    out = await console.say("/as Ana", "buddy status")
    assert "Current buddy: @cy (since 2026-03-16)" in out
    assert "2026-03-16: Cy" in out and "2026-03-02: Ben" in out
    assert "next round Mon 2026-03-30 10:00" in out


async def test_leave_ends_the_current_group_and_join_restores_the_profile(
    buddies: Buddies, console: ConsoleHarness, app: App
) -> None:
    await buddies.join("ana", **SAME)
    await buddies.join("ben", **SAME)
    await buddies.run_round()
    await console.say("/as Ana", "buddy leave")
    async with app.session_factory() as session:
        ben = await buddies.member(session, "ben")
        assert await service.current_buddies(session, ben) == []
    assert "haven't joined" in await console.say("buddy profile")
    out = await console.say("buddy join")  # a form; skipping every question keeps the profile
    assert "== buddy join ==" in out
    out = await console.say(*["-"] * 5)
    assert "You're in!" in out and "Time zone: Europe/Berlin" in out and "Focus: math" in out
    assert "already in" in await console.say("buddy join --hours 7")
