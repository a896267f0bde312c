"""The five roadmap steps and their milestones, read from milestones.toml (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

STEPS: tuple[str, ...] = ("basics", "math", "projects", "community", "jobs")
STEP_TITLES = {
    "basics": "ML basics",
    "math": "Math & statistics",
    "projects": "Personal projects",
    "community": "Community & Kaggle",
    "jobs": "Job applications",
}
# Automatic triggers: features call `service.mark_auto(key)`; the milestone carrying the key is
# checked. Keys without a milestone are simply ignored, so a feature may fire one early.
AUTO_KEYS = frozenset({
    "challenge-correct-basics-10",
    "challenge-correct-math-20",
    "checkin-streak-4w",
    "kaggle-entered",
    "buddy-met",
    "project-first",
    "showcase-first",
    "review-received",
    "reviews-given-3",
    "portfolio-published",
    "help-given",
    "interview-first",
    "offer",
})

DATA_FILE = Path(__file__).with_name("milestones.toml")


@dataclass(frozen=True)
class Milestone:
    id: str
    step: str
    title: str
    detail: str
    resource: str
    url: str
    auto: str | None = None


class MilestoneDataError(ValueError):
    pass


@cache
def milestones() -> tuple[Milestone, ...]:
    """Every milestone in roadmap order. Read once, on first use."""
    return load(DATA_FILE)


def load(path: Path) -> tuple[Milestone, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    items: list[Milestone] = []
    seen: set[str] = set()
    for raw in data.get("milestone", []):
        try:
            item = Milestone(**raw)
        except TypeError as exc:
            raise MilestoneDataError(f"{path.name}: bad milestone {raw.get('id')!r}: {exc}") from None
        if item.id in seen:
            raise MilestoneDataError(f"{path.name}: duplicate milestone id {item.id}")
        if item.step not in STEPS:
            raise MilestoneDataError(f"{path.name}: {item.id} has unknown step {item.step}")
        if item.auto is not None and item.auto not in AUTO_KEYS:
            raise MilestoneDataError(f"{path.name}: {item.id} has unknown auto key {item.auto}")
        if not item.url.startswith("https://"):
            raise MilestoneDataError(f"{path.name}: {item.id} needs an https:// resource link")
        seen.add(item.id)
        items.append(item)
    # Roadmap order is file order within each step: ids keep their meaning when a milestone
    # moves, because members' checks point at them.
    return tuple(sorted(items, key=lambda m: STEPS.index(m.step)))


def by_id(milestone_id: str) -> Milestone | None:
    return next((m for m in milestones() if m.id == milestone_id.lower()), None)


def for_step(step: str) -> list[Milestone]:
    return [m for m in milestones() if m.step == step]


def for_auto(key: str) -> Milestone | None:
    return next((m for m in milestones() if m.auto == key), None)
