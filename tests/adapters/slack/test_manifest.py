"""The app manifest: valid YAML, the configured command, exactly the scopes the code needs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.__main__ import main
from bot.adapters.slack import manifest as manifest_module
from bot.config import ConfigError, Settings

SLACK_SOURCE = Path(manifest_module.__file__).parent


def web_api_calls_in_source() -> set[str]:
    """Every `<something>.<Web API method>(…)` call in the adapter's code."""
    found: set[str] = set()
    for path in SLACK_SOURCE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and not node.func.attr.startswith("_")
                and callable(getattr(AsyncWebClient, node.func.attr, None))
                and node.func.attr not in {"api_call"}
            ):
                found.add(node.func.attr)
    return found


def test_the_method_list_matches_the_code() -> None:
    # auth.test is called by bolt itself (once, to learn the bot's ids).
    assert web_api_calls_in_source() | {"auth_test"} == set(manifest_module.WEB_API_METHODS)


def test_manifest_for_http_mode(tmp_path: Path) -> None:
    settings = Settings(slack={"command": "/study", "public_url": "https://pivot.example.org/"})
    data = yaml.safe_load(manifest_module.manifest_yaml(settings))

    (command,) = data["features"]["slash_commands"]
    assert command["command"] == "/study"
    assert command["url"] == "https://pivot.example.org/slack/events"
    assert command["description"] and command["usage_hint"]
    assert data["oauth_config"]["scopes"]["bot"] == [
        "app_mentions:read",  # the app_mention event
        "channels:history",  # conversations.history (recovering a post interrupted mid-send), message.channels
        "chat:write",  # chat.postMessage, chat.postEphemeral
        "commands",  # the slash command
        "files:write",  # chart uploads
        "groups:history",  # the same in private channels, message.groups
        "im:history",
        "im:write",  # conversations.open for a DM
        "mpim:history",
        "mpim:write",  # conversations.open for a group DM
        "users:read",  # users.info: admin flags, names
    ]
    assert data["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": "https://pivot.example.org/slack/events",
    }
    assert data["settings"]["event_subscriptions"] == {
        # Replies in a question's thread (public and private channels) count as answers.
        "bot_events": ["app_mention", "message.channels", "message.groups"],
        "request_url": "https://pivot.example.org/slack/events",
    }
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["features"]["bot_user"]["display_name"] == "Pivot"
    assert "/study help" in data["display_information"]["long_description"]
    assert 175 <= len(data["display_information"]["long_description"]) <= 4000


def test_manifest_for_many_workspaces_redirects_back_and_hears_uninstalls() -> None:
    settings = Settings(
        slack={"client_id": "1111.2222", "public_url": "https://pivot.example.org"}
    )
    data = yaml.safe_load(manifest_module.manifest_yaml(settings))
    assert data["oauth_config"]["redirect_urls"] == [
        "https://pivot.example.org/slack/oauth_redirect"
    ]
    assert data["settings"]["event_subscriptions"]["bot_events"] == [
        "app_mention", "app_uninstalled", "message.channels", "message.groups", "tokens_revoked",
    ]
    no_url = Settings(slack={"client_id": "1111.2222", "app_token": "xapp-1-test"})
    with pytest.raises(ConfigError, match="PIVOT_SLACK_PUBLIC_URL"):
        manifest_module.manifest(no_url)


def test_manifest_for_socket_mode_needs_no_url() -> None:
    settings = Settings(slack={"app_token": "xapp-1-test"})
    data = yaml.safe_load(manifest_module.manifest_yaml(settings))
    assert data["settings"]["socket_mode_enabled"] is True
    assert "url" not in data["features"]["slash_commands"][0]
    assert "request_url" not in data["settings"]["interactivity"]


def test_the_cli_prints_it_and_explains_a_missing_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no config.toml around
    for name in ("PIVOT_CONFIG", "PIVOT_SLACK_PUBLIC_URL", "PIVOT_SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    assert main(["slack-manifest", "--public-url", "https://bot.example.com"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["_metadata"] == {"major_version": 1, "minor_version": 1}
    assert printed["features"]["slash_commands"][0]["url"] == "https://bot.example.com/slack/events"

    assert main(["slack-manifest"]) == 2
    assert "PIVOT_SLACK_PUBLIC_URL" in capsys.readouterr().err

    assert main(["slack-manifest", "--socket-mode"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["settings"]["socket_mode_enabled"] is True


def test_a_public_url_without_a_scheme_is_refused_in_one_line(capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.__main__ import main

    assert main(["slack-manifest", "--public-url", "pivot.example.org"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "must start with https://" in err and "https://pivot.example.org" in err
