"""Content checks for the project ideas data file: every idea is a complete, checkable brief."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bot.features.projects.ideas import (
    DATA_FILE,
    FOCUSES,
    LEVELS,
    Idea,
    IdeaDataError,
    ideas,
    load,
    matching,
)

IDEAS = ideas()
BACKEND = {"logs", "metrics", "traces", "queues", "search", "api", "security"}
# Where the datasets live: repositories and pages we cite, nowhere else.
KNOWN_HOSTS = {
    "github.com", "archive.ics.uci.edu", "www.kaggle.com", "www.unb.ca", "research.unsw.edu.au",
    "microsoft.github.io", "ita.ee.lbl.gov", "nvd.nist.gov", "www.backblaze.com",
    "grouplens.org", "survey.stackoverflow.co", "www.nyc.gov",
}


def test_at_least_forty_ideas_with_unique_ids() -> None:
    assert len(IDEAS) >= 40
    assert [i for i, n in Counter(i.id for i in IDEAS).items() if n > 1] == []


def test_ideas_lean_on_backend_data_and_span_every_level() -> None:
    focuses = Counter(i.focus for i in IDEAS)
    assert sum(n for f, n in focuses.items() if f in BACKEND) >= len(IDEAS) * 0.6
    assert {"logs", "metrics", "traces", "queues", "search", "api"} <= set(focuses)
    assert set(Counter(i.level for i in IDEAS)) == set(LEVELS)


@pytest.mark.parametrize("idea", IDEAS, ids=lambda i: i.id)
def test_each_idea_is_a_complete_brief(idea: Idea) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", idea.id)
    assert idea.focus in FOCUSES and idea.level in LEVELS
    assert 10 <= len(idea.title) <= 60 and not idea.title.endswith(".")
    for name in ("problem", "dataset", "licence", "baseline", "metric", "why"):
        value = getattr(idea, name)
        assert value.strip() == value and len(value) >= 5, name
        assert len(value) <= 300, f"{name} is {len(value)} characters"
    assert idea.problem.endswith(".") and idea.why.endswith(".")


@pytest.mark.parametrize("idea", IDEAS, ids=lambda i: i.id)
def test_each_dataset_link_is_real_https_on_a_known_host(idea: Idea) -> None:
    url = urlparse(idea.url)
    assert url.scheme == "https" and not re.search(r"\s", idea.url)
    assert url.netloc in KNOWN_HOSTS, url.netloc
    if url.netloc == "archive.ics.uci.edu":
        assert re.fullmatch(r"/dataset/\d+/[a-z0-9+]+", url.path), idea.url
        assert idea.licence == "CC BY 4.0"  # every dataset on the current UCI site
    if url.netloc == "www.kaggle.com":
        assert re.fullmatch(r"/(competitions|datasets)/[a-z0-9-]+(/[a-z0-9-]+)?", url.path), idea.url


def test_filters() -> None:
    assert all(i.focus == "logs" for i in matching("logs"))
    assert all(i.level == "beginner" for i in matching(level="beginner"))
    assert matching("traces", "beginner") == [i for i in IDEAS if i.focus == "traces" and i.level == "beginner"]


def test_the_loader_refuses_incomplete_or_odd_ideas(tmp_path: Path) -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    first = text[text.index("[[idea]]"): text.index("[[idea]]", text.index("[[idea]]") + 1)]
    bad = tmp_path / "ideas.toml"
    bad.write_text(first.replace('metric = ', 'measure = '), encoding="utf-8")
    with pytest.raises(IdeaDataError, match="missing"):
        load(bad)
    bad.write_text(first + first, encoding="utf-8")
    with pytest.raises(IdeaDataError, match="duplicate"):
        load(bad)
    bad.write_text(first.replace('focus = "logs"', 'focus = "vibes"'), encoding="utf-8")
    with pytest.raises(IdeaDataError, match="unknown focus"):
        load(bad)
    bad.write_text(first.replace("https://github.com", "http://github.com"), encoding="utf-8")
    with pytest.raises(IdeaDataError, match="https"):
        load(bad)
