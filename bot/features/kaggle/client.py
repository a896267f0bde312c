"""Async client for Kaggle's competition listing, speaking the official CLI's wire format.

Pivot polls Kaggle for open competitions. We do not depend on the ``kaggle``
package (it is synchronous, prints, and reads ``~/.kaggle`` at import time), so
this module re-states its wire format. Everything below was read from the
published sources, not guessed:

* ``kagglesdk`` 0.1.38 (PyPI wheel), files
  ``kagglesdk/competitions/services/competition_api_service.py`` (the call is
  ``POST {endpoint}/v1/competitions.CompetitionApiService/ListCompetitions``),
  ``kagglesdk/competitions/types/competition_api_service.py``
  (``ApiListCompetitionsRequest._fields``: ``group``, ``category``, ``sortBy``,
  ``search``, ``page``, ``pageToken``, ``pageSize``; ``ApiListCompetitionsResponse``:
  ``competitions``, ``nextPageToken``; ``ApiCompetition._fields``: ``id``, ``ref``,
  ``title``, ``url``, ``description``, ``category``, ``reward``, ``tags`` (``ApiCategory``
  objects with ``ref``/``name``), ``deadline``, ``teamCount``, ``userHasEntered``,
  ``enabledDate``, ``evaluationMetric``, ``isKernelsSubmissionsOnly``, ...),
  ``kagglesdk/competitions/types/competition_enums.py`` (``HostSegment``,
  ``CompetitionListTab``, ``CompetitionSortBy``), ``kagglesdk/kaggle_object.py``
  (enums are sent by ``.name``; fields left at their default are omitted; dates
  are ISO strings ending in ``Z``), ``kagglesdk/kaggle_http_client.py`` (Bearer
  token, else HTTP basic with username/key; a JSON body with ``code >= 400`` is an
  error even on HTTP 200) and ``kagglesdk/kaggle_env.py`` (production endpoint
  ``https://api.kaggle.com``; ``KAGGLE_API_TOKEN`` may hold the token or a path to
  a file holding it; ``~/.kaggle/access_token``).
* ``kaggle`` 2.2.5 (PyPI wheel), ``kaggle/api/kaggle_api_extended.py``:
  ``competitions_list`` fills the request exactly as ``_request_body`` below does
  (``search`` as ``""`` when absent, ``page: 1`` plus ``pageToken: ""`` on the
  first page, only ``pageToken`` afterwards); ``KAGGLE_USERNAME``/``KAGGLE_KEY``
  override ``kaggle.json`` in ``$KAGGLE_CONFIG_DIR`` (default ``~/.kaggle``).
* The legacy endpoint ``GET {base}/api/v1/competitions/list`` (the path
  ``ApiListCompetitionsRequest.endpoint()`` still names) takes query parameters
  ``group``, ``category``, ``sortBy``, ``page``, ``search`` with the old
  lower-camel values (``general``, ``gettingStarted``, ``earliestDeadline``) and
  answers a bare JSON array of the same competition objects.

The new API returns ``ref`` as the competition URL
(``https://www.kaggle.com/competitions/titanic``) and ``category`` as a display
name (``"Getting Started"``); :class:`Competition` normalises both.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from bot.core.errors import IntegrationUnavailable, InvalidInput

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.kaggle.com"
LIST_COMPETITIONS_PATH = "/v1/competitions.CompetitionApiService/ListCompetitions"
LEGACY_LIST_COMPETITIONS_PATH = "/api/v1/competitions/list"
WEB_BASE_URL = "https://www.kaggle.com"
USER_AGENT = "pivot-bot/0.1 httpx"

# A Retry-After longer than this is not waited out inside one poll: we give up and
# let the next scheduled poll try again.
MAX_RETRY_AFTER_SECONDS = 120.0

# Our user-facing category name -> (HostSegment enum name, legacy query value).
# "masters" exists in HostSegment but is invite-only, so we do not offer it.
_CATEGORY_ENUMS: dict[str, tuple[str, str]] = {
    "getting-started": ("HOST_SEGMENT_GETTING_STARTED", "gettingStarted"),
    "playground": ("HOST_SEGMENT_PLAYGROUND", "playground"),
    "featured": ("HOST_SEGMENT_FEATURED", "featured"),
    "research": ("HOST_SEGMENT_RESEARCH", "research"),
    "recruitment": ("HOST_SEGMENT_RECRUITMENT", "recruitment"),
    "community": ("HOST_SEGMENT_COMMUNITY", "community"),
    "analytics": ("HOST_SEGMENT_ANALYTICS", "analytics"),
}
CATEGORIES: tuple[str, ...] = tuple(_CATEGORY_ENUMS)
_ALL_CATEGORIES_ENUM = "HOST_SEGMENT_UNSPECIFIED"
_ALL_CATEGORIES_LEGACY = "all"

# Our name -> (CompetitionSortBy enum name, legacy query value).
_SORT_ENUMS: dict[str, tuple[str, str]] = {
    "grouped": ("COMPETITION_SORT_BY_GROUPED", "grouped"),
    "best": ("COMPETITION_SORT_BY_BEST", "best"),
    "prize": ("COMPETITION_SORT_BY_PRIZE", "prize"),
    "earliest-deadline": ("COMPETITION_SORT_BY_EARLIEST_DEADLINE", "earliestDeadline"),
    "latest-deadline": ("COMPETITION_SORT_BY_LATEST_DEADLINE", "latestDeadline"),
    "number-of-teams": ("COMPETITION_SORT_BY_NUMBER_OF_TEAMS", "numberOfTeams"),
    "relevance": ("COMPETITION_SORT_BY_RELEVANCE", "relevance"),
    "recently-created": ("COMPETITION_SORT_BY_RECENTLY_CREATED", "recentlyCreated"),
}
SORT_ORDERS: tuple[str, ...] = tuple(_SORT_ENUMS)

# Our name -> (CompetitionListTab enum name, legacy query value). "general" is the
# active-competitions tab of kaggle.com/competitions; "everything" (the CLI's own
# default) also lists finished competitions, thousands of them.
_GROUP_ENUMS: dict[str, tuple[str, str]] = {
    "general": ("COMPETITION_LIST_TAB_GENERAL", "general"),
    "entered": ("COMPETITION_LIST_TAB_ENTERED", "entered"),
    "community": ("COMPETITION_LIST_TAB_COMMUNITY", "community"),
    "hosted": ("COMPETITION_LIST_TAB_HOSTED", "hosted"),
    "everything": ("COMPETITION_LIST_TAB_EVERYTHING", "everything"),
}
GROUPS: tuple[str, ...] = tuple(_GROUP_ENUMS)

_AUTH_HELP = (
    "Kaggle rejected Pivot's credentials (HTTP {status}). "
    "An admin should check KAGGLE_USERNAME/KAGGLE_KEY or KAGGLE_API_TOKEN."
)


class KaggleAuthError(IntegrationUnavailable):
    """Kaggle answered 401/403: the configured credentials are wrong or revoked."""


class KaggleUnavailable(IntegrationUnavailable):
    """Kaggle could not be reached, kept failing, or answered something we cannot read."""


def parse_category(name: str) -> str:
    """Return the canonical category name for user input, or raise InvalidInput listing the valid ones."""
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in _CATEGORY_ENUMS:
        return key
    raise InvalidInput(f"Unknown Kaggle category '{name}'. Choose one of: {', '.join(CATEGORIES)}.")


def _choice(table: Mapping[str, tuple[str, str]], value: str, what: str) -> tuple[str, str]:
    try:
        return table[value]
    except KeyError:
        raise InvalidInput(
            f"Unknown Kaggle {what} '{value}'. Choose one of: {', '.join(table)}."
        ) from None


_ISO_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:\.(?P<frac>\d+))?(?P<tz>Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def parse_kaggle_datetime(value: str) -> datetime:
    """Parse Kaggle's ISO timestamps into aware UTC datetimes.

    Kaggle (protobuf JSON) sends nanosecond fractions (``...00.123456789Z``) that
    ``datetime.fromisoformat`` rejects, so the fraction is cut to microseconds.
    A timestamp without an offset is taken as UTC, as the legacy API meant it.
    """
    match = _ISO_RE.match(value.strip())
    if match is None:
        raise ValueError(f"not an ISO timestamp: {value!r}")
    frac = (match["frac"] or "")[:6].ljust(6, "0")
    tz = match["tz"]
    offset = "+00:00" if tz is None or tz.upper() == "Z" else tz
    if len(offset) == 5:  # +HHMM
        offset = f"{offset[:3]}:{offset[3:]}"
    parsed = datetime.fromisoformat(f"{match['date']}T{match['time']}.{frac}{offset}")
    return parsed.astimezone(UTC)


def _category_name(display: str) -> str:
    """Map Kaggle's display category ("Getting Started") or enum name to our slug."""
    text = display.strip()
    if text.upper().startswith("HOST_SEGMENT_"):
        text = text[len("HOST_SEGMENT_") :]
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", "-", text)  # gettingStarted -> getting-Started
    return re.sub(r"[\s_]+", "-", text).lower()


