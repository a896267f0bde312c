"""Topics: the challenge bank's plus career, tooling and projects; a guess from the words."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput
from bot.features.ask.topics import FALLBACK, KEYWORDS, TOPICS, parse_topics, suggest
from bot.features.challenges.bank import TOPICS as CHALLENGE_TOPICS


def test_topics_are_the_bank_s_plus_practical_ones() -> None:
    assert set(TOPICS) == set(CHALLENGE_TOPICS) | {"career", "tooling", "projects"}
    assert set(KEYWORDS) <= set(TOPICS)


@pytest.mark.parametrize(("text", "topic"), [
    ("Why is my model overfitting the training set?", "bias-variance"),
    ("How do I pick a threshold for precision and recall?", "metrics"),
    ("CUDA out of memory in my docker container", "tooling"),
    ("How do I prepare for an ML engineer interview?", "career"),
    ("pandas groupby is slow on a big dataframe", "numpy-pandas"),
    ("What are eigenvalues of a covariance matrix?", "linear-algebra"),
    ("Should I use XGBoost or a random forest?", "trees-ensembles"),
    ("My target leaks into the features", "data-leakage"),
    ("Hello there", FALLBACK),
])
def test_suggest(text: str, topic: str) -> None:
    assert suggest(text) == topic


def test_parse_topics_accepts_topics_and_steps() -> None:
    assert parse_topics("metrics, validation") == ("metrics", "validation")
    assert parse_topics("math") == ("linear-algebra", "calculus", "probability", "statistics")
    with pytest.raises(InvalidInput, match="isn't a topic"):
        parse_topics("cooking")
