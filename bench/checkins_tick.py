"""Time one check-in due tick over 100,000 members on PostgreSQL.

    python -m bench.checkins_tick            (or: python bench/checkins_tick.py)

Creates its own database next to PIVOT_BENCH_DATABASE_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), migrates it, COPYs in 100,000
members with schedules spread over the day's 96 quarter hours and many time zones
(70% daily, 20% weekdays, 10% weekly), each with yesterday's period (half of them still
open, so the tick also closes them as missed) and a third with an active goal. Then it
moves the clock a quarter of an hour at a time and times one tick — the indexed due query,
new periods, missed ones, the DM prompts enqueued in the outbox, the schedules advanced —
for a few runs, and a "peak" run where a whole time slot (10% of members) is due at once.
The database is dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bot import migrate
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.db import make_engine, make_session_factory
from bot.core.scheduler import TickContext
from bot.features.checkins.jobs import prompt_due
from bot.features.checkins.timing import Rule, local_date, next_occurrence

MEMBERS = int(os.environ.get("PIVOT_BENCH_MEMBERS", "100000"))
RUNS = 5
ADMIN_URL = os.environ.get(
    "PIVOT_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "Africa/Lagos",
)
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday
PEAK_ZONE, PEAK_TIME = "Europe/Berlin", clock_time(7, 0)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _rules(rng: random.Random) -> list[Rule]:
    rules = []
    for index in range(MEMBERS):
        if index % 10 == 0:  # the peak slot: everyone at 07:00 Berlin on weekdays
            rules.append(Rule("daily", PEAK_TIME, PEAK_ZONE))
            continue
        slot = rng.randrange(96)
        at = clock_time(slot // 4, slot % 4 * 15)
        roll = rng.random()
        frequency = "daily" if roll < 0.7 else "weekdays" if roll < 0.9 else "weekly"
        rules.append(
            Rule(
                frequency,
                at,
                rng.choice(ZONES),
                rng.randrange(7) if frequency == "weekly" else None,
            )
        )
    return rules


async def _seed(url: str, rules: list[Rule]) -> None:
    connection = await asyncpg.connect(_dsn(url))
    try:
        now = START - timedelta(days=1)
        await connection.execute(
            "INSERT INTO communities (id, platform, external_id, name, timezone, challenge_time, created_at) "
            "VALUES (1, 'slack', 'T-BENCH', 'Bench', 'UTC', '09:00', $1)",
            now,
        )
        await connection.copy_records_to_table(
            "members",
            columns=[
                "id",
                "community_id",
                "platform_user_id",
                "display_name",
                "timezone",
                "created_at",
            ],
            records=[
                (i, 1, f"U{i:07d}", f"member{i}", rules[i - 1].timezone, now)
                for i in range(1, MEMBERS + 1)
            ],
        )
        periods, schedules = [], []
        for i, rule in enumerate(rules, start=1):
            due = next_occurrence(rule, START)
            previous = due - timedelta(days=1)
            day = local_date(previous, rule.timezone)
            status = "open" if i % 2 else "done"
            periods.append((i, 1, i, day.isoformat(), day, previous, due, status))
            schedules.append(
                (
                    i,
                    1,
                    i,
                    rule.frequency,
                    rule.weekday,
                    rule.local_time,
                    rule.timezone,
                    True,
                    None,
                    due,
                    i,
                    i % 3 == 0,
                    "finish chapter 3" if i % 4 == 0 else None,
                    i % 9,
                    i % 15,
                    0,
                    None,
                    now,
                    now,
                )
            )
        await connection.copy_records_to_table(
            "checkin_periods",
            columns=[
                "id",
                "community_id",
                "member_id",
                "period_key",
                "local_date",
                "starts_at",
                "ends_at",
                "status",
            ],
            records=periods,
        )
        await connection.copy_records_to_table(
            "checkin_schedules",
            columns=[
                "id",
                "community_id",
                "member_id",
                "frequency",
                "weekday",
                "local_time",
                "timezone",
                "active",
                "paused_until",
                "next_due_at",
                "current_period_id",
                "share",
                "last_plan",
                "current_streak",
                "best_streak",
                "missed_run",
                "missed_since",
                "created_at",
                "updated_at",
            ],
            records=schedules,
        )
        await connection.copy_records_to_table(
            "goals",
            columns=[
                "id",
                "community_id",
                "member_id",
                "number",
                "text",
                "step",
                "due",
                "private",
                "status",
                "progress",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    n,
                    1,
                    i,
                    n,
                    "Finish the fast.ai course",
                    "basics",
                    date(2026, 6, 1),
                    False,
                    "active",
                    40,
                    now,
                    now,
                )
                for n, i in enumerate(range(1, MEMBERS + 1, 3), start=1)
            ],
        )
        for table in ("members", "checkin_periods", "checkin_schedules", "goals"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def _count(url: str, sql: str, *args: object) -> int:
    connection = await asyncpg.connect(_dsn(url))
    try:
        return int(await connection.fetchval(sql, *args))
    finally:
        await connection.close()


async def _plan(url: str, now: datetime) -> str:
    connection = await asyncpg.connect(_dsn(url))
    try:
        rows = await connection.fetch(
            "EXPLAIN SELECT id FROM checkin_schedules WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT 1000",
            now,
        )
        return "\n".join(r[0] for r in rows)
    finally:
        await connection.close()


async def _run(url: str) -> None:
    rules = _rules(random.Random(7))
    started = time.perf_counter()
    await _seed(url, rules)
    print(f"seeded {MEMBERS:,} members with schedules in {time.perf_counter() - started:.1f} s")
    engine = make_engine(url)
    clock = ManualClock(START)
    tc = TickContext(make_session_factory(engine), clock, Settings(database={"url": url}))
    try:
        await prompt_due(tc)  # warm up: connections, statement caches (nothing is due at START)
        plan = await _plan(url, START + timedelta(minutes=15))
        print(
            "due query plan:",
            "index scan on ix_checkin_schedules_next_due_at"
            if "ix_checkin_schedules_next_due_at" in plan
            else plan,
        )
        timings = []
        for run in range(1, RUNS + 1):
            clock.set(START + timedelta(minutes=15 * run))
            due = await _count(
                url, "SELECT count(*) FROM checkin_schedules WHERE next_due_at <= $1", clock.now()
            )
            before = await _count(url, "SELECT count(*) FROM outbox")
            t0 = time.perf_counter()
            await prompt_due(tc)
            seconds = time.perf_counter() - t0
            prompted = await _count(url, "SELECT count(*) FROM outbox") - before
            timings.append(seconds)
            print(f"run {run}: {due:5d} due, {prompted:5d} prompts enqueued, {seconds:.3f} s")
        print(f"p50 over {RUNS} quarter-hour ticks: {statistics.median(timings):.3f} s")
        peak = datetime.combine(date(2026, 3, 2), PEAK_TIME, tzinfo=UTC) - timedelta(
            hours=1
        )  # 07:00 CET
        clock.set(peak - timedelta(minutes=1))
        await prompt_due(tc)
        clock.set(peak)
        due = await _count(
            url, "SELECT count(*) FROM checkin_schedules WHERE next_due_at <= $1", clock.now()
        )
        t0 = time.perf_counter()
        await prompt_due(tc)
        seconds = time.perf_counter() - t0
        print(f"peak: {due:,} due in one minute (a whole time slot), {seconds:.3f} s")
        outbox = await _count(url, "SELECT count(*) FROM outbox")
        missed = await _count(url, "SELECT count(*) FROM checkin_periods WHERE status = 'missed'")
        print(
            f"members {MEMBERS:,} · prompts in outbox {outbox:,} · periods closed as missed {missed:,}"
        )
    finally:
        await engine.dispose()


def main() -> None:
    name = f"pivot_bench_checkins_{uuid.uuid4().hex[:8]}"
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
