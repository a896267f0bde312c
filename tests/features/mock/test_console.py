"""End to end through the console: members join, an admin runs a round, the pair gets an
intro with the slot in both local times and each member a question by DM; after the slot
the feedback forms arrive, feedback goes to the partner, no-shows pause, history lists it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Member
from bot.features.mock.models import MockProfile, MockSeat, MockSession
from bot.features.roadmap.models import MilestoneCheck
from tests.conftest import ConsoleHarness


async def _join_pair(console: ConsoleHarness) -> str:
    return await console.say(
        "/as Ana",
        "mock join --type ml-system-design --level mid --windows 18:00-20:00 --tz Europe/Berlin",
        "/as Ben",
        "mock join --type behavioral --windows 12:00-14:00 --days mon,tue,wed "
        "--tz America/New_York",
        "/as",
    )


async def _ids(app: App) -> dict[str, int]:
    async with app.session_factory() as session:
        rows = await session.execute(select(Member.platform_user_id, Member.id))
        return {name: member_id for name, member_id in rows}


async def _count(app: App, model: type) -> int:
    async with app.session_factory() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_join_round_intro_prompts_feedback_history_report(
    console: ConsoleHarness, app: App
) -> None:
    out = await _join_pair(console)
    assert out.count("You're in!") == 2
    assert "Mon, Tue, Wed: 12:00-14:00 (America/New_York)" in out
    await console.say("admin set channel mock #mock-interviews")
    out = await console.say("admin mock run-now")
    assert "Round done: 1 pair from 2 members" in out
    # The intro: a group post, the proposed slot in both local times.
    assert "── group: @ana, @ben ──" in out
    assert (
        "Tue 2026-03-03 18:00 (Europe/Berlin) for Ana = Tue 2026-03-03 12:00 "
        "(America/New_York) for Ben"
    ) in out
    # Each gets the question to ask the other, of the other's type, by DM.
    ana_dm = out.split("── DM to @ana ──", 1)[1].split("──", 1)[0]
    ben_dm = out.split("── DM to @ben ──", 1)[1].split("──", 1)[0]
    assert "You interview Ben (behavioral)" in ana_dm and "Rubric (score each 1-5)" in ana_dm
    assert "You interview Ana (ml-system-design)" in ben_dm
    for part in ("Follow-ups", "A strong answer covers", "Common traps", "4. "):
        assert part in ben_dm

    # Nothing before the slot is over; then one form each, by DM.
    out = await console.say("/wait 1d")
    assert "Mock interview feedback" not in out
    out = await console.say("/wait 1d")
    assert out.count("== Mock interview feedback ==") == 2
    assert "[1] Give feedback  [2] They didn't show up" in out

    # The last form printed is Ben's: an outsider and Ana can't use his buttons.
    assert "This isn't yours to answer." in await console.say("/as Zed", "2")
    assert "This isn't yours to answer." in await console.say("/as Ana", "2")
    # Bad scores: one line, nothing written.
    out = await console.say("/as Ben", "1", "4 3 9", "Clear metrics.", "Less model talk.")
    assert "Scores: give 4 numbers from 1 to 5" in out
    assert await _count(app, MilestoneCheck) == 0
    out = await console.say("1", "4 3 5 4", "Clear metrics up front.", "Less time on the model.")
    assert "your feedback is on its way" in out
    assert "Roadmap milestone ticked: **Complete your first peer mock interview**" not in out
    assert "Roadmap milestone ticked: Complete your first peer mock interview" in out
    # The feedback goes to Ana only.
    assert "── DM to @ana ──\n== Feedback on your mock interview ==" in out
    assert "Problem and metrics: 4/5" in out and "Clear metrics up front." in out
    assert "already answered" in await console.say("/press Give feedback", "4 3 5 4", "Again.", "Again.")
    async with app.session_factory() as session:
        checks = list((await session.execute(select(MilestoneCheck))).scalars())
        feedback_dms = list(
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.dedupe_key.like("mock-feedback:%"))
                )
            ).scalars()
        )
    assert {c.milestone_id for c in checks} == {"jobs-18"} and len(checks) == 2
    assert [(m.kind, m.target) for m in feedback_dms] == [("dm", "ana")]

    out = await console.say("/as Ana", "mock history")
    assert "Tue 2026-03-03 18:00 with Ben" in out
    assert "you were asked: " in out and "— done" in out
    assert "Problem and metrics 4/5" in out and "To improve: Less time on the model." in out
    out = await console.say("/as Ben", "mock history")
    assert "Scores:" not in out  # Ana has not sent hers yet
    out = await console.say("/as", "admin mock report")
    assert "2026-03-02 (run-now): 1 session(s) from 2 members, 1 done, 0 no-show" in out


async def test_two_no_shows_in_a_row_pause_the_member(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await _join_pair(console)
    ids = await _ids(app)
    for week in range(2):
        out = await console.say("admin mock run-now")
        assert "Round done: 1 pair" in out, out
        async with app.session_factory() as session:
            session_id = (await session.execute(select(func.max(MockSession.id)))).scalar_one()
        clock.advance(timedelta(days=2))
        await app.scheduler.run_tick("mock.feedback")
        # Ben reports that Ana didn't show up.
        await console.say("/as Ben")
        reply = await app.dispatcher.run_action(
            console.adapter.caller(), f"mock.noshow:{session_id}:{ids['ben']}"
        )
        assert "noted" in reply.text
        out = await console.say("/as")
        if week == 0:
            assert "Mock interviews paused" not in out
            assert "paused" not in await console.say("/as Ana", "mock profile", "/as")
            clock.advance(timedelta(days=5))
    assert "── DM to @ana ──\n== Mock interviews paused ==" in out
    async with app.session_factory() as session:
        ana = (
            await session.execute(select(MockProfile).where(MockProfile.member_id == ids["ana"]))
        ).scalar_one()
    assert ana.paused and ana.no_show_streak == 2
    assert "paused (`mock join` to come back)" in await console.say("/as Ana", "mock profile")
    clock.advance(timedelta(days=7))
    assert "No round: 1 member(s)" in await console.say("/as", "admin mock run-now")
    out = await console.say("/as Ben", "mock history")
    assert out.count("they didn't show up") == 2
    out = await console.say("/as Ana", "mock history")
    assert out.count("reported as a no-show for you") == 2
    # Joining again clears the pause.
    out = await console.say("mock join --type ml-system-design")
    assert "You're in!" not in out and "in the next round" in out


async def test_bad_input_is_one_line_and_writes_nothing(console: ConsoleHarness, app: App) -> None:
    out = await console.say("/as Ana", "mock join --type ml-coding")
    assert "Tell me when you can interview: add --windows 18:00-20:00" in out
    out = await console.say("mock join --type cooking --windows 18:00-20:00")
    assert "--type" in out and "ml-coding" in out
    out = await console.say("mock join --type ml-coding --windows 25:00-26:00")
    assert "--windows must look like" in out
    out = await console.say("mock join --type ml-coding --windows 18:00-20:00 --days funday")
    assert "--days takes days like mon,wed,sat" in out
    out = await console.say("mock join --type ml-coding --windows " + "1" * 10_000)
    assert "too long" in out
    assert await _count(app, MockProfile) == 0
    assert "haven't joined mock interviews" in await console.say("mock profile")
    assert "haven't joined" in await console.say("mock leave")
    assert "None yet" in await console.say("mock history")


async def test_feedback_of_ten_kilobytes_is_refused(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await _join_pair(console)
    await console.say("admin mock run-now")
    clock.advance(timedelta(days=2))
    await app.scheduler.run_tick("mock.feedback")
    await console.say()
    out = await console.say("/as Ben", "1", "4 3 5 4", "x" * 10_000, "ok")
    assert "too long" in out and len(out.strip().splitlines()[-1]) < 200
    async with app.session_factory() as session:
        answered = (
            await session.execute(select(func.count()).where(MockSeat.answered_at.is_not(None)))
        ).scalar_one()
    assert answered == 0


async def test_pause_leave_and_admin_day(console: ConsoleHarness, app: App) -> None:
    await _join_pair(console)
    assert "Paused until 2026-03-20" in await console.say("/as Ana", "mock pause --until 2026-03-20")
    assert "paused until 2026-03-20" in await console.say("mock profile")
    assert "not in the future" in await console.say("mock pause --until 2026-03-01")
    assert "You've left" in await console.say("/as Ben", "mock leave")
    out = await console.say("/as", "admin mock day wed 18:30")
    assert "every Wed 18:30 (UTC); next: Wed 2026-03-04 18:30" in out
    assert "No round: 0 member(s)" in await console.say("admin mock run-now")
    out = await console.say("admin show")
    assert "Mock interviews" in out and "1 opted in (1 paused)" in out
    assert "Only community admins" in await console.say("/as Ben", "admin mock run-now")


async def test_every_form_button_is_only_for_its_member(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await _join_pair(console)
    await console.say("admin mock run-now")
    clock.advance(timedelta(days=2))
    await app.scheduler.run_tick("mock.feedback")
    await console.say()
    ids = await _ids(app)
    async with app.session_factory() as session:
        session_id = (await session.execute(select(func.max(MockSession.id)))).scalar_one()
    values = {"scores": "4 4 4", "strength": "Good.", "improve": "More."}
    for name in ("zed", "ana"):
        await console.say(f"/as {name.capitalize()}")
        for action in ("compose", "feedback", "noshow"):
            reply = await app.dispatcher.run_action(
                console.adapter.caller(), f"mock.{action}:{session_id}:{ids['ben']}", values
            )
            assert reply.text == "This isn't yours to answer.", (name, action)
    # Someone outside the pair addressing the form to themself is refused by the service.
    await console.say("/as Zed", "mock history")
    zed = (await _ids(app))["zed"]
    reply = await app.dispatcher.run_action(
        console.adapter.caller(), f"mock.feedback:{session_id}:{zed}", values
    )
    assert "for the two members of that mock interview" in reply.text
    async with app.session_factory() as session:
        answered = (
            await session.execute(select(func.count()).where(MockSeat.answered_at.is_not(None)))
        ).scalar_one()
    assert answered == 0
    # Ana's own form works: she scores Ben's behavioral answer (a 3-criterion rubric).
    await console.say("/as Ana")
    reply = await app.dispatcher.run_action(
        console.adapter.caller(), f"mock.feedback:{session_id}:{ids['ana']}", values
    )
    assert "on its way" in reply.text
