"""Bank-wide quality gates: multiple choice is not guessable by length, sources point at the
section that answers, and the shares are printed for the record (`pytest -s` shows them)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.features.challenges.bank import (
    DOMINANT_RATIO,
    MAX_DOMINANT_SHARE,
    MAX_LONGEST_SHARE,
    STEPS,
    choice_giveaways,
    is_home_page,
    load_bank,
)
from bot.features.challenges.generators import FAMILIES


def test_the_longest_option_is_not_a_giveaway() -> None:
    stats = choice_giveaways(load_bank())
    print(
        f"\nchoice items: {stats['choice_items']}; right option strictly longest: "
        f"{len(stats['longest'])} ({stats['longest_share']:.1%}, limit {MAX_LONGEST_SHARE:.0%}); "
        f"more than {DOMINANT_RATIO}× the next-longest: {len(stats['dominant'])} "
        f"({stats['dominant_share']:.1%}, limit {MAX_DOMINANT_SHARE:.0%})"
    )
    assert stats["longest_share"] <= MAX_LONGEST_SHARE, stats["longest"]
    assert stats["dominant_share"] <= MAX_DOMINANT_SHARE, stats["dominant"]


def test_giveaway_measure_counts_what_it_says() -> None:
    from tests.features.challenges.test_grading import _choice_item

    item = _choice_item()  # options of length 15, 23 and 19; the right one (B) is longest
    stats = choice_giveaways([item])
    assert stats["longest"] == [item.id] and stats["dominant"] == []
    padded = item.model_copy(update={"choices": ("x", "The training split only", "y")})
    assert choice_giveaways([padded])["dominant"] == [item.id]


def test_counts_per_step_and_topic_are_printed() -> None:
    items = load_bank()
    steps = Counter(i.step for i in items)
    topics = Counter(i.topic for i in items)
    print("\nitems per step: " + ", ".join(f"{s} {steps.get(s, 0)}" for s in STEPS))
    print("items per topic: " + ", ".join(f"{t} {n}" for t, n in sorted(topics.items())))
    print(f"generated families: {len(FAMILIES)}")
    assert sum(steps.values()) == len(items)


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("https://www.statlearning.com/", True),
        ("https://mml-book.github.io/", True),
        ("https://d2l.ai/index.html", True),
        ("https://www.khanacademy.org/math/statistics-probability", True),
        ("https://developers.google.com/machine-learning/crash-course", True),
        ("https://www.kaggle.com/learn", True),
        ("https://www.khanacademy.org/math/statistics-probability/probability-library", False),
        ("https://scikit-learn.org/stable/modules/tree.html#classification-criteria", False),
        ("https://www.kaggle.com/learn/intermediate-machine-learning", False),
        ("https://d2l.ai/chapter_optimization/adam.html", False),
    ],
)
def test_home_page_detector(url: str, home: bool) -> None:
    assert is_home_page(url) is home


def test_no_source_is_a_home_page() -> None:
    offenders = sorted(
        {f"{i.id}: {i.source}" for i in load_bank() if is_home_page(i.source)}
        | {f"family {f.name}: {f.source}" for f in FAMILIES.values() if is_home_page(f.source)}
    )
    assert offenders == []


def test_every_numeric_answer_as_revealed_is_graded_right() -> None:
    from bot.features.challenges.grading import grade

    for item in load_bank():
        if item.kind != "numeric":
            continue
        shown = item.answer_text
        decimals = item.requested_decimals
        if decimals is not None:  # the reveal keeps the decimals the format asked for
            assert len(shown.partition(".")[2]) == decimals, (item.id, shown)
        assert grade(item, shown).correct, (item.id, shown)
        assert grade(item, item.answer).correct, (item.id, item.answer)
