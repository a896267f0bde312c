"""What a handler gets: the caller, their community, a unit of work and the clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.tenancy import Community, Member, member_timezone

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.commands import Registry


@dataclass
class Context:
    session: AsyncSession
    community: Community
    member: Member
    clock: Clock
    settings: Settings
    platform: str
    is_admin: bool
    registry: Registry
    # Integration clients keyed by feature name (e.g. "kaggle"); absent when not configured.
    resources: Mapping[str, Any] = field(default_factory=dict)
    # The text prefix members type on this platform: "/pivot " on Slack, "" in the console, "/" on Discord.
    prefix: str = ""

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(member_timezone(self.community, self.member))

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()
