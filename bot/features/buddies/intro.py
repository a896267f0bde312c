"""The intro and follow-up messages a buddy group receives.

An intro says why these people were matched — the focus they share and the hours
they can all meet, written in EACH member's own local time — and proposes a
concrete first step, so the group does not stall on "so… hi?".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.commands import action_id
from bot.core.messages import Button, Reply, mention
from bot.core.tenancy import Member
from bot.features.buddies.availability import DEFAULT_WINDOW
from bot.features.buddies.models import LEVELS

if TYPE_CHECKING:
    from bot.features.buddies.models import BuddyGroup

_DAY = 1440


def _utc_minutes(tz: str, windows: Sequence[tuple[time, time]], on: date) -> set[int]:
    """Minutes of the UTC day (0..1439, a circle) in which a member is available on `on`."""
    offset = datetime.combine(on, time(12), tzinfo=ZoneInfo(tz)).utcoffset() or timedelta()
    shift = int(offset.total_seconds() // 60)
    out: set[int] = set()
    for start, end in windows or (DEFAULT_WINDOW,):
        s, e = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        length = (e - s) % _DAY or _DAY
        out.update((m - shift) % _DAY for m in range(s, s + length))
    return out


def shared_runs(
    people: Sequence[tuple[str, Sequence[tuple[time, time]]]], on: date
) -> list[tuple[int, int]]:
    """Stretches everyone is available, as (UTC start minute, length), longest first."""
    if not people:
        return []
    common = set.intersection(*(_utc_minutes(tz, w, on) for tz, w in people))
    if not common:
        return []
    if len(common) == _DAY:
        return [(0, _DAY)]
    start = next(m for m in range(_DAY) if m in common and (m - 1) % _DAY not in common)
    runs: list[tuple[int, int]] = []
    length, run_start = 0, start
    for step in range(_DAY):
        minute = (start + step) % _DAY
        if minute in common:
            if length == 0:
                run_start = minute
            length += 1
        elif length:
            runs.append((run_start, length))
            length = 0
    if length:
        runs.append((run_start, length))
    return sorted(runs, key=lambda r: (-r[1], r[0]))


def _clock(on: date, minute: int, tz: str) -> str:
    instant = datetime.combine(on, time(0), tzinfo=UTC) + timedelta(minutes=minute)
    return f"{instant.astimezone(ZoneInfo(tz)):%H:%M}"


def overlap_sentence(
    names_and_zones: Sequence[tuple[str, str]], run: tuple[int, int], on: date
) -> str:
    """`18:00–21:00 for Ana (Europe/Berlin) = 12:00–15:00 for Ben (America/New_York)`."""
    start, length = run
    return " = ".join(
        f"{_clock(on, start, tz)}–{_clock(on, start + length, tz)} for {name} ({tz})"
        for name, tz in names_and_zones
    )


def _hours(minutes: float) -> str:
    hours = minutes / 60
    return f"{hours:.0f} h" if hours == int(hours) else f"{hours:.1f} h"


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class Person:
    """What an intro needs to know about one member (profile fields are None without one)."""

    member: Member
    tz: str
    windows: tuple[tuple[time, time], ...] = ()
    focus: frozenset[str] | None = None
    level: int | None = None
    hours_per_week: int | None = None


def intro_reply(people: Sequence[Person], *, on: date) -> Reply:
    """The message that introduces a new group."""
    members = [p.member for p in people]
    names = [(p.member.display_name, p.tz) for p in people]
    who = _and([mention(m.platform_user_id) for m in members])
    trio = len(members) == 3
    reasons: list[str] = []

    focuses = [p.focus for p in people if p.focus is not None]
    if len(focuses) == len(people):
        shared = frozenset.intersection(*focuses)
        if shared:
            reasons.append(
                f"you all focus on {_and(sorted(shared))}"
                if trio
                else f"you both focus on {_and(sorted(shared))}"
            )
        elif any(focuses):
            reasons.append(
                "your focus areas differ ("
                + "; ".join(
                    f"{p.member.display_name}: {', '.join(sorted(p.focus or ())) or 'open'}"
                    for p in people
                )
                + ") — a chance to teach each other"
            )

    runs = shared_runs([(p.tz, p.windows) for p in people], on)
    if runs:
        total = sum(length for _, length in runs)
        shown = "; and ".join(overlap_sentence(names, run, on) for run in runs[:2])
        reasons.append(f"you overlap {shown} — {_hours(total)} a day")
    else:
        reasons.append(
            "your available hours don't overlap, so start asynchronously: "
            "leave each other notes here and pick a time that works once a week"
        )

    if all(p.level is not None and p.hours_per_week is not None for p in people):
        levels = ", ".join(f"{p.member.display_name} {LEVELS[p.level or 0]}" for p in people)
        hours = _and([str(p.hours_per_week) for p in people])
        reasons.append(f"levels: {levels}; you plan {hours} hours a week")

    lines = [
        f"{who} — you're study buddies until the next round.",
        "",
        "**Why you:** " + "; ".join(reasons) + ".",
        "",
        "**A first step:** pick this week's challenge and solve it together, or compare goals — "
        "each of you shares `goal list` and names one goal the others can help with.",
        "",
        "Pivot will ask in 3 days whether you met.",
    ]
    title = "👋 Meet your study buddies" if trio else "👋 Meet your study buddy"
    return Reply(title=title, text="\n".join(lines))


def followup_reply(group: BuddyGroup, members: Sequence[Member]) -> Reply:
    """ "Did you meet?" with one answer per member (each member presses for themself)."""
    who = _and([mention(m.platform_user_id) for m in members])
    return Reply(
        title="Did you meet?",
        text=(
            f"{who} — Pivot introduced you three days ago. Did you meet yet (a call, a chat, "
            "a pairing session)? Each of you can answer for yourself."
        ),
        buttons=(
            Button("Yes", action_id("buddy.met", group.id, "yes"), style="success"),
            Button("Not yet", action_id("buddy.met", group.id, "notyet")),
            Button("Rematch me", action_id("buddy.met", group.id, "rematch"), style="danger"),
        ),
    )
