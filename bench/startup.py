"""Start to ready: Pivot against the bare client libraries, same run, interleaved.

    python -m bench.startup [--starts 5] [--sqlite]

Each start is a new process, timed from spawn to ready:

1. Pivot on Discord: `python -m bot run --no-migrate` (database already migrated) against the
   fake Discord of tests/fakes/discord.py → the fake receives IDENTIFY;
2. a bare discord.py `Client` pointed at the same fake → IDENTIFY;
3. Pivot on Slack in HTTP mode against the fake Slack of tests/fakes/slack.py → its HTTP port
   answers a request (`GET /healthz`);
4. a bare slack-bolt `AsyncApp` started on a port → that port answers a request.

Two more kinds measure the floor: the same bare client and app, after importing what any start
with Pivot's store and settings must load before it serves (SQLAlchemy's asyncio engine and ORM,
asyncpg, pydantic-settings; `FLOOR_IMPORTS`), and nothing of Pivot's own.

The kinds take turns (1 2 3 4 5 6, 1 2 …) so a busy moment of the machine hits all of them
alike. It prints each kind's starts and median, Pivot's ratio to the bare library (target
≤ 2×), and the floor's. The database is a fresh PostgreSQL one next to PIVOT_BENCH_DATABASE_URL
(dropped at the end) or, with --sqlite, a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench._support import database, machine
from tests.fakes import discord as fake_discord
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret-0123456789abcdef"
TIMEOUT = 60.0

BARE_DISCORD = """
import os, discord, yarl
from discord.gateway import DiscordWebSocket
discord.http.Route.BASE = os.environ["BENCH_DISCORD_API"]
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["BENCH_DISCORD_GATEWAY"])
discord.Client(intents=discord.Intents.default()).run(os.environ["BENCH_DISCORD_TOKEN"],
                                                      log_handler=None)
"""

# What a start with Pivot's store and settings imports before serving, whatever else it trims.
FLOOR_IMPORTS = "import sqlalchemy.ext.asyncio, sqlalchemy.orm, asyncpg, pydantic_settings\n"

BARE_BOLT = """
import os
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
app = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=os.environ["BENCH_SLACK_API"]),
               signing_secret=os.environ["BENCH_SLACK_SECRET"])

@app.command("/pivot")
async def on_command(ack):
    await ack()

app.start(port=int(os.environ["BENCH_PORT"]), host="127.0.0.1")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "SLACK_", "KAGGLE_"))}
    return env | {"PYTHONPATH": str(ROOT), "PIVOT_SCHEDULER_TICK_SECONDS": "3600",
                  "PIVOT_LOGGING_LEVEL": "WARNING"} | extra


@asynccontextmanager
async def _spawned(args: list[str], env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _answered(port: int, path: str, process: asyncio.subprocess.Process) -> None:
    """Until the port answers an HTTP request (any status)."""
    async with aiohttp.ClientSession() as session:
        while True:
            if process.returncode is not None:
                assert process.stderr is not None
                raise SystemExit(f"the server exited:\n{(await process.stderr.read()).decode()[-2000:]}")
            try:
                async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                    await response.read()
                    return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.005)


async def _identified(fake: FakeDiscord, since: int, process: asyncio.subprocess.Process) -> None:
    waiting = asyncio.ensure_future(fake.wait_identified(since=since))
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
    if not waiting.done():
        waiting.cancel()
        assert process.stderr is not None
        raise SystemExit(f"the client exited:\n{(await process.stderr.read()).decode()[-2000:]}")
    exited.cancel()


Start = Callable[[], Awaitable[float]]


