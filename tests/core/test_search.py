"""The one search interface, the same cases on SQLite (FTS5) and PostgreSQL (tsvector + GIN):
run this file with PIVOT_TEST_DB=postgresql for the second backend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.core import search
from bot.core.tenancy import ensure_community, ensure_member
from bot.features.ask.models import SEARCH, Question

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


async def seed(app: App, rows: list[tuple[str, str | None, str | None]], *, status: str = "solved",
               community: str = "c1") -> list[int]:
    async with app.session_factory() as session, session.begin():
        c = await ensure_community(session, "console", community)
        m = await ensure_member(session, c, "ada")
        ids = []
        for i, (title, details, summary) in enumerate(rows, start=1):
            q = Question(community_id=c.id, member_id=m.id, number=i, title=title, details=details,
                         summary=summary, topic="metrics", status=status, created_at=NOW)
            session.add(q)
            await session.flush()
            ids.append(q.id)
        return ids


async def run(app: App, query: str, *, community: str = "c1", **kwargs: object) -> list[int]:
    async with app.session_factory() as session:
        c = await ensure_community(session, "console", community)
        return [h.id for h in await search.search(session, SEARCH, c.id, query, **kwargs)]  # type: ignore[arg-type]


async def test_stemming_finds_other_forms(app: App) -> None:
    ids = await seed(app, [("My model overfits", None, None), ("Pandas merge is slow", None, None)])
    assert await run(app, "overfitting") == [ids[0]]
    assert await run(app, "overfit") == [ids[0]]
    assert await run(app, "merging pandas", match_all=True) == [ids[1]]


async def test_title_beats_body(app: App) -> None:
    ids = await seed(app, [
        ("Which optimizer should I use?", "Is gradient descent with momentum enough here?", None),
        ("Gradient descent diverges", "The loss grows every step.", None),
    ])
    assert await run(app, "gradient descent") == [ids[1], ids[0]]


async def test_summary_is_searched_and_filters_apply(app: App) -> None:
    ids = await seed(app, [("Validation loss goes up", None, "Classic overfitting: add dropout")])
    assert await run(app, "dropout", where={"status": "solved"}) == [ids[0]]
    assert await run(app, "dropout", where={"status": "open"}) == []


async def test_scoped_to_the_community_and_follows_edits(app: App) -> None:
    ids = await seed(app, [("Tokenizer question", None, None)])
    await seed(app, [("Tokenizer question too", None, None)], community="c2")
    assert await run(app, "tokenizer") == [ids[0]]
    async with app.session_factory() as session, session.begin():
        q = await session.get(Question, ids[0])
        assert q is not None
        q.title = "Embedding question"
    assert await run(app, "tokenizer") == []
    assert await run(app, "embeddings") == [ids[0]]
    async with app.session_factory() as session, session.begin():
        q = await session.get(Question, ids[0])
        await session.delete(q)
    assert await run(app, "embeddings") == []


@pytest.mark.parametrize("query", ["", "the and of", "\"*)(NEAR", "'; DROP TABLE x; --"])
async def test_odd_queries_are_safe(app: App, query: str) -> None:
    await seed(app, [("Something", None, None)])
    assert await run(app, query) == []
