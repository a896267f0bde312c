"""Slack HTTP acknowledgements under load: Pivot against a bare slack-bolt app, same run.

    python -m bench.slack_acks [--requests 2000] [--concurrency 32] [--rounds 2] [--sqlite]

Signed slash-command requests (`/pivot goal add "…"` from 200 members of one workspace) are
sent at a fixed concurrency to two servers, each in its own process so they don't share a
CPU with the load generator: a bare bolt app whose listener only calls `ack()`, and Pivot's
Slack adapter (signature and replay check, ack, then the command's database work on the
worker pool and its reply posted to the request's `response_url` at a fake Slack). Rounds
alternate bolt and Pivot. It prints acks/s and ack latency (p50, p99) for both, the ratio
of acks/s (goal ≥ 0.75), Pivot's replies/s (replies that reached the fake Slack, per second
from the first request to the last reply) and how many requests were answered "busy".

The database is PostgreSQL (a fresh one next to PIVOT_BENCH_DATABASE_URL, dropped at the
end) or, with --sqlite, a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.config import SlackSettings

SECRET = "bench-signing-secret-0123456789abcdef"
ADMIN_URL = os.environ.get(
    "PIVOT_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
MEMBERS = 200
DEFAULT_WORKERS = SlackSettings.model_fields["workers"].default
ROOT = Path(__file__).resolve().parent.parent


# --- the servers (each runs in its own process) -----------------------------------------------------


async def _serve_bolt(api_url: str) -> None:
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url), signing_secret=SECRET
    )

    @bolt.command("/pivot")
    async def on_command(ack: object) -> None:
        await ack()  # type: ignore[operator]

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


async def _serve_pivot(api_url: str, database_url: str, workers: int = DEFAULT_WORKERS) -> None:
    from bot.adapters.slack import SlackAdapter
    from bot.app import App
    from bot.config import Settings

    settings = Settings(
        database={"url": database_url},
        slack={"bot_token": "xoxb-bench", "signing_secret": SECRET, "api_url": api_url,
               "workers": workers},
        http={"host": "127.0.0.1", "port": 0},
    )
    app = App(settings)
    adapter = SlackAdapter(app)
    app.attach(adapter)
    port = await adapter.open_http()
    print(port, flush=True)
    await asyncio.Event().wait()


async def _serve_fake() -> None:
    """The fake Slack (Web API + response_url) in its own process, plus GET /count: how many
    replies arrived so far."""
    from aiohttp import web

    from tests.fakes.slack import FakeSlack

    async with FakeSlack(team_id="T0BENCH") as fake:
        for n in range(MEMBERS):
            fake.add_user(f"U{n:04d}", name=f"member{n}")

        async def count(request: web.Request) -> web.Response:
            return web.json_response(len(fake.responses))

        app = web.Application()
        app.router.add_get("/count", count)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        print(fake.port, runner.addresses[0][1], flush=True)
        await asyncio.Event().wait()


async def _replies(count_url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(count_url) as response:
        return int(await response.json())


# --- the load ---------------------------------------------------------------------------------------


async def _start(
    kind: str, api_url: str, database_url: str, workers: int
) -> tuple[asyncio.subprocess.Process, int]:
    command = ["-m", "bench.slack_acks", "--serve", kind, "--api-url", api_url,
               "--database-url", database_url, "--workers", str(workers)]
    if kind == "fake":
        command = ["-m", "bench.slack_acks", "--serve", "fake"]
    elif kind == "pivot" and os.environ.get("PIVOT_BENCH_PROFILE"):
        command = [os.environ["PIVOT_BENCH_PROFILE"], api_url, database_url,
                   os.environ.get("PIVOT_BENCH_VARIANT", "")]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    if not line:
        raise SystemExit(f"the {kind} server did not start")
    return process, int(line.split()[0])


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await process.wait()


def _bodies(count: int, response_url: str, tag: str) -> list[str]:
    return [
        urlencode(
            {
                "token": "deprecated",
                "team_id": "T0BENCH",
                "team_domain": "bench",
                "channel_id": "C0BENCH",
                "channel_name": "general",
                "user_id": f"U{n % MEMBERS:04d}",
                "user_name": f"member{n % MEMBERS}",
                "command": "/pivot",
                "text": f'goal add "Benchmark goal {tag} {n}"',
                "api_app_id": "A0BENCH",
                "response_url": f"{response_url}-{tag}-{n}",
                "trigger_id": f"{tag}.{n}.{uuid.uuid4().hex[:8]}",
            }
        )
        for n in range(count)
    ]


async def _load(port: int, bodies: list[str], concurrency: int) -> tuple[float, list[float], int]:
    """Send every body, `concurrency` at a time; returns (seconds, ack latencies, busy answers)."""
    signer = SignatureVerifier(SECRET)
    url = f"http://127.0.0.1:{port}/slack/events"
    latencies: list[float] = []
    busy = 0
    queue = iter(bodies)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal busy
        for body in queue:
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signer.generate_signature(timestamp=ts, body=body),
            }
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=headers) as response:
                text = await response.text()
                if response.status != 200:
                    raise SystemExit(f"unexpected answer {response.status}: {text[:200]}")
            latencies.append(time.perf_counter() - started)
            if "busy" in text:
                busy += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, busy


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def _database(use_sqlite: bool) -> tuple[str, str | None]:
    from bot import migrate

    if use_sqlite:
        path = Path(tempfile.mkdtemp()) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        await migrate.upgrade_async(url)
        return url, None
    import asyncpg

    name = f"pivot_bench_{uuid.uuid4().hex[:8]}"
    admin = ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    await migrate.upgrade_async(url)
    return url, name


async def _drop(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def main(args: argparse.Namespace) -> None:
    database_url, dropped = await _database(args.sqlite)
    results: dict[str, list[tuple[float, float, float]]] = {"bolt": [], "pivot": []}
    replies: list[float] = []
    busy_total = 0
    fake_process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.slack_acks", "--serve", "fake", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert fake_process.stdout is not None
    fake_port, count_port = map(int, (await fake_process.stdout.readline()).split())
    api_url = f"http://127.0.0.1:{fake_port}/api/"
    response_url = f"http://127.0.0.1:{fake_port}/response/r"
    count_url = f"http://127.0.0.1:{count_port}/count"
    try:
        for round_ in range(args.rounds):
            for kind in ("bolt", "pivot"):
                process, port = await _start(kind, api_url, database_url, args.workers)
                try:
                    tag = f"{kind}{round_}"
                    bodies = _bodies(args.requests, response_url, tag)
                    before = await _replies(count_url)
                    started = time.perf_counter()
                    elapsed, latencies, busy = await _load(port, bodies, args.concurrency)
                    results[kind].append(
                        (args.requests / elapsed, _p(latencies, 50), _p(latencies, 99))
                    )
                    if kind == "pivot":
                        busy_total += busy
                        expected = args.requests - busy
                        deadline = time.perf_counter() + 600
                        while await _replies(count_url) - before < expected:
                            if time.perf_counter() > deadline:
                                raise SystemExit("replies did not all arrive within 10 minutes")
                            await asyncio.sleep(0.05)
                        replies.append(expected / (time.perf_counter() - started))
                finally:
                    await _stop(process)
    finally:
        await _stop(fake_process)
        if dropped:
            await _drop(dropped)

    def best(kind: str) -> tuple[float, float, float]:
        return max(results[kind], key=lambda r: r[0])

    bolt, pivot = best("bolt"), best("pivot")
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"Slack HTTP acks: {args.requests} signed slash commands, concurrency {args.concurrency}, "
          f"{args.rounds} rounds (best shown), {backend}, {args.workers} workers, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"  bare slack-bolt  {bolt[0]:8.0f} acks/s   p50 {bolt[1] * 1000:6.1f} ms   "
          f"p99 {bolt[2] * 1000:6.1f} ms")
    print(f"  Pivot            {pivot[0]:8.0f} acks/s   p50 {pivot[1] * 1000:6.1f} ms   "
          f"p99 {pivot[2] * 1000:6.1f} ms   (goal: p99 < 100 ms)")
    print(f"  ratio            {pivot[0] / bolt[0]:8.2f}            (goal: >= 0.75)")
    print(f"  Pivot replies    {max(replies):8.0f} replies/s (work done and answered)   "
          f"busy answers: {busy_total} of {args.requests * args.rounds}")
    print(json.dumps({"bolt_acks_per_s": round(bolt[0]), "pivot_acks_per_s": round(pivot[0]),
                      "ratio": round(pivot[0] / bolt[0], 3), "pivot_p99_ms": round(pivot[2] * 1000, 1),
                      "pivot_replies_per_s": round(max(replies)), "busy": busy_total}))


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"Pivot's slack.workers (default {DEFAULT_WORKERS}, as configured)")
    parser.add_argument("--serve", choices=["bolt", "pivot", "fake"], help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "fake":
        asyncio.run(_serve_fake())
    elif args.serve == "bolt":
        asyncio.run(_serve_bolt(args.api_url))
    elif args.serve == "pivot":
        asyncio.run(_serve_pivot(args.api_url, args.database_url, args.workers))
    else:
        asyncio.run(main(args))


if __name__ == "__main__":
    cli()
