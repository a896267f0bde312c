"""Blockers become questions, the digest lists open questions, the 12-hour second round,
and privacy: forget and export cover every table of the ask feature."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage
from bot.features.ask.models import Answer, Helper, Kudos, Ping, Question
from bot.features.privacy.service import member_tables
from tests.conftest import ConsoleHarness


async def count(app: App, model: type, *where: object) -> int:
    async with app.session_factory() as session:
        stmt = select(func.count()).select_from(model).where(*where)
        return int((await session.execute(stmt)).scalar_one())


async def test_a_blocker_becomes_a_question(console: ConsoleHarness, app: App) -> None:
    await console.say("admin set channel questions #questions", "checkin schedule daily 09:00")
    await console.say("/wait 1h")  # 09:00: the check-in DM
    out = await console.say("checkin log 'tried colab' --blocked 'CUDA out of memory when training on colab'")
    assert "[1] Ask the community" in out
    await console.as_member("mallory")
    assert "This isn't yours to answer." in await console.say("1")
    await console.as_member("ada")
    out = await console.say("1")
    assert "CUDA out of memory when training on colab" in out and "[1] Post it  [2] Edit first" in out
    out = await console.say("1")
    assert "question #1" in out and "topic: tooling" in out
    async with app.session_factory() as session:
        q = (await session.execute(select(Question))).scalar_one()
    assert q.title == "CUDA out of memory when training on colab" and q.status == "open"


async def test_weekly_digest_lists_open_questions_in_helpers_topics(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("admin set channel checkins #checkins", "admin set digest-time mon 10:00",
                      "admin set channel questions #questions")
    await console.as_member("bob")
    await console.say("helper on --topics metrics")
    await console.as_member("ada")
    await console.say('ask "Which metric for an imbalanced fraud dataset?" --topic metrics',
                      'ask "How do I set up conda?" --topic tooling')
    clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    out = await console.say("/wait 10m")
    assert "Open questions" in out and "#1 Which metric for an imbalanced fraud dataset?" in out
    assert "How do I set up conda" not in out


async def test_unanswered_after_12_hours_more_helpers_and_one_reminder(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("admin set channel questions #questions")
    for name in ("h1", "h2", "h3", "h4", "h5"):
        await console.as_member(name)
        await console.say("helper on --tz Europe/Berlin")
    await console.as_member("ada")
    clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))  # 15:00 in Berlin
    await console.say('ask "Is PCA before k-means a good idea?"')
    assert await count(app, Ping) == 3
    out = await console.say("/wait 12h")  # 03:00 next day in Berlin: asleep
    assert "Still unanswered after 12 hours" in out
    assert "Everyone who could help is asleep" in out
    out = await console.say("/wait 1h")
    assert "Still unanswered" not in out  # one reminder only
    assert await count(app, Ping) == 3


async def test_second_round_asks_new_people(console: ConsoleHarness, app: App, clock: ManualClock) -> None:
    await console.say("admin set channel questions #questions")
    for name in ("h1", "h2", "h3", "h4", "h5"):
        await console.as_member(name)
        await console.say("helper on --tz Asia/Kolkata")  # UTC+5:30
    await console.as_member("ada")
    clock.set(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))  # 08:30 in Kolkata
    await console.say('ask "How do I pick k in k-means?"')
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # 20:30 in Kolkata, 12 h later
    out = await console.say("/wait 10m")
    assert "Still unanswered after 12 hours. Asked @h4, @h5 as well." in out
    assert "DM to @h4" in out and "DM to @h5" in out
    assert await count(app, Ping, Ping.round == 2) == 2


async def test_forget_and_export_cover_the_ask_tables(console: ConsoleHarness, app: App) -> None:
    tables = {t.name for t in member_tables()}
    assert {"ask_questions", "ask_helpers", "ask_pings", "ask_answers", "ask_kudos"} <= tables
    await console.say("admin set channel questions #questions")
    await console.as_member("bob")
    await console.say("helper on")
    await console.as_member("cy")
    await console.say('ask "How do I pick a learning rate?"')
    await console.as_member("bob")
    await console.say('ask answer 1 "Use a learning rate finder"')
    await console.as_member("cy")
    await console.say("ask solve 1 --helper @bob")
    await console.as_member("bob")
    shown = await console.say("privacy")
    for label in ("ask helpers: 1", "ask pings: 1", "ask answers: 1", "ask kudos: 1"):
        assert label in shown
    await console.say("privacy forget", "1")
    for model in (Helper, Ping, Answer, Kudos):
        assert await count(app, model) == 0, model
    assert await count(app, Question) == 1  # cy's question stays
    await console.as_member("cy")
    await console.say("privacy forget", "1")
    assert await count(app, Question) == 0
    assert await count(app, OutboxMessage, OutboxMessage.kind == "dm", OutboxMessage.status == "pending") == 0


async def test_a_question_from_another_community_is_not_found(console: ConsoleHarness, app: App) -> None:
    from bot.core.dispatch import Caller

    await console.say("admin set channel questions #questions", 'ask "Local question"')
    other = Caller(platform="console", community_id="elsewhere", user_id="eve", display_name="eve")
    for text in ("ask show 1", "ask solve 1", "ask answer 1 hi", "ask summary 1 x"):
        reply = await app.dispatcher.run_text(other, text)
        assert reply.error and "no question #1" in reply.text, text
    assert await count(app, Answer) == 0
    assert (await count(app, Question, Question.status == "open")) == 1
