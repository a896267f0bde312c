"""Check-ins: schedules, answers, streaks, stats, reports and digests. Platform-free.

Rules (what members see in `checkin show` and help):
- A period runs from one prompt until the next scheduled prompt. An answer any time in
  the period counts (and may be changed); when the next period starts, an unanswered one
  becomes *missed*.
- The streak counts consecutive periods answered *Done* or *Some progress*. *Missed* and
  *Blocked* end it. *Skip today*, pauses and vacations neither break nor extend it.
- A written answer without a button counts as *Some progress*.
- A streak that spans four weeks (28 days from its first prompt to the end of its last
  period) checks the roadmap's "consistent study habit" milestone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.tenancy import Community, Member
from bot.features.checkins.models import ANSWERS, CheckinPeriod, CheckinSchedule, CheckinSettings
from bot.features.checkins.timing import Rule, iso_week, local_date, next_occurrence

STREAK_STATUSES = frozenset({"done", "progress"})
NEUTRAL_STATUSES = frozenset({"skipped", "paused"})
# Four weeks, less the hour a DST change can take out of them.
HABIT_SPAN = timedelta(days=28) - timedelta(hours=1)
HABIT_KEY = "checkin-streak-4w"
MAX_PAUSE_DAYS = 366
# "Anything blocking you?" answered with a shrug is not a blocker for the digest.
NO_BLOCKERS = frozenset({"", "no", "none", "nope", "nothing", "n/a", "na", "-", "all good"})


def rule_of(schedule: CheckinSchedule) -> Rule:
    return Rule(
        schedule.frequency,
        schedule.local_time,
        schedule.timezone,
        schedule.weekday,
        schedule.paused_until,
    )


async def schedule_of(session: AsyncSession, member: Member) -> CheckinSchedule | None:
    return (
        await session.execute(
            select(CheckinSchedule).where(
                CheckinSchedule.community_id == member.community_id,
                CheckinSchedule.member_id == member.id,
            )
        )
    ).scalar_one_or_none()


async def require_schedule(
    session: AsyncSession, member: Member, prefix: str = ""
) -> CheckinSchedule:
    schedule = await schedule_of(session, member)
    if schedule is None:
        raise NotFound(
            f"You have no check-in schedule yet. Start with `{prefix}checkin schedule daily 18:00`."
        )
    return schedule


async def set_schedule(
    session: AsyncSession,
    member: Member,
    *,
    frequency: str,
    at: time,
    timezone: str,
    weekday: int | None,
    now: datetime,
) -> CheckinSchedule:
    if frequency == "weekly" and weekday is None:
        raise InvalidInput("Weekly check-ins need a day, like `--day fri`.")
    if frequency != "weekly" and weekday is not None:
        raise InvalidInput(
            f"--day is only for weekly check-ins; {frequency} ones come every matching day."
        )
    schedule = await schedule_of(session, member)
    if schedule is None:
        schedule = CheckinSchedule(
            community_id=member.community_id,
            member_id=member.id,
            share=False,
            current_streak=0,
            best_streak=0,
            missed_run=0,
            created_at=now,
        )
        session.add(schedule)
    schedule.frequency, schedule.local_time, schedule.timezone = frequency, at, timezone
    schedule.weekday = weekday
    schedule.active, schedule.paused_until = True, None
    schedule.next_due_at = next_occurrence(rule_of(schedule), now)
    schedule.updated_at = now
    await session.flush()
    return schedule


async def _excuse_open_period(session: AsyncSession, schedule: CheckinSchedule) -> None:
    """Pausing or stopping closes an unanswered period as excused rather than missed."""
    period = await current_period(session, schedule)
    if period is not None and period.status == "open":
        period.status, period.remind_at = "paused", None


async def pause(
    session: AsyncSession, member: Member, *, days: int | None, until: date | None, now: datetime
) -> CheckinSchedule:
    schedule = await require_schedule(session, member)
    if (days is None) == (until is None):
        example = (local_date(now, schedule.timezone) + timedelta(days=7)).isoformat()
        raise InvalidInput(f"Say how long: `--days 7` or `--until {example}` (one of them). "
                           "`--until friday` and `--until in 2 weeks` work too.")
    if not schedule.active:
        raise InvalidInput("Your check-ins are off; `checkin schedule …` turns them on again.")
    today = local_date(now, schedule.timezone)
    if days is not None:
        if not 1 <= days <= MAX_PAUSE_DAYS:
            raise InvalidInput(f"--days must be between 1 and {MAX_PAUSE_DAYS}.")
        back = today + timedelta(days=days)
    else:
        assert until is not None
        if until < today:
            raise InvalidInput(f"--until {until.isoformat()} is in the past.")
        if until > today + timedelta(days=MAX_PAUSE_DAYS):
            raise InvalidInput(f"Pauses last at most {MAX_PAUSE_DAYS} days.")
        back = until + timedelta(days=1)
    schedule.paused_until = back
    schedule.next_due_at = next_occurrence(rule_of(schedule), now)
    schedule.updated_at = now
    await _excuse_open_period(session, schedule)
    return schedule


async def resume(session: AsyncSession, member: Member, *, now: datetime) -> CheckinSchedule:
    schedule = await require_schedule(session, member)
    if not schedule.active:
        raise InvalidInput("Your check-ins are off; `checkin schedule …` turns them on again.")
    if not is_paused(schedule, now):
        raise InvalidInput("Your check-ins aren't paused.")
    schedule.paused_until = None
    schedule.next_due_at = next_occurrence(rule_of(schedule), now)
    schedule.updated_at = now
    return schedule


async def switch_off(session: AsyncSession, member: Member, *, now: datetime) -> CheckinSchedule:
    schedule = await require_schedule(session, member)
    if not schedule.active:
        raise InvalidInput("Your check-ins are already off.")
    schedule.active, schedule.next_due_at, schedule.paused_until = False, None, None
    schedule.updated_at = now
    await _excuse_open_period(session, schedule)
    return schedule


async def set_share(
    session: AsyncSession, member: Member, share: bool, *, now: datetime
) -> CheckinSchedule:
    schedule = await require_schedule(session, member)
    schedule.share, schedule.updated_at = share, now
    return schedule


def is_paused(schedule: CheckinSchedule, now: datetime) -> bool:
    return (
        schedule.active
        and schedule.paused_until is not None
        and schedule.paused_until > local_date(now, schedule.timezone)
    )


async def current_period(session: AsyncSession, schedule: CheckinSchedule) -> CheckinPeriod | None:
    if schedule.current_period_id is None:
        return None
    return await session.get(CheckinPeriod, schedule.current_period_id)


# --- answers and streaks ------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    period: CheckinPeriod
    schedule: CheckinSchedule
    habit_milestone: str | None = None


async def period_belongs_to(session: AsyncSession, member: Member, period_id: int) -> bool:
    """False when the check-in exists in this community but was sent to someone else."""
    owner_id = (
        await session.execute(
            select(CheckinPeriod.member_id).where(
                CheckinPeriod.community_id == member.community_id, CheckinPeriod.id == period_id
            )
        )
    ).scalar_one_or_none()
    return owner_id is None or owner_id == member.id


async def blocker_of(session: AsyncSession, member: Member, period_id: int) -> str | None:
    """The blocker this member raised in one of their check-ins (for "Ask the community")."""
    return (
        await session.execute(
            select(CheckinPeriod.blockers).where(
                CheckinPeriod.community_id == member.community_id,
                CheckinPeriod.member_id == member.id,
                CheckinPeriod.id == period_id,
            )
        )
    ).scalar_one_or_none()


async def period_for_answer(
    session: AsyncSession, member: Member, period_id: int
) -> tuple[CheckinPeriod, CheckinSchedule]:
    """The period a button names, if it is the member's own and still open for answers."""
    period = await session.get(CheckinPeriod, period_id)
    if period is None or period.community_id != member.community_id:
        raise NotFound("That check-in doesn't exist any more.")
    if period.member_id != member.id:
        raise NotAllowed("That check-in belongs to someone else.")
    schedule = await require_schedule(session, member)
    if period.status == "paused":
        raise InvalidInput("That check-in closed when you paused; the next one will ask again.")
    if schedule.current_period_id != period.id or period.status == "missed":
        raise InvalidInput(
            "That check-in has closed — the next one has started. Answer the newest one."
        )
    return period, schedule


