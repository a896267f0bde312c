"""Peer mock interviews: members opt in with a type, level and weekly availability; a
weekly round pairs them (core matcher), sends each the question to ask the other, and
after the slot a feedback form whose answers go to the partner only.

`mock …` for members, `admin mock …` for admins, ticks for rounds and feedback forms.
"""

from bot.core.feature import Feature
from bot.features.mock.commands import admin_mock, mock, settings_summary
from bot.features.mock.jobs import TICKS

FEATURE = Feature(name="mock", groups=[mock, admin_mock], ticks=TICKS, settings_summary=settings_summary)
