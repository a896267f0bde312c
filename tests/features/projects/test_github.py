"""The GitHub client and the refresh policy, against a local fake of GitHub's REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput
from bot.features.projects.github import GitHubClient, parse_repo_url
from bot.features.projects.service import repos
from tests.fakes.github import FakeGitHub


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(now=clock.now) as server:
        yield server


@pytest.fixture
async def client(fake: FakeGitHub, clock: ManualClock) -> AsyncIterator[GitHubClient]:
    github = GitHubClient(fake.base_url, now=clock.now)
    yield github
    await github.aclose()


async def refresh(app: App, client: GitHubClient | None, owner: str = "ada", name: str = "logs"):
    async with app.session_factory() as session:
        row = await repos.refresh(session, client, owner, name, now=app.clock.now())
        await session.commit()
        return row


@pytest.mark.parametrize("url,expected", [
    ("https://github.com/ada/logs", ("ada", "logs")),
    ("https://www.github.com/ada/log-anomalies.git", ("ada", "log-anomalies")),
    ("github.com/Ada-L/ml.project/", ("Ada-L", "ml.project")),
])
def test_repo_urls_that_are_accepted(url: str, expected: tuple[str, str]) -> None:
    assert parse_repo_url(url) == expected


@pytest.mark.parametrize("url", [
    "https://gitlab.com/ada/logs", "https://github.com/ada", "https://github.com/ada/logs/tree/main",
    "ftp://github.com/ada/logs", "https://github.com.evil.example/ada/logs", "ada/logs",
])
def test_other_urls_are_refused_with_one_line(url: str) -> None:
    with pytest.raises(InvalidInput, match="must be a GitHub repository URL"):
        parse_repo_url(url)


async def test_first_refresh_reads_three_endpoints_and_builds_the_checklist(
    app: App, fake: FakeGitHub, client: GitHubClient, clock: ManualClock
) -> None:
    fake.add_repo("ada", "logs", stars=12, files=["requirements.txt", "train.py"], dirs=["tests"])
    row = await refresh(app, client)
    assert [r.path for r in fake.requests] == [
        "/repos/ada/logs", "/repos/ada/logs/contents/", "/repos/ada/logs/commits?per_page=10"]
    assert all("If-None-Match" not in r.headers for r in fake.requests)
    assert all("Authorization" not in r.headers for r in fake.requests)  # no token configured
    assert row.state == "ok" and row.facts["stars"] == 12 and row.facts["licence"] == "MIT"
    checks = [(c.ok, c.text) for c in repos.checklist(row.facts, clock.now())]
    assert checks == [
        (True, "README (2.4 kB)"),
        (True, "Licence: MIT"),
        (True, "Dependencies: requirements.txt"),
        (True, "Code: importable modules, not only notebooks"),
        (True, "Tests: present"),
        (True, "Last push: 2 days ago"),
        (True, "Stars: 12"),
    ]


async def test_at_most_one_refresh_a_day_and_a_304_costs_nothing(
    app: App, fake: FakeGitHub, client: GitHubClient, clock: ManualClock
) -> None:
    fake.reset_after = timedelta(days=7)  # one rate-limit window for the whole test
    fake.add_repo("ada", "logs")
    await refresh(app, client)
    spent = fake.limit - fake.remaining
    assert spent == 3

    clock.advance(timedelta(hours=23))
    await refresh(app, client)
    assert len(fake.requests) == 3  # still fresh: nothing sent

    clock.advance(timedelta(hours=2))
    row = await refresh(app, client)
    conditional = fake.requests[3:]
    assert [r.status for r in conditional] == [304, 304, 304]
    assert all(r.headers.get("If-None-Match", "").startswith('W/"') for r in conditional)
    assert fake.limit - fake.remaining == spent  # 304s cost no rate limit
    assert row.state == "ok" and row.facts["stars"] == 3  # facts kept from the 200s


async def test_a_change_is_picked_up_on_the_next_daily_refresh(
    app: App, fake: FakeGitHub, client: GitHubClient, clock: ManualClock
) -> None:
    repo = fake.add_repo("ada", "logs", stars=1)
    await refresh(app, client)
    repo.payload["stargazers_count"] = 40
    clock.advance(timedelta(days=1, minutes=1))
    row = await refresh(app, client)
    assert [r.status for r in fake.requests[3:]] == [200, 304, 304]
    assert row.facts["stars"] == 40


async def test_no_request_while_the_rate_limit_is_used_up_until_it_resets(
    app: App, fake: FakeGitHub, client: GitHubClient, clock: ManualClock
) -> None:
    fake.add_repo("ada", "logs")
    fake.add_repo("ada", "other")
    fake.exhaust()
    row = await refresh(app, client)
    assert [r.status for r in fake.requests] == [403]
    assert row.state == "rate_limited" and client.exhausted_until() == fake.reset_at
    line = repos.state_line(row, "ada/logs")
    assert line is not None and line.startswith("GitHub's rate limit is used up; repo facts refresh after ")

    clock.advance(timedelta(minutes=30))
    row = await refresh(app, client)
    await refresh(app, client, "ada", "other")
    assert len(fake.requests) == 1  # exhausted: nothing sent, for any repo
    assert row.state == "rate_limited"

    clock.advance(timedelta(minutes=31))  # past the reset
    row = await refresh(app, client)
    assert row.state == "ok" and [r.status for r in fake.requests[1:]] == [200, 200, 200]


async def test_missing_private_and_refused_token_each_get_a_clear_line(
    app: App, fake: FakeGitHub, client: GitHubClient, clock: ManualClock
) -> None:
    fake.add_repo("ada", "secret", private=True)
    row = await refresh(app, client, "ada", "gone")
    assert row.state == "missing" and [r.status for r in fake.requests] == [404]
    assert repos.state_line(row, "ada/gone") == (
        "GitHub: ada/gone is private or doesn't exist — Pivot can only read public repositories.")
    row = await refresh(app, client, "ada", "secret")
    assert row.state == "missing"

    bad = GitHubClient(fake.base_url, "wrong-token", now=clock.now)
    try:
        fake.add_repo("ada", "logs")
        row = await refresh(app, bad)
    finally:
        await bad.aclose()
    assert row.state == "unauthorized"
    assert fake.requests[-1].status == 401 and fake.requests[-1].headers["Authorization"] == "Bearer wrong-token"
    assert repos.state_line(row, "ada/logs") == (
        "GitHub refused Pivot's token, so repo facts are unavailable for now.")


async def test_a_token_is_sent_and_reads_a_private_repo(app: App, fake: FakeGitHub, clock: ManualClock) -> None:
    fake.add_repo("ada", "secret", private=True)
    good = GitHubClient(fake.base_url, "good-token", now=clock.now)
    try:
        row = await refresh(app, good, "ada", "secret")
    finally:
        await good.aclose()
    assert row.state == "ok"
    assert {r.headers["Authorization"] for r in fake.requests} == {"Bearer good-token"}


async def test_a_thin_repo_fails_the_checklist_honestly(
    app: App, fake: FakeGitHub, client: GitHubClient, clock: ManualClock
) -> None:
    fake.add_repo("ada", "nb", readme=90, licence=None, files=["analysis.ipynb", "eda.ipynb"], dirs=[],
                  stars=0, pushed_at=clock.now() - timedelta(days=90))
    row = await refresh(app, client, "ada", "nb")
    checks = [(c.mark, c.text) for c in repos.checklist(row.facts, clock.now())]
    assert checks == [
        ("⚠️", "README: a stub (90 bytes) — add the problem, data, metric, results"),
        ("❌", "Licence: none — add one"),
        ("❌", "Dependencies: no requirements.txt, pyproject.toml or environment.yml"),
        ("⚠️", "Code: notebooks only (2) — move the logic into modules"),
        ("❌", "Tests: none found"),
        ("⚠️", "Last push: 90 days ago"),
        ("✅", "Stars: 0"),
    ]


async def test_an_empty_repo_is_read_without_error(
    app: App, fake: FakeGitHub, client: GitHubClient
) -> None:
    repo = fake.add_repo("ada", "empty", readme=None, licence=None, files=[], dirs=[], commits=0)
    repo.payload["pushed_at"] = None
    row = await refresh(app, client, "ada", "empty")
    assert row.state == "ok" and [r.status for r in fake.requests] == [200, 404, 409]
    assert row.facts["readme"] is None and row.facts["commits"] == 0


async def test_the_refresh_tick_spreads_repos_and_stops_when_the_limit_is_used_up(
    database_url: str, clock: ManualClock, fake: FakeGitHub
) -> None:
    from bot.config import Settings
    from tests.conftest import ConsoleHarness

    settings = Settings(database={"url": database_url}, github={"api_url": fake.base_url},
                        console={"member": "ada", "community": "Test group"})
    app = App(settings, clock=clock)
    try:
        console = ConsoleHarness(app)
        for i in range(12):
            fake.add_repo("ada", f"repo{i}")
            await console.say(f'project add "P{i}" --repo https://github.com/ada/repo{i}')
        await console.say('project add "Dropped" --repo https://github.com/ada/gone', "project drop 13")
        async with app.session_factory() as session:  # known to Pivot, never fetched yet
            for i in list(range(12)) + ["gone"]:  # type: ignore[list-item]
                await repos.refresh(session, None, "ada", f"repo{i}" if i != "gone" else "gone",
                                    now=clock.now())
            await session.commit()
        await app.scheduler.run_tick("projects.github")
        assert len(fake.requests) == 30  # ten repos a tick, three reads each
        await app.scheduler.run_tick("projects.github")
        assert len(fake.requests) == 36  # the last two; the dropped project's repo is never read
        await app.scheduler.run_tick("projects.github")
        assert len(fake.requests) == 36  # all fresh: nothing to do

        clock.advance(timedelta(days=1, minutes=1))
        fake.exhaust()
        await app.scheduler.run_tick("projects.github")
        # One conditional read (free), whose headers say the limit is used up: nothing more is sent.
        assert [r.status for r in fake.requests[36:]] == [304]
        await app.scheduler.run_tick("projects.github")
        assert len(fake.requests) == 37  # and sends nothing until the reset
    finally:
        await app.close()
