"""A fake of the three public job-board APIs: a real aiohttp server on 127.0.0.1, port 0.

* Greenhouse: ``GET /v1/boards/{board}`` → ``{"name", "content"}``;
  ``GET /v1/boards/{board}/jobs?content=true`` → ``{"jobs": [...], "meta": {"total": n}}``,
  with an ETag (answers 304 to a matching If-None-Match).
* Lever: ``GET /v0/postings/{site}?mode=json&skip=&limit=`` → a JSON array, paged.
* Ashby: ``GET /posting-api/job-board/{board}?includeCompensation=true`` →
  ``{"apiVersion": "1", "jobs": [...]}``.

Unknown boards answer 404 as the real APIs do. Scripted failures (`fail_next`) answer a status
(500, 429 with Retry-After) or malformed JSON; `hold` makes a board's answer wait for an event.
Jobs are plain dicts with each API's own field names (`greenhouse_job`, `lever_posting`,
`ashby_job` build typical ones).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int


@dataclass
class Failure:
    status: int = 500
    retry_after: str | None = None
    malformed: bool = False


def greenhouse_job(job_id: int, title: str, location: str = "San Francisco, CA",
                   content: str = "&lt;p&gt;Join us.&lt;/p&gt;", company: str = "Acme AI") -> dict[str, Any]:
    return {
        "id": job_id, "internal_job_id": job_id * 10, "title": title,
        "updated_at": "2026-02-20T10:00:00-05:00", "first_published": "2026-02-18T10:00:00-05:00",
        "requisition_id": f"R{job_id}", "location": {"name": location},
        "absolute_url": f"https://boards.greenhouse.io/acme/jobs/{job_id}", "language": "en",
        "metadata": None, "content": content, "company_name": company,
        "departments": [{"id": 1, "name": "Engineering", "child_ids": [], "parent_id": None}],
        "offices": [{"id": 2, "name": location, "location": location, "child_ids": [], "parent_id": None}],
    }


def lever_posting(posting_id: str, title: str, location: str = "London",
                  workplace: str = "on-site", description: str = "We build things.") -> dict[str, Any]:
    return {
        "id": posting_id, "text": title,
        "categories": {"commitment": "Full-time", "department": "Engineering", "location": location,
                       "team": "ML", "allLocations": [location]},
        "country": "GB", "createdAt": 1771400000000, "workplaceType": workplace,
        "description": f"<div>{description}</div>", "descriptionPlain": description,
        "opening": "", "openingPlain": "", "descriptionBody": "", "descriptionBodyPlain": "",
        "lists": [], "additional": "", "additionalPlain": "",
        "hostedUrl": f"https://jobs.lever.co/site/{posting_id}",
        "applyUrl": f"https://jobs.lever.co/site/{posting_id}/apply",
        "salaryRange": {"currency": "GBP", "interval": "per-year-salary", "min": 80000, "max": 110000},
    }


def ashby_job(job_id: str, title: str, location: str = "Remote - US", remote: bool = True,
              listed: bool = True, description: str = "Ship models.") -> dict[str, Any]:
    return {
        "id": job_id, "title": title, "department": "Engineering", "team": "AI",
        "employmentType": "FullTime", "location": location, "secondaryLocations": [],
        "address": {"postalAddress": {"addressCountry": "USA"}}, "isRemote": remote,
        "workplaceType": "Remote" if remote else "OnSite", "publishedAt": "2026-02-25T18:36:29.484+00:00",
        "isListed": listed, "jobUrl": f"https://jobs.ashbyhq.com/board/{job_id}",
        "applyUrl": f"https://jobs.ashbyhq.com/board/{job_id}/application",
        "descriptionHtml": f"<p>{description}</p>", "descriptionPlain": description,
        "shouldDisplayCompensationOnJobPostings": True,
        "compensation": {"compensationTierSummary": "$180K – $220K • Offers Equity",
                         "scrapeableCompensationSalarySummary": "$180K - $220K",
                         "compensationTiers": [], "summaryComponents": []},
    }


@dataclass
class FakeJobBoards:
    greenhouse: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lever: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ashby: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    _failures: dict[tuple[str, str], deque[Failure]] = field(default_factory=dict)
    _holds: dict[tuple[str, str], tuple[asyncio.Event, asyncio.Event]] = field(default_factory=dict)
    base_url: str = ""

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/v1/boards/{board}", self._greenhouse_board)
        app.router.add_get("/v1/boards/{board}/jobs", self._greenhouse_jobs)
        app.router.add_get("/v0/postings/{site}", self._lever)
        app.router.add_get("/posting-api/job-board/{board}", self._ashby)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        for _arrived, release in self._holds.values():
            release.set()
        await self._runner.cleanup()

    # --- scripting ---------------------------------------------------------------------------

    def fail_next(self, kind: str, board: str, status: int = 500, *, times: int = 1,
                  retry_after: str | None = None, malformed: bool = False) -> None:
        queue = self._failures.setdefault((kind, board), deque())
        queue.extend(Failure(status, retry_after, malformed) for _ in range(times))

    def hold(self, kind: str, board: str) -> tuple[asyncio.Event, asyncio.Event]:
        """The board's answers wait: (set when a request arrives, set it to let answers go)."""
        events = self._holds[(kind, board)] = (asyncio.Event(), asyncio.Event())
        return events

    def requests_for(self, kind: str, board: str) -> list[Seen]:
        prefix = {"greenhouse": f"/v1/boards/{board}", "lever": f"/v0/postings/{board}",
                  "ashby": f"/posting-api/job-board/{board}"}[kind]
        return [s for s in self.seen if s.path == prefix or s.path.startswith(prefix + "/")]

    # --- handlers ----------------------------------------------------------------------------

    async def _answer(self, request: web.Request, kind: str, board: str,
                      body: Any | None, etag: str | None = None) -> web.StreamResponse:
        hold = self._holds.get((kind, board))
        if hold is not None:
            hold[0].set()
            await hold[1].wait()
        queue = self._failures.get((kind, board))
        status, response = 200, None
        if queue:
            failure = queue.popleft()
            if failure.malformed:
                response = web.Response(text='{"jobs": [', content_type="application/json")
            else:
                status = failure.status
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                response = web.json_response({"error": "fake failure"}, status=status, headers=headers)
        elif body is None:
            status = 404
            response = web.json_response({"status": 404, "error": "Job board not found"}, status=404)
        elif etag is not None and request.headers.get("If-None-Match") == etag:
            status = 304
            response = web.Response(status=304, headers={"ETag": etag})
        else:
            response = web.json_response(body, headers={"ETag": etag} if etag else None)
        self.seen.append(Seen(request.path, dict(request.query), dict(request.headers), status))
        return response

    async def _greenhouse_board(self, request: web.Request) -> web.StreamResponse:
        board = request.match_info["board"]
        body = None if board not in self.greenhouse else {"name": board.capitalize() + " Inc",
                                                          "content": "<p>Careers</p>"}
        return await self._answer(request, "greenhouse", board, body)

    async def _greenhouse_jobs(self, request: web.Request) -> web.StreamResponse:
        board = request.match_info["board"]
        jobs = self.greenhouse.get(board)
        body = None if jobs is None else {"jobs": list(jobs), "meta": {"total": len(jobs)}}
        etag = None if body is None else '"' + hashlib.sha1(json.dumps(body).encode()).hexdigest() + '"'
        return await self._answer(request, "greenhouse", board, body, etag)

    async def _lever(self, request: web.Request) -> web.StreamResponse:
        site = request.match_info["site"]
        postings = self.lever.get(site)
        body = None
        if postings is not None:
            skip = int(request.query.get("skip", "0"))
            limit = int(request.query.get("limit", str(len(postings) or 1)))
            body = postings[skip:skip + limit]
        return await self._answer(request, "lever", site, body)

    async def _ashby(self, request: web.Request) -> web.StreamResponse:
        board = request.match_info["board"]
        jobs = self.ashby.get(board)
        body = None if jobs is None else {"apiVersion": "1", "jobs": list(jobs)}
        return await self._answer(request, "ashby", board, body)
