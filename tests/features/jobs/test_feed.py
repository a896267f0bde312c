"""The job feed against the fake Greenhouse, Lever and Ashby APIs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.features.jobs.models import JobApplication, JobPosting, JobSource
from bot.features.jobs.service.feed import next_slot
from tests.fakes.jobboards import FakeJobBoards, ashby_job, greenhouse_job, lever_posting
from tests.features.jobs.conftest import Group, outbox

ML_TITLES = [
    "Machine Learning Engineer", "Senior Data Scientist", "MLOps Engineer", "Applied Scientist",
    "Staff ML Engineer, Ranking", "AI Engineer", "Machine Learning Intern", "Research Scientist, ML",
]


async def setup(g: Group) -> None:
    await g.ok("admin set channel jobs #ml-jobs", admin=True)


async def poll(app: App, clock: ManualClock | None = None, hours: float = 0) -> None:
    if clock is not None and hours:
        clock.advance(timedelta(hours=hours))
    await app.scheduler.run_tick("jobs.poll")


async def postings(app: App) -> dict[str, JobPosting]:
    async with app.session_factory() as session:
        return {p.external_id: p for p in (await session.execute(select(JobPosting))).scalars()}


async def source(app: App, kind: str, board: str) -> JobSource:
    async with app.session_factory() as session:
        return (await session.execute(
            select(JobSource).where(JobSource.kind == kind, JobSource.board == board))).scalar_one()


async def test_source_add_validates_kind_and_board_with_one_request(
    jobs_app: App, fake_boards: FakeJobBoards
) -> None:
    g = Group(jobs_app)
    fake_boards.greenhouse["acme"] = []
    bad_kind = await g.say("jobs source add workday acme", admin=True)
    assert bad_kind.error and "kind must be one of greenhouse, lever, ashby — not 'workday'" in bad_kind.text
    missing = await g.say("jobs source add greenhouse nosuchco", admin=True)
    assert missing.error and "Greenhouse has no board called 'nosuchco', so it wasn't added" in missing.text
    assert len(fake_boards.requests_for("greenhouse", "nosuchco")) == 1
    not_admin = await g.say("jobs source add greenhouse acme")
    assert not_admin.error
    added = await g.ok("jobs source add greenhouse https://boards.greenhouse.io/acme", admin=True)
    assert "Added greenhouse board **acme** (Acme Inc)" in added.text
    assert len(fake_boards.requests_for("greenhouse", "acme")) == 1
    again = await g.say("jobs source add greenhouse acme", admin=True)
    assert again.error and "already a source" in again.text
    async with jobs_app.session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(JobSource))).scalar_one() == 1
    listed = await g.ok("jobs source list", admin=True)
    assert "greenhouse acme" in listed.text and "not read yet" in listed.text
    removed = await g.ok("jobs source remove greenhouse acme", admin=True)
    assert "Removed" in removed.text
    gone = await g.say("jobs source remove greenhouse acme", admin=True)
    assert gone.error and "isn't a source here" in gone.text


async def test_first_add_posts_at_most_five_then_new_ones_once_and_closes_gone_ones(
    jobs_app: App, fake_boards: FakeJobBoards, clock: ManualClock
) -> None:
    g = Group(jobs_app)
    await setup(g)
    jobs = [greenhouse_job(100 + i, t) for i, t in enumerate(ML_TITLES)]
    jobs += [greenhouse_job(900, "Account Executive"), greenhouse_job(901, "Backend Engineer")]
    fake_boards.greenhouse["acme"] = jobs
    await g.ok("jobs source add greenhouse acme", admin=True)
    await poll(jobs_app)
    stored = await postings(jobs_app)
    assert set(stored) == {str(100 + i) for i in range(8)}  # ML roles only
    posts = await outbox(jobs_app, "jobs:")
    assert len(posts) == 5
    assert all(p["kind"] == "channel" and p["to"] == "ml-jobs" for p in posts)
    assert posts[0]["reply"].buttons[0].label == "Save"
    backlog = await outbox(jobs_app, "jobs-backlog")
    assert len(backlog) == 1 and "3 more ML roles from Acme Inc are in `jobs list" in backlog[0]["text"]
    assert "8" in (await g.ok("jobs list")).title

    # A later poll: one new posting appears, one disappears.
    fake_boards.greenhouse["acme"] = [j for j in jobs if j["id"] != 101] + [
        greenhouse_job(200, "Senior Machine Learning Engineer")]
    await poll(jobs_app, clock, 6)
    await poll(jobs_app, clock, 6)
    posts = await outbox(jobs_app, "jobs:")
    assert len(posts) == 6 and posts[-1]["key"].endswith(":greenhouse:acme:200")
    stored = await postings(jobs_app)
    assert stored["101"].closed_at is not None and stored["100"].closed_at is None
    assert "Staff ML Engineer" in (await g.ok("jobs list")).text
    assert "`101`" not in (await g.ok("jobs list")).text


async def test_conditional_requests_use_the_etag(
    jobs_app: App, fake_boards: FakeJobBoards, clock: ManualClock
) -> None:
    g = Group(jobs_app)
    fake_boards.greenhouse["acme"] = [greenhouse_job(1, "Machine Learning Engineer")]
    await g.ok("jobs source add greenhouse acme", admin=True)
    await poll(jobs_app)
    await poll(jobs_app, clock, 6.1)
    reads = [s for s in fake_boards.requests_for("greenhouse", "acme") if s.path.endswith("/jobs")]
    assert len(reads) == 2
    assert reads[0].query == {"content": "true"} and "If-None-Match" not in reads[0].headers
    assert reads[1].headers["If-None-Match"] and reads[1].status == 304
    assert (await postings(jobs_app))["1"].closed_at is None  # 304 closes nothing


async def test_lever_pages_and_ashby_fields(
    jobs_app: App, fake_boards: FakeJobBoards
) -> None:
    g = Group(jobs_app)
    await setup(g)
    jobs_app.resources["jobs"].LEVER_PAGE = 3
    fake_boards.lever["leverco"] = [lever_posting(f"lv-{i}", "Machine Learning Engineer")
                                    for i in range(7)]
    fake_boards.lever["leverco"][2] = lever_posting("lv-2", "Data Scientist", workplace="remote")
    fake_boards.ashby["ash"] = [
        ashby_job("a1", "AI Engineer"),
        ashby_job("a2", "ML Engineer, hidden", listed=False),
        ashby_job("a3", "Staff Recruiter"),
    ]
    await g.ok("jobs source add lever leverco", admin=True)
    await g.ok("jobs source add ashby ash", admin=True)
    await poll(jobs_app)
    lever_reads = [s.query for s in fake_boards.requests_for("lever", "leverco")][1:]
    assert [(q["skip"], q["limit"], q["mode"]) for q in lever_reads] == [
        ("0", "3", "json"), ("3", "3", "json"), ("6", "3", "json")]
    stored = await postings(jobs_app)
    assert {k for k in stored if k.startswith("lv-")} == {f"lv-{i}" for i in range(7)}
    assert stored["lv-2"].remote and not stored["lv-1"].remote
    assert stored["lv-1"].compensation == "GBP 80,000–110,000 per year salary"
    assert stored["lv-1"].url == "https://jobs.lever.co/site/lv-1"
    assert set(stored) - {f"lv-{i}" for i in range(7)} == {"a1"}
    assert stored["a1"].remote and stored["a1"].compensation.startswith("$180K")
    assert fake_boards.requests_for("ashby", "ash")[0].query == {"includeCompensation": "true"}
    listed = await g.ok("jobs list --remote")
    assert "AI Engineer" in listed.text and "lv-1" not in listed.text
    assert "Intern" not in (await g.ok("jobs list --level senior")).text


async def test_failing_boards_are_recorded_and_never_stop_the_others(
    jobs_app: App, fake_boards: FakeJobBoards, clock: ManualClock
) -> None:
    g = Group(jobs_app)
    await setup(g)
    for board in ("ok", "boom", "slow", "junk"):
        fake_boards.greenhouse[board] = [greenhouse_job(len(board), "Machine Learning Engineer")]
        await g.ok(f"jobs source add greenhouse {board}", admin=True)
    fake_boards.fail_next("greenhouse", "boom", 500)
    fake_boards.fail_next("greenhouse", "slow", 429, retry_after="7200")
    fake_boards.fail_next("greenhouse", "junk", malformed=True)
    del fake_boards.greenhouse["ok"][0]
    fake_boards.greenhouse["ok"].append(greenhouse_job(77, "Applied Scientist"))
    await poll(jobs_app)
    assert "77" in await postings(jobs_app)
    boom, slow, junk = [await source(jobs_app, "greenhouse", b) for b in ("boom", "slow", "junk")]
    assert "HTTP 500" in (boom.last_error or "")
    assert "429" in (slow.last_error or "")
    assert slow.next_poll_at >= clock.now() + timedelta(seconds=7200)
    assert "not valid JSON" in (junk.last_error or "")
    listed = await g.ok("jobs source list", admin=True)
    assert "last error" in listed.text
    # The 500 retries within the hour; the 429 waits for its Retry-After.
    await poll(jobs_app, clock, 1.01)
    assert (await source(jobs_app, "greenhouse", "boom")).last_error is None
    assert len([s for s in fake_boards.requests_for("greenhouse", "slow") if s.path.endswith("/jobs")]) == 1
    await poll(jobs_app, clock, 1.01)
    assert (await source(jobs_app, "greenhouse", "slow")).last_error is None


async def test_a_board_that_vanishes_later_is_an_error_not_a_crash(
    jobs_app: App, fake_boards: FakeJobBoards, clock: ManualClock
) -> None:
    g = Group(jobs_app)
    fake_boards.ashby["gone"] = [ashby_job("x", "ML Engineer")]
    await g.ok("jobs source add ashby gone", admin=True)
    await poll(jobs_app)
    del fake_boards.ashby["gone"]
    await poll(jobs_app, clock, 6.1)
    assert "no board called 'gone'" in ((await source(jobs_app, "ashby", "gone")).last_error or "")
    assert (await postings(jobs_app))["x"].closed_at is None


async def test_polling_never_blocks_commands(jobs_app: App, fake_boards: FakeJobBoards) -> None:
    g = Group(jobs_app)
    fake_boards.greenhouse["slowco"] = [greenhouse_job(5, "Machine Learning Engineer")]
    await g.ok("jobs source add greenhouse slowco", admin=True)
    arrived, release = fake_boards.hold("greenhouse", "slowco")
    tick = asyncio.create_task(poll(jobs_app))
    await asyncio.wait_for(arrived.wait(), timeout=10)
    # The board is still answering; commands (reads and writes) go through meanwhile.
    assert not tick.done()
    await asyncio.wait_for(g.ok("apply add Acme 'ML Engineer'"), timeout=10)
    await asyncio.wait_for(g.ok("jobs list"), timeout=10)
    release.set()
    await asyncio.wait_for(tick, timeout=10)
    assert "5" in await postings(jobs_app)


async def test_save_button_adds_to_the_pressers_tracker(
    jobs_app: App, fake_boards: FakeJobBoards
) -> None:
    g = Group(jobs_app)
    await setup(g)
    fake_boards.greenhouse["acme"] = [greenhouse_job(1, "Machine Learning Engineer")]
    await g.ok("jobs source add greenhouse acme", admin=True)
    await poll(jobs_app)
    post = (await outbox(jobs_app, "jobs:"))[0]["reply"]
    action = post.buttons[0].action
    for user in ("bob", "cy"):
        reply = await g.press(action, user=user)
        assert not reply.error and "Saved to your tracker as #" in reply.text and reply.ephemeral
    again = await g.press(action, user="bob")
    assert "Already in your tracker" in again.text
    async with jobs_app.session_factory() as session:
        rows = (await session.execute(select(JobApplication))).scalars().all()
    assert sorted((r.stage, r.company, r.role) for r in rows) == [
        ("saved", "Acme AI", "Machine Learning Engineer")] * 2
    other = Group(jobs_app, "g2")
    foreign = await other.press(action)
    assert foreign.error and "no job posting" in foreign.text
    assert "Saved" in (await g.ok("jobs save 1", user="dee")).text


def test_each_source_has_its_own_slot_in_the_interval(clock: ManualClock) -> None:
    now, interval = clock.now(), timedelta(hours=6)
    slots = {next_slot(now, "greenhouse", f"board{i}", interval) for i in range(20)}
    assert len(slots) > 15
    for slot in slots:
        assert now < slot <= now + interval
    first = next_slot(now, "lever", "acme", interval)
    assert next_slot(first, "lever", "acme", interval) == first + interval


async def test_a_long_feed_lists_twenty_newest_and_counts_the_rest(
    jobs_app: App, fake_boards: FakeJobBoards
) -> None:
    g = Group(jobs_app)
    await setup(g)
    fake_boards.greenhouse["acme"] = [greenhouse_job(300 + i, f"Machine Learning Engineer {i}")
                                      for i in range(27)]
    await g.ok("jobs source add greenhouse acme", admin=True)
    await poll(jobs_app)
    listed = await g.ok("jobs list")
    assert "27" in listed.title
    assert "…and 7 more; narrow it with --level, --location or --company." in listed.text
    assert len([line for line in listed.text.splitlines() if "Machine Learning Engineer" in line]) == 20
