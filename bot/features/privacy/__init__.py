"""Privacy: `privacy show` (what is stored about me) and `privacy forget` (delete it all)."""

from bot.core.feature import Feature
from bot.features.privacy.commands import privacy

FEATURE = Feature(name="privacy", groups=[privacy])
