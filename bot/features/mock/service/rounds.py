"""Weekly rounds: who is in, who pairs with whom, the proposed slot, intros and prompts.

Pairing uses the core matcher (`bot.core.matching.pair_up`) with a pair score built
here (0..100):

* time    50 x min(h, 4) / 4, h = hours both are free in the coming week (whole half
          hours), with each member's weekly windows in their own zone (DST-correct per day);
* type    30 when both practise the same interview type (each is asked a question of
          their own type either way);
* level   20 x (1 - |level_a - level_b| / 2).

Two members with no shared hour (two half-hour cells in a row) in the coming week never
pair; the proposed slot is the first such hour, at least 12 hours after the round. Pairs
from the last `NO_REPEAT_ROUNDS` rounds are used only when nothing else pairs as
many members; pairs blocked in study buddies (`buddy block`) never pair here either.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import matching
from bot.core.db import insert_for, rowcount
from bot.core.errors import InvalidInput
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, Member, channel_for
from bot.features.buddies import service as buddies
from bot.features.mock import posts
from bot.features.mock.bank import Prompt, bank
from bot.features.mock.models import (
    DEFAULT_DAY,
    DEFAULT_TIME,
    NO_REPEAT_ROUNDS,
    MockProfile,
    MockRound,
    MockSeat,
    MockSession,
    MockSettings,
)
from bot.features.mock.service.profiles import days_of, is_eligible, windows_of

if TYPE_CHECKING:
    import numpy as np

TIME_WEIGHT, TYPE_WEIGHT, LEVEL_WEIGHT = 50.0, 30.0, 20.0
TIME_SATURATION_HOURS = 4.0
LEAD = timedelta(hours=12)  # the earliest proposed slot is this long after the round
HORIZON = timedelta(days=7)
FEEDBACK_AFTER = timedelta(minutes=posts.SESSION_MINUTES + 15)


# --------------------------------------------------------------------------- settings


def next_slot(community: Community, settings: MockSettings, *, after: datetime) -> datetime:
    """The first weekly round slot after `after` (a week after the last round at the earliest)."""
    zone = ZoneInfo(community.timezone)
    day = after.astimezone(zone).date()
    if settings.last_round_date is not None:
        day = max(day, settings.last_round_date + timedelta(days=1))
    for _ in range(15):
        if day.weekday() == settings.weekday:
            slot = datetime.combine(day, settings.round_time, tzinfo=zone).astimezone(UTC)
            if slot > after:
                return slot
        day += timedelta(days=1)
    raise AssertionError("a weekly slot always exists within 15 days")


async def find_settings(session: AsyncSession, community_id: int) -> MockSettings | None:
    return (
        await session.execute(select(MockSettings).where(MockSettings.community_id == community_id))
    ).scalar_one_or_none()


async def settings_for(session: AsyncSession, community: Community, *, now: datetime) -> MockSettings:
    """The community's settings, created (race-free) with the default slot on first use."""
    found = await find_settings(session, community.id)
    if found is not None:
        return found
    draft = MockSettings(weekday=DEFAULT_DAY, round_time=DEFAULT_TIME)
    await session.execute(
        insert_for(session, MockSettings.__table__)
        .values(community_id=community.id, weekday=DEFAULT_DAY, round_time=DEFAULT_TIME,
                next_round_at=next_slot(community, draft, after=now))
        .on_conflict_do_nothing(index_elements=["community_id"])
    )
    found = await find_settings(session, community.id)
    assert found is not None
    return found


async def set_schedule(
    session: AsyncSession, community: Community, *, weekday: int, at: time, now: datetime
) -> MockSettings:
    settings = await settings_for(session, community, now=now)
    settings.weekday, settings.round_time = weekday, at
    settings.next_round_at = next_slot(community, settings, after=now)
    return settings


def local_time(community: Community, when: datetime) -> str:
    return f"{when.astimezone(ZoneInfo(community.timezone)):%a %Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- availability


