"""The Elo-style rating: expected scores, update sizes and the level practice aims at."""

from __future__ import annotations

import pytest

from bot.features.challenges import rating


def test_a_newcomer_is_even_with_a_medium_item() -> None:
    assert rating.expected_score(rating.START, 3) == pytest.approx(0.5)
    assert (
        rating.expected_score(rating.START, 1) > 0.8 > 0.2 > rating.expected_score(rating.START, 5)
    )


def test_updates_reward_surprises_more_than_the_expected() -> None:
    # Provisional K = 48 at 1000 vs difficulty 3: ±24.
    assert rating.updated(1000, 3, True, 0) == pytest.approx(1024)
    assert rating.updated(1000, 3, False, 0) == pytest.approx(976)
    easy_right = rating.updated(1000, 1, True, 0) - 1000
    hard_right = rating.updated(1000, 5, True, 0) - 1000
    assert 0 < easy_right < hard_right
    easy_wrong = rating.updated(1000, 1, False, 0) - 1000
    assert easy_wrong < -hard_right / 2 < 0


def test_the_rating_settles_after_ten_answers() -> None:
    assert rating.updated(1000, 3, True, 9) - 1000 == pytest.approx(24)
    assert rating.updated(1000, 3, True, 10) - 1000 == pytest.approx(12)


@pytest.mark.parametrize(
    ("value", "expected"), [(600, 1), (850, 2), (1000, 3), (1150, 4), (1300, 5), (1900, 5)]
)
def test_level_maps_a_rating_to_a_difficulty(value: float, expected: int) -> None:
    assert rating.level(value) == expected


def test_a_member_who_keeps_getting_hard_items_right_climbs_to_level_five() -> None:
    value, answers = rating.START, 0
    while rating.level(value) < 5:
        value = rating.updated(value, rating.level(value), True, answers)
        answers += 1
        assert answers < 30
