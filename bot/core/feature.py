"""What a feature package hands the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.commands import CommandGroup
from bot.core.scheduler import Tick

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.clock import Clock
    from bot.core.context import Context
    from bot.core.messages import Field

SettingsSummary = Callable[["Context"], Awaitable[list["Field"]]]


@dataclass(frozen=True)
class Feature:
    name: str
    groups: Sequence[CommandGroup]
    ticks: Sequence[Tick] = ()
    # Lines this feature adds to `admin show` (its own per-community settings).
    settings_summary: SettingsSummary | None = None
    # Builds this feature's integration client from settings (None when not configured);
    # handlers and ticks find it in `ctx.resources[name]`.
    resource: Callable[[Settings], object | None] | None = None
    # The console demo's stand-in when `resource` gives None (no credentials): sample data
    # that works offline. Production never uses it.
    demo_resource: Callable[[Settings, Clock], object | None] | None = None
