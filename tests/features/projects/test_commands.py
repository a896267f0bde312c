"""Projects through the console: the whole loop, bad input (one line, no write), milestones,
GitHub facts in `project show`, the page URL, and privacy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.dispatch import Caller
from bot.features.projects.models import (
    GitHubRepo,
    Portfolio,
    Project,
    ProjectLog,
    ProjectReview,
    ProjectReviewer,
    ProjectReviewRequest,
)
from bot.features.roadmap.models import MilestoneCheck
from tests.conftest import ConsoleHarness
from tests.fakes.github import FakeGitHub

REVIEW = ("4 clear metric", "3 time split", "2 no baseline yet", "4 held-out week", "5 reproducible")


async def count(app: App, model: type) -> int:
    async with app.session_factory() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def checked(app: App, member: str) -> set[str]:
    from bot.core.tenancy import Member

    async with app.session_factory() as session:
        return set((await session.execute(
            select(MilestoneCheck.milestone_id).join(Member, Member.id == MilestoneCheck.member_id)
            .where(Member.platform_user_id == member))).scalars())


async def review(console: ConsoleHarness, number: int, answers: tuple[str, ...] = REVIEW) -> str:
    return await console.say(f"project review {number}", "1", *answers)


async def test_add_list_show_edit_log_done_drop(console: ConsoleHarness, app: App) -> None:
    out = await console.say('project add "HDFS anomaly detector" --problem "Flag failing blocks" '
                            '--dataset "Loghub HDFS_v1" --step projects')
    assert "Project #1 added" in out and "Personal projects" in out
    assert "Roadmap milestone ticked: Write a one-page brief for your first project" in out
    assert "Project #2 added" in await console.say('project add "Salary model" --private')
    mine = await console.say("project list")
    assert "#1 HDFS anomaly detector" in mine and "#2 Salary model" in mine and "🔒 private" in mine

    await console.say("/as grace")
    theirs = await console.say("project list --member ada")
    assert "HDFS anomaly detector" in theirs and "Salary model" not in theirs
    assert "There's no project #2 here." in await console.say("project show 2")
    assert "belongs to someone else" in await console.say('project log 1 "sneaky"')
    assert "Project #3 added" in await console.say('project add "Grace\'s search ranker"')
    await console.say("/as")

    assert "📝 Logged on project #1" in await console.say('project log 1 "parsed HDFS logs with Drain"')
    shown = await console.say("project show 1")
    assert "Problem: Flag failing blocks" in shown and "parsed HDFS logs with Drain" in shown
    assert "Project updated." in await console.say("project edit 1 --title \"HDFS block anomalies\" "
                                                   "--repo https://github.com/ada/hdfs")
    assert "github.com/ada/hdfs" in await console.say("project list")
    assert "Project #1 finished" in await console.say("project done 1")
    assert "already done" in await console.say('project log 1 "more"')
    assert "dropped" in await console.say("project drop 2")
    assert "Salary model" not in await console.say("project list")
    assert "Salary model" in await console.say("project list --all")


async def test_a_project_links_one_of_your_goals(console: ConsoleHarness, app: App) -> None:
    await console.say('goal add "Ship a portfolio project"')
    assert "goal #1" in await console.say('project add "Log parser" --goal 1')
    assert "There's no goal #7 here" in await console.say('project add "Other" --goal 7')
    assert await count(app, Project) == 1


async def test_bad_input_is_one_line_and_writes_nothing(console: ConsoleHarness, app: App) -> None:
    out = await console.say('project add "Log parser" --repo https://gitlab.com/ada/logs')
    assert "--repo must be a GitHub repository URL like https://github.com/you/project" in out
    assert out.count("\n") <= 2
    assert await count(app, Project) == 0

    await console.say('project add "Log parser"')
    out = await console.say("project log 1 " + "x" * 10_240)
    assert "text is too long (10240 characters; at most 2000)" in out
    assert await count(app, ProjectLog) == 0
    assert "Say what to change" in await console.say("project edit 1")
    assert "--repo must be" in await console.say("project edit 1 --repo http://example.com/a/b")

    # A project number from another community is not found there.
    other = Caller(platform="console", community_id="elsewhere", user_id="zed", display_name="Zed")
    reply = await app.dispatcher.run_text(other, "project show 1")
    assert reply.error and reply.text == "There's no project #1 here. `project list` shows yours."
    reply = await app.dispatcher.run_text(other, 'project log 1 "hijack"')
    assert reply.error and await count(app, ProjectLog) == 0


async def test_reviews_own_twice_and_the_milestones_they_tick(console: ConsoleHarness, app: App) -> None:
    await console.say('project add "HDFS anomaly detector"')
    assert "You can't review your own project." in await console.say("project review 1")
    await console.say("/as grace")
    out = await review(console, 1)
    assert "your review of project #1 (3.6/5 on average)" in out
    assert "New review of project #1" in out and "Get your project reviewed by a peer" in out
    assert "You've already reviewed project #1" in await console.say("project review 1")
    assert "one review per project" in await review(console, 1)  # an old form submitted again
    bad = await review(console, 1, ("4 ok", "3 ok", "nope", "4 ok", "5 ok"))
    assert await count(app, ProjectReview) == 1 and "already reviewed" in bad
    await console.say("/as")
    reviews = await console.say("project reviews 1")
    assert "1 review · overall 3.6/5" in reviews and "Baseline — 2.0/5" in reviews
    assert "no baseline yet" in reviews

    # Three reviews given tick the reviewer's milestone.
    await console.say('project add "Second"', 'project add "Third"')
    await console.say("/as grace")
    await review(console, 2)
    out = await review(console, 3)
    assert "Review three fellow learners' projects" in out
    assert {"community-6"} <= await checked(app, "grace")
    assert {"projects-1", "projects-10"} <= await checked(app, "ada")


async def test_a_malformed_review_form_says_which_field_and_writes_nothing(
    console: ConsoleHarness, app: App
) -> None:
    await console.say('project add "HDFS anomaly detector"', "/as grace")
    out = await review(console, 1, ("4 ok", "7 too high", "2 meh", "4 ok", "5 ok"))
    assert "Data and leakage: start with a score from 1 to 5" in out
    out = await review(console, 1, ("4 ok", "3", "2 meh", "4 ok", "5 ok"))
    assert "Data and leakage: add a comment after the score" in out
    assert await count(app, ProjectReview) == 0


async def test_showcase_needs_a_channel_a_public_project_and_happens_once(
    console: ConsoleHarness, app: App
) -> None:
    await console.say('project add "HDFS anomaly detector"', 'project add "Secret" --private')
    assert "No showcase channel is set yet" in await console.say("project showcase 1")
    await console.say("admin set channel showcase #showcase")
    assert "is private" in await console.say("project showcase 2")
    out = await console.say("project showcase 1")
    assert "── #showcase ──" in out and "Project #1: HDFS anomaly detector" in out
    assert "└─ thread “#1 HDFS anomaly detector”: Discussion of project #1" in out
    assert "[1] Review" in out and "Showcase a project to the community" in out
    assert "already in the showcase" in await console.say("project showcase 1")
    assert "belongs to someone else" in await console.say("/as grace", "project showcase 1")


async def test_ideas_filter_and_suggest_a_start(console: ConsoleHarness) -> None:
    out = await console.say("project ideas --focus traces")
    assert "Forecast microservice response times from call rates" in out
    assert "Baseline to beat:" in out and "Metric:" in out and "https://github.com/alibaba/clusterdata" in out
    assert "project add" in out
    assert "must be one of" in await console.say("project ideas --focus vibes")


async def test_forget_covers_every_project_table(console: ConsoleHarness, app: App) -> None:
    await console.say('project add "Grace target"')
    await console.say("/as grace", 'project add "Mine" --repo https://github.com/grace/mine',
                      'project log 2 "day one"', "project reviewer on", "portfolio on")
    await review(console, 1)
    await console.say("/as bob", "project reviewer on", "/as grace", "project review-request 2")
    shown = await console.say("privacy")
    for line in ("projects: 1", "project logs: 1", "project reviews: 1", "project reviewers: 1",
                 "portfolios: 1"):
        assert line in shown
    await console.say("privacy forget", "1")
    for model in (ProjectLog, ProjectReview, Portfolio):
        assert await count(app, model) == 0, model
    assert await count(app, Project) == 1  # ada's stays
    assert await count(app, ProjectReviewer) == 1  # bob's stays
    assert await count(app, ProjectReviewRequest) == 0  # asked about grace's project: gone with it
    assert await count(app, GitHubRepo) == 0  # never fetched: GitHub facts are public, not member data


@pytest.fixture
async def github(clock: ManualClock) -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(now=clock.now) as server:
        yield server


@pytest.fixture
async def github_console(database_url: str, clock: ManualClock, github: FakeGitHub
                         ) -> AsyncIterator[ConsoleHarness]:
    settings = Settings(database={"url": database_url}, github={"api_url": github.base_url},
                        http={"public_url": "https://pivot.example.org"},
                        console={"member": "ada", "community": "Test group"})
    application = App(settings, clock=clock)
    try:
        yield ConsoleHarness(application)
    finally:
        await application.close()


async def test_show_has_the_github_checklist_and_clear_lines_when_unreadable(
    github_console: ConsoleHarness, github: FakeGitHub
) -> None:
    github.add_repo("ada", "logs", stars=7)
    await github_console.say('project add "Log anomalies" --repo https://github.com/ada/logs',
                             'project add "Hidden" --repo https://github.com/ada/private-thing')
    out = await github_console.say("project show 1")
    assert "✅ README (2.4 kB)" in out and "✅ Licence: MIT" in out and "✅ Stars: 7" in out
    assert "✅ Last push: 2 days ago" in out
    assert len(github.requests) == 3
    await github_console.say("project show 1")
    assert len(github.requests) == 3  # refreshed at most daily
    out = await github_console.say("project show 2")
    assert "GitHub: ada/private-thing is private or doesn't exist" in out
    assert "📝 Logged" in await github_console.say('project log 2 "still works"')


async def test_portfolio_shows_the_page_url(github_console: ConsoleHarness) -> None:
    assert "Your portfolio page is off" in await github_console.say("portfolio")
    out = await github_console.say('portfolio on --name "Ada Lovelace"')
    assert "Your page: https://pivot.example.org/p/ada-lovelace" in out
    assert "Publish your portfolio page" in out
    out = await github_console.say("portfolio")
    assert "https://pivot.example.org/p/ada-lovelace" in out and "noindex" in out
    await github_console.say("/as ada2")
    assert "https://pivot.example.org/p/ada-lovelace-2" in await github_console.say(
        'portfolio on --name "Ada Lovelace"')


async def test_admin_show_reports_the_community_page_and_github(console: ConsoleHarness) -> None:
    out = await console.say("admin show")
    assert "Community page: off (`admin portfolio community on`)" in out
    assert "GitHub repo facts: read without a token (60 requests/hour)" in out
    await console.say("admin portfolio community on")
    assert "Community page: on" in await console.say("admin show")
