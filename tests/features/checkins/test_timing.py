"""Wall-clock schedules → UTC instants, across time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.features.checkins.timing import Rule, latest_due, next_occurrence


def _walk(rule: Rule, start: datetime, end: datetime) -> list[datetime]:
    out, at = [], start
    while (at := next_occurrence(rule, at)) < end:
        out.append(at)
    return out


def test_spring_forward_fires_once_at_the_shifted_instant() -> None:
    # New York jumps from 02:00 to 03:00 on 8 March 2026: 02:30 does not exist that day.
    rule = Rule("daily", time(2, 30), "America/New_York")
    fired = _walk(
        rule, datetime(2026, 3, 7, 0, 0, tzinfo=UTC), datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    )
    assert fired == [
        datetime(2026, 3, 7, 7, 30, tzinfo=UTC),  # 02:30 EST
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # the shifted instant, 03:30 EDT
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC),  # 02:30 EDT
    ]


def test_fall_back_fires_once() -> None:
    # 1 November 2026: 01:30 happens twice in New York; the check-in comes at the first one.
    rule = Rule("daily", time(1, 30), "America/New_York")
    fired = _walk(
        rule, datetime(2026, 10, 31, 12, 0, tzinfo=UTC), datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    )
    assert fired == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),
    ]


def test_weekdays_weekly_and_pause() -> None:
    friday = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    weekdays = Rule("weekdays", time(9, 0), "UTC")
    assert next_occurrence(weekdays, friday) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday
    weekly = Rule("weekly", time(18, 30), "Europe/Berlin", weekday=4)
    assert next_occurrence(weekly, friday) == datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
    paused = Rule("daily", time(9, 0), "UTC", paused_until=date(2026, 3, 20))
    assert next_occurrence(paused, friday) == datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def test_date_line_neighbours() -> None:
    # 09:00 in Tonga (UTC+13) is the previous UTC day; 09:00 in Honolulu (UTC−10) is 19:00 UTC.
    after = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert next_occurrence(Rule("daily", time(9, 0), "Pacific/Tongatapu"), after) == datetime(
        2026, 3, 2, 20, 0, tzinfo=UTC
    )
    assert next_occurrence(Rule("daily", time(9, 0), "Pacific/Honolulu"), after) == datetime(
        2026, 3, 2, 19, 0, tzinfo=UTC
    )


def test_catch_up_prompts_the_latest_occurrence_within_grace() -> None:
    rule = Rule("daily", time(9, 0), "UTC")
    stored = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    grace = timedelta(hours=3)
    # Down for two days: Monday's and Tuesday's are stale, Wednesday's is within grace.
    now = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert latest_due(rule, stored, now, grace) == (
        datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 5, 9, 0, tzinfo=UTC),
    )
    # Down past today's grace: nothing now, the next one tomorrow.
    late = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    assert latest_due(rule, stored, late, grace) == (None, datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
