"""End to end through the console: members join, an admin runs a round, intros are
printed, three days later the group is asked whether they met, and they answer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.messages import Reply
from bot.features.buddies.models import BuddyGroupMember
from bot.features.roadmap.models import MilestoneCheck
from tests.conftest import ConsoleHarness
from tests.features.buddies.conftest import Buddies


async def _join_three(console: ConsoleHarness) -> str:
    return await console.say(
        "/as Ana",
        "buddy join --tz Europe/Berlin --level beginner --focus math,projects --hours 5 "
        "--windows 18:00-21:00",
        "/as Ben",
        "buddy join --tz America/New_York --level intermediate --focus math,linear-algebra "
        "--hours 6 --windows 09:00-17:00",
        "/as Cy",
        "buddy join --tz Asia/Tokyo --level advanced --focus jobs --hours 2",
        "/as Dee",
        "buddy join --tz Asia/Tokyo --level advanced --focus jobs --hours 3",
        "/as",
    )


async def test_join_run_intro_followup_answer_report(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    out = await _join_three(console)
    assert out.count("You're in!") == 4
    assert "#study-buddies" in await console.say("admin set channel buddies #study-buddies")
    out = await console.say("admin buddies run-now")
    assert "Round done: 2 groups (0 trios) from 4 members" in out
    # The intros are printed as group posts, with the reasons in each member's time.
    assert "── group: @ana, @ben ──" in out or "── group: @ben, @ana ──" in out
    assert "── group: @cy, @dee ──" in out or "── group: @dee, @cy ──" in out
    assert (
        "you overlap 18:00–21:00 for Ana (Europe/Berlin) = 12:00–15:00 for Ben (America/New_York)"
    ) in out
    assert "you both focus on math" in out
    assert "pick this week's challenge and solve it together" in out

    out = await console.say("/wait 2d")
    assert "Did you meet?" not in out
    out = await console.say("/wait 1d")
    assert out.count("Did you meet?") == 2
    assert "[1] Yes  [2] Not yet  [3] Rematch me" in out

    # The last post printed is one group's follow-up; its members answer for themselves.
    last_group = out.rsplit("── group: ", 1)[1].split(" ──", 1)[0]
    first = last_group.split(", ")[0].lstrip("@")
    second = last_group.split(", ")[1].lstrip("@")
    answer = await console.say(f"/as {first.capitalize()}", "1")
    assert "noted that you met" in answer and "Meet your study buddy" in answer
    async with app.session_factory() as session:
        answers = {a for a in (await session.execute(select(BuddyGroupMember.answer))).scalars()}
        checks = list((await session.execute(select(MilestoneCheck))).scalars())
    assert answers == {"yes", None}
    assert len(checks) == 1 and checks[0].source == "auto"

    # An outsider can't answer for the group.
    assert "This isn't yours to answer." in await console.say("/as Zed", "1")
    assert "Noted" in await console.say(f"/as {second.capitalize()}", "2")

    out = await console.say("/as", "admin buddies report")
    assert "2026-03-02 (run-now): 2 groups, 1 met (50%), 2/4 answered" in out


async def test_followup_is_sent_once_as_a_group_post(
    console: ConsoleHarness, app: App, clock: ManualClock, buddies: Buddies
) -> None:
    await _join_three(console)
    await console.say("admin buddies run-now")
    clock.advance(timedelta(days=3))
    await app.scheduler.run_tick("buddies.followups")
    await app.scheduler.run_tick("buddies.followups")
    rows = [r for r in await buddies.outbox() if r.dedupe_key.startswith("buddy-followup:")]
    assert len(rows) == 2
    assert {(r.kind, r.channel) for r in rows} == {("group", "study-buddies")}
    buttons = Reply.from_json(rows[0].payload).buttons
    group_id = rows[0].dedupe_key.split(":")[1]
    assert [(b.label, b.action) for b in buttons] == [
        ("Yes", f"buddy.met:{group_id}:yes"),
        ("Not yet", f"buddy.met:{group_id}:notyet"),
        ("Rematch me", f"buddy.met:{group_id}:rematch"),
    ]


async def test_rematch_button_puts_member_on_the_list(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await _join_three(console)
    await console.say("admin buddies run-now")
    clock.advance(timedelta(days=3))
    await app.scheduler.run_tick("buddies.followups")
    out = await console.say()  # delivers the follow-ups, as the console does between lines
    last_group = out.rsplit("── group: ", 1)[1].split(" ──", 1)[0]
    member = last_group.split(", ")[0].lstrip("@")
    assert "on the rematch list" in await console.say(f"/as {member.capitalize()}", "3")
    assert "waiting for a rematch" in await console.say("buddy status")


async def test_admin_show_lists_buddy_settings(console: ConsoleHarness) -> None:
    out = await console.say("admin show")
    assert "starts when the first member joins" in out
    await _join_three(console)
    await console.say("/as Dee", "buddy pause", "/as")
    out = await console.say("admin buddies cadence 1", "admin show")
    assert "every week on Mon 10:00 (UTC); next round Mon 2026-03-02 10:00" in out
    assert "4 opted in (1 paused)" in out


async def test_members_cannot_run_admin_commands(console: ConsoleHarness) -> None:
    out = await console.say("/as Ana", "admin buddies run-now")
    assert "Only community admins" in out
