"""What Pivot keeps about a member, and forgetting it.

Every table that holds a member's data has a `member_id` foreign key with ON DELETE CASCADE,
so one generic pass serves every feature, present and future: no feature can forget to register.
Copies of a member's words elsewhere (their name in a digest, their blocker quoted in a post,
a mention in a buddy intro) are scrubbed by a second generic pass over every text and JSON
column of the community's tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Table, Text, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import FromClause

from bot.core.db import Base
from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Member
from bot.features.challenges import scores

FORMER_MEMBER = "a former member"
REMOVED = "[removed]"
# A member's own free texts (goals, blockers, notes) are scrubbed from others' data when they
# are at least this long and contain a space: shorter or one-word values (statuses, levels,
# time zones) are too common to replace safely.
MIN_TEXT_TO_SCRUB = 12
# Columns of fixed vocabularies (statuses, steps, topics, levels, time zones, item ids …),
# never anyone's words: forgetting a member called "week", "math" or "projects" must not
# rewrite others' rows (tests/features/privacy/test_commands.py).
KEYWORD_COLUMNS = frozenset({
    "platform", "kind", "status", "period", "period_key", "purpose", "step", "topic", "topics",
    "level", "follow_level", "stage", "from_stage", "to_stage", "frequency", "days", "windows",
    "timezone", "ramp", "digest_last_week", "interview_type", "prompt_id", "item_id", "item_key",
    "milestone_id", "source", "focus", "shared_focus", "categories", "answer", "scores", "key",
    "etag", "last_modified",
})


def member_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if "member_id" in t.c and "community_id" in t.c]


def _community_tables() -> list[Table]:
    """Every table of community data whose text may quote a member (others' rows included);
    not the members themselves, whose names are their own."""
    return [t for t in Base.metadata.sorted_tables if "community_id" in t.c and t.name != "members"]


async def stored_counts(session: AsyncSession, member: Member) -> dict[str, int]:
    """Table name -> number of rows about this member (only tables that have some)."""
    counts: dict[str, int] = {}
    for table in member_tables():
        stmt = select(func.count()).select_from(table).where(
            table.c.member_id == member.id, table.c.community_id == member.community_id
        )
        n = (await session.execute(stmt)).scalar_one()
        if n:
            counts[table.name] = n
    return counts


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything stored about the member in this community, table by table, as JSON-able data."""
    data: dict[str, Any] = {"member": _row_dict(Member.__table__, member.__dict__)}
    for table in member_tables():
        rows = (await session.execute(
            select(table).where(table.c.member_id == member.id,
                                table.c.community_id == member.community_id)
        )).mappings().all()
        if rows:
            data[table.name] = [_row_dict(table, dict(r)) for r in rows]
    sent = (await session.execute(
        select(OutboxMessage.created_at, OutboxMessage.payload).where(
            OutboxMessage.community_id == member.community_id, OutboxMessage.kind == "dm",
            OutboxMessage.target == member.platform_user_id,
        ).order_by(OutboxMessage.id)
    )).all()
    if sent:
        data["messages_to_you"] = [{"created_at": c.isoformat(), "payload": p} for c, p in sent]
    return data


def _row_dict(table: FromClause, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.c:
        value = row.get(column.name)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif value is not None and hasattr(value, "isoformat"):
            value = value.isoformat()
        out[column.name] = value
    return out


async def forget(session: AsyncSession, member: Member) -> None:
    """Delete the member and everything about them; scrub their name and words from the rest."""
    needles = await _needles(session, member)
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.community_id == member.community_id,
            OutboxMessage.kind == "dm",
            OutboxMessage.target == member.platform_user_id,
        )
    )
    # The leaderboard's members-per-points counts hold no member id: take the member out first.
    await scores.forget_member(session, member)
    for table in reversed(member_tables()):
        # Explicit deletes as well as the cascade: correct even where a backend ignores ON DELETE.
        await session.execute(delete(table).where(table.c.member_id == member.id,
                                                  table.c.community_id == member.community_id))
    await session.delete(member)
    await session.flush()
    await scrub(session, member.community_id, needles)


@dataclass(frozen=True)
class Needle:
    """Something that identifies a member in text: a plain string to find rows by, the exact
    pattern to replace, and what replaces it."""

    literal: str
    pattern: re.Pattern[str]
    replacement: str


async def _needles(session: AsyncSession, member: Member) -> list[Needle]:
    """What identifies the member in text: mentions, their id, their name, their own long texts."""
    raw_uid = member.platform_user_id
    uid = re.escape(raw_uid)
    needles = [
        Needle(raw_uid, re.compile(rf"<@!?{uid}(?:\|[^>]*)?>"), FORMER_MEMBER),
        # Unique per member, so keys that held the id (outbox dedupe keys) stay unique.
        Needle(raw_uid, re.compile(rf"(?<![A-Za-z0-9]){uid}(?![A-Za-z0-9])"), f"forgotten-{member.id}"),
    ]
    name = member.display_name
    if name and name != raw_uid:
        needles.append(Needle(name, re.compile(rf"(?<!\w)@?{re.escape(name)}(?!\w)"), FORMER_MEMBER))
    texts: set[str] = set()
    for table in member_tables():
        columns = [c for c in table.c if isinstance(c.type, String | Text)]
        if not columns:
            continue
        rows = (await session.execute(
            select(*columns).where(table.c.member_id == member.id,
                                   table.c.community_id == member.community_id)
        )).all()
        texts.update(v for row in rows for v in row
                     if isinstance(v, str) and len(v) >= MIN_TEXT_TO_SCRUB and " " in v.strip())
    needles += [Needle(t, re.compile(re.escape(t)), REMOVED) for t in sorted(texts, key=len, reverse=True)]
    return needles


async def scrub(session: AsyncSession, community_id: int, needles: Iterable[Needle]) -> int:
    """Replace every match of `needles` in the community's text and JSON columns. Returns rows changed."""
    needles = list(needles)
    changed = 0
    for table in _community_tables():
        columns = [c for c in table.c if isinstance(c.type, String | Text | JSON) and not c.primary_key
                   and c.name not in KEYWORD_COLUMNS]
        if not columns or "id" not in table.c:
            continue
        # Narrow in SQL to rows that mention the member's id, name or words, then scrub in Python.
        literals = sorted({n.literal for n in needles})
        conditions = [cast(c, Text).contains(text, autoescape=True) for c in columns for text in literals]
        if not conditions:
            continue
        rows = (await session.execute(
            select(table.c.id, *columns).where(table.c.community_id == community_id, or_(*conditions))
        )).all()
        for row in rows:
            values: dict[str, Any] = {}
            for column, value in zip(columns, row[1:], strict=True):
                cleaned = _scrub_value(value, needles)
                if cleaned != value:
                    values[column.name] = cleaned
            if values:
                await session.execute(update(table).where(table.c.id == row[0]).values(**values))
                changed += 1
    return changed


def _scrub_value(value: Any, needles: list[Needle]) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = needle.pattern.sub(needle.replacement, value)
        return value
    if isinstance(value, dict | list):
        text = json.dumps(value)
        cleaned = _scrub_value_deep(value, needles)
        return cleaned if json.dumps(cleaned) != text else value
    return value


def _scrub_value_deep(value: Any, needles: list[Needle]) -> Any:
    if isinstance(value, str):
        return _scrub_value(value, needles)
    if isinstance(value, list):
        return [_scrub_value_deep(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value_deep(v, needles) for k, v in value.items()}
    return value
