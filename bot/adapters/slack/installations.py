"""Many workspaces over OAuth: slack_sdk's installation and state stores over our database.

slack-bolt runs the OAuth flow (/slack/install → Slack → /slack/oauth_redirect, the
`oauth.v2.access` exchange) and authorizes each incoming request through the
installation store; these classes keep that data in Pivot's own tables. Bot tokens are
encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256) under the key in
`PIVOT_SLACK_TOKEN_KEY`; the database alone reveals no token.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.slack.models import SlackInstallation, SlackOAuthState
from bot.config import ConfigError
from bot.core.db import insert_for, rowcount
from bot.core.outbox import community_returned

log = logging.getLogger(__name__)

STATE_TTL = timedelta(minutes=10)
# A workspace's bot is looked up before every acknowledgement (bolt authorizes each request),
# so it is remembered this long in each process. Uninstalling clears it at once in the process
# that received the event; other processes notice within this time.
BOT_CACHE_SECONDS = 60.0


def make_cipher(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        raise ConfigError(
            "slack.token_key (environment PIVOT_SLACK_TOKEN_KEY) must be a Fernet key: 32 bytes "
            "in URL-safe base64; make one with `python -m bot slack-token-key`"
        ) from None


def new_key() -> str:
    return Fernet.generate_key().decode()


def _ts(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


class DatabaseInstallationStore(AsyncInstallationStore):
    """One row per (app, org, workspace): the newest installation's bot wins."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        client_id: str,
        cipher: Fernet,
    ) -> None:
        self.session_factory = session_factory
        self.client_id = client_id
        self.cipher = cipher
        self._bots: dict[tuple[str, str, bool], tuple[Bot | None, float]] = {}

    @property
    def logger(self) -> logging.Logger:
        return log

    # --- writing ------------------------------------------------------------------------------

    async def async_save(self, installation: Installation) -> None:
        if not installation.bot_token:
            raise ValueError("Pivot installs as a bot: the installation carries no bot token")
        hidden = {
            "bot_token": installation.bot_token,
            "bot_refresh_token": installation.bot_refresh_token,
            "user_id": installation.user_id,
        }
        values: dict[str, Any] = {
            "client_id": self.client_id,
            "enterprise_id": installation.enterprise_id or "",
            "team_id": "" if installation.is_enterprise_install else installation.team_id or "",
            "team_name": installation.team_name or "",
            "enterprise_name": installation.enterprise_name or "",
            "is_enterprise_install": bool(installation.is_enterprise_install),
            "app_id": installation.app_id or "",
            "bot_id": installation.bot_id or "",
            "bot_user_id": installation.bot_user_id or "",
            "bot_scopes": ",".join(installation.bot_scopes or []),
            "secrets": self.cipher.encrypt(json.dumps(hidden).encode()).decode(),
            "bot_token_expires_at": _ts(installation.bot_token_expires_at),
            "installed_at": _ts(installation.installed_at) or datetime.now(UTC),
        }
        async with self.session_factory() as session, session.begin():
            stmt = insert_for(session, SlackInstallation).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["client_id", "enterprise_id", "team_id"],
                set_={k: v for k, v in values.items() if k not in ("client_id", "enterprise_id", "team_id")},
            )
            await session.execute(stmt)
            if values["team_id"]:
                await community_returned(session, "slack", values["team_id"])
        self._bots.clear()
        log.info(
            "Slack: installed in %s (%s)",
            installation.team_id or installation.enterprise_id,
            installation.team_name or installation.enterprise_name or "",
        )

    async def async_save_bot(self, bot: Bot) -> None:
        raise NotImplementedError("bots are saved with their installation")

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.session_factory() as session, session.begin():
            await session.execute(delete(SlackInstallation).where(*self._where(enterprise_id, team_id)))
        self._bots.clear()

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is not None:
            return  # Pivot keeps no user installations: a user's revoked token removes nothing
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    # --- reading ------------------------------------------------------------------------------

    def _where(self, enterprise_id: str | None, team_id: str | None,
               is_enterprise_install: bool | None = False) -> list[Any]:
        where = [
            SlackInstallation.client_id == self.client_id,
            SlackInstallation.enterprise_id == (enterprise_id or ""),
        ]
        if not is_enterprise_install:
            where.append(SlackInstallation.team_id == (team_id or ""))
        return where

    async def _row(self, enterprise_id: str | None, team_id: str | None,
                   is_enterprise_install: bool | None) -> tuple[SlackInstallation, dict[str, Any]] | None:
        async with self.session_factory() as session:
            row = (
                await session.execute(
                    select(SlackInstallation)
                    .where(*self._where(enterprise_id, team_id, is_enterprise_install))
                    .order_by(SlackInstallation.installed_at.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        if row is None:
            return None
        try:
            hidden = json.loads(self.cipher.decrypt(row.secrets.encode()))
        except InvalidToken:
            log.error(
                "Slack: the installation of %s cannot be decrypted: PIVOT_SLACK_TOKEN_KEY is not "
                "the key it was saved with",
                row.team_id or row.enterprise_id,
            )
            return None
        return row, hidden

    def _common(self, row: SlackInstallation, hidden: dict[str, Any]) -> dict[str, Any]:
        expires = row.bot_token_expires_at
        return {
            "app_id": row.app_id or None,
            "enterprise_id": row.enterprise_id or None,
            "enterprise_name": row.enterprise_name or None,
            "team_id": row.team_id or None,
            "team_name": row.team_name or None,
            "bot_token": hidden["bot_token"],
            "bot_id": row.bot_id,
            "bot_user_id": row.bot_user_id,
            "bot_scopes": row.bot_scopes,
            "bot_refresh_token": hidden.get("bot_refresh_token"),
            "bot_token_expires_at": int(expires.timestamp()) if expires else None,
            "is_enterprise_install": row.is_enterprise_install,
            "installed_at": row.installed_at.timestamp(),
        }

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        key = (enterprise_id or "", team_id or "", bool(is_enterprise_install))
        cached = self._bots.get(key)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        found = await self._row(enterprise_id, team_id, is_enterprise_install)
        bot = Bot(**self._common(*found)) if found else None
        if len(self._bots) > 10_000:
            self._bots.clear()
        self._bots[key] = (bot, now + (BOT_CACHE_SECONDS if bot else 5.0))
        return bot

    async def async_find_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        if user_id is not None:
            return None
        found = await self._row(enterprise_id, team_id, is_enterprise_install)
        if found is None:
            return None
        row, hidden = found
        return Installation(user_id=hidden.get("user_id") or "", **self._common(row, hidden))


class DatabaseStateStore(AsyncOAuthStateStore):
    """OAuth `state` values, valid once and for ten minutes, in any process."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        async with self.session_factory() as session, session.begin():
            await session.execute(delete(SlackOAuthState).where(SlackOAuthState.expires_at < now))
            session.add(SlackOAuthState(state=state, expires_at=now + STATE_TTL))
        return state

    async def async_consume(self, state: str) -> bool:
        async with self.session_factory() as session, session.begin():
            result = await session.execute(
                delete(SlackOAuthState).where(
                    SlackOAuthState.state == state[:64],
                    SlackOAuthState.expires_at >= datetime.now(UTC),
                )
            )
        return bool(rowcount(result))
