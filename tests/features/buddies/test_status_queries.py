"""`buddy status` reads a member's history in a fixed number of statements, not one per group."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.app import App
from bot.core.tenancy import Community, ensure_member
from bot.features.buddies import service
from tests.conftest import ConsoleHarness
from tests.features.buddies.conftest import Buddies


@contextmanager
def count_statements(app: App) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(app.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", record)


async def _add_groups(app: App, buddies: Buddies, start: int, count: int) -> None:
    async with app.session_factory() as session:
        community = await session.get(Community, buddies.community_id)
        assert community is not None
        ada = await ensure_member(session, community, "ada", "Ada")
        for n in range(start, start + count):
            other = await ensure_member(session, community, f"m{n}", f"Member {n}")
            third = await ensure_member(session, community, f"t{n}", f"Third {n}")
            await service.create_group(session, community, [ada, other, third], now=app.clock.now())
        await session.commit()


async def _status(app: App, console: ConsoleHarness) -> tuple[str, list[str]]:
    """`buddy status` alone: the intros the new groups queued are delivered before counting."""
    await console.adapter.flush()
    start = console.buffer.tell()
    with count_statements(app) as seen:
        await console.adapter.handle_line("buddy status")
    console.buffer.seek(start)
    return console.buffer.read(), seen


async def test_status_statement_count_does_not_grow_with_past_groups(
    buddies: Buddies, console: ConsoleHarness, app: App
) -> None:
    await buddies.join("ada", tz="UTC", level="beginner", focus="math", hours=5)
    await console.say("buddy status")  # warm up: first contact, settings row
    await _add_groups(app, buddies, 0, 2)
    text, few = await _status(app, console)
    assert "Member 0" in text and "Third 1" in text
    await _add_groups(app, buddies, 2, 30)
    text, many = await _status(app, console)
    # The ten latest groups are listed, each with both of the other members.
    history = text.split("History:", 1)[1].split("Rounds:", 1)[0]
    assert "Member 31" in history and "Third 22" in history and "Member 21" not in history
    assert len(many) == len(few), (len(few), len(many))
    # (13 where the two test callers spell the member's name differently and each command renames.)
    assert len(many) <= 13, many
