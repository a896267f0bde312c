"""Property-based: for every generated family, every way of writing the true answer passes
and the known mistakes fail.

Hypothesis draws seeds; each problem's true value (kept on the item as ``exact``) is written
the ways members type it, and each family's classic mistake is computed from its params.
A mistake is only required to fail when it really differs from the truth by more than the
format's rounding (for some seeds a slip happens to give the right number).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.features.challenges.bank import ChallengeItem
from bot.features.challenges.generators import _PRECISION_BYTES, FAMILIES, _normal_cdf
from bot.features.challenges.grading import grade

Params = dict[str, Any]
SEEDS = st.integers(min_value=0, max_value=10**6)
PROPERTY = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _spellings(item: ChallengeItem) -> list[str]:
    """The true answer as members write it: rounded as asked, exact, padded, signed, ×10ⁿ."""
    true = item.true_value
    decimals = item.requested_decimals
    spellings = [item.answer, f" {item.answer} ", repr(true), f"{true:.9e}", f"{true:.12f}"]
    if decimals is None:
        whole = round(true)
        spellings += [str(whole), f"{whole}.0", f"{whole:,}"]
    else:
        spellings.append(f"{true:.{decimals + 2}f}")
    if true < 0:
        spellings.append(item.answer.replace("-", "\u2212"))
    elif true > 0:
        spellings.append("+" + item.answer)
    if "percentage like" in (item.format or ""):
        spellings.append(f"{true * 100:.6f}%")
    return spellings


def _entropy(counts: list[int]) -> float:
    total = sum(counts)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


def _mean_tenths(p: Params, power: int) -> float:
    return sum(x**power * t / 10 for x, t in zip(p["values"], p["tenths"], strict=True))


# The classic slip of each family, computed from its params.
MISTAKES: dict[str, Callable[[Params], float]] = {
    "determinant-3x3": lambda p: (
        p["M"][0][0] * (p["M"][1][1] * p["M"][2][2] - p["M"][1][2] * p["M"][2][1])
        + p["M"][0][1] * (p["M"][1][0] * p["M"][2][2] - p["M"][1][2] * p["M"][2][0])
        + p["M"][0][2] * (p["M"][1][0] * p["M"][2][1] - p["M"][1][1] * p["M"][2][0])
    ),  # the middle cofactor's minus forgotten
    "bayes-test": lambda p: p["sensitivity"] / 100,  # base rate ignored
    "binomial-probability": lambda p: p["p"] ** p["k"] * (1 - p["p"]) ** (p["n"] - p["k"]),
    "discrete-variance": lambda p: _mean_tenths(p, 2) - _mean_tenths(p, 1),
    "information-gain": lambda p: (
        _entropy([a + b for a, b in zip(p["left"], p["right"], strict=True)])
        - (_entropy(p["left"]) + _entropy(p["right"])) / 2
    ),  # children unweighted
    "gradient-descent-step": lambda p: p["w"] + p["lr"] * 2 * p["a"] * (p["w"] - p["c"]),
    "z-score": lambda p: (p["mean"] - p["x"]) / p["sd"],
    "normal-tail": lambda p: (
        1
        - (
            1 - _normal_cdf((p["x"] - p["mean"]) / p["sd"])
            if p["side"] == "above"
            else _normal_cdf((p["x"] - p["mean"]) / p["sd"])
        )
    ),  # the wrong side of z
    "dense-layer-parameters": lambda p: sum(
        a * b for a, b in zip(p["sizes"], p["sizes"][1:], strict=False)
    ),  # biases forgotten
    "conv-layer-parameters": lambda p: p["k"] * p["k"] * p["c_in"] * p["c_out"] * p["size"] ** 2,
    "attention-parameters": lambda p: 3 * (p["d"] ** 2 + (p["d"] if p["bias"] else 0)),
    "conv-output-size": lambda p: (
        (p["size"] - p["k"]) // p["stride"] + 1
        if p["pad"]
        else (p["size"] - p["k"]) / p["stride"] + 1
    ),  # padding forgotten, or not rounded down
    "attention-memory": lambda p: (
        p["batch"] * p["heads"] * p["n"] * p["n"] * 4 / 2**20
        if p["dtype"] != "fp32"
        else p["batch"] * p["heads"] * p["n"] ** 2 * 2 / 2**20
    ),  # wrong bytes per number
    "attention-flops": lambda p: 2 * p["n"] ** 2 * p["d"] / 1e9,  # only QKᵀ counted
    "model-memory-precision": lambda p: (
        p["billions"] * (4 if p["training"] else _PRECISION_BYTES[p["dtype"]] * 8)
    ),  # weights only / bits
    "ab-test-sample-size": lambda p: math.ceil(
        (1.96 + {80: 0.84, 90: 1.28}[p["power"]]) ** 2
        * (p["base"] / 100 * (1 - p["base"] / 100) + p["target"] / 100 * (1 - p["target"] / 100))
        / ((p["target"] - p["base"]) / 100)
    ),  # effect not squared
    "ab-test-power": lambda p: _normal_cdf(
        (p["target"] - p["base"])
        / 100
        / math.sqrt(
            (p["base"] / 100 * (1 - p["base"] / 100) + p["target"] / 100 * (1 - p["target"] / 100))
            / p["n"]
        )
    ),  # 1.96 not subtracted
    "expected-calibration-error": lambda p: (
        sum(abs(b["correct"] / b["count"] - b["conf"]) for b in p["bins"]) / len(p["bins"])
    ),  # bins unweighted
    "learning-rate-schedule": lambda p: p["base"] * 1000,  # the schedule not applied
}


def _check_mistake(item: ChallengeItem, wrong: float) -> None:
    if abs(wrong - item.true_value) <= item.grading_tolerance + 1e-9:
        return  # for these numbers the slip happens to give the right answer
    assert not grade(item, repr(wrong)).correct, (item.id, wrong)
    decimals = item.requested_decimals or 0
    rounded = f"{wrong:.{decimals}f}"
    if abs(float(rounded) - item.true_value) > item.grading_tolerance + 1e-9:
        assert not grade(item, rounded).correct, (item.id, rounded)


@pytest.mark.parametrize("family", sorted(FAMILIES))
@PROPERTY
@given(seed=SEEDS)
def test_every_spelling_of_the_truth_passes_and_mistakes_fail(family: str, seed: int) -> None:
    item = FAMILIES[family].generate(seed)
    for spelling in _spellings(item):
        assert grade(item, spelling).correct, (item.id, spelling, item.answer)
    unit = 10.0 ** -(item.requested_decimals or 0)
    true = item.true_value
    # Generic slips: the neighbouring rounding, ×100 without a percent sign, a stray "%".
    for wrong in (item.numeric_answer + unit, item.numeric_answer - unit, true * 100 + unit):
        _check_mistake(item, wrong)
    if abs(true) > item.grading_tolerance * 2 and not item.in_percent:
        assert not grade(item, f"{item.answer}%").correct, item.id
    if family in MISTAKES:
        _check_mistake(item, float(MISTAKES[family](FAMILIES[family].params(seed))))


def test_most_families_name_their_own_classic_mistake() -> None:
    assert len(MISTAKES) >= 18 and set(MISTAKES) <= set(FAMILIES)
