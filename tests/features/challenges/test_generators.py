"""Generated problems: deterministic, valid, and with answers confirmed independently.

Every expected value here is recomputed from the family's ``params`` with
numpy, scipy or exact fractions, never with the generator's own arithmetic.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from scipy import spatial, special, stats

from bot.features.challenges.bank import TOPICS, ChallengeItem
from bot.features.challenges.generators import FAMILIES, generate, parse_generated_id
from bot.features.challenges.grading import grade

SEEDS = range(120)


def _central_difference(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def _matrix_product(p: dict[str, Any]) -> float:
    return float((np.array(p["A"]) @ np.array(p["B"]))[p["row"] - 1, p["col"] - 1])


def _determinant(p: dict[str, Any]) -> float:
    return float(np.linalg.det(np.array(p["M"], dtype=float)))


def _eigenvalue(p: dict[str, Any]) -> float:
    values = np.linalg.eigvals(np.array(p["M"], dtype=float))
    assert np.allclose(values.imag, 0), "eigenvalues must be real"
    ordered = sorted(values.real)
    assert ordered[1] - ordered[0] > 0.5, "eigenvalues must be distinct"
    return ordered[-1] if p["which"] == "larger" else ordered[0]


def _cosine(p: dict[str, Any]) -> float:
    return 1.0 - spatial.distance.cosine(p["u"], p["v"])


def _gradient(p: dict[str, Any]) -> float:
    def f(x: float, y: float) -> float:
        return p["a"] * x * x + p["b"] * x * y + p["c"] * y * y + p["d"] * x + p["e"] * y

    if p["var"] == "x":
        return _central_difference(lambda t: f(t, p["y"]), p["x"])
    return _central_difference(lambda t: f(p["x"], t), p["y"])


def _chain(p: dict[str, Any]) -> float:
    def inner(x: float) -> float:
        return p["a"] * x**2 + p["b"]

    if p["form"] == "power":
        return _central_difference(lambda x: inner(x) ** p["n"], p["x"])
    return _central_difference(lambda x: math.log(inner(x)), p["x"])


def _softmax(p: dict[str, Any]) -> float:
    return float(special.softmax(np.array(p["logits"], dtype=float))[p["index"] - 1])


def _cross_entropy(p: dict[str, Any]) -> float:
    y, q = np.array(p["y"], dtype=float), np.array(p["p"])
    return float(-np.mean(special.xlogy(y, q) + special.xlogy(1 - y, 1 - q)))


def _prf(p: dict[str, Any]) -> float:
    tp, fp, fn = Fraction(p["tp"]), Fraction(p["fp"]), Fraction(p["fn"])
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    results = {
        "precision": precision,
        "recall": recall,
        "F1 score": 2 * precision * recall / (precision + recall),
    }
    return float(results[p["metric"]])


def _information_gain(p: dict[str, Any]) -> float:
    left, right = np.array(p["left"]), np.array(p["right"])
    parent = left + right
    n = parent.sum()
    children = sum(
        child.sum() / n * stats.entropy(child, base=2) for child in (left, right) if child.sum()
    )
    return float(stats.entropy(parent, base=2) - children)


def _bayes(p: dict[str, Any]) -> float:
    prev = Fraction(p["prevalence"], 100)
    sens = Fraction(p["sensitivity"], 100)
    spec = Fraction(p["specificity"], 100)
    return float(sens * prev / (sens * prev + (1 - spec) * (1 - prev)))


def _distribution(p: dict[str, Any]) -> tuple[list[int], list[Fraction]]:
    probs = [Fraction(t, 10) for t in p["tenths"]]
    assert sum(probs) == 1 and all(q > 0 for q in probs)
    return p["values"], probs


def _expectation(p: dict[str, Any]) -> float:
    values, probs = _distribution(p)
    return float(sum(x * q for x, q in zip(values, probs, strict=True)))


def _variance(p: dict[str, Any]) -> float:
    values, probs = _distribution(p)
    mean = sum(x * q for x, q in zip(values, probs, strict=True))
    return float(sum((x - mean) ** 2 * q for x, q in zip(values, probs, strict=True)))


def _normal_tail(p: dict[str, Any]) -> float:
    dist = stats.norm(loc=p["mean"], scale=p["sd"])
    return float(dist.sf(p["x"]) if p["side"] == "above" else dist.cdf(p["x"]))


def _gd_step(p: dict[str, Any]) -> float:
    slope = _central_difference(lambda w: p["a"] * (w - p["c"]) ** 2, p["w"])
    return p["w"] - p["lr"] * slope


def _l2_loss(p: dict[str, Any]) -> float:
    x, y, w = np.array(p["x"], dtype=float), np.array(p["y"], dtype=float), np.array(p["w"])
    return float(np.mean((y - x @ w) ** 2) + p["lam"] * np.sum(w**2))


INDEPENDENT: dict[str, Callable[[dict[str, Any]], float]] = {
    "matrix-product-entry": _matrix_product,
    "determinant-2x2": _determinant,
    "determinant-3x3": _determinant,
    "eigenvalues-2x2": _eigenvalue,
    "dot-product": lambda p: float(np.dot(p["u"], p["v"])),
    "cosine-similarity": _cosine,
    "gradient-polynomial": _gradient,
    "chain-rule": _chain,
    "softmax-component": _softmax,
    "cross-entropy": _cross_entropy,
    "precision-recall-f1": _prf,
    "node-entropy": lambda p: float(stats.entropy(p["counts"], base=2)),
    "information-gain": _information_gain,
    "bayes-test": _bayes,
    "expected-value": _expectation,
    "discrete-variance": _variance,
    "binomial-probability": lambda p: float(stats.binom.pmf(p["k"], p["n"], p["p"])),
    "z-score": lambda p: float(Fraction(p["x"] - p["mean"], p["sd"])),
    "normal-tail": _normal_tail,
    "gradient-descent-step": _gd_step,
    "linear-regression-slope": lambda p: float(stats.linregress(p["x"], p["y"]).slope),
    "l2-regularized-loss": _l2_loss,
}


def _assert_answer_confirmed(family: str, seed: int) -> None:
    item = generate(family, seed)
    expected = float(INDEPENDENT[family](FAMILIES[family].params(seed)))
    stored = item.numeric_answer
    assert item.tolerance is not None
    if item.format == "an integer":
        assert abs(expected - round(expected)) < 1e-6, (item.id, expected)
        assert stored == round(expected), (item.id, stored, expected)
    else:
        # The stored answer is the exact value rounded to the requested decimals.
        assert abs(stored - expected) <= item.tolerance / 2 + 1e-9, (item.id, stored, expected)
    # A member who types the exact value, or the value rounded as the format asks, is right.
    assert grade(item, repr(expected)).correct, item.id
    assert grade(item, item.answer).correct, item.id


def test_there_are_at_least_sixteen_families_and_each_is_checked_here() -> None:
    assert len(FAMILIES) >= 16
    assert set(INDEPENDENT) == set(FAMILIES)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_answers_are_confirmed_independently(family: str) -> None:
    for seed in SEEDS:
        _assert_answer_confirmed(family, seed)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_is_deterministic_and_valid(family: str) -> None:
    for seed in SEEDS:
        item = generate(family, seed)
        assert item == generate(family, seed)
        assert ChallengeItem.model_validate(item.model_dump()) == item
        assert item.id == f"gen-{family}-{seed}"
        assert parse_generated_id(item.id) == (family, seed)
        assert TOPICS[item.topic] == item.step == FAMILIES[family].step
        assert item.kind == "numeric" and item.format
        assert item.answer_text == item.answer


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_different_seeds_give_different_problems(family: str) -> None:
    prompts = {generate(family, seed).prompt for seed in SEEDS}
    assert len(prompts) >= len(SEEDS) // 2


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_tolerance_is_tight_enough_to_mean_something(family: str) -> None:
    for seed in SEEDS:
        item = generate(family, seed)
        assert item.tolerance is not None
        assert item.tolerance <= 0.01 or item.tolerance < abs(item.numeric_answer) / 10, item.id
        # A wrong answer one unit of the format away is graded wrong.
        assert not grade(item, repr(item.numeric_answer + 3 * item.tolerance)).correct


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_explanation_shows_the_answer_in_two_to_four_sentences(family: str) -> None:
    for seed in SEEDS:
        item = generate(family, seed)
        assert item.answer in item.explanation, (item.id, item.answer, item.explanation)
        sentences = [s for s in item.explanation.replace("? ", ". ").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 4, (item.id, item.explanation)


def test_a_seeded_sample_across_families_is_confirmed() -> None:
    rng = random.Random(20261128)
    names = sorted(FAMILIES)
    for _ in range(100):
        _assert_answer_confirmed(rng.choice(names), rng.randrange(10**6))


def test_matrices_are_shown_in_code_blocks() -> None:
    for family in ("matrix-product-entry", "determinant-2x2", "determinant-3x3", "eigenvalues-2x2"):
        prompt = generate(family, 3).prompt
        assert prompt.count("```") == 2
        block = prompt.split("```")[1]
        rows = [line for line in block.splitlines() if "[" in line]
        # Aligned: every row of a matrix has its brackets in the same columns.
        assert len({(line.index("["), line.index("]")) for line in rows[:2]}) == 1


def test_unknown_ids_and_families_are_rejected() -> None:
    with pytest.raises(KeyError):
        generate("no-such-family", 1)
    with pytest.raises(ValueError):
        generate("dot-product", -1)
    for bad in ("gen-dot-product", "gen-nope-3", "dot-product-3", "gen-dot-product-x"):
        with pytest.raises(ValueError):
            parse_generated_id(bad)
    assert parse_generated_id("gen-determinant-2x2-42") == ("determinant-2x2", 42)
