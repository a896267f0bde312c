"""The interview prompt bank, read from prompts.toml (data, not code) and validated on load.

Each prompt gives the interviewer what a good mock needs: the question as asked,
follow-ups, what a strong answer covers and common traps. Each interview type has
one rubric: 3-4 criteria, each scored 1-5 with anchors for 1, 3 and 5.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.features.mock.models import TYPES

DATA_FILE = Path(__file__).with_name("prompts.toml")
MIN_PER_TYPE = 10
MAX_QUESTION = 1200
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,60}$")


class BankError(ValueError):
    pass


@dataclass(frozen=True)
class Criterion:
    name: str
    one: str
    three: str
    five: str


@dataclass(frozen=True)
class Prompt:
    id: str
    type: str
    title: str
    question: str
    follow_ups: tuple[str, ...]
    strong_answer: tuple[str, ...]
    traps: tuple[str, ...]


@dataclass(frozen=True)
class Bank:
    prompts: tuple[Prompt, ...]
    rubrics: dict[str, tuple[Criterion, ...]]

    def by_id(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    def of_type(self, interview_type: str) -> list[Prompt]:
        return [p for p in self.prompts if p.type == interview_type]


def _texts(raw: dict, key: str, where: str, minimum: int) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or len(value) < minimum:
        raise BankError(f"{where}: {key} needs at least {minimum} items")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise BankError(f"{where}: {key} items must be non-empty text")
    return tuple(v.strip() for v in value)


def _text(raw: dict, key: str, where: str, limit: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BankError(f"{where}: missing {key}")
    if len(value.strip()) > limit:
        raise BankError(f"{where}: {key} is longer than {limit} characters")
    return value.strip()


def load(path: Path) -> Bank:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - {"rubric", "prompt"}
    if unknown:
        raise BankError(f"{path.name}: unknown top-level keys {sorted(unknown)}")
    rubrics: dict[str, tuple[Criterion, ...]] = {}
    for kind in TYPES:
        criteria = data.get("rubric", {}).get(kind, {}).get("criteria", [])
        if not 3 <= len(criteria) <= 4:
            raise BankError(f"{path.name}: the {kind} rubric needs 3 or 4 criteria")
        parsed = []
        for c in criteria:
            if set(c) != {"name", "one", "three", "five"}:
                raise BankError(f"{path.name}: {kind} criterion needs name, one, three, five")
            parsed.append(Criterion(**{k: _text(c, k, f"{kind} rubric", 200) for k in c}))
        if any(len(c.name) > 30 for c in parsed):
            raise BankError(f"{path.name}: {kind} criterion names must fit 30 characters")
        rubrics[kind] = tuple(parsed)
    prompts: list[Prompt] = []
    seen: set[str] = set()
    allowed = {"id", "type", "title", "question", "follow_ups", "strong_answer", "traps"}
    for raw in data.get("prompt", []):
        where = f"{path.name}: prompt {raw.get('id')!r}"
        if set(raw) != allowed:
            raise BankError(f"{where}: fields must be exactly {sorted(allowed)}")
        pid = raw["id"]
        if not isinstance(pid, str) or not _ID_RE.fullmatch(pid) or pid in seen:
            raise BankError(f"{where}: bad or duplicate id")
        if raw["type"] not in TYPES:
            raise BankError(f"{where}: unknown type {raw['type']!r}")
        seen.add(pid)
        prompts.append(
            Prompt(
                id=pid,
                type=raw["type"],
                title=_text(raw, "title", where, 80),
                question=_text(raw, "question", where, MAX_QUESTION),
                follow_ups=_texts(raw, "follow_ups", where, 2),
                strong_answer=_texts(raw, "strong_answer", where, 3),
                traps=_texts(raw, "traps", where, 2),
            )
        )
    for kind in TYPES:
        count = sum(1 for p in prompts if p.type == kind)
        if count < MIN_PER_TYPE:
            raise BankError(f"{path.name}: {kind} has {count} prompts; at least {MIN_PER_TYPE}")
    return Bank(tuple(prompts), rubrics)


@cache
def bank() -> Bank:
    """The shipped bank, read once on first use."""
    return load(DATA_FILE)
