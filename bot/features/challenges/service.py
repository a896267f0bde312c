"""The daily challenge: posting, answering, revealing, practice, streaks and standings.

Platform-free: functions take a session and rows, and return data or raise the
domain errors. Posts and reveals go through the outbox with dedupe keys
(`challenge:{community}:{local date}`, `challenge-reveal:{post}`), and the post
row itself is unique per community and local day, so a tick run twice, late,
after a restart or in two processes posts once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import in_ids, rowcount
from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.messages import Reply, with_thread
from bot.core.outbox import Target, by_dedupe_key, enqueue, retry
from bot.core.tenancy import Community, CommunityChannel, Member, channel_for, present
from bot.features.challenges import rating, review, scores
from bot.features.challenges.bank import ChallengeItem, shuffled
from bot.features.challenges.grading import grade
from bot.features.challenges.models import (
    DEFAULT_DAYS,
    DEFAULT_RAMP,
    NOT_POSTED,
    POST_MISSED,
    POST_OPEN,
    POST_REVEALED,
    POST_SKIPPED,
    ChallengeAttempt,
    ChallengePost,
    ChallengeSettings,
    HintUse,
    PracticeItem,
    TopicRating,
)
from bot.features.challenges.render import RevealStats, daily_post, local_time, reveal_post
from bot.features.challenges.scores import Standing as Standing  # the leaderboard, re-exported
from bot.features.challenges.scores import leaderboard as leaderboard
from bot.features.challenges.selection import (
    NO_REPEAT_DAYS,
    Catalogue,
    daily_item,
    default_catalogue,
    practice_item,
    recent_window,
)
from bot.features.roadmap import service as roadmap
from bot.features.roadmap.milestones import Milestone

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIRST_SOLVERS = 3
MILESTONE_COUNTS = (
    ("basics", 10, "challenge-correct-basics-10"),
    ("math", 20, "challenge-correct-math-20"),
)


def _insert(session: AsyncSession):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _correct_sum() -> ColumnElement[int]:
    return func.coalesce(func.sum(case((ChallengeAttempt.correct.is_(True), 1), else_=0)), 0)


# --- settings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """A community's challenge settings, defaults filled in."""

    days: tuple[str, ...] = tuple(DEFAULT_DAYS.split(","))
    ramp: tuple[int, ...] = tuple(int(x) for x in DEFAULT_RAMP.split(","))
    reveal_time: time | None = None

    def is_challenge_day(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.days

    def target_difficulty(self, day: date) -> int:
        return self.ramp[day.weekday()]


async def _settings_row(session: AsyncSession, community_id: int) -> ChallengeSettings | None:
    return (
        await session.execute(
            select(ChallengeSettings).where(ChallengeSettings.community_id == community_id)
        )
    ).scalar_one_or_none()


async def config(session: AsyncSession, community_id: int) -> Config:
    row = await _settings_row(session, community_id)
    if row is None:
        return Config()
    return Config(
        tuple(row.days.split(",")) if row.days else (),
        tuple(int(x) for x in row.ramp.split(",")),
        row.reveal_time,
    )


async def _editable_settings(session: AsyncSession, community_id: int) -> ChallengeSettings:
    row = await _settings_row(session, community_id)
    if row is None:
        row = ChallengeSettings(community_id=community_id, days=DEFAULT_DAYS, ramp=DEFAULT_RAMP)
        session.add(row)
    return row


def parse_days(text: str) -> tuple[str, ...]:
    """`mon,wed,fri` (or `weekdays`, `daily`) → weekday codes in week order."""
    words = [w.strip().lower()[:3] for w in text.replace(" ", ",").split(",") if w.strip()]
    if text.strip().lower() in {"weekdays", "weekday"}:
        return WEEKDAYS[:5]
    if text.strip().lower() in {"daily", "every", "all", "everyday"}:
        return WEEKDAYS
    unknown = [w for w in words if w not in WEEKDAYS]
    if unknown or not words:
        raise InvalidInput(f"Name days like mon,tue,wed — not '{text.strip()}'.")
    return tuple(d for d in WEEKDAYS if d in words)


async def set_days(session: AsyncSession, community_id: int, text: str) -> tuple[str, ...]:
    days = parse_days(text)
    row = await _editable_settings(session, community_id)
    row.days = ",".join(days)
    return days


def parse_ramp(text: str) -> tuple[int, ...]:
    """Five (Mon–Fri) or seven (Mon–Sun) difficulties 1–5; weekends default to 3."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) not in (5, 7) or not all(p.isdigit() and 1 <= int(p) <= 5 for p in parts):
        raise InvalidInput(
            "Give 5 (Mon–Fri) or 7 (Mon–Sun) difficulties from 1 to 5, like 1,2,3,4,5."
        )
    values = [int(p) for p in parts]
    return tuple(values + [3, 3] if len(values) == 5 else values)


async def set_ramp(session: AsyncSession, community_id: int, text: str) -> tuple[int, ...]:
    ramp = parse_ramp(text)
    row = await _editable_settings(session, community_id)
    row.ramp = ",".join(str(r) for r in ramp)
    return ramp


async def set_reveal_time(session: AsyncSession, community_id: int, when: time | None) -> None:
    row = await _editable_settings(session, community_id)
    row.reveal_time = when


# --- time -------------------------------------------------------------------------------------------


def local_datetime(day: date, at: time, tz: str) -> datetime:
    """`day` at `at` in zone `tz`, as aware UTC (a time skipped by DST lands just after the gap)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_today(community: Community, now: datetime) -> date:
    return now.astimezone(ZoneInfo(community.timezone)).date()


def reveal_due_at(community: Community, cfg: Config, posted_at: datetime) -> datetime | None:
    """The configured reveal time's next occurrence after posting; None = reveal at the next post."""
    if cfg.reveal_time is None:
        return None
    day = posted_at.astimezone(ZoneInfo(community.timezone)).date()
    for offset in range(2):
        candidate = local_datetime(
            day + timedelta(days=offset), cfg.reveal_time, community.timezone
        )
        if candidate > posted_at:
            return candidate
    return local_datetime(day + timedelta(days=2), cfg.reveal_time, community.timezone)


def describe_reveal(community: Community, post: ChallengePost) -> str:
    if post.reveal_at is not None:
        return f"at {local_time(post.reveal_at, community.timezone)}"
    return "when the next challenge is posted"


# --- choosing and posting -----------------------------------------------------------------------------


async def recent_items(session: AsyncSession, community_id: int, day: date) -> set[str]:
    """Items posted in this community within the no-repeat window on either side of `day`."""
    stmt = select(ChallengePost.item_id).where(
        ChallengePost.community_id == community_id,
        ChallengePost.item_id.is_not(None),
        ChallengePost.local_date >= recent_window(day),
        ChallengePost.local_date <= day + timedelta(days=NO_REPEAT_DAYS - 1),
    )
    return {i for i in (await session.execute(stmt)).scalars() if i}


async def choose(
    session: AsyncSession,
    community_id: int,
    day: date,
    cfg: Config,
    catalogue: Catalogue | None = None,
) -> ChallengeItem:
    used = await recent_items(session, community_id, day)
    return daily_item(
        catalogue or default_catalogue(), community_id, day, cfg.target_difficulty(day), used
    )


def post_seed(community_id: int, day: date, item_id: str) -> str:
    """The seed of a post's option order: one order per community, day and item."""
    return f"options:{community_id}:{day.isoformat()}:{item_id}"


def as_posted(item: ChallengeItem, community_id: int, day: date) -> ChallengeItem:
    """The item with its options in the order the community sees on `day` (post, grading, reveal)."""
    return shuffled(item, post_seed(community_id, day, item.id))


def _posted_item(post: ChallengePost, catalogue: Catalogue | None) -> ChallengeItem | None:
    item = (catalogue or default_catalogue()).item(post.item_id or "")
    return None if item is None else as_posted(item, post.community_id, post.local_date)


def item_of(post: ChallengePost, catalogue: Catalogue | None = None) -> ChallengeItem:
    """The post's item, options in the post's order, so letters mean what members saw."""
    item = _posted_item(post, catalogue)
    if item is None:
        raise NotFound("That challenge's question is no longer in the bank.")
    return item


def practice_order(item: ChallengeItem, row: PracticeItem) -> ChallengeItem:
    """A practice item's options in the order its member saw them (one order per practice row)."""
    return shuffled(item, f"practice:{row.community_id}:{row.id}:{item.id}")


async def post_for(session: AsyncSession, community_id: int, day: date) -> ChallengePost | None:
    return (
        await session.execute(
            select(ChallengePost).where(
                ChallengePost.community_id == community_id, ChallengePost.local_date == day
            )
        )
    ).scalar_one_or_none()


async def publish(
    session: AsyncSession,
    community: Community,
    day: date,
    *,
    now: datetime,
    prefix: str,
    catalogue: Catalogue | None = None,
    item_id: str | None = None,
) -> ChallengePost | None:
    """Post community's challenge for local `day`; None when that day already has a post (or a skip).

    The post row is inserted with ON CONFLICT DO NOTHING on (community, day) in the same unit of
    work as the outbox rows, so a concurrent second caller writes nothing at all.
    """
    channel = await channel_for(session, community.id, "challenge")
    if channel is None:
        return None
    cfg = await config(session, community.id)
    chosen = (catalogue or default_catalogue()).item(item_id) if item_id else None
    item = chosen or await choose(session, community.id, day, cfg, catalogue)
    values = {
        "community_id": community.id,
        "local_date": day,
        "status": POST_OPEN,
        "item_id": item.id,
        "topic": item.topic,
        "step": item.step,
        "difficulty": item.difficulty,
        "channel_id": channel,
        "posted_at": now,
        "reveal_at": reveal_due_at(community, cfg, now),
    }
    stmt = (
        _insert(session)(ChallengePost)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["community_id", "local_date"])
        .returning(ChallengePost.id)
    )
    post_id = (await session.execute(stmt)).scalar_one_or_none()
    if post_id is None:
        return None
    post = await session.get(ChallengePost, post_id)
    assert post is not None
    earlier = (
        await session.execute(
            select(ChallengePost)
            .where(
                ChallengePost.community_id == community.id,
                ChallengePost.status == POST_OPEN,
                ChallengePost.id != post.id,
            )
            .order_by(ChallengePost.local_date)
        )
    ).scalars()
    for previous in list(earlier):
        await reveal(session, community, previous, now=now, catalogue=catalogue)
    reply = daily_post(
        as_posted(item, community.id, day),
        post.id,
        day,
        prefix=prefix,
        reveal=describe_reveal(community, post),
    )
    await enqueue(
        session,
        community,
        Target.in_channel(channel),
        reply,
        dedupe_key=f"challenge:{community.id}:{day.isoformat()}",
        now=now,
    )
    log.info("challenge %s posted for community %s on %s", item.id, community.id, day)
    return post