def _slug_from_ref(ref: str) -> str:
    """The new API's ref is the competition URL; the slug is its last path segment."""
    if "://" in ref:
        segments = [part for part in urlsplit(ref).path.split("/") if part]
        if not segments:
            raise ValueError(f"competition ref without a slug: {ref!r}")
        return segments[-1]
    return ref.strip("/")


@dataclass(frozen=True, slots=True)
class Competition:
    """One Kaggle competition, as much of it as Pivot shows or decides on."""

    ref: str  # the slug, e.g. "titanic"
    title: str
    url: str
    description: str = ""
    category: str | None = None  # our slug, e.g. "getting-started"
    reward: str | None = None  # as Kaggle shows it: "$10,000", "Knowledge", "Kudos", "Swag"
    deadline: datetime | None = None
    enabled_date: datetime | None = None
    team_count: int = 0
    evaluation_metric: str | None = None
    tags: tuple[str, ...] = ()
    is_kernels_submissions_only: bool = False
    user_has_entered: bool = False
    id: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Competition:
        """Build from an ``ApiCompetition`` JSON object (new or legacy endpoint).

        Protobuf JSON omits fields at their default (0, false, empty), so every
        field but ``ref`` may be missing. Raises ValueError on a malformed item.
        """
        raw_ref = data.get("ref")
        if not isinstance(raw_ref, str) or not raw_ref.strip():
            raise ValueError("competition without a ref")
        slug = _slug_from_ref(raw_ref)
        url = data.get("url") or (
            raw_ref if "://" in raw_ref else f"{WEB_BASE_URL}/competitions/{slug}"
        )
        category = data.get("category")
        tags = tuple(
            str(tag.get("name") or tag.get("ref"))
            for tag in data.get("tags") or ()
            if isinstance(tag, Mapping) and (tag.get("name") or tag.get("ref"))
        )
        raw_id = data.get("id")
        return cls(
            ref=slug,
            title=str(data.get("title") or slug),
            url=str(url),
            description=str(data.get("description") or ""),
            category=_category_name(category) if isinstance(category, str) and category else None,
            reward=str(data["reward"]) if data.get("reward") else None,
            deadline=_optional_datetime(data.get("deadline")),
            enabled_date=_optional_datetime(data.get("enabledDate")),
            team_count=int(data.get("teamCount") or 0),
            evaluation_metric=str(data["evaluationMetric"])
            if data.get("evaluationMetric")
            else None,
            tags=tags,
            is_kernels_submissions_only=bool(data.get("isKernelsSubmissionsOnly", False)),
            user_has_entered=bool(data.get("userHasEntered", False)),
            id=int(raw_id) if raw_id else None,
        )


