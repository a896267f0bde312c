"""Challenges: a validated question bank, generated math problems and answer grading,
the daily post with its reveal, practice, ratings, streaks and leaderboards."""

from bot.core.feature import Feature
from bot.features.challenges.commands import admin_challenge, challenge, settings_summary
from bot.features.challenges.jobs import TICKS
from bot.features.challenges.review_commands import review_group

FEATURE = Feature(
    name="challenges",
    groups=[challenge, admin_challenge, review_group],
    ticks=TICKS,
    settings_summary=settings_summary,
)
