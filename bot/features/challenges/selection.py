"""Which challenge a community gets on a given day, and which one a member practises.

Daily choice, for community C on local date D (deterministic: two processes that
see the same history pick the same item):

- topic: every community has its own fixed rotation of all topics, ordered so the
  roadmap steps interleave (a basics topic, a math topic, a projects topic, …);
  day D takes position D.toordinal() of it, so consecutive days differ in topic;
- difficulty: the community's ramp gives a target per weekday (default Mon 1 →
  Fri 5); the item closest to the target wins;
- source: on about half the days whose topic has a generated family within one level
  of the target, a generated problem (fresh seed); otherwise the curated bank; either
  falls back to the other (with the full bank, roughly one post in six is generated);
- no item posted in the community in the last 60 days is chosen again; a topic with
  nothing near the target takes its closest item (a generated family at another
  difficulty if need be); only a topic with nothing left at all passes its day to
  the next topic in the rotation.

Randomness comes from `random.Random` seeded with strings built from the community
id and the date, which Python hashes identically in every process.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from bot.features.challenges.bank import GENERATED_PREFIX, STEPS, ChallengeItem, load_bank
from bot.features.challenges.generators import FAMILIES, Family, parse_generated_id

NO_REPEAT_DAYS = 60
GENERATED_SHARE = 0.5
MAX_SEED = 1_000_000


@dataclass(frozen=True)
class Catalogue:
    """Everything a challenge can be drawn from: curated items and problem families."""

    items: tuple[ChallengeItem, ...]
    families: tuple[Family, ...]
    _index: dict[str, ChallengeItem] = field(init=False, repr=False, compare=False, hash=False)
    # topic → its roadmap step (a curated item's first, else its family's): asked per post.
    _steps: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {i.id: i for i in self.items})
        steps: dict[str, str] = {}
        for item in self.items:
            steps.setdefault(item.topic, item.step)
        for family in self.families:
            steps.setdefault(family.topic, family.step)
        object.__setattr__(self, "_steps", steps)

    @property
    def topics(self) -> list[str]:
        return sorted(self._steps)

    def item(self, item_id: str) -> ChallengeItem | None:
        """The item with this id: a curated one, or a generated one rebuilt from its id."""
        if item_id.startswith(GENERATED_PREFIX):
            try:
                family, seed = parse_generated_id(item_id)
            except ValueError:
                return None
            return FAMILIES[family].generate(seed)
        return self._index.get(item_id)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The shipped bank and every generator family (loaded on first use, then kept)."""
    return Catalogue(load_bank(), tuple(FAMILIES.values()))


def topic_rotation(catalogue: Catalogue, community_id: int) -> list[str]:
    """This community's order of topics: shuffled per step, then spread so steps interleave."""
    rng = random.Random(f"topics:{community_id}")
    placed: list[tuple[float, int, str]] = []
    every = catalogue.topics
    for step_index, step in enumerate(STEPS):
        topics = [t for t in every if _step_of(catalogue, t) == step]
        rng.shuffle(topics)
        for i, topic in enumerate(topics):
            placed.append(((i + 0.5) / len(topics), step_index, topic))
    return [topic for _, _, topic in sorted(placed)]


def _step_of(catalogue: Catalogue, topic: str) -> str:
    return catalogue._steps[topic]


def recent_window(day: date) -> date:
    """The first local date whose posts still block a repeat on `day`."""
    return day - timedelta(days=NO_REPEAT_DAYS - 1)


def _closest(items: Sequence[ChallengeItem], target: int) -> list[ChallengeItem]:
    if not items:
        return []
    best = min(abs(i.difficulty - target) for i in items)
    return [i for i in items if abs(i.difficulty - target) == best]


def _generated(
    families: Sequence[Family],
    target: int,
    rng: random.Random,
    used: Collection[str],
    *,
    within: int | None = 1,
) -> ChallengeItem | None:
    near = [f for f in families if within is None or abs(f.difficulty - target) <= within]
    if not near:
        return None
    best = min(abs(f.difficulty - target) for f in near)
    family = rng.choice(
        sorted((f for f in near if abs(f.difficulty - target) == best), key=lambda f: f.name)
    )
    for _ in range(20):
        item = family.generate(rng.randrange(MAX_SEED))
        if item.id not in used:
            return item
    return None


def pick(
    catalogue: Catalogue,
    topics: Sequence[str],
    target: int,
    rng: random.Random,
    used: Collection[str],
    *,
    generated_share: float = GENERATED_SHARE,
) -> ChallengeItem:
    """The first topic (in order) that has an unused item; within it, the closest difficulty."""
    want_generated = rng.random() < generated_share
    for topic in topics:
        curated = _closest(
            [i for i in catalogue.items if i.topic == topic and i.id not in used], target
        )
        families = [f for f in catalogue.families if f.topic == topic]
        choices: list[ChallengeItem | None] = []
        if want_generated:
            choices.append(_generated(families, target, rng, used))
        if curated:
            choices.append(rng.choice(curated))
        if not want_generated:
            choices.append(_generated(families, target, rng, used))
        # A family further from the target still beats breaking the topic rotation.
        choices.append(_generated(families, target, rng, used, within=None))
        for choice in choices:
            if choice is not None:
                return choice
    families = sorted(catalogue.families, key=lambda f: f.name)
    fallback = _generated(families, target, rng, used, within=None)
    if fallback is None:
        raise LookupError("nothing left to draw a challenge from")
    return fallback


def daily_item(
    catalogue: Catalogue, community_id: int, day: date, target: int, used: Collection[str]
) -> ChallengeItem:
    """Community `community_id`'s challenge for local date `day` (see the module docstring)."""
    rotation = topic_rotation(catalogue, community_id)
    start = day.toordinal() % len(rotation)
    ordered = rotation[start:] + rotation[:start]
    rng = random.Random(f"daily:{community_id}:{day.isoformat()}")
    return pick(catalogue, ordered, target, rng, used)


def practice_item(
    catalogue: Catalogue,
    member_id: int,
    serial: int,
    topic: str | None,
    target: int,
    used: Collection[str],
) -> ChallengeItem | None:
    """A practice item for a member: the given topic (or a random one) near `target`.

    Returns None when the topic has nothing the member has not seen recently and no
    generated family to draw from.
    """
    rng = random.Random(f"practice:{member_id}:{serial}")
    topics = catalogue.topics
    if topic is None:
        topic = rng.choice(topics)
    if topic not in topics:
        return None
    curated = _closest(
        [i for i in catalogue.items if i.topic == topic and i.id not in used], target
    )
    families = [f for f in catalogue.families if f.topic == topic]
    generated = _generated(families, target, rng, used, within=None)
    if not curated:
        return generated
    if generated is None or abs(generated.difficulty - target) > abs(
        curated[0].difficulty - target
    ):
        return rng.choice(curated)
    # Both are as close to the target: either is fine, so alternate at random.
    return rng.choice(curated) if rng.random() < 0.5 else generated
