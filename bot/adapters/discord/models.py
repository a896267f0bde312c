"""Discord's own table: which slash-command definition was last registered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow


class DiscordCommandSync(Base):
    """The hash of the command payload last registered for an application (globally, or in
    one guild), so a start registers again only when the definition changed."""

    __tablename__ = "discord_command_sync"

    application_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # "global", or the guild id for a guild-scoped registration.
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
