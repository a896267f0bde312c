"""Mock interviews: profiles (`profiles`), weekly rounds (`rounds`), feedback and
no-shows (`feedback`). Platform-free; posts are built in `bot.features.mock.posts`."""

from __future__ import annotations

from bot.features.mock.service.feedback import (
    HistoryItem,
    RoundStats,
    give_feedback,
    history,
    parse_scores,
    report,
    report_no_show,
    seat_of,
)
from bot.features.mock.service.profiles import (
    JoinOptions,
    describe_availability,
    get_profile,
    is_eligible,
    join,
    leave,
    own_profile,
    parse_days,
    parse_windows,
    pause,
)
from bot.features.mock.service.rounds import (
    RoundOutcome,
    active_profiles,
    find_settings,
    local_time,
    next_slot,
    pair_score,
    run_round,
    set_schedule,
    settings_for,
)

__all__ = [
    "HistoryItem",
    "JoinOptions",
    "RoundOutcome",
    "RoundStats",
    "active_profiles",
    "describe_availability",
    "find_settings",
    "get_profile",
    "give_feedback",
    "history",
    "is_eligible",
    "join",
    "leave",
    "local_time",
    "next_slot",
    "own_profile",
    "pair_score",
    "parse_days",
    "parse_scores",
    "parse_windows",
    "pause",
    "report",
    "report_no_show",
    "run_round",
    "seat_of",
    "set_schedule",
    "settings_for",
]
