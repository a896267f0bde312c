"""Goals: `goal add|list|progress|done|drop|edit`."""

from bot.core.feature import Feature
from bot.features.goals.commands import goal

FEATURE = Feature(name="goals", groups=[goal])
