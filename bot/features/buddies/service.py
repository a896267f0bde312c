"""Study buddies: profiles, blocks, rounds, groups, rematches and the meet follow-up.

Platform-free. The pairing itself is `matching.match`; this module decides who is
in a round's pool, which pairs are blocked or recent, stores the groups and puts
intros and follow-ups in the outbox.

Public service for other features (check-ins):
    current_buddies(session, member) -> list[Member]
    create_group(session, community, members, *, now, round_id=None) -> BuddyGroup

Rounds: a community's `BuddySettings.next_round_at` is the next slot (weekday and
time in community time, at least `cadence_weeks` after the last round). The tick
runs every community whose slot has passed; the round key
`buddies:{community}:{local date}` makes a round happen once per day however often
it is asked for (tick, second process, `admin buddies run-now`).

Rematch (`buddy rematch`, or "Rematch me" on the follow-up): the member is put on a
waiting list. If another member is already waiting and the two may be paired (not
blocked, not paired in the last K rounds), they are grouped and introduced at once.
Otherwise the member keeps their current buddy until the next round, which gives
everybody a new buddy anyway; the list is cleared when a round runs.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from types import ModuleType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import rowcount
from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, Member, channel_for, member_timezone
from bot.features.buddies import intro
from bot.features.buddies.models import (
    ANSWERS,
    DAYS,
    DEFAULT_CADENCE_WEEKS,
    DEFAULT_DAY,
    DEFAULT_NO_REPEAT_ROUNDS,
    DEFAULT_TIME,
    LEVELS,
    BuddyBlock,
    BuddyGroup,
    BuddyGroupMember,
    BuddyProfile,
    BuddyRound,
    BuddySettings,
)
from bot.features.challenges.bank import TOPICS
from bot.features.roadmap import service as roadmap
from bot.features.roadmap.milestones import STEPS, Milestone

if TYPE_CHECKING:
    from bot.features.buddies.matching import Profile


def _matching() -> ModuleType:
    """The matcher, imported on first use: numpy and rustworkx load only when a round is matched."""
    from bot.features.buddies import matching

    return matching

FOLLOWUP_AFTER = timedelta(days=3)
FOCUS_CHOICES: tuple[str, ...] = (*STEPS, *TOPICS)
MAX_FOCUS = 8
_WINDOW_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


# --------------------------------------------------------------------------- parsing


def parse_focus(text: str) -> frozenset[str]:
    """`math,projects` or `linear-algebra probability` → a set of known steps / topics."""
    words = [w for w in re.split(r"[,\s]+", text.strip().lower()) if w]
    unknown = [w for w in words if w not in FOCUS_CHOICES]
    if unknown:
        raise InvalidInput(
            f"Unknown focus '{unknown[0]}'. Use roadmap steps ({', '.join(STEPS)}) "
            "or challenge topics like linear-algebra, probability, metrics."
        )
    if len(set(words)) > MAX_FOCUS:
        raise InvalidInput(f"Pick at most {MAX_FOCUS} focus areas.")
    return frozenset(words)


def parse_windows(text: str) -> tuple[tuple[time, time], ...]:
    """`07:00-09:00,19:00-22:00` → local daily windows (a window may run past midnight)."""
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
            raise InvalidInput(
                f"--windows must look like 07:00-09:00,19:00-22:00 — not '{part[:40]}'."
            )
        start = time(int(found[1]), int(found[2]))
        end = time(int(found[3]) % 24, int(found[4]))
        if start == end and int(found[3]) != 24:
            raise InvalidInput(f"The window {part} is empty.")
        windows.append((start, end))
    if len(windows) > 6:
        raise InvalidInput("Give at most 6 availability windows.")
    return tuple(windows)


def format_windows(windows: str) -> str:
    return windows.replace(",", ", ") if windows else "08:00-22:00 (default)"


def _windows_of(profile: BuddyProfile) -> tuple[tuple[time, time], ...]:
    return parse_windows(profile.windows) if profile.windows else ()


def focus_of(profile: BuddyProfile) -> frozenset[str]:
    return frozenset(f for f in profile.focus.split(",") if f)


def to_profile(profile: BuddyProfile) -> Profile:
    """The matching's view of a stored profile."""
    return _matching().Profile(
        member_id=profile.member_id,
        tz=profile.timezone,
        level=profile.level,
        focus=focus_of(profile),
        hours_per_week=profile.hours_per_week,
        group_size=profile.group_size,
        windows=_windows_of(profile),
    )


