"""Structural checks on the math challenge bank.

A malformed item reaches members as a broken question or a wrong grade, so every
rule of BANK_SCHEMA.md is checked here against the raw TOML, independent of the
bank loader.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

BANK = (
    Path(__file__).resolve().parents[3] / "bot" / "features" / "challenges" / "bank" / "math.toml"
)

TOPICS = ("linear-algebra", "calculus", "probability", "statistics")
KINDS = ("choice", "numeric", "short")
COMMON_FIELDS = {
    "id",
    "topic",
    "step",
    "difficulty",
    "kind",
    "prompt",
    "answer",
    "explanation",
    "source",
}
KIND_FIELDS = {
    "choice": {"choices"},
    "numeric": {"tolerance", "format"},
    "short": set(),
}
OPTIONAL_FIELDS = {"short": {"accept", "hint"}, "choice": {"hint"}, "numeric": {"hint"}}
LATEX_MARKERS = (
    "$",
    "\\frac",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "\\sum",
    "\\sqrt",
    "\\cdot",
    "\\mathbf",
    "\\alpha",
    "\\sigma",
    "\\mu",
    "\\theta",
    "\\lambda",
    "\\begin",
    "^{",
    "_{",
)
# A sentence ends at . ! or ? followed by whitespace; decimals like 0.25 never
# have whitespace after the dot, and sentences may start lowercase ("p = 0.5 ...").
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=\S)")


def load_items() -> list[dict[str, Any]]:
    with BANK.open("rb") as handle:
        return tomllib.load(handle)["challenge"]


def count_sentences(text: str) -> int:
    return len([part for part in SENTENCE_BREAK.split(text.strip()) if part.strip()])


ITEMS = load_items()


def item_id(item: dict[str, Any]) -> str:
    return str(item.get("id", "?"))


def test_bank_is_large_enough_per_topic() -> None:
    per_topic = Counter(item["topic"] for item in ITEMS)
    assert len(ITEMS) >= 95
    for topic in TOPICS:
        assert per_topic[topic] >= 20, f"{topic} has only {per_topic[topic]} items"


def test_ids_are_unique() -> None:
    duplicates = [key for key, n in Counter(item["id"] for item in ITEMS).items() if n > 1]
    assert duplicates == []


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_item_has_exactly_the_fields_of_its_kind(item: dict[str, Any]) -> None:
    assert item["kind"] in KINDS
    required = COMMON_FIELDS | KIND_FIELDS[item["kind"]]
    allowed = required | OPTIONAL_FIELDS[item["kind"]]
    keys = set(item)
    assert required <= keys, f"missing {sorted(required - keys)}"
    assert keys <= allowed, f"unexpected {sorted(keys - allowed)}"


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_item_identity_and_difficulty(item: dict[str, Any]) -> None:
    assert item["topic"] in TOPICS
    assert item["step"] == "math"
    assert re.fullmatch(r"[a-z0-9-]+", item["id"])
    assert item["id"].startswith(item["topic"] + "-")
    assert isinstance(item["difficulty"], int)
    assert 1 <= item["difficulty"] <= 5


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_text_is_chat_ready(item: dict[str, Any]) -> None:
    prompt = item["prompt"]
    assert prompt.strip()
    assert len(prompt) <= 1200
    texts = [prompt, item["explanation"], *item.get("choices", [])]
    for text in texts:
        for marker in LATEX_MARKERS:
            assert marker not in text, f"LaTeX-looking {marker!r} in {text[:60]!r}"
    # Code fences must be closed, or the rest of the message renders as code.
    assert prompt.count("```") % 2 == 0


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_explanation_teaches_in_two_to_five_sentences(item: dict[str, Any]) -> None:
    sentences = count_sentences(item["explanation"])
    assert 2 <= sentences <= 5, f"{sentences} sentences"
    assert item["explanation"].rstrip().endswith((".", "!", "?"))


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_source_is_an_https_link(item: dict[str, Any]) -> None:
    assert re.fullmatch(r"https://[^\s]+", item["source"])


CHOICE_ITEMS = [item for item in ITEMS if item["kind"] == "choice"]
NUMERIC_ITEMS = [item for item in ITEMS if item["kind"] == "numeric"]
SHORT_ITEMS = [item for item in ITEMS if item["kind"] == "short"]


@pytest.mark.parametrize("item", CHOICE_ITEMS, ids=item_id)
def test_choice_item_is_well_formed(item: dict[str, Any]) -> None:
    choices = item["choices"]
    assert 3 <= len(choices) <= 5
    assert all(isinstance(choice, str) and choice.strip() for choice in choices)
    normalised = [" ".join(choice.lower().split()) for choice in choices]
    assert len(set(normalised)) == len(normalised), "duplicate choices"
    letters = "ABCDE"[: len(choices)]
    assert item["answer"] in letters
    # The bot adds "A) ", so the option text must not carry its own letter.
    for choice in choices:
        assert not re.match(r"^[A-Ea-e][).:]\s", choice)


@pytest.mark.parametrize("item", NUMERIC_ITEMS, ids=item_id)
def test_numeric_item_is_well_formed(item: dict[str, Any]) -> None:
    assert isinstance(item["answer"], int | float) and not isinstance(item["answer"], bool)
    assert isinstance(item["tolerance"], int | float)
    assert item["tolerance"] >= 0
    assert item["format"].strip()
    answer = float(item["answer"])
    if answer != int(answer):
        assert "decimal" in item["format"], "a non-integer answer must say how to round"
    # A member who rounds as the format asks must still be graded right.
    stated = re.search(r"(\d) decimals", item["format"])
    if stated:
        rounded = round(answer, int(stated.group(1)))
        assert abs(rounded - answer) <= item["tolerance"] + 1e-9


@pytest.mark.parametrize("item", SHORT_ITEMS, ids=item_id)
def test_short_item_is_well_formed(item: dict[str, Any]) -> None:
    assert isinstance(item["answer"], str) and item["answer"].strip()
    accept = item.get("accept", [])
    assert isinstance(accept, list)
    assert all(isinstance(variant, str) and variant.strip() for variant in accept)


def test_right_letters_are_not_guessable() -> None:
    """A member who always answers the same letter must not score well."""
    letters = Counter(item["answer"] for item in CHOICE_ITEMS)
    assert max(letters.values()) <= 0.4 * len(CHOICE_ITEMS), letters


def test_every_kind_and_difficulty_is_represented() -> None:
    kinds = Counter(item["kind"] for item in ITEMS)
    difficulties = Counter(item["difficulty"] for item in ITEMS)
    assert all(kinds[kind] > 0 for kind in KINDS)
    assert all(difficulties[level] > 0 for level in range(1, 6))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One sentence with 0.25 inside.", 1),
        ("First one. Second one with 3.5 in it. Third.", 3),
        ("A ratio of 5/√2 ≈ 3.536. Then 12 follows!", 2),
        ("Σ is 10. p = 0.5 is the worst case. σ² scales by a².", 3),
    ],
)
def test_sentence_counter(text: str, expected: int) -> None:
    assert count_sentences(text) == expected
