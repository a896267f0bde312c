"""Command latency with 100,000 members on PostgreSQL: every command that lists or ranks.

    python -m bench.commands_p99            (or: python bench/commands_p99.py)

Creates its own database next to PIVOT_BENCH_DATABASE_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), migrates it and COPYs in one community
of 100,000 members (PIVOT_BENCH_MEMBERS) with what a year of use leaves behind: 20 daily
challenges with a quarter of the members answering each (about 500,000 attempts; the leaderboard
scores filled by the same statement as migration 0018's backfill), topic ratings and spaced
reviews, goals, roadmap checks, study-buddy rounds and groups, Kaggle competitions and follows,
projects with devlogs, job applications with their moves, a job feed, and questions with answers
and kudos. Then it runs each command through the real dispatcher (parse, unit of work, handler,
reply) as a member in the middle of the standings, RUNS times, and prints p50 and p99 beside the
same-run baseline: a `SELECT 1` through a session of the same pool. Target: p99 under 50 ms for
each. PIVOT_BENCH_RUNS sets the samples per command (default 100); PIVOT_BENCH_KEEP=1 keeps the
database for EXPLAIN (and prints its URL).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy import JSON, text

from bot import migrate
from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.db import Base
from bot.core.dispatch import Caller
from bot.features import import_models

MEMBERS = int(os.environ.get("PIVOT_BENCH_MEMBERS", "100000"))
POSTS = 20
RUNS = int(os.environ.get("PIVOT_BENCH_RUNS", "100"))
ADMIN_URL = os.environ.get(
    "PIVOT_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)  # a Wednesday: the week has three challenges
CALLER = "member50"
COMMANDS = (
    "challenge leaderboard --week",
    "challenge leaderboard --month",
    "challenge leaderboard --all",
    "challenge stats",
    "review stats",
    "goal list",
    "goal list --member member60",
    "roadmap",
    "buddy status",
    "kaggle list",
    "project list",
    "apply list --all",
    "apply board",
    "jobs list",
    "jobs list --remote --level senior",
    "ask list",
    "ask list --open --topic probability",
    "ask list --mine",
    "helper leaderboard --week",
    "helper leaderboard --all",
    "helper stats",
)
TOPICS = ("probability", "statistics", "linear-algebra", "calculus", "ml-basics", "deep-learning")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _copy(connection: asyncpg.Connection, table: str, rows: Sequence[dict[str, Any]]) -> int:
    """COPY `rows` into `table`, filling each column a row leaves out as the model would (its
    default, NOW for timestamps, NULL where nullable)."""
    if not rows:
        return 0
    columns = [c for c in Base.metadata.tables[table].c if not (c.primary_key and c.name == "id")]
    fill: dict[str, Any] = {}
    for c in columns:
        if c.default is not None and c.default.is_scalar:
            fill[c.name] = c.default.arg
        elif c.default is not None and c.default.is_callable:
            fill[c.name] = [] if c.name in ("tags",) else NOW
        else:
            fill[c.name] = None
    is_json = {c.name for c in columns if isinstance(c.type, JSON)}

    def value(row: dict[str, Any], name: str) -> Any:
        v = row.get(name, fill[name])
        return json.dumps(v) if name in is_json and v is not None else v

    names = [c.name for c in columns]
    await connection.copy_records_to_table(
        table, columns=names, records=[tuple(value(r, n) for n in names) for r in rows])
    return len(rows)


async def _ids(connection: asyncpg.Connection, table: str) -> list[int]:
    return [r["id"] for r in await connection.fetch(f"SELECT id FROM {table} ORDER BY id")]


async def _seed(url: str) -> None:
    import_models()
    from bot.features.roadmap.milestones import milestones

    rng = random.Random(7)
    connection = await asyncpg.connect(_dsn(url))
    counts: dict[str, int] = {}

    async def copy(table: str, rows: Iterable[dict[str, Any]]) -> None:
        counts[table] = counts.get(table, 0) + await _copy(connection, table, list(rows))

    try:
        community = await connection.fetchval(
            "INSERT INTO communities (platform, external_id, name, timezone, challenge_time, created_at)"
            " VALUES ('console', 'bench', 'Bench', 'UTC', '09:00', $1) RETURNING id", NOW)
        cid = {"community_id": community}
        await copy("members", ({**cid, "platform_user_id": f"member{i}", "display_name": f"member{i}",
                                "created_at": NOW} for i in range(MEMBERS)))
        first = await connection.fetchval("SELECT min(id) FROM members")
        mid = [first + i for i in range(MEMBERS)]

        # Challenges: posts, attempts, the scores the grading keeps, ratings, reviews.
        days = [NOW.date() - timedelta(days=d) for d in range(POSTS)]
        await copy("challenge_posts", ({**cid, "local_date": day, "status": "revealed",
                                        "item_id": f"bench-{i}", "topic": TOPICS[i % len(TOPICS)],
                                        "step": "math", "difficulty": 3, "posted_at": NOW}
                                       for i, day in enumerate(days)))
        posts = await connection.fetch("SELECT id, local_date FROM challenge_posts ORDER BY id")
        attempts = []
        for post in posts:
            at = datetime.combine(post["local_date"], datetime.min.time(), UTC) + timedelta(hours=10)
            for m in rng.sample(range(MEMBERS), MEMBERS // 4):
                attempts.append({**cid, "post_id": post["id"], "member_id": mid[m], "answer": "B",
                                 "correct": rng.random() < 0.6,
                                 "created_at": at + timedelta(seconds=m % 3600)})
        await copy("challenge_attempts", attempts)
        for period, start in (("week", "CAST(date_trunc('week', p.local_date) AS DATE)"),
                              ("month", "CAST(date_trunc('month', p.local_date) AS DATE)"),
                              ("all", "DATE '1970-01-01'")):
            group = "" if period == "all" else f", {start}"
            await connection.execute(
                "INSERT INTO challenge_scores"
                " (community_id, member_id, period, period_start, points, last_correct_at)"
                f" SELECT a.community_id, a.member_id, '{period}', {start}, count(*), max(a.created_at)"
                " FROM challenge_attempts a JOIN challenge_posts p ON p.id = a.post_id"
                f" WHERE a.correct GROUP BY a.community_id, a.member_id{group}")
        await connection.execute(
            "INSERT INTO challenge_score_counts (community_id, period, period_start, points, shard, members)"
            " SELECT community_id, period, period_start, points, member_id % 8, count(*)"
            " FROM challenge_scores GROUP BY community_id, period, period_start, points, member_id % 8")
        await copy("challenge_ratings", ({**cid, "member_id": mid[m], "topic": t,
                                          "rating": 900 + rng.random() * 400, "answers": 5}
                                         for m in range(0, MEMBERS, 2) for t in TOPICS[: 1 + m % 3]))
        await copy("challenge_reviews", ({**cid, "member_id": mid[m], "item_key": f"gen-f{k}",
                                          "item_id": f"gen-f{k}-1", "stage": k % 4,
                                          "due_at": NOW + timedelta(days=k - 3), "reviews": k % 4}
                                         for m in range(0, MEMBERS, 3) for k in range(1 + m % 6)))

        # Goals and the roadmap.
        await copy("goals", ({**cid, "member_id": mid[m], "number": n, "text": f"goal {n}",
                              "status": "active", "progress": 0, "private": False}
                             for n, m in enumerate((m for m in range(0, MEMBERS, 10) for _ in range(3)),
                                                   start=1)))
        ids = [ms.id for ms in milestones()]
        await copy("milestone_checks", ({**cid, "member_id": mid[m], "milestone_id": ids[k]}
                                        for m in range(MEMBERS) for k in range(m % 8)))

        # Study buddies: a fifth of the members in the pool, ten fortnightly rounds of pairs.
        pool = list(range(0, MEMBERS, 5))
        await copy("buddy_profiles", ({**cid, "member_id": mid[m], "timezone": "UTC", "level": 1,
                                       "focus": "math"} for m in pool))
        await copy("buddy_rounds", ({**cid, "key": f"bench-{r}", "local_date": NOW.date() - timedelta(days=14 * r),
                                     "started_at": NOW - timedelta(days=14 * r), "pool_size": len(pool)}
                                    for r in range(10)))
        rounds = await _ids(connection, "buddy_rounds")
        groups = []
        for r, round_id in enumerate(rounds):
            for _ in range(len(pool) // 2):
                groups.append({**cid, "round_id": round_id, "score": 0.8,
                               "created_at": NOW - timedelta(days=14 * r),
                               "followup_due_at": NOW - timedelta(days=14 * r - 7),
                               "followup_sent_at": NOW - timedelta(days=14 * r - 7)})
        await copy("buddy_groups", groups)
        group_ids = await _ids(connection, "buddy_groups")
        members_of = []
        for r in range(len(rounds)):
            order = pool[:]
            rng.shuffle(order)
            for g in range(len(pool) // 2):
                gid = group_ids[r * (len(pool) // 2) + g]
                members_of += [{**cid, "group_id": gid, "member_id": mid[order[2 * g]], "answer": "yes"},
                               {**cid, "group_id": gid, "member_id": mid[order[2 * g + 1]]}]
        await copy("buddy_group_members", members_of)

        # Kaggle: the global catalogue, a few hundred competitions, a fifth still open.
        await copy("kaggle_competitions", ({"ref": f"comp-{k}", "title": f"Competition {k}",
                                            "url": f"https://www.kaggle.com/c/comp-{k}",
                                            "category": ("playground", "featured", "getting-started")[k % 3],
                                            "deadline": NOW + timedelta(days=k % 90 - 10 if k % 5 == 0 else -30 - k),
                                            "active": k % 5 == 0, "team_count": k * 3, "tags": [],
                                            "first_seen_at": NOW, "last_seen_at": NOW}
                                           for k in range(400)))
        comps = await _ids(connection, "kaggle_competitions")
        await copy("kaggle_member_follows", ({**cid, "member_id": mid[m], "competition_id": comps[(m + k) * 5 % 400]}
                                             for m in range(0, MEMBERS, 20) for k in range(3)))

        # Projects with devlogs; applications with their moves; the job feed.
        projects = [{**cid, "member_id": mid[m], "number": n, "title": f"project {n}", "step": "projects"}
                    for n, m in enumerate((m for m in range(0, MEMBERS, 10) for _ in range(2)), start=1)]
        await copy("projects", projects)
        project_ids = await _ids(connection, "projects")
        await copy("project_logs", ({**cid, "member_id": p["member_id"], "project_id": pid,
                                     "text": f"log {k}"}
                                    for p, pid in zip(projects, project_ids, strict=True) for k in range(3)))
        from bot.features.jobs.service.tracker import STAGES
        apps = [{**cid, "member_id": mid[m], "number": n, "company": f"Company {n % 500}",
                 "role": "ML Engineer", "stage": STAGES[n % len(STAGES)],
                 "applied_on": NOW.date() - timedelta(days=n % 60)}
                for n, m in enumerate((m for m in range(0, MEMBERS, 20) for _ in range(12)), start=1)]
        await copy("job_applications", apps)
        app_ids = await _ids(connection, "job_applications")
        await copy("job_application_moves", ({**cid, "member_id": a["member_id"], "application_id": aid,
                                              "from_stage": None if k == 0 else "saved",
                                              "to_stage": "saved" if k == 0 else a["stage"]}
                                             for a, aid in zip(apps, app_ids, strict=True) for k in range(2)))
        await copy("job_member_settings", ({**cid, "member_id": mid[m], "share_funnel": True}
                                           for m in range(0, MEMBERS, 20)))
        await copy("job_sources", ({**cid, "kind": "greenhouse", "board": f"board{k}",
                                    "company": f"Company {k}", "next_poll_at": NOW + timedelta(hours=1)}
                                   for k in range(40)))
        sources = await _ids(connection, "job_sources")
        levels = ("junior", "mid", "senior", "staff+", "new-grad")
        await copy("job_postings", ({**cid, "source_id": sources[k % 40], "external_id": str(k),
                                     "title": "Machine Learning Engineer", "company": f"Company {k % 40}",
                                     "location": ("Berlin", "Remote", "London", "New York")[k % 4],
                                     "remote": k % 4 == 1, "level": levels[k % 5],
                                     "url": f"https://jobs.example/{k}", "first_seen_at": NOW - timedelta(days=k % 90),
                                     "last_seen_at": NOW, "closed_at": None if k % 3 else NOW - timedelta(days=1)}
                                    for k in range(6000)))

        # Questions, answers, kudos, helpers.
        questions = MEMBERS // 4
        from bot.features.ask.topics import TOPICS as ASK_TOPICS
        await copy("ask_questions", ({**cid, "member_id": mid[(q * 7) % MEMBERS], "number": q + 1,
                                      "title": f"How do I {q}?", "topic": ASK_TOPICS[q % len(ASK_TOPICS)],
                                      "status": "solved" if q % 3 else "open",
                                      "created_at": NOW - timedelta(minutes=q),
                                      "posted_at": NOW - timedelta(minutes=q)}
                                     for q in range(questions)))
        qids = await _ids(connection, "ask_questions")
        await copy("ask_answers", ({**cid, "question_id": qid, "member_id": mid[(q * 13 + k) % MEMBERS],
                                    "text": "Try this.", "created_at": NOW - timedelta(minutes=q - 5)}
                                   for q, qid in enumerate(qids) for k in range(2)))
        await copy("ask_kudos", ({**cid, "question_id": qid, "member_id": mid[(q * 13) % MEMBERS // 50 * 50],
                                  "created_at": NOW - timedelta(minutes=q)}
                                 for q, qid in enumerate(qids) if q % 3))
        await copy("ask_helpers", ({**cid, "member_id": mid[m], "topics": "probability,statistics"}
                                   for m in range(0, MEMBERS, 20)))
        await connection.execute("VACUUM ANALYZE")
        print(f"seeded {MEMBERS:,} members: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    finally:
        await connection.close()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _run(url: str) -> None:
    await _seed(url)
    # The seed's half a million rows were Python objects: collect them now, not in the middle of
    # the first command measured (a running bot never held them).
    gc.collect()
    app = App(Settings(database={"url": url},
                       # Kaggle answers from the stored catalogue; the API is never called.
                       kaggle={"username": "bench", "key": "bench", "api_url": "http://127.0.0.1:9"}),
              clock=ManualClock(NOW))
    caller = Caller("console", "bench", CALLER, CALLER, "Bench")
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
        print(f"worst p99 {worst:.1f} ms (target < 50 ms): {'OK' if worst < 50 else 'OVER'}; "
              f"load average {os.getloadavg()[0]:.2f}")
    finally:
        await app.close()


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at start")
    name = f"pivot_bench_commands_{uuid.uuid4().hex[:8]}"
    base = _dsn(ADMIN_URL).rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        migrate.upgrade(url)
        asyncio.run(_run(url))
    finally:
        if os.environ.get("PIVOT_BENCH_KEEP"):
            print(f"kept the database: {url}")
        else:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