def is_eligible(profile: BuddyProfile, on: date) -> bool:
    """Opted in and not paused on `on` (a pause with --until ends on that date)."""
    if not profile.active:
        return False
    return not profile.paused or (profile.paused_until is not None and profile.paused_until <= on)


# --------------------------------------------------------------------------- profiles


async def get_profile(session: AsyncSession, member: Member) -> BuddyProfile | None:
    return (
        await session.execute(
            select(BuddyProfile).where(
                BuddyProfile.community_id == member.community_id,
                BuddyProfile.member_id == member.id,
            )
        )
    ).scalar_one_or_none()


async def own_profile(session: AsyncSession, member: Member) -> BuddyProfile:
    profile = await get_profile(session, member)
    if profile is None or not profile.active:
        raise NotFound("You haven't joined study buddies. Start with `buddy join`.")
    return profile


@dataclass(frozen=True)
class ProfileChanges:
    """Options of `buddy join` / `buddy profile`; None means "leave as is"."""

    tz: str | None = None
    level: str | None = None
    focus: str | None = None
    hours: int | None = None
    size: int | None = None
    windows: str | None = None

    @property
    def empty(self) -> bool:
        return all(
            v is None
            for v in (self.tz, self.level, self.focus, self.hours, self.size, self.windows)
        )


def _apply(profile: BuddyProfile, changes: ProfileChanges) -> None:
    if changes.tz is not None:
        profile.timezone = changes.tz
    if changes.level is not None:
        profile.level = LEVELS.index(changes.level)
    if changes.focus is not None:
        cleared = changes.focus.strip().lower() in {"none", "-"}
        profile.focus = "" if cleared else ",".join(sorted(parse_focus(changes.focus)))
    if changes.hours is not None:
        profile.hours_per_week = changes.hours
    if changes.size is not None:
        if changes.size not in (2, 3):
            raise InvalidInput("--size must be 2 or 3.")
        profile.group_size = changes.size
    if changes.windows is not None:
        cleared = changes.windows.strip().lower() in {"none", "-", "default"}
        profile.windows = (
            ""
            if cleared
            else ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in parse_windows(changes.windows))
        )


async def join(
    session: AsyncSession,
    community: Community,
    member: Member,
    changes: ProfileChanges,
    *,
    now: datetime,
) -> tuple[BuddyProfile, bool]:
    """Opt in (or back in, keeping the old profile). Returns (profile, newly_joined)."""
    profile = await get_profile(session, member)
    newly = profile is None or not profile.active
    if profile is None:
        profile = BuddyProfile(
            community_id=community.id,
            member_id=member.id,
            timezone=member_timezone(community, member),
            level=0,
            focus="",
            hours_per_week=3,
            group_size=2,
            windows="",
            active=True,
            paused=False,
            created_at=now,
        )
        session.add(profile)
    profile.active, profile.paused, profile.paused_until = True, False, None
    _apply(profile, changes)
    profile.updated_at = now
    await session.flush()
    await settings_for(session, community, now=now)
    return profile, newly


async def edit_profile(
    session: AsyncSession, member: Member, changes: ProfileChanges, *, now: datetime
) -> BuddyProfile:
    profile = await own_profile(session, member)
    _apply(profile, changes)
    profile.updated_at = now
    return profile


async def pause(
    session: AsyncSession, member: Member, *, until: date | None, today: date, now: datetime
) -> BuddyProfile:
    profile = await own_profile(session, member)
    if until is not None and until <= today:
        raise InvalidInput(f"--until {until.isoformat()} is not in the future.")
    profile.paused, profile.paused_until, profile.updated_at = True, until, now
    profile.rematch_requested_at = None
    return profile


async def resume(session: AsyncSession, member: Member, *, now: datetime) -> BuddyProfile:
    profile = await own_profile(session, member)
    profile.paused, profile.paused_until, profile.updated_at = False, None, now
    return profile