async def due_communities(
    session: AsyncSession, now: datetime, grace: timedelta
) -> list[tuple[Community, date]]:
    """Communities whose challenge is due now, found by a few queries whatever their number.

    Due means: a challenge channel is set, the local day is a challenge day, its challenge
    time has passed less than `grace` ago, and the day has no post (nor a skip) yet. The first
    query lists the time zones in use; then one query per "days ago" (0 = each zone's local
    today; 1 = yesterday, only when the grace window reaches back past a zone's midnight)
    selects exactly the due communities.
    """
    with_channel = and_(
        CommunityChannel.community_id == Community.id, CommunityChannel.purpose == "challenge"
    )
    zones = list(
        (
            await session.execute(
                select(Community.timezone).distinct().join(CommunityChannel, with_channel)
            )
        ).scalars()
    )
    branches: dict[int, list[ColumnElement[bool]]] = {}
    for tz in zones:
        local_now = now.astimezone(ZoneInfo(tz))
        earliest = (now - grace).astimezone(ZoneInfo(tz))
        day = earliest.date()
        while day <= local_now.date():
            conditions = [Community.timezone == tz]
            if day == local_now.date():
                conditions.append(Community.challenge_time <= local_now.time())
            if day == earliest.date():
                conditions.append(Community.challenge_time >= earliest.time())
            weekday = WEEKDAYS[day.weekday()]
            on_day = ChallengeSettings.days.contains(weekday)
            if weekday in DEFAULT_DAYS:
                on_day = or_(ChallengeSettings.id.is_(None), on_day)
            conditions += [
                on_day,
                ~exists().where(
                    ChallengePost.community_id == Community.id, ChallengePost.local_date == day
                ),
            ]
            branches.setdefault((local_now.date() - day).days, []).append(and_(*conditions))
            day += timedelta(days=1)
    due: list[tuple[Community, date]] = []
    for days_ago, conditions in sorted(branches.items(), reverse=True):
        stmt = (
            select(Community)
            .join(CommunityChannel, with_channel)
            .outerjoin(ChallengeSettings, ChallengeSettings.community_id == Community.id)
            .where(or_(*conditions), present(Community.id))
            .order_by(Community.id)
        )
        for community in (await session.execute(stmt)).scalars():
            day = now.astimezone(ZoneInfo(community.timezone)).date() - timedelta(days=days_ago)
            due_at = local_datetime(day, community.challenge_time, community.timezone)
            if due_at <= now <= due_at + grace:  # exact, also across a DST change
                due.append((community, day))
    return due


