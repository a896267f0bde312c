"""Study buddies: members opt in with a profile and are matched into pairs or trios each round.

`buddy …` for members, `admin buddies …` for admins, ticks for rounds and follow-ups.
Other features use `service.current_buddies` and `service.create_group`.
"""

from bot.core.feature import Feature
from bot.features.buddies.commands import admin_buddies, buddy, settings_summary
from bot.features.buddies.jobs import TICKS

FEATURE = Feature(
    name="buddies", groups=[buddy, admin_buddies], ticks=TICKS, settings_summary=settings_summary
)
