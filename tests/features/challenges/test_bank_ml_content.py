"""Structural checks for the curated ML challenge bank (basics, practice, kaggle).

The bank is data, not code, so these tests are its type checker: a malformed
item would otherwise surface as a broken question in front of a member. The
files are read with tomllib directly so the checks do not depend on the loader.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.features.challenges.bank import TOPICS, load_bank

BANK_DIR = Path(__file__).resolve().parents[3] / "bot" / "features" / "challenges" / "bank"

# Which roadmap step each file covers, and the topics of each step.
FILE_STEPS = {"basics.toml": "basics", "practice.toml": "projects", "kaggle.toml": "community"}


# The topics of this bank's steps, from the one declaration the loader validates against.
# A topic may also have items in other files (kaggle in community.toml); its minimum is
# counted over the whole bank below.
TOPIC_STEPS = {t: step for t, step in TOPICS.items() if step in FILE_STEPS.values()}

COMMON_FIELDS = {"id", "topic", "step", "difficulty", "kind", "prompt", "explanation", "source"}
KIND_FIELDS = {
    "choice": ({"choices", "answer"}, {"hint"}),
    "numeric": ({"answer", "tolerance", "format"}, {"hint"}),
    "short": ({"answer"}, {"accept", "hint"}),
}
MIN_PER_TOPIC = 6
MIN_TOTAL = 125
MAX_PROMPT_CHARS = 1200

# LaTeX that chat clients would show raw: dollar delimiters or any backslash command.
LATEX = re.compile(r"\$|\\[A-Za-z()\[\]{}]")
# A sentence ends with . ! or ? followed by whitespace or the end of the text.
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
ID_PATTERN = re.compile(r"^[a-z0-9-]+$")
LETTER_LABEL = re.compile(r"^\s*[A-Ea-e][).:]\s")


def _load(name: str) -> list[dict[str, Any]]:
    with (BANK_DIR / name).open("rb") as fh:
        return tomllib.load(fh)["challenge"]


def _all_items() -> list[tuple[str, dict[str, Any]]]:
    return [(name, item) for name in FILE_STEPS for item in _load(name)]


ITEMS = _all_items()


def _item_id(param: tuple[str, dict[str, Any]]) -> str:
    return str(param[1].get("id", "<no id>"))


@pytest.mark.parametrize("entry", ITEMS, ids=[_item_id(e) for e in ITEMS])
def test_item_has_exactly_the_fields_of_its_kind(entry: tuple[str, dict[str, Any]]) -> None:
    _, item = entry
    assert item["kind"] in KIND_FIELDS
    required, optional = KIND_FIELDS[item["kind"]]
    keys = set(item)
    assert COMMON_FIELDS | required <= keys, f"missing {sorted(COMMON_FIELDS | required - keys)}"
    assert keys <= COMMON_FIELDS | required | optional, (
        f"fields not allowed for kind {item['kind']}: "
        f"{sorted(keys - COMMON_FIELDS - required - optional)}"
    )


@pytest.mark.parametrize("entry", ITEMS, ids=[_item_id(e) for e in ITEMS])
def test_item_topic_step_and_difficulty(entry: tuple[str, dict[str, Any]]) -> None:
    filename, item = entry
    assert ID_PATTERN.match(item["id"])
    assert item["topic"] in TOPIC_STEPS
    assert item["id"].startswith(item["topic"] + "-")
    assert item["step"] == TOPIC_STEPS[item["topic"]]
    assert item["step"] == FILE_STEPS[filename]
    assert type(item["difficulty"]) is int and 1 <= item["difficulty"] <= 5


@pytest.mark.parametrize("entry", ITEMS, ids=[_item_id(e) for e in ITEMS])
def test_item_text_fits_chat(entry: tuple[str, dict[str, Any]]) -> None:
    _, item = entry
    prompt = item["prompt"]
    assert prompt.strip() and len(prompt) <= MAX_PROMPT_CHARS
    texts = [prompt, item["explanation"], *item.get("choices", [])]
    for text in texts:
        assert not LATEX.search(text), f"LaTeX-looking text: {text[:80]!r}"
    sentences = len(SENTENCE_END.findall(item["explanation"].strip()))
    assert 2 <= sentences <= 5, f"explanation has {sentences} sentences"
    assert item["source"].startswith("https://")
    assert " " not in item["source"]


@pytest.mark.parametrize(
    "entry",
    [e for e in ITEMS if e[1]["kind"] == "choice"],
    ids=[_item_id(e) for e in ITEMS if e[1]["kind"] == "choice"],
)
def test_choice_item_has_valid_options_and_answer(entry: tuple[str, dict[str, Any]]) -> None:
    _, item = entry
    choices = item["choices"]
    assert 3 <= len(choices) <= 5
    assert all(isinstance(c, str) and c.strip() for c in choices)
    normalised = [" ".join(c.lower().split()) for c in choices]
    assert len(set(normalised)) == len(normalised), "duplicate choices"
    assert not any(LETTER_LABEL.match(c) for c in choices), "choices must not carry letters"
    assert item["answer"] in "ABCDE"[: len(choices)]


@pytest.mark.parametrize(
    "entry",
    [e for e in ITEMS if e[1]["kind"] == "numeric"],
    ids=[_item_id(e) for e in ITEMS if e[1]["kind"] == "numeric"],
)
def test_numeric_item_has_number_answer_and_tolerance(entry: tuple[str, dict[str, Any]]) -> None:
    _, item = entry
    assert type(item["answer"]) in (int, float)
    assert type(item["tolerance"]) in (int, float) and item["tolerance"] >= 0
    # A tolerance as wide as the answer itself would accept nonsense.
    assert item["tolerance"] < max(abs(item["answer"]), 1) * 0.05
    assert item["format"].strip()


@pytest.mark.parametrize(
    "entry",
    [e for e in ITEMS if e[1]["kind"] == "short"],
    ids=[_item_id(e) for e in ITEMS if e[1]["kind"] == "short"],
)
def test_short_item_answer_and_accept_variants(entry: tuple[str, dict[str, Any]]) -> None:
    _, item = entry
    assert isinstance(item["answer"], str) and item["answer"].strip()
    accept = item.get("accept", [])
    assert isinstance(accept, list) and all(isinstance(a, str) and a.strip() for a in accept)

    def norm(text: str) -> str:
        return "".join(text.lower().split())

    variants = [norm(item["answer"]), *map(norm, accept)]
    assert len(set(variants)) == len(variants), "accept repeats an equivalent spelling"


def test_ids_are_unique_across_the_three_files() -> None:
    counts = Counter(item["id"] for _, item in ITEMS)
    assert [i for i, n in counts.items() if n > 1] == []


def test_every_topic_has_enough_items_and_bank_is_large_enough() -> None:
    # Topics of these steps may also live in other files (sql.toml, community.toml, ...),
    # so a topic's items are counted over the whole bank.
    per_topic = Counter(item.topic for item in load_bank())
    short = {t: per_topic.get(t, 0) for t in TOPICS if per_topic.get(t, 0) < MIN_PER_TOPIC}
    assert short == {}
    assert len(ITEMS) >= MIN_TOTAL


def test_bank_mixes_kinds_and_difficulties() -> None:
    kinds = Counter(item["kind"] for _, item in ITEMS)
    assert kinds["choice"] > kinds["numeric"] > kinds["short"] > 0
    difficulties = Counter(item["difficulty"] for _, item in ITEMS)
    assert set(difficulties) == {1, 2, 3, 4, 5}
    total = len(ITEMS)
    easy = difficulties[1] + difficulties[2]
    hard = difficulties[4] + difficulties[5]
    assert 0.1 <= easy / total <= 0.35
    assert 0.25 <= difficulties[3] / total <= 0.5
    assert 0.25 <= hard / total <= 0.5


def test_choice_answers_are_not_all_the_same_letter() -> None:
    letters = Counter(item["answer"] for _, item in ITEMS if item["kind"] == "choice")
    most_common_share = letters.most_common(1)[0][1] / sum(letters.values())
    assert len(letters) >= 3
    assert most_common_share <= 0.6
