"""Outbox throughput to a fake Discord that enforces the global limit (50 requests/s).

    python -m bench.outbox_discord [--posts 2000] [--limit 50]

Half the posts are DMs to members whose DM channels are already stored (warm), half are
channel posts spread over 100 channels. The fake Discord (tests/fakes/discord.py) answers
every request over the limit with a global 429 + Retry-After, as Discord does. Pivot's outbox
(PostgreSQL, the real DiscordSender on discord.py's HTTP layer) delivers them; the baseline,
in the same run against a fresh fake with the same limit, is a bare discord.py loop posting
the same messages one after another. Prints messages/s for both, the share of the limit,
the ratio, and failed / duplicated / 429 counts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from discord.http import Route
from sqlalchemy import func, insert, select

from bench._support import database, machine
from bot.adapters.discord.client import PivotHTTPClient, make_client
from bot.adapters.discord.sender import DiscordSender
from bot.app import App
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.messages import Reply
from bot.core.outbox import DmChannel, OutboxMessage, Outgoing, Target, enqueue_many
from bot.core.tenancy import Member, ensure_community
from tests.fakes.discord import FakeDiscord

CHANNELS = 100


def _plan(fake: FakeDiscord, posts: int) -> list[tuple[Target, str]]:
    """(target, DM channel or channel id) for each post: half warm DMs, half channel posts."""
    channels = [fake.add_channel(f"c{i}") for i in range(CHANNELS)]
    plan = []
    for i in range(posts):
        if i % 2:
            user = fake.member(f"m{i}")
            plan.append((Target.dm(user.id), fake.open_dm(user.id)))
        else:
            channel = channels[i // 2 % CHANNELS]
            plan.append((Target.in_channel(channel), channel))
    return plan


async def _login(fake: FakeDiscord) -> tuple[object, PivotHTTPClient]:
    client = make_client(api_base=fake.api_url, gateway=None, shard_ids=None, shard_count=None)
    await client.login(fake.token)
    return client, client.http


async def run_outbox(url: str, posts: int, limit: float) -> dict[str, float]:
    async with FakeDiscord(global_limit=limit) as fake:
        plan = _plan(fake, posts)
        app = App(Settings(database={"url": url}, discord={"global_rate_limit": limit}), clock=SystemClock())
        client, http = await _login(fake)
        try:
            async def get_http() -> PivotHTTPClient:
                return http

            app.outbox.senders["discord"] = DiscordSender(get_http, rate_per_second=limit)
            now = datetime.now(UTC)
            async with app.session_factory() as session:
                community = await ensure_community(session, "discord", fake.guild_id, "bench")
                dms = [(t, ch) for t, ch in plan if t.kind == "dm"]
                await session.execute(insert(Member), [
                    {"community_id": community.id, "platform_user_id": t.to, "display_name": t.to,
                     "created_at": now} for t, _ in dms])
                ids = dict((await session.execute(
                    select(Member.platform_user_id, Member.id).where(Member.community_id == community.id))).all())
                await session.execute(insert(DmChannel), [
                    {"community_id": community.id, "member_id": ids[t.to], "platform": "discord",
                     "channel_id": ch, "created_at": now} for t, ch in dms])
                await enqueue_many(session, [
                    Outgoing(community.id, "discord", t, Reply(title="Check-in", text=f"post {i}"), f"b:{i}")
                    for i, (t, _) in enumerate(plan)], now=now)
                await session.commit()
            started = time.monotonic()
            worker = asyncio.create_task(app.outbox.run_forever(poll_seconds=0.5))
            async with fake._changed:
                await fake._changed.wait_for(lambda: len(fake.post_times) >= posts)
            elapsed = fake.post_times[-1] - started
            app.outbox.stop()
            await worker
            async with app.session_factory() as session:
                statuses = dict((await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
            copies = Counter(m.get("nonce", "").split(".")[0] for m in fake.posted())
            return {
                "rate": posts / elapsed,
                "seconds": elapsed,
                "failed": statuses.get("failed", 0),
                "unsent": statuses.get("pending", 0),
                "duplicated": sum(n - 1 for n in copies.values()),
                "requests": sum(1 for c in fake.calls if c.method == "POST"),
                "rate_limited": fake.rate_limited,
            }
        finally:
            await client.close()  # type: ignore[attr-defined]
            await app.close()


async def run_bare(posts: int, limit: float) -> dict[str, float]:
    """A bare discord.py loop: the same messages, posted one after another."""
    async with FakeDiscord(global_limit=limit) as fake:
        plan = _plan(fake, posts)
        client, http = await _login(fake)
        try:
            started = time.monotonic()
            for i, (_, channel) in enumerate(plan):
                route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
                await http.request(route, json={"embeds": [{"title": "Check-in", "description": f"post {i}"}]})
            elapsed = time.monotonic() - started
            return {"rate": posts / elapsed, "seconds": elapsed, "rate_limited": fake.rate_limited}
        finally:
            await client.close()  # type: ignore[attr-defined]


async def main_async(posts: int, limit: float) -> None:
    print(f"outbox → fake Discord enforcing {limit:g} req/s globally; {posts} posts "
          f"(half DMs with stored DM channels, half over {CHANNELS} channels); {machine()}")
    async with database("pivot_bench_discord") as url:
        ours = await run_outbox(url, posts, limit)
    bare = await run_bare(posts, limit)
    print(f"  Pivot outbox:      {ours['rate']:6.1f} msg/s  ({ours['seconds']:.1f} s; "
          f"{ours['rate'] / limit:.1%} of the limit; {ours['requests']} requests; "
          f"{ours['rate_limited']} 429s; failed {ours['failed']:.0f}, unsent {ours['unsent']:.0f}, "
          f"duplicated {ours['duplicated']:.0f})")
    print(f"  bare discord.py:   {bare['rate']:6.1f} msg/s  ({bare['seconds']:.1f} s; "
          f"{bare['rate'] / limit:.1%} of the limit; {bare['rate_limited']} 429s)")
    print(f"  ratio Pivot / bare: {ours['rate'] / bare['rate']:.2f}   "
          f"target: ≥ 95% of the limit, 0 failed, 0 duplicated")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000, help="posts to deliver (default 2000)")
    parser.add_argument("--limit", type=float, default=50.0, help="the fake's global limit, req/s")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.posts, args.limit))


if __name__ == "__main__":
    main()
