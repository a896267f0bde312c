"""Greenhouse Job Board API: `GET /v1/boards/{board}/jobs?content=true`.

The answer is `{"jobs": [...], "meta": {"total": N}}`, every job in one response (no paging).
A job: `id` (number), `title`, `absolute_url`, `location: {"name"}`, `updated_at`,
`first_published` (newer boards), `company_name` (newer boards), `content` (the description as
entity-escaped HTML), `departments`, `offices`, `metadata`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.features.jobs.boards import BoardError, Posting, parse_time, plain_text

PARAMS = {"content": "true"}


def path(board: str) -> str:
    return f"/v1/boards/{quote(board, safe='')}/jobs"


def board_path(board: str) -> str:
    """`GET /v1/boards/{board}`: the board itself, `{"name": "Acme", "content": "…"}`."""
    return f"/v1/boards/{quote(board, safe='')}"


def parse(data: Any, board: str) -> list[Posting]:
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), list):
        raise BoardError(f"greenhouse {board}: the answer has no jobs list")
    out: list[Posting] = []
    for job in data["jobs"]:
        if not isinstance(job, dict) or job.get("id") is None or not job.get("title"):
            continue
        location = job.get("location") or {}
        out.append(Posting(
            external_id=str(job["id"]),
            title=str(job["title"]).strip(),
            url=str(job.get("absolute_url") or ""),
            location=str(location.get("name") or "") if isinstance(location, dict) else "",
            description=plain_text(str(job.get("content") or "")),
            company=job.get("company_name") or None,
            published_at=parse_time(job.get("first_published") or job.get("updated_at")),
        ))
    return out
