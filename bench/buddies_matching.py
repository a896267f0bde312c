"""Benchmark of study-buddy matching: quality against the exact optimum, and scale.

Run from the repository root, either way:

    python -m bench.buddies_matching
    python bench/buddies_matching.py

Quality compares the total matching weight (compatibility plus the trio-pair bonus,
i.e. the objective being maximised) of the pair matching against the dense
maximum-weight matching on the same graph; random and greedy pairing are baselines.
Scale runs `match` for 10,000 and 50,000 members, each in its own subprocess, and
reports wall time and the subprocess's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time as clock
from datetime import date, time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bot.features.buddies import matching  # noqa: E402
from bot.features.buddies.matching import Profile  # noqa: E402

ROUND_DATE = date(2026, 3, 20)  # between the US and EU DST changes: offsets are uneven

# Rough shape of an online learning community: Americas, Europe, India, East Asia, Oceania.
ZONES = {
    "America/Los_Angeles": 9,
    "America/Denver": 2,
    "America/Chicago": 6,
    "America/New_York": 11,
    "America/Sao_Paulo": 4,
    "America/Mexico_City": 2,
    "Europe/London": 8,
    "Europe/Berlin": 10,
    "Europe/Warsaw": 3,
    "Europe/Kyiv": 2,
    "Africa/Lagos": 2,
    "Asia/Dubai": 1,
    "Asia/Kolkata": 14,
    "Asia/Kathmandu": 1,
    "Asia/Singapore": 3,
    "Asia/Shanghai": 5,
    "Asia/Seoul": 2,
    "Asia/Tokyo": 3,
    "Australia/Sydney": 3,
    "Pacific/Auckland": 1,
}
STEPS = [f"step-{i}" for i in range(1, 6)]
TOPICS = ["python", "statistics", "linear-algebra", "pandas", "deep-learning", "nlp",
          "computer-vision", "mlops", "kaggle", "interviews"]  # fmt: skip
WINDOW_CHOICES = [
    (),
    ((time(18, 0), time(23, 0)),),
    ((time(6, 0), time(9, 0)), (time(19, 0), time(22, 30))),
    ((time(9, 0), time(17, 0)),),
]


def synthetic_pool(n: int, seed: int) -> list[Profile]:
    """A realistic random pool: weighted zones, skewed levels, 1-3 focus areas."""
    rng = np.random.default_rng(seed)
    zones = list(ZONES)
    zp = np.array(list(ZONES.values()), dtype=float)
    focus_items = STEPS + TOPICS
    fp = np.array([6, 5, 4, 3, 2] + [3] * len(TOPICS), dtype=float)
    profiles = []
    for member in range(n):
        k = int(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.2]))
        focus = rng.choice(len(focus_items), size=k, replace=False, p=fp / fp.sum())
        profiles.append(
            Profile(
                member_id=100_000 + member,
                tz=zones[int(rng.choice(len(zones), p=zp / zp.sum()))],
                level=int(rng.choice(3, p=[0.5, 0.35, 0.15])),
                focus=frozenset(focus_items[i] for i in focus),
                hours_per_week=int(rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 15, 20])),
                group_size=3 if rng.random() < 0.15 else 2,
                windows=WINDOW_CHOICES[int(rng.choice(4, p=[0.7, 0.15, 0.1, 0.05]))],
            )
        )
    return profiles


def _objective(pool: matching._Pool, pairs: list[tuple[int, int]]) -> tuple[float, int]:
    """Total matching weight in points (no tie-break bits) and the number matched."""
    if not pairs:
        return 0.0, 0
    arr = np.array(pairs, dtype=np.int64)
    w = pool.weights(arr[:, 0], arr[:, 1]) >> matching._JITTER_BITS
    return float(w.sum()) / 100, 2 * len(pairs)


def _random_pairs(pool: matching._Pool, seed: int) -> list[tuple[int, int]]:
    order = np.random.default_rng(seed).permutation(pool.n)
    return [(int(a), int(b)) for a, b in zip(order[0::2], order[1::2], strict=False)]


def _greedy_pairs(pool: matching._Pool) -> list[tuple[int, int]]:
    everyone = np.arange(pool.n)
    w = pool.weights(everyone[:, None], everyone[None, :])
    a, b = np.triu_indices(pool.n, k=1)
    order = np.argsort(-w[a, b], kind="stable")
    free = np.ones(pool.n, dtype=bool)
    pairs = []
    for u, v in zip(a[order].tolist(), b[order].tolist(), strict=True):
        if free[u] and free[v]:
            free[u] = free[v] = False
            pairs.append((u, v))
    return pairs


def quality(sizes: list[int], seed: int) -> list[dict]:
    rows = []
    for n in sizes:
        pool = matching._Pool(synthetic_pool(n, seed), ROUND_DATE, seed)
        cons = matching._Constraints(pool, (), ())
        started = clock.perf_counter()
        exact = matching._pairs(pool, cons, None)
        exact_s = clock.perf_counter() - started
        best, _ = _objective(pool, exact)
        started = clock.perf_counter()
        sparse = matching._pairs(pool, cons, 25)
        sparse_s = clock.perf_counter() - started
        for name, pairs, secs in [
            ("exact (dense)", exact, exact_s),
            ("match top-25", sparse, sparse_s),
            ("greedy", _greedy_pairs(pool), None),
            ("random", _random_pairs(pool, seed), None),
        ]:
            total, matched = _objective(pool, pairs)
            rows.append(
                {
                    "n": n,
                    "method": name,
                    "pct_opt": 100 * total / best,
                    "matched": matched,
                    "mean_pair": total / max(len(pairs), 1),
                    "seconds": secs,
                }  # fmt: skip
            )
    return rows


def _peak_rss_mb() -> float:
    """This process's own peak RSS. ru_maxrss would also count the parent's peak, which
    Linux carries across fork and exec; VmHWM belongs to the current image only."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(n: int, seed: int) -> None:
    """Runs in a fresh interpreter so peak RSS belongs to one pool size only."""
    profiles = synthetic_pool(n, seed)
    started, cpu_started = clock.perf_counter(), clock.process_time()
    result = matching.match(profiles, on=ROUND_DATE, seed=seed)
    seconds, cpu = clock.perf_counter() - started, clock.process_time() - cpu_started
    placed = sum(len(g.members) for g in result.groups)
    trios = sum(len(g.members) == 3 for g in result.groups)
    peak_mb = _peak_rss_mb()
    mean = result.total_score / max(len(result.groups), 1)
    print(json.dumps({"n": n, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "placed": placed,
                      "trios": trios, "unmatched": len(result.unmatched), "mean_group": mean}))  # fmt: skip


