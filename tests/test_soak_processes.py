"""Soak (issue 12, item 7): real `python -m bot run` processes on one PostgreSQL database,
against the fake Discord, Slack and Kaggle, while a simulated clock walks 14 days.

200 communities (half Discord servers, half Slack workspaces) have their channels set, daily
challenges on, members with daily or weekly check-ins, buddy opt-ins with weekly rounds, and a
quarter of them a Kaggle feed. The processes follow the shared clock (`clock.source =
"database"`, bot/core/clockstate.py): the test moves it two hours at a time (inside the
3-hour grace window, so nothing due is skipped), waits until every process has run its due
ticks at the new time, then until the outbox is drained (no row due or leased). Every outbox row the processes write must reach exactly one platform message, counted
at the fakes by our outbox id (Discord message nonce, Slack message metadata).

1. Two processes: 0 duplicates, 0 missing.
2. The same with one process SIGKILLed mid-send at three random points (seeded, printed) and
   restarted: 0 missing; duplicates only where the platform has no idempotency (Discord private
   thread creation; Slack, whose history lookup should find every post in flight) and never
   more than the killed process's sends in flight, counted and asserted per kill.
3. A slow platform (every call takes 3 s, longer than the 2 s lease) with two processes: 0
   duplicates. Fewer communities and days: at 3 s a call the full scale would take hours.

PostgreSQL only: several processes share the store through PostgreSQL's row locks.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time as monotonic
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.slack.sender import DISCUSSION_PART
from bot.core.clockstate import caught_up, set_shared_offset
from bot.core.db import make_engine, make_session_factory
from bot.core.outbox import OutboxMessage
from bot.core.tenancy import CommunityChannel, ensure_community, ensure_member
from bot.features.buddies import service as buddies
from bot.features.challenges import service as challenges
from bot.features.checkins import service as checkins
from bot.features.kaggle.service import WELCOME_LIMIT
from tests.fakes import discord as fake_discord
from tests.fakes.discord import FakeDiscord
from tests.fakes.kaggle import FakeKaggle, make_competition
from tests.fakes.slack import FakeSlack
from tests.processes import BotProcess

pytestmark = pytest.mark.skipif(
    os.environ.get("PIVOT_TEST_DB", "sqlite") != "postgresql",
    reason="several bot processes share one store through PostgreSQL (row locks, SKIP LOCKED)",
)

START = datetime(2027, 1, 4, 0, 0, tzinfo=UTC)  # a Monday in January: no DST change for 14 days
STEP = timedelta(hours=2)  # within the 3-hour grace window: nothing due is skipped
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "America/Los_Angeles")
CHECKIN_DAILY = time(18, 0)
CHECKIN_WEEKLY = time(8, 30)
WEEKDAYS = {0, 1, 2, 3, 4}  # challenges on the default days, Monday to Friday
REVEAL = time(20, 0)  # Slack communities reveal at 20:00; Discord ones when the next one is posted
IN_FLIGHT = 8  # outbox.concurrency of every process
LEASE_SECONDS = "2"
STEP_WAIT = 120.0  # seconds a step may take before the test gives up


# --- processes ----------------------------------------------------------------------------------


def bot_env(database_url: str, discord: FakeDiscord, slack: FakeSlack, kaggle: FakeKaggle) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "KAGGLE_"))}
    return env | {
        "PIVOT_DATABASE_URL": database_url,
        "PIVOT_CLOCK_SOURCE": "database",
        "PIVOT_CLOCK_POLL_SECONDS": "0.05",
        # Ticks follow the simulated clock; the wall-clock cadence only adds a run at start.
        "PIVOT_SCHEDULER_TICK_SECONDS": "3600",
        "PIVOT_OUTBOX_CONCURRENCY": str(IN_FLIGHT),
        "PIVOT_OUTBOX_LEASE_SECONDS": LEASE_SECONDS,
        "PIVOT_HTTP_HOST": "127.0.0.1",
        "PIVOT_HTTP_PORT": "0",
        "PIVOT_LOGGING_LEVEL": "INFO",
        "PIVOT_DISCORD_TOKEN": discord.token,
        "PIVOT_DISCORD_API_URL": discord.api_url,
        "PIVOT_DISCORD_GATEWAY_URL": discord.gateway_url,
        "PIVOT_DISCORD_SYNC_COMMANDS": "false",
        "PIVOT_DISCORD_GLOBAL_RATE_LIMIT": "500",
        "PIVOT_SLACK_BOT_TOKEN": "xoxb-soak",
        "PIVOT_SLACK_SIGNING_SECRET": "soak-signing-secret",
        "PIVOT_SLACK_API_URL": slack.base_url,
        "PIVOT_KAGGLE_API_URL": kaggle.base_url,
        "KAGGLE_USERNAME": "soak",
        "KAGGLE_KEY": "soak-kaggle-key",
    }


# --- the communities ----------------------------------------------------------------------------


@dataclass
class Plan:
    """What was seeded, and what the features must therefore post (cheap expectations)."""

    start: datetime
    end: datetime
    communities: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → facts
    daily: dict[int, str] = field(default_factory=dict)  # member id → time zone
    weekly: dict[int, tuple[str, int]] = field(default_factory=dict)  # member id → (zone, weekday)


def local_days(zone: str, at: time, start: datetime, end: datetime,
               weekdays: set[int] | None = None) -> set[date]:
    """The local days (of `weekdays`, when given) whose `at` falls in (start, end]."""
    tz = ZoneInfo(zone)
    day, last, days = start.astimezone(tz).date() - timedelta(days=1), end.astimezone(tz).date(), set()
    while day <= last:
        moment = datetime.combine(day, at, tzinfo=tz)
        if start < moment <= end and (weekdays is None or day.weekday() in weekdays):
            days.add(day)
        day += timedelta(days=1)
    return days


def occurrences(zone: str, at: time, start: datetime, end: datetime, weekday: int | None = None) -> int:
    return len(local_days(zone, at, start, end, None if weekday is None else {weekday}))


def slack_user(n: int) -> str:
    """A Slack user id whose last two characters differ from every other's: the fake names a
    group DM after them, and two groups must not share one conversation."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"U{n:05d}{digits[n // 36 % 36]}{digits[n % 36]}"


async def seed(engine: AsyncEngine, discord: FakeDiscord, communities: int, start: datetime,
               days: int) -> Plan:
    """Seed through the features' services, as the admins' and members' commands would."""
    plan = Plan(start, start + timedelta(days=days))
    factory = make_session_factory(engine)
    async with factory() as session:
        for i in range(communities):
            platform = "discord" if i % 2 == 0 else "slack"
            zone = ZONES[i % len(ZONES)]
            external = str(820000000000000000 + i) if platform == "discord" else f"T{i:05d}"
            community = await ensure_community(
                session, platform, external, f"Soak {i}", timezone=zone,
                challenge_time=time(7 + i % 4, 30 if i % 3 else 0),
            )
            purposes = ["challenge", "checkins", "buddies"] + (["kaggle"] if i % 4 == 0 else [])
            for purpose in purposes:
                channel = (discord.add_channel(f"{purpose}-{i}") if platform == "discord"
                           else f"C{i:04d}{purpose[:3].upper()}")
                session.add(CommunityChannel(community_id=community.id, purpose=purpose,
                                             channel_id=channel, channel_name=purpose))
            if platform == "slack":
                await challenges.set_reveal_time(session, community.id, REVEAL)
            if i % 4 >= 2:  # reminders only where members check in daily
                (await checkins.ensure_settings(session, community)).reminders = 0
            for j in range(3):
                user = discord.member(f"s{i}m{j}").id if platform == "discord" else slack_user(i * 3 + j)
                member = await ensure_member(session, community, user, f"Member {i}.{j}")
                if j == 0 and i % 4 < 2:
                    await checkins.set_schedule(session, member, frequency="daily", at=CHECKIN_DAILY,
                                                timezone=zone, weekday=None, now=start)
                    plan.daily[member.id] = zone
                elif j < 2:
                    await checkins.set_schedule(session, member, frequency="weekly", at=CHECKIN_WEEKLY,
                                                timezone=zone, weekday=(i + j) % 7, now=start)
                    plan.weekly[member.id] = (zone, (i + j) % 7)
                await buddies.join(session, community, member, buddies.ProfileChanges(), now=start)
            await buddies.set_schedule(session, community, now=start, cadence_weeks=1,
                                       weekday=(i + 2) % 7, at=time(10, 0))
            plan.communities[community.id] = {
                "platform": platform, "zone": zone, "kaggle": "kaggle" in purposes,
                "challenge_time": community.challenge_time,
            }
        await session.commit()
    return plan


def kaggle_competitions(start: datetime) -> list[dict[str, Any]]:
    return [
        make_competition(f"soak-{n}", f"Soak {n}", category, start + timedelta(days=deadline_days))
        for n, (category, deadline_days) in enumerate(
            [("Getting Started", 30), ("Featured", 6), ("Playground", 12), ("Featured", 40)])
    ]


# --- counting at the fakes --------------------------------------------------------------------

NONCE = re.compile(r"pv(\d+)([.ft])(\d+)")


def discord_parts(fake: FakeDiscord) -> Counter[tuple[int, int]]:
    """Messages created per (outbox id, part), from their nonces (`pv<id>.<part>`, `pv<id>f<part>`;
    a discussion's opening message, `pv<id>t0`, counts as part -1 as on Slack)."""
    copies: Counter[tuple[int, int]] = Counter()
    for message in fake.posted():
        found = NONCE.fullmatch(str(message.get("nonce") or ""))
        if found:
            row, marker, part = found.groups()
            copies[(int(row), -1 if marker == "t" else int(part))] += 1
    return copies


def slack_parts(fake: FakeSlack) -> Counter[tuple[int, int]]:
    copies: Counter[tuple[int, int]] = Counter()
    for message in fake.all_posted():
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if "outbox_id" in payload:
            copies[(int(payload["outbox_id"]), int(payload.get("part", 0)))] += 1
    return copies


def sends(discord: FakeDiscord, slack: FakeSlack) -> int:
    return len(discord.post_times) + sum(len(v) for v in slack.post_times.values())


def private_threads(fake: FakeDiscord) -> int:
    return sum(1 for c in fake.calls if c.method == "POST" and c.path.endswith("/threads")
               and (c.json or {}).get("type") == 12)


def slack_thread_openers(fake: FakeSlack) -> Counter[tuple[str, str]]:
    """Discussion openers (thread replies carrying part -1 in their metadata) per (channel, thread)."""
    return Counter((str(c["channel"]), str(c["thread_ts"])) for c in fake.calls_to("chat.postMessage")
                   if c.get("thread_ts")
                   and ((c.get("metadata") or {}).get("event_payload") or {}).get("part") == DISCUSSION_PART)


@dataclass
class Tally:
    rows: dict[int, tuple[str, str, str]]  # id → (platform, kind, dedupe key)
    statuses: Counter[str]
    copies: Counter[int]  # outbox id → messages carrying its part 0
    duplicates: dict[str, int]  # platform → extra messages (any part)
    missing: list[int]
    extra_threads: int  # Discord private threads beyond one per group post
    extra_openers: int  # Slack discussion openers beyond one per thread

    def keys(self, prefix: str) -> Counter[int]:
        """Rows per community whose dedupe key starts with `prefix:` (`challenge`, …)."""
        return Counter(int(key.split(":")[1]) for _, _, key in self.rows.values()
                       if key.split(":")[0] == prefix)


async def tally(engine: AsyncEngine, discord: FakeDiscord, slack: FakeSlack) -> Tally:
    async with make_session_factory(engine)() as session:
        result = await session.execute(select(OutboxMessage.id, OutboxMessage.platform, OutboxMessage.kind,
                                              OutboxMessage.dedupe_key, OutboxMessage.status))
        rows, statuses = {}, Counter[str]()
        for row_id, platform, kind, key, status in result.all():
            rows[row_id] = (platform, kind, key)
            statuses[status] += 1
    parts = {"discord": discord_parts(discord), "slack": slack_parts(slack)}
    copies: Counter[int] = Counter()
    for counted in parts.values():
        for (row_id, part), n in counted.items():
            if part == 0:
                copies[row_id] += n
    groups = sum(1 for platform, kind, _ in rows.values() if platform == "discord" and kind == "group")
    return Tally(
        rows=rows,
        statuses=statuses,
        copies=copies,
        duplicates={p: sum(n - 1 for n in counted.values() if n > 1) for p, counted in parts.items()},
        missing=sorted(i for i in rows if copies[i] == 0),
        extra_threads=private_threads(discord) - groups,
        extra_openers=sum(n - 1 for n in slack_thread_openers(slack).values()),
    )


# --- the walk -------------------------------------------------------------------------------------


class Soak:
    def __init__(self, database_url: str, engine: AsyncEngine, discord: FakeDiscord, slack: FakeSlack,
                 kaggle: FakeKaggle, logs: Path) -> None:
        self.database_url = database_url
        self.engine = engine
        self.factory = make_session_factory(engine)
        self.discord, self.slack, self.kaggle = discord, slack, kaggle
        self.logs = logs
        self.bots: list[BotProcess] = []
        self.offset = timedelta()
        self.steps = 0
        self.waited = {"ticks": 0.0, "drain": 0.0}
        self.sends_before_step = 0  # wall seconds spent waiting, over all steps
        # (when, competition): added to the fake Kaggle once the clock passes `when`.
        self.new_competitions: list[tuple[datetime, dict[str, Any]]] = []

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def set_clock(self, when: datetime) -> None:
        self.offset = timedelta(seconds=round((when - datetime.now(UTC)).total_seconds()))
        async with self.factory() as session, session.begin():
            await set_shared_offset(session, self.offset)

    def bot(self) -> BotProcess:
        bot = BotProcess(bot_env(self.database_url, self.discord, self.slack, self.kaggle),
                  self.logs / f"bot{len(self.bots)}.log")
        self.bots.append(bot)
        return bot

    def alive(self) -> int:
        return sum(1 for b in self.bots if b.alive)

    async def _until(self, check: Callable[[], Awaitable[bool]], what: str, within: float = STEP_WAIT) -> None:
        deadline = monotonic.monotonic() + within
        while not await check():
            if monotonic.monotonic() > deadline:
                tails = "\n".join(f"--- {b.log.name}\n{b.log.read_text()[-2500:]}" for b in self.bots)
                raise AssertionError(f"timed out waiting for {what} (sim {self.now():%a %d %H:%M})\n{tails}")
            dead = [b for b in self.bots if b.process is not None and b.process.returncode not in (None, -9)]
            assert not dead, f"a bot process exited: {dead[0].log.read_text()[-3000:]}"
            await asyncio.sleep(0.02)

    async def caught_up(self) -> None:
        async def check() -> bool:
            async with self.factory() as session:
                return await caught_up(session, self.offset) >= self.alive()

        await self._until(check, "every process to run its due ticks")

    async def drained(self) -> None:
        async def check() -> bool:
            async with self.factory() as session:
                busy = (await session.execute(
                    select(func.count()).select_from(OutboxMessage).where(or_(
                        OutboxMessage.lease_owner.is_not(None),
                        (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= self.now()),
                    ))
                )).scalar_one()
            return busy == 0

        await self._until(check, "the outbox to drain")

    async def walk(self, start: datetime, until: datetime,
                   during: Callable[[int], Awaitable[None]] | None = None) -> None:
        """Move the clock a STEP at a time from `start` to `until`; each step: every process
        ran its ticks and the outbox drained; `during(step)` (the kills) runs meanwhile."""
        moment = start
        while moment < until:
            moment = min(moment + STEP, until)
            self.steps += 1
            for day, competition in self.new_competitions:
                if day <= moment and competition not in self.kaggle.competitions:
                    self.kaggle.add(competition)
            self.sends_before_step = sends(self.discord, self.slack)
            await self.set_clock(moment)
            began = monotonic.monotonic()
            if during is not None:
                await during(self.steps)  # while the processes run their ticks and send
            await self.caught_up()
            ticked = monotonic.monotonic()
            await self.drained()
            self.waited["ticks"] += ticked - began
            self.waited["drain"] += monotonic.monotonic() - ticked

    async def leased(self) -> dict[str, int]:
        async with self.factory() as session:
            leased = (await session.execute(select(func.count()).select_from(OutboxMessage)
                                            .where(OutboxMessage.lease_owner.is_not(None)))).scalar_one()
            marked = (await session.execute(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.lease_owner.is_not(None), OutboxMessage.sending_at.is_not(None)))).scalar_one()
        return {"leased": int(leased), "marked_sending": int(marked)}

    async def stop_all(self) -> list[int]:
        return [await b.stop() for b in self.bots if b.alive]


async def run_soak(
    database_url: str, tmp_path: Path, *, communities: int, days: int, delay: float = 0.0,
    during: Callable[[Soak, int], Awaitable[None]] | None = None,
) -> tuple[Soak, Tally, Plan, float]:
    began = monotonic.monotonic()
    engine = make_engine(database_url)
    try:
        async with FakeDiscord(delay=delay) as discord, FakeSlack(delay=delay) as slack, \
                FakeKaggle(kaggle_competitions(START)) as kaggle:
            plan = await seed(engine, discord, communities, START, days)
            soak = Soak(database_url, engine, discord, slack, kaggle, tmp_path)
            soak.new_competitions = [
                (START + timedelta(days=2, hours=5), make_competition(
                    "soak-new-1", "Soak new 1", "Featured", START + timedelta(days=9))),
                (START + timedelta(days=8, hours=13), make_competition(
                    "soak-new-2", "Soak new 2", "Getting Started", START + timedelta(days=60))),
            ]
            await soak.set_clock(START)
            for bot in (soak.bot(), soak.bot()):
                await bot.start()
            await soak.caught_up()
            await soak.drained()
            await soak.walk(START, plan.end, None if during is None else lambda step: during(soak, step))
            codes = await soak.stop_all()
            assert all(c == 0 for c in codes), codes
            result = await tally(engine, discord, slack)
    finally:
        await engine.dispose()
    return soak, result, plan, monotonic.monotonic() - began


def report(name: str, soak: Soak, result: Tally, wall: float) -> None:
    kinds = Counter(key.split(":")[0] for _, _, key in result.rows.values())
    platforms = Counter(platform for platform, _, _ in result.rows.values())
    print(f"\n{name}: {len(result.rows)} posts ({dict(platforms)}), by kind {dict(kinds)}; "
          f"statuses {dict(result.statuses)}; duplicates {result.duplicates}; missing {len(result.missing)}; "
          f"extra private threads {result.extra_threads}; extra Slack thread openers {result.extra_openers}; "
          f"{soak.steps} clock steps (waited {soak.waited['ticks']:.0f} s for ticks, {soak.waited['drain']:.0f} s "
          f"for sends); {len(soak.bots)} processes started; wall {wall:.0f} s")


def assert_features(result: Tally, plan: Plan, *, reveal_end: datetime | None = None) -> None:
    """The cheap feature-level expectations: every community's challenges and reveals, every
    member's check-in prompts, a buddy round in every community, every Kaggle feed's posts."""
    end = plan.end
    posts, reveals = result.keys("challenge"), result.keys("challenge-reveal")
    assert set(posts) == set(plan.communities)
    for community_id, facts in plan.communities.items():
        expected = len(local_days(facts["zone"], facts["challenge_time"], plan.start, end, WEEKDAYS))
        assert posts[community_id] == expected, (community_id, posts[community_id], expected)
    # Reveal keys name the post, not the community: count them in total. Slack communities
    # reveal at 20:00 the day of the post, Discord ones when the next challenge is posted.
    expected_reveals = 0
    for f in plan.communities.values():
        days = local_days(f["zone"], f["challenge_time"], plan.start, end, WEEKDAYS)
        expected_reveals += (len(days & local_days(f["zone"], REVEAL, plan.start, end))
                             if f["platform"] == "slack" else len(days) - 1)
    assert sum(reveals.values()) == expected_reveals
    prompts = result.keys("checkin")
    for member_id, zone in plan.daily.items():
        assert prompts[member_id] == occurrences(zone, CHECKIN_DAILY, plan.start, end), member_id
    for member_id, (zone, weekday) in plan.weekly.items():
        assert prompts[member_id] == occurrences(zone, CHECKIN_WEEKLY, plan.start, end, weekday), member_id
    intros = Counter(platform for platform, kind, key in result.rows.values() if key.startswith("buddy-intro:"))
    assert sum(intros.values()) >= len(plan.communities), intros
    kaggle = result.keys("kaggle")
    feeds = [c for c, f in plan.communities.items() if f["kaggle"]]
    assert {c: kaggle[c] for c in feeds} == {c: WELCOME_LIMIT + 2 for c in feeds}


def assert_exactly_once(result: Tally) -> None:
    assert dict(result.statuses) == {"sent": len(result.rows)}, result.statuses
    assert result.missing == []
    assert result.duplicates == {"discord": 0, "slack": 0}
    assert max(result.copies.values()) == 1
    assert result.extra_threads == 0
    assert result.extra_openers == 0


@pytest.fixture(autouse=True)
def _patient_fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fake_discord, "WAIT_SECONDS", STEP_WAIT)


