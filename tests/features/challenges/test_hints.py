"""`challenge hint`: one hint per question, recorded, shown in stats, never changing the grade."""

from __future__ import annotations

from sqlalchemy import func, select, update

from bot.app import App
from bot.features.challenges import service
from bot.features.challenges.bank import LETTERS
from bot.features.challenges.generators import FAMILIES, HINTS
from bot.features.challenges.models import ChallengePost, HintUse
from bot.features.challenges.selection import default_catalogue
from tests.conftest import ConsoleHarness


async def _hints(app: App) -> int:
    async with app.session_factory() as session:
        return (await session.execute(select(func.count(HintUse.id)))).scalar_one()


async def _set_item(app: App, item_id: str) -> None:
    async with app.session_factory() as session, session.begin():
        await session.execute(update(ChallengePost).values(item_id=item_id))


async def test_hint_for_the_daily_challenge(console: ConsoleHarness, app: App) -> None:
    out = await console.say("challenge hint")
    assert "no challenge channel yet" in out and out.count("\n") <= 2
    assert "no practice question waiting" in await console.say("challenge hint --practice")
    await console.say("admin set channel challenge #ml-daily", "admin challenge post-now")

    await _set_item(app, "calculus-02")  # an item without a hint
    assert "has no hint" in await console.say("challenge hint")
    assert await _hints(app) == 0

    await _set_item(app, "calculus-01")
    item = default_catalogue().item("calculus-01")
    assert item is not None and item.hint
    out = await console.say("challenge hint")
    assert f"💡 Hint: {item.hint}" in out and item.answer not in out
    await console.say("challenge hint")  # asking again is the same one use
    assert await _hints(app) == 1
    graded = await console.say(f"challenge answer {item.answer}")
    assert "✅ Correct" in graded  # the hint changes nothing in grading
    assert "Hints used: 1." in await console.say("challenge stats")
    await console.as_member("bob")
    assert "Hints used: 0." in await console.say("challenge stats")


async def test_hint_for_a_practice_question(console: ConsoleHarness, app: App) -> None:
    await console.say("challenge practice --topic probability --difficulty 1")
    out = await console.say("challenge hint --practice")
    assert "💡 Hint:" in out or "has no hint" in out
    assert await _hints(app) == (1 if "💡 Hint:" in out else 0)


def test_the_bank_has_hints_across_topics_that_do_not_give_answers_away() -> None:
    catalogue = default_catalogue()
    hinted = [i for i in catalogue.items if i.hint]
    assert len(hinted) >= 60
    assert len({i.topic for i in hinted}) >= 20
    for item in hinted:
        assert len(item.hint or "") <= 300
        if item.kind in {"numeric", "short"}:
            assert item.answer not in (item.hint or "").split(), item.id
        if item.kind == "choice":
            assert item.choices[LETTERS.index(item.answer)] not in (item.hint or ""), item.id
    assert set(HINTS) <= set(FAMILIES)
    for name in HINTS:
        assert FAMILIES[name].generate(1).hint == HINTS[name]


async def test_hints_are_scoped_to_the_question(console: ConsoleHarness, app: App) -> None:
    await console.say("admin set channel challenge #ml-daily", "admin challenge post-now")
    await _set_item(app, "calculus-01")
    await console.say("challenge hint")
    async with app.session_factory() as session:
        row = (await session.execute(select(HintUse))).scalar_one()
        post = await session.get(ChallengePost, row.post_id)
    assert post is not None and row.practice_id is None and row.item_id == "calculus-01"
    assert service.NO_HINT.startswith("This question has no hint")
