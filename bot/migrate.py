"""Run Alembic from code: `python -m bot db …`, `run` at start, and the tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.db import make_engine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


async def _with_connection(engine: AsyncEngine, fn: str, *args: str) -> None:
    async with engine.begin() as connection:
        def run(sync_connection: object) -> None:
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
