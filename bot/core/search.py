"""Full-text search, one interface over two backends: SQLite FTS5 and PostgreSQL tsvector.

A feature describes what it searches with a `SearchSpec` (its table, its title column, its
body columns), creates the index in its own Alembic revision with `ddl(spec, dialect)`, and
asks `search(session, spec, community_id, query)` for ranked row ids. The index follows the
table by itself — SQLite: an external-content FTS5 table kept in step by triggers; PostgreSQL:
a stored generated `search_vector` column (the weighted tsvector) with a GIN index — so
writers need do nothing.

Both backends stem English words (FTS5's `porter` tokenizer, PostgreSQL's `english`
configuration: "overfitting" finds "overfit") and rank a hit in the title above a hit in the
body (FTS5 bm25 column weights; tsvector weight A for the title, B for the body).

Bounded on PostgreSQL, whatever the table's size: a GIN scan costs about the posting lists of
the words it must read, and ranking costs one `ts_rank` per match. So an any-word search is
driven by its most selective words — the planner's own statistics (`pg_stats`, the column's
most common lexemes and their frequencies, kept by ANALYZE) say which words are common — and
only the first `candidates` matches are ranked; the common words still count in the rank. A
small or never-analyzed table has no common words, and every word drives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Words too common to say anything about what a question is about.
STOP_WORDS = frozenset(
    """a about an and are as at be but by can could do does doing for from get got had has have
    how i if in into is it its me my no not of on or should so that the their them then there
    these they this to too was we were what when where which who why will with would you your
    anyone someone help please question any some just really vs""".split()
)
_WORD_RE = re.compile(r"[a-z0-9]+")
# FTS5 builds these next to its virtual table: `<name>_data`, `_idx`, `_content`, `_docsize`, `_config`.
_FTS_SHADOWS = ("", "_data", "_idx", "_content", "_docsize", "_config")
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
# PostgreSQL: an any-word search reads the posting lists of its rarest words while together
# they cover at most this share of the rows (always at least the rarest word).
DRIVER_BUDGET = 0.03


@dataclass(frozen=True)
class SearchSpec:
    """What one feature searches: `table` with integer primary key `key`, scoped by `scope`."""

    table: str
    title: str
    body: tuple[str, ...]
    key: str = "id"
    scope: str = "community_id"

    @property
    def fts_table(self) -> str:
        return f"{self.table}_fts"

    @property
    def pg_index(self) -> str:
        return f"ix_search_{self.table}"

    pg_column = "search_vector"

    def pg_vector(self) -> str:
        """The weighted tsvector the generated column holds."""
        body = " || ' ' || ".join(f"coalesce({c}, '')" for c in self.body)
        return (
            f"(setweight(to_tsvector('english', coalesce({self.title}, '')), 'A') || "
            f"setweight(to_tsvector('english', {body}), 'B'))"
        )


@dataclass(frozen=True)
class Hit:
    id: int
    rank: float


def ddl(spec: SearchSpec, dialect: str) -> list[str]:
    """Statements that create the index (for the feature's migration)."""
    if dialect == "postgresql":
        return [
            f"ALTER TABLE {spec.table} ADD COLUMN {spec.pg_column} tsvector "
            f"GENERATED ALWAYS AS ({spec.pg_vector()}) STORED",
            f"CREATE INDEX {spec.pg_index} ON {spec.table} USING gin ({spec.pg_column})",
        ]
    columns = (spec.title, *spec.body)
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    fts = spec.fts_table
    delete_old = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{spec.key}, {old});"
    insert_new = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.{spec.key}, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{spec.table}', "
        f"content_rowid='{spec.key}', tokenize='porter unicode61')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {spec.table} BEGIN {insert_new} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {spec.table} BEGIN {delete_old} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {spec.table} BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def drop_ddl(spec: SearchSpec, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS {spec.pg_index}",
                f"ALTER TABLE {spec.table} DROP COLUMN IF EXISTS {spec.pg_column}"]
    fts = spec.fts_table
    return [f"DROP TRIGGER IF EXISTS {fts}_{t}" for t in ("ai", "ad", "au")] + [f"DROP TABLE IF EXISTS {fts}"]


def include_name(name: str | None, type_: str, _parents: Mapping[str, Any]) -> bool:
    """Alembic `include_name`: the search index's own objects (FTS5 tables, the tsvector column
    and its index) are not part of the models."""
    if name is None:
        return True
    if type_ == "table":
        return not any(re.fullmatch(rf".+_fts{shadow}", name) for shadow in _FTS_SHADOWS)
    if type_ == "index":
        return not name.startswith("ix_search_")
    if type_ == "column":
        return name != SearchSpec.pg_column
    return True


def terms(query: str) -> list[str]:
    """The words of a query worth searching for: lower-case, no stop words, no duplicates."""
    seen: dict[str, None] = {}
    for word in _WORD_RE.findall(query.lower()):
        if word not in STOP_WORDS and len(word) > 1:
            seen.setdefault(word[:40], None)
    return list(seen)[:12]


