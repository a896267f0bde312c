"""Benchmarks: run from the repo root, e.g. `python -m bench.checkins_tick`."""
