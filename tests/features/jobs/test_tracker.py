"""The application tracker through the dispatcher: add, move, list, board, history, stats,
privacy of ids, bad input with no write, milestones and follow-up nudges."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.features.jobs.models import JobApplication, JobApplicationMove
from bot.features.jobs.service.tracker import Funnel, build_funnel
from bot.features.roadmap.models import MilestoneCheck
from tests.features.jobs.conftest import Group, outbox, text_of


async def counts(app: App) -> tuple[int, int]:
    async with app.session_factory() as session:
        apps = (await session.execute(select(func.count()).select_from(JobApplication))).scalar_one()
        moves = (await session.execute(select(func.count()).select_from(JobApplicationMove))).scalar_one()
        return apps, moves


async def test_add_move_list_board_history(jobs_app: App, clock: ManualClock) -> None:
    g = Group(jobs_app)
    reply = await g.ok('apply add Acme "ML Engineer" --url https://acme.example/jobs/1')
    assert reply.ephemeral and "Application #1 tracked" in text_of(reply)
    await g.ok('apply add Globex "Applied Scientist" --stage saved')
    clock.advance(timedelta(days=3))
    moved = await g.ok("apply move 1 screen --note 'Recruiter call Tuesday'")
    assert "applied → **screen**" in moved.text
    listed = text_of(await g.ok("apply list"))
    assert "#1** Acme — ML Engineer · Screen" in listed and "#2** Globex" in listed
    board = await g.ok("apply board")
    assert {f.name for f in board.fields} == {"Saved (1)", "Screen (1)"}
    assert all(f.inline for f in board.fields)
    history = await g.ok("apply history 1")
    assert "added as applied" in history.text and "applied → screen — Recruiter call Tuesday" in history.text
    await g.ok("apply move 1 rejected")
    assert "#1" not in text_of(await g.ok("apply list"))
    assert "#1" in text_of(await g.ok("apply list --all"))


async def test_milestones_tick_on_first_application_interview_and_offer(jobs_app: App) -> None:
    g = Group(jobs_app)
    await g.ok("apply add Acme 'ML Engineer'")
    interview = await g.ok("apply move 1 onsite")
    assert "Reach your first interview stage" in interview.text
    offer = await g.ok("apply move 1 offer")
    assert "Get an offer and negotiate it" in offer.text
    again = await g.ok("apply add Initech 'ML Engineer'")
    assert "milestone" not in again.text
    async with jobs_app.session_factory() as session:
        checked = set((await session.execute(select(MilestoneCheck.milestone_id))).scalars())
    assert {"jobs-17", "jobs-16"} <= checked


async def test_ids_are_private_to_their_owner_and_community(jobs_app: App) -> None:
    g, other = Group(jobs_app, "g1"), Group(jobs_app, "g2")
    await g.ok("apply add Acme 'ML Engineer'", user="ada")
    before = await counts(jobs_app)
    for group, user in ((g, "bob"), (other, "ada")):
        reply = await group.say("apply move 1 screen", user=user)
        assert reply.error and "There's no application #1 of yours." in reply.text
        reply = await group.say("apply history 1", user=user)
        assert reply.error and "no application #1 of yours" in reply.text
    assert await counts(jobs_app) == before
    # Numbers are per community: bob's first application here is #2, the other community's #1.
    assert "#2" in (await g.ok("apply add Initech 'Data Scientist'", user="bob")).title
    assert "#1" in (await other.ok("apply add Initech 'Data Scientist'")).title


async def test_bad_input_is_one_line_and_writes_nothing(jobs_app: App) -> None:
    g = Group(jobs_app)
    await g.ok("apply add Acme 'ML Engineer'")
    before = await counts(jobs_app)
    cases = {
        "apply move 1 interviewing": "stage must be one of saved, applied, screen",
        "apply add Acme Role --stage hired": "--stage must be one of",
        "apply move 1 screen --note '" + "x" * 10_000 + "'": "--note is too long",
        "apply add Acme Role --url not-a-link": "--url must be a web address",
        "apply move 1 applied": "#1 is already at applied",
        "apply add Acme Role --on 2030-01-01": "--on can't be in the future",
        "apply move abc screen": "must be a whole number",
    }
    for line, expected in cases.items():
        reply = await g.say(line)
        assert reply.error, line
        assert expected in reply.text, (line, reply.text)
        assert "\n" not in reply.text.split("\nUsage:")[0]
    assert await counts(jobs_app) == before


async def test_stats_funnel_conversion_median_and_chart(jobs_app: App, clock: ManualClock) -> None:
    g = Group(jobs_app)
    for company in ("A", "B", "C", "D"):
        await g.ok(f"apply add {company} 'ML Engineer' --on 2026-02-20")
    await g.ok("apply move 1 screen")  # reply after 10 days (clock: 2026-03-02)
    await g.ok("apply move 1 onsite")
    await g.ok("apply move 2 rejected")
    clock.advance(timedelta(days=4))
    await g.ok("apply move 3 take-home")  # 14 days
    reply = await g.ok("apply stats")
    fields = {f.name: f.value for f in reply.fields}
    assert fields["Reached"].startswith("applied 4 · screen 2 · onsite 1 · offer 0")
    assert "take-home 1" in fields["Reached"]
    assert "applied → screen: 50%" in fields["Conversion"]
    assert "screen → onsite: 50%" in fields["Conversion"]
    assert "onsite → offer: 0%" in fields["Conversion"]
    assert "median 10 days (3 replies)" in fields["Applied → first reply"]
    assert reply.image is not None and reply.image.data.startswith(b"\x89PNG")
    assert "applied: 4" in reply.image.alt


def test_funnel_counts_jumps_as_passing_earlier_steps() -> None:
    apps = [JobApplication(id=1, stage="offer", applied_on=date(2026, 1, 1), first_reply_on=None)]
    funnel: Funnel = build_funnel(apps, {1: {"applied", "offer"}})
    assert funnel.reached == {"applied": 1, "screen": 1, "onsite": 1, "offer": 1}
    assert funnel.conversion("offer", "accepted") == 0


async def test_community_report_needs_five_sharers(jobs_app: App) -> None:
    g = Group(jobs_app)
    for i, user in enumerate(("a1", "a2", "a3", "a4", "a5")):
        await g.ok(f"apply add Company{i} 'ML Engineer'", user=user)
        if i < 4:
            await g.ok("apply share on", user=user)
    waiting = await g.ok("jobs report")
    assert "4 members share" in waiting.text and waiting.image is None
    await g.ok("apply share on", user="a5")
    report = await g.ok("jobs report")
    assert "5 members" in report.title and report.image is not None
    assert "Company" not in text_of(report)  # anonymous: no companies or roles
    await g.ok("apply share off", user="a5")
    assert (await g.ok("jobs report")).image is None


async def test_one_nudge_after_ten_quiet_days_and_none_while_paused(
    jobs_app: App, clock: ManualClock
) -> None:
    g = Group(jobs_app)
    await g.ok("apply add Acme 'ML Engineer'")
    await g.ok("apply add Globex 'ML Engineer'", user="bob")
    await g.ok("checkin schedule daily 18:00", user="bob")
    await g.ok("checkin pause --days 20", user="bob")
    clock.advance(timedelta(days=9))
    await jobs_app.scheduler.run_tick("jobs.nudge")
    assert await outbox(jobs_app, "jobs-nudge") == []
    clock.advance(timedelta(days=1, minutes=1))
    await jobs_app.scheduler.run_tick("jobs.nudge")
    await jobs_app.scheduler.run_tick("jobs.nudge")
    nudges = await outbox(jobs_app, "jobs-nudge")
    assert [n["to"] for n in nudges] == ["ada"]
    assert "#1" in nudges[0]["text"] and "apply move 1" in nudges[0]["text"]
    clock.advance(timedelta(days=30))
    await jobs_app.scheduler.run_tick("jobs.nudge")
    # ada's was her one nudge; bob's comes now that his pause is over.
    assert [n["to"] for n in await outbox(jobs_app, "jobs-nudge")] == ["ada", "bob"]
