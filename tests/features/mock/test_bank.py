"""The interview prompt bank: every prompt has what a mock needs, each type has at least
10 prompts, each type's rubric has 3-4 criteria with 1/3/5 anchors, and a broken file is
refused with a line that names the problem."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.features.mock.bank import DATA_FILE, MAX_QUESTION, BankError, bank, load
from bot.features.mock.models import TYPES

PROMPTS = bank().prompts


def test_at_least_ten_prompts_per_type_and_forty_in_all() -> None:
    counts = Counter(p.type for p in PROMPTS)
    assert set(counts) == set(TYPES)
    assert all(n >= 10 for n in counts.values()), counts
    assert len(PROMPTS) >= 40


def test_ids_are_unique_and_fit_an_action_id() -> None:
    ids = [p.id for p in PROMPTS]
    assert len(set(ids)) == len(ids)
    assert all(":" not in i and len(i) <= 64 for i in ids)


@pytest.mark.parametrize("prompt", PROMPTS, ids=lambda p: p.id)
def test_prompt_gives_the_interviewer_what_a_mock_needs(prompt) -> None:
    assert prompt.title and len(prompt.title) <= 80 and not prompt.title.endswith(".")
    assert 30 <= len(prompt.question) <= MAX_QUESTION
    assert prompt.question.rstrip().endswith((".", "?", "`"))
    assert len(prompt.follow_ups) >= 2 and all(f.endswith(("?", ".")) for f in prompt.follow_ups)
    assert len(prompt.strong_answer) >= 3
    assert len(prompt.traps) >= 2
    assert "\\(" not in prompt.question and "$" not in prompt.question  # no LaTeX in chat


@pytest.mark.parametrize("kind", TYPES)
def test_each_type_has_a_rubric_with_anchors(kind: str) -> None:
    rubric = bank().rubrics[kind]
    assert 3 <= len(rubric) <= 4
    for criterion in rubric:
        assert criterion.name and criterion.one and criterion.three and criterion.five
        assert len({criterion.one, criterion.three, criterion.five}) == 3


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DATA_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "prompts.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('type = "ml-coding"', 'type = "cooking"', "unknown type"),
        ('id = "coding-knn"', 'id = "coding-kmeans"', "duplicate id"),
        ('traps = [\n  "Building', 'pitfalls = [\n  "Building', "fields must be exactly"),
        ('type = "behavioral"', 'type = "ml-theory"', "behavioral has 9 prompts"),
        ('  { name = "Accuracy",', '  # { name = "Accuracy",', "needs 3 or 4 criteria"),
    ],
)
def test_a_broken_bank_is_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(BankError, match=message):
        load(_broken(tmp_path, old, new))
