"""Lever Postings API: `GET /v0/postings/{site}?mode=json`, paged with `skip` and `limit`.

The answer is a JSON array of postings: `id`, `text` (the title), `categories: {location,
commitment, team, department, allLocations}`, `workplaceType` (`on-site`, `remote`, `hybrid`,
`unspecified`), `hostedUrl`, `applyUrl`, `descriptionPlain`, `createdAt` (epoch ms),
`salaryRange: {currency, interval, min, max}` (optional).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.features.jobs.boards import BoardError, Posting, parse_time, plain_text

PARAMS = {"mode": "json"}


def path(site: str) -> str:
    return f"/v0/postings/{quote(site, safe='')}"


def _salary(raw: Any) -> str | None:
    if not isinstance(raw, dict) or raw.get("min") is None or raw.get("max") is None:
        return None
    interval = str(raw.get("interval") or "").replace("-", " ")
    return f"{raw.get('currency') or ''} {raw['min']:,}–{raw['max']:,} {interval}".strip()


def parse(data: Any, site: str) -> list[Posting]:
    if not isinstance(data, list):
        raise BoardError(f"lever {site}: the answer is not a list of postings")
    out: list[Posting] = []
    for job in data:
        if not isinstance(job, dict) or not job.get("id") or not job.get("text"):
            continue
        raw = job.get("categories")
        categories: dict[str, Any] = raw if isinstance(raw, dict) else {}
        description = job.get("descriptionPlain") or plain_text(str(job.get("description") or ""))
        try:
            salary = _salary(job.get("salaryRange"))
        except (TypeError, ValueError):
            salary = None
        out.append(Posting(
            external_id=str(job["id"]),
            title=str(job["text"]).strip(),
            url=str(job.get("hostedUrl") or job.get("applyUrl") or ""),
            location=str(categories.get("location") or ""),
            remote_hint=str(job.get("workplaceType") or ""),
            description=str(description)[:4000],
            published_at=parse_time(job.get("createdAt")),
            compensation=salary,
        ))
    return out