async def leave(session: AsyncSession, member: Member, *, now: datetime) -> None:
    """Opt out of future rounds and step out of the current group (history is kept)."""
    profile = await own_profile(session, member)
    profile.active, profile.rematch_requested_at, profile.updated_at = False, None, now
    await _leave_current(session, member, now)


async def block(session: AsyncSession, member: Member, other: Member, *, now: datetime) -> bool:
    """Never group the two again. Silent: nothing is sent to `other`. False if already blocked."""
    if other.id == member.id:
        raise InvalidInput("You can't block yourself.")
    if other.community_id != member.community_id:
        raise NotFound("No such member here.")
    exists = (
        await session.execute(
            select(BuddyBlock.id).where(
                BuddyBlock.community_id == member.community_id,
                BuddyBlock.member_id == member.id,
                BuddyBlock.blocked_id == other.id,
            )
        )
    ).scalar_one_or_none()
    if exists is not None:
        return False
    session.add(
        BuddyBlock(
            community_id=member.community_id,
            member_id=member.id,
            blocked_id=other.id,
            created_at=now,
        )
    )
    current = await current_group(session, member)
    if current is not None and other.id in await _current_member_ids(session, current):
        await _leave_current(session, member, now)
    await session.flush()
    return True


async def blocked_pairs(session: AsyncSession, community_id: int) -> set[frozenset[int]]:
    rows = await session.execute(
        select(BuddyBlock.member_id, BuddyBlock.blocked_id).where(
            BuddyBlock.community_id == community_id
        )
    )
    return {frozenset(r) for r in rows}


async def _is_blocked(session: AsyncSession, community_id: int, a: int, b: int) -> bool:
    found = (
        await session.execute(
            select(BuddyBlock.id)
            .where(
                BuddyBlock.community_id == community_id,
                or_(
                    and_(BuddyBlock.member_id == a, BuddyBlock.blocked_id == b),
                    and_(BuddyBlock.member_id == b, BuddyBlock.blocked_id == a),
                ),
            )
            .limit(1)
        )
    ).scalar_one_or_none()
    return found is not None


# --------------------------------------------------------------------------- groups