async def open_period(
    session: AsyncSession, member: Member, prefix: str = ""
) -> tuple[CheckinPeriod, CheckinSchedule]:
    """The member's current period, for `checkin log`."""
    schedule = await require_schedule(session, member, prefix)
    period = await current_period(session, schedule)
    if period is None or period.status in {"missed", "paused"}:
        raise InvalidInput("There's no open check-in right now; your next one will ask you.")
    return period, schedule


async def answer(
    session: AsyncSession,
    member: Member,
    period: CheckinPeriod,
    schedule: CheckinSchedule,
    *,
    status: str | None = None,
    did: str | None = None,
    next_plan: str | None = None,
    blockers: str | None = None,
    now: datetime,
) -> AnswerResult:
    """Record (or change) the answer of an open period and bring the streak up to date."""
    if blockers is not None and blockers.strip().lower().rstrip(".!") in NO_BLOCKERS:
        blockers = None
    if status is not None and status not in ANSWERS:
        raise InvalidInput(f"Unknown answer '{status}'.")
    if status is not None:
        period.status = status
    elif period.status == "open":
        period.status = "progress"
    if did:
        period.did = did if not period.did else f"{period.did}\n{did}"
    if next_plan:
        period.next_plan = next_plan
        schedule.last_plan = next_plan
    if blockers:
        period.blockers = blockers if not period.blockers else f"{period.blockers}\n{blockers}"
    period.answered_at, period.remind_at = now, None
    schedule.missed_run, schedule.missed_since, schedule.updated_at = 0, None, now
    await session.flush()
    streak, span = await compute_streak(session, member)
    schedule.current_streak = streak
    schedule.best_streak = max(schedule.best_streak, streak)
    milestone = None
    if span >= HABIT_SPAN:
        from bot.features.roadmap import service as roadmap

        earned = await roadmap.mark_auto(session, member, HABIT_KEY, now=now)
        milestone = earned.title if earned is not None else None
    return AnswerResult(period, schedule, milestone)


