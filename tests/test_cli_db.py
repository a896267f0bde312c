"""`python -m bot db …` and start-up against a database: confirmation, backups, one-line failures."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot import migrate
from bot.__main__ import main


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pivot.db'}"
    migrate.upgrade(url)
    monkeypatch.setenv("PIVOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def _tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as connection:
        return {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_downgrade_lists_what_it_drops_and_needs_confirmation(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["db", "downgrade", "0005"]) == 2
    out, err = capsys.readouterr()
    assert "0006: buddies tables — DROPS buddy_group_members" in out
    assert "add --yes" in err
    assert "buddy_profiles" in _tables(tmp_path / "pivot.db")  # nothing changed

    assert main(["db", "downgrade", "0005", "--yes"]) == 0
    assert "buddy_profiles" not in _tables(tmp_path / "pivot.db")


def test_downgrade_asks_on_a_terminal_and_no_keeps_everything(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _prompt: "no")
    assert main(["db", "downgrade"]) == 1
    assert "Nothing changed." in capsys.readouterr().out
    assert "community_counters" in _tables(tmp_path / "pivot.db")


def test_backup_then_restore_round_trip_on_sqlite(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "pivot.db"
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("INSERT INTO communities (platform, external_id, name, timezone, challenge_time,"
                           " created_at) VALUES ('console', 'local', 'Before', 'UTC', '09:00:00', "
                           "'2026-12-01 00:00:00')")
    assert main(["db", "backup", str(tmp_path / "backup.db")]) == 0
    assert "Backed up" in capsys.readouterr().out
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("DELETE FROM communities")
    # Restore as docs/deploy.md says: stop Pivot, remove the WAL files, copy the backup back.
    for leftover in (tmp_path / "pivot.db-wal", tmp_path / "pivot.db-shm"):
        leftover.unlink(missing_ok=True)
    db.write_bytes((tmp_path / "backup.db").read_bytes())
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("SELECT name FROM communities").fetchall() == [("Before",)]
    assert main(["db", "current"]) == 0
    assert "(up to date)" in capsys.readouterr().out


def test_backup_on_postgresql_prints_the_pg_dump_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIVOT_DATABASE_URL", "postgresql://pivot:s3cret-pw@db:5432/pivot")
    assert main(["db", "backup", "pivot.dump"]) == 2
    out = capsys.readouterr().out
    assert "pg_dump --format=custom --file=pivot.dump --host=db --port=5432 --username=pivot pivot" in out
    assert "s3cret-pw" not in out


def test_a_database_newer_than_the_code_is_refused(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with closing(sqlite3.connect(tmp_path / "pivot.db")) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    assert main(["console"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pivot: the database is at revision 9999, which this Pivot does not know")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://postgres:hunter22@127.0.0.1:1/pivot", "nothing accepts connections at 127.0.0.1:1"),
        ("postgresql://postgres:hunter22@host.invalid:5432/pivot", "host 'host.invalid' cannot be resolved"),
        ("sqlite:////nonexistent-dir/x/pivot.db", "not writable"),
    ],
)
def test_an_unusable_database_is_one_line_with_the_password_masked(
    url: str, reason: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIVOT_DATABASE_URL", url)
    assert main(["console"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pivot: cannot open the database ") and reason in err
    assert err.count("\n") == 1 and "hunter22" not in err and "Traceback" not in err
