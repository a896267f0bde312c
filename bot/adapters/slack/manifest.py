"""The Slack app manifest `python -m bot slack-manifest` prints, derived from code and config.

Scopes are derived from the Web API methods the adapter calls (`WEB_API_METHODS`), the
slash command and the events it subscribes to; a test checks that list against the
calls in the adapter's source, so the manifest asks for what the code needs and no more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from bot.adapters.slack.paths import EVENTS_PATH, REDIRECT_PATH
from bot.config import ConfigError

if TYPE_CHECKING:
    from bot.config import Settings

APP_NAME = "Pivot"

# Every Web API method the adapter calls (slack_sdk method name → scopes it needs, and why).
WEB_API_METHODS: dict[str, tuple[str, ...]] = {
    # bolt checks the token once at start; needs no scope.
    "auth_test": (),
    # Channel posts, DM and group-DM posts, public replies to @mentions, replies in question threads.
    "chat_postMessage": ("chat:write",),
    # Private replies to @mentions when a command's answer is only for the caller.
    "chat_postEphemeral": ("chat:write",),
    # Opening a DM (one user) or a group DM (buddy intros, several users).
    "conversations_open": ("im:write", "mpim:write"),
    # After a crash mid-send, finding an outbox post by its metadata before posting it again.
    "conversations_history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    # The same for a post inside a thread (a thread's replies are not in the channel's history).
    "conversations_replies": ("channels:history", "groups:history", "im:history", "mpim:history"),
    # Workspace admin/owner flags for `admin …` commands, and display names.
    "users_info": ("users:read",),
    # Forms behind buttons; a trigger id is the permission, no scope.
    "views_open": (),
    # Chart images: files.getUploadURLExternal + upload + files.completeUploadExternal.
    "files_upload_v2": ("files:write",),
}
# The slash command.
COMMAND_SCOPES = ("commands",)
# `@Pivot goal list` in a channel the bot is in; replies in a question's thread (public or
# private channel) count as answering it.
BOT_EVENTS: dict[str, tuple[str, ...]] = {
    "app_mention": ("app_mentions:read",),
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
}
# Many workspaces: an uninstall or a revoked token removes that workspace's installation.
OAUTH_EVENTS: dict[str, tuple[str, ...]] = {"app_uninstalled": (), "tokens_revoked": ()}


def bot_scopes() -> list[str]:
    scopes = set(COMMAND_SCOPES)
    for needed in [*WEB_API_METHODS.values(), *BOT_EVENTS.values()]:
        scopes.update(needed)
    return sorted(scopes)


def manifest(
    settings: Settings, *, socket_mode: bool | None = None, public_url: str | None = None
) -> dict[str, Any]:
    """The manifest as data.

    Socket Mode when asked, or when an app token is configured: no request URL needed.
    Otherwise HTTP mode, with request URLs at `public_url` (default `slack.public_url`) +
    /slack/events; without one there is nothing to point Slack at, so it is an error.
    """
    slack = settings.slack
    if socket_mode is None:
        socket_mode = slack.app_token is not None and public_url is None
    request_url: str | None = None
    if not socket_mode:
        base = public_url or slack.public_url
        if not base:
            raise ConfigError(
                "the manifest needs to know where Slack reaches Pivot: set PIVOT_SLACK_PUBLIC_URL "
                "(HTTP mode, e.g. https://pivot.example.org) or use --socket-mode"
            )
        request_url = base.rstrip("/") + EVENTS_PATH
    command: dict[str, Any] = {
        "command": slack.command,
        "description": "Goals, roadmap, daily challenges and study buddies",
        "usage_hint": 'help | goal add "Finish fast.ai part 1" --by in 12 weeks',
        "should_escape": True,  # mentions arrive as <@U…|name>, ids we can trust
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    oauth = slack.client_id is not None
    events: dict[str, Any] = {"bot_events": sorted(BOT_EVENTS | (OAUTH_EVENTS if oauth else {}))}
    if request_url is not None:
        command["url"] = request_url
        interactivity["request_url"] = request_url
        events["request_url"] = request_url
    return {
        "display_information": {
            "name": APP_NAME,
            "description": "Study companion for engineers moving into machine learning",
            "long_description": _LONG_DESCRIPTION.format(command=slack.command),
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {"messages_tab_enabled": True, "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": _oauth_config(oauth, public_url or slack.public_url),
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def _oauth_config(oauth: bool, base: str | None) -> dict[str, Any]:
    """The bot scopes; with many workspaces (slack.client_id set) also where Slack sends the
    browser back after an install (needs the public URL, HTTP or Socket Mode alike)."""
    config: dict[str, Any] = {"scopes": {"bot": bot_scopes()}}
    if oauth:
        if not base:
            raise ConfigError(
                "installing in many workspaces needs the public URL Slack redirects to: set "
                "PIVOT_SLACK_PUBLIC_URL (e.g. https://pivot.example.org)"
            )
        config["redirect_urls"] = [base.rstrip("/") + REDIRECT_PATH]
    return config


_LONG_DESCRIPTION = (
    "Pivot keeps your learning goals and your progress along a five-step roadmap from backend "
    "engineering to machine learning (basics, math, projects, community, jobs). It posts a daily "
    "ML/math challenge, runs accountability check-ins, surfaces Kaggle competitions you can "
    "actually enter and pairs members into study buddies. Type {command} help to start."
)


def manifest_yaml(
    settings: Settings, *, socket_mode: bool | None = None, public_url: str | None = None
) -> str:
    """Ready to paste into "Create New App → From an app manifest"."""
    data = {
        "_metadata": {"major_version": 1, "minor_version": 1},
        **manifest(settings, socket_mode=socket_mode, public_url=public_url),
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
