"""The console is the zero-token way in: piped sessions must work exactly like a chat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.core.tenancy import Member
from bot.features.goals.models import Goal
from tests.conftest import ConsoleHarness

ROOT = Path(__file__).resolve().parents[2]


def test_piped_session_through_the_cli(database_url: str, tmp_path: Path) -> None:
    """`python -m bot` with no tokens opens the console; a scripted session walks the core loop."""
    script = "\n".join([
        'goal add "Finish the fast.ai course part 1" --by 2029-03-01 --step basics',
        "goal list",
        'goal progress 1 40 --note "lesson 3 done"',
        "roadmap check basics-1",
        "roadmap",
    ]) + "\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "KAGGLE_"))}
    env["PIVOT_DATABASE_URL"] = database_url
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--no-migrate"],
        input=script, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Goal #1 added" in out
    assert "Finish the fast.ai course part 1" in out
    assert "▰▰▰▰▱▱▱▱▱▱ 40%" in out
    assert "✅ Train your first model end to end" in out
    assert "1. ML basics  ▰▱▱▱▱▱▱▱▱▱ 1/9" in out
    assert "2. Math & statistics  ▱▱▱▱▱▱▱▱▱▱ 0/10" in out


def test_run_without_a_platform_and_without_a_terminal_exits_2_in_one_line(tmp_path: Path) -> None:
    """In a container with no token and a closed stdin, `run` must not open a console and exit 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "KAGGLE_"))}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], stdin=subprocess.DEVNULL, capture_output=True,
        text=True, cwd=tmp_path, env=env, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr == ("pivot: no platform configured: set PIVOT_DISCORD_TOKEN or "
                             "PIVOT_SLACK_BOT_TOKEN, or run `console`\n")
    assert not (tmp_path / "pivot.db").exists()


async def test_as_switches_member_and_drops_admin(console: ConsoleHarness) -> None:
    assert "Time zone" in await console.say("admin show")
    out = await console.say("/as grace", "admin show")
    assert "You are now grace." in out
    assert "Only community admins can run `admin show`." in out
    out = await console.say("/as", "admin show")
    assert "You are now ada (admin)." in out
    assert "Time zone" in out


async def test_as_rejects_odd_names(console: ConsoleHarness, app) -> None:
    out = await console.say("/as <script>")
    assert "Names are letters" in out
    async with app.session_factory() as session:
        count = (await session.execute(select(func.count()).select_from(Member))).scalar_one()
    assert count == 0


async def test_help_at_every_level(console: ConsoleHarness) -> None:
    top = await console.say("help")
    assert "`goal` — Set learning goals" in top
    assert "`roadmap` — " in top
    group = await console.say("goal --help")
    assert "goal add TEXT… [--by YYYY-MM-DD]" in group
    assert "goal progress ID PERCENT [--note NOTE]" in group
    assert await console.say("goal help") == group
    command = await console.say("goal add --help")
    assert "--by: Target date (optional)" in command


async def test_numbered_choices_pick_buttons(console: ConsoleHarness) -> None:
    out = await console.say("7")
    assert "Nothing to choose from right now." in out


async def test_wait_moves_time(console: ConsoleHarness, clock) -> None:
    before = clock.now()
    out = await console.say("/wait 2h")
    assert "time passes" in out
    assert (clock.now() - before).total_seconds() == 2 * 3600
    assert "a duration like 30m" in await console.say("/wait soon")


async def test_unknown_command_changes_nothing(console: ConsoleHarness, app) -> None:
    out = await console.say("gaol add typo")
    assert "There's no command 'gaol'. Did you mean `goal`?" in out
    async with app.session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(Goal))).scalar_one() == 0
