"""Rounds: who is in the pool, blocks, no repeats, trios, pauses, determinism, cadence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import combinations

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.features.buddies import service
from bot.features.buddies.models import BuddyRound, BuddySettings
from tests.conftest import ConsoleHarness
from tests.features.buddies.conftest import Buddies, names_paired

SAME = {"tz": "Europe/Berlin", "level": "beginner", "focus": "math", "hours": 5}


async def test_blocked_pair_is_never_grouped_and_not_told(
    buddies: Buddies, console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    # ana and ben are each other's best fit; everyone else is far away.
    await buddies.join("ana", **SAME)
    await buddies.join("ben", **SAME)
    await buddies.join("cy", tz="Pacific/Auckland", level="advanced", focus="jobs", hours=20)
    await buddies.join("dee", tz="Pacific/Auckland", level="advanced", focus="jobs", hours=20)
    before = len(await buddies.outbox())
    out = await console.say("/as Ana", "buddy block ben")
    assert "won't be paired with Ben again" in out
    assert len(await buddies.outbox()) == before  # nothing is sent to anyone
    for _ in range(5):
        groups = await buddies.run_round()
        assert len(groups) == 2 and not names_paired(groups, "ana", "ben")
        clock.advance(timedelta(weeks=2))
    assert not names_paired(await buddies.groups(), "ana", "ben")
    # The blocked member's own view shows nothing about the block.
    out = await console.say("/as Ben", "buddy status")
    assert "block" not in out.lower()


async def test_block_ends_the_current_group_for_the_blocker(
    buddies: Buddies, console: ConsoleHarness, app: App
) -> None:
    await buddies.join("ana", **SAME)
    await buddies.join("ben", **SAME)
    assert await buddies.run_round() == [frozenset({"ana", "ben"})]
    await console.say("/as Ana", "buddy block ben")
    async with app.session_factory() as session:
        ana, ben = await buddies.member(session, "ana"), await buddies.member(session, "ben")
        assert await service.current_buddies(session, ana) == []
        assert await service.current_buddies(session, ben) == []


async def test_no_repeat_within_k_rounds_unless_no_alternative(
    buddies: Buddies, clock: ManualClock
) -> None:
    for name in ("ana", "ben", "cy", "dee"):
        await buddies.join(name, **SAME)
    seen: list[frozenset[str]] = []
    for _ in range(3):
        groups = await buddies.run_round()
        assert len(groups) == 2
        assert not set(groups) & set(seen), "a pair from the last 4 rounds came back"
        seen += groups
        clock.advance(timedelta(weeks=2))
    # Three rounds used all six pairs of four people: round four has to repeat, but
    # still matches everyone rather than leaving anyone out.
    assert set(seen) == {frozenset(p) for p in combinations(("ana", "ben", "cy", "dee"), 2)}
    groups = await buddies.run_round()
    assert sorted(len(g) for g in groups) == [2, 2]


async def test_no_repeat_window_is_configurable(
    buddies: Buddies, console: ConsoleHarness, clock: ManualClock
) -> None:
    for name in ("ana", "ben", "cy", "dee"):
        await buddies.join(name, **SAME)
    assert "last 1 rounds" in await console.say("admin buddies no-repeat 1")
    first = await buddies.run_round()
    clock.advance(timedelta(weeks=2))
    second = await buddies.run_round()
    assert not set(first) & set(second)


async def test_odd_pool_makes_one_trio_and_matches_everyone(buddies: Buddies) -> None:
    for name in ("ana", "ben", "cy", "dee", "eve"):
        await buddies.join(name, **SAME)
    groups = await buddies.run_round()
    assert sorted(len(g) for g in groups) == [2, 3]
    assert frozenset().union(*groups) == {"ana", "ben", "cy", "dee", "eve"}


async def test_paused_members_sit_out_until_their_date(
    buddies: Buddies, console: ConsoleHarness, clock: ManualClock
) -> None:
    for name in ("ana", "ben", "cy"):
        await buddies.join(name, **SAME)
    out = await console.say("/as Cy", "buddy pause --until 2026-03-10")
    assert "Paused until 2026-03-10" in out
    groups = await buddies.run_round()
    assert groups == [frozenset({"ana", "ben"})]
    clock.set(datetime(2026, 3, 10, 12, tzinfo=UTC))
    groups = await buddies.run_round()
    assert "cy" in frozenset().union(*groups)


async def test_pause_without_date_lasts_until_resume(
    buddies: Buddies, console: ConsoleHarness, clock: ManualClock
) -> None:
    for name in ("ana", "ben", "cy"):
        await buddies.join(name, **SAME)
    await console.say("/as Cy", "buddy pause")
    assert "paused" in (await console.say("buddy status")).lower()
    assert await buddies.run_round() == [frozenset({"ana", "ben"})]
    clock.advance(timedelta(weeks=8))
    assert "cy" not in frozenset().union(*await buddies.run_round())
    await console.say("/as Cy", "buddy resume")
    clock.advance(timedelta(weeks=2))
    assert "cy" in frozenset().union(*await buddies.run_round())


async def test_left_members_are_not_matched(buddies: Buddies, console: ConsoleHarness) -> None:
    for name in ("ana", "ben", "cy"):
        await buddies.join(name, **SAME)
    assert "left study buddies" in await console.say("/as Cy", "buddy leave")
    assert await buddies.run_round() == [frozenset({"ana", "ben"})]


async def test_same_round_same_seed_same_groups(buddies: Buddies) -> None:
    # Twelve identical profiles: every pairing scores the same, only the seed decides.
    names = [f"m{i:02d}" for i in range(12)]
    for name in names:
        await buddies.join(name, **SAME)
    first = await buddies.run_round(commit=False)
    second = await buddies.run_round(commit=False)
    assert sorted(map(sorted, first)) == sorted(map(sorted, second))
    assert len(first) == 6


async def test_a_round_runs_once_per_local_day(buddies: Buddies, console: ConsoleHarness) -> None:
    await buddies.join("ana", **SAME)
    await buddies.join("ben", **SAME)
    assert "Round done: 1 group (0 trios) from 2 members" in await console.say(
        "admin buddies run-now"
    )
    assert "A round already ran today (2026-03-02)" in await console.say("admin buddies run-now")
    assert len(await buddies.groups()) == 1


async def test_run_now_needs_two_members(buddies: Buddies, console: ConsoleHarness) -> None:
    await buddies.join("ana", **SAME)
    assert "a round needs at least 2" in await console.say("admin buddies run-now")


async def test_rounds_follow_cadence_day_and_time_across_dst(
    buddies: Buddies, console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("admin set timezone America/New_York")
    await buddies.join("ana", **SAME)
    await buddies.join("ben", **SAME)
    out = await console.say("admin buddies cadence 2", "admin buddies day wed 09:00")
    assert "every 2 weeks on Wed 09:00 (America/New_York); next: Wed 2026-03-04 09:00" in out

    async def rounds() -> list[date]:
        async with app.session_factory() as session:
            return list(
                (
                    await session.execute(select(BuddyRound.local_date).order_by(BuddyRound.id))
                ).scalars()
            )

    # Walk six weeks in 12-hour steps (02:00 and 14:00 UTC), running the tick each time.
    clock.set(datetime(2026, 3, 2, 2, tzinfo=UTC))
    start = clock.now()
    while clock.now() < start + timedelta(weeks=6):
        clock.advance(timedelta(hours=12))
        await app.scheduler.run_tick("buddies.rounds")
    assert await rounds() == [date(2026, 3, 4), date(2026, 3, 18), date(2026, 4, 1)]
    async with app.session_factory() as session:
        started = list(
            (await session.execute(select(BuddyRound.started_at).order_by(BuddyRound.id))).scalars()
        )
        settings = (await session.execute(select(BuddySettings))).scalar_one()
    # 09:00 New York is 14:00 UTC before the DST switch (8 March) and 13:00 after; the
    # tick runs at the first step at or after the slot, within the grace window.
    assert started[0] == datetime(2026, 3, 4, 14, tzinfo=UTC)
    assert started[1] == datetime(2026, 3, 18, 14, tzinfo=UTC)
    assert settings.next_round_at == datetime(2026, 4, 15, 13, tzinfo=UTC)


async def test_missed_round_beyond_grace_waits_for_the_next_slot(
    buddies: Buddies, app: App, clock: ManualClock
) -> None:
    await buddies.join("ana", **SAME)
    await buddies.join("ben", **SAME)
    # Default schedule: Mondays 10:00 UTC every 2 weeks; the first slot is today 10:00.
    clock.set(datetime(2026, 3, 3, 10, tzinfo=UTC))  # a day late: far beyond the grace
    await app.scheduler.run_tick("buddies.rounds")
    assert await buddies.groups() == []
    async with app.session_factory() as session:
        settings = (await session.execute(select(BuddySettings))).scalar_one()
    assert settings.next_round_at == datetime(2026, 3, 9, 10, tzinfo=UTC)


async def test_member_blocked_from_everyone_is_left_out_and_admin_is_told(
    buddies: Buddies, console: ConsoleHarness
) -> None:
    for name in ("ana", "ben", "cy"):
        await buddies.join(name, **SAME)
    await console.say("/as Ana", "buddy block Ben", "buddy block Cy", "/as")
    out = await console.say("admin buddies run-now")
    assert "Round done: 1 group (0 trios) from 3 members" in out
    assert "Not matched (blocked from everyone available): Ana." in out
    assert await buddies.groups() == [frozenset({"ben", "cy"})]
