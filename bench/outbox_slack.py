"""Outbox to a fake Slack that allows one message per second per channel.

    python -m bench.outbox_slack [--posts 2000] [--hot-channels 5] [--channels 500]

The fake Slack (tests/fakes/slack.py) answers a chat.postMessage sooner than a second after
the channel's previous message with HTTP 429 `ratelimited` + Retry-After, as Slack does.

1. Hot channels: `--posts` over `--hot-channels` (2,000 over 5: 400 per channel, about
   400 s). Every post must arrive (0 failed) and each channel's rate must be within 5% of
   1 message/s. `--posts 200` is a quick run.
2. Many channels: the same number of posts over `--channels` (500), Pivot's outbox against a
   bare slack_sdk loop (one `chat_postMessage` after another with the same Block Kit message,
   channels round-robin) in the same run, each against a fresh fake; the target is ≥ 0.9×
   the bare loop.
Pivot runs on PostgreSQL with the real SlackSender (metadata on every post, "sending"
recorded before each call).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import delete, func, select

from bench._support import database, machine
from bot.adapters.slack import render
from bot.adapters.slack.client import make_client
from bot.adapters.slack.sender import SlackSender
from bot.app import App
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.messages import Reply
from bot.core.outbox import OutboxMessage, Outgoing, Target, enqueue_many
from bot.core.tenancy import ensure_community
from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-bench"


def _channels(count: int) -> list[str]:
    return [f"C{i:05d}" for i in range(count)]


async def run_outbox(url: str, posts: int, channels: list[str]) -> dict[str, float]:
    async with FakeSlack(channel_rate=1.0) as fake:
        settings = Settings(database={"url": url}, slack={"bot_token": TOKEN, "api_url": fake.base_url})
        app = App(settings, clock=SystemClock())
        client = make_client(settings, retries=False)

        async def client_for(team_id: str) -> AsyncWebClient:
            return client

        sender = SlackSender(client_for)
        try:
            app.outbox.senders["slack"] = sender
            now = datetime.now(UTC)
            async with app.session_factory() as session:
                await session.execute(delete(OutboxMessage))
                community = await ensure_community(session, "slack", fake.team_id, "bench")
                await enqueue_many(session, [
                    Outgoing(community.id, "slack", Target.in_channel(channels[i % len(channels)]),
                             Reply(title="Daily challenge", text=f"post {i}"), f"s:{i}")
                    for i in range(posts)], now=now)
                await session.commit()
            started = time.monotonic()
            worker = asyncio.create_task(app.outbox.run_forever(poll_seconds=0.5))
            await fake.wait_for(lambda: len(fake.all_posted()) >= posts, within=posts * 2 + 60)
            elapsed = max(t for times in fake.post_times.values() for t in times) - started
            app.outbox.stop()
            await worker
            async with app.session_factory() as session:
                statuses = dict((await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
            rates = [
                (len(times) - 1) / (times[-1] - times[0])
                for times in fake.post_times.values() if len(times) > 1
            ]
            copies = len(fake.all_posted()) - len({
                m["metadata"]["event_payload"]["outbox_id"] for m in fake.all_posted()})
            return {
                "rate": posts / elapsed,
                "seconds": elapsed,
                "failed": statuses.get("failed", 0),
                "unsent": statuses.get("pending", 0),
                "duplicated": copies,
                "rate_limited": fake.rate_limited,
                "slowest_channel": min(rates) if rates else float("nan"),
                "fastest_channel": max(rates) if rates else float("nan"),
            }
        finally:
            await sender.aclose()
            await app.close()


async def run_bare(posts: int, channels: list[str]) -> dict[str, float]:
    async with FakeSlack(channel_rate=1.0) as fake:
        # slack_sdk's own answer to a 429: wait Retry-After and send again, so the baseline
        # delivers every post too (without it, a fast loop loses a quarter of them to 429s).
        client = AsyncWebClient(token=TOKEN, base_url=fake.base_url, retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=10)])
        failed = 0
        started = time.monotonic()
        for i in range(posts):
            # The same message the outbox posts: Block Kit as Pivot renders it.
            [message] = render.messages(Reply(title="Daily challenge", text=f"post {i}"))
            try:
                await client.chat_postMessage(channel=channels[i % len(channels)], text=message.text,
                                              blocks=message.blocks, unfurl_links=False)
            except Exception:
                failed += 1
        elapsed = time.monotonic() - started
        return {"rate": posts / elapsed, "seconds": elapsed, "failed": failed,
                "rate_limited": fake.rate_limited}


def _line(name: str, r: dict[str, float]) -> str:
    return (f"  {name:<18}{r['rate']:7.1f} msg/s  ({r['seconds']:.1f} s; failed {r['failed']:.0f}, "
            f"unsent {r.get('unsent', 0):.0f}, duplicated {r.get('duplicated', 0):.0f}, "
            f"429s {r['rate_limited']:.0f})")


async def main_async(posts: int, hot: int, many: int, scenario: str = "both") -> None:
    print(f"outbox → fake Slack enforcing 1 msg/s per channel; {machine()}")
    async with database("pivot_bench_slack") as url:
        if scenario in {"both", "hot"}:
            print(f"1. {posts} posts over {hot} channels ({posts // hot} each: about {posts // hot} s)")
            hot_run = await run_outbox(url, posts, _channels(hot))
            print(_line("Pivot outbox:", hot_run))
            print(f"  per-channel rate: {hot_run['slowest_channel']:.3f}–{hot_run['fastest_channel']:.3f} msg/s "
                  f"(limit 1; within 5%: {hot_run['slowest_channel'] >= 0.95 and hot_run['fastest_channel'] <= 1.05})")
        if scenario == "hot":
            return
        print(f"2. {posts} posts over {many} channels")
        many_run = await run_outbox(url, posts, _channels(many))
    bare = await run_bare(posts, _channels(many))
    print(_line("Pivot outbox:", many_run))
    print(_line("bare slack_sdk:", bare))
    print(f"  ratio Pivot / bare: {many_run['rate'] / bare['rate']:.2f}   target: ≥ 0.9, 0 failed")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000, help="posts per scenario (default 2000)")
    parser.add_argument("--hot-channels", type=int, default=5, help="channels of scenario 1 (default 5)")
    parser.add_argument("--channels", type=int, default=500, help="channels of scenario 2 (default 500)")
    parser.add_argument("--scenario", choices=("both", "hot", "many"), default="both",
                        help="1 (hot: few channels), 2 (many channels) or both (default)")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.posts, args.hot_channels, args.channels, args.scenario))


if __name__ == "__main__":
    main()
