"""The benchmarks keep working as the code under them changes: each imports, and the outbox
benchmarks run end to end at a tiny size (PostgreSQL, which is what they measure)."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

BENCHES = sorted(
    p.stem for p in (Path(__file__).resolve().parents[2] / "bench").glob("*.py")
    if not p.stem.startswith("_")
)
on_postgres = pytest.mark.skipif(
    os.environ.get("PIVOT_TEST_DB") != "postgresql", reason="the benchmarks measure PostgreSQL"
)


@pytest.mark.parametrize("name", BENCHES)
def test_every_benchmark_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(getattr(module, "main", None)), f"bench/{name}.py has no main()"


@on_postgres
def test_the_slack_outbox_benchmark_delivers_every_post(capsys: pytest.CaptureFixture[str]) -> None:
    importlib.import_module("bench.outbox_slack").main(["--posts", "10", "--channels", "10"])
    out = capsys.readouterr().out
    assert out.count("failed 0, unsent 0, duplicated 0") == 3, out


@on_postgres
def test_the_discord_outbox_benchmark_delivers_every_post(capsys: pytest.CaptureFixture[str]) -> None:
    importlib.import_module("bench.outbox_discord").main(["--posts", "20"])
    out = capsys.readouterr().out
    assert "failed 0, unsent 0, duplicated 0" in out, out
