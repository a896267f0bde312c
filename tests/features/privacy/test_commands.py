from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.core.tenancy import Member
from bot.features.goals.models import Goal
from bot.features.roadmap.models import MilestoneCheck
from tests.conftest import ConsoleHarness


async def _count(app: App, model: type) -> int:
    async with app.session_factory() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_show_and_forget_only_touch_the_caller(console: ConsoleHarness, app: App) -> None:
    await console.say("goal add Mine", "roadmap check basics-1")
    await console.as_member("bob")
    await console.say("goal add Bob's goal", "roadmap check math-1")
    shown = await console.say("privacy")
    assert "goals: 1" in shown and "milestone checks: 1" in shown
    out = await console.say("privacy forget")
    assert "can't be undone" in out and "[1] Delete my data" in out
    assert await _count(app, Goal) == 2, "nothing is deleted before the confirmation"
    out = await console.say("1")
    assert "Pivot has forgotten you here" in out
    async with app.session_factory() as session:
        names = sorted((await session.execute(select(Member.platform_user_id))).scalars())
        goals = list((await session.execute(select(Goal.text))).scalars())
    assert names == ["ada"]
    assert goals == ["Mine"]
    assert await _count(app, MilestoneCheck) == 1


async def test_someone_elses_forget_button_does_nothing(console: ConsoleHarness, app: App) -> None:
    await console.say("goal add Mine", "privacy forget")
    await console.as_member("mallory")
    out = await console.say("1")
    assert "This isn't yours to answer." in out
    assert await _count(app, Goal) == 1


async def test_forget_covers_every_features_tables(console: ConsoleHarness, app: App) -> None:
    from bot.features.buddies.models import BuddyProfile
    from bot.features.checkins.models import CheckinSchedule

    await console.as_member("bob")
    await console.say("checkin schedule daily 18:00", "buddy join --level beginner --focus math")
    shown = await console.say("privacy")
    assert "checkin schedules: 1" in shown and "buddy profiles: 1" in shown
    await console.say("privacy forget", "1")
    assert await _count(app, CheckinSchedule) == 0
    assert await _count(app, BuddyProfile) == 0


async def test_export_dms_a_json_file_of_everything_stored(console: ConsoleHarness, app: App) -> None:
    import asyncio
    import json
    import re
    from pathlib import Path

    await console.say('goal add "Ship a churn model"', "roadmap check basics-1",
                      "checkin schedule daily 18:00")
    await console.as_member("bob")
    await console.say('goal add "Bob stuff"')
    await console.as_member("ada")
    out = await console.say("privacy export")
    assert "check your DMs" in out
    match = re.search(r"\[file: (pivot-export-[\d-]+\.json) → ([^\]]+)\]", out)
    assert match, out
    data = json.loads(await asyncio.to_thread(Path(match[2].strip()).read_text))
    assert data["member"]["platform_user_id"] == "ada"
    assert [g["text"] for g in data["goals"]] == ["Ship a churn model"]
    assert len(data["milestone_checks"]) == 1 and len(data["checkin_schedules"]) == 1
    assert "Bob stuff" not in json.dumps(data)


async def _answer_todays_challenge_right(console: ConsoleHarness, app: App) -> None:
    from bot.core.tenancy import Community
    from bot.features.challenges import service as challenges

    async with app.session_factory() as session:
        community = (await session.execute(select(Community))).scalar_one()
        post = await challenges.open_post(session, community.id)
        assert post is not None
        item = challenges.item_of(post)
    out = await console.say(f"challenge answer {item.answer}")
    assert "✅ Correct" in out, out


async def test_leaderboard_scores_are_shown_exported_and_forgotten(
    console: ConsoleHarness, app: App
) -> None:
    """A correct daily answer makes three score rows (week, month, all time): they are the
    member's data like any other, and forgetting a member called "week" leaves others' alone."""
    import asyncio
    import json
    import re
    from pathlib import Path

    from bot.features.challenges.models import ChallengeScore

    await console.say("admin set channel challenge #ml-daily", "admin challenge post-now")
    await _answer_todays_challenge_right(console, app)
    await console.as_member("week")
    await _answer_todays_challenge_right(console, app)
    assert "challenge scores: 3" in await console.say("privacy")
    out = await console.say("privacy export")
    match = re.search(r"\[file: (pivot-export-[\d-]+\.json) → ([^\]]+)\]", out)
    assert match, out
    data = json.loads(await asyncio.to_thread(Path(match[2].strip()).read_text))
    assert sorted((s["period"], s["points"]) for s in data["challenge_scores"]) == [
        ("all", 1), ("month", 1), ("week", 1)]
    board = await console.say("challenge leaderboard")
    assert board.index("1= ada — 1 point") < board.index("1= week — 1 point ← you"), board
    await console.say("privacy forget", "1")
    async with app.session_factory() as session:
        left = sorted((await session.execute(select(ChallengeScore.period))).scalars())
    assert left == ["all", "month", "week"]  # ada's, untouched
    await console.as_member("ada")
    board = await console.say("challenge leaderboard --month")
    assert "1. ada — 1 point ← you" in board and "week —" not in board, board


async def test_forgetting_a_member_named_like_a_keyword_leaves_others_keywords(
    console: ConsoleHarness, app: App
) -> None:
    """A member called "math" (a roadmap step and a challenge topic) is forgotten: their name
    goes, but others' goal steps, challenge topics and statuses that read "math" stay."""
    from bot.features.challenges.models import ChallengePost

    await console.say("admin set channel challenge #ml-daily", "admin challenge post-now")
    await console.say('goal add "Finish the linear algebra course" --step math')
    async with app.session_factory() as session:
        session.add(Goal(community_id=(await session.execute(select(Member.community_id))).scalars().first(),
                         member_id=(await session.execute(select(Member.id))).scalars().first(),
                         number=99, text="Revise probability with math friends", step="math",
                         status="active", created_at=app.clock.now()))
        await session.commit()
        topics_before = sorted((await session.execute(select(ChallengePost.topic))).scalars())
    await console.as_member("math")
    await console.say('goal add "Statistics refresher" --step math')
    await console.say("privacy forget", "1")
    async with app.session_factory() as session:
        steps = sorted((await session.execute(select(Goal.step))).scalars())
        topics = sorted((await session.execute(select(ChallengePost.topic))).scalars())
        texts = sorted((await session.execute(select(Goal.text))).scalars())
    assert steps == ["math", "math"], steps
    assert topics == topics_before
    assert texts[0] == "Finish the linear algebra course"
    assert texts[1].startswith("Revise probability with ") and "math" not in texts[1], texts


def test_every_keyword_column_names_a_real_column() -> None:
    """The list of fixed-vocabulary columns stays in step with the models."""
    from bot.core.db import Base
    from bot.features import import_models
    from bot.features.privacy.service import KEYWORD_COLUMNS

    import_models()
    columns = {c.name for t in Base.metadata.sorted_tables if "community_id" in t.c for c in t.c}
    assert KEYWORD_COLUMNS <= columns, KEYWORD_COLUMNS - columns
