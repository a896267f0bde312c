"""`python -m bench.bank_report` prints the before/after content table."""

from __future__ import annotations

from bench import bank_report
from bot.features.challenges.generators import FAMILIES


def test_report_prints_every_row_for_the_working_tree(capsys) -> None:  # type: ignore[no-untyped-def]
    now = bank_report._snapshot_now()
    text = bank_report.report(None, now, "none")
    assert f"| generated families | — | {len(FAMILIES)} |" in text
    for row in (
        "items, step jobs",
        "right option strictly longest",
        "home-page sources",
        "milestones, step math (activity-only)",
        "| kaggle | community |",
    ):
        assert row in text


def test_report_compares_with_a_git_baseline(capsys) -> None:  # type: ignore[no-untyped-def]
    assert bank_report.main(["--baseline", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "| bank items |" in out and "before (HEAD)" in out
