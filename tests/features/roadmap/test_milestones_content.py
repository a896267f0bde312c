"""Content checks for the roadmap milestones data file.

Members read these milestones in a chat list and tick them off themselves, and the
bot ticks some off automatically. A milestone with a vague verb, an overlong
title, a missing link or a misplaced automatic key is a bug a member would see,
so the file is validated here rather than trusted.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

MILESTONES_PATH = (
    Path(__file__).resolve().parents[3] / "bot" / "features" / "roadmap" / "milestones.toml"
)

STEPS = ("basics", "math", "projects", "community", "jobs")
MIN_PER_STEP = 9

# Each automatic key, and the steps whose milestone it may sit on.
AUTO_KEYS: dict[str, frozenset[str]] = {
    "challenge-correct-basics-10": frozenset({"basics"}),
    "challenge-correct-math-20": frozenset({"math"}),
    "checkin-streak-4w": frozenset({"projects"}),
    "kaggle-entered": frozenset({"community"}),
    "buddy-met": frozenset({"community"}),
    "project-first": frozenset({"projects"}),
    "showcase-first": frozenset({"projects"}),
    "review-received": frozenset({"projects"}),
    "reviews-given-3": frozenset({"community"}),
    "portfolio-published": frozenset({"projects"}),
    "help-given": frozenset({"community"}),
    "interview-first": frozenset({"jobs"}),
    "offer": frozenset({"jobs"}),
}
# Triggers that only count activity inside Pivot (answers, check-ins, a meeting); the others
# fire on a real outcome (a project published, a review received, an offer).
ACTIVITY_ONLY = frozenset(
    {"challenge-correct-basics-10", "challenge-correct-math-20", "checkin-streak-4w", "buddy-met"}
)

# Words in the milestone text that show it describes what the automatic trigger proves.
AUTO_WORDING: dict[str, tuple[str, ...]] = {
    "challenge-correct-basics-10": ("10", "basics", "challenge", "correct"),
    "challenge-correct-math-20": ("20", "math", "challenge", "correct"),
    "checkin-streak-4w": ("4", "week", "check", "streak"),
    "kaggle-entered": ("kaggle", "enter", "competition"),
    "buddy-met": ("buddy", "met"),
    "project-first": ("first project", "repository"),
    "showcase-first": ("showcase", "first"),
    "review-received": ("review", "project"),
    "reviews-given-3": ("three", "review"),
    "portfolio-published": ("portfolio", "publish"),
    "help-given": ("answer", "member", "helped"),
    "interview-first": ("interview", "stage", "apply move"),
    "offer": ("offer", "negotiat"),
}

REQUIRED_KEYS = {"id", "step", "title", "detail", "resource", "url"}
ALLOWED_KEYS = REQUIRED_KEYS | {"auto"}
NOT_A_DEED = ("learn", "understand", "study")
LATEX = re.compile(r"\$|\\[a-zA-Z]+|\^\{|_\{")


def _load() -> list[dict[str, Any]]:
    with MILESTONES_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    assert set(data) == {"milestone"}, f"unexpected top-level keys: {sorted(data)}"
    return data["milestone"]


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


MILESTONES = _load()
IDS = [m.get("id", "?") for m in MILESTONES]


def test_steps_come_in_roadmap_order_with_enough_milestones_each() -> None:
    steps = [m["step"] for m in MILESTONES]
    assert steps == sorted(steps, key=STEPS.index), "milestones are grouped by step, in order"
    for step in STEPS:
        assert Counter(steps)[step] >= MIN_PER_STEP, step
    for milestone in MILESTONES:
        prefix, _, number = milestone["id"].rpartition("-")
        assert prefix == milestone["step"] and number.isdigit(), milestone["id"]


def test_at_most_one_activity_only_milestone_per_step() -> None:
    activity = Counter(m["step"] for m in MILESTONES if m.get("auto") in ACTIVITY_ONLY)
    assert all(count <= 1 for count in activity.values()), activity


def _position(milestone_id: str) -> int:
    return IDS.index(milestone_id)


def test_error_analysis_comes_before_serving_and_ci() -> None:
    titles = {m["id"]: m["title"].lower() for m in MILESTONES}
    analysis = next(i for i, t in titles.items() if "error analysis" in t)
    serving = next(i for i, t in titles.items() if "serve" in t)
    ci = next(i for i, t in titles.items() if " ci" in t)
    assert _position(analysis) < _position(serving) < _position(ci)


@pytest.mark.parametrize(
    "words",
    [
        ("coding",),
        ("sql",),
        ("take-home",),
        ("practitioners",),
        ("negotiate",),
        ("llm",),
        ("online",),
    ],
)
def test_the_jobs_step_covers_the_hiring_loop(words: tuple[str, ...]) -> None:
    jobs = [f"{m['title']} {m['detail']}".lower() for m in MILESTONES if m["step"] == "jobs"]
    assert any(all(w in text for w in words) for text in jobs), words


def test_new_jobs_and_math_milestones_say_when_they_are_done() -> None:
    for milestone in MILESTONES:
        number = int(milestone["id"].rpartition("-")[2])
        if number >= 10:
            assert "done when" in milestone["detail"], milestone["id"]


def test_math_step_is_math_not_activity() -> None:
    math = [m for m in MILESTONES if m["step"] == "math"]
    real = [m for m in math if m.get("auto") not in ACTIVITY_ONLY]
    assert len(real) >= 9


def test_ids_are_unique() -> None:
    duplicates = [key for key, count in Counter(IDS).items() if count > 1]
    assert duplicates == []


@pytest.mark.parametrize("milestone", MILESTONES, ids=IDS)
def test_milestone_has_exactly_the_known_fields(milestone: dict[str, Any]) -> None:
    assert REQUIRED_KEYS <= set(milestone), f"missing {sorted(REQUIRED_KEYS - set(milestone))}"
    assert set(milestone) <= ALLOWED_KEYS, f"unknown {sorted(set(milestone) - ALLOWED_KEYS)}"
    assert all(isinstance(value, str) for value in milestone.values())


@pytest.mark.parametrize("milestone", MILESTONES, ids=IDS)
def test_title_fits_a_chat_list(milestone: dict[str, Any]) -> None:
    title = milestone["title"]
    assert title == title.strip() and title
    assert len(title) <= 60
    assert "\n" not in title
    assert not title.endswith(".")


@pytest.mark.parametrize("milestone", MILESTONES, ids=IDS)
def test_detail_is_short_and_describes_a_deed(milestone: dict[str, Any]) -> None:
    detail = milestone["detail"].strip()
    assert len(detail) <= 400, f"{len(detail)} chars"
    assert 1 <= len(_sentences(detail)) <= 3, _sentences(detail)
    assert detail.endswith((".", "?", "!"))
    first_word = detail.split()[0].lower()
    assert first_word not in NOT_A_DEED, "a milestone is a thing done, not a thing understood"
    assert milestone["title"].split()[0].lower() not in NOT_A_DEED


@pytest.mark.parametrize("milestone", MILESTONES, ids=IDS)
def test_resource_is_named_and_linked_over_https(milestone: dict[str, Any]) -> None:
    resource = milestone["resource"]
    assert resource.strip() and len(resource) <= 80
    url = milestone["url"]
    assert url.startswith("https://")
    assert not re.search(r"\s", url)


@pytest.mark.parametrize("milestone", MILESTONES, ids=IDS)
def test_text_has_no_latex(milestone: dict[str, Any]) -> None:
    for field in ("title", "detail", "resource"):
        assert not LATEX.search(milestone[field]), f"LaTeX in {field}: {milestone[field]!r}"


def test_each_auto_key_is_used_exactly_once_and_none_are_unknown() -> None:
    used = Counter(m["auto"] for m in MILESTONES if "auto" in m)
    assert set(used) == set(AUTO_KEYS)
    assert all(count == 1 for count in used.values()), used


@pytest.mark.parametrize(
    "milestone", [m for m in MILESTONES if "auto" in m], ids=lambda m: m["auto"]
)
def test_auto_milestone_sits_on_its_step_and_says_what_the_trigger_proves(
    milestone: dict[str, Any],
) -> None:
    key = milestone["auto"]
    assert milestone["step"] in AUTO_KEYS[key]
    text = f"{milestone['title']} {milestone['detail']}".lower()
    missing = [word for word in AUTO_WORDING[key] if word not in text]
    assert missing == [], f"{milestone['id']} text does not mention {missing}"
