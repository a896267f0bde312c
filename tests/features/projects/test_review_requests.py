"""`project review-request`: two fitting reviewers, never the owner or their current buddy, the
least-loaded first; accept/decline buttons only for the one asked; re-picks on a decline and
after 3 silent days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.tenancy import Community, Member
from bot.features.buddies import service as buddies
from bot.features.projects.models import ProjectReviewRequest
from tests.conftest import ConsoleHarness


async def requests(app: App) -> list[tuple[str, str]]:
    async with app.session_factory() as session:
        rows = (await session.execute(
            select(Member.platform_user_id, ProjectReviewRequest.status)
            .join(Member, Member.id == ProjectReviewRequest.member_id)
            .order_by(ProjectReviewRequest.id))).all()
    return [(name, status) for name, status in rows]


async def make_buddies(app: App, a: str, b: str) -> None:
    async with app.session_factory() as session:
        community = (await session.execute(select(Community))).scalar_one()
        members = list((await session.execute(
            select(Member).where(Member.platform_user_id.in_([a, b])).order_by(Member.id))).scalars())
        await buddies.create_group(session, community, members, now=app.clock.now())
        await session.commit()


async def setup(console: ConsoleHarness) -> None:
    await console.say('project add "HDFS anomaly detector" --step projects')
    for name, focus in (("grace", " --focus projects"), ("bob", " --focus jobs"), ("carol", ""),
                        ("dave", ""), ("erin", ""), ("frank", "")):
        await console.say(f"/as {name}", f"project reviewer on{focus}")
    await console.say("/as erin", "project reviewer off", "/as")


async def test_two_fitting_reviewers_are_asked_and_only_they_can_answer(
    console: ConsoleHarness, app: App
) -> None:
    await setup(console)
    await make_buddies(app, "ada", "dave")
    # Zoe's project has no step, so anyone fits: the two lowest ids with no open request.
    await console.say("/as zoe", 'project add "Zoe\'s ranker"', "project review-request 2", "/as")
    assert [n for n, _ in await requests(app)] == ["grace", "bob"]

    out = await console.say("project review-request 1")
    # bob's focus is jobs, dave is ada's current buddy, erin opted out, grace already carries an
    # open request: carol and frank (no open requests) are asked.
    assert "Asked @carol and @frank to review project #1" in out
    assert "── DM to @frank ──" in out and "[1] Accept  [2] Decline" in out
    frank_dm = out.rsplit("· message #", 1)[1].split()[0]  # the console numbers messages with buttons
    assert "already has 2 reviewers asked" in await console.say("project review-request 1")

    # Someone else pressing frank's buttons is refused and changes nothing.
    assert "This isn't yours to answer." in await console.say("/as bob", f"#{frank_dm} 1")
    assert [s for n, s in await requests(app) if n == "frank"] == ["asked"]
    out = await console.say("/as frank", f"#{frank_dm} 2")
    assert "Pivot will ask someone else" in out and "── DM to @grace ──" in out
    assert await requests(app) == [("grace", "asked"), ("bob", "asked"), ("carol", "asked"),
                                   ("frank", "declined"), ("grace", "asked")]


async def test_accept_then_review_closes_the_request(console: ConsoleHarness, app: App) -> None:
    await console.say('project add "HDFS anomaly detector"', "/as grace", "project reviewer on", "/as")
    out = await console.say("project review-request 1")
    assert "Asked @grace" in out
    out = await console.say("/as grace", "1")
    assert "Thanks! Review project #1" in out and "[1] Review" in out
    await console.say("1", "4 a", "3 b", "2 c", "4 d", "5 e")
    assert await requests(app) == [("grace", "done")]


async def test_decline_and_silence_re_pick(console: ConsoleHarness, app: App, clock: ManualClock) -> None:
    await console.say('project add "HDFS anomaly detector"')
    for name in ("grace", "carol", "dave"):
        await console.say(f"/as {name}", "project reviewer on")
    await console.say("/as", "project review-request 1")
    assert await requests(app) == [("grace", "asked"), ("carol", "asked")]
    out = await console.say("/as carol", "2")  # the buttons of the latest DM: carol's
    assert "Pivot will ask someone else" in out and "── DM to @dave ──" in out
    assert await requests(app) == [("grace", "asked"), ("carol", "declined"), ("dave", "asked")]
    assert "already has 2 reviewers asked" in await console.say("/as", "project review-request 1")

    # Grace and dave stay silent for three days: each request expires; nobody is left to ask.
    clock.advance(timedelta(days=3, hours=1))
    await app.scheduler.run_tick("projects.requests")
    assert await requests(app) == [("grace", "expired"), ("carol", "declined"), ("dave", "expired")]

    # A new reviewer arrives; the next request asks them.
    await console.say("/as erin", "project reviewer on", "/as")
    assert "Asked @erin" in await console.say("project review-request 1")
    clock.advance(timedelta(days=3, hours=1))
    await console.say("/as frank", "project reviewer on", "/as")
    await app.scheduler.run_tick("projects.requests")
    out = await console.say()
    assert ("erin", "expired") in await requests(app) and ("frank", "asked") in await requests(app)
    assert "── DM to @frank ──" in out


async def test_a_private_project_cannot_ask_for_reviews(console: ConsoleHarness) -> None:
    await console.say('project add "Secret" --private', "/as grace", "project reviewer on", "/as")
    assert "is private" in await console.say("project review-request 1")
