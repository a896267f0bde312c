"""Engine, sessions, the declarative Base and tenant-scoped helpers.

Nothing here runs at import time: `app.py` and the tests build engines.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    Select,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    event,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from bot.core.errors import NotFound

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite forgets the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    # SQL parameters carry members' text: shown only when logging at DEBUG.
    kwargs: dict[str, Any] = {"echo": echo,
                              "hide_parameters": not logging.getLogger().isEnabledFor(logging.DEBUG)}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


T = TypeVar("T")


def scoped(model: type[T], community_id: int) -> Select[T]:
    """`SELECT model WHERE community_id = …`: the start of every community-data query."""
    return select(model).where(model.community_id == community_id)  # type: ignore[attr-defined]


async def get_scoped(
    session: AsyncSession, model: type[T], community_id: int, *where: Any, what: str
) -> T:
    """One row of this community, or NotFound naming `what` (never another community's row)."""
    row = (await session.execute(scoped(model, community_id).where(*where))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No {what} in this community.")
    return row


async def all_scoped(
    session: AsyncSession, model: type[T], community_id: int, *where: Any, order_by: Sequence[Any] = ()
) -> list[T]:
    stmt = scoped(model, community_id).where(*where).order_by(*order_by)
    return list((await session.execute(stmt)).scalars())


def rowcount(result: Result[Any]) -> int:
    """Rows an INSERT/UPDATE/DELETE touched: `session.execute` types its result as `Result`,
    but for DML it is a `CursorResult`, the class that has `rowcount`."""
    return cast("CursorResult[Any]", result).rowcount


def utcnow() -> datetime:
    """Only for column defaults; code that decides things asks the Clock."""
    return datetime.now(UTC)


# --- writes that must not duplicate, one row or many --------------------------------------------


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def in_ids(session: AsyncSession, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN (ids)` for a list of any length. PostgreSQL binds one integer array
    (`= ANY(:ids)`): one statement text whatever the length, so it is prepared and planned
    once, not once per length as an expanded IN list would be. SQLite expands the list."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Integer)))
    return column.in_(list(ids))


def insert_for(session: AsyncSession, table: Any) -> PgInsert | SqliteInsert:
    """An INSERT with `.on_conflict_do_nothing()` / `.on_conflict_do_update()` for this backend."""
    return (pg_insert if is_postgres(session) else sqlite_insert)(table)


def _pg_array(table: Table, column: str) -> str:
    """`CAST(:column AS <type>[])`: one array parameter per column, whatever the row count."""
    sql_type = table.c[column].type.compile(dialect=postgresql.dialect())
    return f"CAST(:{column} AS {sql_type}[])"


def _pg_columns(table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], dict[str, list[Any]]]:
    columns = list(rows[0])
    params: dict[str, list[Any]] = {c: [r[c] for r in rows] for c in columns}
    for column in columns:
        if isinstance(table.c[column].type, JSON):
            params[column] = [json.dumps(v) for v in params[column]]
    return columns, params


async def bulk_insert(
    session: AsyncSession,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    conflict: Sequence[str],
    returning: Sequence[str] = (),
) -> list[Any]:
    """INSERT … ON CONFLICT (conflict) DO NOTHING [RETURNING …] for many rows sharing their keys.

    PostgreSQL: one statement over `unnest` of one array per column (prepared once, planned
    once, however many rows). Elsewhere: an executemany.
    """
    if not rows:
        return []
    if is_postgres(session):
        columns, params = _pg_columns(table, rows)
        sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"SELECT * FROM unnest({', '.join(_pg_array(table, c) for c in columns)}) "
            f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
        )
        if returning:
            sql += f" RETURNING {', '.join(returning)}"
        result = await session.execute(text(sql), params)
        return list(result.all()) if returning else []
    stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        result = await session.execute(stmt.returning(*(table.c[c] for c in returning)), rows)
        return list(result.all())
    await session.execute(stmt, rows)
    return []


async def bulk_update(
    session: AsyncSession,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    fence: tuple[str, str] | None = None,
) -> int:
    """UPDATE table SET … WHERE id = row["id"], for many rows that share their keys.

    `fence=(column, key)` also requires `column = row[key]` (a lease token, say): a row whose
    fence moved on is left alone. Returns how many rows were updated.
    PostgreSQL: one UPDATE … FROM unnest(arrays). Elsewhere: one statement per row.
    """
    if not rows:
        return 0
    skip = {"id", fence[1]} if fence else {"id"}
    columns = [key for key in rows[0] if key not in skip]
    if is_postgres(session):
        names = list(rows[0])
        params: dict[str, list[Any]] = {}
        arrays = []
        for name in names:
            column = fence[0] if fence and name == fence[1] else name
            values = [r[name] for r in rows]
            sql_type = table.c[column].type
            if isinstance(sql_type, JSON):
                values = [json.dumps(v) for v in values]
            params[name] = values
            arrays.append(f"CAST(:{name} AS {sql_type.compile(dialect=postgresql.dialect())}[])")
        where = "t.id = v.id" + (f" AND t.{fence[0]} = v.{fence[1]}" if fence else "")
        sql = (
            f"UPDATE {table.name} AS t SET {', '.join(f'{c} = v.{c}' for c in columns)} "
            f"FROM unnest({', '.join(arrays)}) AS v({', '.join(names)}) "
            f"WHERE {where}"
        )
        result = await session.execute(text(sql), params)
        return int(result.rowcount)  # type: ignore[attr-defined]
    stmt = update(table).where(table.c.id == bindparam("row_id"))
    if fence:
        stmt = stmt.where(table.c[fence[0]] == bindparam("fence_value"))
    stmt = stmt.values({column: bindparam(f"new_{column}") for column in columns})
    if not fence:
        await session.execute(stmt, [{"row_id": r["id"], **{f"new_{c}": r[c] for c in columns}} for r in rows])
        return len(rows)
    matched = 0
    for r in rows:
        params_one = {"row_id": r["id"], **{f"new_{c}": r[c] for c in columns}}
        if fence:
            params_one["fence_value"] = r[fence[1]]
        matched += int((await session.execute(stmt, params_one)).rowcount)  # type: ignore[attr-defined]
    return matched
