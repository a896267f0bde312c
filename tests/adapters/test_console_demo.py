"""The console as a faithful stand-in: buttons bound to their message, a demo clock that
survives a restart, /reset, logs kept out of the chat, no traceback on odd input."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import Settings
from bot.core.clock import OffsetClock
from bot.features.goals.models import Goal
from tests.conftest import ConsoleHarness

ROOT = Path(__file__).resolve().parents[2]


async def test_a_number_presses_only_the_last_messages_buttons(console: ConsoleHarness) -> None:
    await console.say("admin set channel checkins #checkins", "checkin schedule daily 09:00")
    out = await console.say("/wait 1h")
    assert "[1] Done" in out and "· message #1" in out
    # A command's reply without buttons is now the last message: a bare number presses nothing.
    out = await console.say("goal list", "2")
    assert "The last message has no buttons" in out and "#3 1" in out
    assert "Progress is progress" not in out
    # The old message can still be answered by its number.
    out = await console.say("#1 2")
    assert "Progress is progress" in out
    # The plain acknowledgement of a press leaves the pressed message current.
    assert "There's no message #9" in await console.say("#9 1")
    assert "Message #1 has buttons 1 to" in await console.say("#1 9")


async def test_a_fresh_console_has_nothing_to_press(console: ConsoleHarness) -> None:
    assert "Nothing to choose from right now." in await console.say("1")


async def test_comment_lines_are_not_presses(console: ConsoleHarness) -> None:
    assert await console.say("# just a comment") == ""


async def test_the_demo_clock_survives_a_restart(settings: Settings) -> None:
    first = App(settings, clock=OffsetClock())
    try:
        console = ConsoleAdapter(first, out=io.StringIO())
        first.attach(console)
        await console.handle_line("/wait 3d")
        assert abs(first.clock.offset - timedelta(days=3)) < timedelta(seconds=1)
    finally:
        await first.close()
    second = App(settings, clock=OffsetClock())
    try:
        out = io.StringIO()
        console = ConsoleAdapter(second, out=out)
        second.attach(console)
        await console.handle_line("/now")
        assert second.clock.offset == timedelta(days=3)
        assert "(demo clock)" in out.getvalue()
        # /reset asks first; anything but yes keeps everything.
        await console.handle_line('goal add "Keep me"')
        await console.handle_line("/reset")
        await console.handle_line("no")
        assert "Nothing was deleted." in out.getvalue()
        await console.handle_line("/reset")
        await console.handle_line("yes")
        assert "Started over" in out.getvalue()
        assert second.clock.offset == timedelta()
        async with second.session_factory() as session:
            assert (await session.execute(select(func.count()).select_from(Goal))).scalar_one() == 0
        await console.handle_line('goal add "Fresh start"')
        assert "Goal #1 added" in out.getvalue().rsplit("Started over", 1)[1]
    finally:
        await second.close()


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "KAGGLE_"))}
    env["PIVOT_DATABASE_URL"] = database_url
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_logs_go_to_a_file_and_invalid_utf8_is_no_traceback(database_url: str, tmp_path: Path) -> None:
    script = b'goal add "caf\xff\xfe latte"\ngoal list\n'
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"], input=script, capture_output=True,
        cwd=tmp_path, env=_env(database_url), timeout=120, check=False,
    )
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    assert "Traceback" not in out + err
    assert "Goal #1 added" in out and "caf" in out
    log_file = tmp_path / "pivot-console.log"
    assert f"logs go to {log_file}" in err
    assert " INFO " not in out
    assert log_file.exists()


def test_commands_piped_into_head_is_quiet(tmp_path: Path) -> None:
    env = _env("sqlite+aiosqlite:///" + str(tmp_path / "x.db"))
    proc = subprocess.Popen([sys.executable, "-m", "bot", "commands"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err