async def search(
    session: AsyncSession,
    spec: SearchSpec,
    community_id: int,
    query: str,
    *,
    limit: int = 10,
    match_all: bool = False,
    where: Mapping[str, Any] | None = None,
    candidates: int = 300,
    min_match: int = 1,
) -> list[Hit]:
    """Rows of this community matching `query`, best first.

    `match_all`: every word must appear (a search box); otherwise any word (finding similar
    questions). `where`: column == value filters on the table itself (e.g. status="solved").
    `min_match=2` (with `match_all` off): a row must contain at least two of the words — one
    shared common word is no sign of similarity, and it keeps the match set small.
    `candidates`: PostgreSQL ranks at most this many matches (ranking reads each match's
    vector; a query of common words would otherwise rank most of the table). An any-word
    search there is driven by its rarest words (see the module's docstring): each match
    contains one of them (with `min_match=2`, one of them and any other word).
    """
    words = terms(query)
    if not words:
        return []
    params: dict[str, Any] = {"scope": community_id, "limit": limit, "cap": candidates}
    filters = ""
    for index, (column, value) in enumerate((where or {}).items()):
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", column):
            raise ValueError(f"bad column name {column!r}")
        params[f"w{index}"] = value
        filters += f" AND t.{column} = :w{index}"
    postgres = session.get_bind().dialect.name == "postgresql"
    drivers = words
    if postgres:
        frequency = await _pg_frequencies(session, spec, words)
        # Words PostgreSQL does not index (its own stop words) can match nothing.
        words = [w for w in words if w in frequency]
        if not words:
            return []
        drivers = _drivers(words, frequency)
    if match_all or len(words) == 1:
        groups = [words]
    elif min_match >= 2:
        groups = [[a, b] for i, a in enumerate(words) for b in words[i + 1 :] if a in drivers or b in drivers]
    else:
        groups = [[w] for w in drivers]
    if postgres:
        params["q"] = " | ".join("(" + " & ".join(g) + ")" for g in groups)
        params["r"] = " | ".join(words)
        vec = f"t.{spec.pg_column}"
        sql = (
            f"WITH q AS (SELECT to_tsquery('english', :q) AS q, to_tsquery('english', :r) AS r), "
            f"m AS (SELECT t.{spec.key} AS id, {vec} AS v FROM {spec.table} AS t, q "
            f"WHERE t.{spec.scope} = :scope AND {vec} @@ q.q{filters} LIMIT :cap) "
            f"SELECT m.id, ts_rank(m.v, q.r) AS rank FROM m, q ORDER BY rank DESC, m.id DESC LIMIT :limit"
        )
    else:
        params["q"] = " OR ".join("(" + " AND ".join(f'"{w}"' for w in g) + ")" for g in groups)
        weights = ", ".join([str(TITLE_WEIGHT)] + [str(BODY_WEIGHT)] * len(spec.body))
        fts = spec.fts_table
        sql = (
            f"SELECT t.{spec.key} AS id, bm25({fts}, {weights}) AS rank "
            f"FROM {fts} JOIN {spec.table} AS t ON t.{spec.key} = {fts}.rowid "
            f"WHERE {fts} MATCH :q AND t.{spec.scope} = :scope{filters} "
            f"ORDER BY rank, t.{spec.key} DESC LIMIT :limit"
        )
    rows = (await session.execute(text(sql), params)).all()
    return [Hit(int(r.id), float(r.rank)) for r in rows]


def _drivers(words: list[str], frequency: Mapping[str, float]) -> list[str]:
    """The rarest words, while together they cover at most DRIVER_BUDGET of the rows."""
    chosen: list[str] = []
    covered = 0.0
    for word in sorted(words, key=lambda w: frequency[w]):
        if chosen and covered + frequency[word] > DRIVER_BUDGET:
            break
        chosen.append(word)
        covered += frequency[word]
    return chosen


async def _pg_frequencies(session: AsyncSession, spec: SearchSpec, words: list[str]) -> dict[str, float]:
    """word → share of the table's rows whose vector holds its lexeme, from the column's
    most-common-lexeme statistics (0 for a word rarer than those, or with no statistics yet).
    Words with no lexeme (PostgreSQL's stop words) are left out."""
    rows = await session.execute(
        text(
            "WITH s AS (SELECT most_common_elems::text::text[] AS e, most_common_elem_freqs AS f "
            "FROM pg_stats WHERE schemaname = current_schema() AND tablename = :table "
            "AND attname = :column) "
            "SELECT u.w, l.lexeme, (SELECT s.f[array_position(s.e, l.lexeme)] FROM s) AS freq "
            "FROM unnest(CAST(:words AS text[])) AS u(w), "
            "LATERAL unnest(tsvector_to_array(to_tsvector('english', u.w))) AS l(lexeme)"
        ),
        {"table": spec.table, "column": spec.pg_column, "words": words},
    )
    return {w: float(f or 0.0) for w, _lexeme, f in rows.all()}


def ranked(ids: Sequence[Hit]) -> list[int]:
    return [h.id for h in ids]