async def reveal(
    session: AsyncSession,
    community: Community,
    post: ChallengePost,
    *,
    now: datetime,
    catalogue: Catalogue | None = None,
) -> None:
    """Close a post and publish its answer, explanation, results and first solvers."""
    if post.status != POST_OPEN:
        return
    post.status, post.revealed_at = POST_REVEALED, now
    item = _posted_item(post, catalogue)
    if item is None or post.channel_id is None:
        log.warning("post %s closed without a reveal: item %s is gone", post.id, post.item_id)
        return
    totals = (
        await session.execute(
            select(func.count(ChallengeAttempt.id), _correct_sum()).where(
                ChallengeAttempt.community_id == community.id, ChallengeAttempt.post_id == post.id
            )
        )
    ).one()
    solvers = (
        await session.execute(
            select(Member.platform_user_id)
            .join(ChallengeAttempt, ChallengeAttempt.member_id == Member.id)
            .where(
                ChallengeAttempt.community_id == community.id,
                ChallengeAttempt.post_id == post.id,
                ChallengeAttempt.correct.is_(True),
            )
            .order_by(ChallengeAttempt.created_at, ChallengeAttempt.id)
            .limit(FIRST_SOLVERS)
        )
    ).scalars()
    stats = RevealStats(
        answered=int(totals[0]), correct=int(totals[1]), first_solvers=list(solvers)
    )
    await enqueue(
        session,
        community,
        Target.in_channel(post.channel_id),
        discussion(reveal_post(item, post.local_date, stats), post.local_date),
        dedupe_key=f"challenge-reveal:{post.id}",
        now=now,
    )


