"""The feature-agnostic pairing solver: a caller's score, blocks, recent pairs, weekly
availability in members' own time zones."""

from __future__ import annotations

import random
from datetime import date, time
from itertools import combinations

import networkx as nx
import numpy as np
import pytest

from bot.core import matching
from bot.core.errors import InvalidInput


def test_pair_up_maximises_the_callers_score() -> None:
    likes = {frozenset({1, 3}): 90, frozenset({2, 4}): 80}
    result = matching.pair_up([4, 3, 2, 1], lambda a, b: likes.get(frozenset({a, b}), 10))
    assert result.pairs == [(1, 3), (2, 4)] and result.unmatched == ()


def test_none_means_never_and_leaves_members_unmatched() -> None:
    result = matching.pair_up([1, 2, 3], lambda a, b: None if 3 in (a, b) else 50)
    assert result.pairs == [(1, 2)] and result.unmatched == (3,)
    assert matching.pair_up([], lambda a, b: 1).pairs == []


def test_blocked_pairs_never_pair_and_recent_ones_only_when_needed() -> None:
    score = lambda a, b: 50.0  # noqa: E731
    assert matching.pair_up([1, 2], score, blocked=[frozenset({1, 2})]).pairs == []
    assert matching.pair_up([1, 2], score, recent=[frozenset({1, 2})]).pairs == [(1, 2)]
    result = matching.pair_up(
        [1, 2, 3, 4], lambda a, b: 100.0 if {a, b} in ({1, 2}, {3, 4}) else 1.0,
        recent=[frozenset({1, 2}), frozenset({3, 4})],
    )
    assert not {frozenset(p) for p in result.pairs} & {frozenset({1, 2}), frozenset({3, 4})}
    assert len(result.pairs) == 2


def test_a_member_twice_is_refused() -> None:
    with pytest.raises(InvalidInput):
        matching.pair_up([1, 1], lambda a, b: 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pair_up_reaches_the_maximum_weight_matching(seed: int) -> None:
    rng = random.Random(seed)
    ids = list(range(1, 31))
    scores = {frozenset(p): rng.choice([None, *range(0, 100)]) for p in combinations(ids, 2)}
    result = matching.pair_up(ids, lambda a, b: scores[frozenset({a, b})], seed=seed)
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    for pair, s in scores.items():
        if s is not None:
            graph.add_edge(*pair, weight=s)
    best = nx.max_weight_matching(graph, maxcardinality=True)
    assert len(result.pairs) == len(best)
    ours = sum(scores[frozenset(p)] for p in result.pairs)
    assert ours == sum(graph.edges[e]["weight"] for e in best)


def test_week_mask_uses_each_days_own_offset() -> None:
    # New York moves to summer time on Sunday 8 March 2026: 12:00 local is 17:00 UTC on
    # Saturday the 7th and 16:00 UTC on Monday the 9th.
    mask = matching.utc_week_mask("America/New_York", [5], [(time(12), time(13))], date(2026, 3, 2))
    assert np.flatnonzero(mask)[0] == 5 * 1440 + 17 * 60
    mask = matching.utc_week_mask("America/New_York", [0], [(time(12), time(13))], date(2026, 3, 9))
    assert np.flatnonzero(mask)[0] == 16 * 60
    assert mask.sum() == 60


def test_week_mask_windows_past_midnight_and_empty_days_mean_every_day() -> None:
    mask = matching.utc_week_mask("UTC", [], [(time(23), time(1))], date(2026, 3, 2))
    assert mask.sum() == 7 * 120
    sunday = matching.utc_week_mask("UTC", [6], [(time(23), time(1))], date(2026, 3, 2))
    assert sunday[-60:].all() and sunday[:60].all()  # wraps to the week's start
    assert matching.utc_week_mask("UTC", [0], [], date(2026, 3, 2)).sum() == 0


def test_unknown_zone_is_one_clear_line() -> None:
    with pytest.raises(InvalidInput, match="Unknown time zone 'Mars/Base'"):
        matching.zone("Mars/Base")


def test_importing_the_module_loads_no_numpy() -> None:
    import subprocess
    import sys

    code = "import sys, bot.core.matching; print('numpy' in sys.modules, 'rustworkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_pair_up_matrix_takes_nan_as_never_and_any_id_order() -> None:
    points = np.array([[np.nan, 10.0, 90.0], [10.0, np.nan, np.nan], [90.0, np.nan, np.nan]])
    result = matching.pair_up_matrix([30, 10, 20], points)
    assert result.pairs == [(20, 30)] and result.unmatched == (10,)
