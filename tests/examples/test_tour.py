"""The tour (examples/tour.txt) runs on a fresh database, twice in a row, and shows what it
promises: a correct challenge, a check-in answered with its buttons, a buddy round and its
follow-up, Kaggle on sample data, and non-zero stats."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import Settings
from bot.core.clock import OffsetClock

TOUR = Path(__file__).resolve().parents[2] / "examples" / "tour.txt"


async def _run_tour(settings: Settings) -> str:
    out = io.StringIO()
    app = App(settings, clock=OffsetClock(), demo=True)
    try:
        console = ConsoleAdapter(app, out=out)
        app.attach(console)
        with TOUR.open(encoding="utf-8") as stream:
            await console.run(stream)
    finally:
        await app.close()
    return out.getvalue()


def _check(out: str) -> None:
    assert "Traceback" not in out and "Something went wrong" not in out
    assert "Started over" in out
    assert "Goal #1 added" in out and "30%" in out
    assert "✅ Train your first model end to end" in out
    # The check-in DM arrives and is answered with its Done button.
    assert "== Check-in ==" in out and "✅ Done — nice work!" in out
    assert "✅ Correct — '12' is right." in out
    assert "== Practice — learning types ==" in out and "Practice questions answered: 1." in out
    assert "Sample data for the offline demo" in out and "[sample]" in out
    assert "Roadmap milestone checked: Enter your first Kaggle competition" in out
    assert "Round done: 1 group (1 trio) from 3 members." in out
    assert "== Did you meet? ==" in out and "Great — noted that you met." in out
    # The features that landed since: projects and a peer review, applications, ask and help.
    assert "Project #1 added" in out and "New review of project #1" in out
    assert "Application #1 tracked" in out and "applied → screen" in out
    assert "Posted as question #1" in out and "Question #1 is solved." in out
    assert "grace — 1 kudos" in out
    # Stats with non-zero numbers, after everything.
    closing = out.rsplit("Where everyone stands", 1)[1]
    assert "Daily challenges answered: 1, correct: 1 (100%)." in closing
    assert re.search(r"Current streak: [1-9]", closing)
    assert re.search(r"Last 4 weeks: \S+ [1-9]\d*/\d+ answered", closing)
    assert re.search(r"1\. \w+ — 1 point", closing)
    # No command in the tour is refused.
    for line in out.splitlines():
        assert not line.startswith("Usage:"), line


async def test_the_tour_twice_in_a_row(settings: Settings) -> None:
    first = await _run_tour(settings)
    _check(first)
    second = await _run_tour(settings)
    _check(second)
