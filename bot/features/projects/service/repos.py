"""GitHub readiness: refresh a linked repo's facts (at most daily) and judge it as a portfolio piece."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import insert_for
from bot.features.projects.github import GitHubClient, GitHubError
from bot.features.projects.models import GitHubRepo, Project

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(days=1)
README_STUB_BYTES = 300
STALE_PUSH_DAYS = 30
DEPENDENCY_FILES = ("requirements.txt", "pyproject.toml", "environment.yml", "environment.yaml",
                    "setup.py", "setup.cfg", "Pipfile", "poetry.lock", "uv.lock", "conda.yml")
CODE_DIRS = ("src", "app", "lib")


async def _row(session: AsyncSession, owner: str, name: str) -> GitHubRepo:
    where = (GitHubRepo.owner == owner.lower(), GitHubRepo.name == name.lower())
    row = (await session.execute(select(GitHubRepo).where(*where))).scalar_one_or_none()
    if row is None:
        await session.execute(
            insert_for(session, GitHubRepo.__table__)
            .values(owner=owner.lower(), name=name.lower(), state="new", facts={}, etags={},
                    digests={})
            .on_conflict_do_nothing(index_elements=["owner", "name"])
        )
        row = (await session.execute(select(GitHubRepo).where(*where))).scalar_one()
    return row


async def cached(session: AsyncSession, owner: str, name: str) -> GitHubRepo | None:
    return (
        await session.execute(
            select(GitHubRepo).where(GitHubRepo.owner == owner.lower(), GitHubRepo.name == name.lower())
        )
    ).scalar_one_or_none()


async def refresh(session: AsyncSession, client: GitHubClient | None, owner: str, name: str, *,
                  now: datetime) -> GitHubRepo:
    """The repo's row, refreshed when its facts are a day old (never more often).

    A failure (private, missing, bad token, rate limit) is recorded in `state`; facts from an
    earlier success are kept. While the rate limit is exhausted the client sends nothing.
    """
    row = await _row(session, owner, name)
    if client is None:
        return row
    if row.checked_at is not None and now - row.checked_at < REFRESH_EVERY and row.state != "rate_limited":
        return row
    try:
        fetched = await client.fetch(owner, name, row.etags or {}, now=now)
    except GitHubError as exc:
        log.info("GitHub %s/%s: %s", owner, name, exc.state)
        row.state = exc.state
        if exc.state != "rate_limited":
            row.checked_at = now
        if exc.state in ("missing", "unauthorized"):
            row.etags, row.digests = {}, {}
        if exc.reset_at is not None:
            row.facts = {**(row.facts or {}), "reset_at": exc.reset_at.isoformat()}
        return row
    digests = dict(row.digests or {})
    digests.update(fetched.digests)
    row.digests = digests
    row.etags = dict(fetched.etags)
    row.facts = facts_from(digests)
    row.state = "ok"
    row.checked_at = row.fetched_at = now
    return row


def facts_from(digests: dict[str, Any]) -> dict[str, Any]:
    repo = digests.get("repo") or {}
    contents = digests.get("contents") or []
    commits = digests.get("commits") or {}
    names = {e["name"].lower(): e for e in contents}
    readme = next((e for n, e in names.items() if n.startswith("readme")), None)
    licence_file = next((e for n in names if n.startswith(("license", "licence", "copying"))
                         for e in [names[n]]), None)
    deps = [e["name"] for e in contents if e["name"] in DEPENDENCY_FILES]
    notebooks = sum(1 for e in contents if e["name"].endswith(".ipynb"))
    py_files = [e["name"] for e in contents if e["name"].endswith(".py") and e["type"] == "file"]
    dirs = {e["name"].lower() for e in contents if e["type"] == "dir"}
    package = bool(dirs & set(CODE_DIRS)) or "pyproject.toml" in deps or "setup.py" in deps or bool(
        [p for p in py_files if not p.startswith("test")]) or any(
        d not in {"tests", "test", "docs", "notebooks", "data", ".github"} and not d.startswith(".")
        and re.fullmatch(r"[a-z_][a-z0-9_]*", d) for d in dirs)
    tests = bool(dirs & {"tests", "test"}) or any(p.startswith("test_") for p in py_files)
    return {
        "full_name": repo.get("full_name"),
        "html_url": repo.get("html_url"),
        "description": repo.get("description"),
        "stars": repo.get("stars", 0),
        "pushed_at": repo.get("pushed_at") or commits.get("last"),
        "archived": repo.get("archived", False),
        "readme": None if readme is None else readme["size"],
        "licence": repo.get("licence") or (licence_file["name"] if licence_file else None),
        "dependencies": deps,
        "notebooks": notebooks,
        "package": package,
        "tests": tests,
        "commits": commits.get("count", 0),
    }


@dataclass(frozen=True)
class Check:
    ok: bool | None  # True ✅, False ❌, None ⚠️
    text: str

    @property
    def mark(self) -> str:
        return {True: "✅", False: "❌", None: "⚠️"}[self.ok]


def pushed_at(facts: dict[str, Any]) -> datetime | None:
    raw = facts.get("pushed_at")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def checklist(facts: dict[str, Any], now: datetime) -> list[Check]:
    """The portfolio checklist a hiring manager's first minute on the repo would tick."""
    out: list[Check] = []
    readme = facts.get("readme")
    if readme is None:
        out.append(Check(False, "README: missing — say what problem it solves and how to run it"))
    elif readme < README_STUB_BYTES:
        out.append(Check(None, f"README: a stub ({readme} bytes) — add the problem, data, metric, results"))
    else:
        out.append(Check(True, f"README ({readme / 1000:.1f} kB)"))
    licence = facts.get("licence")
    out.append(Check(True, f"Licence: {licence}") if licence else Check(False, "Licence: none — add one"))
    deps = facts.get("dependencies") or []
    out.append(Check(True, "Dependencies: " + ", ".join(deps)) if deps else Check(
        False, "Dependencies: no requirements.txt, pyproject.toml or environment.yml"))
    if facts.get("package"):
        out.append(Check(True, "Code: importable modules, not only notebooks"))
    elif facts.get("notebooks"):
        out.append(Check(None, f"Code: notebooks only ({facts['notebooks']}) — move the logic into modules"))
    else:
        out.append(Check(False, "Code: no Python code at the top level"))
    out.append(Check(True, "Tests: present") if facts.get("tests") else Check(False, "Tests: none found"))
    pushed = pushed_at(facts)
    if pushed is None:
        out.append(Check(False, "Last push: never"))
    else:
        days = max(0, (now - pushed).days)
        when = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
        out.append(Check(days <= STALE_PUSH_DAYS or None, f"Last push: {when}"))
    stars = int(facts.get("stars") or 0)
    out.append(Check(True, f"Stars: {stars}"))
    return out


