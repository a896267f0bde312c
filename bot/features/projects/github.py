"""A small, polite client for the GitHub REST API (httpx).

Three reads per repository: the repository itself, its root contents and its recent
commits. Every read is conditional (`If-None-Match` with the stored ETag: a 304 costs no
rate limit), and the client remembers `x-ratelimit-remaining`/`x-ratelimit-reset`: while
the limit is exhausted it sends nothing and says until when. Works without a token (60
requests an hour) or with `PIVOT_GITHUB_TOKEN`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.core.errors import InvalidInput

log = logging.getLogger(__name__)

ENDPOINTS = ("repo", "contents", "commits")
COMMITS_PER_PAGE = 10
API_VERSION = "2022-11-28"

_URL_RE = re.compile(
    r"^(?:https?://)?(?:www\.)?github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100}?)"
    r"(?:\.git)?/?$"
)


def parse_repo_url(text: str) -> tuple[str, str]:
    """`https://github.com/owner/repo` → ("owner", "repo"); anything else is refused."""
    match = _URL_RE.fullmatch(text.strip())
    if match is None or match[2] in {".", ".."}:
        raise InvalidInput(
            "--repo must be a GitHub repository URL like https://github.com/you/project, "
            f"not '{text[:60]}'."
        )
    return match[1], match[2]


class GitHubError(Exception):
    """The repository could not be read; `state` says why (missing, unauthorized, …)."""

    def __init__(self, state: str, message: str, reset_at: datetime | None = None) -> None:
        super().__init__(message)
        self.state = state
        self.reset_at = reset_at


@dataclass
class Fetched:
    """One refresh: for each endpoint, a fresh digest (200) or None (304: unchanged)."""

    digests: dict[str, Any] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)
    not_modified: set[str] = field(default_factory=set)


class GitHubClient:
    def __init__(self, base_url: str = "https://api.github.com", token: str | None = None, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 now: Callable[[], datetime] | None = None, timeout: float = 10.0) -> None:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                   "User-Agent": "pivot-bot"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._options: dict[str, Any] = {"base_url": base_url.rstrip("/"), "headers": headers,
                                         "timeout": timeout, "transport": transport}
        self._client: httpx.AsyncClient | None = None
        self._now = now or (lambda: datetime.now(UTC))
        self.remaining: int | None = None
        self.reset_at: datetime | None = None
        self.requests_sent = 0

    @property
    def _http(self) -> httpx.AsyncClient:
        """Made on the first request: its transport (httpcore) is not loaded at start-up."""
        if self._client is None:
            self._client = httpx.AsyncClient(**self._options)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def exhausted_until(self, now: datetime | None = None) -> datetime | None:
        """When the rate limit is used up: the moment it resets (no request before then)."""
        now = now or self._now()
        if self.remaining == 0 and self.reset_at is not None and now < self.reset_at:
            return self.reset_at
        return None

    async def fetch(self, owner: str, name: str, etags: Mapping[str, str], *,
                    now: datetime | None = None) -> Fetched:
        """`now` is the caller's clock (the app's), so tests and `/wait` move time for us too."""
        now = now or self._now()
        out = Fetched()
        paths = {
            "repo": (f"/repos/{owner}/{name}", None),
            "contents": (f"/repos/{owner}/{name}/contents/", None),
            "commits": (f"/repos/{owner}/{name}/commits", {"per_page": str(COMMITS_PER_PAGE)}),
        }
        for endpoint in ENDPOINTS:
            path, params = paths[endpoint]
            status, body, etag = await self._get(path, params, etags.get(endpoint), now)
            if status == 304:
                out.not_modified.add(endpoint)
                out.etags[endpoint] = etags[endpoint]
                continue
            if endpoint != "repo" and status in (404, 409):
                # An empty repository: no contents, no commits (GitHub answers 404 / 409).
                out.digests[endpoint] = [] if endpoint == "contents" else {"count": 0, "last": None}
                continue
            if etag:
                out.etags[endpoint] = etag
            out.digests[endpoint] = DIGESTS[endpoint](body)
        return out

    async def _get(self, path: str, params: Mapping[str, str] | None,
                   etag: str | None, now: datetime) -> tuple[int, Any, str | None]:
        until = self.exhausted_until(now)
        if until is not None:
            raise GitHubError("rate_limited", "GitHub's rate limit is used up", until)
        headers = {"If-None-Match": etag} if etag else {}
        try:
            response = await self._http.get(path, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise GitHubError("error", f"GitHub unreachable: {type(exc).__name__}") from None
        self.requests_sent += 1
        self._note_limits(response.headers)
        status = response.status_code
        if status == 304:
            return 304, None, etag
        if status in (403, 429) and (self.remaining == 0 or "retry-after" in response.headers):
            if "retry-after" in response.headers and self.remaining != 0:
                self.remaining = 0
                self.reset_at = now + _seconds(response.headers["retry-after"])
            raise GitHubError("rate_limited", "GitHub's rate limit is used up", self.reset_at)
        if status == 401:
            raise GitHubError("unauthorized", "GitHub refused the token (401)")
        if status == 404 and path.count("/") == 3:
            raise GitHubError("missing", "repository not found (private or gone)")
        if status in (404, 409):
            return status, None, None
        if status >= 400:
            raise GitHubError("error", f"GitHub answered {status}")
        try:
            body = response.json()
        except ValueError:
            raise GitHubError("error", "GitHub sent something that is not JSON") from None
        return status, body, response.headers.get("etag")

    def _note_limits(self, headers: httpx.Headers) -> None:
        remaining = headers.get("x-ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.isdigit():
            self.remaining = int(remaining)
        if reset is not None and reset.isdigit():
            self.reset_at = datetime.fromtimestamp(int(reset), UTC)


def _seconds(raw: str) -> timedelta:
    try:
        return timedelta(seconds=float(raw))
    except ValueError:
        return timedelta(minutes=1)


# --- digests: the few facts Pivot keeps of each answer ------------------------------------------


def _repo_digest(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise GitHubError("error", "unexpected repository payload")
    licence = body.get("license") or {}
    return {
        "full_name": str(body.get("full_name") or ""),
        "html_url": str(body.get("html_url") or ""),
        "description": str(body.get("description") or "")[:300],
        "stars": int(body.get("stargazers_count") or 0),
        "pushed_at": body.get("pushed_at"),
        "private": bool(body.get("private")),
        "archived": bool(body.get("archived")),
        "licence": (licence.get("spdx_id") if licence.get("spdx_id") not in (None, "NOASSERTION")
                    else licence.get("name")) if isinstance(licence, dict) else None,
    }


def _contents_digest(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, list):
        raise GitHubError("error", "unexpected contents payload")
    return [{"name": str(e.get("name", "")), "type": str(e.get("type", "")), "size": int(e.get("size") or 0)}
            for e in body[:300] if isinstance(e, dict)]


def _commits_digest(body: Any) -> dict[str, Any]:
    if not isinstance(body, list):
        raise GitHubError("error", "unexpected commits payload")
    last = None
    if body and isinstance(body[0], dict):
        commit = body[0].get("commit") or {}
        last = (commit.get("committer") or {}).get("date") or (commit.get("author") or {}).get("date")
    return {"count": len(body), "last": last}


DIGESTS: dict[str, Callable[[Any], Any]] = {
    "repo": _repo_digest,
    "contents": _contents_digest,
    "commits": _commits_digest,
}
