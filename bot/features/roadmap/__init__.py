"""The five-step roadmap: `roadmap [show]|step|check|uncheck`, and `service.mark_auto` for other features."""

from bot.core.feature import Feature
from bot.features.roadmap.commands import roadmap

FEATURE = Feature(name="roadmap", groups=[roadmap])
