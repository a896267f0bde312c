"""The community items' numeric keys, recomputed, and the git behaviour they claim, executed.

Each numeric answer is computed here from the numbers in its prompt; WRONG
holds the tempting mistake each explanation warns about, which the stated
tolerance must reject. The .gitignore item is checked against a real git.
"""

from __future__ import annotations

import math
import shutil
import statistics
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BANK = (
    Path(__file__).resolve().parents[3]
    / "bot"
    / "features"
    / "challenges"
    / "bank"
    / "community.toml"
)
ITEMS: dict[str, dict[str, Any]] = {
    item["id"]: item for item in tomllib.loads(BANK.read_text(encoding="utf-8"))["challenge"]
}

# GitHub's documented hard limit for a single file pushed with plain git, in MiB.
GITHUB_FILE_LIMIT_MIB = 100

RECOMPUTE: dict[str, Callable[[], float]] = {
    "kaggle-23": lambda: 1.96 * math.sqrt(0.85 * 0.15 / 3000),
    "kaggle-29": lambda: 5 * 40,
    "kaggle-30": lambda: 10 + math.floor(0.002 * 2000),
    "kaggle-36": lambda: statistics.stdev([0.801, 0.795, 0.808, 0.799, 0.797]),
    "kaggle-37": lambda: -math.log(0.01),
    "open-source-github-05": lambda: GITHUB_FILE_LIMIT_MIB,
    "asking-and-sharing-13": lambda: 0.004 / math.sqrt(5),
}

WRONG: dict[str, float] = {
    "kaggle-23": math.sqrt(0.85 * 0.15 / 3000),  # the standard error, not the 95% half-width
    "kaggle-29": 120 + 90,  # the teams' combined count, not the allowed maximum
    "kaggle-30": 10,  # forgetting the 0.2%
    "kaggle-36": statistics.pstdev([0.801, 0.795, 0.808, 0.799, 0.797]),  # dividing by n
    "kaggle-37": -math.log10(0.01),  # base-10 logarithm
    "open-source-github-05": 50,  # the warning threshold, not the block
    "asking-and-sharing-13": 0.004 / 5,  # dividing by n instead of √n
}


def test_every_numeric_community_item_is_recomputed() -> None:
    numeric = sorted(i for i, item in ITEMS.items() if item["kind"] == "numeric")
    assert sorted(RECOMPUTE) == numeric
    assert sorted(WRONG) == numeric


@pytest.mark.parametrize("item_id", sorted(RECOMPUTE))
def test_numeric_key_matches_recomputation(item_id: str) -> None:
    item = ITEMS[item_id]
    truth = RECOMPUTE[item_id]()
    assert abs(float(item["answer"]) - truth) <= item["tolerance"] + 1e-12, (item["answer"], truth)
    assert abs(WRONG[item_id] - float(item["answer"])) > item["tolerance"]


def test_medal_and_merge_prompts_state_the_numbers_used() -> None:
    assert "top 10 + 0.2%" in ITEMS["kaggle-30"]["prompt"]
    assert "2,000 teams" in ITEMS["kaggle-30"]["prompt"]
    merge = ITEMS["kaggle-29"]["prompt"]
    assert "5 submissions per day" in merge and "40 days" in merge
    assert 120 + 90 > RECOMPUTE["kaggle-29"]()  # the explanation's "cannot merge" holds


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gitignore_does_not_untrack_a_committed_file(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.com")
    _git(tmp_path, "config", "user.name", "t")
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("a,b\n1,2\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "data")
    (tmp_path / ".gitignore").write_text("data/\n")
    (data / "train.csv").write_text("a,b\n1,3\n")
    status = _git(tmp_path, "status", "--porcelain")
    assert " M data/train.csv" in status  # still tracked, listed as modified
    item = ITEMS["open-source-github-07"]
    assert item["choices"]["ABCDE".index(item["answer"])].startswith("The CSV listed as modified")
    assert item["explanation"].rstrip().endswith("`git rm --cached data/train.csv`")
    _git(tmp_path, "rm", "-q", "--cached", "data/train.csv")
    _git(tmp_path, "commit", "-qm", "untrack")
    (data / "train.csv").write_text("a,b\n1,4\n")
    assert "train.csv" not in _git(tmp_path, "status", "--porcelain")
    assert (data / "train.csv").exists()  # the local copy is kept
