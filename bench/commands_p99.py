"""Command latency with 100,000 members on PostgreSQL: every command that lists or ranks.

    python -m bench.commands_p99            (or: python bench/commands_p99.py)

Creates its own database next to PIVOT_BENCH_DATABASE_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), migrates it and COPYs in one community
of 100,000 members (PIVOT_BENCH_MEMBERS), 20 daily challenges with a quarter of the members
answering each (about 500,000 attempts), and 3 goals for a tenth of them. Then it runs each
command through the real dispatcher (parse, unit of work, handler, reply) as a member in the
middle of the standings, 60 times, and prints p50 and p99 beside the same-run baseline: a
`SELECT 1` through a session of the same pool. Target: p99 under 50 ms for each.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy import text

from bot import migrate
from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.dispatch import Caller

MEMBERS = int(os.environ.get("PIVOT_BENCH_MEMBERS", "100000"))
POSTS = 20
RUNS = 60
ADMIN_URL = os.environ.get(
    "PIVOT_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2026, 3, 23, 12, 0, tzinfo=UTC)
COMMANDS = (
    "challenge leaderboard --week",
    "challenge leaderboard --month",
    "challenge leaderboard --all",
    "challenge stats",
    "goal list",
    "goal list --member member50",
    "roadmap",
)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _seed(url: str) -> None:
    rng = random.Random(7)
    connection = await asyncpg.connect(_dsn(url))
    try:
        community = await connection.fetchval(
            "INSERT INTO communities (platform, external_id, name, timezone, challenge_time, created_at)"
            " VALUES ('console', 'bench', 'Bench', 'UTC', '09:00', $1) RETURNING id", NOW)
        await connection.copy_records_to_table(
            "members", columns=["community_id", "platform_user_id", "display_name", "created_at"],
            records=[(community, f"member{i}", f"member{i}", NOW) for i in range(MEMBERS)])
        first = await connection.fetchval("SELECT min(id) FROM members")
        days = [date(2026, 3, 23) - timedelta(days=d) for d in range(POSTS)]
        await connection.copy_records_to_table(
            "challenge_posts", columns=["community_id", "local_date", "status", "item_id", "posted_at"],
            records=[(community, day, "revealed", f"bench-{i}", NOW) for i, day in enumerate(days)])
        posts = await connection.fetch("SELECT id, local_date FROM challenge_posts ORDER BY id")
        attempts = []
        for post in posts:
            at = datetime.combine(post["local_date"], datetime.min.time(), UTC) + timedelta(hours=10)
            for member in rng.sample(range(MEMBERS), MEMBERS // 4):
                attempts.append((community, post["id"], first + member, "B", rng.random() < 0.6,
                                 at + timedelta(seconds=member % 3600)))
        await connection.copy_records_to_table(
            "challenge_attempts",
            columns=["community_id", "post_id", "member_id", "answer", "correct", "created_at"],
            records=attempts)
        goals = [(community, first + m, n, f"goal {n}", "active", 0, False, NOW, NOW)
                 for n, m in enumerate((m for m in range(0, MEMBERS, 10) for _ in range(3)), start=1)]
        await connection.copy_records_to_table(
            "goals", columns=["community_id", "member_id", "number", "text", "status", "progress",
                              "private", "created_at", "updated_at"], records=goals)
        await connection.execute("ANALYZE")
        print(f"seeded {MEMBERS:,} members, {len(attempts):,} attempts, {len(goals):,} goals")
    finally:
        await connection.close()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _run(url: str) -> None:
    await _seed(url)
    app = App(Settings(database={"url": url}), clock=ManualClock(NOW))
    caller = Caller("console", "bench", "member50", "member50", "Bench")
    try:
        async def baseline() -> None:
            async with app.session_factory() as session:
                await session.execute(text("SELECT 1"))

        base: list[float] = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            await baseline()
            base.append((time.perf_counter() - t0) * 1000)
        print(f"{'baseline: SELECT 1 through a session':44} p50 {_p(base, .5):6.1f} ms  p99 {_p(base, .99):6.1f} ms")
        worst = 0.0
        for command in COMMANDS:
            reply = await app.dispatcher.run_text(caller, command)
            assert not reply.error, (command, reply.text)
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                await app.dispatcher.run_text(caller, command)
                times.append((time.perf_counter() - t0) * 1000)
            p99 = _p(times, .99)
            worst = max(worst, p99)
            print(f"{command:44} p50 {_p(times, .5):6.1f} ms  p99 {p99:6.1f} ms  "
                  f"({p99 / max(_p(base, .99), 0.01):.0f}× baseline p99)")
        print(f"worst p99 {worst:.1f} ms (target < 50 ms): {'OK' if worst < 50 else 'OVER'}")
    finally:
        await app.close()


def main() -> None:
    name = f"pivot_bench_commands_{uuid.uuid4().hex[:8]}"
    base = _dsn(ADMIN_URL).rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        migrate.upgrade(url)
        asyncio.run(_run(url))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
