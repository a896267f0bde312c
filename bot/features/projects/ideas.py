"""Project ideas for backend engineers, read from ideas.toml (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

FOCUSES: tuple[str, ...] = ("logs", "metrics", "traces", "queues", "search", "api", "security", "classic")
LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
DATA_FILE = Path(__file__).with_name("ideas.toml")


@dataclass(frozen=True)
class Idea:
    id: str
    title: str
    focus: str
    level: str
    problem: str
    dataset: str
    url: str
    licence: str
    baseline: str
    metric: str
    why: str


class IdeaDataError(ValueError):
    pass


@cache
def ideas() -> tuple[Idea, ...]:
    return load(DATA_FILE)


def load(path: Path) -> tuple[Idea, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    names = {f.name for f in fields(Idea)}
    out: list[Idea] = []
    seen: set[str] = set()
    for raw in data.get("idea", []):
        missing = names - set(raw)
        extra = set(raw) - names
        if missing or extra:
            raise IdeaDataError(f"{path.name}: idea {raw.get('id')!r}: missing {sorted(missing)}, "
                                f"unknown {sorted(extra)}")
        idea = Idea(**raw)
        if idea.id in seen:
            raise IdeaDataError(f"{path.name}: duplicate idea id {idea.id}")
        if idea.focus not in FOCUSES or idea.level not in LEVELS:
            raise IdeaDataError(f"{path.name}: {idea.id} has an unknown focus or level")
        if not idea.url.startswith("https://"):
            raise IdeaDataError(f"{path.name}: {idea.id} needs an https:// dataset link")
        seen.add(idea.id)
        out.append(idea)
    return tuple(out)


def matching(focus: str | None = None, level: str | None = None) -> list[Idea]:
    return [i for i in ideas() if (focus is None or i.focus == focus) and (level is None or i.level == level)]