async def current_group(session: AsyncSession, member: Member) -> BuddyGroup | None:
    """The member's latest group they have not stepped out of."""
    return (
        await session.execute(
            select(BuddyGroup)
            .join(BuddyGroupMember, BuddyGroupMember.group_id == BuddyGroup.id)
            .where(
                BuddyGroupMember.community_id == member.community_id,
                BuddyGroupMember.member_id == member.id,
                BuddyGroupMember.left_at.is_(None),
            )
            .order_by(BuddyGroup.created_at.desc(), BuddyGroup.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def _current_member_ids(session: AsyncSession, group: BuddyGroup) -> list[int]:
    return list(
        (
            await session.execute(
                select(BuddyGroupMember.member_id).where(
                    BuddyGroupMember.community_id == group.community_id,
                    BuddyGroupMember.group_id == group.id,
                    BuddyGroupMember.left_at.is_(None),
                )
            )
        ).scalars()
    )


async def group_members(session: AsyncSession, group: BuddyGroup) -> list[Member]:
    """Everyone introduced in the group, in the order they were added."""
    return list(
        (
            await session.execute(
                select(Member)
                .join(BuddyGroupMember, BuddyGroupMember.member_id == Member.id)
                .where(
                    BuddyGroupMember.community_id == group.community_id,
                    BuddyGroupMember.group_id == group.id,
                )
                .order_by(BuddyGroupMember.id)
            )
        ).scalars()
    )


async def current_buddies(session: AsyncSession, member: Member) -> list[Member]:
    """The member's buddies in their current, latest group ([] when they have none)."""
    group = await current_group(session, member)
    if group is None:
        return []
    ids = set(await _current_member_ids(session, group)) - {member.id}
    return [m for m in await group_members(session, group) if m.id in ids]


async def past_groups(
    session: AsyncSession, member: Member, limit: int = 10
) -> list[tuple[BuddyGroup, list[Member]]]:
    groups = list(
        (
            await session.execute(
                select(BuddyGroup)
                .join(BuddyGroupMember, BuddyGroupMember.group_id == BuddyGroup.id)
                .where(
                    BuddyGroupMember.community_id == member.community_id,
                    BuddyGroupMember.member_id == member.id,
                )
                .order_by(BuddyGroup.created_at.desc(), BuddyGroup.id.desc())
                .limit(limit)
            )
        ).scalars()
    )
    if not groups:
        return []
    # Everyone in those groups in one query (not one per past group).
    others: dict[int, list[Member]] = {g.id: [] for g in groups}
    rows = await session.execute(
        select(BuddyGroupMember.group_id, Member)
        .join(Member, BuddyGroupMember.member_id == Member.id)
        .where(
            BuddyGroupMember.community_id == member.community_id,
            BuddyGroupMember.group_id.in_(list(others)),
            BuddyGroupMember.member_id != member.id,
        )
        .order_by(BuddyGroupMember.group_id, BuddyGroupMember.id)
    )
    for group_id, other in rows:
        others[group_id].append(other)
    return [(g, others[g.id]) for g in groups]


async def _leave_current(session: AsyncSession, member: Member, now: datetime) -> None:
    await session.execute(
        update(BuddyGroupMember)
        .where(
            BuddyGroupMember.community_id == member.community_id,
            BuddyGroupMember.member_id == member.id,
            BuddyGroupMember.left_at.is_(None),
        )
        .values(left_at=now)
    )


async def create_group(
    session: AsyncSession,
    community: Community,
    members: Sequence[Member],
    *,
    now: datetime,
    round_id: int | None = None,
) -> BuddyGroup:
    """Group 2 or 3 members, end their previous groups, and queue the intro.

    The intro goes to `Target.group([their platform ids], channel=<buddies channel>)`;
    the follow-up is due three days later.
    """
    ids = [m.id for m in members]
    if not 2 <= len(members) <= 3 or len(set(ids)) != len(ids):
        raise InvalidInput("A buddy group has two or three different members.")
    if any(m.community_id != community.id for m in members):
        raise NotAllowed("Buddies must be members of the same community.")
    profiles = {
        p.member_id: p
        for p in (
            await session.execute(
                select(BuddyProfile).where(
                    BuddyProfile.community_id == community.id, BuddyProfile.member_id.in_(ids)
                )
            )
        ).scalars()
    }
    on = now.astimezone(ZoneInfo(community.timezone)).date()
    score = overlap = None
    shared: frozenset[str] = frozenset()
    if len(profiles) == len(members):
        views = [to_profile(profiles[i]) for i in ids]
        score = round(
            sum(_matching().compatibility(a, b, on) for a, b in combinations(views, 2))
            / (len(views) * (len(views) - 1) // 2),
            2,
        )
        overlap = _matching().overlap_hours(views, on)
        shared = frozenset.intersection(*(v.focus for v in views))
    for member in members:
        await _leave_current(session, member, now)
    group = BuddyGroup(
        community_id=community.id,
        round_id=round_id,
        score=score,
        overlap_hours=overlap,
        shared_focus=",".join(sorted(shared)),
        created_at=now,
        followup_due_at=now + FOLLOWUP_AFTER,
    )
    session.add(group)
    await session.flush()
    for member in members:
        session.add(
            BuddyGroupMember(community_id=community.id, group_id=group.id, member_id=member.id)
        )
    await session.flush()
    channel = await channel_for(session, community.id, "buddies")
    people = [
        intro.Person(
            m,
            profiles[m.id].timezone,
            _windows_of(profiles[m.id]),
            focus_of(profiles[m.id]),
            profiles[m.id].level,
            profiles[m.id].hours_per_week,
        )
        if m.id in profiles
        else intro.Person(m, member_timezone(community, m))
        for m in members
    ]
    reply = intro.intro_reply(people, on=on)
    await enqueue(
        session,
        community,
        Target.group([m.platform_user_id for m in members], channel=channel),
        reply,
        dedupe_key=f"buddy-intro:{group.id}",
        now=now,
    )
    return group


# --------------------------------------------------------------------------- schedule


def next_slot(community: Community, settings: BuddySettings, *, after: datetime) -> datetime:
    """The first round slot after `after`, and not before `cadence_weeks` after the last round."""
    zone = ZoneInfo(community.timezone)
    day = after.astimezone(zone).date()
    if settings.last_round_date is not None:
        day = max(day, settings.last_round_date + timedelta(weeks=settings.cadence_weeks))
    while True:
        if day.weekday() == settings.weekday:
            slot = datetime.combine(day, settings.round_time, tzinfo=zone).astimezone(UTC)
            if slot > after:
                return slot
        day += timedelta(days=1)


async def find_settings(session: AsyncSession, community_id: int) -> BuddySettings | None:
    return (
        await session.execute(
            select(BuddySettings).where(BuddySettings.community_id == community_id)
        )
    ).scalar_one_or_none()


async def settings_for(
    session: AsyncSession, community: Community, *, now: datetime
) -> BuddySettings:
    """This community's round settings, created with the defaults on first use."""
    settings = await find_settings(session, community.id)
    if settings is None:
        settings = BuddySettings(
            community_id=community.id,
            cadence_weeks=DEFAULT_CADENCE_WEEKS,
            weekday=DEFAULT_DAY,
            round_time=DEFAULT_TIME,
            no_repeat_rounds=DEFAULT_NO_REPEAT_ROUNDS,
        )
        settings.next_round_at = next_slot(community, settings, after=now)
        session.add(settings)
        await session.flush()
    return settings


async def set_schedule(
    session: AsyncSession,
    community: Community,
    *,
    now: datetime,
    cadence_weeks: int | None = None,
    weekday: int | None = None,
    at: time | None = None,
    no_repeat_rounds: int | None = None,
) -> BuddySettings:
    settings = await settings_for(session, community, now=now)
    if cadence_weeks is not None:
        settings.cadence_weeks = cadence_weeks
    if weekday is not None:
        settings.weekday = weekday
    if at is not None:
        settings.round_time = at
    if no_repeat_rounds is not None:
        settings.no_repeat_rounds = no_repeat_rounds
    settings.next_round_at = next_slot(community, settings, after=now)
    return settings


def describe_schedule(community: Community, settings: BuddySettings) -> str:
    every = "every week" if settings.cadence_weeks == 1 else f"every {settings.cadence_weeks} weeks"
    return (
        f"{every} on {DAYS[settings.weekday].capitalize()} "
        f"{settings.round_time:%H:%M} ({community.timezone})"
    )


def local_time(community: Community, when: datetime) -> str:
    return f"{when.astimezone(ZoneInfo(community.timezone)):%a %Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- rounds


async def active_profiles(session: AsyncSession, community_id: int) -> list[BuddyProfile]:
    """Opted-in profiles (paused ones included), by member id."""
    return list(
        (
            await session.execute(
                select(BuddyProfile)
                .where(BuddyProfile.community_id == community_id, BuddyProfile.active.is_(True))
                .order_by(BuddyProfile.member_id)
            )
        ).scalars()
    )


async def eligible_profiles(
    session: AsyncSession, community_id: int, on: date
) -> list[BuddyProfile]:
    return [p for p in await active_profiles(session, community_id) if is_eligible(p, on)]


async def recent_pairs(
    session: AsyncSession, community_id: int, rounds: int
) -> set[frozenset[int]]:
    """Pairs grouped in the last `rounds` rounds (and by rematches since then)."""
    if rounds <= 0:
        return set()
    starts = list(
        (
            await session.execute(
                select(BuddyRound.started_at)
                .where(BuddyRound.community_id == community_id)
                .order_by(BuddyRound.started_at.desc())
                .limit(rounds)
            )
        ).scalars()
    )
    stmt = select(BuddyGroupMember.group_id, BuddyGroupMember.member_id).where(
        BuddyGroupMember.community_id == community_id
    )
    if len(starts) == rounds:
        stmt = stmt.join(BuddyGroup, BuddyGroup.id == BuddyGroupMember.group_id).where(
            BuddyGroup.created_at >= starts[-1]
        )
    by_group: dict[int, list[int]] = {}
    for group_id, member_id in await session.execute(stmt):
        by_group.setdefault(group_id, []).append(member_id)
    return {frozenset(p) for ids in by_group.values() for p in combinations(ids, 2)}


def round_key(community: Community, on: date) -> str:
    return f"buddies:{community.id}:{on.isoformat()}"


@dataclass(frozen=True)
class RoundOutcome:
    round: BuddyRound | None
    groups: list[BuddyGroup]
    pool: int
    unmatched: list[Member]
    reason: str = ""
    trios: int = 0


async def run_round(
    session: AsyncSession, community: Community, *, now: datetime, manual: bool = False
) -> RoundOutcome:
    """Match every opted-in, unpaused member and introduce the groups — once per local day."""
    settings = await settings_for(session, community, now=now)
    on = now.astimezone(ZoneInfo(community.timezone)).date()
    key = round_key(community, on)
    profiles = await eligible_profiles(session, community.id, on)
    if len(profiles) < 2:
        settings.next_round_at = next_slot(community, settings, after=now)
        return RoundOutcome(
            None,
            [],
            len(profiles),
            [],
            reason=f"{len(profiles)} member(s) opted in and available; a round needs at least 2.",
        )
    recent = await recent_pairs(session, community.id, settings.no_repeat_rounds)
    blocked = await blocked_pairs(session, community.id)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    inserted = await session.execute(
        insert(BuddyRound)
        .values(
            community_id=community.id,
            key=key,
            local_date=on,
            started_at=now,
            manual=manual,
            pool_size=len(profiles),
            unmatched=0,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    if not rowcount(inserted):
        return RoundOutcome(
            None, [], len(profiles), [], reason=f"A round already ran today ({on.isoformat()})."
        )
    the_round = (
        await session.execute(select(BuddyRound).where(BuddyRound.key == key))
    ).scalar_one()
    result = _matching().match(
        [to_profile(p) for p in profiles],
        on=on,
        blocked=blocked,
        recent=recent,
        seed=zlib.crc32(key.encode()),
    )
    members = await _members_by_id(session, community.id, [p.member_id for p in profiles])
    groups = [
        await create_group(
            session, community, [members[i] for i in g.members], now=now, round_id=the_round.id
        )
        for g in result.groups
    ]
    the_round.unmatched = len(result.unmatched)
    await session.execute(
        update(BuddyProfile)
        .where(
            BuddyProfile.community_id == community.id,
            BuddyProfile.rematch_requested_at.is_not(None),
        )
        .values(rematch_requested_at=None)
    )
    settings.last_round_date = on
    settings.next_round_at = next_slot(community, settings, after=now)
    return RoundOutcome(
        the_round,
        groups,
        len(profiles),
        [members[i] for i in result.unmatched],
        trios=sum(1 for g in result.groups if len(g.members) == 3),
    )


async def _members_by_id(
    session: AsyncSession, community_id: int, ids: Iterable[int]
) -> dict[int, Member]:
    rows = await session.execute(
        select(Member).where(Member.community_id == community_id, Member.id.in_(list(ids)))
    )
    return {m.id: m for m in rows.scalars()}


# --------------------------------------------------------------------------- rematch


async def request_rematch(
    session: AsyncSession, community: Community, member: Member, *, now: datetime
) -> BuddyGroup | None:
    """Ask for a new buddy now; returns the new group when another waiting member fits."""
    profile = await own_profile(session, member)
    on = now.astimezone(ZoneInfo(community.timezone)).date()
    if not is_eligible(profile, on):
        raise InvalidInput("You're paused. `buddy resume` first, then ask for a rematch.")
    profile.rematch_requested_at = now
    waiting = [
        p
        for p in (
            await session.execute(
                select(BuddyProfile)
                .where(
                    BuddyProfile.community_id == community.id,
                    BuddyProfile.member_id != member.id,
                    BuddyProfile.rematch_requested_at.is_not(None),
                    BuddyProfile.active.is_(True),
                )
                .order_by(BuddyProfile.rematch_requested_at, BuddyProfile.member_id)
            )
        ).scalars()
        if is_eligible(p, on)
    ]
    if not waiting:
        return None
    settings = await settings_for(session, community, now=now)
    recent = await recent_pairs(session, community.id, settings.no_repeat_rounds)
    mine = to_profile(profile)
    best: tuple[float, int] | None = None
    for other in waiting:
        if frozenset((member.id, other.member_id)) in recent:
            continue
        if await _is_blocked(session, community.id, member.id, other.member_id):
            continue
        score = _matching().compatibility(mine, to_profile(other), on)
        if best is None or score > best[0]:
            best = (score, other.member_id)
    if best is None:
        return None
    partner = (await _members_by_id(session, community.id, [best[1]]))[best[1]]
    await session.execute(
        update(BuddyProfile)
        .where(
            BuddyProfile.community_id == community.id,
            BuddyProfile.member_id.in_([member.id, partner.id]),
        )
        .values(rematch_requested_at=None)
    )
    return await create_group(session, community, [member, partner], now=now)


# --------------------------------------------------------------------------- follow-up


async def is_current_member(session: AsyncSession, member: Member, group_id: int) -> bool:
    """True when the member holds a seat in that group and has not left it (rematch)."""
    left = (
        await session.execute(
            select(BuddyGroupMember.left_at).where(
                BuddyGroupMember.community_id == member.community_id,
                BuddyGroupMember.group_id == group_id,
                BuddyGroupMember.member_id == member.id,
            )
        )
    ).one_or_none()
    return left is not None and left[0] is None


async def record_answer(
    session: AsyncSession,
    community: Community,
    member: Member,
    group_id: int,
    answer: str,
    *,
    now: datetime,
) -> tuple[Milestone | None, BuddyGroup | None]:
    """Store a member's "Did you meet?" answer. Returns (milestone newly checked, rematch group)."""
    if answer not in ANSWERS:
        raise InvalidInput("That button no longer does anything.")
    seat = (
        await session.execute(
            select(BuddyGroupMember).where(
                BuddyGroupMember.community_id == community.id,
                BuddyGroupMember.group_id == group_id,
                BuddyGroupMember.member_id == member.id,
            )
        )
    ).scalar_one_or_none()
    if seat is None:
        raise NotAllowed("This question is for the members of that buddy group.")
    seat.answer, seat.answered_at = answer, now
    milestone = None
    rematched = None
    if answer == "yes":
        milestone = await roadmap.mark_auto(session, member, "buddy-met", now=now)
    elif answer == "rematch":
        rematched = await request_rematch(session, community, member, now=now)
    return milestone, rematched


@dataclass(frozen=True)
class RoundStats:
    label: str
    groups: int
    met: int
    answered: int
    members: int

    @property
    def meet_rate(self) -> float:
        return self.met / self.groups if self.groups else 0.0


async def report(session: AsyncSession, community_id: int, limit: int = 8) -> list[RoundStats]:
    """Meet rates of the latest rounds (a group met when any member answered Yes), newest first,
    plus one line for groups formed by rematches."""
    rounds = list(
        (
            await session.execute(
                select(BuddyRound)
                .where(BuddyRound.community_id == community_id)
                .order_by(BuddyRound.started_at.desc())
                .limit(limit)
            )
        ).scalars()
    )
    per_group = (
        select(
            BuddyGroup.id.label("group_id"),
            BuddyGroup.round_id.label("round_id"),
            func.count(BuddyGroupMember.id).label("members"),
            func.count(BuddyGroupMember.answer).label("answered"),
            func.sum(case((BuddyGroupMember.answer == "yes", 1), else_=0)).label("yes"),
        )
        .join(BuddyGroupMember, BuddyGroupMember.group_id == BuddyGroup.id)
        .where(BuddyGroup.community_id == community_id)
        .group_by(BuddyGroup.id, BuddyGroup.round_id)
    )
    by_round: dict[int | None, list[tuple[int, int, int]]] = {}
    for row in await session.execute(per_group):
        by_round.setdefault(row.round_id, []).append((row.members, row.answered, row.yes or 0))

    def stats(label: str, rows: list[tuple[int, int, int]]) -> RoundStats:
        return RoundStats(
            label,
            len(rows),
            sum(1 for r in rows if r[2] > 0),
            sum(r[1] for r in rows),
            sum(r[0] for r in rows),
        )

    out = [
        stats(
            f"{r.local_date.isoformat()}{' (run-now)' if r.manual else ''}", by_round.get(r.id, [])
        )
        for r in rounds
    ]
    if by_round.get(None):
        out.append(stats("rematches", by_round[None]))
    return out
