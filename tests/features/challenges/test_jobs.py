"""The daily post: exactly once per community per local challenge day, whatever the ticks do."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage
from bot.features.challenges import service
from bot.features.challenges.models import NOT_POSTED, POST_MISSED, POST_REVEALED, ChallengePost
from tests.features.challenges import factories

TICK = "challenges.post"
# (external id, zone, challenge time, challenge days or None for the default Mon–Fri)
COMMUNITIES = (
    ("nyc", "America/New_York", time(9, 0), None),  # DST starts Sun 2026-03-08
    ("tokyo", "Asia/Tokyo", time(8, 0), None),  # posts at 23:00 UTC the day before
    ("berlin", "Europe/Berlin", time(18, 45), "mon,wed,fri,sat"),
)


def _expected(tz: str, at: time, days: str | None, start: datetime, end: datetime) -> set[date]:
    wanted = set((days or "mon,tue,wed,thu,fri").split(","))
    out = set()
    day = start.astimezone(ZoneInfo(tz)).date()
    while day <= end.astimezone(ZoneInfo(tz)).date():
        due = datetime.combine(day, at, tzinfo=ZoneInfo(tz))
        if service.WEEKDAYS[day.weekday()] in wanted and start <= due <= end:
            out.add(day)
        day += timedelta(days=1)
    return out


async def test_two_weeks_three_zones_one_post_per_challenge_day(
    app: App, clock: ManualClock
) -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    end = start + timedelta(days=14)
    clock.set(start)
    async with app.session_factory() as session:
        ids = {}
        for external, tz, at, days in COMMUNITIES:
            row = await factories.community(session, external, tz=tz, at=at)
            if days:
                await service.set_days(session, row.id, days)
            ids[external] = row.id
        silent = await factories.community(session, "no-channel", channel=None)
        await session.commit()

    # The walk visits, on every day of the two weeks (weekends included), a minute before and
    # (twice) the minute of each community's local challenge time. Stepping minute by minute
    # shows the same and takes minutes.
    moments: dict[datetime, int] = {}
    for _, tz, at, _ in COMMUNITIES:
        day = start.astimezone(ZoneInfo(tz)).date()
        while day <= end.astimezone(ZoneInfo(tz)).date():
            due = datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)
            for offset, runs in ((-1, 1), (0, 2)):
                if start <= due + timedelta(minutes=offset) <= end:
                    moments[due + timedelta(minutes=offset)] = runs
            day += timedelta(days=1)
    for moment in sorted(moments):
        clock.set(moment)
        for _ in range(moments[moment]):  # twice at the posting minute: still one post
            await app.scheduler.run_tick(TICK)

    async with app.session_factory() as session:
        posts = list(
            (await session.execute(select(ChallengePost).order_by(ChallengePost.id))).scalars()
        )
        keys = await factories.outbox_keys(session)
    assert all(p.community_id != silent.id for p in posts)
    for external, tz, at, days in COMMUNITIES:
        mine = [p for p in posts if p.community_id == ids[external]]
        expected = _expected(tz, at, days, start, end)
        assert sorted(p.local_date for p in mine) == sorted(expected), external
        for p in mine:
            local = p.posted_at.astimezone(ZoneInfo(tz))
            # Posted at the local challenge time (within one walk step), on both sides of DST.
            assert local.date() == p.local_date
            assert local.time() == at, (external, local)
            assert keys.count(f"challenge:{ids[external]}:{p.local_date.isoformat()}") == 1
        # Every post but the last was revealed when the next one went out, once.
        assert [p.status for p in mine[:-1]] == [POST_REVEALED] * (len(mine) - 1)
        assert (
            Counter(k for k in keys if k.startswith("challenge-reveal:")).most_common(1)[0][1] == 1
        )
        assert len({p.item_id for p in mine}) == len(mine)
    nyc = [p for p in posts if p.community_id == ids["nyc"]]
    # The DST change moved the UTC posting hour, not the local one.
    assert {p.posted_at.hour for p in nyc if p.local_date < date(2026, 3, 8)} == {14}
    assert {p.posted_at.hour for p in nyc if p.local_date > date(2026, 3, 8)} == {13}
    tokyo = [p for p in posts if p.community_id == ids["tokyo"]]
    assert tokyo[0].local_date == date(2026, 3, 2) and tokyo[0].posted_at.date() == date(2026, 3, 1)


async def _count_posts(app: App) -> tuple[int, int]:
    async with app.session_factory() as session:
        posts = len(list((await session.execute(
            select(ChallengePost).where(ChallengePost.status.not_in(NOT_POSTED)))).scalars()))
        outbox = len(await factories.outbox_keys(session, "challenge:"))
    return posts, outbox


async def test_restart_and_second_process_at_the_posting_minute(
    app: App, clock: ManualClock, settings: Settings
) -> None:
    async with app.session_factory() as session:
        await factories.community(session, "c", at=time(9, 0))
        await session.commit()
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await app.scheduler.run_tick(TICK)
    # The process restarts within the same minute: a fresh App on the same database.
    second = App(settings, clock=clock)
    try:
        await second.scheduler.run_tick(TICK)
        assert await _count_posts(app) == (1, 1)
        # Next day, two processes tick at the same moment.
        clock.set(datetime(2026, 3, 3, 9, 0, 30, tzinfo=UTC))
        await asyncio.gather(app.scheduler.run_tick(TICK), second.scheduler.run_tick(TICK))
        await asyncio.gather(app.scheduler.run_tick(TICK), second.scheduler.run_tick(TICK))
    finally:
        await second.close()
    assert await _count_posts(app) == (2, 2)


async def test_late_tick_catches_up_within_grace_only(app: App, clock: ManualClock) -> None:
    async with app.session_factory() as session:
        await factories.community(session, "c", at=time(9, 0))
        await session.commit()
    # Down from before 09:00 until 11:30: still within the three-hour grace, so it posts.
    clock.set(datetime(2026, 3, 2, 11, 30, tzinfo=UTC))
    await app.scheduler.run_tick(TICK)
    assert await _count_posts(app) == (1, 1)
    # Down all Tuesday morning, back at 12:30: too stale, Tuesday gets no post …
    clock.set(datetime(2026, 3, 3, 12, 30, tzinfo=UTC))
    await app.scheduler.run_tick(TICK)
    assert await _count_posts(app) == (1, 1)
    # … and is recorded as missed, for admins.
    async with app.session_factory() as session:
        missed = list((await session.execute(
            select(ChallengePost.local_date).where(ChallengePost.status == POST_MISSED))).scalars())
    assert [d.day for d in missed] == [3]


async def test_posting_just_before_midnight_survives_the_date_change(
    app: App, clock: ManualClock
) -> None:
    async with app.session_factory() as session:
        row = await factories.community(session, "late", tz="Europe/Berlin", at=time(23, 50))
        await session.commit()
    # Berlin 23:50 on Monday is 22:50 UTC; the bot is back at Tuesday 00:30 Berlin time.
    clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    await app.scheduler.run_tick(TICK)
    async with app.session_factory() as session:
        posts = list((await session.execute(select(ChallengePost))).scalars())
    assert [(p.community_id, p.local_date) for p in posts] == [(row.id, date(2026, 3, 2))]


async def test_skip_today_and_post_now(app: App, clock: ManualClock) -> None:
    async with app.session_factory() as session:
        row = await factories.community(session, "c", at=time(9, 0))
        await service.skip_day(session, row, date(2026, 3, 2), now=clock.now())
        await session.commit()
    clock.set(datetime(2026, 3, 2, 9, 5, tzinfo=UTC))
    await app.scheduler.run_tick(TICK)
    assert await _count_posts(app) == (0, 0)  # only the skip marker: no post, nothing sent
    async with app.session_factory() as session:
        assert await service.open_post(session, row.id) is None
        outbox = list((await session.execute(select(OutboxMessage))).scalars())
    assert outbox == []


async def test_a_challenge_time_skipped_by_dst_posts_just_after_the_gap(
    app: App, clock: ManualClock
) -> None:
    """02:30 does not exist in New York on 2026-03-08; that day's post goes out at 03:30 EDT."""
    async with app.session_factory() as session:
        row = await factories.community(session, "ny", tz="America/New_York", at=time(2, 30))
        await service.set_days(session, row.id, "daily")
        await session.commit()
    for day in (7, 8, 9):
        for hour in range(5, 10):
            clock.set(datetime(2026, 3, day, hour, 30, tzinfo=UTC))
            await app.scheduler.run_tick(TICK)
    async with app.session_factory() as session:
        posts = list(
            (
                await session.execute(select(ChallengePost).order_by(ChallengePost.local_date))
            ).scalars()
        )
    local = [p.posted_at.astimezone(ZoneInfo("America/New_York")) for p in posts]
    assert [p.local_date.day for p in posts] == [7, 8, 9]
    assert [f"{t:%H:%M}" for t in local] == ["02:30", "03:30", "02:30"]


async def test_scheduled_posts_hint_commands_the_way_the_platform_types_them(
    app: App, clock: ManualClock
) -> None:
    """The console community's post says `challenge answer`; once an adapter with a prefix is
    attached for that platform, its hints carry the prefix (as `/pivot …` on Slack)."""
    async with app.session_factory() as session:
        await factories.community(session, "c", at=time(9, 0))
        await session.commit()
    app.prefixes["console"] = "/pivot "
    clock.set(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC))
    await app.scheduler.run_tick(TICK)
    async with app.session_factory() as session:
        payload = (await session.execute(select(OutboxMessage.payload))).scalar_one()
    hints = " ".join(filter(None, [payload["text"], payload["footer"]]))
    assert "`/pivot challenge answer" in hints
