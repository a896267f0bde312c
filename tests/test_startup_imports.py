"""Start-up imports what its mode needs only (issue 11: start fast).

In platform mode with an up-to-date database, nothing heavy that the mode does not use is
loaded: alembic (only when migrating), numpy/rustworkx (only when a buddy round is matched),
matplotlib (only when a chart is drawn), the console adapter (only in console mode), jinja2
(only when a page is served), httpcore (only when an HTTP client of a feature first sends).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot import migrate

ROOT = Path(__file__).resolve().parent.parent

# jinja2: only when a web page is rendered; httpcore: only when the job feed (or Kaggle) first
# makes a request.
HEAVY = ["alembic", "numpy", "rustworkx", "matplotlib", "bot.adapters.console", "jinja2", "httpcore"]

PROBE = """
import asyncio, json, sys
from bot.__main__ import _checked
from bot import migrate
from bot.app import App, platform_adapters
from bot.config import load_settings

async def main():
    settings = load_settings(None)
    pending = await _checked(settings.database.url, migrate.pending_steps(settings.database.url))
    app = App(settings)
    adapters = platform_adapters(app)
    await app.close()
    return pending, [a.platform for a in adapters]

pending, platforms = asyncio.run(main())
print(json.dumps({"pending": len(pending), "platforms": platforms,
                  "loaded": sorted(m for m in %r if m in sys.modules)}))
"""


def _probe(url: str, tmp_path: Path) -> dict[str, object]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "KAGGLE_"))
    } | {
        "PYTHONPATH": str(ROOT),
        "PIVOT_DATABASE_URL": url,
        "PIVOT_DISCORD_TOKEN": "discord-token-for-the-probe",
        "PIVOT_SLACK_BOT_TOKEN": "xoxb-probe",
        "PIVOT_SLACK_SIGNING_SECRET": "probe-signing-secret",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_platform_mode_loads_no_alembic_numpy_matplotlib_or_console(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pivot.db'}"
    migrate.upgrade(url)
    found = _probe(url, tmp_path)
    assert found == {"pending": 0, "platforms": ["discord", "slack"], "loaded": []}


async def test_the_cheap_check_agrees_with_alembic(tmp_path: Path) -> None:
    """Without alembic at start, pending migrations and a newer database are still seen."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'pivot.db'}"
    revisions, heads = migrate.file_heads()
    assert len(heads) == 1 and heads <= revisions
    [head] = heads
    assert len(await migrate.pending_steps(url)) == len(revisions)  # empty database: all of them
    await migrate.upgrade_async(url, "0005")
    assert [s.revision for s in await migrate.pending_steps(url)][0] == "0006"
    assert await migrate.current_revision(url) == "0005"
    await migrate.upgrade_async(url)
    assert await migrate.pending_steps(url) == []
    assert await migrate.current_revision(url) == head
    import sqlite3

    with sqlite3.connect(tmp_path / "pivot.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'zz99'")
    try:
        await migrate.pending_steps(url)
    except migrate.DatabaseNewer as exc:
        assert "zz99" in str(exc)
    else:
        raise AssertionError("a database newer than the code was not noticed")
