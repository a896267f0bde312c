"""Generic pairing: who is paired with whom in a round. Feature-agnostic, no database.

Two features pair members (study buddies, mock interviews). They differ in what
makes a good pair; they share everything else, which lives here:

* availability: weekly or daily windows in a member's IANA time zone, turned into
  minutes of the UTC day / week with the offsets of the round's date (DST-correct);
* constraints: blocked pairs (never an edge) and recent pairs (used only when no
  matching of the same size avoids them), as sorted int64 keys;
* the solver: a lexicographic maximum-weight matching on rustworkx's blossom —
  (1) as many members paired as possible, (2) as few recent pairs as possible,
  (3) the largest total weight — on each member's top-k candidate graph, in blocks
  of neighbours in a caller-given order, with a local re-solve around anyone left
  unmatched that crosses block borders;
* seeded tie-breaks (`tie_break`): a few low bits hashed from (seed, both ids), so a
  result never depends on input order and a different seed picks another optimum.

A caller supplies a *scorer* (`Scorer`): the pool's ids in ascending order, an
`index` from id to position, `weights(a, b)` giving int64 matching weights for
pool-index arrays (score shifted left by `JITTER_BITS`, tie-break bits below,
`INVALID` for "never"), and `block_order()`. Buddies builds a vectorised scorer
from lookup tables; `pair_up_matrix` takes a matrix of pair scores (mock interviews
build it with a few matrix products) and `pair_up` a plain Python score function.

numpy and rustworkx are imported inside the functions that need them, so importing
this module (at start-up, through every feature that pairs) costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "INVALID",
    "JITTER_BITS",
    "Constraints",
    "Pairing",
    "Scorer",
    "pair_up",
    "pair_up_matrix",
    "pairs",
    "tie_break",
    "utc_day_mask",
    "utc_week_mask",
    "zone",
]

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
JITTER_BITS = 10
INVALID = -(1 << 62)  # no edge; negates without overflow, below any real weight
RECENT_PENALTY = 1 << 50  # a recent partner ranks below every other peer
REPAIR_PEERS = 8


class Scorer(Protocol):
    """What the solver needs to know about a pool (see the module doc)."""

    n: int
    ids: np.ndarray
    index: dict[int, int]

    def weights(self, a: np.ndarray, b: np.ndarray) -> np.ndarray: ...

    def block_order(self) -> np.ndarray: ...


# --------------------------------------------------------------------------- time zones


def zone(name: str) -> ZoneInfo:
    """The zone of an IANA name, or InvalidInput naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InvalidInput(f"Unknown time zone {name!r}.") from exc


