"""Community settings: `admin show`, `admin set channel|timezone|challenge-time`.

Other features add their own `admin …` commands to the same group.
"""

from bot.core.feature import Feature
from bot.features.admin.commands import admin

FEATURE = Feature(name="admin", groups=[admin])
