"""Daily selection: no repeats within 60 days, rotating topics, a weekly ramp, a seeded mix."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from bot.app import App
from bot.features.challenges import service
from bot.features.challenges.bank import ChallengeItem
from bot.features.challenges.generators import FAMILIES
from bot.features.challenges.models import ChallengePost
from bot.features.challenges.selection import (
    NO_REPEAT_DAYS,
    Catalogue,
    daily_item,
    default_catalogue,
    recent_window,
    topic_rotation,
)
from tests.features.challenges import factories

RAMP = (1, 2, 3, 4, 5, 3, 3)
START = date(2026, 3, 2)


def _run(catalogue: Catalogue, community_id: int, days: int) -> list[tuple[date, ChallengeItem]]:
    """What a community would get on its weekdays, feeding back its own history like the service."""
    history: list[tuple[date, ChallengeItem]] = []
    for offset in range(days):
        day = START + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        used = {item.id for d, item in history if d >= recent_window(day)}
        history.append((day, daily_item(catalogue, community_id, day, RAMP[day.weekday()], used)))
    return history


def test_no_item_repeats_within_sixty_days() -> None:
    history = _run(default_catalogue(), 7, 240)
    last_seen: dict[str, date] = {}
    for day, item in history:
        if item.id in last_seen:
            assert (day - last_seen[item.id]).days >= NO_REPEAT_DAYS, item.id
        last_seen[item.id] = day


def test_a_small_bank_is_stretched_by_generated_problems_not_repeats() -> None:
    tiny = Catalogue(
        tuple(i for i in default_catalogue().items if i.topic == "calculus")[:6],
        (FAMILIES["dot-product"],),
    )
    history = _run(tiny, 1, 120)
    by_id = defaultdict(list)
    for day, item in history:
        by_id[item.id].append(day)
    for item_id, days in by_id.items():
        assert all((b - a).days >= NO_REPEAT_DAYS for a, b in zip(days, days[1:], strict=False)), (
            item_id
        )
    assert sum(i.id.startswith("gen-") for _, i in history) >= len(history) - 12


def test_selection_is_deterministic_per_community_and_date() -> None:
    cat = default_catalogue()
    first = [item.id for _, item in _run(cat, 3, 30)]
    again = [item.id for _, item in _run(Catalogue(cat.items, cat.families), 3, 30)]
    other = [item.id for _, item in _run(cat, 4, 30)]
    assert first == again
    assert first != other


def test_topics_rotate_and_steps_interleave() -> None:
    cat = default_catalogue()
    rotation = topic_rotation(cat, 5)
    assert sorted(rotation) == cat.topics
    history = _run(cat, 5, 70)
    topics = [item.topic for _, item in history]
    assert all(a != b for a, b in zip(topics, topics[1:], strict=False))
    for week in range(0, len(topics) - 5, 5):
        assert len(set(topics[week : week + 5])) >= 4
        assert len({item.step for _, item in history[week : week + 5]}) >= 2


def test_difficulty_ramps_through_the_week_and_both_sources_are_used() -> None:
    history = _run(default_catalogue(), 9, 280)
    by_weekday = defaultdict(list)
    for day, item in history:
        by_weekday[day.weekday()].append(item.difficulty)
    means = [sum(v) / len(v) for _, v in sorted(by_weekday.items())]
    assert means == sorted(means) and means[0] < 2.2 and means[4] > 3.5
    generated = sum(item.id.startswith("gen-") for _, item in history)
    assert 0 < generated < len(history)


def test_generated_ids_regenerate_the_same_problem() -> None:
    cat = default_catalogue()
    item = next(i for _, i in _run(cat, 2, 60) if i.id.startswith("gen-"))
    assert cat.item(item.id) == item
    assert cat.item("gen-no-such-family-3") is None and cat.item("nope-1") is None


async def test_the_service_feeds_the_last_sixty_days_into_selection(app: App) -> None:
    async with app.session_factory() as session:
        where = await factories.community(session, "c")
        cfg = await service.config(session, where.id)
        first = await service.choose(session, where.id, START, cfg)
        await factories.post(
            session,
            where,
            START - timedelta(days=NO_REPEAT_DAYS - 1),
            first.id,
            posted_at=datetime.combine(START, time(9), tzinfo=UTC),
        )
        assert (await service.choose(session, where.id, START, cfg)).id != first.id
        # Posted 60 days before: free again, and the choice goes back to what it was.
        post = (await session.execute(select(ChallengePost))).scalar_one()
        post.local_date = START - timedelta(days=NO_REPEAT_DAYS)
        await session.flush()
        assert (await service.choose(session, where.id, START, cfg)).id == first.id
