"""Writing in a question's thread counts as answering it (console: `/reply THREAD TEXT`, the same
path Discord's MESSAGE_CREATE and Slack's message events take): no 12-hour round, shown in
`ask show`, offered as who helped; the words are never stored, and privacy covers the record."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.features.ask.models import Answer
from tests.conftest import ConsoleHarness


async def answers(app: App) -> list[tuple[int, str | None]]:
    async with app.session_factory() as session:
        return [(m, t) for m, t in (await session.execute(select(Answer.member_id, Answer.text))).all()]


async def ask(console: ConsoleHarness, title: str) -> str:
    """Ask as ada; returns the console thread the question opened."""
    out = await console.say(f'ask "{title}"')
    found = re.search(r"new thread (console-\d+)", out)
    assert found, out
    return found[1]


async def test_a_reply_in_the_thread_is_an_answer_and_stops_the_second_round(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("admin set channel questions #questions")
    await console.as_member("bob")
    await console.say("helper on --tz Europe/Berlin")
    await console.as_member("ada")
    clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    thread = await ask(console, "Is PCA before k-means a good idea?")
    await console.say(f"/reply {thread} Anyone? I am stuck")  # the asker: not an answer
    assert await answers(app) == []
    await console.as_member("cy")  # never asked, just passing by
    out = await console.say(f"/reply {thread} Scale first, then PCA, then k-means")
    assert f"thread {thread}" in out and "cy: Scale first" in out
    await console.say(f"/reply {thread} Also look at the explained variance")
    [(member, text)] = await answers(app)
    assert text is None  # who and when, never the words

    out = await console.say("/wait 13h")
    assert "Still unanswered" not in out

    await console.as_member("ada")
    out = await console.say("ask show 1")
    assert "Answer from cy" in out and "answered in the thread" in out
    out = await console.say("1")  # Solved
    assert "Who helped?" in out and "cy" in out.splitlines()[-1]
    number = next(p.split("]")[0].strip("[") for p in out.splitlines()[-1].split("  ") if "cy" in p)
    out = await console.say(number)
    assert "Question #1 is solved" in out and "Kudos to @cy" in out
    assert "Edit the summary" in out  # no words to make a summary of

    await console.as_member("cy")
    await console.say(f"/reply {thread} One more thought")  # solved: nothing more recorded
    assert len(await answers(app)) == 1


async def test_replies_elsewhere_or_malformed_are_not_answers(console: ConsoleHarness, app: App) -> None:
    await console.say("admin set channel questions #questions", "admin set channel checkins #checkins")
    thread = await ask(console, "How do I read a confusion matrix?")
    await console.as_member("bob")
    out = await console.say("/reply console-999 Not a question's thread", "/reply nonsense", f"/reply {thread}")
    assert out.count("Usage: /reply THREAD TEXT") == 2
    assert await answers(app) == []
    async with app.session_factory() as session:
        from bot.core.tenancy import Member

        assert (await session.execute(
            select(func.count()).select_from(Member).where(Member.platform_user_id == "bob")
        )).scalar_one() == 0  # a reply in nobody's thread writes nothing, not even a member row


async def test_privacy_export_and_forget_cover_a_thread_answer(console: ConsoleHarness, app: App) -> None:
    await console.say("admin set channel questions #questions")
    thread = await ask(console, "How do I pick a learning rate?")
    await console.as_member("bob")
    await console.say(f"/reply {thread} Use a learning rate finder")
    out = await console.say("privacy")
    assert "ask answers: 1" in out
    async with app.session_factory() as session:
        from bot.core.tenancy import Member
        from bot.features.privacy.service import export

        bob = (await session.execute(select(Member).where(Member.platform_user_id == "bob"))).scalar_one()
        data = await export(session, bob)
    assert len(data["ask_answers"]) == 1 and data["ask_answers"][0]["text"] is None
    assert "learning rate finder" not in json.dumps(data, default=str)
    await console.say("privacy forget", "1")
    assert await answers(app) == []
