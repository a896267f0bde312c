"""Elo-style skill ratings: a member against an item of known difficulty.

Each item gets a fixed rating from its difficulty (1 → 700, 3 → 1000, 5 → 1300),
and every member starts at 1000 on every topic, i.e. "a difficulty-3 item is a
coin flip". After an answer the member's rating moves by K·(score − expected),
with the usual logistic expectation on a 400-point scale. Items do not move:
with a handful of members per community their ratings would be noise.

K is larger for a member's first answers on a topic (provisional rating), so a
newcomer's level is found in a few questions, then settles.
"""

from __future__ import annotations

START = 1000.0
POINTS_PER_LEVEL = 150.0
SCALE = 400.0
K_PROVISIONAL = 48.0
K_SETTLED = 24.0
PROVISIONAL_ANSWERS = 10


def item_rating(difficulty: int) -> float:
    """The fixed rating of an item of difficulty 1–5."""
    return START + POINTS_PER_LEVEL * (difficulty - 3)


def expected_score(member_rating: float, difficulty: int) -> float:
    """The chance, by the model, that a member at this rating gets the item right."""
    return 1.0 / (1.0 + 10.0 ** ((item_rating(difficulty) - member_rating) / SCALE))


def k_factor(answers_so_far: int) -> float:
    return K_PROVISIONAL if answers_so_far < PROVISIONAL_ANSWERS else K_SETTLED


def updated(member_rating: float, difficulty: int, correct: bool, answers_so_far: int) -> float:
    """The member's new rating after one answer."""
    score = 1.0 if correct else 0.0
    return member_rating + k_factor(answers_so_far) * (
        score - expected_score(member_rating, difficulty)
    )


def level(member_rating: float) -> int:
    """The difficulty 1–5 whose items this member answers right about half the time."""
    raw = round(3 + (member_rating - START) / POINTS_PER_LEVEL)
    return max(1, min(5, raw))
