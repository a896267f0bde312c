"""A fake Kaggle API: a real aiohttp server on 127.0.0.1, port 0.

It serves the two competition-listing endpoints the ``kaggle`` CLI has used,
with the payload shapes of ``kagglesdk`` 0.1.38 (see bot/features/kaggle/client.py):

* ``POST /v1/competitions.CompetitionApiService/ListCompetitions`` -- JSON body
  ``{group, category, sortBy, search, page, pageToken, pageSize}`` with enum
  names; answers ``{"competitions": [...], "nextPageToken": "..."}`` and omits
  ``nextPageToken`` on the last page, as protobuf JSON does.
* ``GET /api/v1/competitions/list`` -- the legacy endpoint; query parameters
  ``group``, ``category``, ``sortBy``, ``page``, ``search``; answers a bare array,
  ``legacy_page_size`` items a page.

Usage::

    async with FakeKaggle([make_competition("titanic", "Titanic", "Getting Started")]) as fake:
        client = KaggleClient(creds, base_url=fake.base_url)
        fake.fail_next(500, times=2)      # scripted failures, consumed in order
        ...
        fake.requests                     # every request received

Competitions are plain dicts with Kaggle's field names, so a test can add odd
ones (missing fields, nanosecond dates) as they would arrive.
"""

from __future__ import annotations

import asyncio
import base64
import json
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from aiohttp import web

NEW_PATH = "/v1/competitions.CompetitionApiService/ListCompetitions"
LEGACY_PATH = "/api/v1/competitions/list"
WEB_BASE = "https://www.kaggle.com"

# HostSegment enum names and legacy values -> the display name Kaggle returns in `category`.
_CATEGORY_DISPLAY = {
    "HOST_SEGMENT_FEATURED": "Featured",
    "HOST_SEGMENT_RESEARCH": "Research",
    "HOST_SEGMENT_RECRUITMENT": "Recruitment",
    "HOST_SEGMENT_GETTING_STARTED": "Getting Started",
    "HOST_SEGMENT_MASTERS": "Masters",
    "HOST_SEGMENT_PLAYGROUND": "Playground",
    "HOST_SEGMENT_COMMUNITY": "Community",
    "HOST_SEGMENT_ANALYTICS": "Analytics",
}
_LEGACY_CATEGORY_DISPLAY = {
    "featured": "Featured",
    "research": "Research",
    "recruitment": "Recruitment",
    "gettingStarted": "Getting Started",
    "masters": "Masters",
    "playground": "Playground",
    "community": "Community",
    "analytics": "Analytics",
}


def kaggle_timestamp(moment: datetime) -> str:
    """Format an aware datetime the way Kaggle does: ISO, UTC, trailing ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_competition(
    ref: str,
    title: str | None = None,
    category: str = "Featured",
    deadline: datetime | str | None = None,
    *,
    reward: str = "$10,000",
    description: str | None = None,
    enabled_date: datetime | str | None = None,
    team_count: int = 120,
    evaluation_metric: str = "Root Mean Squared Error",
    tags: Iterable[str] = ("tabular",),
    is_kernels_submissions_only: bool = False,
    user_has_entered: bool = False,
    competition_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ListCompetitions item as Kaggle sends it.

    ``ref`` is the slug; the payload's ``ref`` and ``url`` are the full URL, as the
    new API returns them. ``category`` is the display name ("Getting Started").
    Dates may be given as datetimes or as the exact string to send. Fields at
    their protobuf default (false, 0, empty) are left out, as Kaggle leaves them out.
    ``extra`` adds or overrides raw fields (use ``None`` to drop one).
    """
    deadline = deadline if deadline is not None else datetime(2030, 1, 1, 23, 59, tzinfo=UTC)
    enabled = enabled_date if enabled_date is not None else datetime(2029, 10, 1, 0, 0, tzinfo=UTC)
    url = f"{WEB_BASE}/competitions/{ref}"
    payload: dict[str, Any] = {
        "id": competition_id
        if competition_id is not None
        else 100_000 + zlib.crc32(ref.encode()) % 900_000,
        "ref": url,
        "title": title or ref.replace("-", " ").title(),
        "url": url,
        "description": description if description is not None else f"Predict things for {ref}.",
        "organizationName": "Kaggle",
        "category": category,
        "reward": reward,
        "tags": [
            {
                "ref": tag,
                "name": tag,
                "description": f"{tag} competitions",
                "fullPath": f"tag/{tag}",
            }
            for tag in tags
        ],
        "deadline": deadline if isinstance(deadline, str) else kaggle_timestamp(deadline),
        "kernelCount": 14,
        "teamCount": team_count,
        "userHasEntered": user_has_entered,
        "enabledDate": enabled if isinstance(enabled, str) else kaggle_timestamp(enabled),
        "maxDailySubmissions": 5,
        "maxTeamSize": 5,
        "evaluationMetric": evaluation_metric,
        "awardsPoints": True,
        "isKernelsSubmissionsOnly": is_kernels_submissions_only,
        "submissionsDisabled": False,
        "hostName": "",
    }
    payload.update(extra)
    return {k: v for k, v in payload.items() if v not in (None, False, 0, "", [])}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. ``headers`` keys are lower-case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


