"""Before/after report of the challenge bank and roadmap content.

    python -m bench.bank_report [--baseline REF]

Prints, side by side for a baseline git revision (default: the commit before issue 17's
content work) and the working tree: bank items per roadmap step and per topic, how often
the right option of a multiple-choice item gives itself away by length, the number of
generated problem families, sources that are a site's or course's home page, and roadmap
milestones per step with how many only count activity in Pivot. No database needed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.features.challenges.bank import (
    DOMINANT_RATIO,
    STEPS,
    TOPICS,
    ChallengeItem,
    choice_giveaways,
    is_home_page,
    load_bank,
)
from bot.features.challenges.generators import FAMILIES

ROOT = Path(__file__).resolve().parent.parent
BANK_DIR = "bot/features/challenges/bank"
GENERATORS = "bot/features/challenges/generators.py"
MILESTONES = "bot/features/roadmap/milestones.toml"
BASELINE = "9aef76c"  # main before issue 17 (second edition of the content)
ACTIVITY_ONLY = {
    "challenge-correct-basics-10",
    "challenge-correct-math-20",
    "challenge-streak-10",
    "checkin-streak-4w",
    "buddy-met",
}


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def _snapshot_at(ref: str) -> dict[str, object]:
    names = [n for n in _git("ls-tree", "--name-only", f"{ref}:{BANK_DIR}").split() if n]
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            if name.endswith(".toml"):
                text = _git("show", f"{ref}:{BANK_DIR}/{name}")
                (Path(folder) / name).write_text(text, encoding="utf-8")
        items = load_bank(Path(folder))
    families = re.findall(
        r'Family\(\s*"([a-z0-9-]+)",\s*"([a-z0-9-]+)"', _git("show", f"{ref}:{GENERATORS}")
    )
    sources = [
        source
        for source in re.findall(
            r'Family\(\s*"[^"]+",[^)]*?"(https://[^"]+)"', _git("show", f"{ref}:{GENERATORS}"), re.S
        )
    ]
    milestones = tomllib.loads(_git("show", f"{ref}:{MILESTONES}"))["milestone"]
    return _summary(items, [topic for _, topic in families], sources, milestones)


def _snapshot_now() -> dict[str, object]:
    milestones = tomllib.loads((ROOT / MILESTONES).read_text(encoding="utf-8"))["milestone"]
    sources = [family.source for family in FAMILIES.values()]
    topics = [family.topic for family in FAMILIES.values()]
    return _summary(load_bank(), topics, sources, milestones)


def _summary(
    items: tuple[ChallengeItem, ...],
    family_topics: list[str],
    family_sources: list[str],
    milestones: list[dict[str, str]],
) -> dict[str, object]:
    giveaways = choice_giveaways(items)
    return {
        "items": len(items),
        "steps": Counter(item.step for item in items),
        "topics": Counter(item.topic for item in items),
        "kinds": Counter(item.kind for item in items),
        "choice": giveaways["choice_items"],
        "longest": len(giveaways["longest"]),  # type: ignore[arg-type]
        "longest_share": giveaways["longest_share"],
        "dominant": len(giveaways["dominant"]),  # type: ignore[arg-type]
        "dominant_share": giveaways["dominant_share"],
        "families": len(family_topics),
        "family_steps": Counter(TOPICS[topic] for topic in family_topics),
        "home_sources": sum(is_home_page(i.source) for i in items)
        + sum(is_home_page(s) for s in family_sources),
        "milestones": Counter(m["step"] for m in milestones),
        "activity": Counter(m["step"] for m in milestones if m.get("auto") in ACTIVITY_ONLY),
    }


def _row(label: str, before: object, after: object) -> str:
    return f"| {label} | {before} | {after} |"


def report(before: dict[str, object] | None, after: dict[str, object], ref: str) -> str:
    def get(snapshot: dict[str, object] | None, key: str, sub: str | None = None) -> object:
        if snapshot is None:
            return "—"
        value = snapshot[key]
        return value.get(sub, 0) if sub is not None else value  # type: ignore[union-attr]

    def share(snapshot: dict[str, object] | None, count: str, ratio: str) -> str:
        if snapshot is None:
            return "—"
        return f"{snapshot[count]} of {snapshot['choice']} ({snapshot[ratio]:.1%})"

    lines = [f"| | before ({ref}) | after (working tree) |", "|---|---|---|"]
    lines.append(_row("bank items", get(before, "items"), get(after, "items")))
    for step in STEPS:
        lines.append(
            _row(f"items, step {step}", get(before, "steps", step), get(after, "steps", step))
        )
    for kind in ("choice", "numeric", "short"):
        lines.append(_row(f"{kind} items", get(before, "kinds", kind), get(after, "kinds", kind)))
    lines.append(
        _row(
            "right option strictly longest",
            share(before, "longest", "longest_share"),
            share(after, "longest", "longest_share"),
        )
    )
    lines.append(
        _row(
            f"right option > {DOMINANT_RATIO}× next-longest",
            share(before, "dominant", "dominant_share"),
            share(after, "dominant", "dominant_share"),
        )
    )
    lines.append(_row("generated families", get(before, "families"), get(after, "families")))
    for step in STEPS:
        lines.append(
            _row(
                f"families, step {step}",
                get(before, "family_steps", step),
                get(after, "family_steps", step),
            )
        )
    lines.append(_row("home-page sources", get(before, "home_sources"), get(after, "home_sources")))
    for step in STEPS:
        lines.append(
            _row(
                f"milestones, step {step} (activity-only)",
                "—"
                if before is None
                else f"{get(before, 'milestones', step)} ({get(before, 'activity', step)})",
                f"{get(after, 'milestones', step)} ({get(after, 'activity', step)})",
            )
        )
    lines += ["", "| topic | step | before | after |", "|---|---|---|---|"]
    topics = sorted(set(TOPICS) | set(after["topics"]), key=lambda t: (STEPS.index(TOPICS[t]), t))  # type: ignore[arg-type]
    for topic in topics:
        lines.append(
            f"| {topic} | {TOPICS[topic]} | {get(before, 'topics', topic)} | "
            f"{get(after, 'topics', topic)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    args = parser.parse_args(argv)
    try:
        before = _snapshot_at(args.baseline)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"(no baseline: cannot read {args.baseline} from git: {exc})", file=sys.stderr)
        before = None
    print(report(before, _snapshot_now(), args.baseline))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
