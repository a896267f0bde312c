"""Ashby Posting API: `GET /posting-api/job-board/{board}?includeCompensation=true`.

The answer is `{"apiVersion": "1", "jobs": [...]}`, every job in one response (no paging). A job:
`id`, `title`, `department`, `team`, `employmentType`, `location`, `secondaryLocations`,
`isRemote`, `workplaceType` (`OnSite`, `Remote`, `Hybrid`), `publishedAt`, `isListed`,
`jobUrl`, `applyUrl`, `descriptionHtml`, `descriptionPlain`, and with includeCompensation
`compensation: {compensationTierSummary, …}`. Unlisted jobs (`isListed: false`) are skipped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.features.jobs.boards import BoardError, Posting, parse_time, plain_text

PARAMS = {"includeCompensation": "true"}


def path(board: str) -> str:
    return f"/posting-api/job-board/{quote(board, safe='')}"


def parse(data: Any, board: str) -> list[Posting]:
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), list):
        raise BoardError(f"ashby {board}: the answer has no jobs list")
    out: list[Posting] = []
    for job in data["jobs"]:
        if not isinstance(job, dict) or not job.get("id") or not job.get("title"):
            continue
        if job.get("isListed") is False:
            continue
        raw = job.get("compensation")
        compensation: dict[str, Any] = raw if isinstance(raw, dict) else {}
        remote = "remote" if job.get("isRemote") else str(job.get("workplaceType") or "")
        out.append(Posting(
            external_id=str(job["id"]),
            title=str(job["title"]).strip(),
            url=str(job.get("jobUrl") or job.get("applyUrl") or ""),
            location=str(job.get("location") or ""),
            remote_hint=remote,
            description=str(job.get("descriptionPlain")
                            or plain_text(str(job.get("descriptionHtml") or "")))[:4000],
            published_at=parse_time(job.get("publishedAt")),
            compensation=(compensation.get("compensationTierSummary") or None),
        ))
    return out