def _offset_minutes(tz: str, on: date) -> int:
    offset = datetime.combine(on, time(12), tzinfo=zone(tz)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def utc_day_mask(
    tz: str, windows: Sequence[tuple[time, time]], on: date, default: tuple[time, time]
) -> np.ndarray:
    """Minutes of the UTC day (as a circle) in which a member is available on `on`.

    A window whose end is not after its start runs past midnight; start == end is the
    whole day. No windows means `default`. The zone's offset at local noon is used.
    """
    import numpy as np

    shift = _offset_minutes(tz, on)
    mask = np.zeros(MINUTES_PER_DAY, dtype=bool)
    for start, end in windows or (default,):
        s, e = _minutes(start), _minutes(end)
        length = (e - s) % MINUTES_PER_DAY or MINUTES_PER_DAY
        mask[(np.arange(s, s + length) - shift) % MINUTES_PER_DAY] = True
    return mask


def utc_week_mask(
    tz: str, days: Collection[int], windows: Sequence[tuple[time, time]], week_start: date
) -> np.ndarray:
    """Minutes of the UTC week starting Monday `week_start` 00:00 UTC (as a circle) in which
    a member is available: each local weekday in `days` (0 = Monday) with the day's own
    offset, each window as in `utc_day_mask` (a window past midnight spills into the
    next day). Empty `days` means every day; empty `windows`, no availability."""
    import numpy as np

    mask = np.zeros(MINUTES_PER_WEEK, dtype=bool)
    for d in sorted(days or range(7)):
        on = week_start + timedelta(days=d)
        base = d * MINUTES_PER_DAY - _offset_minutes(tz, on)
        for start, end in windows:
            s, e = _minutes(start), _minutes(end)
            length = (e - s) % MINUTES_PER_DAY or MINUTES_PER_DAY
            mask[(base + np.arange(s, s + length)) % MINUTES_PER_WEEK] = True
    return mask


# --------------------------------------------------------------------------- tie-breaks


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a cheap, well-spread hash for tie-breaking."""
    import numpy as np

    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def tie_break(ids_a: np.ndarray, ids_b: np.ndarray, seed: int) -> np.ndarray:
    """`JITTER_BITS` bits hashed from (seed, the unordered pair of member ids)."""
    import numpy as np

    ia = ids_a.astype(np.uint64)
    ib = ids_b.astype(np.uint64)
    s = np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        x = _mix(_mix(s ^ np.minimum(ia, ib)) ^ np.maximum(ia, ib))
    return (x & np.uint64((1 << JITTER_BITS) - 1)).astype(np.int64)


# --------------------------------------------------------------------------- constraints


class Constraints:
    """Blocked and recent pairs as sorted int64 keys over pool indices."""

    def __init__(
        self, pool: Scorer, blocked: Iterable[frozenset[int]], recent: Iterable[frozenset[int]]
    ) -> None:
        import numpy as np

        self.n = pool.n
        self.blocked = self._keys(pool, blocked)
        self.recent = self._keys(pool, recent)
        touched = np.concatenate([self.blocked, self.recent])
        self.involved = np.zeros(pool.n, dtype=bool)
        self.involved[touched // max(pool.n, 1)] = True
        self.involved[touched % max(pool.n, 1)] = True

    @staticmethod
    def _keys(pool: Scorer, pairs: Iterable[frozenset[int]]) -> np.ndarray:
        import numpy as np

        keys = []
        for pair in pairs:
            idx = [pool.index[m] for m in pair if m in pool.index]
            if len(idx) == 2:
                a, b = idx
                keys += [a * pool.n + b, b * pool.n + a]
        return np.unique(np.array(keys, dtype=np.int64))

    def lookup(self, keys: np.ndarray, table: np.ndarray) -> np.ndarray:
        import numpy as np

        if table.size == 0:
            return np.zeros(keys.shape, dtype=bool)
        pos = np.searchsorted(table, keys).clip(max=table.size - 1)
        return table[pos] == keys


# --------------------------------------------------------------------------- the solver


def candidate_edges(
    pool: Scorer, cons: Constraints, idx: np.ndarray, top_k: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member's top-k peers inside `idx` (all peers when top_k is None), made symmetric.

    Recent partners rank below every other peer, blocked ones and self are never edges.
    Returns pool indices (u < v) and matching weights without the non-recent bonus.
    """
    import numpy as np

    m = idx.size
    empty = np.empty(0, dtype=np.int64)
    if m < 2:
        return empty, empty, empty
    us, vs = [], []
    chunk = max(1, 4_000_000 // m)
    for start in range(0, m, chunk):
        rows = idx[start : start + chunk]
        w = pool.weights(rows[:, None], idx[None, :])
        w[np.arange(rows.size), np.arange(start, start + rows.size)] = INVALID
        if cons.involved[rows].any():
            keys = rows[:, None] * pool.n + idx[None, :]
            w[cons.lookup(keys, cons.blocked)] = INVALID
            w[cons.lookup(keys, cons.recent) & (w != INVALID)] -= RECENT_PENALTY
        if top_k is None or top_k >= m - 1:
            r, c = np.nonzero(w != INVALID)
        else:
            part = np.argpartition(-w, top_k, axis=1)[:, :top_k]
            r = np.repeat(np.arange(rows.size), top_k)
            c = part.ravel()
            keep = w[r, c] != INVALID
            r, c = r[keep], c[keep]
        us.append(rows[r])
        vs.append(idx[c])
    u = np.concatenate(us)
    v = np.concatenate(vs)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = np.unique(lo * pool.n + hi)
    lo, hi = key // pool.n, key % pool.n
    return lo, hi, pool.weights(lo, hi)


def solve(
    pool: Scorer,
    cons: Constraints,
    idx: np.ndarray,
    top_k: int | None,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[tuple[int, int]]:
    """Maximum-cardinality, then fewest-recent, then maximum-weight matching inside `idx`."""
    import numpy as np
    import rustworkx as rx

    lo, hi, w = candidate_edges(pool, cons, idx, top_k)
    if extra is not None and extra[0].size:
        a, b = np.minimum(*extra), np.maximum(*extra)
        key = np.unique(np.concatenate([lo, a]) * pool.n + np.concatenate([hi, b]))
        lo, hi = key // pool.n, key % pool.n
        w = pool.weights(lo, hi)
    if lo.size == 0:
        return []
    recent = cons.lookup(lo * pool.n + hi, cons.recent)
    bonus = (int(w.max()) + 1) * (idx.size // 2 + 1)
    total = w + np.where(recent, 0, bonus)
    pos = np.searchsorted(idx, lo), np.searchsorted(idx, hi)
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(idx.size))
    graph.add_edges_from(list(zip(pos[0].tolist(), pos[1].tolist(), total.tolist(), strict=True)))
    found = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=lambda x: x)
    return sorted((int(idx[min(a, b)]), int(idx[max(a, b)])) for a, b in found)


def blocks(order: np.ndarray, size: int) -> list[np.ndarray]:
    """Cut `order` into ceil(len / size) near-equal contiguous blocks of even size
    (only the last block of an odd pool is odd)."""
    import numpy as np

    parts = max(1, -(-order.size // size))
    bounds = np.linspace(0, order.size, parts + 1).astype(np.int64)
    bounds[1:-1] -= bounds[1:-1] % 2
    return [np.sort(order[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def valid_peers(pool: Scorer, cons: Constraints, rows: np.ndarray) -> np.ndarray:
    """Weights of `rows` against the whole pool, INVALID for self and blocked."""
    import numpy as np

    everyone = np.arange(pool.n)
    w = pool.weights(rows[:, None], everyone[None, :])
    w[np.arange(rows.size), rows] = INVALID
    w[cons.lookup(rows[:, None] * pool.n + everyone[None, :], cons.blocked)] = INVALID
    return w


def repair(
    pool: Scorer, cons: Constraints, found: list[tuple[int, int]], top_k: int
) -> list[tuple[int, int]]:
    """Re-solve the neighbourhood of members left unmatched, across block borders."""
    import numpy as np

    for _ in range(2):
        matched = np.zeros(pool.n, dtype=bool)
        partner = np.full(pool.n, -1, dtype=np.int64)
        for a, b in found:
            matched[[a, b]] = True
            partner[a], partner[b] = b, a
        left = np.flatnonzero(~matched)
        if left.size < 2:
            return found
        w = valid_peers(pool, cons, left)
        has_peer = (w != INVALID).any(axis=1)
        left, w = left[has_peer], w[has_peer]
        if left.size < 2:
            return found
        k = min(REPAIR_PEERS, pool.n - 1)
        near = np.argpartition(-w, k - 1, axis=1)[:, :k]
        near = near[np.take_along_axis(w, near, axis=1) != INVALID]
        near = near[matched[near]]
        area = np.unique(np.concatenate([left, near, partner[near]]))
        inside = np.zeros(pool.n, dtype=bool)
        inside[area] = True
        kept = [(a, b) for a, b in found if not inside[a]]
        old = np.array([(a, b) for a, b in found if inside[a]], dtype=np.int64).reshape(-1, 2)
        new = solve(pool, cons, area, top_k, (old[:, 0], old[:, 1]))
        if len(new) <= len(old):
            return found
        found = sorted(kept + new)
    return found


def pairs(
    pool: Scorer, cons: Constraints, top_k: int | None, block: int
) -> list[tuple[int, int]]:
    """The pair matching of a round (pool indices): exact on the dense graph when top_k is
    None, else on top-k graphs in blocks of `block` members of `pool.block_order()`."""
    import numpy as np

    everyone = np.arange(pool.n)
    if top_k is None:
        return solve(pool, cons, everyone, None)
    found: list[tuple[int, int]] = []
    for idx in blocks(pool.block_order(), block):
        found += solve(pool, cons, idx, top_k)
    return repair(pool, cons, sorted(found), top_k)


# --------------------------------------------------------------------------- simple API


@dataclass(frozen=True)
class Pairing:
    """Pairs of member ids (each sorted, the list sorted) and the members left over."""

    pairs: list[tuple[int, int]]
    unmatched: tuple[int, ...]


class _MatrixScorer:
    """A dense scorer from a matrix of pair scores: fine for pools of a few thousand."""

    def __init__(self, ids: Sequence[int], points: np.ndarray, seed: int) -> None:
        import numpy as np

        order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
        ordered = [int(ids[i]) for i in order]
        if len(set(ordered)) != len(ordered):
            raise InvalidInput("A member appears twice in the round.")
        self.n = len(ordered)
        self.ids = np.array(ordered, dtype=np.int64)
        self.index = {m: i for i, m in enumerate(ordered)}
        scores = np.asarray(points, dtype=np.float64)[np.ix_(order, order)]
        if scores.shape != (self.n, self.n):
            raise ValueError("the score matrix must be n x n")
        valid = ~np.isnan(scores)
        np.fill_diagonal(valid, False)
        if (scores[valid] < 0).any():
            raise ValueError("pair scores must be non-negative")
        centi = np.rint(np.where(valid, scores, 0) * 100).astype(np.int64)
        ties = tie_break(self.ids[:, None], self.ids[None, :], seed)
        self.table = np.where(valid, (centi << JITTER_BITS) | ties, INVALID)

    def weights(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.table[a, b]

    def block_order(self) -> np.ndarray:
        import numpy as np

        return np.arange(self.n)


def pair_up_matrix(
    members: Sequence[int],
    points: np.ndarray,
    *,
    blocked: Collection[frozenset[int]] = (),
    recent: Collection[frozenset[int]] = (),
    seed: int = 0,
    top_k: int | None = 25,
) -> Pairing:
    """`pair_up` with the scores given as a symmetric matrix over `members` (NaN: never)."""
    scorer = _MatrixScorer(members, points, seed)
    if scorer.n == 0:
        return Pairing([], ())
    cons = Constraints(scorer, blocked, recent)
    exact = top_k is None or scorer.n <= top_k + 1
    found = pairs(scorer, cons, None if exact else top_k, max(scorer.n, 1))
    taken = {i for p in found for i in p}
    return Pairing(
        sorted((int(scorer.ids[a]), int(scorer.ids[b])) for a, b in found),
        tuple(int(scorer.ids[i]) for i in range(scorer.n) if i not in taken),
    )


def pair_up(
    members: Sequence[int],
    score: Callable[[int, int], float | None],
    *,
    blocked: Collection[frozenset[int]] = (),
    recent: Collection[frozenset[int]] = (),
    seed: int = 0,
    top_k: int | None = 25,
) -> Pairing:
    """Pair `members` to maximise the number paired, then avoid `recent` pairs, then
    maximise the total of `score(a, b)` (0..~100, None: never pair these two). Blocked
    pairs are never paired; scores resolve to 0.01 points and ties go by `seed`.

    The graph keeps each member's `top_k` best peers (None: every peer, exact but cubic);
    pools of at most top_k + 1 members are solved exactly either way."""
    import numpy as np

    n = len(members)
    points = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(i + 1, n):
            s = score(members[i], members[j])
            if s is not None:
                points[i, j] = points[j, i] = s
    return pair_up_matrix(
        members, points, blocked=blocked, recent=recent, seed=seed, top_k=top_k
    )