class Week:
    """Members' availability over the horizon of a round (the 7 days from 12 hours after it).

    Time is cut into half-hour cells (UTC, on the hour and half hour); a member is free in a
    cell when their windows cover all of it, and a session needs two free cells in a row
    from both. Shared hours and "has a slot" for every pair come from two matrix products,
    so a round of a few thousand members stays fast.
    """

    CELL = 30

    def __init__(self, now: datetime) -> None:
        start = (now + LEAD).replace(second=0, microsecond=0)
        if start.minute % self.CELL:
            start += timedelta(minutes=self.CELL - start.minute % self.CELL)
        self.start = start
        utc_day = start.astimezone(UTC).date()
        self.week_start = utc_day - timedelta(days=utc_day.weekday())
        base = datetime.combine(self.week_start, time(0), tzinfo=UTC)
        self.offset = int((start - base).total_seconds() // 60)
        self.length = int(HORIZON.total_seconds() // 60)
        self._cells: dict[int, np.ndarray] = {}
        self._index: dict[int, int] = {}
        self._hours: np.ndarray | None = None
        self._slot: np.ndarray | None = None

    def add(self, profile: MockProfile) -> None:
        import numpy as np

        minutes = np.concatenate(
            [
                matching.utc_week_mask(
                    profile.timezone, days_of(profile), windows_of(profile),
                    self.week_start + timedelta(weeks=k),
                )
                for k in range(3)
            ]
        )[self.offset : self.offset + self.length]
        # numpy's stubs type .all(axis=…) as maybe-a-scalar; with an axis it is always an array.
        self._cells[profile.member_id] = minutes.reshape(-1, self.CELL).all(axis=1)  # type: ignore[assignment]
        self._hours = self._slot = None

    def _matrices(self) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        if self._hours is None or self._slot is None:
            self._index = {m: i for i, m in enumerate(self._cells)}
            free = np.array(list(self._cells.values()), dtype=np.float32)
            twice = free[:, :-1] * free[:, 1:]  # free for this cell and the next
            self._hours = (free @ free.T) * (self.CELL / 60)
            self._slot = (twice @ twice.T) > 0
        return self._hours, self._slot

    def has_slot(self, a: int, b: int) -> bool:
        _, slot = self._matrices()
        return bool(slot[self._index[a], self._index[b]])

    def hours(self, a: int, b: int) -> float:
        hours, _ = self._matrices()
        return float(hours[self._index[a], self._index[b]])

    def first_slot(self, a: int, b: int) -> datetime | None:
        """The earliest start of an hour both are free (on the hour or half hour)."""
        import numpy as np

        both = self._cells[a] & self._cells[b]
        fits = np.flatnonzero(both[:-1] & both[1:])
        if fits.size == 0:
            return None
        return self.start + timedelta(minutes=int(fits[0]) * self.CELL)


def pair_score(week: Week, a: MockProfile, b: MockProfile) -> float | None:
    """0..100 (weights in the module doc); None when they share no hour-long stretch."""
    if not week.has_slot(a.member_id, b.member_id):
        return None
    hours = week.hours(a.member_id, b.member_id)
    score = TIME_WEIGHT * min(hours, TIME_SATURATION_HOURS) / TIME_SATURATION_HOURS
    if a.interview_type == b.interview_type:
        score += TYPE_WEIGHT
    return score + LEVEL_WEIGHT * (1 - abs(a.level - b.level) / 2)


def score_matrix(week: Week, profiles: list[MockProfile]) -> np.ndarray:
    """`pair_score` for every pair at once (NaN where they can't meet), in `profiles` order."""
    import numpy as np

    hours, slot = week._matrices()
    pos = np.array([week._index[p.member_id] for p in profiles])
    hours, slot = hours[np.ix_(pos, pos)], slot[np.ix_(pos, pos)]
    kinds = np.array([p.interview_type for p in profiles])
    levels = np.array([p.level for p in profiles], dtype=np.float64)
    score = TIME_WEIGHT * np.minimum(hours, TIME_SATURATION_HOURS) / TIME_SATURATION_HOURS
    score = score + TYPE_WEIGHT * (kinds[:, None] == kinds[None, :])
    score = score + LEVEL_WEIGHT * (1 - np.abs(levels[:, None] - levels[None, :]) / 2)
    return np.where(slot, score, np.nan)


# --------------------------------------------------------------------------- rounds


async def active_profiles(session: AsyncSession, community_id: int) -> list[MockProfile]:
    return list(
        (
            await session.execute(
                select(MockProfile)
                .where(MockProfile.community_id == community_id, MockProfile.active.is_(True))
                .order_by(MockProfile.member_id)
            )
        ).scalars()
    )


async def recent_pairs(session: AsyncSession, community_id: int) -> set[frozenset[int]]:
    """Pairs that had a session in the last `NO_REPEAT_ROUNDS` rounds."""
    starts = list(
        (
            await session.execute(
                select(MockRound.started_at)
                .where(MockRound.community_id == community_id)
                .order_by(MockRound.started_at.desc())
                .limit(NO_REPEAT_ROUNDS)
            )
        ).scalars()
    )
    stmt = select(MockSeat.member_id, MockSeat.partner_id).where(
        MockSeat.community_id == community_id
    )
    if len(starts) == NO_REPEAT_ROUNDS:
        stmt = stmt.join(MockSession, MockSession.id == MockSeat.session_id).where(
            MockSession.created_at >= starts[-1]
        )
    return {frozenset(row) for row in await session.execute(stmt)}


def round_key(community: Community, on: date) -> str:
    return f"mock:{community.id}:{on.isoformat()}"


@dataclass(frozen=True)
class RoundOutcome:
    round: MockRound | None
    sessions: list[MockSession]
    pool: int
    unmatched: list[Member]
    reason: str = ""


async def run_round(
    session: AsyncSession, community: Community, *, now: datetime, manual: bool = False
) -> RoundOutcome:
    """Pair every opted-in, unpaused member and send intros and prompts — once per local day."""
    settings = await settings_for(session, community, now=now)
    on = now.astimezone(ZoneInfo(community.timezone)).date()
    key = round_key(community, on)
    profiles = [p for p in await active_profiles(session, community.id) if is_eligible(p, on)]
    if len(profiles) < 2:
        settings.next_round_at = next_slot(community, settings, after=now)
        return RoundOutcome(
            None, [], len(profiles), [],
            reason=f"{len(profiles)} member(s) opted in and available; a round needs at least 2.",
        )
    inserted = await session.execute(
        insert_for(session, MockRound.__table__)
        .values(community_id=community.id, key=key, local_date=on, started_at=now,
                manual=manual, pool_size=len(profiles), unmatched=0)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    if not rowcount(inserted):
        return RoundOutcome(
            None, [], len(profiles), [], reason=f"A round already ran today ({on.isoformat()})."
        )
    the_round = (await session.execute(select(MockRound).where(MockRound.key == key))).scalar_one()
    recent = await recent_pairs(session, community.id)
    blocked = await buddies.blocked_pairs(session, community.id)
    week = Week(now)
    for p in profiles:
        week.add(p)
    by_id = {p.member_id: p for p in profiles}
    pairing = matching.pair_up_matrix(
        list(by_id),
        score_matrix(week, profiles),
        blocked=blocked,
        recent=recent,
        seed=zlib.crc32(key.encode()),
    )
    members = {
        m.id: m
        for m in (
            await session.execute(
                select(Member).where(Member.community_id == community.id,
                                     Member.id.in_(list(by_id)))
            )
        ).scalars()
    }
    sessions = []
    for a, b in pairing.pairs:
        slot = week.first_slot(a, b)
        assert slot is not None  # pairs without a slot have no edge
        sessions.append(
            await create_session(
                session, community, (by_id[a], by_id[b]), (members[a], members[b]),
                slot_at=slot, overlap_hours=week.hours(a, b), now=now, round_id=the_round.id,
            )
        )
    the_round.unmatched = len(pairing.unmatched)
    settings.last_round_date = on
    settings.next_round_at = next_slot(community, settings, after=now)
    return RoundOutcome(the_round, sessions, len(profiles), [members[i] for i in pairing.unmatched])


async def _asked_before(session: AsyncSession, community_id: int, member_id: int) -> set[str]:
    """Prompts this member has already been asked."""
    return set(
        (
            await session.execute(
                select(MockSeat.prompt_id).where(
                    MockSeat.community_id == community_id, MockSeat.partner_id == member_id
                )
            )
        ).scalars()
    )


def _pick(options: list[Prompt], avoid: set[str], salt: str) -> Prompt:
    fresh = [p for p in options if p.id not in avoid] or options
    return fresh[zlib.crc32(salt.encode()) % len(fresh)]


async def create_session(
    session: AsyncSession,
    community: Community,
    profiles: tuple[MockProfile, MockProfile],
    members: tuple[Member, Member],
    *,
    slot_at: datetime,
    overlap_hours: float,
    now: datetime,
    round_id: int | None,
) -> MockSession:
    """Store a session and its two seats, and queue the intro and both interviewer briefs."""
    if members[0].id == members[1].id:
        raise InvalidInput("A mock interview needs two different members.")
    row = MockSession(
        community_id=community.id, round_id=round_id, slot_at=slot_at, created_at=now,
        feedback_due_at=slot_at + FEEDBACK_AFTER,
    )
    session.add(row)
    await session.flush()
    the_bank = bank()
    chosen: list[Prompt] = []
    for i in (0, 1):
        partner_profile, partner = profiles[1 - i], members[1 - i]
        avoid = await _asked_before(session, community.id, partner.id) | {p.id for p in chosen}
        prompt = _pick(
            the_bank.of_type(partner_profile.interview_type), avoid, f"{row.id}:{members[i].id}"
        )
        chosen.append(prompt)
        session.add(
            MockSeat(community_id=community.id, session_id=row.id, member_id=members[i].id,
                     partner_id=partner.id, prompt_id=prompt.id)
        )
    await session.flush()
    channel = await channel_for(session, community.id, "mock")
    await enqueue(
        session, community,
        Target.group([m.platform_user_id for m in members], channel=channel),
        posts.intro(
            [(m, p.timezone, p.interview_type, p.level) for m, p in zip(members, profiles, strict=True)],
            slot_at, overlap_hours,
        ),
        dedupe_key=f"mock-intro:{row.id}", now=now,
    )
    for i in (0, 1):
        partner_profile = profiles[1 - i]
        await enqueue(
            session, community, Target.dm(members[i].platform_user_id, fallback_channel=None),
            posts.interviewer_brief(
                members[1 - i], partner_profile.timezone, slot_at, chosen[i],
                the_bank.rubrics[chosen[i].type],
            ),
            dedupe_key=f"mock-brief:{row.id}:{members[i].id}", now=now,
        )
    return row

