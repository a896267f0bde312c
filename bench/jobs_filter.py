"""Precision and recall of the jobs feed's ML-role filter — `python -m bench.jobs_filter`.

Reads the labelled titles in tests/features/jobs/titles.tsv (label, title, optional
description) and prints the filter's precision and recall beside a baseline that keeps a
title when it contains "machine learning", "ML" or "data scientist" (the keyword search most
job boards offer).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from bot.features.jobs.classify import is_ml_title

DATA = Path(__file__).resolve().parents[1] / "tests" / "features" / "jobs" / "titles.tsv"
_BASELINE = re.compile(r"machine learning|\bml\b|data scientist", re.IGNORECASE)


def load(path: Path = DATA) -> list[tuple[bool, str, str]]:
    rows: list[tuple[bool, str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, title, *rest = line.split("\t")
        if label not in {"ml", "no"}:
            raise ValueError(f"{path.name}: bad label {label!r} on {title!r}")
        rows.append((label == "ml", title.strip(), (rest[0] if rest else "").strip()))
    return rows


def score(rows: list[tuple[bool, str, str]], keep: Callable[[str, str], bool]
          ) -> tuple[float, float, list[str]]:
    tp = fp = fn = 0
    wrong: list[str] = []
    for is_ml, title, description in rows:
        kept = keep(title, description)
        tp += kept and is_ml
        fp += kept and not is_ml
        fn += is_ml and not kept
        if kept != is_ml:
            wrong.append(f"{'missed' if is_ml else 'kept'}: {title}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, wrong


def main() -> int:
    rows = load()
    positives = sum(r[0] for r in rows)
    print(f"{len(rows)} labelled titles ({positives} ML, {len(rows) - positives} not)")
    for name, keep in (("filter", is_ml_title),
                       ("baseline keyword search", lambda t, _d: bool(_BASELINE.search(t)))):
        precision, recall, wrong = score(rows, keep)
        print(f"{name:>24}: precision {precision:.3f}  recall {recall:.3f}")
        if name == "filter":
            for line in wrong:
                print(f"{'':>26}{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
