"""A fake GitHub REST API: a real aiohttp server on 127.0.0.1, port 0.

It serves the three reads Pivot makes, with GitHub's payload shapes:

* ``GET /repos/{owner}/{repo}`` — the repository (``stargazers_count``, ``pushed_at``,
  ``license`` {key, name, spdx_id}, ``private``, ``html_url`` …);
* ``GET /repos/{owner}/{repo}/contents/`` — the root directory listing (name, path, type,
  size …);
* ``GET /repos/{owner}/{repo}/commits?per_page=N`` — commits, newest first
  (``commit.committer.date`` …).

and GitHub's behaviour around them:

* every answer carries an ``ETag``; a request with a matching ``If-None-Match`` gets
  ``304 Not Modified`` and costs no rate limit;
* ``x-ratelimit-limit/remaining/used/reset/resource`` on every answer; when the limit is used
  up, ``403`` with "API rate limit exceeded" until the reset time (then it refills);
* an unknown or private repository is ``404 Not Found``; a wrong token is ``401 Bad credentials``;
  an empty repository answers contents with 404 and commits with 409.

Usage::

    async with FakeGitHub(now=clock.now) as fake:
        fake.add_repo("ada", "logs", readme=2400, files=["requirements.txt"], dirs=["tests"])
        client = GitHubClient(fake.base_url, now=clock.now)
        fake.requests          # (method, path, headers) of every request received
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from aiohttp import web

DOCS = "https://docs.github.com/rest"


@dataclass
class Repo:
    payload: dict[str, Any]
    contents: list[dict[str, Any]]
    commits: list[dict[str, Any]]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class FakeGitHub:
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    tokens: tuple[str, ...] = ("good-token",)
    limit: int = 60
    remaining: int = 60
    reset_after: timedelta = timedelta(hours=1)
    repos: dict[str, Repo] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    reset_at: datetime | None = None
    port: int = 0
    _runner: web.AppRunner | None = None

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/repos/{owner}/{repo}", self._repo)
        app.router.add_get("/repos/{owner}/{repo}/contents/", self._contents)
        app.router.add_get("/repos/{owner}/{repo}/commits", self._commits)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- setup ---------------------------------------------------------------------------------

    def add_repo(self, owner: str, name: str, *, readme: int | None = 2400, licence: str | None = "MIT",
                 files: Iterable[str] = ("requirements.txt",), dirs: Iterable[str] = ("src", "tests"),
                 stars: int = 3, pushed_at: datetime | None = None, private: bool = False,
                 commits: int = 5, description: str = "") -> Repo:
        pushed = (pushed_at or self.now() - timedelta(days=2)).astimezone(UTC)
        stamp = pushed.strftime("%Y-%m-%dT%H:%M:%SZ")
        full = f"{owner}/{name}"
        licences = {"MIT": ("mit", "MIT License"), "Apache-2.0": ("apache-2.0", "Apache License 2.0")}
        payload = {
            "id": 1296269 + len(self.repos),
            "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
            "name": name,
            "full_name": full,
            "owner": {"login": owner, "id": 1, "type": "User"},
            "private": private,
            "html_url": f"https://github.com/{full}",
            "description": description or None,
            "fork": False,
            "url": f"https://api.github.com/repos/{full}",
            "created_at": "2025-01-26T19:01:12Z",
            "updated_at": stamp,
            "pushed_at": stamp,
            "size": 108,
            "stargazers_count": stars,
            "watchers_count": stars,
            "language": "Python",
            "forks_count": 0,
            "archived": False,
            "disabled": False,
            "open_issues_count": 0,
            "license": None if licence is None else {
                "key": licences.get(licence, (licence.lower(), licence))[0],
                "name": licences.get(licence, (licence, licence))[1],
                "spdx_id": licence,
                "url": f"https://api.github.com/licenses/{licence.lower()}",
                "node_id": "MDc6TGljZW5zZTEz",
            },
            "topics": [],
            "visibility": "private" if private else "public",
            "default_branch": "main",
        }
        entries: list[tuple[str, str, int]] = []
        if readme is not None:
            entries.append(("README.md", "file", readme))
        if licence is not None:
            entries.append(("LICENSE", "file", 1069))
        entries += [(f, "file", 120) for f in files]
        entries += [(d, "dir", 0) for d in dirs]
        contents = [
            {
                "name": entry,
                "path": entry,
                "sha": hashlib.sha1(entry.encode()).hexdigest(),
                "size": size,
                "url": f"https://api.github.com/repos/{full}/contents/{entry}?ref=main",
                "html_url": f"https://github.com/{full}/{'tree' if kind == 'dir' else 'blob'}/main/{entry}",
                "git_url": f"https://api.github.com/repos/{full}/git/blobs/x",
                "download_url": None if kind == "dir" else f"https://raw.githubusercontent.com/{full}/main/{entry}",
                "type": kind,
                "_links": {"self": "", "git": "", "html": ""},
            }
            for entry, kind, size in entries
        ]
        history = [
            {
                "sha": hashlib.sha1(f"{full}{i}".encode()).hexdigest(),
                "node_id": "C_kwDO",
                "commit": {
                    "author": {"name": owner, "email": f"{owner}@example.org",
                               "date": (pushed - timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%SZ")},
                    "committer": {"name": owner, "email": f"{owner}@example.org",
                                  "date": (pushed - timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%SZ")},
                    "message": f"Commit {i}",
                    "comment_count": 0,
                },
                "url": f"https://api.github.com/repos/{full}/commits/x",
                "html_url": f"https://github.com/{full}/commit/x",
                "parents": [],
            }
            for i in range(commits)
        ]
        repo = Repo(payload, contents, history)
        self.repos[full.lower()] = repo
        return repo

    def exhaust(self) -> None:
        """Use the rate limit up now; it refills at `reset_at`."""
        self.remaining = 0
        self.reset_at = self.now() + self.reset_after

    # --- protocol ------------------------------------------------------------------------------

    def _limits(self) -> dict[str, str]:
        if self.reset_at is None or self.now() >= self.reset_at:
            if self.reset_at is not None:
                self.remaining = self.limit
            self.reset_at = self.now() + self.reset_after
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.limit - self.remaining),
            "x-ratelimit-reset": str(int(self.reset_at.timestamp())),
            "x-ratelimit-resource": "core",
        }

    def _answer(self, request: web.Request, body: Any, status: int = 200) -> web.Response:
        limits = self._limits()
        if status == 200:
            data = json.dumps(body, sort_keys=True)
            etag = f'W/"{hashlib.sha256(data.encode()).hexdigest()[:32]}"'
            if request.headers.get("If-None-Match") == etag:
                self._seen(request, 304)
                return web.Response(status=304, headers={"ETag": etag, **limits})
        if self.remaining <= 0:
            self._seen(request, 403)
            return web.json_response(
                {"message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: "
                            "Authenticated requests get a higher rate limit. Check out the "
                            "documentation for more details.)",
                 "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api"},
                status=403, headers={**limits, "x-ratelimit-remaining": "0"})
        self.remaining -= 1
        limits = {**limits, "x-ratelimit-remaining": str(self.remaining),
                  "x-ratelimit-used": str(self.limit - self.remaining)}
        self._seen(request, status)
        if status != 200:
            return web.json_response(body, status=status, headers=limits)
        return web.json_response(body, headers={"ETag": etag, **limits})

    def _seen(self, request: web.Request, status: int) -> None:
        self.requests.append(Seen(request.method, request.path_qs, dict(request.headers), status))

    def _auth(self, request: web.Request) -> tuple[bool, web.Response | None]:
        header = request.headers.get("Authorization")
        if header is None:
            return False, None
        token = header.removeprefix("Bearer ").removeprefix("token ").strip()
        if token not in self.tokens:
            self._seen(request, 401)
            return False, web.json_response({"message": "Bad credentials", "documentation_url": DOCS,
                                             "status": "401"}, status=401, headers=self._limits())
        return True, None

    def _find(self, request: web.Request) -> tuple[Repo | None, web.Response | None]:
        authed, refused = self._auth(request)
        if refused is not None:
            return None, refused
        repo = self.repos.get(f"{request.match_info['owner']}/{request.match_info['repo']}".lower())
        if repo is None or repo.payload["private"] and not authed:
            return None, self._answer(request, {"message": "Not Found", "documentation_url": DOCS,
                                                "status": "404"}, status=404)
        return repo, None

    async def _repo(self, request: web.Request) -> web.Response:
        repo, error = self._find(request)
        return error if repo is None else self._answer(request, repo.payload)  # type: ignore[return-value]

    async def _contents(self, request: web.Request) -> web.Response:
        repo, error = self._find(request)
        if repo is None:
            return error  # type: ignore[return-value]
        if not repo.contents:
            return self._answer(request, {"message": "This repository is empty.",
                                          "documentation_url": DOCS, "status": "404"}, status=404)
        return self._answer(request, repo.contents)

    async def _commits(self, request: web.Request) -> web.Response:
        repo, error = self._find(request)
        if repo is None:
            return error  # type: ignore[return-value]
        if not repo.commits:
            return self._answer(request, {"message": "Git Repository is empty.",
                                          "documentation_url": DOCS, "status": "409"}, status=409)
        per_page = int(request.query.get("per_page", "30"))
        return self._answer(request, repo.commits[:per_page])
