"""Checks for the jobs, deep-learning/LLM and PyTorch bank files.

The structure checks are the bank's type checker; the giveaway checks make sure
a member cannot beat chance by picking the longest (or second-longest) option
or a favourite letter; the behaviour checks run, with NumPy and scikit-learn,
what the code items claim (PyTorch itself is not a test dependency, so its items
are checked through NumPy equivalents and by their corrected line); and the
console checks that `challenge practice --topic` serves every new topic.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from bot.features.challenges.bank import TOPICS, load_bank
from tests.conftest import ConsoleHarness

BANK_DIR = Path(__file__).resolve().parents[3] / "bot" / "features" / "challenges" / "bank"
FILE_STEPS = {"jobs.toml": "jobs", "deep_learning.toml": "basics", "pytorch.toml": "projects"}
MIN_PER_TOPIC = {
    "ml-system-design": 25,
    "monitoring-drift": 12,
    "experimentation": 15,
    "ml-interviews": 10,
    "deep-learning": 20,
    "transformers-llms": 20,
    "pytorch": 20,
}
MIN_PER_FILE = {"jobs.toml": 62, "deep_learning.toml": 40, "pytorch.toml": 20}
MAX_LONGEST_SHARE = 0.30
MAX_DOMINANT_SHARE = 0.08
MAX_LENGTH_RANK_SHARE = 0.35

COMMON_FIELDS = {"id", "topic", "step", "difficulty", "kind", "prompt", "explanation", "source"}
KIND_FIELDS = {"choice": {"choices", "answer"}, "numeric": {"answer", "tolerance", "format"}}
# LaTeX that chat would show raw; a price such as "$0.50" is fine.
LATEX = re.compile(r"\$(?!\d)|\\[A-Za-z()\[\]{}]")
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
CODE_BLOCK = re.compile(r"```.*?```", re.S)
FINAL_CODE_BLOCK = re.compile(r"```\n(.*?)\n```\s*$", re.S)


def _load(name: str) -> list[dict[str, Any]]:
    with (BANK_DIR / name).open("rb") as fh:
        return tomllib.load(fh)["challenge"]


ITEMS = [(name, item) for name in FILE_STEPS for item in _load(name)]
BY_ID = {item["id"]: item for _, item in ITEMS}
CHOICE = [item for _, item in ITEMS if item["kind"] == "choice"]
IDS = [item["id"] for _, item in ITEMS]


def _length_rank(item: dict[str, Any]) -> int:
    """0 when the right option is the longest, 1 when one option is longer, and so on."""
    lengths = [len(choice) for choice in item["choices"]]
    right = lengths["ABCDE".index(item["answer"])]
    return sum(length > right for length in lengths)


def _giveaway_shares(items: list[dict[str, Any]]) -> tuple[float, float]:
    longest = dominant = 0
    for item in items:
        lengths = [len(choice) for choice in item["choices"]]
        index = "ABCDE".index(item["answer"])
        others = max(length for i, length in enumerate(lengths) if i != index)
        longest += lengths[index] > others
        dominant += lengths[index] > 1.3 * others
    return longest / len(items), dominant / len(items)


# ---------------------------------------------------------------- structure


def test_new_topics_are_declared_with_their_steps() -> None:
    for topic in MIN_PER_TOPIC:
        assert topic in TOPICS
    assert {t: TOPICS[t] for t in MIN_PER_TOPIC} == {
        "ml-system-design": "jobs",
        "monitoring-drift": "jobs",
        "experimentation": "jobs",
        "ml-interviews": "jobs",
        "deep-learning": "basics",
        "transformers-llms": "basics",
        "pytorch": "projects",
    }


def test_the_loader_accepts_every_new_item() -> None:
    loaded = {item.id for item in load_bank()}
    assert set(IDS) <= loaded
    assert len(set(IDS)) == len(IDS)


def test_counts_per_topic_and_file(capsys: pytest.CaptureFixture[str]) -> None:
    per_topic = Counter(item["topic"] for _, item in ITEMS)
    per_file = Counter(name for name, _ in ITEMS)
    with capsys.disabled():
        print("\nnew bank items per topic:", dict(sorted(per_topic.items())))
        print("new bank items per file:", dict(per_file))
    assert {t: per_topic[t] for t in MIN_PER_TOPIC if per_topic[t] < MIN_PER_TOPIC[t]} == {}
    assert {f: per_file[f] for f in MIN_PER_FILE if per_file[f] < MIN_PER_FILE[f]} == {}


@pytest.mark.parametrize("entry", ITEMS, ids=IDS)
def test_item_fields_topic_step_and_text(entry: tuple[str, dict[str, Any]]) -> None:
    filename, item = entry
    assert set(item) - {"hint"} == COMMON_FIELDS | KIND_FIELDS[item["kind"]]  # hint: optional
    assert item["topic"] in MIN_PER_TOPIC and item["id"].startswith(item["topic"] + "-")
    assert item["step"] == FILE_STEPS[filename] == TOPICS[item["topic"]]
    assert type(item["difficulty"]) is int and 1 <= item["difficulty"] <= 5
    assert item["prompt"].strip() and len(item["prompt"]) < 1200
    for text in (item["prompt"], item["explanation"], *item.get("choices", [])):
        assert not LATEX.search(text), f"LaTeX-looking text: {text[:80]!r}"
    prose = CODE_BLOCK.sub(" ", item["explanation"]).strip()
    sentences = len(SENTENCE_END.findall(prose))
    assert 2 <= sentences <= 5, f"explanation has {sentences} sentences"


@pytest.mark.parametrize("entry", ITEMS, ids=IDS)
def test_source_is_a_specific_page_not_a_home_page(entry: tuple[str, dict[str, Any]]) -> None:
    _, item = entry
    url = urlparse(item["source"])
    assert url.scheme == "https" and url.netloc and " " not in item["source"]
    assert url.path.strip("/"), f"{item['source']} is a site's home page"


@pytest.mark.parametrize("name", FILE_STEPS)
def test_each_file_spreads_difficulty(name: str) -> None:
    difficulties = Counter(item["difficulty"] for item in _load(name))
    assert set(difficulties) == {1, 2, 3, 4, 5}
    assert max(difficulties.values()) / sum(difficulties.values()) <= 0.5


# ---------------------------------------------------------------- giveaways


def test_the_longest_option_is_not_a_giveaway(capsys: pytest.CaptureFixture[str]) -> None:
    longest, dominant = _giveaway_shares(CHOICE)
    ranks = Counter(_length_rank(item) for item in CHOICE)
    with capsys.disabled():
        print(
            f"\nnew choice items: {len(CHOICE)}; right option strictly longest: {longest:.0%}; "
            f">1.3× the next-longest: {dominant:.0%}; by length rank {dict(sorted(ranks.items()))}"
        )
    assert longest <= MAX_LONGEST_SHARE
    assert dominant <= MAX_DOMINANT_SHARE
    # Picking the second-longest (or shortest) option must not beat chance by much either.
    assert max(ranks.values()) / len(CHOICE) <= MAX_LENGTH_RANK_SHARE


def test_right_letters_are_spread_evenly() -> None:
    letters = Counter(item["answer"] for item in CHOICE)
    shares = {letter: letters[letter] / len(CHOICE) for letter in "ABCD"}
    assert all(0.18 <= share <= 0.32 for share in shares.values()), shares


@pytest.mark.parametrize("name", FILE_STEPS)
def test_each_file_on_its_own_passes_the_giveaway_limits(name: str) -> None:
    items = [item for item in _load(name) if item["kind"] == "choice"]
    longest, dominant = _giveaway_shares(items)
    assert longest <= MAX_LONGEST_SHARE and dominant <= MAX_DOMINANT_SHARE


@pytest.mark.parametrize("item", CHOICE, ids=[item["id"] for item in CHOICE])
def test_choice_options_are_distinct_and_comparable(item: dict[str, Any]) -> None:
    choices = item["choices"]
    assert 3 <= len(choices) <= 5 and item["answer"] in "ABCDE"[: len(choices)]
    assert len({" ".join(c.lower().split()) for c in choices}) == len(choices)
    # No option is a stub next to the others: every distractor carries a real claim.
    assert min(len(c) for c in choices) >= 0.4 * max(len(c) for c in choices)


# ---------------------------------------------------------------- pytorch items

PYTORCH = [item for name, item in ITEMS if name == "pytorch.toml"]

# The corrected line each explanation must end with.
CORRECTED = {
    "pytorch-01": "optimizer.zero_grad()",
    "pytorch-02": "model.eval()",
    "pytorch-03": "loss = loss_fn(logits, y)",
    "pytorch-04": "loss = nn.CrossEntropyLoss()(logits, y)",
    "pytorch-05": "probs = torch.softmax(logits, dim=1)",
    "pytorch-06": "x, y = x.to(device), y.to(device)",
    "pytorch-07": "with torch.no_grad():",
    "pytorch-08": "total_loss += loss.item()",
    "pytorch-09": ".reshape(x.size(0), -1)",
    "pytorch-10": "X, y = X[perm], y[perm]",
    "pytorch-11": "pred.squeeze(1), y",
    "pytorch-12": "out = model(x).squeeze(1)",
    "pytorch-13": "argmax(dim=1)",
    "pytorch-14": "len(test_loader.dataset)",
    "pytorch-15": "scheduler.step()  # once per epoch",
    "pytorch-16": "model.train()  # first line inside the epoch loop",
    "pytorch-17": "batch_first=True",
    "pytorch-18": "loss.backward()\ntorch.nn.utils.clip_grad_norm_",
    "pytorch-19": "transforms.Normalize(mean, std)])",
    "pytorch-20": "num_embeddings=10001",
    "pytorch-21": "loss = F.cross_entropy(logits, y)",
    "pytorch-22": "loss = loss_fn(model(x), y)",
    "pytorch-23": ".values.detach()",
    "pytorch-24": "shuffle=True",
    "pytorch-25": "/ 4",
}


def test_every_pytorch_item_has_a_corrected_line() -> None:
    assert sorted(CORRECTED) == sorted(item["id"] for item in PYTORCH)


@pytest.mark.parametrize("item", PYTORCH, ids=[item["id"] for item in PYTORCH])
def test_pytorch_item_shows_code_and_ends_with_the_fix(item: dict[str, Any]) -> None:
    assert "```" in item["prompt"], "a find-the-bug item shows the code"
    final = FINAL_CODE_BLOCK.search(item["explanation"])
    assert final, "the explanation ends with the corrected line in a code block"
    fix = final.group(1)
    assert CORRECTED[item["id"]] in fix
    assert fix.strip() not in item["prompt"], "the 'fix' must differ from the buggy code"


def _np_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _cross_entropy(inputs: np.ndarray, y: np.ndarray) -> float:
    """What nn.CrossEntropyLoss computes: log-softmax of its input, then NLL."""
    log_p = inputs - np.log(np.exp(inputs).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())


def test_pytorch_03_double_softmax_cannot_reach_a_low_loss() -> None:
    logits = np.array([[20.0] + [0.0] * 9])  # a confident, correct 10-class prediction
    y = np.array([0])
    assert _cross_entropy(logits, y) < 1e-6
    buggy = _cross_entropy(_np_softmax(logits, axis=1), y)
    assert buggy == pytest.approx(math.log((math.e + 9) / math.e), abs=1e-6)
    assert buggy > 1.4


def test_pytorch_05_softmax_over_the_batch_axis_mixes_examples() -> None:
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    wrong = _np_softmax(logits, axis=0)
    assert not np.allclose(wrong.sum(axis=1), 1) and np.allclose(wrong.sum(axis=0), 1)
    bigger_batch = _np_softmax(np.vstack([logits, [[9.0, 0.0, 0.0]]]), axis=0)
    assert not np.allclose(wrong[0], bigger_batch[0])  # depends on batch-mates
    right = _np_softmax(logits, axis=1)
    assert np.allclose(right.sum(axis=1), 1)


def test_pytorch_09_a_transpose_is_not_contiguous_and_reshape_copies() -> None:
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    t = x.transpose(0, 2, 1)
    assert x.flags["C_CONTIGUOUS"] and not t.flags["C_CONTIGUOUS"]
    flat = t.reshape(2, -1)
    assert flat.shape == (2, 12) and not np.shares_memory(flat, x)


def test_pytorch_10_shuffling_features_only_destroys_the_signal() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1000)
    X = y[:, None] * 3.0 + rng.normal(size=(1000, 2))
    perm = rng.permutation(1000)
    for features, labels, expect_good in ((X[perm], y, False), (X[perm], y[perm], True)):
        model = LogisticRegression().fit(features[:800], labels[:800])
        accuracy = model.score(features[800:], labels[800:])
        assert (accuracy > 0.9) if expect_good else (0.35 < accuracy < 0.65)


def test_pytorch_11_shapes_broadcast_to_a_matrix_and_pull_towards_the_mean() -> None:
    pred = np.zeros((64, 1))
    y = np.arange(64, dtype=float)
    assert (pred - y).shape == (64, 64)
    grid = np.linspace(0, 63, 631)
    losses = [np.mean((np.full((64, 1), c) - y) ** 2) for c in grid]
    assert grid[int(np.argmin(losses))] == pytest.approx(y.mean(), abs=0.1)


def test_pytorch_12_sigmoid_twice_floors_the_loss() -> None:
    def sigmoid(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    floor = -math.log(sigmoid(sigmoid(50.0)))  # the best case: a huge logit for a positive
    assert floor == pytest.approx(-math.log(sigmoid(1.0)), abs=1e-9)
    assert 0.31 < floor < 0.32


def test_pytorch_13_argmax_over_the_batch_has_one_entry_per_class() -> None:
    outputs = np.random.default_rng(1).normal(size=(64, 10))
    assert outputs.argmax(axis=0).shape == (10,)
    assert outputs.argmax(axis=1).shape == (64,)


def test_pytorch_14_loader_length_counts_batches() -> None:
    batches = math.ceil(10_000 / 32)
    assert batches == 313
    assert round(31.2 * batches / 10_000, 3) == 0.977


def test_pytorch_15_stepping_per_batch_decays_sixteen_times() -> None:
    lr = 1.0
    for step in range(1, 501):
        if step % 30 == 0:
            lr *= 0.1
    assert lr == pytest.approx(1e-16, rel=1e-9)


def test_pytorch_20_a_table_of_n_rows_has_no_row_n() -> None:
    table = np.zeros((10_000, 64))
    with pytest.raises(IndexError):
        table[np.array([1, 10_000])]
    assert np.zeros((10_001, 64))[np.array([0, 10_000])].shape == (2, 64)


def test_pytorch_21_log_of_a_float32_softmax_underflows() -> None:
    logits = np.array([[0.0, 120.0]], dtype=np.float32)  # true class 0 trails by 120
    with np.errstate(divide="ignore"):
        naive = -np.log(_np_softmax(logits, axis=1)[0, 0])
    assert np.isinf(naive)
    stable = -(logits[0, 0] - (logits.max() + np.log(np.exp(logits - logits.max()).sum())))
    assert np.isfinite(stable) and stable == pytest.approx(120.0)


def test_pytorch_24_sorted_data_gives_single_class_batches() -> None:
    labels = np.repeat([0, 1, 2], 640)
    batches = [labels[i : i + 64] for i in range(0, len(labels), 64)]
    assert all(len(set(batch)) == 1 for batch in batches)


def test_pytorch_25_summed_micro_batch_means_are_four_times_the_big_batch_mean() -> None:
    rng = np.random.default_rng(2)
    X, y, w = rng.normal(size=(256, 3)), rng.normal(size=256), rng.normal(size=3)

    def grad(rows: slice) -> np.ndarray:  # gradient of the mean squared error over `rows`
        residual = X[rows] @ w - y[rows]
        return 2 * X[rows].T @ residual / len(residual)

    accumulated = sum(grad(slice(i, i + 64)) for i in range(0, 256, 64))
    assert np.allclose(accumulated, 4 * grad(slice(0, 256)))
    assert np.allclose(accumulated / 4, grad(slice(0, 256)))


# ---------------------------------------------------------------- other code items


def test_ml_system_design_24_scaling_each_batch_changes_predictions() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(5, 2, size=(500, 3))
    y = (X[:, 0] > 5).astype(int)
    scaler = StandardScaler().fit(X)
    model = LogisticRegression().fit(scaler.transform(X), y)
    one_row = X[:1]
    assert np.allclose(StandardScaler().fit_transform(one_row), 0)  # a batch of one is all zeros
    batch = X[:5]
    right = model.predict_proba(scaler.transform(batch))
    wrong = model.predict_proba(StandardScaler().fit_transform(batch))
    assert not np.allclose(right, wrong)


def test_ml_interviews_07_the_logistic_gradient_line() -> None:
    rng = np.random.default_rng(4)
    n, d = 50, 3
    X, y, w = rng.normal(size=(n, d)), rng.integers(0, 2, n), rng.normal(size=d)

    def sigmoid(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-z))

    def loss(weights: np.ndarray) -> float:
        p = sigmoid(X @ weights)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    grad = X.T @ (sigmoid(X @ w) - y) / n  # option B
    eps = 1e-6
    numeric = np.array([(loss(w + eps * e) - loss(w - eps * e)) / (2 * eps) for e in np.eye(d)])
    assert np.allclose(grad, numeric, atol=1e-6)
    with pytest.raises(ValueError):
        _ = (sigmoid(X @ w) - y) @ X.T / n  # option C: shapes do not line up
    assert BY_ID["ml-interviews-07"]["answer"] == "B"


def test_transformers_llms_06_score_shape() -> None:
    q = np.zeros((2, 5, 8))
    k = np.zeros((2, 5, 8))
    assert (q @ k.swapaxes(-2, -1)).shape == (2, 5, 5)


def test_deep_learning_22_max_pool_keeps_channels() -> None:
    x = np.random.default_rng(5).normal(size=(64, 32, 32))
    pooled = x.reshape(64, 16, 2, 16, 2).max(axis=(2, 4))
    assert pooled.shape == (64, 16, 16)


# ---------------------------------------------------------------- practice in the console


@pytest.mark.parametrize("topic", sorted(MIN_PER_TOPIC))
async def test_practice_serves_every_new_topic(console: ConsoleHarness, topic: str) -> None:
    out = await console.say(f"challenge practice --topic {topic}")
    assert f"Practice — {topic.replace('-', ' ')}" in out
    feedback = await console.say("challenge answer 1 --practice")  # valid for choice and numeric
    assert "Why:" in feedback and "Read more:" in feedback