def discussion(reply: Reply, day: date) -> Reply:
    """The reveal, opening the day's discussion thread: only now, so nobody spoils the answer."""
    return with_thread(
        reply,
        f"Discuss: challenge of {day:%a %d %b}",
        "How did you solve it, and what tripped you up? The answer is out, so spoilers are fine here.",
    )


async def reveal_due(
    session: AsyncSession, now: datetime, catalogue: Catalogue | None = None
) -> int:
    """Reveal every open post whose configured reveal time has come."""
    rows = (
        await session.execute(
            select(ChallengePost, Community)
            .join(Community, Community.id == ChallengePost.community_id)
            .where(
                ChallengePost.status == POST_OPEN,
                ChallengePost.reveal_at.is_not(None),
                ChallengePost.reveal_at <= now,
                present(ChallengePost.community_id),
            )
            .order_by(ChallengePost.id)
        )
    ).all()
    for post, community in rows:
        await reveal(session, community, post, now=now, catalogue=catalogue)
    return len(rows)


async def skip_day(
    session: AsyncSession, community: Community, day: date, *, now: datetime
) -> None:
    """Mark `day` as skipped so nothing is posted; refuses when the challenge is already out."""
    existing = await post_for(session, community.id, day)
    if existing is None:
        stmt = (
            _insert(session)(ChallengePost)
            .values(community_id=community.id, local_date=day, status=POST_SKIPPED, posted_at=now)
            .on_conflict_do_nothing(index_elements=["community_id", "local_date"])
        )
        if rowcount(await session.execute(stmt)):
            return
        existing = await post_for(session, community.id, day)
        assert existing is not None
    if existing.status == POST_SKIPPED:
        raise InvalidInput(f"{day:%A %d %B} is already skipped.")
    raise InvalidInput(
        f"Today's challenge is already posted ({local_time(existing.posted_at, community.timezone)}); "
        "skip-today only stops a post that hasn't gone out."
    )


async def unskip_day(session: AsyncSession, community_id: int, day: date) -> None:
    await session.execute(
        delete(ChallengePost).where(
            ChallengePost.community_id == community_id,
            ChallengePost.local_date == day,
            ChallengePost.status.in_(NOT_POSTED),
        )
    )


async def repost_failed(session: AsyncSession, community: Community, day: date, channel: str,
                        *, now: datetime) -> str | None:
    """When `day`'s challenge post failed to deliver, send it again to `channel` (the admin may
    have fixed the setting) and return why it had failed; None when it did not fail."""
    row = await by_dedupe_key(session, community.id, f"challenge:{community.id}:{day.isoformat()}")
    if row is None or row.status != "failed":
        return None
    reason = row.last_error or "failed"
    await retry(session, community.id, [row.id], now=now, channel=channel)
    return reason