async def test_two_processes_for_200_communities_over_14_days_send_every_post_once(
    database_url: str, tmp_path: Path
) -> None:
    soak, result, plan, wall = await run_soak(database_url, tmp_path, communities=200, days=14)
    report("soak, two processes", soak, result, wall)
    assert_exactly_once(result)
    assert_features(result, plan)


async def test_one_process_killed_three_times_misses_nothing(database_url: str, tmp_path: Path) -> None:
    seed_value = int(os.environ.get("PIVOT_SOAK_SEED", "12"))
    rng = random.Random(seed_value)
    # Three different days, each at a busy hour: some zone's 18:00 check-ins (a few dozen DMs).
    moments = [datetime.combine(START.date(), CHECKIN_DAILY, tzinfo=ZoneInfo(z)).astimezone(UTC)
               for z in ZONES]
    zone_hours = sorted({(m.hour + (1 if m.minute else 0)) % 24 for m in moments})  # the step after
    hours = sorted(24 * day + rng.choice(zone_hours) for day in rng.sample(range(1, 13), 3))
    kill_steps = [-(-hour // (STEP // timedelta(hours=1))) for hour in hours]  # the step reaching it
    kills: list[dict[str, Any]] = []
    print(f"\nseed {seed_value}: SIGKILL at {hours} hours after the start (clock steps {kill_steps})")

    async def during(soak: Soak, step: int) -> None:
        if kill_steps and step == kill_steps[0]:
            kill_steps.pop(0)
            victim = rng.choice([b for b in soak.bots if b.alive])
            wanted = rng.randint(1, 6)
            before = soak.sends_before_step
            for _ in range(2000):  # at most 10 s: kill once `wanted` messages went out in this step
                if sends(soak.discord, soak.slack) - before >= wanted:
                    break
                await asyncio.sleep(0.005)
            sent_in_step = sends(soak.discord, soak.slack) - before
            await victim.kill()
            state = await soak.leased()
            kills.append({"step": step, "at": f"{soak.now():%a %d %b %H:%M}", "victim": soak.bots.index(victim),
                          "sent_in_step_before_kill": sent_in_step, **state})
            await asyncio.sleep(rng.random())
            await soak.bot().start()

    soak, result, plan, wall = await run_soak(database_url, tmp_path, communities=200, days=14, during=during)
    report("soak, SIGKILL ×3", soak, result, wall)
    for kill in kills:
        print(f"  kill: {kill}")
    assert len(kills) == 3
    assert all(k["sent_in_step_before_kill"] > 0 for k in kills), "each kill fell mid-send"
    assert dict(result.statuses) == {"sent": len(result.rows)}, result.statuses
    assert result.missing == []
    # Discord deduplicates messages by nonce: no duplicate message at all. Slack has no
    # idempotency key, but the history lookup finds a post in flight: none expected either.
    assert result.duplicates == {"discord": 0, "slack": 0}
    # Creating a private thread has no nonce: a group post in flight may open a second (empty)
    # thread, a Slack discussion opener in flight may be repeated — never more than in flight.
    assert 0 <= result.extra_threads <= IN_FLIGHT * len(kills)
    assert 0 <= result.extra_openers <= IN_FLIGHT * len(kills)
    assert_features(result, plan)


async def test_two_processes_and_a_platform_slower_than_the_lease_send_each_post_once(
    database_url: str, tmp_path: Path
) -> None:
    soak, result, plan, wall = await run_soak(database_url, tmp_path, communities=8, days=1, delay=3.0)
    report("slow platform (3 s a call), two processes", soak, result, wall)
    assert_exactly_once(result)
