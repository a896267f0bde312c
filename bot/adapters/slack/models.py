"""Slack's own tables: requests already seen (replay protection), workspace installations
(bot tokens encrypted at rest) and OAuth states.

None holds member data: an installation records the workspace and its bot, and the
installing user's id only inside the encrypted secrets blob, which uninstalling deletes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow


class SlackSeenRequest(Base):
    """One signed request that reached us, kept for the 5 minutes its signature is valid.

    `digest` is a SHA-256 of timestamp and signature (never the signature itself), so the
    table holds nothing that could sign anything.
    """

    __tablename__ = "slack_seen_requests"
    __table_args__ = (Index("ix_slack_seen_requests_request_at", "request_at"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlackInstallation(Base):
    """The bot of one workspace (or Enterprise Grid org) that installed Pivot over OAuth."""

    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("client_id", "enterprise_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    # "" rather than NULL, so the unique constraint holds (NULLs never collide).
    enterprise_id: Mapped[str] = mapped_column(String(32), default="")
    team_id: Mapped[str] = mapped_column(String(32), default="")
    team_name: Mapped[str] = mapped_column(String(200), default="")
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    app_id: Mapped[str] = mapped_column(String(32), default="")
    bot_id: Mapped[str] = mapped_column(String(32), default="")
    bot_user_id: Mapped[str] = mapped_column(String(32), default="")
    bot_scopes: Mapped[str] = mapped_column(Text, default="")
    # Fernet token of a JSON object: bot token, refresh token, installing user.
    secrets: Mapped[str] = mapped_column(Text)
    bot_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SlackOAuthState(Base):
    """An OAuth `state` handed to a browser at /slack/install, consumed once at the redirect."""

    __tablename__ = "slack_oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
