"""Row counts of every table: the "no write on rejection" check the fuzz tests share."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.core.db import Base

# Written for every signed request, accepted or not: the replay guard's memory, not a change.
REQUEST_BOOKKEEPING = frozenset({"slack_seen_requests"})


async def row_counts(app: App) -> dict[str, int]:
    async with app.session_factory() as session:
        return {
            table.name: (await session.execute(select(func.count()).select_from(table))).scalar_one()
            for table in Base.metadata.sorted_tables
            if table.name not in REQUEST_BOOKKEEPING
        }


def tracebacks(records: list[object]) -> list[str]:
    """ERROR-or-worse log lines, and any line carrying a traceback, as text."""
    found = []
    for record in records:
        level = getattr(record, "levelno", 0)
        if level >= 40 or getattr(record, "exc_info", None):
            found.append(f"{getattr(record, 'name', '?')}: {getattr(record, 'getMessage', str)()}")
    return found
