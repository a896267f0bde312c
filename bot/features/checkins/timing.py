"""Pure time math for check-in schedules: local wall-clock times → UTC instants.

Each local date that matches a schedule maps to exactly one instant, computed with
zoneinfo (`fold=0`): a time that does not exist on a spring-forward day (02:30 when
clocks jump from 02:00 to 03:00) resolves to the shifted instant (03:30 local), and a
time that happens twice on a fall-back day resolves to its first occurrence. So a
schedule fires once on those days — never zero times, never twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Rule:
    """The part of a schedule that decides when it is due."""

    frequency: str
    local_time: time
    timezone: str
    weekday: int | None = None
    paused_until: date | None = None

    def matches(self, day: date) -> bool:
        if self.paused_until is not None and day < self.paused_until:
            return False
        if self.frequency == "daily":
            return True
        if self.frequency == "weekdays":
            return day.weekday() < 5
        return day.weekday() == self.weekday


def local_date(when: datetime, zone: str) -> date:
    return when.astimezone(ZoneInfo(zone)).date()


def next_occurrence(rule: Rule, after: datetime) -> datetime:
    """The first due instant strictly after `after`."""
    zone = ZoneInfo(rule.timezone)
    day = after.astimezone(zone).date() - timedelta(days=1)
    if rule.paused_until is not None and day < rule.paused_until:
        day = rule.paused_until
    for _ in range(16):
        if rule.matches(day):
            due = datetime.combine(day, rule.local_time, tzinfo=zone).astimezone(UTC)
            if due > after:
                return due
        day += timedelta(days=1)
    raise AssertionError("a schedule matches at least once a week")


def latest_due(
    rule: Rule, next_due: datetime, now: datetime, grace: timedelta
) -> tuple[datetime | None, datetime]:
    """(the occurrence to prompt now or None, the first occurrence after now).

    The one to prompt is the latest at or before `now` that is still within grace; `next_due`
    is the stored next instant (≤ now when this is called). Older occurrences are skipped:
    after a long outage members get today's prompt, not a pile.
    """
    occurrence = next_due
    if occurrence < now - grace:
        occurrence = next_occurrence(rule, now - grace - timedelta(microseconds=1))
    if occurrence > now:
        return None, occurrence
    while (following := next_occurrence(rule, occurrence)) <= now:
        occurrence = following
    return occurrence, following


def describe(rule: Rule) -> str:
    at = rule.local_time.strftime("%H:%M")
    if rule.frequency == "daily":
        when = f"every day at {at}"
    elif rule.frequency == "weekdays":
        when = f"Monday to Friday at {at}"
    else:
        when = f"every {day_name(rule.weekday or 0)} at {at}"
    return f"{when} ({rule.timezone})"


def day_name(weekday: int) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[weekday]


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
