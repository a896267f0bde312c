"""Ask and help: `ask …` opens a question in the questions channel's thread, routed to
opted-in helpers (`helper …`) who know the topic; solved questions become a searchable archive.

Writing in a question's thread counts as answering it (`answered_in_thread`: who and when, not
the words). Other features use `service.open_questions_for_digest`.
"""

from bot.core.feature import Feature
from bot.features.ask.commands import answered_in_thread, ask, helper
from bot.features.ask.jobs import TICKS
from bot.features.ask.service import THREAD_PREFIX

FEATURE = Feature(name="ask", groups=[ask, helper], ticks=TICKS,
                  thread_replies={THREAD_PREFIX: answered_in_thread})
