"""A log scan at DEBUG: no secret and no Slack signing material reaches any log line.

Two sessions with every secret configured (Discord and Slack bot tokens, the Slack signing
secret, a Kaggle key): a console session in a real `python -m bot console` process, and a Slack
HTTP-mode session (slash command, button, form submit, mention, a forged request) through the
real adapter with the app's own logging set up at DEBUG. Every line is captured and scanned.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.logs import configure_logging
from tests.adapters.slack.conftest import SIGNING_SECRET, SlackHarness
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parents[3]
DISCORD_TOKEN = "MTA5ODc2NTQzMjEw.discord-secret-token.abcdef"
SLACK_TOKEN = "xoxb-test-token"
KAGGLE_KEY = "kaggle-secret-key-0123456789abcdef"


@pytest.fixture
def slack_settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    """The adapter tests' settings with every secret set (and a Kaggle key)."""
    return Settings(
        database={"url": database_url},
        slack={
            "bot_token": SLACK_TOKEN,
            "signing_secret": SIGNING_SECRET,
            "api_url": fake_slack.base_url.rstrip("/"),
        },
        kaggle={"username": "ada", "key": KAGGLE_KEY},
        http={"host": "127.0.0.1", "port": 0},
    )


@pytest.fixture
def debug_log(slack_settings: Settings) -> Iterator[io.StringIO]:
    """The app's own logging (format, redaction, library levels) at DEBUG, into a buffer."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("DEBUG", secrets=slack_settings.secret_values(), stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def _forbidden(signatures: list[str]) -> list[str]:
    return [DISCORD_TOKEN, SLACK_TOKEN, SIGNING_SECRET, KAGGLE_KEY, *signatures]


async def test_a_slack_http_session_at_debug_logs_no_secret_or_signature(
    debug_log: io.StringIO, slack: SlackHarness
) -> None:
    signatures: list[str] = []
    real = slack.signer.generate_signature

    def recording(**kwargs: Any) -> str:
        signature = real(**kwargs)
        signatures.append(signature)
        return signature

    slack.signer.generate_signature = recording  # type: ignore[method-assign]
    reply = await slack.command_reply("goal add Read the signing docs")
    assert "Read the signing docs" in str(reply)
    buttons = await slack.command_reply("probe buttons", key="b")
    element = next(
        e for block in buttons["blocks"] if block["type"] == "actions" for e in block["elements"]
        if e["type"] == "button"
    )
    assert (await slack.click(element)).status == 200
    assert (await slack.mention(f"<@{slack.fake.bot_user_id}> goal list")).status == 200
    forged = await slack.send("token=x&text=goal+list", "application/x-www-form-urlencoded",
                              signature="v0=" + "1" * 64)
    assert forged.status == 401
    await slack.adapter.idle()
    logged = debug_log.getvalue()
    # The capture is live (libraries the app quietens stay at WARNING even at DEBUG).
    assert len(signatures) >= 4 and "HTTP server listening" in logged
    leaked = [s for s in _forbidden([*signatures, "v0=" + "1" * 64]) if s in logged]
    assert leaked == [], leaked


def test_a_console_session_at_debug_logs_no_secret(tmp_path: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "KAGGLE_"))}
    env |= {
        "PIVOT_DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "PIVOT_LOGGING_LEVEL": "DEBUG",
        "PIVOT_DATABASE_ECHO": "true",
        "PIVOT_DISCORD_TOKEN": DISCORD_TOKEN,
        "PIVOT_SLACK_BOT_TOKEN": SLACK_TOKEN,
        "PIVOT_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "KAGGLE_USERNAME": "ada",
        "KAGGLE_KEY": KAGGLE_KEY,
    }
    script = "goal add Learn about tokens\ngoal list\nkaggle status\nadmin show\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--no-migrate", "--verbose"], input=script,
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Learn about tokens" in result.stdout
    assert "DEBUG" in result.stderr
    leaked = [s for s in _forbidden([]) if s in result.stderr or s in result.stdout]
    assert leaked == [], leaked
