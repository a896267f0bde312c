"""What a feature package hands the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.core.commands import CommandGroup
from bot.core.scheduler import Tick

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.clock import Clock
    from bot.core.context import Context
    from bot.core.messages import Field

SettingsSummary = Callable[["Context"], Awaitable[list["Field"]]]
# Someone wrote in a thread that an outbox post of this feature opened: (the writer's context,
# that post's dedupe key). Who and when only: the words are never passed on.
ThreadReplyHandler = Callable[["Context", str], Awaitable[None]]


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
    # Dedupe-key prefix of this feature's thread posts (`ask:q:`) → what to do when a member
    # writes in such a thread (Discord thread or forum post, Slack thread, console thread).
    thread_replies: Mapping[str, ThreadReplyHandler] = field(default_factory=dict)