async def compute_streak(session: AsyncSession, member: Member) -> tuple[int, timedelta]:
    """(periods in the current streak, time from its first prompt to the end of its last period)."""
    rows = (
        await session.execute(
            select(CheckinPeriod.status, CheckinPeriod.starts_at, CheckinPeriod.ends_at)
            .where(
                CheckinPeriod.community_id == member.community_id,
                CheckinPeriod.member_id == member.id,
            )
            .order_by(CheckinPeriod.starts_at.desc())
        )
    ).all()
    count, first, last = 0, None, None
    for index, (status, starts_at, ends_at) in enumerate(rows):
        if status in STREAK_STATUSES:
            count += 1
            first = starts_at
            last = last or ends_at
        elif status in NEUTRAL_STATUSES or status == "open" and index == 0:
            continue
        else:
            break
    span = last - first if first is not None and last is not None else timedelta(0)
    return count, span


# --- stats, history and reports --------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    current: int
    best: int
    counts: Counter[str]
    recent_answered: int
    recent_total: int


async def member_stats(
    session: AsyncSession, member: Member, schedule: CheckinSchedule, *, now: datetime
) -> Stats:
    rows = (
        await session.execute(
            select(CheckinPeriod.status, func.count())
            .where(
                CheckinPeriod.community_id == member.community_id,
                CheckinPeriod.member_id == member.id,
            )
            .group_by(CheckinPeriod.status)
        )
    ).all()
    counts: Counter[str] = Counter({status: n for status, n in rows})
    since = now - timedelta(weeks=4)
    recent = (
        await session.execute(
            select(CheckinPeriod.status, func.count())
            .where(
                CheckinPeriod.community_id == member.community_id,
                CheckinPeriod.member_id == member.id,
                CheckinPeriod.starts_at >= since,
                CheckinPeriod.status.notin_(["paused", "skipped"]),
            )
            .group_by(CheckinPeriod.status)
        )
    ).all()
    # The open period is still answerable, so it is not counted against anyone yet.
    answered = sum(n for status, n in recent if status in {"done", "progress", "blocked"})
    total = sum(n for status, n in recent if status != "open")
    return Stats(schedule.current_streak, schedule.best_streak, counts, answered, total)


async def history(session: AsyncSession, member: Member, *, start: date) -> dict[date, str]:
    """Local date → status of the member's periods since `start`."""
    rows = (
        await session.execute(
            select(CheckinPeriod.local_date, CheckinPeriod.status).where(
                CheckinPeriod.community_id == member.community_id,
                CheckinPeriod.member_id == member.id,
                CheckinPeriod.local_date >= start,
            )
        )
    ).all()
    return {day: status for day, status in rows}


@dataclass(frozen=True)
class WeekRow:
    week: str
    prompted: int
    answered: int
    members: int

    @property
    def rate(self) -> float:
        return self.answered / self.prompted if self.prompted else 0.0


