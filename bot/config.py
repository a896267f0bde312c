"""Settings: `config.toml` plus environment overrides; secrets only from the environment.

Every setting has a section and a key (`[discord] api_url`); the environment
overrides it as `PIVOT_<SECTION>_<KEY>` (`PIVOT_DISCORD_API_URL`). Kaggle's own
variables (`KAGGLE_USERNAME`, `KAGGLE_KEY`, `KAGGLE_API_TOKEN`) are honoured as the
official CLI does. A wrong value fails fast at start, naming the key.
"""

from __future__ import annotations

import os
import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.core.commands import parse_timezone
from bot.core.errors import InvalidInput

SECRET_KEYS = {
    ("discord", "token"): "PIVOT_DISCORD_TOKEN",
    ("slack", "bot_token"): "PIVOT_SLACK_BOT_TOKEN",
    ("slack", "signing_secret"): "PIVOT_SLACK_SIGNING_SECRET",
    ("slack", "app_token"): "PIVOT_SLACK_APP_TOKEN",
    ("slack", "client_secret"): "PIVOT_SLACK_CLIENT_SECRET",
    ("slack", "token_key"): "PIVOT_SLACK_TOKEN_KEY",
    ("kaggle", "key"): "KAGGLE_KEY",
    ("kaggle", "api_token"): "KAGGLE_API_TOKEN",
    ("github", "token"): "PIVOT_GITHUB_TOKEN",
}


class ConfigError(Exception):
    """A setting is wrong; the message names the key and what is expected."""


class DatabaseSettings(BaseModel):
    url: str = "sqlite+aiosqlite:///pivot.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.split(":///", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value


class DiscordSettings(BaseModel):
    token: SecretStr | None = None
    api_url: str | None = None
    gateway_url: str | None = None
    application_id: str | None = None
    shard_ids: list[int] | None = None
    shard_count: int | None = None
    # Register the slash commands at start when their definition changed (a hash is kept in
    # the database, so unchanged restarts and extra shard processes don't register again).
    sync_commands: bool = True
    # Requests per second this process sends to Discord's REST API for outbox posts
    # (Discord's global limit is 50/s per bot unless raised).
    global_rate_limit: float = Field(default=50.0, gt=0)


