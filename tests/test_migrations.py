"""Schema changes go through Alembic only: migrations run up, down and up again, and the
models and the migrations describe the same schema (on the backend under test)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.core.db import Base, make_engine
from bot.core.search import include_name
from bot.features import import_models
from bot.migrate import alembic_config, downgrade_async, upgrade_async


async def _diff(url: str) -> list[object]:
    import_models()
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True, "include_name": include_name}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            return {n for n in names if include_name(n, "table", {})}
    finally:
        await engine.dispose()


async def test_models_match_migrations(database_url: str) -> None:
    assert await _diff(database_url) == []


async def test_up_down_up(database_url: str) -> None:
    import_models()
    expected = {t.name for t in Base.metadata.sorted_tables}
    assert expected <= await _tables(database_url)
    await downgrade_async(database_url, "base")
    assert await _tables(database_url) <= {"alembic_version"}
    await upgrade_async(database_url)
    assert expected <= await _tables(database_url)
    assert await _diff(database_url) == []


def test_revisions_form_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1, "migrations must form a single line (one head)"


def test_file_names_follow_the_chain() -> None:
    """NNNN_name.py holds revision NNNN, whose parent is NNNN-1: reading the folder in order is
    reading the history in order."""
    from pathlib import Path

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    chain = list(reversed(list(script.walk_revisions())))
    for position, revision in enumerate(chain, start=1):
        name = Path(revision.path).name
        assert revision.revision == f"{position:04d}", f"{name}: revision {revision.revision}, expected {position:04d}"
        assert name.startswith(f"{position:04d}_"), f"{name} does not start with {position:04d}_"
        expected_parent = None if position == 1 else f"{position - 1:04d}"
        assert revision.down_revision == expected_parent, f"{name} revises {revision.down_revision}"