def _kinds(fake_d: FakeDiscord, fake_s: FakeSlack, url: str) -> dict[str, Start]:
    async def pivot_discord() -> float:
        env = _env(PIVOT_DATABASE_URL=url, PIVOT_DISCORD_TOKEN=fake_d.token,
                   PIVOT_DISCORD_API_URL=fake_d.api_url, PIVOT_DISCORD_GATEWAY_URL=fake_d.gateway_url)
        since = len(fake_d.sessions)
        started = time.perf_counter()
        async with _spawned(["-m", "bot", "run", "--no-migrate"], env) as process:
            await _identified(fake_d, since, process)
            return time.perf_counter() - started

    async def bare_discord(prelude: str = "") -> float:
        env = _env(BENCH_DISCORD_API=fake_d.api_url, BENCH_DISCORD_GATEWAY=fake_d.gateway_url,
                   BENCH_DISCORD_TOKEN=fake_d.token)
        since = len(fake_d.sessions)
        started = time.perf_counter()
        async with _spawned(["-c", prelude + BARE_DISCORD], env) as process:
            await _identified(fake_d, since, process)
            return time.perf_counter() - started

    async def pivot_slack() -> float:
        port = _free_port()
        env = _env(PIVOT_DATABASE_URL=url, PIVOT_SLACK_BOT_TOKEN="xoxb-bench",
                   PIVOT_SLACK_SIGNING_SECRET=SECRET, PIVOT_SLACK_API_URL=fake_s.base_url,
                   PIVOT_HTTP_HOST="127.0.0.1", PIVOT_HTTP_PORT=str(port))
        started = time.perf_counter()
        async with _spawned(["-m", "bot", "run", "--no-migrate"], env) as process:
            await _answered(port, "/healthz", process)
            return time.perf_counter() - started

    async def bare_bolt(prelude: str = "") -> float:
        port = _free_port()
        env = _env(BENCH_SLACK_API=fake_s.base_url, BENCH_SLACK_SECRET=SECRET, BENCH_PORT=str(port))
        started = time.perf_counter()
        async with _spawned(["-c", prelude + BARE_BOLT], env) as process:
            await _answered(port, "/slack/events", process)
            return time.perf_counter() - started

    async def floor_discord() -> float:
        return await bare_discord(FLOOR_IMPORTS)

    async def floor_bolt() -> float:
        return await bare_bolt(FLOOR_IMPORTS)

    return {"Pivot, Discord (spawn → IDENTIFY)": pivot_discord,
            "bare discord.py Client": bare_discord,
            "floor: discord.py + store imports": floor_discord,
            "Pivot, Slack HTTP (spawn → answering)": pivot_slack,
            "bare slack-bolt AsyncApp": bare_bolt,
            "floor: slack-bolt + store imports": floor_bolt}


@asynccontextmanager
async def _store(sqlite: bool) -> AsyncIterator[str]:
    if sqlite:
        from bot.migrate import upgrade_async

        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'pivot.db'}"
            await upgrade_async(url)
            yield url
    else:
        async with database("pivot_bench_startup") as url:
            yield url


async def _run(starts: int, sqlite: bool) -> None:
    fake_discord.WAIT_SECONDS = TIMEOUT  # a cold process takes seconds, not the tests' 10
    print(f"machine: {machine()}")
    async with _store(sqlite) as url, FakeDiscord() as fake_d, FakeSlack() as fake_s:
        kinds = _kinds(fake_d, fake_s, url)
        times: dict[str, list[float]] = {name: [] for name in kinds}
        for _ in range(starts):
            for name, start in kinds.items():
                times[name].append(await asyncio.wait_for(start(), TIMEOUT))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        runs = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:40} median {medians[name]:5.2f} s   ({runs})")
    names = list(kinds)
    for pivot, bare, floor, what in ((*names[0:3], "Discord"), (*names[3:6], "Slack HTTP")):
        ratio = medians[pivot] / medians[bare]
        print(f"{what:10} Pivot / bare = {ratio:.2f}× (target ≤ 2×): {'OK' if ratio <= 2 else 'OVER'}"
              f"; floor / bare = {medians[floor] / medians[bare]:.2f}×")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5, help="starts of each kind (default 5)")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file, not PostgreSQL")
    args = parser.parse_args(argv)
    asyncio.run(_run(args.starts, args.sqlite))


if __name__ == "__main__":
    main()