class SlackSettings(BaseModel):
    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    api_url: str | None = None
    # Where Slack reaches this bot in HTTP mode (https://pivot.example.org); the manifest's
    # request URLs are this + /slack/events. Not needed with Socket Mode (app_token).
    public_url: str | None = None
    command: str = "/pivot"
    # Slack user ids (U…) allowed to run `admin …` besides workspace admins and owners.
    admins: list[str] = Field(default_factory=list)
    # Many workspaces: the app's OAuth client id and secret (Basic Information → App
    # Credentials) turn on /slack/install and /slack/oauth_redirect; bot tokens are then
    # per workspace, kept encrypted under token_key (a Fernet key), and bot_token is unused.
    client_id: str | None = None
    client_secret: SecretStr | None = None
    token_key: SecretStr | None = None
    # Where Slack's OAuth pages live (tests point it at the fake; default slack.com).
    oauth_url: str = "https://slack.com/oauth/v2/authorize"
    # Work after the acknowledgement runs on this many workers; when `queue` requests are
    # already waiting, a new one is answered "busy" at once instead of piling up. The work
    # shares the event loop with the acks: on a 2-core machine 4 workers gave the most replies/s
    # and kept acks at 0.8–0.9x bare bolt; 8 gave fewer replies and halved acks (bench/README.md).
    workers: int = Field(default=4, ge=1, le=256)
    queue: int = Field(default=64, ge=1)

    @property
    def oauth(self) -> bool:
        """Many workspaces over OAuth (client id and secret set) rather than one bot token."""
        return self.client_id is not None and self.client_secret is not None

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None or self.oauth

    @field_validator("command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith("/") or " " in value or len(value) > 32:
            raise ValueError("must look like /pivot")
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_public_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (Slack refuses request URLs without it)")
        return value


DEFAULT_HTTP_PORT = 3000


class HttpSettings(BaseModel):
    # Loopback by default: /metrics and /readyz are not for the internet. Set 0.0.0.0 (the
    # Docker image does) behind a reverse proxy or a private network.
    host: str = "127.0.0.1"
    # Setting it (PIVOT_HTTP_PORT) starts Pivot's HTTP server in every mode; without it the
    # server runs only when Slack is in HTTP mode or public_url is set, on 3000.
    # 0 lets the OS pick a free port (the tests do this).
    port: int | None = Field(default=None, ge=0, le=65535)
    # Where people reach this server from outside (https://pivot.example.org): links to
    # public pages are built from it.
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http://)")
        return value.rstrip("/") if value else value

    @property
    def configured(self) -> bool:
        return self.port is not None or self.public_url is not None

    @property
    def bind_port(self) -> int:
        return DEFAULT_HTTP_PORT if self.port is None else self.port


class KaggleSettings(BaseModel):
    username: str | None = None
    key: SecretStr | None = None
    api_token: SecretStr | None = None
    api_url: str = "https://api.kaggle.com"
    poll_hours: float = Field(default=6.0, gt=0)
    categories: list[str] = Field(default_factory=lambda: ["getting-started", "playground", "featured"])
    reminder_days: list[int] = Field(default_factory=lambda: [7, 1])


class JobsSettings(BaseModel):
    """The public job-board APIs the jobs feed polls (no credentials: they are public)."""

    greenhouse_url: str = "https://boards-api.greenhouse.io"
    lever_url: str = "https://api.lever.co"
    ashby_url: str = "https://api.ashbyhq.com"
    poll_hours: float = Field(default=6.0, gt=0)
    timeout_seconds: float = Field(default=20.0, gt=0)
    nudge_days: int = Field(default=10, ge=1)


class GitHubSettings(BaseModel):
    # Optional: without a token GitHub allows 60 requests an hour, with one 5,000.
    token: SecretStr | None = None
    api_url: str = "https://api.github.com"

    @field_validator("api_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http://)")
        return value.rstrip("/")


class SchedulerSettings(BaseModel):
    tick_seconds: int = Field(default=60, ge=5)
    grace_minutes: int = Field(default=180, ge=0)


class ClockSettings(BaseModel):
    # "system": the real time (production). "database": system time plus an offset kept in the
    # database that every process follows (a simulated clock for tests and demos against local
    # fakes; refused with the real Discord or Slack API). See bot/core/clockstate.py.
    source: Literal["system", "database"] = "system"
    # With source = "database": how often each process looks whether the clock moved.
    poll_seconds: float = Field(default=1.0, gt=0, le=60)


class OutboxSettings(BaseModel):
    max_attempts: int = Field(default=8, ge=1)
    backoff_seconds: float = Field(default=30, gt=0)
    # How long a claimed row stays with one worker without renewal (renewed every third).
    lease_seconds: float = Field(default=60, ge=1)
    # Rows a worker holds at once, and sends in flight at once (over all destinations).
    batch: int = Field(default=200, ge=1)
    concurrency: int = Field(default=32, ge=1)


class CommunityDefaults(BaseModel):
    timezone: str = "UTC"
    challenge_time: time = time(9, 0)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            return parse_timezone(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None


class ConsoleSettings(BaseModel):
    member: str = Field(default_factory=lambda: os.environ.get("USER") or "you")
    community: str = "Local study group"


class HealthSettings(BaseModel):
    # /readyz turns 503 when the oldest due outbox row has waited longer than this …
    outbox_stuck_seconds: float = Field(default=900.0, gt=0)
    # … or when no scheduled tick has finished for this long.
    tick_stale_seconds: float = Field(default=300.0, gt=0)


class LoggingSettings(BaseModel):
    level: str = "INFO"
    # "text" for people, "json" for log collectors (one JSON object per line).
    format: Literal["text", "json"] = "text"

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value


class _TomlSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.data


class _KaggleEnvSource(PydanticBaseSettingsSource):
    """KAGGLE_USERNAME / KAGGLE_KEY / KAGGLE_API_TOKEN, as the official kaggle CLI reads them."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        kaggle = {
            key: os.environ[name]
            for key, name in (("username", "KAGGLE_USERNAME"), ("key", "KAGGLE_KEY"),
                              ("api_token", "KAGGLE_API_TOKEN"))
            if os.environ.get(name)
        }
        return {"kaggle": kaggle} if kaggle else {}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PIVOT_", env_nested_delimiter="_", env_nested_max_split=1, extra="forbid",
        # An empty variable (PIVOT_DISCORD_TOKEN= in an .env file) means "not set".
        env_ignore_empty=True,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    kaggle: KaggleSettings = Field(default_factory=KaggleSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    github: GitHubSettings = Field(default_factory=GitHubSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    clock: ClockSettings = Field(default_factory=ClockSettings)
    community: CommunityDefaults = Field(default_factory=CommunityDefaults)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest priority first: explicit init values, PIVOT_* env, KAGGLE_* env, config.toml.
        return (init_settings, env_settings, _KaggleEnvSource(settings_cls),
                _TomlSource(settings_cls, _PENDING_TOML))

    def secret_values(self) -> list[str]:
        """Every configured secret (tokens, keys, the database password), for log redaction."""
        values = []
        for section, key in SECRET_KEYS:
            value = getattr(getattr(self, section), key, None)
            if isinstance(value, SecretStr):
                values.append(value.get_secret_value())
        from sqlalchemy.engine import make_url

        try:
            password = make_url(self.database.url).password
        except Exception:
            password = None
        if password:
            values.append(str(password))
        return values

    def clock_refusal(self) -> str | None:
        """Why this configuration may not run on the simulated clock (None: it may). Against a
        real platform it would post challenges and check-ins at the wrong time to people."""
        if self.clock.source != "database":
            return None
        real = []
        if self.discord.token is not None and not self.discord.api_url:
            real.append("discord.api_url")
        if self.slack.enabled and not self.slack.api_url:
            real.append("slack.api_url")
        if not real:
            return None
        return (
            'clock.source = "database" (a simulated clock, for tests and demos) runs only against '
            f"local fakes, but {' and '.join(real)} is not set (the real API is used); "
            'use clock.source = "system"'
        )

    @property
    def has_platform(self) -> bool:
        return self.discord.token is not None or self.slack.enabled


_PENDING_TOML: dict[str, Any] = {}


def load_settings(path: str | Path | None = None) -> Settings:
    """Read config.toml (from `path`, `PIVOT_CONFIG`, or ./config.toml if present) and the environment."""
    chosen = path or os.environ.get("PIVOT_CONFIG")
    data: dict[str, Any] = {}
    if chosen is not None:
        file = Path(chosen)
        if not file.is_file():
            raise ConfigError(f"config file not found: {file}")
        data = _read_toml(file)
    elif Path("config.toml").is_file():
        data = _read_toml(Path("config.toml"))
    for (section, key), env_name in SECRET_KEYS.items():
        if key in data.get(section, {}):
            raise ConfigError(
                f"[{section}] {key} is a secret: remove it from the config file and set {env_name} "
                "in the environment instead"
            )
    _PENDING_TOML.clear()
    _PENDING_TOML.update(data)
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None
    finally:
        _PENDING_TOML.clear()


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None


def _explain(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    key = ".".join(loc)
    env = "PIVOT_" + "_".join(loc).upper() if len(loc) == 2 else None
    where = f"{key} (environment {env})" if env else key
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a known setting (see config.example.toml)"
    return f"invalid setting {where}: {message}"
