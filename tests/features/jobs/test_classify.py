"""The ML-role filter on the labelled titles, levels, remote flags, and the boards' small parsers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.jobs_filter import load, score
from bot.features.jobs.boards import board_name, parse_time, plain_text, retry_after_seconds
from bot.features.jobs.classify import is_ml_title, level_of, looks_remote


def test_precision_and_recall_on_the_labelled_titles(capsys: pytest.CaptureFixture[str]) -> None:
    rows = load()
    assert len(rows) >= 100
    assert sum(r[0] for r in rows) >= 50 and sum(not r[0] for r in rows) >= 50
    precision, recall, wrong = score(rows, is_ml_title)
    with capsys.disabled():
        print(f"\nML-title filter on {len(rows)} labelled titles: precision {precision:.3f}, "
              f"recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.95, wrong


def test_the_description_only_breaks_ties() -> None:
    assert not is_ml_title("Research Engineer", "RF circuits and antennas")
    assert is_ml_title("Research Engineer", "Train transformer models in PyTorch")
    # A clear title is not overturned by its description, either way.
    assert is_ml_title("Machine Learning Engineer", "")
    assert not is_ml_title("Technical Recruiter, Machine Learning", "PyTorch deep learning LLMs")


@pytest.mark.parametrize(("title", "level"), [
    ("Machine Learning Intern", "intern"),
    ("Data Scientist, New Grad 2027", "new-grad"),
    ("Junior ML Engineer", "junior"),
    ("Machine Learning Engineer", "mid"),
    ("Senior Applied Scientist", "senior"),
    ("Sr. Data Scientist", "senior"),
    ("Staff Machine Learning Engineer", "staff+"),
    ("Principal AI Engineer", "staff+"),
    ("Head of Machine Learning", "staff+"),
])
def test_levels(title: str, level: str) -> None:
    assert level_of(title) == level


def test_remote() -> None:
    assert looks_remote("Remote - US")
    assert looks_remote(None, "Berlin or remote")
    assert not looks_remote("London", "Machine Learning Engineer")


@pytest.mark.parametrize(("text", "board"), [
    ("acme", "acme"),
    ("https://boards.greenhouse.io/acme", "acme"),
    ("https://job-boards.greenhouse.io/acme/jobs/123", "acme"),
    ("https://jobs.lever.co/acme/5f1c", "acme"),
    ("https://jobs.ashbyhq.com/acme?utm=x", "acme"),
])
def test_board_names_from_names_or_urls(text: str, board: str) -> None:
    assert board_name(text) == board


def test_small_parsers() -> None:
    assert plain_text("&lt;p&gt;Build &amp;amp; ship&lt;/p&gt;&lt;ul&gt;&lt;li&gt;PyTorch&lt;/li&gt;") \
        == "Build & ship\nPyTorch"
    assert parse_time(1771400000000) == datetime(2026, 2, 18, 7, 33, 20, tzinfo=UTC)
    assert parse_time("2026-02-25T18:36:29.484+00:00") is not None
    assert parse_time("not a date") is None
    assert retry_after_seconds("120") == 120
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 02 Mar 2026 08:05:00 GMT", now) == 300
    assert retry_after_seconds("soon") is None
