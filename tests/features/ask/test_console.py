"""Asking, routing, answering, solving, kudos and search, driven through the console."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.features.ask.models import Answer, Kudos, Ping, Question
from tests.conftest import ConsoleHarness


async def setup(console: ConsoleHarness) -> None:
    await console.say("admin set channel questions #questions")
    await console.as_member("bob")
    await console.say("helper on --topics metrics,validation")
    await console.as_member("cy")
    await console.say("helper on")
    await console.as_member("ada")


async def count(console: ConsoleHarness, model: type) -> int:
    async with console.app.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_ask_routes_answers_solves_and_thanks(console: ConsoleHarness) -> None:
    await setup(console)
    out = await console.say('ask "How do I choose a precision recall threshold?" --details "My F1 is low"')
    assert "question #1" in out
    assert "#questions › new thread" in out
    assert "Question #1: How do I choose a precision recall threshold?" in out
    assert "DM to @bob" in out and "DM to @cy" in out
    assert "Topic: metrics" in out

    await console.as_member("bob")
    out = await console.say('ask answer 1 "Plot precision and recall against the threshold and pick by cost"')
    assert "thread " in out and "bob answered" in out

    await console.as_member("ada")
    out = await console.say("ask show 1")
    assert "Answer from bob" in out
    out = await console.say("1")  # the Solved button on `ask show`
    assert "Who helped?" in out
    choices = out.splitlines()[-1]
    number = next(part.split("]")[0].strip("[") for part in choices.split("  ") if "bob" in part)
    out = await console.say(number)
    assert "Question #1 is solved" in out and "Kudos to @bob" in out
    assert "Plot precision and recall" in out  # the answer became the summary
    assert await count(console, Kudos) == 1

    out = await console.say("helper leaderboard --all")
    assert "bob — 1 kudos" in out
    await console.as_member("bob")
    out = await console.say("helper stats")
    assert "Kudos: 1" in out and "Answers: 1" in out

    await console.as_member("ada")
    out = await console.say("ask search thresholds")
    assert "#1" in out and "Plot precision" in out
    out = await console.say("ask list --open")
    assert "None yet" in out
    out = await console.say("ask why 1")
    assert "bob" in out and "topic +1.00 (listed it)" in out and "cy" in out


async def test_similar_solved_question_is_offered_first(console: ConsoleHarness) -> None:
    await setup(console)
    await console.say('ask "Why is my model overfitting on the training data?"')
    await console.say('ask solve 1 --summary "Add regularization and more data"')
    out = await console.say('ask "How to stop a model that overfits"')
    assert "Already answered?" in out and "#1" in out and "regularization" in out
    out = await console.say("1")  # That answers it
    assert "Nothing was posted" in out
    assert await count(console, Question) == 1

    out = await console.say('ask "How to stop a model that overfits"')
    out = await console.say("2")  # Post anyway
    assert "question #2" in out


async def test_bare_ask_opens_a_form(console: ConsoleHarness) -> None:
    await setup(console)
    out = await console.say("ask")
    assert "[1] Ask a question" in out
    out = await console.say("1")
    assert "Your question in one line" in out
    assert "Details" in await console.say("What does a docker volume do for my notebooks?")
    assert "Topic" in await console.say("I lose my files when the container stops")
    out = await console.say("tooling")
    assert "question #1" in out and "topic: tooling" in out
    async with console.app.session_factory() as session:
        q = (await session.execute(select(Question))).scalar_one()
    assert q.details == "I lose my files when the container stops"


async def test_bad_input_is_one_line_and_writes_nothing(console: ConsoleHarness) -> None:
    await setup(console)
    out = await console.say('ask new "   "')
    assert out.strip().count("\n") <= 1
    out = await console.say(f'ask "A title" --details "{"x" * 10_000}"')
    assert "too long" in out
    assert await count(console, Question) == 0
    await console.say('ask "How do I read a confusion matrix?"')
    await console.as_member("bob")
    out = await console.say("ask solve 1")
    assert "Only the asker" in out
    await console.as_member("ada")
    out = await console.say("ask solve 1 --helper @ada")
    assert "not to yourself" in out
    out = await console.say("ask show 99")
    assert "no question #99" in out
    async with console.app.session_factory() as session:
        assert (await session.execute(select(Question.status))).scalar_one() == "open"
    assert await count(console, Kudos) == 0
    assert await count(console, Answer) == 0
    assert await count(console, Ping) == 2


async def test_helper_leaderboard_is_the_top_ten_by_kudos_then_name(app: App) -> None:
    """Twelve helpers with 6, 5, 5, 4, 3, 3, 3, 2, 2, 2, 1, 1 kudos: the ten shown are the ten
    with most, equal counts by name, whatever the order kudos were given in."""
    from bot.core.tenancy import ensure_community, ensure_member
    from bot.features.ask import service

    counts = [6, 5, 5, 4, 3, 3, 3, 2, 2, 2, 1, 1]
    names = ["kim", "lou", "abe", "max", "zed", "bea", "cal", "noa", "eli", "dan", "fay", "gus"]
    async with app.session_factory() as session:
        where = await ensure_community(session, "console", "board", "board")
        members = [await ensure_member(session, where, n, n) for n in names]
        for i in range(max(counts)):
            for m, c in zip(members, counts, strict=True):
                if i < c:
                    session.add(Kudos(community_id=where.id, member_id=m.id))
        await session.flush()
        board = await service.leaderboard(session, where.id, since=None)
    assert [(r.member.display_name, r.kudos) for r in board] == [
        ("kim", 6), ("abe", 5), ("lou", 5), ("max", 4), ("bea", 3), ("cal", 3), ("zed", 3),
        ("dan", 2), ("eli", 2), ("noa", 2)]