async def participation(
    session: AsyncSession, community: Community, *, start: date, end: date
) -> list[WeekRow]:
    """Per ISO week (of the members' local dates): prompts, answers and members prompted.

    Counted in the database (grouped by day and status; distinct members per week), so a
    large community's report never loads its periods into Python.
    """
    counted = CheckinPeriod.status.notin_(["paused", "skipped"])
    in_range = (
        CheckinPeriod.community_id == community.id,
        CheckinPeriod.local_date >= start,
        CheckinPeriod.local_date < end,
        counted,
    )
    rows = (
        await session.execute(
            select(CheckinPeriod.local_date, CheckinPeriod.status, func.count())
            .where(*in_range)
            .group_by(CheckinPeriod.local_date, CheckinPeriod.status)
        )
    ).all()
    weeks: dict[str, list[date]] = {}
    day = start
    while day < end:
        weeks.setdefault(iso_week(day), []).append(day)
        day += timedelta(days=1)
    tallies = {week: [0, 0] for week in weeks}
    for day, status, count in rows:
        tally = tallies[iso_week(day)]
        tally[0] += count
        tally[1] += count if status in {"done", "progress", "blocked"} else 0
    out = []
    for week, days in weeks.items():
        members = (
            await session.execute(
                select(func.count(func.distinct(CheckinPeriod.member_id))).where(
                    *in_range[:1],
                    counted,
                    CheckinPeriod.local_date >= days[0],
                    CheckinPeriod.local_date <= days[-1],
                )
            )
        ).scalar_one()
        out.append(WeekRow(week, tallies[week][0], tallies[week][1], members))
    return out


async def settings_of(session: AsyncSession, community: Community) -> CheckinSettings | None:
    return (
        await session.execute(
            select(CheckinSettings).where(CheckinSettings.community_id == community.id)
        )
    ).scalar_one_or_none()


async def ensure_settings(session: AsyncSession, community: Community) -> CheckinSettings:
    row = await settings_of(session, community)
    if row is None:
        row = CheckinSettings(community_id=community.id, reminders=1, reminder_delay_minutes=240)
        session.add(row)
        await session.flush()
    return row


@dataclass(frozen=True)
class Digest:
    week: str
    members: int
    answered_members: int
    prompted: int
    answered: int
    streaks: list[tuple[str, int]]
    blockers: list[tuple[str, str]]
    private_blocked: int
    # Open questions some helper's topics cover: (number, title, topic, helpers), from `ask`.
    open_questions: tuple[tuple[int, str, str, int], ...] = ()


async def build_digest(
    session: AsyncSession, community: Community, *, start: datetime, end: datetime, week: str
) -> Digest:
    """What the weekly digest says about periods that started in [start, end).

    Names (streaks, blockers) come only from members who turned sharing on; everyone
    counts in the anonymous participation numbers.
    """
    rows = (
        await session.execute(
            select(
                CheckinPeriod.member_id,
                CheckinPeriod.status,
                CheckinPeriod.blockers,
                CheckinSchedule.share,
                Member.platform_user_id,
            )
            .join(CheckinSchedule, CheckinSchedule.member_id == CheckinPeriod.member_id)
            .join(Member, Member.id == CheckinPeriod.member_id)
            .where(
                CheckinPeriod.community_id == community.id,
                CheckinPeriod.starts_at >= start,
                CheckinPeriod.starts_at < end,
                CheckinPeriod.status.notin_(["paused", "skipped", "open"]),
            )
            .order_by(CheckinPeriod.starts_at)
        )
    ).all()
    members: set[int] = set()
    answered_members: set[int] = set()
    prompted = answered = private_blocked = 0
    blockers: list[tuple[str, str]] = []
    for member_id, status, text, share, user_id in rows:
        members.add(member_id)
        prompted += 1
        if status in {"done", "progress", "blocked"}:
            answered += 1
            answered_members.add(member_id)
        if status == "blocked" or text:
            if share:
                blockers.append((user_id, text or "blocked (no details given)"))
            else:
                private_blocked += 1
    streak_rows = (
        await session.execute(
            select(Member.platform_user_id, CheckinSchedule.current_streak)
            .join(Member, Member.id == CheckinSchedule.member_id)
            .where(
                CheckinSchedule.community_id == community.id,
                CheckinSchedule.share.is_(True),
                CheckinSchedule.active.is_(True),
                CheckinSchedule.current_streak > 0,
            )
            .order_by(CheckinSchedule.current_streak.desc(), Member.display_name)
            .limit(5)
        )
    ).all()
    return Digest(
        week,
        len(members),
        len(answered_members),
        prompted,
        answered,
        [(u, s) for u, s in streak_rows],
        blockers,
        private_blocked,
    )
