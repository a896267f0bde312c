"""Rounds: who pairs with whom (time overlap, type, level), the scheduled tick, recent
pairs, prompts not repeated, and privacy forget covering the mock tables."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.tenancy import Member, ensure_community, ensure_member
from bot.features.mock import service
from bot.features.mock.models import MockProfile, MockRound, MockSeat
from bot.features.mock.service.rounds import Week, pair_score, score_matrix
from tests.conftest import ConsoleHarness


async def _join(app: App, name: str, **options: str) -> int:
    async with app.session_factory() as session:
        community = await ensure_community(session, "console", "local", "Test group")
        member = await ensure_member(session, community, name, name.capitalize())
        await service.join(
            session, community, member,
            service.JoinOptions(
                options.pop("type", "ml-coding"), windows=options.pop("windows", "18:00-20:00"),
                **options,
            ),
            now=app.clock.now(),
        )
        await session.commit()
        return member.id


async def _round(app: App) -> list[frozenset[str]]:
    async with app.session_factory() as session:
        community = await ensure_community(session, "console", "local", "Test group")
        outcome = await service.run_round(session, community, now=app.clock.now(), manual=True)
        names = {m.id: m.platform_user_id for m in (await session.execute(select(Member))).scalars()}
        pairs = []
        for row in outcome.sessions:
            seats = (
                await session.execute(select(MockSeat.member_id).where(MockSeat.session_id == row.id))
            ).scalars()
            pairs.append(frozenset(names[i] for i in seats))
        await session.commit()
        return pairs


def _profile(member_id: int, tz: str, windows: str, kind: str = "ml-coding", level: int = 0,
             days: str = "") -> MockProfile:
    return MockProfile(member_id=member_id, timezone=tz, windows=windows, interview_type=kind,
                       level=level, days=days)


def test_pair_score_weights_time_type_and_level() -> None:
    week = Week(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    a = _profile(1, "UTC", "18:00-20:00")
    same = _profile(2, "UTC", "18:00-20:00")
    other_type = _profile(3, "UTC", "18:00-20:00", kind="behavioral")
    far_level = _profile(4, "UTC", "18:00-20:00", level=2)
    never = _profile(5, "Asia/Tokyo", "18:00-20:00")  # 09:00-11:00 UTC
    short = _profile(6, "UTC", "19:30-20:00")
    for p in (a, same, other_type, far_level, never, short):
        week.add(p)
    assert pair_score(week, a, same) == 100.0  # 14 h together this week: time saturates
    assert pair_score(week, a, other_type) == 70.0
    assert pair_score(week, a, far_level) == 80.0
    assert pair_score(week, a, never) is None
    assert pair_score(week, a, short) is None  # no hour-long stretch
    profiles = [a, same, other_type, far_level, never, short]
    matrix = score_matrix(week, profiles)
    for i, p in enumerate(profiles):
        for j, q in enumerate(profiles):
            if i != j:
                expected = pair_score(week, p, q)
                assert (expected is None and math.isnan(matrix[i, j])) or matrix[i, j] == expected
    slot = week.first_slot(1, 2)
    assert slot == datetime(2026, 3, 2, 20, 0, tzinfo=UTC) + timedelta(hours=22)  # Tue 18:00


async def test_pairs_follow_type_level_and_overlap(app: App) -> None:
    await _join(app, "ana", type="ml-coding", level="junior")
    await _join(app, "ben", type="ml-theory", level="senior")
    await _join(app, "cy", type="ml-coding", level="junior")
    await _join(app, "dee", type="ml-theory", level="senior")
    await _join(app, "eve", windows="06:00-07:00", tz="Asia/Tokyo")  # nobody else's hours
    pairs = await _round(app)
    assert sorted(pairs, key=sorted) == [frozenset({"ana", "cy"}), frozenset({"ben", "dee"})]
    async with app.session_factory() as session:
        r = (await session.execute(select(MockRound))).scalar_one()
    assert (r.pool_size, r.unmatched) == (5, 1)


async def test_recent_pairs_are_avoided_for_four_rounds(app: App, clock: ManualClock) -> None:
    for name in ("ana", "ben", "cy", "dee"):
        await _join(app, name, type="ml-coding" if name in ("ana", "ben") else "behavioral")
    seen: list[set[frozenset[str]]] = []
    for _ in range(3):
        seen.append(set(await _round(app)))
        clock.advance(timedelta(days=7))
    # Three rounds of four members: every possible pair once, none repeated.
    everyone = set().union(*seen)
    assert len(everyone) == 6 and all(len(s) == 2 for s in seen)
    # The fourth round must repeat one (only 3 perfect matchings exist), but still pairs all.
    assert len(await _round(app)) == 2


async def test_prompts_are_not_repeated_for_a_member(app: App, clock: ManualClock) -> None:
    await _join(app, "ana", type="ml-theory")
    await _join(app, "ben", type="ml-theory")
    for _ in range(6):
        await _round(app)
        clock.advance(timedelta(days=7))
    async with app.session_factory() as session:
        asked = list(
            (await session.execute(select(MockSeat.partner_id, MockSeat.prompt_id))).all()
        )
    for member in {m for m, _ in asked}:
        prompts = [p for m, p in asked if m == member]
        assert len(prompts) == 6 and len(set(prompts)) == 6


async def test_a_scheduled_round_runs_once_from_the_tick(console: ConsoleHarness, app: App) -> None:
    await console.say(
        "/as Ana", "mock join --type ml-coding --windows 18:00-20:00",
        "/as Ben", "mock join --type ml-coding --windows 18:00-20:00", "/as",
    )
    out = await console.say("/wait 3h")  # the default slot is Monday 10:00
    assert out.count("Your mock interview this week") == 1
    assert "Tue 2026-03-03 18:00 (UTC) for Ana = Tue 2026-03-03 18:00 (UTC) for Ben" in out
    assert "A round already ran today" in await console.say("admin mock run-now")
    async with app.session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(MockRound))).scalar_one() == 1


async def test_privacy_forget_covers_the_mock_tables(console: ConsoleHarness, app: App) -> None:
    await console.say(
        "/as Ana", "mock join --type ml-coding --windows 18:00-20:00",
        "/as Ben", "mock join --type ml-coding --windows 18:00-20:00", "/as",
        "admin mock run-now",
    )
    shown = await console.say("/as Ben", "privacy")
    assert "mock profiles: 1" in shown and "mock seats: 1" in shown
    await console.say("privacy forget", "1")
    async with app.session_factory() as session:
        profiles = list((await session.execute(select(MockProfile.member_id))).scalars())
        seats = list((await session.execute(select(MockSeat.member_id, MockSeat.partner_id))).all())
        ana = (
            await session.execute(select(Member.id).where(Member.platform_user_id == "ana"))
        ).scalar_one()
    assert profiles == [ana]
    assert seats == []  # Ben's seat, and Ana's seat about Ben, are gone
    out = await console.say("/as Ana", "mock history")
    assert "None yet" in out