def _optional_datetime(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"timestamp is not a string: {value!r}")
    return parse_kaggle_datetime(value)


@dataclass(frozen=True, slots=True, repr=False)
class KaggleCredentials:
    """Either an API token (sent as Bearer) or a legacy username + key (HTTP basic).

    ``repr`` and ``str`` never show the secret, so credentials can appear in logs
    and tracebacks safely.
    """

    source: str
    token: str | None = None
    username: str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        has_token = bool(self.token)
        has_key = bool(self.username) and bool(self.key)
        if has_token == has_key:
            raise ValueError("KaggleCredentials needs either a token or a username and key")

    @classmethod
    def from_token(cls, token: str, *, source: str = "token") -> KaggleCredentials:
        return cls(source=source, token=token.strip())

    @classmethod
    def from_key(cls, username: str, key: str, *, source: str = "api key") -> KaggleCredentials:
        return cls(source=source, username=username.strip(), key=key.strip())

    @classmethod
    def discover(cls, environ: Mapping[str, str], home: Path) -> KaggleCredentials | None:
        """Find credentials the way the ``kaggle`` CLI does, or return None.

        Order: ``KAGGLE_API_TOKEN`` (the token, or a path to a file holding it),
        ``~/.kaggle/access_token``, ``KAGGLE_USERNAME`` + ``KAGGLE_KEY``, then
        ``kaggle.json`` in ``$KAGGLE_CONFIG_DIR`` or ``~/.kaggle``.
        """
        token = environ.get("KAGGLE_API_TOKEN", "").strip()
        if token:
            token_path = home / token[2:] if token.startswith("~/") else Path(token)
            if ("/" in token or "\\" in token) and token_path.is_file():
                from_file = token_path.read_text(encoding="utf-8").strip()
                if from_file:
                    return cls.from_token(from_file, source=f"KAGGLE_API_TOKEN file {token_path}")
            else:
                return cls.from_token(token, source="KAGGLE_API_TOKEN")

        config_dir = (
            Path(environ["KAGGLE_CONFIG_DIR"])
            if environ.get("KAGGLE_CONFIG_DIR")
            else home / ".kaggle"
        )
        for name in ("access_token", "access_token.txt"):
            path = config_dir / name
            if path.is_file():
                from_file = path.read_text(encoding="utf-8").strip()
                if from_file:
                    return cls.from_token(from_file, source=str(path))

        username = environ.get("KAGGLE_USERNAME", "").strip()
        key = environ.get("KAGGLE_KEY", "").strip()
        if username and key:
            return cls.from_key(username, key, source="KAGGLE_USERNAME/KAGGLE_KEY")

        kaggle_json = config_dir / "kaggle.json"
        if kaggle_json.is_file():
            try:
                data = json.loads(kaggle_json.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                logger.warning("Ignoring unreadable Kaggle config %s", kaggle_json)
                return None
            if isinstance(data, dict) and data.get("username") and data.get("key"):
                return cls.from_key(
                    str(data["username"]), str(data["key"]), source=str(kaggle_json)
                )
            logger.warning("Ignoring %s: it has no username and key", kaggle_json)
        return None

    @property
    def kind(self) -> str:
        return "token" if self.token else "api key"

    def authorization(self) -> str:
        """The Authorization header value kagglesdk sends for these credentials."""
        if self.token:
            return f"Bearer {self.token}"
        pair = f"{self.username}:{self.key}".encode()
        return f"Basic {base64.b64encode(pair).decode('ascii')}"

    def __repr__(self) -> str:
        who = f", username={self.username!r}" if self.username else ""
        return f"KaggleCredentials(kind={self.kind!r}{who}, source={self.source!r}, secret='***')"

    __str__ = __repr__


Sleep = Callable[[float], Awaitable[object]]


class _Retryable(Exception):
    """One attempt failed in a way worth retrying; ``delay`` overrides the backoff."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class _EndpointMissing(Exception):
    """The new endpoint answered 404: this deployment only has the legacy API."""


class KaggleClient:
    """Lists Kaggle competitions, retrying what is worth retrying.

    One instance holds one connection pool; close it with ``aclose()`` or use it
    as an async context manager. ``sleep`` is injected so tests can record the
    backoff instead of waiting it out.
    """

    def __init__(
        self,
        credentials: KaggleCredentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        max_attempts: int = 4,
        backoff: float = 1.0,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._credentials = credentials
        self._base_url = base_url.rstrip("/")
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._sleep = sleep
        self._use_legacy = False
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    @property
    def base_url(self) -> str:
        return self._base_url

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def list_competitions(
        self,
        *,
        category: str | None = None,
        search: str | None = None,
        sort_by: str = "earliest-deadline",
        group: str = "general",
        page_size: int = 20,
        max_pages: int = 50,
    ) -> list[Competition]:
        """Every competition matching the filters, following pages to the end.

        ``category`` is one of :data:`CATEGORIES` (None for all), ``sort_by`` one of
        :data:`SORT_ORDERS`, ``group`` one of :data:`GROUPS`. Each competition
        appears once even if pages overlap. ``max_pages`` bounds a runaway listing.
        """
        category_enums = _CATEGORY_ENUMS[parse_category(category)] if category is not None else None
        sort_enums = _choice(_SORT_ENUMS, sort_by, "sort order")
        group_enums = _choice(_GROUP_ENUMS, group, "group")
        if page_size < 1:
            raise ValueError("page_size must be positive")

        if not self._use_legacy:
            try:
                return await self._list_new(
                    group=group_enums[0],
                    category=category_enums[0] if category_enums else _ALL_CATEGORIES_ENUM,
                    sort_by=sort_enums[0],
                    search=search or "",
                    page_size=page_size,
                    max_pages=max_pages,
                )
            except _EndpointMissing:
                logger.info("Kaggle ListCompetitions answered 404; using the legacy list endpoint")
                self._use_legacy = True
        return await self._list_legacy(
            group=group_enums[1],
            category=category_enums[1] if category_enums else _ALL_CATEGORIES_LEGACY,
            sort_by=sort_enums[1],
            search=search,
            max_pages=max_pages,
        )

    async def _list_new(
        self,
        *,
        group: str,
        category: str,
        sort_by: str,
        search: str,
        page_size: int,
        max_pages: int,
    ) -> list[Competition]:
        found: dict[str, Competition] = {}
        seen_tokens: set[str] = set()
        token = ""
        for _ in range(max_pages):
            body = _request_body(group, category, sort_by, search, page_size, token)
            payload = await self._call("POST", LIST_COMPETITIONS_PATH, json_body=body)
            if not isinstance(payload, dict):
                raise KaggleUnavailable("Kaggle sent a competition list Pivot cannot read.")
            items = payload.get("competitions") or []
            if not isinstance(items, list):
                raise KaggleUnavailable("Kaggle sent a competition list Pivot cannot read.")
            _collect(found, items)
            next_token = payload.get("nextPageToken") or ""
            if not isinstance(next_token, str) or not next_token:
                return list(found.values())
            if next_token in seen_tokens or next_token == token:
                logger.warning(
                    "Kaggle repeated a page token; stopping after %d competitions", len(found)
                )
                return list(found.values())
            seen_tokens.add(next_token)
            token = next_token
        logger.warning("Stopped listing Kaggle competitions after %d pages", max_pages)
        return list(found.values())

    async def _list_legacy(
        self,
        *,
        group: str,
        category: str,
        sort_by: str,
        search: str | None,
        max_pages: int,
    ) -> list[Competition]:
        found: dict[str, Competition] = {}
        for page in range(1, max_pages + 1):
            params: dict[str, str] = {
                "group": group,
                "category": category,
                "sortBy": sort_by,
                "page": str(page),
            }
            if search:
                params["search"] = search
            payload = await self._call(
                "GET", LEGACY_LIST_COMPETITIONS_PATH, params=params, legacy=True
            )
            if not isinstance(payload, list):
                raise KaggleUnavailable("Kaggle sent a competition list Pivot cannot read.")
            before = len(found)
            _collect(found, payload)
            if not payload or len(found) == before:
                # An empty page is the end; a page of only repeats means the server ignores `page`.
                return list(found.values())
        logger.warning("Stopped listing Kaggle competitions after %d legacy pages", max_pages)
        return list(found.values())

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        legacy: bool = False,
    ) -> Any:
        """One API call with retries; returns the decoded JSON payload."""
        last_reason = "no attempt made"
        for attempt in range(1, self._max_attempts + 1):
            try:
                return await self._attempt(
                    method, path, json_body=json_body, params=params, legacy=legacy
                )
            except _Retryable as failure:
                last_reason = failure.reason
                if attempt == self._max_attempts:
                    break
                delay = (
                    failure.delay
                    if failure.delay is not None
                    else self._backoff * 2 ** (attempt - 1)
                )
                if delay > MAX_RETRY_AFTER_SECONDS:
                    last_reason = f"{failure.reason}; Kaggle asked us to wait {delay:.0f}s"
                    break
                logger.warning(
                    "Kaggle %s %s failed (%s); retry %d/%d in %.1fs",
                    method,
                    path,
                    failure.reason,
                    attempt,
                    self._max_attempts - 1,
                    delay,
                )
                await self._sleep(delay)
        logger.error(
            "Kaggle %s %s gave up after %d attempts: %s", method, path, attempt, last_reason
        )
        raise KaggleUnavailable(
            f"Kaggle is not answering right now ({last_reason}). Pivot will try again later."
        )

    async def _attempt(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        legacy: bool,
    ) -> Any:
        headers = {"Authorization": self._credentials.authorization()}
        try:
            response = await self._http.request(
                method, self._base_url + path, json=json_body, params=params, headers=headers
            )
        except httpx.TimeoutException:
            raise _Retryable("timed out") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed: {type(exc).__name__}") from None

        status = response.status_code
        payload = _decode(response)
        # kagglesdk treats {"code": >=400, "message": ...} as an error whatever the HTTP status.
        if (
            isinstance(payload, dict)
            and isinstance(payload.get("code"), int)
            and payload["code"] >= 400
        ):
            status = payload["code"] if status < 400 else status

        if status in (401, 403):
            raise KaggleAuthError(_AUTH_HELP.format(status=status))
        if status == 404 and not legacy:
            raise _EndpointMissing
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", _retry_after(response))
        if status >= 400:
            raise KaggleUnavailable(f"Kaggle refused the competition list request (HTTP {status}).")
        if payload is _UNREADABLE:
            raise KaggleUnavailable("Kaggle sent a competition list Pivot cannot read.")
        return payload


_UNREADABLE = object()


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return {} if response.status_code < 400 else _UNREADABLE
    try:
        return response.json()
    except ValueError:
        return _UNREADABLE


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric Retry-After header, or None to use our own backoff."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)


def _request_body(
    group: str, category: str, sort_by: str, search: str, page_size: int, page_token: str
) -> dict[str, Any]:
    """The JSON kagglesdk sends for ApiListCompetitionsRequest, keys in its field order."""
    body: dict[str, Any] = {
        "group": group,
        "category": category,
        "sortBy": sort_by,
        "search": search,
    }
    if not page_token:
        body["page"] = 1
    body["pageToken"] = page_token
    body["pageSize"] = page_size
    return body


def _collect(found: dict[str, Competition], items: list[Any]) -> None:
    """Parse items into ``found`` (keyed by slug); skip malformed ones, fail if all are."""
    bad = 0
    for item in items:
        try:
            if not isinstance(item, Mapping):
                raise ValueError("competition is not an object")
            competition = Competition.from_api(item)
        except (ValueError, TypeError) as exc:
            bad += 1
            ref = item.get("ref") if isinstance(item, Mapping) else None
            logger.warning("Skipping unreadable Kaggle competition %r: %s", ref, exc)
            continue
        found.setdefault(competition.ref, competition)
    if items and bad == len(items):
        raise KaggleUnavailable("Kaggle sent a competition list Pivot cannot read.")


__all__ = [
    "CATEGORIES",
    "DEFAULT_BASE_URL",
    "GROUPS",
    "SORT_ORDERS",
    "Competition",
    "KaggleAuthError",
    "KaggleClient",
    "KaggleCredentials",
    "KaggleUnavailable",
    "parse_category",
    "parse_kaggle_datetime",
]
