"""Run Alembic from code: `python -m bot db …`, `run` at start, and the tests."""

from __future__ import annotations

import asyncio
import inspect
import re
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.db import make_engine

if TYPE_CHECKING:  # alembic is imported only when something is migrated or listed (start-up speed)
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "migrations" / "versions"
VERSION_TABLE = "alembic_version"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


async def _with_connection(engine: AsyncEngine, fn: str, *args: str) -> None:
    async with engine.begin() as connection:
        def run(sync_connection: object) -> None:
            from alembic import command

            config = alembic_config(str(engine.url))
            config.attributes["connection"] = sync_connection
            getattr(command, fn)(config, *args)

        await connection.run_sync(run)


def upgrade(url: str, revision: str = "head") -> None:
    _run(url, "upgrade", revision)


def downgrade(url: str, revision: str = "-1") -> None:
    _run(url, "downgrade", revision)


def current(url: str) -> None:
    _run(url, "current")


def _run(url: str, fn: str, *args: str) -> None:
    async def main() -> None:
        engine = make_engine(url)
        try:
            await _with_connection(engine, fn, *args)
        finally:
            await engine.dispose()

    asyncio.run(main())


async def upgrade_async(url: str, revision: str = "head") -> None:
    """For code already inside an event loop (the app at start, the test fixtures)."""
    engine = make_engine(url)
    try:
        await _with_connection(engine, "upgrade", revision)
    finally:
        await engine.dispose()


async def downgrade_async(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        await _with_connection(engine, "downgrade", revision)
    finally:
        await engine.dispose()


# --- what a change will do, before it is done ---------------------------------------------------


class DatabaseNewer(Exception):
    """The database carries a revision this code does not know: it was migrated by a newer Pivot."""


@dataclass(frozen=True)
class Step:
    revision: str
    title: str
    drops: tuple[str, ...] = ()


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))


_REVISION_RE = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*[\"'](\w+)[\"']", re.MULTILINE)
_DOWN_RE = re.compile(
    r"^down_revision(?:\s*:[^=]+)?\s*=\s*(None|[\"'](\w+)[\"'])", re.MULTILINE
)


def file_heads() -> tuple[set[str], set[str]]:
    """(every revision id, the head ids) read from the migration files' text, without alembic.

    Only the plain `revision = "…"` / `down_revision = "…"|None` lines are understood; a file
    that says anything else (a tuple of parents, a computed id) makes this return no heads,
    and callers fall back to alembic itself.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION_RE.search(source), _DOWN_RE.search(source)
        if found is None or down is None:
            return set(), set()
        revisions.add(found.group(1))
        if down.group(2):
            parents.add(down.group(2))
    return revisions, revisions - parents


def _read_versions(sync_connection: object) -> list[str]:
    if not sa_inspect(sync_connection).has_table(VERSION_TABLE):
        return []
    rows = sync_connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))  # type: ignore[attr-defined]
    return [row[0] for row in rows]


async def current_revision(url: str) -> str | None:
    """The database's revision, read with SQLAlchemy (alembic's own table, no alembic import)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            versions = await connection.run_sync(_read_versions)
    finally:
        await engine.dispose()
    if len(versions) > 1:
        raise DatabaseNewer(f"the database has several revisions ({', '.join(sorted(versions))})")
    return versions[0] if versions else None


def _title(revision: Script) -> str:
    return (revision.doc or "").strip().splitlines()[0] if revision.doc else revision.revision


async def pending_steps(url: str) -> list[Step]:
    """The revisions `upgrade` would apply, oldest first. DatabaseNewer when the database is ahead.

    The usual case at start — the database is at the one head — is decided from the migration
    files' text and alembic's version table, without importing alembic.
    """
    current = await current_revision(url)
    _, heads = file_heads()
    if current is not None and len(heads) == 1 and current in heads:
        return []
    script = _script()
    if current is not None and current not in {r.revision for r in script.walk_revisions()}:
        raise DatabaseNewer(
            f"the database is at revision {current}, which this Pivot does not know (its newest is "
            f"{script.get_current_head()}): it was upgraded by a newer Pivot. Run that version, "
            "or restore a backup taken before the upgrade."
        )
    steps = list(script.iterate_revisions(script.get_current_head(), current))
    return [Step(r.revision, _title(r)) for r in reversed(steps)]


_DROP_RE = re.compile(r"drop_table\(\s*[\"'](\w+)[\"']")


async def downgrade_steps(url: str, target: str) -> list[Step]:
    """The revisions `downgrade target` would undo, newest first, with the tables each drops."""
    script = _script()
    current = await current_revision(url)
    if current is None:
        return []
    if target.startswith("-") and target[1:].isdigit():
        chain = list(script.iterate_revisions(current, "base"))
        undo = chain[: int(target[1:])]
    else:
        stop = None if target == "base" else target
        undo = [r for r in script.iterate_revisions(current, stop or "base") if r.revision != stop]
    steps = []
    for revision in undo:
        source = inspect.getsource(revision.module.downgrade)
        steps.append(Step(revision.revision, _title(revision), tuple(_DROP_RE.findall(source))))
    return steps


def backup_sqlite(url: str, path: Path) -> None:
    """A consistent copy of a SQLite database, even while Pivot writes to it (the backup API)."""
    source_path = make_url(url).database
    if not source_path:
        raise ValueError("an in-memory SQLite database cannot be backed up")
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def pg_dump_command(url: str, path: Path) -> str:
    parsed = make_url(url)
    parts = ["pg_dump", "--format=custom", f"--file={path}"]
    if parsed.host:
        parts.append(f"--host={parsed.host}")
    if parsed.port:
        parts.append(f"--port={parsed.port}")
    if parsed.username:
        parts.append(f"--username={parsed.username}")
    parts.append(parsed.database or "")
    prefix = "PGPASSWORD=… " if parsed.password else ""
    return prefix + " ".join(parts)


def masked(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(an unparsable database URL)"


def describe_connect_error(url: str, exc: BaseException) -> str:
    """One line that says why the database could not be opened, without the password."""
    parsed = make_url(url)
    where = masked(url)
    name = exc.__class__.__name__
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else name
    lowered = f"{name} {message}".lower()
    if "password" in lowered or "authentication" in lowered:
        why = f"the server refused user '{parsed.username}' (wrong password or user)"
    elif "does not exist" in lowered and "database" in lowered:
        why = f"database '{parsed.database}' does not exist on the server (create it first)"
    elif isinstance(exc, ConnectionRefusedError) or "refused" in lowered or "connect call failed" in lowered:
        why = f"nothing accepts connections at {parsed.host}:{parsed.port or 5432}"
    elif isinstance(exc, socket.gaierror) or "name or service not known" in lowered or "nodename" in lowered:
        why = f"host '{parsed.host}' cannot be resolved"
    elif "unable to open database file" in lowered:
        why = "the SQLite file's folder does not exist or is not writable"
    else:
        why = message
    return f"cannot open the database {where}: {why}"
