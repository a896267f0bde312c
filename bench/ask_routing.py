"""Ask routing and question search at scale on PostgreSQL.

Creates its own database next to PIVOT_BENCH_DATABASE_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), migrates it, COPYs in 10,000 opted-in
helpers (with challenge ratings, roadmap milestones, three pings for every earlier question and
a busy day of recent ones) and 100,000 solved questions, then times, each in its own unit of work:

- routing: `pick_helpers` for a new question in a challenge topic (the topic's best rated read
  from the top through the challenges feature, their eligibility from the ask tables, their
  milestones through the roadmap feature, until no one unseen can overtake), and in a practical
  topic nobody has a challenge rating in (career, tooling, projects: every eligible helper is
  scored);
- search: `ask search` (every word) and the similar-question offer (any two words, driven by
  the rarest), full-text over the weighted tsvector GIN index, at most 300 matches ranked;
- baselines in the same run: `SELECT 1` and a primary-key-like indexed lookup of one question.

Prints p50 and p99 of each. `PIVOT_BENCH_QUESTIONS` / `PIVOT_BENCH_HELPERS` change the sizes.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy import select, text

from bot import migrate
from bot.core import search
from bot.core.db import make_engine, make_session_factory
from bot.core.tenancy import Community
from bot.features.ask import service
from bot.features.ask.models import SEARCH, Question
from bot.features.ask.routing import pick_helpers
from bot.features.ask.topics import KEYWORDS, PRACTICAL, TOPICS

QUESTIONS = int(os.environ.get("PIVOT_BENCH_QUESTIONS", "100000"))
HELPERS = int(os.environ.get("PIVOT_BENCH_HELPERS", "10000"))
ASKERS = 2000
SAMPLES = 200
ADMIN_URL = os.environ.get(
    "PIVOT_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
ZONES = ("UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
         "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "Africa/Lagos")
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
COMMON = ("my", "model", "data", "when", "training", "why", "does", "the", "get", "worse", "after",
          "using", "with", "how", "should", "i", "results", "code", "error", "value", "feature",
          "test", "run", "works", "fails", "on", "small", "large", "example", "python", "step")
# Word frequencies in real text are Zipfian: a few common words, a long tail of specific ones.
VOCABULARY = COMMON + tuple(f"term{i:04d}" for i in range(5000))
CUMULATIVE = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(VOCABULARY))))


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _words(rng: random.Random, topic: str, n: int) -> str:
    keys = [k for k in KEYWORDS.get(topic, ()) if " " not in k] or ["model"]
    general = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=n)
    out = [rng.choice(keys) if rng.random() < 0.3 else general[i] for i in range(n)]
    return " ".join(out)


async def _seed(url: str) -> None:
    rng = random.Random(16)
    connection = await asyncpg.connect(_dsn(url))
    try:
        before = NOW - timedelta(days=30)
        await connection.execute(
            "INSERT INTO communities (id, platform, external_id, name, timezone, challenge_time, created_at) "
            "VALUES (1, 'slack', 'T-BENCH', 'Bench', 'UTC', '09:00', $1)", before)
        members = HELPERS + ASKERS
        await connection.copy_records_to_table(
            "members", columns=["id", "community_id", "platform_user_id", "display_name", "timezone", "created_at"],
            records=[(i, 1, f"U{i:07d}", f"member{i}", ZONES[i % len(ZONES)], before)
                     for i in range(1, members + 1)])
        helpers, ratings, checks, pings = [], [], [], []
        for i in range(1, HELPERS + 1):
            mine = () if rng.random() < 0.3 else tuple(rng.sample(TOPICS, rng.randint(1, 4)))
            helpers.append((i, 1, i, True, ",".join(mine), before))
            # Challenge ratings exist in the challenge bank's topics only (not career, tooling, projects).
            for topic in [t for t in mine or tuple(rng.sample(TOPICS, 2)) if t not in PRACTICAL]:
                ratings.append((len(ratings) + 1, 1, i, topic, rng.gauss(1000, 150), rng.randint(0, 40), before))
            for k in range(rng.randint(0, 6)):
                checks.append((len(checks) + 1, 1, i, f"basics-{k + 1}", "manual", before))
        await connection.copy_records_to_table(
            "ask_helpers", columns=["id", "community_id", "member_id", "active", "topics", "updated_at"],
            records=helpers)
        await connection.copy_records_to_table(
            "challenge_ratings",
            columns=["id", "community_id", "member_id", "topic", "rating", "answers", "updated_at"],
            records=ratings)
        await connection.copy_records_to_table(
            "milestone_checks", columns=["id", "community_id", "member_id", "milestone_id", "source", "checked_at"],
            records=checks)
        # The search index is built once after the load rather than row by row during it.
        await connection.execute(f"DROP INDEX {SEARCH.pg_index}")
        questions = []
        for n in range(1, QUESTIONS + 1):
            topic = rng.choice(TOPICS)
            at = before + timedelta(seconds=rng.randrange(30 * 86400))
            questions.append((n, 1, HELPERS + 1 + n % ASKERS, n, _words(rng, topic, rng.randint(5, 9)).capitalize(),
                              _words(rng, topic, 30), topic, "solved", _words(rng, topic, 15), "C1", at, at, at))
        await connection.copy_records_to_table(
            "ask_questions",
            columns=["id", "community_id", "member_id", "number", "title", "details", "topic", "status",
                     "summary", "channel_id", "created_at", "posted_at", "solved_at"],
            records=questions)
        # The history: three helpers were asked about every earlier question, at least a day ago
        # (routing reads only the last day of this table, through its index)...
        for n, q in enumerate(questions, start=1):
            for member in rng.sample(range(1, HELPERS + 1), 3):
                pings.append((n, member, q[10] - timedelta(days=1)))
        # ...and a busy day so far: 5,000 pings in the last 24 hours.
        for _ in range(5000):
            pings.append((rng.randint(1, QUESTIONS), rng.randint(1, HELPERS),
                          NOW - timedelta(seconds=rng.randrange(86400))))
        unique = {(p[0], p[1]): p for p in pings}
        await connection.copy_records_to_table(
            "ask_pings", columns=["id", "community_id", "question_id", "member_id", "round", "score", "parts",
                                  "created_at"],
            records=[(k, 1, q, m, 1, 1.0, "{}", at) for k, (q, m, at) in enumerate(unique.values(), start=1)])
        index = [sql for sql in search.ddl(SEARCH, "postgresql") if sql.startswith("CREATE INDEX")]
        await connection.execute(index[0])
        for table in ("members", "ask_helpers", "challenge_ratings", "milestone_checks", "ask_questions",
                      "ask_pings"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _time(label: str, factory: Callable[[], Awaitable[object]]) -> None:
    for _ in range(10):  # warm up: connections, statement caches
        await factory()
    timings = []
    for _ in range(SAMPLES):
        t0 = time.perf_counter()
        await factory()
        timings.append(time.perf_counter() - t0)
    print(f"{label:<44} p50 {statistics.median(timings) * 1000:7.2f} ms   p99 {_p(timings, 0.99):7.2f} ms")


async def _run(url: str) -> None:
    started = time.perf_counter()
    await _seed(url)
    print(f"seeded {HELPERS:,} helpers and {QUESTIONS:,} solved questions in {time.perf_counter() - started:.1f} s")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    rng = random.Random(7)
    try:
        async with factory() as session:
            community = (await session.execute(select(Community))).scalar_one()

        async def select_one() -> None:
            async with factory() as session:
                await session.execute(text("SELECT 1"))

        async def lookup() -> None:
            async with factory() as session:
                await service.by_number(session, 1, rng.randint(1, QUESTIONS))

        rated_topics = [t for t in TOPICS if t not in PRACTICAL]

        def routing(topics: list[str]) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                async with factory() as session:
                    q = Question(id=0, community_id=1, member_id=HELPERS + 1, title="x", topic=rng.choice(topics),
                                 status="open")
                    picks = await pick_helpers(session, community, q, now=NOW)
                    assert picks, "every question finds helpers in this data"
            return run

        def query(n: int) -> str:
            topic = rng.choice(TOPICS)
            return _words(rng, topic, n)

        async def search_all() -> None:
            async with factory() as session:
                await service.search_solved(session, 1, query(2))

        async def similar() -> None:
            async with factory() as session:
                q = Question(id=0, community_id=1, member_id=1, title=query(7).capitalize(), details=None,
                             topic="metrics", status="draft")
                await service.similar(session, q)

        print(f"samples per line: {SAMPLES}; load average before: "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        await _time("baseline: SELECT 1", select_one)
        await _time("baseline: one question by number (index)", lookup)
        await _time(f"routing: pick 3 of {HELPERS:,} helpers (challenge topic)", routing(rated_topics))
        await _time("routing: career/tooling/projects (no ratings)", routing(list(PRACTICAL)))
        await _time(f"search: `ask search` over {QUESTIONS:,} (all words)", search_all)
        await _time("search: similar questions (any two of 7 words)", similar)
        print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        await engine.dispose()


async def main() -> None:
    name = f"pivot_bench_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    base = _dsn(ADMIN_URL).rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    try:
        await migrate.upgrade_async(url)
        await _run(url)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
