"""Accountability check-ins: `checkin schedule|pause|resume|off|show|share|log|history|stats`,
the due/reminder/digest ticks, and `admin checkins report`, `admin set digest-time`."""

from bot.core.feature import Feature
from bot.features.checkins.commands import admin_checkins, checkin, settings_summary
from bot.features.checkins.jobs import TICKS

FEATURE = Feature(
    name="checkins",
    groups=[checkin, admin_checkins],
    ticks=TICKS,
    settings_summary=settings_summary,
)
