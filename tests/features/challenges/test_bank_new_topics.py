"""Content rules for the SQL, code-reading and community bank files.

These files hold the second-edition items for the topics sql-for-ml,
code-reading, kaggle (beyond kaggle.toml), open-source-github and
asking-and-sharing. Besides the loader's format rules, they must meet the
content bar of CONTENT.md: unguessable multiple choice (the right option is
rarely the longest and never much longer), an even spread of answer letters
and difficulties, explanations that teach in 2-5 sentences and, for code,
end with the corrected line, and sources that point at a specific page.
Each new topic must also be practisable from the console.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from bot.features.challenges.bank import TOPICS, load_bank
from tests.conftest import ConsoleHarness

BANK_DIR = Path(__file__).resolve().parents[3] / "bot" / "features" / "challenges" / "bank"

# File -> {topic: minimum number of items in that file}.
FILE_TOPICS: dict[str, dict[str, int]] = {
    "sql.toml": {"sql-for-ml": 25},
    "code_reading.toml": {"code-reading": 30},
    "community.toml": {"kaggle": 20, "open-source-github": 13, "asking-and-sharing": 12},
}
NEW_TOPICS = {
    "sql-for-ml": "projects",
    "code-reading": "projects",
    "open-source-github": "community",
    "asking-and-sharing": "community",
}
MAX_LONGEST_SHARE = 0.30
MAX_MUCH_LONGER_SHARE = 0.08
MUCH_LONGER = 1.3

SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
FIX_LINE = re.compile(r"\sFix: `[^`]+`(?: \.\.\. `[^`]+`)?(?: for [^`]+ and `[^`]+` for \w+)?$")


def _load(name: str) -> list[dict[str, Any]]:
    return tomllib.loads((BANK_DIR / name).read_text(encoding="utf-8"))["challenge"]


ITEMS: list[tuple[str, dict[str, Any]]] = [(name, i) for name in FILE_TOPICS for i in _load(name)]
CHOICE = [item for _, item in ITEMS if item["kind"] == "choice"]


def _ids(entries: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [item["id"] for _, item in entries]


def _correct_and_rest(item: dict[str, Any]) -> tuple[int, list[int]]:
    lengths = [len(choice) for choice in item["choices"]]
    index = "ABCDE".index(item["answer"])
    return lengths[index], [n for i, n in enumerate(lengths) if i != index]


def test_new_topics_are_declared_with_their_steps() -> None:
    for topic, step in NEW_TOPICS.items():
        assert TOPICS[topic] == step
    assert TOPICS["kaggle"] == "community"


def test_the_whole_bank_loads_with_the_new_files() -> None:
    loaded = {item.id for item in load_bank()}
    assert {item["id"] for _, item in ITEMS} <= loaded


def test_each_file_holds_its_topics_in_the_required_numbers() -> None:
    for name, minimums in FILE_TOPICS.items():
        counts = Counter(item["topic"] for item in _load(name))
        assert set(counts) == set(minimums), name
        for topic, minimum in minimums.items():
            assert counts[topic] >= minimum, (name, topic, counts[topic])
    print("\nitems per topic:", dict(Counter(item["topic"] for _, item in ITEMS)))
    print("items per step:", dict(Counter(item["step"] for _, item in ITEMS)))


@pytest.mark.parametrize("entry", ITEMS, ids=_ids(ITEMS))
def test_explanation_teaches_in_two_to_five_sentences(entry: tuple[str, dict[str, Any]]) -> None:
    _, item = entry
    text = item["explanation"].strip()
    body = FIX_LINE.split(text)[0]
    sentences = len(SENTENCE_END.findall(body.strip()))
    assert 2 <= sentences <= 5, f"{sentences} sentences before the fix line"
    if "Fix: `" in text:
        assert FIX_LINE.search(text), "a fix line must be the explanation's last line"


@pytest.mark.parametrize(
    "entry",
    [e for e in ITEMS if e[1]["topic"] == "code-reading"],
    ids=_ids([e for e in ITEMS if e[1]["topic"] == "code-reading"]),
)
def test_code_reading_shows_code_and_ends_with_the_corrected_line(
    entry: tuple[str, dict[str, Any]],
) -> None:
    _, item = entry
    assert "`" in item["prompt"], "a code-reading item shows the code"
    assert FIX_LINE.search(item["explanation"].strip()), "the explanation ends with the fix"


@pytest.mark.parametrize("entry", ITEMS, ids=_ids(ITEMS))
def test_source_is_a_specific_page(entry: tuple[str, dict[str, Any]]) -> None:
    _, item = entry
    url = urlparse(item["source"])
    assert url.scheme == "https" and url.netloc
    assert url.path.strip("/"), "a bare domain is not a source; link the section that answers"


@pytest.mark.parametrize(
    "entry",
    [e for e in ITEMS if e[1]["kind"] == "numeric"],
    ids=_ids([e for e in ITEMS if e[1]["kind"] == "numeric"]),
)
def test_numeric_items_state_a_format_and_a_tight_tolerance(
    entry: tuple[str, dict[str, Any]],
) -> None:
    _, item = entry
    assert type(item["answer"]) in (int, float)
    assert item["format"].startswith(("a whole number", "a number", "a proportion"))
    if type(item["answer"]) is int:
        assert item["tolerance"] == 0
    else:
        assert 0 < item["tolerance"] <= max(abs(item["answer"]), 1) * 0.05


@pytest.mark.parametrize("item", CHOICE, ids=[i["id"] for i in CHOICE])
def test_distractors_are_as_substantial_as_the_answer(item: dict[str, Any]) -> None:
    correct, rest = _correct_and_rest(item)
    assert min(rest) >= 0.6 * correct, "a distractor is much shorter than the answer"


def test_multiple_choice_is_not_guessable_by_length() -> None:
    longest = sum(
        1 for item in CHOICE if _correct_and_rest(item)[0] > max(_correct_and_rest(item)[1])
    )
    much_longer = sum(
        1
        for item in CHOICE
        if _correct_and_rest(item)[0] > MUCH_LONGER * max(_correct_and_rest(item)[1])
    )
    total = len(CHOICE)
    print(
        f"\nchoice items: {total}; correct option strictly longest: {longest} "
        f"({longest / total:.0%}); more than {MUCH_LONGER}x the next: {much_longer} "
        f"({much_longer / total:.0%})"
    )
    assert longest / total <= MAX_LONGEST_SHARE
    assert much_longer / total <= MAX_MUCH_LONGER_SHARE


def test_answer_letters_and_difficulties_are_spread() -> None:
    letters = Counter(item["answer"] for item in CHOICE)
    assert set(letters) == set("ABCD")
    for letter, count in letters.items():
        assert 0.15 <= count / len(CHOICE) <= 0.35, (letter, count)
    difficulties = Counter(item["difficulty"] for _, item in ITEMS)
    assert set(difficulties) == {1, 2, 3, 4, 5}
    assert max(difficulties.values()) / len(ITEMS) <= 0.45
    kinds = Counter(item["kind"] for _, item in ITEMS)
    assert kinds["choice"] > kinds["numeric"] > kinds["short"] > 0


def test_ids_are_numbered_without_gaps_per_topic_and_file() -> None:
    for name in FILE_TOPICS:
        by_topic: dict[str, list[int]] = {}
        for item in _load(name):
            by_topic.setdefault(item["topic"], []).append(int(item["id"].rsplit("-", 1)[1]))
        for numbers in by_topic.values():
            assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


@pytest.mark.parametrize("topic", [*NEW_TOPICS, "kaggle"])
async def test_practice_works_for_each_topic(console: ConsoleHarness, topic: str) -> None:
    out = await console.say(f"challenge practice --topic {topic}")
    assert f"Practice — {topic.replace('-', ' ')}" in out and "--practice" in out
    feedback = await console.say("challenge answer A --practice")
    if "Why:" not in feedback:  # a numeric item: answer with a number instead
        feedback = await console.say("challenge answer 0 --practice")
    assert "Why:" in feedback and "Read more:" in feedback