async def record_missed(session: AsyncSession, now: datetime, grace: timedelta,
                        lookback: timedelta = timedelta(days=1)) -> list[tuple[Community, date]]:
    """Days whose challenge time passed beyond the grace window with nothing posted (the bot
    was down): marked missed once, so admins see them and ticks stop considering them."""
    missed = []
    for community, day in await due_communities(session, now - grace, lookback):
        # Only where challenges were already running: a community that just set its channel
        # after today's challenge time has missed nothing.
        earlier = (await session.execute(
            select(ChallengePost.id).where(ChallengePost.community_id == community.id,
                                           ChallengePost.local_date < day).limit(1)
        )).scalar_one_or_none()
        if earlier is not None:
            missed.append((community, day))
    for community, day in missed:
        await session.execute(
            _insert(session)(ChallengePost)
            .values(community_id=community.id, local_date=day, status=POST_MISSED, posted_at=now)
            .on_conflict_do_nothing(index_elements=["community_id", "local_date"])
        )
    return missed


async def missed_days(session: AsyncSession, community_id: int, *, limit: int = 5) -> list[date]:
    return list((await session.execute(
        select(ChallengePost.local_date)
        .where(ChallengePost.community_id == community_id, ChallengePost.status == POST_MISSED)
        .order_by(ChallengePost.local_date.desc()).limit(limit)
    )).scalars())


async def next_post_time(
    session: AsyncSession, community: Community, now: datetime, grace: timedelta = timedelta(0)
) -> tuple[date, datetime] | None:
    """When the next challenge will be posted (None if no challenge day is configured).

    A day whose challenge time passed less than `grace` ago still counts: the tick catches it up.
    """
    cfg = await config(session, community.id)
    today = local_today(community, now)
    taken = set(
        (
            await session.execute(
                select(ChallengePost.local_date).where(
                    ChallengePost.community_id == community.id,
                    ChallengePost.local_date >= today,
                    ChallengePost.local_date <= today + timedelta(days=14),
                )
            )
        ).scalars()
    )
    for offset in range(15):
        day = today + timedelta(days=offset)
        when = local_datetime(day, community.challenge_time, community.timezone)
        if cfg.is_challenge_day(day) and day not in taken and when + grace >= now:
            return day, when
    return None


# --- answering ----------------------------------------------------------------------------------------


