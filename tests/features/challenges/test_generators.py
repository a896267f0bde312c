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


def _dense_params(p: dict[str, Any]) -> float:
    sizes = p["sizes"]
    shapes = [(b, a) for a, b in zip(sizes, sizes[1:], strict=False)]  # nn.Linear stores (out, in)
    return float(sum(np.prod(shape) + shape[0] for shape in shapes))


def _conv_params(p: dict[str, Any]) -> float:
    weight = np.prod((p["c_out"], p["c_in"], p["k"], p["k"]))
    return float(weight + (p["c_out"] if p["bias"] else 0))


def _attention_params(p: dict[str, Any]) -> float:
    d = p["d"]
    per_head = [np.prod((d // p["heads"], d)) for _ in range(p["heads"])]  # Q, K and V slices
    qkv = 3 * (sum(per_head) + (d if p["bias"] else 0))
    return float(qkv + d * d + (d if p["bias"] else 0))


def _conv_output(p: dict[str, Any]) -> float:
    # Count the kernel's placements on the padded input, as the sliding window does.
    padded = p["size"] + 2 * p["pad"]
    return float(len(range(0, padded - p["k"] + 1, p["stride"])))


_ITEMSIZE = {"fp32": np.dtype(np.float32).itemsize, "fp16": np.dtype(np.float16).itemsize,
             "bf16": 2, "int8": np.dtype(np.int8).itemsize, "int4": Fraction(1, 2)}  # fmt: skip


def _attention_memory(p: dict[str, Any]) -> float:
    shape = (p["batch"], p["heads"], p["n"], p["n"])
    return float(Fraction(int(np.prod(shape, dtype=np.int64)) * _ITEMSIZE[p["dtype"]], 1 << 20))


def _attention_flops(p: dict[str, Any]) -> float:
    n, hd = p["n"], p["d"] // p["heads"]
    # Each output entry of an (n×hd)·(hd×n) or (n×n)·(n×hd) product is a dot product.
    scores = n * n * (hd + hd)  # hd multiplies and hd additions per entry
    weighted = n * hd * (n + n)
    return (scores + weighted) * p["heads"] / 1e9


def _model_memory(p: dict[str, Any]) -> float:
    per = 4 * 4 if p["training"] else _ITEMSIZE[p["dtype"]]
    return float(Fraction(str(p["billions"])) * per)


def _ab_sample_size(p: dict[str, Any]) -> float:
    p1, p2 = Fraction(p["base"], 100), Fraction(p["target"], 100)
    z = Fraction("1.96") + {80: Fraction("0.84"), 90: Fraction("1.28")}[p["power"]]
    return float(math.ceil(z * z * (p1 * (1 - p1) + p2 * (1 - p2)) / (p2 - p1) ** 2))


def _ab_power(p: dict[str, Any]) -> float:
    p1, p2, n = p["base"] / 100, p["target"] / 100, p["n"]
    se = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    return float(stats.norm.cdf(abs(p2 - p1) / se - 1.96))


def _threshold_metrics(p: dict[str, Any]) -> float:
    from sklearn import metrics

    y_true = np.array(p["labels"])
    y_pred = (np.array(p["scores"]) >= p["threshold"]).astype(int)
    scorer = {"precision": metrics.precision_score, "recall": metrics.recall_score,
              "F1 score": metrics.f1_score}[p["metric"]]  # fmt: skip
    return float(scorer(y_true, y_pred))


def _lr_schedule(p: dict[str, Any]) -> float:
    lr = p["base"]
    if p["kind"] == "step":  # what StepLR does, one epoch at a time
        for epoch in range(1, p["epoch"] + 1):
            if epoch % p["every"] == 0:
                lr *= p["gamma"]
    elif p["kind"] == "cosine":  # PyTorch's recursive CosineAnnealingLR form (eta_min = 0)
        total = p["total"]
        for t in range(1, p["epoch"] + 1):
            lr = (
                lr * (1 + math.cos(math.pi * t / total)) / (1 + math.cos(math.pi * (t - 1) / total))
            )
    else:
        lr = sum(Fraction(str(p["base"])) / p["warmup"] for _ in range(p["epoch"]))
    return float(lr) * 1000


def _ece(p: dict[str, Any]) -> float:
    confidences, correct = [], []
    for b in p["bins"]:
        confidences += [b["conf"]] * b["count"]
        correct += [1] * b["correct"] + [0] * (b["count"] - b["correct"])
    conf, hits = np.array(confidences), np.array(correct)
    edges = np.linspace(0.0, 1.0, 11)
    which = np.digitize(conf, edges[1:-1])
    return float(
        sum(
            np.mean(which == i) * abs(hits[which == i].mean() - conf[which == i].mean())
            for i in np.unique(which)
        )
    )


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
    "dense-layer-parameters": _dense_params,
    "conv-layer-parameters": _conv_params,
    "attention-parameters": _attention_params,
    "conv-output-size": _conv_output,
    "attention-memory": _attention_memory,
    "attention-flops": _attention_flops,
    "model-memory-precision": _model_memory,
    "ab-test-sample-size": _ab_sample_size,
    "ab-test-power": _ab_power,
    "threshold-metrics": _threshold_metrics,
    "learning-rate-schedule": _lr_schedule,
    "expected-calibration-error": _ece,
}


def _assert_answer_confirmed(family: str, seed: int) -> None:
    item = generate(family, seed)
    expected = float(INDEPENDENT[family](FAMILIES[family].params(seed)))
    stored = item.numeric_answer
    decimals = item.requested_decimals
    if decimals is None:  # a whole-number answer, graded exactly
        assert item.tolerance == 0, item.id
        assert abs(expected - round(expected)) < 1e-6, (item.id, expected)
        assert stored == round(expected), (item.id, stored, expected)
        expected = float(round(expected))
    else:
        # The stored answer is the exact value rounded to the requested decimals, zeros kept.
        assert abs(stored - expected) <= 0.5 * 10**-decimals + 1e-9, (item.id, stored, expected)
        assert len(item.answer.split(".")[1]) == decimals, (item.id, item.answer)
        assert abs(item.true_value - expected) < 1e-6, (item.id, item.true_value, expected)
    # A member who types the exact value, or the value rounded as the format asks, is right.
    assert grade(item, repr(expected)).correct, item.id
    assert grade(item, item.answer).correct, item.id


def test_there_are_at_least_thirty_families_and_each_is_checked_here() -> None:
    assert len(FAMILIES) >= 30
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
        unit = 10.0 ** -(item.requested_decimals or 0)
        assert item.grading_tolerance <= unit / 2, item.id
        # The neighbouring rounding, one unit of the format away, is graded wrong.
        for wrong in (item.numeric_answer + unit, item.numeric_answer - unit):
            tie = abs(abs(wrong - item.true_value) - unit / 2) < 1e-9  # 1.625: 1.62 or 1.63
            assert grade(item, repr(wrong)).correct is tie, (item.id, wrong)


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