STATE_LINES = {
    "missing": "GitHub: {repo} is private or doesn't exist — Pivot can only read public repositories.",
    "unauthorized": "GitHub refused Pivot's token, so repo facts are unavailable for now.",
    "rate_limited": "GitHub's rate limit is used up; repo facts refresh after {reset}.",
    "error": "GitHub couldn't be reached; repo facts will refresh later.",
    "new": "GitHub: not checked yet.",
}


def state_line(row: GitHubRepo | None, repo: str) -> str | None:
    """The one line that explains why facts are missing or old (None when all is well)."""
    if row is None:
        return STATE_LINES["new"]
    if row.state == "ok":
        return None
    reset = (row.facts or {}).get("reset_at") or "a while"
    if isinstance(reset, str) and "T" in reset:
        reset = reset[11:16] + " UTC"
    return STATE_LINES.get(row.state, STATE_LINES["error"]).format(repo=repo, reset=reset)


async def stale_repos(session: AsyncSession, now: datetime) -> list[GitHubRepo]:
    """Repos a day old (oldest first) that some active or finished project still links."""
    linked = select(Project.id).where(
        func.lower(Project.repo_owner) == GitHubRepo.owner,
        func.lower(Project.repo_name) == GitHubRepo.name,
        Project.status != "dropped",
    ).exists()
    stmt = (select(GitHubRepo)
            .where(or_(GitHubRepo.checked_at.is_(None), GitHubRepo.checked_at < now - REFRESH_EVERY), linked)
            .order_by(GitHubRepo.checked_at.is_not(None), GitHubRepo.checked_at, GitHubRepo.id))
    return list((await session.execute(stmt)).scalars())
