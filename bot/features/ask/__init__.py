"""Ask and help: `ask …` opens a question in the questions channel's thread, routed to
opted-in helpers (`helper …`) who know the topic; solved questions become a searchable archive.

Other features use `service.open_questions_for_digest`.
"""

from bot.core.feature import Feature
from bot.features.ask.commands import ask, helper
from bot.features.ask.jobs import TICKS

FEATURE = Feature(name="ask", groups=[ask, helper], ticks=TICKS)
