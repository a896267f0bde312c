"""Shared fixtures: a migrated database per test (SQLite or PostgreSQL), a manual clock,
an App, and a console harness that talks to it like a member would.

Backend: PIVOT_TEST_DB=sqlite (default) or postgresql. PostgreSQL is reached at
PIVOT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); the
suite creates its own database and drops it at the end.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import migrate
from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock

BACKEND = os.environ.get("PIVOT_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("PIVOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_report_header() -> str:
    return f"pivot database backend: {BACKEND}"


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _pg_execute(url: str, *statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_pg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the newest migration, built once per test session."""
    if BACKEND == "sqlite":
        template = tmp_path_factory.mktemp("db") / "template.db"
        url = f"sqlite+aiosqlite:///{template}"
        migrate.upgrade(url)
        yield url
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError("PIVOT_TEST_DB must be sqlite or postgresql")
    name = f"pivot_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_execute(PG_ADMIN_URL, f'CREATE DATABASE "{name}"'))
    base = _pg_dsn(PG_ADMIN_URL).rsplit("/", 1)[0]
    url = f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_pg_execute(PG_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database_url(migrated_database: str, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if BACKEND == "sqlite":
        template = Path(migrated_database.split(":///", 1)[1])
        copy = tmp_path / "pivot.db"
        shutil.copyfile(template, copy)
        return f"sqlite+aiosqlite:///{copy}"
    from bot.core.db import Base
    from bot.features import import_models

    import_models()
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    await _pg_execute(migrated_database, f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return migrated_database


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database={"url": database_url},
        console={"member": "ada", "community": "Test group"},
    )


@pytest.fixture
def clock() -> ManualClock:
    # Monday 2 March 2026, 08:00 UTC.
    return ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    application = App(settings, clock=clock)
    try:
        yield application
    finally:
        await application.close()


class ConsoleHarness:
    """Types lines into the console adapter and returns what it printed."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.buffer = io.StringIO()
        self.adapter = ConsoleAdapter(app, out=self.buffer)
        app.attach(self.adapter)

    async def say(self, *lines: str) -> str:
        start = self.buffer.tell()
        for line in lines:
            await self.adapter.handle_line(line)
        await self.adapter.flush()
        self.buffer.seek(start)
        out = self.buffer.read()
        return out

    async def as_member(self, name: str) -> None:
        await self.say(f"/as {name}")


@pytest.fixture
def console(app: App) -> ConsoleHarness:
    return ConsoleHarness(app)
