"""Prometheus metrics: one registry, the figures an operator alerts on.

Counters and histograms are module-level (prometheus-client's usual pattern: creating them is
cheap and starts nothing); the outbox gauges are measured from the database at scrape time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

OUTBOX_BACKLOG = Gauge(
    "pivot_outbox_backlog", "Outbox rows waiting to be sent", ["platform"], registry=REGISTRY
)
OUTBOX_OLDEST_SECONDS = Gauge(
    "pivot_outbox_oldest_pending_seconds",
    "Age of the oldest pending outbox row that is due (0 when none)",
    registry=REGISTRY,
)
SENT = Counter("pivot_outbox_sent_total", "Messages delivered", ["platform"], registry=REGISTRY)
FAILED = Counter(
    "pivot_outbox_failed_total", "Messages marked failed (permanent or out of attempts)",
    ["platform"], registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "pivot_outbox_rate_limited_total", "Sends answered with HTTP 429", ["platform"], registry=REGISTRY
)
COMMAND_SECONDS = Histogram(
    "pivot_command_seconds", "Time to answer a command, button or form", ["command"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY,
)
TICK_SECONDS = Histogram(
    "pivot_tick_seconds", "Duration of a scheduled tick", ["tick"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300), registry=REGISTRY,
)
POLL_ERRORS = Counter(
    "pivot_integration_errors_total", "Failed polls of an outside service", ["integration"],
    registry=REGISTRY,
)


@contextmanager
def timed(histogram: Histogram, label: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        histogram.labels(label).observe(time.perf_counter() - start)
