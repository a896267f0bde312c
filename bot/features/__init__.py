"""Feature packages. Each owns its tables (models.py), logic (service.py),
commands (commands.py) and scheduled ticks (jobs.py).

`NAMES` is the one list of features the app loads, in help order.
"""

from __future__ import annotations

import importlib
import importlib.util

from bot.core.feature import Feature

# Platform adapters' own tables (installations, replay protection, command-sync state).
ADAPTER_MODELS: tuple[str, ...] = ("bot.adapters.slack.models", "bot.adapters.discord.models")

NAMES: tuple[str, ...] = (
    "goals", "roadmap", "challenges", "checkins", "buddies", "kaggle", "projects", "jobs", "mock",
    "ask", "privacy", "admin",
)


def load_all() -> list[Feature]:
    return [importlib.import_module(f"bot.features.{name}").FEATURE for name in NAMES]


def import_models() -> None:
    """Import every feature's tables so Base.metadata knows them (Alembic, tests)."""
    import bot.core.clockstate  # noqa: F401
    import bot.core.numbers  # noqa: F401
    import bot.core.outbox  # noqa: F401
    import bot.core.tenancy  # noqa: F401

    for name in NAMES:
        if importlib.util.find_spec(f"bot.features.{name}.models") is not None:
            importlib.import_module(f"bot.features.{name}.models")
    for module in ADAPTER_MODELS:
        importlib.import_module(module)
