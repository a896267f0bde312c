"""Recompute every number the math bank grades against.

A wrong answer key costs a member's trust in every grade after it, so each
numeric answer (and each choice whose right option is a number) is derived here
again from the numbers in its prompt, with NumPy, SciPy and exact fractions,
rather than copied from the bank.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from fractions import Fraction
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import optimize, stats

BANK = (
    Path(__file__).resolve().parents[3] / "bot" / "features" / "challenges" / "bank" / "math.toml"
)


def load_items() -> list[dict[str, Any]]:
    with BANK.open("rb") as handle:
        return tomllib.load(handle)["challenge"]


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def relu(x: float) -> float:
    return max(0.0, x)


def numeric_grad(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    """Central difference: checks hand-derived derivatives without reusing the formula."""
    return (f(x + h) - f(x - h)) / (2 * h)


def two_dice_seven() -> Fraction:
    outcomes = list(product(range(1, 7), repeat=2))
    return Fraction(sum(a + b == 7 for a, b in outcomes), len(outcomes))


def projection_first_component() -> float:
    a = np.array([2.0, 0.0, 1.0])
    b = np.array([1.0, 2.0, 2.0])
    return float((a @ b) / (a @ a) * a[0])


def pca_explained_two() -> float:
    singular = np.array([10.0, 5.0, 1.0, 0.5])
    # Build a matrix with exactly these singular values and read them back from its covariance.
    rng = np.random.default_rng(0)
    u, _ = np.linalg.qr(rng.normal(size=(50, 4)))
    v, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    x = u @ np.diag(singular) @ v.T
    eigenvalues = np.sort(np.linalg.eigvalsh(x.T @ x))[::-1]
    return float(eigenvalues[:2].sum() / eigenvalues.sum())


def cosine(u: list[float], v: list[float]) -> float:
    a, b = np.array(u), np.array(v)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def tiny_network_grad_a() -> float:
    x, y, b = 1.0, 1.0, -1.0

    def loss(a: float) -> float:
        return 0.5 * (b * relu(a * x) - y) ** 2

    return numeric_grad(loss, 2.0)


def local_min_value() -> float:
    result = optimize.minimize_scalar(lambda x: x**3 - 3 * x, bounds=(0, 3), method="bounded")
    return float(result.fun)


def gd_on_square(x0: float, lr: float, steps: int) -> float:
    x = x0
    for _ in range(steps):
        x -= lr * 2 * x
    return x


def softmax_ce_grad() -> float:
    z = np.array([2.0, 1.0, 0.0])

    def loss(z0: float) -> float:
        logits = np.array([z0, z[1], z[2]])
        return float(np.log(np.exp(logits).sum()) - logits[0])  # cross-entropy, true class 0

    return numeric_grad(loss, float(z[0]))


def bayes(prior: Fraction, hit: Fraction, false_alarm: Fraction) -> Fraction:
    return prior * hit / (prior * hit + (1 - prior) * false_alarm)


def servers() -> tuple[Fraction, Fraction]:
    share = [Fraction(50, 100), Fraction(30, 100), Fraction(20, 100)]
    error = [Fraction(1, 100), Fraction(2, 100), Fraction(5, 100)]
    total = sum(s * e for s, e in zip(share, error, strict=True))
    return total, share[2] * error[2] / total


def die_mean_exceeds() -> float:
    faces = np.arange(1, 7)
    sd_mean = faces.std() / math.sqrt(100)
    return float(stats.norm.sf(3.7, loc=faces.mean(), scale=sd_mean))


def pooled_z() -> float:
    c1, n1, c2, n2 = 200, 2000, 260, 2000
    p1, p2, pooled = c1 / n1, c2 / n2, (c1 + c2) / (n1 + n2)
    return (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))


def poisson_mle() -> float:
    counts = np.array([2, 3, 0, 4, 1])
    result = optimize.minimize_scalar(
        lambda lam: -stats.poisson.logpmf(counts, lam).sum(), bounds=(0.01, 10), method="bounded"
    )
    return float(result.x)


def bernoulli_mle() -> float:
    grid = np.linspace(0.0, 1.0, 100_001)
    loglik = stats.binom.logpmf(7, 20, grid)
    return float(grid[int(np.argmax(loglik))])


RECOMPUTE: dict[str, Callable[[], float]] = {
    "linear-algebra-01": lambda: float(np.dot([1, 2, 3], [4, -5, 6])),
    "linear-algebra-02": lambda: float(np.linalg.norm([2, -3, 6])),
    "linear-algebra-03": lambda: float(np.linalg.norm([3, -4, 1], ord=1)),
    "linear-algebra-07": lambda: float(
        (np.array([[1, 2], [3, 4]]) @ np.array([[5, 6], [7, 8]]))[1, 0]
    ),
    "linear-algebra-08": lambda: float(np.linalg.det(np.array([[3, 1], [2, 4]]))),
    "linear-algebra-11": lambda: float(
        np.linalg.matrix_rank(np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]]))
    ),
    "linear-algebra-12": lambda: float(np.linalg.inv(np.array([[4.0, 7.0], [2.0, 6.0]]))[0, 0]),
    "linear-algebra-14": lambda: float(
        np.linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]])).max()
    ),
    "linear-algebra-16": lambda: float(
        np.linalg.eigvals(np.array([[4.0, 1.0], [2.0, 3.0]])).real.min()
    ),
    "linear-algebra-17": lambda: float(np.dot([2, 3], [1, 1]) / np.linalg.norm([1, 1])),
    "linear-algebra-18": projection_first_component,
    "linear-algebra-19": pca_explained_two,
    "linear-algebra-23": lambda: cosine([1, 2, 2], [2, 1, 2]),
    "linear-algebra-25": lambda: float(
        8 - np.linalg.matrix_rank(np.hstack([np.eye(5), np.ones((5, 3))]))
    ),
    "calculus-01": lambda: numeric_grad(lambda x: 3 * x**2 + 2 * x, 2.0),
    "calculus-03": lambda: numeric_grad(lambda y: 1.0**2 * y + 3 * y**2, 2.0),
    "calculus-06": lambda: numeric_grad(lambda x: (3 * x + 1) ** 4, 0.0),
    "calculus-07": lambda: numeric_grad(sigmoid, 0.0),
    "calculus-08": lambda: numeric_grad(sigmoid, 2.0),
    "calculus-09": lambda: numeric_grad(lambda w: (w * 2 - 3) ** 2, 1.0),
    "calculus-10": tiny_network_grad_a,
    "calculus-14": local_min_value,
    "calculus-15": lambda: 2 + numeric_grad(math.sqrt, 4.0) * 0.1,
    "calculus-16": lambda: sum(0.2**k / math.factorial(k) for k in range(3)),
    "calculus-18": lambda: gd_on_square(3.0, 0.1, 1),
    "calculus-19": lambda: gd_on_square(1.0, 1.1, 3),
    "calculus-20": lambda: numeric_grad(lambda x: x**2 * math.exp(x), 1.0),
    "calculus-21": lambda: numeric_grad(math.log, 4.0),
    "calculus-24": softmax_ce_grad,
    "calculus-25": lambda: numeric_grad(lambda b: (1 * 2 + b - 5) ** 2, 0.0),
    "probability-01": lambda: float(two_dice_seven()),
    "probability-02": lambda: float(1 - Fraction(1, 2) ** 3),
    "probability-03": lambda: float(Fraction(12, 100) / Fraction(40, 100)),
    "probability-04": lambda: float(bayes(Fraction(1, 100), Fraction(99, 100), Fraction(5, 100))),
    "probability-09": lambda: float(Fraction(sum(range(1, 7)), 6)),
    "probability-10": lambda: float(Fraction(2, 10) * 10 + Fraction(8, 10) * -3),
    "probability-11": lambda: float(np.var(3 * np.array([-2.0, 2.0]) + 2)),  # Var(X)=4
    "probability-12": lambda: float(
        np.var(np.subtract.outer(np.array([-2.0, 2.0]), np.array([-3.0, 3.0])))
    ),  # independent X (var 4) and Y (var 9): every pair equally likely
    "probability-13": lambda: float(stats.bernoulli.var(0.3)),
    "probability-14": lambda: float(stats.binom.pmf(2, 5, 0.3)),
    "probability-15": lambda: float(stats.binom.std(100, 0.2)),
    "probability-16": lambda: float(stats.poisson.pmf(2, 3)),
    "probability-18": lambda: float(stats.norm.cdf(2) - stats.norm.cdf(-2)),
    "probability-19": lambda: float(stats.norm.sf(185, loc=170, scale=10)),
    "probability-22": die_mean_exceeds,
    "probability-23": lambda: float(Fraction(5, 10) + Fraction(4, 10) - Fraction(2, 10)),
    "probability-24": lambda: float(servers()[0]),
    "probability-25": lambda: float(servers()[1]),
    "probability-26": lambda: float(stats.geom.mean(0.2)),
    "statistics-01": lambda: float(np.mean([2, 4, 4, 4, 5, 5, 7, 9])),
    "statistics-02": lambda: float(np.median([3, 1, 9, 7, 100])),
    "statistics-04": lambda: float(np.std([2, 4, 4, 4, 5, 5, 7, 9], ddof=0)),
    "statistics-05": lambda: float(np.var([1, 2, 3, 4, 5], ddof=1)),
    "statistics-07": lambda: 15 / math.sqrt(25),
    "statistics-08": lambda: float(100 * (1 / 0.5) ** 2),
    "statistics-09": lambda: float(stats.norm.interval(0.95, loc=50, scale=10 / math.sqrt(100))[1]),
    "statistics-14": lambda: float(stats.binom.sf(0, 20, 0.05)),
    "statistics-15": pooled_z,
    "statistics-18": lambda: float(stats.pearsonr([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])[0]),
    "statistics-20": bernoulli_mle,
    "statistics-21": poisson_mle,
    "statistics-24": lambda: float(math.ceil(1.96**2 * 0.25 / 0.03**2)),
    "statistics-25": lambda: (52 - 50) / (8 / math.sqrt(16)),
    "statistics-27": lambda: float(
        (
            stats.norm(loc=70, scale=10).cdf(85),
            stats.norm.ppf(stats.norm(loc=70, scale=10).cdf(85)),
        )[1]
    ),
    "statistics-28": lambda: float(2 * stats.norm.sf(2.1)),
}

# Choice items whose right option is a number: (recomputed value, tolerance).
CHOICE_RECOMPUTE: dict[str, tuple[float, float]] = {
    "linear-algebra-28": (float(np.linalg.det(2 * np.diag([5.0, 1.0, 1.0]))), 1e-9),
    "calculus-27": (numeric_grad(lambda x: math.exp(2 * x), 0.0), 1e-6),
    "probability-27": (float(np.var(2 * np.array([-1.0, 1.0]))), 1e-9),  # X + X with Var(X)=1
    "probability-29": (
        float(bayes(Fraction(5, 1000), Fraction(98, 100), Fraction(2, 100))),
        0.0005,
    ),
    "statistics-31": (float(np.std([2, 4, 6, 8], ddof=1)), 0.0005),
    "statistics-32": (float(np.hypot(3, 4)), 1e-9),
}

ITEMS = load_items()
NUMERIC = {item["id"]: item for item in ITEMS if item["kind"] == "numeric"}
CHOICE = {item["id"]: item for item in ITEMS if item["kind"] == "choice"}
NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?")


def test_every_numeric_item_is_recomputed() -> None:
    assert set(RECOMPUTE) == set(NUMERIC)


def test_choice_recomputations_point_at_choice_items() -> None:
    assert set(CHOICE_RECOMPUTE) <= set(CHOICE)


@pytest.mark.parametrize("item_id", sorted(NUMERIC))
def test_numeric_answer_matches_recomputation(item_id: str) -> None:
    item = NUMERIC[item_id]
    expected = RECOMPUTE[item_id]()
    # Central differences carry ~1e-9 noise, so exact (tolerance 0) items get that slack.
    assert abs(expected - float(item["answer"])) <= item["tolerance"] + 1e-6, (
        f"{item_id}: stored {item['answer']}, recomputed {expected}"
    )


@pytest.mark.parametrize("item_id", sorted(CHOICE_RECOMPUTE))
def test_numeric_choice_answer_matches_recomputation(item_id: str) -> None:
    item = CHOICE[item_id]
    right = item["choices"]["ABCDE".index(item["answer"])]
    numbers = NUMBER.findall(right)
    assert len(numbers) == 1, f"{item_id}: right option {right!r} is not a single number"
    value, tolerance = CHOICE_RECOMPUTE[item_id]
    assert abs(float(numbers[0].replace("−", "-")) - value) <= tolerance + 1e-6


@pytest.mark.parametrize("item_id", sorted(CHOICE_RECOMPUTE))
def test_numeric_choice_distractors_are_not_also_right(item_id: str) -> None:
    item = CHOICE[item_id]
    value, tolerance = CHOICE_RECOMPUTE[item_id]
    right_index = "ABCDE".index(item["answer"])
    for index, option in enumerate(item["choices"]):
        numbers = NUMBER.findall(option)
        if index == right_index or len(numbers) != 1:
            continue
        assert abs(float(numbers[0].replace("−", "-")) - value) > tolerance + 1e-6
