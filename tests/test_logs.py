"""What reaches the logs: members' text never at INFO or above, secrets never, JSON on request."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.logs import configure_logging

ROOT = Path(__file__).resolve().parents[1]


def test_a_console_session_logs_no_member_text_and_no_secret(tmp_path: Path, database_url: str) -> None:
    distinctive = "Zanzibar-quokka-7731 regression study"
    script = f'goal add "{distinctive}"\ngoal list\ngoal progress 1 50 --note "{distinctive} note"\n'
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "KAGGLE_"))}
    env |= {"PIVOT_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), "PIVOT_LOGGING_LEVEL": "INFO",
            "PIVOT_DATABASE_ECHO": "true", "KAGGLE_KEY": "kaggle-secret-key-123456"}
    result = subprocess.run([sys.executable, "-m", "bot", "console", "--no-migrate", "--verbose"], input=script,
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert distinctive in result.stdout  # the member saw it …
    assert "Zanzibar" not in result.stderr  # … the log did not, even with SQL echo on
    assert " INFO " in result.stderr  # (--verbose: the log is there to be read)
    assert "kaggle-secret-key-123456" not in result.stderr


def test_secrets_are_redacted_even_from_tracebacks() -> None:
    stream = io.StringIO()
    configure_logging("INFO", secrets=["xoxb-very-secret-token"], stream=stream)
    log = logging.getLogger("pivot.test")
    try:
        raise RuntimeError("bad token xoxb-very-secret-token")
    except RuntimeError:
        log.exception("call failed with %s", "xoxb-very-secret-token")
    assert "xoxb-very-secret-token" not in stream.getvalue()
    assert "call failed with ***" in stream.getvalue() and "bad token ***" in stream.getvalue()


def test_json_lines_carry_the_context() -> None:
    from bot.core.logcontext import log_context

    stream = io.StringIO()
    configure_logging("INFO", fmt="json", stream=stream)
    with log_context(community=7, platform="slack", command="goal add"):
        logging.getLogger("bot.core.dispatch").warning("slow command")
    entry = json.loads(stream.getvalue().strip())
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.core.dispatch"
    assert (entry["message"], entry["community"], entry["platform"], entry["command"]) == (
        "slow command", 7, "slack", "goal add")
    assert entry["time"].endswith("+00:00")