async def open_post(session: AsyncSession, community_id: int) -> ChallengePost | None:
    """The community's challenge that can still be answered (the latest unrevealed post)."""
    return (
        await session.execute(
            select(ChallengePost)
            .where(ChallengePost.community_id == community_id, ChallengePost.status == POST_OPEN)
            .order_by(ChallengePost.local_date.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def scoped_post(session: AsyncSession, community_id: int, post_id: int) -> ChallengePost:
    post = (
        await session.execute(
            select(ChallengePost).where(
                ChallengePost.community_id == community_id, ChallengePost.id == post_id
            )
        )
    ).scalar_one_or_none()
    if post is None or post.status in NOT_POSTED:
        raise NotFound("That challenge doesn't exist in this community.")
    return post


async def attempt_of(
    session: AsyncSession, member: Member, post: ChallengePost
) -> ChallengeAttempt | None:
    return (
        await session.execute(
            select(ChallengeAttempt).where(
                ChallengeAttempt.community_id == member.community_id,
                ChallengeAttempt.post_id == post.id,
                ChallengeAttempt.member_id == member.id,
            )
        )
    ).scalar_one_or_none()


@dataclass
class Outcome:
    """What happened when a member answered: enough for the reply, nothing more."""

    item: ChallengeItem
    correct: bool
    given: str
    rating_before: float
    rating_after: float
    streak: int = 0
    milestones: list[Milestone] = field(default_factory=list)


def _already(attempt: ChallengeAttempt) -> NotAllowed:
    verdict = "right" if attempt.correct else "not right"
    return NotAllowed(
        f"You've already answered this challenge ('{attempt.answer}', {verdict}). "
        "One attempt per challenge — the answer comes with the reveal."
    )


async def answer(
    session: AsyncSession,
    member: Member,
    post: ChallengePost,
    raw: str,
    *,
    now: datetime,
    catalogue: Catalogue | None = None,
) -> Outcome:
    """Grade a member's one attempt at a posted challenge.

    Unreadable input raises InvalidInput before anything is stored, so it costs no attempt.
    The unique (post, member) constraint is the last word on "one attempt".
    """
    if post.status != POST_OPEN:
        raise NotAllowed(
            "This challenge is closed and its answer has been revealed. "
            "`challenge today` shows the current one."
        )
    previous = await attempt_of(session, member, post)
    if previous is not None:
        raise _already(previous)
    item = item_of(post, catalogue)
    result = grade(item, raw)
    stmt = (
        _insert(session)(ChallengeAttempt)
        .values(
            community_id=member.community_id,
            post_id=post.id,
            member_id=member.id,
            answer=result.given[:200],
            correct=result.correct,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["post_id", "member_id"])
    )
    if not rowcount(await session.execute(stmt)):
        previous = await attempt_of(session, member, post)
        assert previous is not None
        raise _already(previous)
    if result.correct:
        await scores.record_correct(session, member, post.local_date, now)
    before, after = await update_rating(session, member, item, result.correct, now=now)
    if not result.correct:
        await review.missed(session, member, item.id, now=now)
    outcome = Outcome(item, result.correct, result.given, before, after)
    outcome.streak, _ = await streaks(session, member)
    outcome.milestones = await _milestones(session, member, outcome, now=now)
    return outcome


async def _milestones(
    session: AsyncSession, member: Member, outcome: Outcome, *, now: datetime
) -> list[Milestone]:
    earned: list[Milestone] = []
    if outcome.correct and outcome.item.step in {step for step, _, _ in MILESTONE_COUNTS}:
        count = (
            await session.execute(
                select(func.count(ChallengeAttempt.id))
                .join(ChallengePost, ChallengePost.id == ChallengeAttempt.post_id)
                .where(
                    ChallengeAttempt.community_id == member.community_id,
                    ChallengeAttempt.member_id == member.id,
                    ChallengeAttempt.correct.is_(True),
                    ChallengePost.step == outcome.item.step,
                )
            )
        ).scalar_one()
        for step, needed, key in MILESTONE_COUNTS:
            if step == outcome.item.step and count >= needed:
                milestone = await roadmap.mark_auto(session, member, key, now=now)
                if milestone is not None:
                    earned.append(milestone)
    return earned


# --- ratings ---------------------------------------------------------------------------------------


async def update_rating(
    session: AsyncSession, member: Member, item: ChallengeItem, correct: bool, *, now: datetime
) -> tuple[float, float]:
    row = (
        await session.execute(
            select(TopicRating).where(
                TopicRating.community_id == member.community_id,
                TopicRating.member_id == member.id,
                TopicRating.topic == item.topic,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        row = TopicRating(
            community_id=member.community_id,
            member_id=member.id,
            topic=item.topic,
            rating=rating.START,
            answers=0,
            updated_at=now,
        )
        session.add(row)
    before = row.rating
    row.rating = rating.updated(before, item.difficulty, correct, row.answers)
    row.answers += 1
    row.updated_at = now
    await session.flush()
    return before, row.rating


async def ratings_of(session: AsyncSession, member: Member) -> dict[str, TopicRating]:
    rows = (
        await session.execute(
            select(TopicRating).where(
                TopicRating.community_id == member.community_id, TopicRating.member_id == member.id
            )
        )
    ).scalars()
    return {r.topic: r for r in rows}


@dataclass(frozen=True)
class TopicStrength:
    """A member's standing in one topic: their rating and how many answers it rests on."""

    rating: float
    answers: int


async def topic_strengths(
    session: AsyncSession, community_id: int, member_ids: Sequence[int], topic: str
) -> dict[int, TopicStrength]:
    """Rating and answer count in `topic` of each of these members who has one (others are
    left out: they never answered a challenge in it). For the ask feature's helper routing."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(TopicRating.member_id, TopicRating.rating, TopicRating.answers).where(
            TopicRating.community_id == community_id,
            TopicRating.topic == topic,
            in_ids(session, TopicRating.member_id, member_ids),
        )
    )
    return {int(m): TopicStrength(float(r), int(a or 0)) for m, r, a in rows.all()}


async def topic_leaders(
    session: AsyncSession, community_id: int, topic: str, *, limit: int,
    after: tuple[float, int] | None = None,
) -> list[tuple[int, TopicStrength]]:
    """Members by rating in `topic`, highest first (ties: lower member id first), `limit` at a
    time: `after` is the (rating, member id) of the last one already read. An index range, so
    reading the top of a topic costs the same whatever the community's size."""
    stmt = select(TopicRating.member_id, TopicRating.rating, TopicRating.answers).where(
        TopicRating.community_id == community_id, TopicRating.topic == topic)
    if after is not None:
        stmt = stmt.where(or_(TopicRating.rating < after[0],
                              and_(TopicRating.rating == after[0], TopicRating.member_id > after[1])))
    rows = await session.execute(
        stmt.order_by(TopicRating.rating.desc(), TopicRating.member_id).limit(limit))
    return [(int(m), TopicStrength(float(r), int(a or 0))) for m, r, a in rows.all()]


# --- practice ----------------------------------------------------------------------------------------


async def start_practice(
    session: AsyncSession,
    member: Member,
    *,
    topic: str | None,
    difficulty: int | None,
    now: datetime,
    catalogue: Catalogue | None = None,
) -> tuple[PracticeItem, ChallengeItem]:
    """Hand the member an ungraded item near their level on `topic` (or a topic of our choosing)."""
    cat = catalogue or default_catalogue()
    if topic is not None and topic not in cat.topics:
        raise NotFound(
            f"There are no practice questions on {topic} yet. Topics: {', '.join(cat.topics)}."
        )
    serial = (
        await session.execute(
            select(func.count(PracticeItem.id)).where(
                PracticeItem.community_id == member.community_id,
                PracticeItem.member_id == member.id,
            )
        )
    ).scalar_one()
    seen = set(
        (
            await session.execute(
                select(PracticeItem.item_id).where(
                    PracticeItem.community_id == member.community_id,
                    PracticeItem.member_id == member.id,
                    PracticeItem.created_at >= now - timedelta(days=NO_REPEAT_DAYS),
                )
            )
        ).scalars()
    )
    # Never the open daily challenge: practice shows the explanation.
    open_items = {
        item_id
        for item_id in (
            await session.execute(
                select(ChallengePost.item_id).where(
                    ChallengePost.community_id == member.community_id,
                    ChallengePost.status == POST_OPEN,
                )
            )
        ).scalars()
        if item_id is not None
    }
    ratings = await ratings_of(session, member)
    chosen_topic = topic
    if chosen_topic is None:
        chosen_topic = random.Random(f"practice-topic:{member.id}:{serial}").choice(cat.topics)
    target = difficulty
    if target is None:
        current = ratings.get(chosen_topic)
        target = rating.level(current.rating if current else rating.START)
    item = practice_item(cat, member.id, serial, chosen_topic, target, seen | open_items)
    if item is None:
        raise NotFound(
            f"You've practised every {chosen_topic} question lately — try another --topic."
        )
    row = PracticeItem(
        community_id=member.community_id,
        member_id=member.id,
        item_id=item.id,
        topic=item.topic,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row, practice_order(item, row)


async def practice_belongs_to(session: AsyncSession, member: Member, practice_id: int) -> bool:
    """False when the practice question exists in this community but was served to someone else."""
    owner_id = (
        await session.execute(
            select(PracticeItem.member_id).where(
                PracticeItem.community_id == member.community_id, PracticeItem.id == practice_id
            )
        )
    ).scalar_one_or_none()
    return owner_id is None or owner_id == member.id


async def practice_by_id(session: AsyncSession, member: Member, practice_id: int) -> PracticeItem:
    row = (
        await session.execute(
            select(PracticeItem).where(
                PracticeItem.community_id == member.community_id, PracticeItem.id == practice_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("That practice question doesn't exist.")
    if row.member_id != member.id:
        raise NotAllowed(
            "That practice question is someone else's — `challenge practice` gets you your own."
        )
    return row


async def latest_practice(session: AsyncSession, member: Member) -> PracticeItem:
    row = (
        await session.execute(
            select(PracticeItem)
            .where(
                PracticeItem.community_id == member.community_id,
                PracticeItem.member_id == member.id,
            )
            .order_by(PracticeItem.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if row is None or row.answered_at is not None:
        raise NotFound(
            "You have no practice question waiting — `challenge practice` gives you one."
        )
    return row


async def answer_practice(
    session: AsyncSession,
    member: Member,
    row: PracticeItem,
    raw: str,
    *,
    now: datetime,
    catalogue: Catalogue | None = None,
) -> Outcome:
    if row.answered_at is not None:
        raise NotAllowed(
            "You've answered that practice question — `challenge practice` gives you another."
        )
    item = (catalogue or default_catalogue()).item(row.item_id)
    if item is None:
        raise NotFound("That practice question is no longer in the bank.")
    item = practice_order(item, row)
    result = grade(item, raw)
    row.answer, row.correct, row.answered_at = result.given[:200], result.correct, now
    before, after = await update_rating(session, member, item, result.correct, now=now)
    if not result.correct:
        await review.missed(session, member, item.id, now=now)
    return Outcome(item, result.correct, result.given, before, after)


# --- hints and reviews -------------------------------------------------------------------------------


NO_HINT = "This question has no hint — work from the prompt; the explanation comes with the answer."


async def use_hint(
    session: AsyncSession,
    member: Member,
    item: ChallengeItem,
    *,
    now: datetime,
    post: ChallengePost | None = None,
    practice: PracticeItem | None = None,
) -> str:
    """The item's hint, recording its first use per question (grading never looks at it)."""
    if not item.hint:
        raise NotFound(NO_HINT)
    where = (
        HintUse.post_id == post.id if post is not None
        else HintUse.practice_id == (practice.id if practice is not None else -1)
    )
    used = (
        await session.execute(
            select(HintUse.id).where(
                HintUse.community_id == member.community_id, HintUse.member_id == member.id, where
            ).limit(1)
        )
    ).scalar_one_or_none()
    if used is None:
        session.add(HintUse(
            community_id=member.community_id, member_id=member.id, item_id=item.id,
            post_id=post.id if post is not None else None,
            practice_id=practice.id if practice is not None else None, created_at=now,
        ))
        await session.flush()
    return item.hint


async def hints_used(session: AsyncSession, member: Member) -> int:
    return int((await session.execute(
        select(func.count(HintUse.id)).where(
            HintUse.community_id == member.community_id, HintUse.member_id == member.id
        )
    )).scalar_one())


async def reviews_due(session: AsyncSession, member: Member, now: datetime) -> int:
    """How many of the member's spaced reviews are due now (for the check-in DM)."""
    return await review.due_count(session, member, now)


async def reviews_due_by_member(
    session: AsyncSession, member_ids: Sequence[int], now: datetime
) -> dict[int, int]:
    """Spaced reviews due now for many members at once (check-in prompts are sent in batches)."""
    return await review.due_counts(session, member_ids, now)


# --- progress -------------------------------------------------------------------------------------------


async def streaks(session: AsyncSession, member: Member) -> tuple[int, int]:
    """(current, best) runs of consecutive challenge days answered, right or wrong.

    The community's posts are the challenge days: days without a post (non-challenge days,
    days the admins skipped, days before a channel was set) neither count nor break a run.
    The still-open latest challenge does not break the current run before it is revealed.
    """
    posts = (
        await session.execute(
            select(ChallengePost.id, ChallengePost.status)
            .where(
                ChallengePost.community_id == member.community_id,
                ChallengePost.status.not_in(NOT_POSTED),
            )
            .order_by(ChallengePost.local_date)
        )
    ).all()
    answered = set(
        (
            await session.execute(
                select(ChallengeAttempt.post_id).where(
                    ChallengeAttempt.community_id == member.community_id,
                    ChallengeAttempt.member_id == member.id,
                )
            )
        ).scalars()
    )
    run = best = 0
    for index, (post_id, status) in enumerate(posts):
        if post_id in answered:
            run += 1
            best = max(best, run)
        elif not (index == len(posts) - 1 and status == POST_OPEN):
            run = 0
    return run, best


@dataclass(frozen=True)
class TopicStats:
    topic: str
    answered: int
    correct: int
    rating: float | None


@dataclass(frozen=True)
class Stats:
    answered: int
    correct: int
    streak: int
    best_streak: int
    practised: int
    topics: Sequence[TopicStats]


async def stats(session: AsyncSession, member: Member) -> Stats:
    rows = (
        await session.execute(
            select(ChallengePost.topic, func.count(ChallengeAttempt.id), _correct_sum())
            .join(ChallengePost, ChallengePost.id == ChallengeAttempt.post_id)
            .where(
                ChallengeAttempt.community_id == member.community_id,
                ChallengeAttempt.member_id == member.id,
            )
            .group_by(ChallengePost.topic)
        )
    ).all()
    graded = {topic: (int(n), int(ok)) for topic, n, ok in rows if topic is not None}
    ratings = await ratings_of(session, member)
    topics = sorted(set(graded) | set(ratings))
    per_topic = [
        TopicStats(t, *graded.get(t, (0, 0)), ratings[t].rating if t in ratings else None)
        for t in topics
    ]
    practised = (
        await session.execute(
            select(func.count(PracticeItem.id)).where(
                PracticeItem.community_id == member.community_id,
                PracticeItem.member_id == member.id,
                PracticeItem.answered_at.is_not(None),
            )
        )
    ).scalar_one()
    current, best = await streaks(session, member)
    return Stats(
        answered=sum(n for n, _ in graded.values()),
        correct=sum(ok for _, ok in graded.values()),
        streak=current,
        best_streak=best,
        practised=int(practised),
        topics=per_topic,
    )
