"""Clients for the public job-board APIs: Greenhouse, Lever and Ashby.

Each provider module turns its API's own JSON into `Posting`s; `JobBoards` does the HTTP
(httpx, configurable base URLs, conditional requests, 429 Retry-After) and raises one of
`BoardNotFound`, `BoardRateLimited` or `BoardError` so the caller can record it and move on.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from bot.config import JobsSettings

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("greenhouse", "lever", "ashby")
USER_AGENT = "PivotBot/1.0 (community job feed; +https://github.com/)"
BOARD_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# The page a member would open, per provider, and the path a board name is read from in a URL.
_BOARD_URL_RE = re.compile(
    r"^https?://(?:job-)?(?:boards(?:-api)?\.greenhouse\.io|jobs\.(?:eu\.)?lever\.co|jobs\.ashbyhq\.com)"
    r"(?:/v1/boards)?/([^/?#]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Posting:
    external_id: str
    title: str
    url: str
    location: str = ""
    remote_hint: str = ""  # the provider's own workplace field ("remote", "Remote", "hybrid")
    description: str = ""
    company: str | None = None
    published_at: datetime | None = None
    compensation: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A complete read of a board (`postings`), or `not_modified` after a conditional request."""

    postings: list[Posting] = field(default_factory=list)
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    requests: int = 1


class BoardError(Exception):
    """The board could not be read this time (5xx, network, malformed JSON)."""


class BoardNotFound(BoardError):
    """The provider says there is no such board (HTTP 404)."""


class BoardRateLimited(BoardError):
    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def board_name(text: str) -> str:
    """A board token/site name as admins paste it: the name itself, or its board URL."""
    value = text.strip()
    match = _BOARD_URL_RE.match(value)
    if match:
        value = match.group(1)
    return value


def plain_text(markup: str, limit: int = 4000) -> str:
    """HTML (possibly entity-escaped, as Greenhouse sends it) as plain text."""
    text = html.unescape(html.unescape(markup or ""))
    text = re.sub(r"<(br|/p|/li|/h\d)[^>]*>", "\n", text, flags=re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    return text[:limit]


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 strings (Greenhouse, Ashby) or epoch milliseconds (Lever)."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class JobBoards:
    """One shared httpx client for the three providers (the feature's resource)."""

    LEVER_PAGE = 100

    def __init__(self, settings: JobsSettings, *, transport: httpx.AsyncBaseTransport | None = None
                 ) -> None:
        self.bases = {
            "greenhouse": settings.greenhouse_url.rstrip("/"),
            "lever": settings.lever_url.rstrip("/"),
            "ashby": settings.ashby_url.rstrip("/"),
        }
        self._timeout = settings.timeout_seconds
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """Made on the first request: its transport (httpcore) is not loaded at start-up."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                transport=self._transport,
                follow_redirects=True,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def fetch(self, kind: str, board: str, *, etag: str | None = None,
                    last_modified: str | None = None) -> Fetched:
        from bot.features.jobs.boards import ashby, greenhouse

        if kind == "lever":
            return await self._lever(board)
        module = greenhouse if kind == "greenhouse" else ashby
        url = f"{self.bases[kind]}{module.path(board)}"
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = await self._get(url, module.PARAMS, headers, kind, board)
        if response.status_code == 304:
            return Fetched(not_modified=True, etag=etag, last_modified=last_modified)
        data = self._json(response, kind, board)
        return Fetched(
            postings=module.parse(data, board),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    async def probe(self, kind: str, board: str) -> str | None:
        """One request that proves the board exists; returns the company's name when the API
        gives it (Greenhouse's `GET /v1/boards/{board}` answers `{"name": …}`)."""
        from bot.features.jobs.boards import ashby, greenhouse, lever

        if kind == "greenhouse":
            response = await self._get(f"{self.bases[kind]}{greenhouse.board_path(board)}", {}, {},
                                       kind, board)
            data = self._json(response, kind, board)
            name = data.get("name") if isinstance(data, dict) else None
            return str(name).strip()[:200] or None if name else None
        if kind == "lever":
            params = {**lever.PARAMS, "skip": "0", "limit": "1"}
            response = await self._get(f"{self.bases[kind]}{lever.path(board)}", params, {}, kind, board)
            lever.parse(self._json(response, kind, board), board)
            return None
        response = await self._get(f"{self.bases[kind]}{ashby.path(board)}", ashby.PARAMS, {},
                                   kind, board)
        ashby.parse(self._json(response, kind, board), board)
        return None

    async def _lever(self, board: str) -> Fetched:
        from bot.features.jobs.boards import lever

        url = f"{self.bases['lever']}{lever.path(board)}"
        postings: list[Posting] = []
        skip, requests = 0, 0
        while True:
            params = {**lever.PARAMS, "skip": str(skip), "limit": str(self.LEVER_PAGE)}
            response = await self._get(url, params, {}, "lever", board)
            requests += 1
            page = self._json(response, "lever", board)
            parsed = lever.parse(page, board)
            postings += parsed
            if not isinstance(page, list) or len(page) < self.LEVER_PAGE or requests >= 50:
                break
            skip += self.LEVER_PAGE
        return Fetched(postings=postings, requests=requests)

    async def _get(self, url: str, params: dict[str, str], headers: dict[str, str], kind: str,
                   board: str) -> httpx.Response:
        try:
            response = await self.client.get(url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise BoardError(f"{kind} {board}: {type(exc).__name__}") from None
        if response.status_code == 404:
            raise BoardNotFound(f"{kind} has no board called '{board}'")
        if response.status_code == 429:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            raise BoardRateLimited(f"{kind} {board}: rate limited (HTTP 429)", wait)
        if response.status_code >= 400:
            raise BoardError(f"{kind} {board}: HTTP {response.status_code}")
        return response

    @staticmethod
    def _json(response: httpx.Response, kind: str, board: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise BoardError(f"{kind} {board}: the answer was not valid JSON") from None
