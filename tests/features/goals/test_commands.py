"""Goals through the console, with the database checked after every refusal."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.core.dispatch import Caller
from bot.features.goals.models import Goal, GoalUpdate
from tests.conftest import ConsoleHarness


async def _goals(app: App) -> list[Goal]:
    async with app.session_factory() as session:
        return list((await session.execute(select(Goal).order_by(Goal.id))).scalars())


async def test_add_list_progress_done(console: ConsoleHarness, app: App) -> None:
    out = await console.say('goal add "Ship a Kaggle notebook" --by 2026-06-01 --step community')
    assert "Goal #1 added" in out
    assert "by 2026-06-01 (in 91 days)" in out
    assert "Community & Kaggle" in out
    out = await console.say("goal add Read ISLR chapter 2 without quotes")
    assert "Goal #2 added" in out and "Read ISLR chapter 2 without quotes" in out
    out = await console.say("goal progress 1 60 --note 'EDA done'")
    assert "▰▰▰▰▰▰▱▱▱▱ 60%" in out
    out = await console.say("goal done 2")
    assert "🎉 Goal #2 achieved" in out
    listing = await console.say("goal list")
    assert "#1 Ship a Kaggle notebook" in listing and "#2" not in listing
    assert "#2 Read ISLR" in await console.say("goal list --all")
    goals = await _goals(app)
    assert [(g.number, g.status, g.progress) for g in goals] == [(1, "active", 60), (2, "done", 100)]
    async with app.session_factory() as session:
        notes = list((await session.execute(select(GoalUpdate.note))).scalars())
    assert notes == ["EDA done"]


async def test_progress_100_completes(console: ConsoleHarness, app: App) -> None:
    await console.say("goal add Finish CS229 notes")
    assert "Done — well earned" in await console.say("goal progress 1 100")
    assert (await _goals(app))[0].status == "done"


async def test_edit_and_drop(console: ConsoleHarness, app: App) -> None:
    await console.say("goal add Old text")
    out = await console.say('goal edit 1 --text "New text" --by 2026-12-24')
    assert "New text" in out and "2026-12-24" in out
    assert "Say what to change" in await console.say("goal edit 1")
    assert "dropped" in await console.say("goal drop 1")
    assert "already dropped" in await console.say("goal progress 1 10")
    goal = (await _goals(app))[0]
    assert (goal.text, goal.status, goal.progress) == ("New text", "dropped", 0)


async def test_bad_input_is_one_line_and_changes_nothing(console: ConsoleHarness, app: App) -> None:
    await console.say("goal add Keep me")
    cases = {
        "goal add Something --by 2026-02-30": "--by must be a date like 2026-04-01, today, tomorrow",
        "goal add Something --by yesterday": "--by must be a date like 2026-04-01, today, tomorrow",
        "goal add Something --by 2020-01-01": "is in the past",
        "goal add " + "x" * 10_000: "is too long (10000 characters; at most 300)",
        "goal add Something --step cooking": "--step must be one of basics, math, projects, community, jobs",
        "goal add Something --colour red": "Unknown option --colour.",
        'goal add "unterminated': "is never closed",
        "goal progress 1 140": "percent must be at most 100.",
        "goal progress one 40": "id must be a whole number, not 'one'.",
        "goal progress 42 10": "There's no goal #42 here.",
        "goal progress 1": "Missing PERCENT",
        "goal explode 1": "'goal' has no 'explode' command.",
    }
    for line, expected in cases.items():
        out = await console.say(line)
        assert expected in out, (line, out)
        first = out.splitlines()[0]
        assert len(first) < 200, first
    goals = await _goals(app)
    assert [(g.text, g.progress) for g in goals] == [("Keep me", 0)]


async def test_private_goals_are_hidden_from_others(console: ConsoleHarness, app: App) -> None:
    await console.say("goal add Public goal", "goal add Secret goal --private")
    await console.as_member("bob")
    out = await console.say("goal list --member ada")
    assert "Public goal" in out and "Secret goal" not in out
    assert "There's no goal #2 here." in await console.say("goal progress 2 50")
    assert "belongs to someone else" in await console.say("goal progress 1 50")
    assert "belongs to someone else" in await console.say("goal done 1")
    assert [g.progress for g in await _goals(app)] == [0, 0]
    assert "No member called 'nobody' here." in await console.say("goal list --member nobody")


async def test_goal_numbers_are_per_community_and_isolated(app: App) -> None:
    home = Caller("console", "home", "ada", "ada", is_admin=True)
    other = Caller("console", "elsewhere", "eve", "eve", is_admin=True)
    reply = await app.dispatcher.run_text(home, "goal add Home goal")
    assert "Goal #1 added" in (reply.title or "")
    reply = await app.dispatcher.run_text(other, "goal add Other goal")
    assert "Goal #1 added" in (reply.title or ""), "numbers restart in each community"
    # eve's #1 is her own; ada's #1 in another community is out of reach.
    reply = await app.dispatcher.run_text(other, "goal progress 1 30")
    assert not reply.error
    reply = await app.dispatcher.run_text(Caller("console", "elsewhere", "mallory", "mallory"),
                                          "goal progress 1 90")
    assert reply.error and "belongs to someone else" in reply.text
    goals = await _goals(app)
    assert [(g.text, g.progress) for g in goals] == [("Home goal", 0), ("Other goal", 30)]
    async with app.session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(Goal))).scalar_one() == 2