def scale(sizes: list[int], seed: int) -> list[dict]:
    root = Path(__file__).resolve().parent.parent
    rows = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "bench.buddies_matching", "--child", str(n), "--seed", str(seed)],
            cwd=root, capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quality", type=int, nargs="*", default=[1000, 2000])
    parser.add_argument("--scale", type=int, nargs="*", default=[10_000, 50_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    if args.child:
        _child(args.child, args.seed)
        return
    if args.quality:
        _print_quality(quality(args.quality, args.seed), args.seed)
    if args.scale:
        _print_scale(scale(args.scale, args.seed))


def _print_quality(rows: list[dict], seed: int) -> None:
    print(f"Quality (seed {seed}, round on {ROUND_DATE}): % of the exact optimum's weight")
    print(
        f"{'members':>8} {'method':<14} {'% optimum':>10} {'matched':>8} {'mean/pair':>10} {'time s':>8}"
    )
    for r in rows:
        secs = f"{r['seconds']:.2f}" if r["seconds"] is not None else "-"
        print(f"{r['n']:>8} {r['method']:<14} {r['pct_opt']:>10.2f} {r['matched']:>8} "
              f"{r['mean_pair']:>10.2f} {secs:>8}")  # fmt: skip
    print()


def _print_scale(rows: list[dict]) -> None:
    print("Scale: match(top_k=25), one subprocess per size (wall and CPU seconds)")
    print(
        f"{'members':>8} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'placed':>8} {'trios':>6} {'unmatched':>9} {'mean/group':>10}"
    )
    for r in rows:
        print(f"{r['n']:>8} {r['seconds']:>8.2f} {r['cpu']:>8.2f} {r['peak_mb']:>8.0f} {r['placed']:>8} "
              f"{r['trios']:>6} {r['unmatched']:>9} {r['mean_group']:>10.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
