"""Every numeric answer in jobs.toml, deep_learning.toml and pytorch.toml, recomputed.

Each numeric item gets an independent computation here from the numbers stated
in its prompt (first principles with math, fractions and NumPy; scikit-learn
where the prompt is scikit-learn code, which is executed as written). WRONG
lists the classic mistake each explanation warns about; the tolerance must
reject it, or the grader would mark the misconception correct.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import tomllib
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

BANK_DIR = Path(__file__).resolve().parents[3] / "bot" / "features" / "challenges" / "bank"
FILES = ("jobs.toml", "deep_learning.toml", "pytorch.toml")
GB = 10**9
MIB = 2**20
GIB = 2**30


def _conv_out(width: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    return (width - kernel + 2 * padding) // stride + 1


def _conv_params(c_in: int, c_out: int, k: int, bias: bool = True) -> int:
    return c_out * (c_in * k * k + (1 if bias else 0))


def _softmax(logits: list[float]) -> np.ndarray:
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


def _psi(expected: list[float], actual: list[float]) -> float:
    e, a = np.asarray(expected), np.asarray(actual)
    return float(np.sum((a - e) * np.log(a / e)))


def _sample_size(p1: float, p2: float) -> int:
    # The prompt's formula with z = 1.96 and 0.84, rounded up to whole users.
    n = (
        Fraction("2.8") ** 2
        * (
            Fraction(str(p1)) * (1 - Fraction(str(p1)))
            + Fraction(str(p2)) * (1 - Fraction(str(p2)))
        )
        / (Fraction(str(p2)) - Fraction(str(p1))) ** 2
    )
    return math.ceil(n)


def _chi_square(observed: list[int]) -> float:
    expected = sum(observed) / len(observed)
    return sum((o - expected) ** 2 / expected for o in observed)


def _ece(bins: list[tuple[int, float, float]]) -> float:
    total = sum(n for n, _, _ in bins)
    return sum(n / total * abs(pred - obs) for n, pred, obs in bins)


def _z_unpooled(x1: int, n1: int, x2: int, n2: int) -> float:
    p1, p2 = x1 / n1, x2 / n2
    return (p2 - p1) / math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)


def _receptive_field(kernels: list[int]) -> int:
    field = 1
    for k in kernels:  # stride 1 everywhere
        field += k - 1
    return field


def _cosine(a: list[float], b: list[float]) -> float:
    va, vb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


def _run_prompt_code(item_id: str) -> float:
    """Execute the code block of a 'what does this print?' prompt and read the number."""
    prompt = NUMERIC[item_id]["prompt"]
    code = re.search(r"```\n(.*?)```", prompt, re.S)
    assert code, f"{item_id}: no code block"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code.group(1), {})  # noqa: S102 - our own bank's example code
    return float(out.getvalue().strip())


RECOMPUTE: dict[str, Callable[[], float]] = {
    # jobs: ml-system-design
    "ml-system-design-07": lambda: 200 - 40 - 60 - 20,
    "ml-system-design-08": lambda: math.ceil(3000 / (0.7 * 200)),
    "ml-system-design-09": lambda: 5 + (1 - 0.8) * 50,
    "ml-system-design-18": lambda: 1 - 0.99**10,
    "ml-system-design-22": lambda: 20_000_000 * 100 * 8 / GB,
    "ml-system-design-26": lambda: 32 / 0.040,
    # jobs: monitoring-drift
    "monitoring-drift-03": lambda: _psi([0.5, 0.3, 0.2], [0.4, 0.3, 0.3]),
    "monitoring-drift-09": lambda: 300 * 0.01,
    # jobs: experimentation
    "experimentation-02": lambda: _sample_size(0.10, 0.11),
    "experimentation-04": lambda: 4000 * (2 / 1) ** 2,
    "experimentation-06": lambda: _chi_square([50_000, 48_500]),
    "experimentation-11": lambda: _ece([(40, 0.20, 0.25), (60, 0.80, 0.70)]),
    "experimentation-12": lambda: _run_prompt_code("experimentation-12"),
    "experimentation-13": lambda: 0.05 / 10,
    "experimentation-16": lambda: _z_unpooled(1000, 10_000, 1100, 10_000),
    # jobs: ml-interviews
    "ml-interviews-08": lambda: 500 * 0.080,
    # basics: deep-learning
    "deep-learning-02": lambda: _conv_out(28, 5),
    "deep-learning-03": lambda: _conv_out(224, 7, stride=2, padding=3),
    "deep-learning-04": lambda: _conv_params(3, 64, 3),
    "deep-learning-05": lambda: _conv_params(64, 128, 3, bias=False),
    "deep-learning-06": lambda: int(np.prod((64, 7, 7))),
    "deep-learning-07": lambda: math.sqrt(2 / 512),
    "deep-learning-08": lambda: 0.25**4,
    "deep-learning-14": lambda: _receptive_field([3, 3, 3]),
    "deep-learning-21": lambda: (224 * 224 * 3 + 1) * 1000,
    # basics: transformers-llms
    "transformers-llms-01": lambda: 7e9 * 2 / GB,
    "transformers-llms-02": lambda: 7e9 * (4 / 8) / GB,
    "transformers-llms-03": lambda: 7e9 * (4 + 4 + 2 * 4) / GB,
    "transformers-llms-07": lambda: 1 * 16 * 2048**2 * 2 / MIB,
    "transformers-llms-08": lambda: 4 * (512 * 512 + 512),
    "transformers-llms-09": lambda: 2 * 32 * 4096 * 2 * 4096 / GIB,
    "transformers-llms-12": lambda: _cosine([1, 2, 2], [2, 1, 2]),
    "transformers-llms-16": lambda: math.exp(2.0),
    "transformers-llms-18": lambda: float(_softmax([2 / 0.5, 1 / 0.5])[0]),
    "transformers-llms-19": lambda: 8 * (4096 + 4096),
    "transformers-llms-24": lambda: 800e6 * 0.50 / 1e6 + 200e6 * 1.50 / 1e6,
    # projects: pytorch (CrossEntropyLoss applies log-softmax to its input again)
    "pytorch-04": lambda: float(-np.log(_softmax([1.0, 0.0, 0.0])[0])),
}

# The tempting wrong answer each explanation names; graders must not accept it.
WRONG: dict[str, float] = {
    "ml-system-design-07": 100,  # forgot the post-processing stage
    "ml-system-design-08": 15,  # no headroom
    "ml-system-design-09": 14,  # misses skip the lookup
    "ml-system-design-18": 0.10,  # added the probabilities
    "ml-system-design-22": 2,  # billions of ids, not bytes
    "ml-system-design-26": 100,  # one request at a time
    "monitoring-drift-03": 0.2,  # sum of absolute differences
    "monitoring-drift-09": 0.01,  # α read as the chance of any false alarm
    "experimentation-02": 147,  # difference not squared
    "experimentation-04": 8000,  # linear instead of quadratic
    "experimentation-06": 750**2 / 49_250,  # one group only
    "experimentation-11": (0.05 + 0.10) / 2,  # unweighted mean of the gaps
    "experimentation-12": 0.2875,  # prob_pred instead of prob_true
    "experimentation-13": 0.05,  # no correction
    "experimentation-16": 0.01 / 0.00001879,  # forgot the square root
    "ml-interviews-08": 40_000,  # milliseconds as seconds
    "deep-learning-02": 23,  # forgot the +1
    "deep-learning-03": 109,  # forgot the padding
    "deep-learning-04": 640,  # filters spanning one channel
    "deep-learning-05": 73_856,  # added biases the layer does not have
    "deep-learning-06": 64,  # channels only
    "deep-learning-07": 2 / 512,  # the variance, not the standard deviation
    "deep-learning-08": 0.25**3,
    "deep-learning-14": 9,  # 3 × 3
    "deep-learning-21": 224 * 224 * 3 * 1000,  # forgot the biases
    "transformers-llms-01": 28,  # fp32
    "transformers-llms-02": 28,  # bits read as bytes
    "transformers-llms-03": 28,  # weights only
    "transformers-llms-07": 8,  # forgot the heads
    "transformers-llms-08": 4 * 512 * 512 + 1,
    "transformers-llms-09": 1,  # keys only
    "transformers-llms-12": 8,  # raw dot product
    "transformers-llms-16": 4,  # 2², bits instead of nats
    "transformers-llms-18": float(_softmax([2, 1])[0]),  # temperature 1
    "transformers-llms-19": 32_768,  # one factor only
    "transformers-llms-24": 500,  # everything at the input price
    "pytorch-04": 0.0,  # a perfect model's loss without the bug
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
    assert sorted(set(WRONG) - set(NUMERIC)) == []


@pytest.mark.parametrize("item_id", sorted(RECOMPUTE))
def test_stored_answer_matches_recomputed_value(item_id: str) -> None:
    item = NUMERIC[item_id]
    expected = float(RECOMPUTE[item_id]())
    assert abs(float(item["answer"]) - expected) <= item["tolerance"] + 1e-9, (
        f"{item_id}: stored {item['answer']}, recomputed {expected}"
    )


@pytest.mark.parametrize("item_id", sorted(WRONG))
def test_tolerance_rejects_the_classic_mistake(item_id: str) -> None:
    item = NUMERIC[item_id]
    assert abs(float(item["answer"]) - WRONG[item_id]) > item["tolerance"]


@pytest.mark.parametrize("item_id", sorted(NUMERIC))
def test_tolerance_is_tight_and_format_is_stated(item_id: str) -> None:
    item = NUMERIC[item_id]
    assert type(item["tolerance"]) in (int, float) and item["tolerance"] >= 0
    assert item["tolerance"] < max(abs(float(item["answer"])), 1) * 0.05
    assert item["format"].strip()
