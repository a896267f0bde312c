"""Study-buddy matching: who pairs with whom in a round. Platform-free, no database.

Compatibility (0..100) is the sum of four documented parts:

* overlap   40 x min(h, 8) / 8, where h is the daily hours both are available at once,
            computed with each zone's UTC offset at local noon on the round's date
            (so DST is right); 8 shared hours is "plenty".
* focus     30 x |A & B| / |A | B|  (Jaccard of roadmap steps / topics; 0 if both empty).
* level     20 x (1 - |level_a - level_b| / 2).
* hours     10 x min(h_a, h_b) / max(h_a, h_b)  (1 when both are 0).

A round is a maximum-weight matching, solved lexicographically:
(1) as many members matched as possible, (2) as few pairs from recent rounds as
possible, (3) the largest total compatibility. Blocked pairs have no edge at all.
Two members who both prefer groups of 3 get a +10 matching bonus so they end up
together and can be merged into trios (see `_form_trios`).

Ties are broken by `seed`: every edge carries a 10-bit hash of (seed, both ids),
below the 0.01-point resolution of the score, so the result never depends on dict
or input order, and a different seed picks a different optimum when ties exist.

Scale: rustworkx's blossom is cubic in the number of nodes (a 10,000-member top-25
graph takes minutes), so a pool is ordered by level, focus signature, time zone and
hours, cut into near-equal blocks of at most `_BLOCK` members, and each block is
matched on its top-k candidate graph. Neighbours in that order are the likely best
partners, so little is lost (see bench/buddies_matching.py). A final local re-solve
around anyone left unmatched crosses block borders. A pool of at most `_BLOCK`
members is a single block: only the top-k sparsification applies.

Trios: a single member left over (odd pool) joins the pair it fits best, preferring
pairs whose members want groups of 3. Beyond that, among pairs where both members
prefer 3, every third pair is split and its two members join two other such pairs,
so trio-seekers end up in trios of trio-seekers. Trios are a greedy post-step:
3-dimensional matching is NP-hard and the pair matching carries almost all the weight.

`match` returns a `MatchResult`: the groups plus the members left unmatched (a pool
of one, or a member blocked from everyone they could still be grouped with).

The score tables and trios live here; the solver (constraints, top-k graphs, blocks,
repair, tie-breaks, time-zone masks) is the feature-agnostic `bot.core.matching`,
shared with mock interviews. numpy is imported inside functions (fast start-up).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core import matching as core
from bot.core.errors import InvalidInput
from bot.features.buddies.availability import DEFAULT_WINDOW

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Group",
    "MatchResult",
    "Profile",
    "compatibility",
    "exact_match",
    "match",
    "overlap_hours",
]


OVERLAP_WEIGHT = 40.0
OVERLAP_SATURATION_HOURS = 8.0
FOCUS_WEIGHT = 30.0
LEVEL_WEIGHT = 20.0
HOURS_WEIGHT = 10.0
TRIO_PAIR_BONUS = 10.0  # matching bonus when both members of a pair prefer groups of 3
TRIO_JOIN_BONUS = 15.0  # per pair member preferring 3, when a single picks a pair to join

_MINUTES = core.MINUTES_PER_DAY
_JITTER_BITS = core.JITTER_BITS
_BLOCK = 700
_REPAIR_PEERS = core.REPAIR_PEERS
_INVALID = core.INVALID


@dataclass(frozen=True)
class Profile:
    """One opted-in member. `windows` are local daily availability; () means 08:00-22:00.

    A window whose end is not after its start runs past midnight (22:00-02:00);
    start == end is the whole day.
    """

    member_id: int
    tz: str
    level: int
    focus: frozenset[str]
    hours_per_week: int
    group_size: int = 2
    windows: tuple[tuple[time, time], ...] = ()

    def __post_init__(self) -> None:
        if self.level not in (0, 1, 2):
            raise InvalidInput("Level must be beginner, intermediate or advanced.")
        if self.group_size not in (2, 3):
            raise InvalidInput("Preferred group size must be 2 or 3.")
        if self.hours_per_week < 0:
            raise InvalidInput("Hours per week cannot be negative.")
        _zone(self.tz)


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]
    score: float
    overlap_hours: float
    shared_focus: frozenset[str]


@dataclass(frozen=True)
class MatchResult:
    """Groups of a round, and the members who could not be placed in any group."""

    groups: list[Group] = field(default_factory=list)
    unmatched: tuple[int, ...] = ()

    @property
    def total_score(self) -> float:
        return sum(g.score for g in self.groups)


# --------------------------------------------------------------------------- time zones


def _zone(name: str) -> ZoneInfo:
    return core.zone(name)


def _utc_mask(tz: str, windows: tuple[tuple[time, time], ...], on: date) -> np.ndarray:
    """Minutes of the UTC day (as a circle) in which a member is available on `on`."""
    return core.utc_day_mask(tz, windows, on, DEFAULT_WINDOW)


# --------------------------------------------------------------------------- the pool


class _Pool:
    """Members as flat arrays plus small lookup tables, so scores vectorise.

    Members are indexed in ascending member id; every score is a few gathers from
    tables indexed by availability class, focus signature and level.
    """

    def __init__(self, profiles: Sequence[Profile], on: date, seed: int) -> None:
        import numpy as np

        ordered = sorted(profiles, key=lambda p: p.member_id)
        ids = [p.member_id for p in ordered]
        if len(set(ids)) != len(ids):
            raise InvalidInput("A member appears twice in the round.")
        self.profiles = ordered
        self.n = len(ordered)
        self.seed = seed
        self.ids = np.array(ids, dtype=np.int64)
        self.index = {m: i for i, m in enumerate(ids)}

        avail_of: dict[tuple[str, tuple], int] = {}
        mask_ids: dict[bytes, int] = {}
        masks: list[np.ndarray] = []
        sig_ids: dict[frozenset[str], int] = {}
        av = np.empty(self.n, dtype=np.int32)
        sig = np.empty(self.n, dtype=np.int32)
        for i, p in enumerate(ordered):
            key = (p.tz, p.windows)
            a = avail_of.get(key)
            if a is None:
                m = _utc_mask(p.tz, p.windows, on)
                a = mask_ids.setdefault(m.tobytes(), len(mask_ids))
                if a == len(masks):
                    masks.append(m)
                avail_of[key] = a
            av[i] = a
            sig[i] = sig_ids.setdefault(p.focus, len(sig_ids))
        self.av, self.sig = av, sig
        self.sig_names = list(sig_ids)
        self.level = np.array([p.level for p in ordered], dtype=np.int32)
        self.hours = np.array([p.hours_per_week for p in ordered], dtype=np.float64)
        self.trio = np.array([p.group_size == 3 for p in ordered], dtype=bool)
        self.masks = np.array(masks, dtype=bool).reshape(len(masks), _MINUTES)

        m_int = self.masks.astype(np.float32)
        shared_hours = (m_int @ m_int.T) / 60.0
        self.overlap_table = (
            100 * OVERLAP_WEIGHT * np.minimum(shared_hours, OVERLAP_SATURATION_HOURS)
        ) / OVERLAP_SATURATION_HOURS
        vocab = sorted({t for s in sig_ids for t in s})
        col = {t: j for j, t in enumerate(vocab)}
        onehot = np.zeros((len(sig_ids), max(len(vocab), 1)), dtype=np.float32)
        for s, k in sig_ids.items():
            for t in s:
                onehot[k, col[t]] = 1.0
        inter = onehot @ onehot.T
        sizes = onehot.sum(axis=1)
        union = sizes[:, None] + sizes[None, :] - inter
        self.focus_table = (
            100 * FOCUS_WEIGHT * np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        )
        lv = np.arange(3)
        self.level_table = 100 * LEVEL_WEIGHT * (1 - np.abs(lv[:, None] - lv[None, :]) / 2)

    # Scores are in centi-points (0..10000) so they round to exact integers. Index
    # arguments broadcast: (rows[:, None], cols[None, :]) for a matrix, (u, v) for edges.
    def scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Compatibility (centi-points) of members a with members b, element-wise."""
        import numpy as np

        s = self.overlap_table[self.av[a], self.av[b]].astype(np.float64)
        s += self.focus_table[self.sig[a], self.sig[b]]
        s += self.level_table[self.level[a], self.level[b]]
        ha, hb = self.hours[a], self.hours[b]
        top = np.maximum(ha, hb)
        s += (100 * HOURS_WEIGHT) * np.divide(
            np.minimum(ha, hb), top, out=np.ones(s.shape), where=top > 0
        )
        return np.rint(s)

    def weights(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Matching weight: score + trio bonus, shifted left, plus the seeded tie-break."""
        import numpy as np

        s = self.scores(a, b)
        s += (100 * TRIO_PAIR_BONUS) * (self.trio[a] & self.trio[b])
        return (s.astype(np.int64) << _JITTER_BITS) | self.jitter(a, b)

    def jitter(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return core.tie_break(self.ids[a], self.ids[b], self.seed)

    def block_order(self) -> np.ndarray:
        """Members ordered so that neighbours are likely good partners.

        Level, then focus signature (sorted topics, so related signatures sit together),
        then the centre of the daily availability on the UTC circle, then hours.
        """
        import numpy as np

        sig_rank = np.empty(len(self.sig_names), dtype=np.int64)
        sig_rank[np.argsort(np.array([",".join(sorted(f)) for f in self.sig_names]))] = np.arange(
            len(self.sig_names)
        )
        angle = np.exp(2j * np.pi * np.arange(_MINUTES) / _MINUTES)
        centre = np.angle(self.masks @ angle)
        return np.lexsort(
            (np.arange(self.n), self.hours, centre[self.av], sig_rank[self.sig], self.level)
        )


_mix = core._mix
_Constraints = core.Constraints


# --------------------------------------------------------------------------- graphs


_candidate_edges = core.candidate_edges
_solve = core.solve
_blocks = core.blocks
_valid_peers = core.valid_peers
_repair = core.repair


def _pairs(
    pool: _Pool, cons: _Constraints, top_k: int | None, block: int | None = None
) -> list[tuple[int, int]]:
    """The pair matching of a round: exact when top_k is None, else in blocks and sparse."""
    return core.pairs(pool, cons, top_k, block or _BLOCK)


# --------------------------------------------------------------------------- trios


def _form_trios(
    pool: _Pool, cons: _Constraints, pairs: list[tuple[int, int]]
) -> tuple[list[tuple[int, ...]], list[int]]:
    """Turn pairs into groups: split every third trio-seeking pair, attach singles."""
    import numpy as np

    groups: list[tuple[int, ...]] = [tuple(p) for p in pairs]
    is_trio = np.zeros(len(groups), dtype=bool)
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)

    seekers = (
        np.flatnonzero(pool.trio[arr[:, 0]] & pool.trio[arr[:, 1]]) if arr.size else arr[:0, 0]
    )
    wanted = seekers.size // 3
    state = dict.fromkeys(seekers.tolist(), "pair")
    weakest = seekers[np.argsort(pool.weights(arr[seekers, 0], arr[seekers, 1]), kind="stable")]
    formed = 0
    for d in weakest.tolist():
        if formed == wanted:
            break
        targets = np.array([t for t, s in state.items() if s == "pair" and t != d], dtype=np.int64)
        if state[d] != "pair" or targets.size < 2:
            continue
        fits = [_join_fit(pool, cons, x, arr[targets]) for x in arr[d]]
        choice = _two_distinct(fits[0], fits[1])
        if choice is None:
            continue
        state[d] = "split"
        for x, t in zip(arr[d].tolist(), choice, strict=True):
            g = int(targets[t])
            state[g] = "trio"
            groups[g] = tuple(sorted((*groups[g], x)))
            is_trio[g] = True
        formed += 1
    keep = [i for i in range(len(groups)) if state.get(i) != "split"]
    groups = [groups[i] for i in keep]
    is_trio = is_trio[keep]

    placed = np.zeros(pool.n, dtype=bool)
    placed[[m for g in groups for m in g]] = True
    unmatched: list[int] = []
    for x in np.flatnonzero(~placed).tolist():
        open_ = np.flatnonzero(~is_trio)
        if open_.size == 0:
            unmatched.append(x)
            continue
        members = np.array([groups[i] for i in open_], dtype=np.int64)
        fit = _join_fit(pool, cons, x, members)
        fit = fit + np.where(
            fit == _INVALID,
            0,
            (100 * TRIO_JOIN_BONUS * pool.trio[members].sum(axis=1)).astype(np.int64)
            << _JITTER_BITS,
        )
        best = int(np.argmax(fit))
        if fit[best] == _INVALID:
            unmatched.append(x)
            continue
        g = int(open_[best])
        groups[g] = tuple(sorted((*groups[g], x)))
        is_trio[g] = True
    return groups, unmatched


def _join_fit(pool: _Pool, cons: _Constraints, x: int, members: np.ndarray) -> np.ndarray:
    """How well x fits each pair (rows of `members`): mean score to both, seeded ties.

    A pair holding someone x blocked is impossible; one holding a recent partner of x
    ranks below every other pair.
    """
    import numpy as np

    xs = np.full(members.shape, x, dtype=np.int64)
    s = pool.scores(xs, members).sum(axis=1) / 2
    ties = pool.jitter(xs[:, 0], members[:, 0]) ^ pool.jitter(xs[:, 1], members[:, 1])
    fit = (s.astype(np.int64) << _JITTER_BITS) | ties
    fit -= np.where(cons.lookup(x * pool.n + members, cons.recent).any(axis=1), 1 << 50, 0)
    bad = cons.lookup(x * pool.n + members, cons.blocked).any(axis=1)
    return np.where(bad, _INVALID, fit)


def _two_distinct(fx: np.ndarray, fy: np.ndarray) -> tuple[int, int] | None:
    """Best assignment of x and y to two different targets, or None if impossible."""
    import numpy as np

    ox, oy = np.argsort(-fx, kind="stable")[:2], np.argsort(-fy, kind="stable")[:2]
    options = [(i, j) for i in ox for j in oy if i != j and fx[i] != _INVALID and fy[j] != _INVALID]
    if not options:
        return None
    i, j = max(options, key=lambda o: (int(fx[o[0]]) + int(fy[o[1]]), -o[0], -o[1]))
    return int(i), int(j)


# --------------------------------------------------------------------------- public API


def _groups(pool: _Pool, groups: list[tuple[int, ...]]) -> list[Group]:
    """Public `Group`s for pool-index tuples, sorted by members; scores in one pass."""
    import numpy as np

    out: list[Group] = []
    for size in (2, 3):
        idx = np.array([g for g in groups if len(g) == size], dtype=np.int64).reshape(-1, size)
        if not idx.size:
            continue
        a, b = np.triu_indices(size, k=1)
        score = pool.scores(idx[:, a], idx[:, b]).mean(axis=1) / 100
        together = np.logical_and.reduce([pool.masks[pool.av[idx[:, j]]] for j in range(size)])
        hours = together.sum(axis=1) / 60
        for row, sc, h in zip(idx.tolist(), score.tolist(), hours.tolist(), strict=True):
            out.append(
                Group(
                    members=tuple(sorted(int(pool.ids[i]) for i in row)),
                    score=round(sc, 2),
                    overlap_hours=float(h),
                    shared_focus=frozenset.intersection(*(pool.profiles[i].focus for i in row)),
                )
            )
    return sorted(out, key=lambda g: g.members)


def _round(
    profiles: Sequence[Profile],
    on: date,
    blocked: Collection[frozenset[int]],
    recent: Collection[frozenset[int]],
    seed: int,
    top_k: int | None,
) -> MatchResult:
    if top_k is not None and top_k < 1:
        raise InvalidInput("top_k must be at least 1.")
    pool = _Pool(profiles, on, seed)
    if pool.n == 0:
        return MatchResult([], ())
    cons = _Constraints(pool, blocked, recent)
    groups, unmatched = _form_trios(pool, cons, _pairs(pool, cons, top_k))
    return MatchResult(_groups(pool, groups), tuple(sorted(int(pool.ids[i]) for i in unmatched)))


def match(
    profiles: Sequence[Profile],
    *,
    on: date,
    blocked: Collection[frozenset[int]] = (),
    recent: Collection[frozenset[int]] = (),
    seed: int = 0,
    top_k: int = 25,
) -> MatchResult:
    """Match a round on each member's `top_k` most compatible peers (scales to 50,000).

    Returns the groups and the members who could not be grouped. Blocked pairs never
    share a group. A pair in `recent` is used only when the candidate graph has no
    matching of the same size without it; for pools above `_BLOCK` members that holds
    per block (members are compared with the members of their own block).
    """
    return _round(profiles, on, blocked, recent, seed, top_k)


def exact_match(
    profiles: Sequence[Profile],
    *,
    on: date,
    blocked: Collection[frozenset[int]] = (),
    recent: Collection[frozenset[int]] = (),
    seed: int = 0,
) -> MatchResult:
    """The same round on the dense graph (every allowed pair): the optimum `match` aims
    for. Cubic time: a reference for tests and benchmarks, not for large pools."""
    return _round(profiles, on, blocked, recent, seed, None)


def compatibility(a: Profile, b: Profile, on: date) -> float:
    """Compatibility of two members on the round's date, 0..100 (weights in the module doc)."""
    import numpy as np

    pool = _Pool([a, b], on, 0)
    return float(pool.scores(np.array([0]), np.array([1]))[0]) / 100


def overlap_hours(profiles: Sequence[Profile], on: date) -> float:
    """Daily hours in which all the given members are available at once, on `on`."""
    import numpy as np

    if not profiles:
        return 0.0
    together = np.logical_and.reduce([_utc_mask(p.tz, p.windows, on) for p in profiles], axis=0)
    return float(together.sum()) / 60
