"""Every numeric answer in the ML challenge bank, recomputed from its prompt.

A wrong answer key costs more trust than a missing question, so each numeric
item gets an independent computation here from the numbers stated in its
prompt. WRONG lists the classic mistake each explanation warns about; the
tolerance must reject it, or the grader would mark the misconception correct.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from fractions import Fraction
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pytest

BANK_DIR = Path(__file__).resolve().parents[3] / "bot" / "features" / "challenges" / "bank"
FILES = ("basics.toml", "practice.toml", "kaggle.toml")


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _softmax(logits: list[float]) -> np.ndarray:
    e = np.exp(np.asarray(logits, dtype=float))
    return e / e.sum()


def _gini(counts: list[int]) -> Fraction:
    n = sum(counts)
    return 1 - sum(Fraction(c, n) ** 2 for c in counts)


def _inertia(clusters: list[list[float]]) -> float:
    return float(sum(((np.asarray(c) - np.mean(c)) ** 2).sum() for c in clusters))


def _ratios(eigenvalues: list[float]) -> np.ndarray:
    ev = np.asarray(eigenvalues, dtype=float)
    return ev / ev.sum()


def _dense_params(sizes: list[int]) -> int:
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:], strict=False))


def _gd_on_square(w: float, lr: float, steps: int) -> float:
    for _ in range(steps):
        w -= lr * 2 * w
    return w


def _ols_slope(xs: list[float], ys: list[float]) -> float:
    slope, _intercept = np.polyfit(xs, ys, 1)
    return float(slope)


def _adam_first_step(w: float, g: float, lr: float) -> float:
    beta1, beta2, eps, t = 0.9, 0.999, 1e-8, 1
    m = (1 - beta1) * g
    v = (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (math.sqrt(v_hat) + eps)


def _group_mean_per_row(keys: list[str]) -> list[float]:
    """What transform("mean") does: one group statistic per original row."""
    values = np.arange(len(keys), dtype=float)
    means = {k: float(values[[i for i, key in enumerate(keys) if key == k]].mean()) for k in keys}
    return [means[k] for k in keys]


def _inner_merge_rows(left: list[str], right: list[str]) -> int:
    return sum(1 for a, b in product(left, right) if a == b)


def _confusion() -> dict[str, int]:
    return {"tp": 40, "fn": 20, "fp": 10, "tn": 930}


def _f1() -> float:
    c = _confusion()
    precision = Fraction(c["tp"], c["tp"] + c["fp"])
    recall = Fraction(c["tp"], c["tp"] + c["fn"])
    return float(2 * precision * recall / (precision + recall))


def _ppv(sensitivity: float, specificity: float, prevalence: float) -> float:
    true_pos = sensitivity * prevalence
    false_pos = (1 - specificity) * (1 - prevalence)
    return true_pos / (true_pos + false_pos)


def _undersampling_correction(p_sampled: float, negatives_kept: float) -> float:
    odds = p_sampled / (1 - p_sampled) * negatives_kept
    return odds / (1 + odds)


RECOMPUTE: dict[str, Callable[[], float]] = {
    "bias-variance-03": lambda: 0.3**2 + 0.05 + 0.1,
    "regularization-02": lambda: 2.0 + 0.1 * float(np.sum(np.square([3, -4]))),
    "regularization-03": lambda: 1.5 + 0.2 * float(np.sum(np.abs([2, -0.5, 0]))),
    "validation-02": lambda: 1000 - 1000 // 5,
    "validation-03": lambda: len(list(product([0.1, 1, 10, 100], [0.01, 0.1, 1]))) * 5,
    "metrics-02": lambda: _confusion()["tp"] / (_confusion()["tp"] + _confusion()["fp"]),
    "metrics-03": _f1,
    "metrics-05": lambda: float(np.sqrt(np.mean(np.square([2, -1, 0, 3])))),
    "metrics-09": lambda: _ppv(0.90, 0.95, 0.01),
    "metrics-10": lambda: float(np.mean([0.9, 0.8, 0.1])),
    "linear-models-02": lambda: _sigmoid(-1 + 0.5 * 4),
    "linear-models-03": lambda: _ols_slope([1, 2, 3], [2, 4, 5]),
    "linear-models-04": lambda: math.exp(0.4),
    "trees-ensembles-02": lambda: float(_gini([6, 4])),
    "trees-ensembles-03": lambda: float(
        _gini([6, 4]) - Fraction(4, 10) * _gini([4, 0]) - Fraction(6, 10) * _gini([2, 4])
    ),
    "trees-ensembles-04": lambda: 10.0 + 0.1 * 4.0,
    "trees-ensembles-06": lambda: 1 - (1 - 1 / 10) ** 10,
    "clustering-02": lambda: float(np.mean([[2, 1], [4, 3], [6, 8]], axis=0)[1]),
    "clustering-03": lambda: _inertia([[1, 2, 6], [10, 12]]),
    "clustering-04": lambda: (5 - 2) / max(2, 5),
    "dimensionality-reduction-02": lambda: float(_ratios([4, 2.5, 1, 0.5])[0]),
    "dimensionality-reduction-03": lambda: float(_ratios([4, 2.5, 1, 0.5])[:2].sum()),
    "dimensionality-reduction-04": lambda: int(
        np.argmax(np.cumsum(_ratios([5, 2, 1.5, 0.8, 0.4, 0.3])) >= 0.95) + 1
    ),
    "neural-networks-02": lambda: _dense_params([784, 128]),
    "neural-networks-03": lambda: _dense_params([784, 128, 64, 10]),
    "neural-networks-04": lambda: float(_softmax([3, 1, 0])[0]),
    "neural-networks-05": lambda: -math.log(0.25),
    "neural-networks-06": lambda: (32 + 2 * 2 - 5) // 2 + 1,
    "neural-networks-09": lambda: float(_softmax([1000 - 1002, 1001 - 1002, 0])[2]),
    "optimization-02": lambda: 2.0 - 0.1 * 0.5,
    "optimization-03": lambda: _gd_on_square(5.0, 0.1, 2),
    "optimization-04": lambda: math.ceil(10_000 / 32),
    "optimization-05": lambda: 1.0 - 0.1 * (0.9 * 1.0 + 2.0),
    "optimization-09": lambda: _adam_first_step(w=1.0, g=50.0, lr=0.001),
    "preprocessing-02": lambda: (65 - 50) / 10,
    "preprocessing-03": lambda: (80 - 20) / (70 - 20),
    "preprocessing-04": lambda: 2 + sum(k - 1 for k in (4, 3, 5)),
    "imbalance-02": lambda: 1000 / (2 * 50),
    "imbalance-03": lambda: 1 / (1 + 10),
    "imbalance-06": lambda: _undersampling_correction(0.6, 0.2),
    "imbalance-08": lambda: (10_000 - 120) / 10_000,
    "imbalance-09": lambda: float((np.array([1, 2]) + 0.25 * (np.array([3, 6]) - [1, 2]))[1]),
    "numpy-pandas-04": lambda: float(np.std([1, 2, 3, 4], ddof=1)),
    "numpy-pandas-05": lambda: float(np.nanmean([1.0, np.nan, 3.0])),
    "numpy-pandas-06": lambda: len([label for label in range(10) if 0 <= label <= 2]),
    "numpy-pandas-07": lambda: _inner_merge_rows(["a", "a", "b"], ["a", "a", "c"]),
    "numpy-pandas-12": lambda: len(_group_mean_per_row(["x", "y", "x", "y", "y", "x"])),
    "scikit-learn-04": lambda: math.ceil(0.25 * 1000),
    "kaggle-03": lambda: math.sqrt(0.9 * 0.1 / 1000),
    "kaggle-11": lambda: 8000 - 8000 * 25 // 100,
}

# The tempting wrong answer each explanation names; graders must not accept it.
WRONG: dict[str, float] = {
    "bias-variance-03": 0.3 + 0.05 + 0.1,
    "regularization-02": 2.0 + 0.1 * (9 + 16 + 100),
    "regularization-03": 1.5 + 0.2 * (4 + 0.25),
    "validation-02": 200,
    "validation-03": 12,
    "metrics-02": 40 / 60,
    "metrics-03": (0.8 + 40 / 60) / 2,
    "metrics-05": 1.5,
    "metrics-09": 0.90,
    "metrics-10": (720 + 120 + 5) / 1000,
    "linear-models-02": 1.0,
    "linear-models-03": 2.0,
    "linear-models-04": 0.4,
    "trees-ensembles-03": 0.48 - (0 + 4 / 9) / 2,
    "trees-ensembles-04": 14.0,
    "trees-ensembles-06": 1 - 1 / math.e,
    "clustering-02": 3.0,
    "clustering-03": 8.0,
    "dimensionality-reduction-04": 4,
    "neural-networks-02": 784 * 128,
    "neural-networks-04": 3 / 4,
    "neural-networks-06": 14,
    "neural-networks-09": 1.0,
    "optimization-02": 2.05,
    "optimization-03": 3.0,
    "optimization-04": 312,
    "optimization-05": 0.8,
    "optimization-09": 1.0 - 0.001 * 50,
    "preprocessing-02": 0.15,
    "preprocessing-03": 1.0,
    "preprocessing-04": 14,
    "imbalance-03": 0.5,
    "imbalance-06": 0.6,
    "imbalance-09": 5.0,
    "numpy-pandas-04": math.sqrt(5 / 4),
    "numpy-pandas-05": 4 / 3,
    "numpy-pandas-06": 2,
    "numpy-pandas-07": 2,
    "numpy-pandas-12": 2,
    "scikit-learn-04": 200,
    "kaggle-11": 2000,
}


def _numeric_items() -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for name in FILES:
        with (BANK_DIR / name).open("rb") as fh:
            for item in tomllib.load(fh)["challenge"]:
                if item["kind"] == "numeric":
                    items[item["id"]] = item
    return items


NUMERIC = _numeric_items()


def test_every_numeric_item_has_a_recomputation_and_none_is_stale() -> None:
    assert sorted(set(NUMERIC) - set(RECOMPUTE)) == []
    assert sorted(set(RECOMPUTE) - set(NUMERIC)) == []
    assert set(WRONG) <= set(NUMERIC)


@pytest.mark.parametrize("item_id", sorted(RECOMPUTE))
def test_stored_answer_matches_recomputed_value(item_id: str) -> None:
    item = NUMERIC[item_id]
    expected = RECOMPUTE[item_id]()
    assert abs(float(item["answer"]) - float(expected)) <= item["tolerance"] + 1e-12, (
        f"{item_id}: stored {item['answer']}, recomputed {expected}"
    )


@pytest.mark.parametrize("item_id", sorted(WRONG))
def test_tolerance_rejects_the_classic_mistake(item_id: str) -> None:
    item = NUMERIC[item_id]
    assert abs(float(item["answer"]) - WRONG[item_id]) > item["tolerance"]
