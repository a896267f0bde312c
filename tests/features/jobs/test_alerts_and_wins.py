"""Personal alerts (one batched DM a day), wins, resume reviewers, and privacy coverage."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.tenancy import Member
from bot.features.jobs.models import ResumeReviewRequest
from bot.features.privacy.service import member_tables, stored_counts
from tests.fakes.jobboards import FakeJobBoards, greenhouse_job
from tests.features.jobs.conftest import Group, outbox


async def poll(app: App, clock: ManualClock, hours: float = 0) -> None:
    clock.advance(timedelta(hours=hours))
    await app.scheduler.run_tick("jobs.poll")
    await app.scheduler.run_tick("jobs.alerts")


async def test_alerts_match_filters_and_come_at_most_once_a_day(
    jobs_app: App, fake_boards: FakeJobBoards, clock: ManualClock
) -> None:
    g = Group(jobs_app)
    fake_boards.greenhouse["acme"] = [greenhouse_job(1, "Machine Learning Engineer")]
    await g.ok("jobs source add greenhouse acme", admin=True)
    await poll(jobs_app, clock)
    reply = await g.ok("jobs follow --keyword pytorch --level senior")
    assert "matching “pytorch”, at Senior level" in reply.text
    await g.ok("jobs follow --remote", user="bob")
    bad = await g.say("jobs follow --level wizard")
    assert bad.error and "--level must be one of intern, new-grad" in bad.text
    # Postings from before the follow never alert; new ones do, in one DM.
    fake_boards.greenhouse["acme"] += [
        greenhouse_job(2, "Senior Machine Learning Engineer", content="We use PyTorch daily."),
        greenhouse_job(3, "Senior Data Scientist", content="SQL and experiments."),
        greenhouse_job(4, "Senior ML Engineer", location="Remote", content="PyTorch serving."),
    ]
    await poll(jobs_app, clock, 6.1)
    dms = await outbox(jobs_app, "jobs-alert")
    by_member = {d["to"]: d["text"] for d in dms}
    assert set(by_member) == {"ada", "bob"}
    assert "Senior Machine Learning Engineer" in by_member["ada"] and "Senior ML Engineer" in by_member["ada"]
    assert "Data Scientist" not in by_member["ada"]
    assert "Senior ML Engineer" in by_member["bob"] and "Senior Machine Learning" not in by_member["bob"]
    # A new match the same day waits for tomorrow's DM.
    fake_boards.greenhouse["acme"].append(
        greenhouse_job(5, "Staff PyTorch Machine Learning Engineer", location="Remote"))
    await poll(jobs_app, clock, 6.1)
    assert len(await outbox(jobs_app, "jobs-alert")) == 2
    clock.advance(timedelta(days=1))
    await jobs_app.scheduler.run_tick("jobs.alerts")
    dms = await outbox(jobs_app, "jobs-alert")
    assert len(dms) == 3 and dms[-1]["to"] == "bob" and "Staff PyTorch" in dms[-1]["text"]
    await g.ok("jobs unfollow", user="bob")
    again = await g.say("jobs unfollow", user="bob")
    assert again.error and "aren't following" in again.text


async def test_hired_celebrates_when_shared_and_ticks_milestones(jobs_app: App) -> None:
    g = Group(jobs_app)
    await g.ok("admin set channel jobs #ml-jobs", admin=True)
    quiet = await g.ok("jobs hired Initech 'ML Engineer'", user="bob")
    assert "Congratulations" in quiet.text and "Get an offer and negotiate it" in quiet.text
    assert await outbox(jobs_app, "jobs-hired") == []
    shared = await g.ok("jobs hired Acme 'Applied Scientist' --share")
    assert "Announced in <#ml-jobs>" in shared.text and "resume reviewer on" in shared.text
    posts = await outbox(jobs_app, "jobs-hired")
    assert len(posts) == 1 and posts[0]["to"] == "ml-jobs" and "Applied Scientist" in posts[0]["text"]


async def test_resume_reviews_route_balanced_with_buttons_only_the_reviewer_can_press(
    jobs_app: App, clock: ManualClock
) -> None:
    g = Group(jobs_app)
    refused = await g.say("resume reviewer on", user="newbie")
    assert refused.error and "got hired" in refused.text
    nobody = await g.say("resume review-request", user="newbie")
    assert nobody.error and "No resume reviewer is free" in nobody.text
    async with jobs_app.session_factory() as session:
        assert (await session.execute(select(ResumeReviewRequest))).first() is None
    for reviewer in ("rev1", "rev2"):
        await g.ok("jobs hired Acme 'ML Engineer'", user=reviewer)
        await g.ok("resume reviewer on", user=reviewer)
    bad_link = await g.say("resume review-request --link ftp://x", user="m1")
    assert bad_link.error and "--link must be a web address" in bad_link.text
    await g.ok("resume review-request --link https://docs.example/cv", user="m1")
    await g.ok("resume review-request", user="m2")
    asks = await outbox(jobs_app, "resume-ask")
    assert sorted(a["to"] for a in asks) == ["rev1", "rev2"]  # one each: balanced load
    twice = await g.say("resume review-request", user="m1")
    assert twice.error and "already have a review request" in twice.text

    ask_rev1 = next(a for a in asks if a["to"] == "rev1")["reply"]
    accept, decline = (b.action for b in ask_rev1.buttons)
    assert (await g.press(accept, user="m1")).text == "This isn't yours to answer."
    assert (await g.press(accept, user="rev2")).text == "This isn't yours to answer."
    accepted = await g.press(accept, user="rev1")
    assert "will send you their resume" in accepted.text
    assert [d["to"] for d in await outbox(jobs_app, "resume-accepted")] == ["m1"]
    late = await g.press(decline, user="rev1")
    assert late.error and "already moved on" in late.text

    # rev2 never answers m2: after three days the request goes to someone else.
    await g.ok("jobs hired Globex 'Data Scientist'", user="rev3")
    await g.ok("resume reviewer on", user="rev3")
    clock.advance(timedelta(days=3, minutes=1))
    await jobs_app.scheduler.run_tick("jobs.resume-repick")
    asks = await outbox(jobs_app, "resume-ask")
    assert asks[-1]["to"] == "rev3"
    decline_rev3 = asks[-1]["reply"].buttons[1].action
    declined = await g.press(decline_rev3, user="rev3")
    # rev1 is the only reviewer left who wasn't asked.
    assert "went to someone else" in declined.text and (await outbox(jobs_app, "resume-ask"))[-1]["to"] == "rev1"


async def test_forget_and_export_cover_every_job_table(jobs_app: App, fake_boards: FakeJobBoards,
                                                       clock: ManualClock) -> None:
    g = Group(jobs_app)
    fake_boards.greenhouse["acme"] = [greenhouse_job(1, "Machine Learning Engineer")]
    await g.ok("jobs source add greenhouse acme", admin=True)
    await g.ok("jobs follow")
    await poll(jobs_app, clock)
    fake_boards.greenhouse["acme"].append(greenhouse_job(2, "Senior Machine Learning Engineer"))
    await poll(jobs_app, clock, 6.1)
    await g.ok("apply add Acme 'ML Engineer'")
    await g.ok("apply move 1 screen")
    await g.ok("apply share on")
    await g.ok("jobs hired Acme 'ML Engineer'")
    await g.ok("jobs hired Acme 'ML Engineer'", user="rev")
    await g.ok("resume reviewer on", user="rev")
    await g.ok("resume review-request")
    job_tables = {t.name for t in member_tables() if t.name.startswith(("job_", "resume_"))}
    assert job_tables == {"job_applications", "job_application_moves", "job_member_settings",
                          "job_alert_items", "job_hires", "resume_review_requests"}
    async with jobs_app.session_factory() as session:
        ada = (await session.execute(select(Member).where(Member.platform_user_id == "ada"))).scalar_one()
        assert job_tables <= set(await stored_counts(session, ada))
    shown = await g.ok("privacy show")
    assert "job applications: 1" in shown.text and "job application moves: 2" in shown.text
    forget = (await g.ok("privacy forget")).buttons[0].action
    assert not (await g.press(forget)).error
    async with jobs_app.session_factory() as session:
        for table in member_tables():
            if table.name in job_tables:
                rows = (await session.execute(select(table).where(table.c.member_id == ada.id))).all()
                assert rows == [], table.name
        assert (await session.execute(select(Member).where(Member.id == ada.id))).first() is None