@dataclass
class _Scripted:
    status: int = 200
    retry_after: str | None = None
    hang: bool = False
    body: Any = None


@dataclass
class FakeKaggle:
    """The fake server. Mutate ``competitions`` freely between calls."""

    competitions: list[dict[str, Any]] = field(default_factory=list)
    legacy_page_size: int = 20
    new_endpoint_available: bool = True  # False: the new endpoint answers 404 (legacy-only Kaggle)
    repeat_page_token: bool = False  # True: every page names the same next token
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._script: deque[_Scripted] = deque()
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- scripting ---------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | str | None = None,
        body: Any = None,
    ) -> None:
        """The next ``times`` requests (any endpoint) answer ``status`` instead of data."""
        header = None if retry_after is None else str(retry_after)
        for _ in range(times):
            self._script.append(_Scripted(status=status, retry_after=header, body=body))

    def hang_next(self, *, times: int = 1) -> None:
        """The next ``times`` requests never answer (until the fake shuts down)."""
        for _ in range(times):
            self._script.append(_Scripted(hang=True))

    def add(self, *competitions: dict[str, Any]) -> None:
        self.competitions.extend(competitions)

    @property
    def list_requests(self) -> list[RecordedRequest]:
        """Requests to either listing endpoint, in order."""
        return [r for r in self.requests if r.path in (NEW_PATH, LEGACY_PATH)]

    # -- lifecycle ---------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post(NEW_PATH, self._list_new)
        app.router.add_get(LEGACY_PATH, self._list_legacy)
        app.middlewares.append(self._middleware)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- handlers ----------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers={k.lower(): v for k, v in request.headers.items()},
                json=body,
            )
        )
        if self._script:
            step = self._script.popleft()
            if step.hang:
                await self._release.wait()
                raise web.HTTPServiceUnavailable()
            headers = {"Retry-After": step.retry_after} if step.retry_after is not None else None
            payload = (
                step.body if step.body is not None else {"code": step.status, "message": "scripted"}
            )
            return web.json_response(payload, status=step.status, headers=headers)
        if request.path == NEW_PATH and not self.new_endpoint_available:
            return web.json_response({"code": 404, "message": "Not found"}, status=404)
        return await handler(request)

    async def _list_new(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()  # aiohttp keeps the body the middleware already read
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.json_response({"code": 400, "message": "Expected a JSON object"}, status=400)
        rows = self._filtered(
            category=_CATEGORY_DISPLAY.get(body.get("category", "")),
            search=body.get("search") or "",
            entered_only=body.get("group") == "COMPETITION_LIST_TAB_ENTERED",
            sort_by=body.get("sortBy", ""),
        )
        page_size = int(body.get("pageSize") or 20)
        token = body.get("pageToken") or ""
        if token:
            offset = _decode_token(token)
            if offset is None:
                return web.json_response({"code": 400, "message": "Invalid page token"}, status=400)
        else:
            offset = (max(int(body.get("page") or 1), 1) - 1) * page_size
        page = rows[offset : offset + page_size]
        payload: dict[str, Any] = {"competitions": page}
        if self.repeat_page_token:
            payload["nextPageToken"] = _encode_token(page_size)
        elif offset + page_size < len(rows):
            payload["nextPageToken"] = _encode_token(offset + page_size)
        return web.json_response(payload)

    async def _list_legacy(self, request: web.Request) -> web.Response:
        query = request.query
        category = query.get("category", "all")
        rows = self._filtered(
            category=_LEGACY_CATEGORY_DISPLAY.get(category),
            search=query.get("search", ""),
            entered_only=query.get("group") == "entered",
            sort_by={
                "earliestDeadline": "COMPETITION_SORT_BY_EARLIEST_DEADLINE",
                "latestDeadline": "COMPETITION_SORT_BY_LATEST_DEADLINE",
                "recentlyCreated": "COMPETITION_SORT_BY_RECENTLY_CREATED",
            }.get(query.get("sortBy", ""), ""),
        )
        page = max(int(query.get("page", "1")), 1)
        start = (page - 1) * self.legacy_page_size
        return web.json_response(rows[start : start + self.legacy_page_size])

    def _filtered(
        self, *, category: str | None, search: str, entered_only: bool, sort_by: str
    ) -> list[dict[str, Any]]:
        rows = list(self.competitions)
        if category is not None:
            rows = [r for r in rows if r.get("category") == category]
        if search:
            needle = search.lower()
            rows = [
                r
                for r in rows
                if needle in str(r.get("title", "")).lower()
                or needle in str(r.get("description", "")).lower()
            ]
        if entered_only:
            rows = [r for r in rows if r.get("userHasEntered")]
        if sort_by == "COMPETITION_SORT_BY_EARLIEST_DEADLINE":
            rows.sort(key=lambda r: str(r.get("deadline", "")))
        elif sort_by == "COMPETITION_SORT_BY_LATEST_DEADLINE":
            rows.sort(key=lambda r: str(r.get("deadline", "")), reverse=True)
        elif sort_by == "COMPETITION_SORT_BY_RECENTLY_CREATED":
            rows.sort(key=lambda r: str(r.get("enabledDate", "")), reverse=True)
        return rows


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _decode_token(token: str) -> int | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["offset"])
    except (ValueError, KeyError, TypeError):
        return None
