"""Joining, leaving and pausing mock-interview rounds; availability parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotFound
from bot.core.tenancy import Community, Member, member_timezone
from bot.features.mock.models import DAYS, LEVELS, TYPES, MockProfile

_WINDOW_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
MAX_WINDOWS = 6
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_windows(text: str) -> tuple[tuple[time, time], ...]:
    """`18:00-20:00,07:00-08:30` → local windows (one may run past midnight: 22:00-01:00)."""
    windows: list[tuple[time, time]] = []
    for part in (p.strip() for p in text.split(",")):
        found = _WINDOW_RE.fullmatch(part)
        if (
            not found
            or int(found[1]) > 23
            or int(found[3]) > 24
            or int(found[2]) > 59
            or int(found[4]) > 59
            or (int(found[3]) == 24 and int(found[4]) != 0)
        ):
            raise InvalidInput(f"--windows must look like 18:00-20:00,07:00-08:30 — not '{part[:40]}'.")
        start = time(int(found[1]), int(found[2]))
        end = time(int(found[3]) % 24, int(found[4]))
        if start == end:
            raise InvalidInput(f"The window {part} is empty.")
        windows.append((start, end))
    if len(windows) > MAX_WINDOWS:
        raise InvalidInput(f"Give at most {MAX_WINDOWS} availability windows.")
    return tuple(windows)


def parse_days(text: str) -> tuple[int, ...]:
    """`mon,wed` → weekday numbers (0 = Monday); `all` or `every` means every day."""
    words = [w for w in re.split(r"[,\s]+", text.strip().lower()) if w]
    if words in (["all"], ["every"], ["daily"]):
        return ()
    unknown = [w for w in words if len(w) < 3 or not any(f.startswith(w) for f in _FULL_DAYS)]
    if not words or unknown:
        raise InvalidInput(
            f"--days takes days like mon,wed,sat — not '{(unknown or [text])[0][:20]}'."
        )
    return tuple(sorted({DAYS.index(w[:3]) for w in words}))


def windows_of(profile: MockProfile) -> tuple[tuple[time, time], ...]:
    return parse_windows(profile.windows) if profile.windows else ()


def days_of(profile: MockProfile) -> tuple[int, ...]:
    return tuple(DAYS.index(d) for d in profile.days.split(",") if d)


def describe_availability(profile: MockProfile) -> str:
    days = ", ".join(d.capitalize() for d in profile.days.split(",") if d) or "every day"
    return f"{days}: {profile.windows.replace(',', ', ')} ({profile.timezone})"


def is_eligible(profile: MockProfile, on: date) -> bool:
    """Opted in and not paused on `on` (a pause with --until ends on that date)."""
    if not profile.active:
        return False
    return not profile.paused or (profile.paused_until is not None and profile.paused_until <= on)


async def get_profile(session: AsyncSession, member: Member) -> MockProfile | None:
    return (
        await session.execute(
            select(MockProfile).where(
                MockProfile.community_id == member.community_id,
                MockProfile.member_id == member.id,
            )
        )
    ).scalar_one_or_none()


async def own_profile(session: AsyncSession, member: Member) -> MockProfile:
    profile = await get_profile(session, member)
    if profile is None or not profile.active:
        raise NotFound("You haven't joined mock interviews. Start with `mock join --type ml-coding --windows 18:00-20:00`.")
    return profile


@dataclass(frozen=True)
class JoinOptions:
    interview_type: str
    level: str | None = None
    windows: str | None = None
    days: str | None = None
    tz: str | None = None


async def join(
    session: AsyncSession, community: Community, member: Member, options: JoinOptions, *, now: datetime
) -> tuple[MockProfile, bool]:
    """Opt in (or back in, updating the profile). Returns (profile, newly_joined).

    Everything is validated before anything is written: a join without availability
    (no --windows and none stored) is refused."""
    if options.interview_type not in TYPES:
        raise InvalidInput(f"--type must be one of {', '.join(TYPES)}.")
    if options.level is not None and options.level not in LEVELS:
        raise InvalidInput(f"--level must be one of {', '.join(LEVELS)}.")
    windows = parse_windows(options.windows) if options.windows is not None else None
    days = parse_days(options.days) if options.days is not None else None
    profile = await get_profile(session, member)
    if windows is None and (profile is None or not profile.windows):
        raise InvalidInput(
            "Tell me when you can interview: add --windows 18:00-20:00 (your local time), "
            "optionally --days mon,wed."
        )
    newly = profile is None or not profile.active
    if profile is None:
        profile = MockProfile(
            community_id=community.id,
            member_id=member.id,
            interview_type=options.interview_type,
            level=0,
            timezone=member_timezone(community, member),
            days="",
            windows="",
            active=True,
            paused=False,
            no_show_streak=0,
            created_at=now,
        )
        session.add(profile)
    profile.interview_type = options.interview_type
    if options.level is not None:
        profile.level = LEVELS.index(options.level)
    if options.tz is not None:
        profile.timezone = options.tz
    if windows is not None:
        profile.windows = ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in windows)
    if days is not None:
        profile.days = ",".join(DAYS[d] for d in days)
    profile.active, profile.paused, profile.paused_until = True, False, None
    profile.no_show_streak = 0
    profile.updated_at = now
    await session.flush()
    return profile, newly


async def pause(
    session: AsyncSession, member: Member, *, until: date | None, today: date, now: datetime
) -> MockProfile:
    profile = await own_profile(session, member)
    if until is not None and until <= today:
        raise InvalidInput(f"--until {until.isoformat()} is not in the future.")
    profile.paused, profile.paused_until, profile.updated_at = True, until, now
    return profile


async def leave(session: AsyncSession, member: Member, *, now: datetime) -> None:
    """Opt out of future rounds (history and feedback are kept; `mock join` comes back)."""
    profile = await own_profile(session, member)
    profile.active, profile.updated_at = False, now
