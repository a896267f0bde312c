"""Option order is shuffled per community and day, and every path uses the same letters.

The daily post, its buttons, `challenge today`, grading and the reveal all read the post's
item through `service.item_of`/`as_posted`; practice through `practice_order`. These tests
check that the letter a member sees next to the right option is the letter graded right.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.core.outbox import OutboxMessage
from bot.features.challenges import service
from bot.features.challenges.bank import LETTERS, ChallengeItem, load_bank, shuffled
from bot.features.challenges.selection import Catalogue, default_catalogue
from tests.conftest import ConsoleHarness
from tests.features.challenges import factories

MONDAY = date(2026, 3, 2)
AT_NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _choice_item(item_id: str = "probability-06") -> ChallengeItem:
    item = default_catalogue().item(item_id)
    assert item is not None and item.kind == "choice"
    return item


def _right_text(item: ChallengeItem) -> str:
    return item.choices[LETTERS.index(item.answer)]


def _options_in(text: str) -> dict[str, str]:
    """``{"A": "option text", ...}`` as a member reads them in a rendered post."""
    found = re.findall(r"^\**([A-E])\)\**\s+(.+)$", text, flags=re.MULTILINE)
    return dict(found)


def test_shuffle_is_a_stable_permutation_that_keeps_the_right_option() -> None:
    item = _choice_item()
    first, again = shuffled(item, "seed-1"), shuffled(item, "seed-1")
    assert first == again
    assert sorted(first.choices) == sorted(item.choices)
    assert _right_text(first) == _right_text(item)
    orders = {shuffled(item, f"seed-{n}").choices for n in range(40)}
    assert len(orders) > 5


def test_every_position_is_equally_likely_for_the_right_option() -> None:
    positions: Counter[str] = Counter()
    for item in load_bank():
        if item.kind != "choice":
            continue
        for day in range(20):
            seed = service.post_seed(7, MONDAY + timedelta(days=day), item.id)
            positions[shuffled(item, seed).answer] += 1
    total = sum(positions.values())
    for letter in "ABC":  # every choice item has at least three options
        assert 0.15 < positions[letter] / total < 0.40, positions


def test_communities_and_days_see_different_orders() -> None:
    item = _choice_item()
    orders = {
        service.as_posted(item, community, MONDAY + timedelta(days=day)).choices
        for community in range(1, 6)
        for day in range(6)
    }
    assert len(orders) > 5
    # Other kinds come back untouched.
    numeric = default_catalogue().item("calculus-07")
    assert numeric is not None and service.as_posted(numeric, 1, MONDAY) is numeric


async def test_post_buttons_grading_and_reveal_agree_on_the_letter(app: App) -> None:
    item = _choice_item()
    only = Catalogue((item,), ())
    async with app.session_factory() as session:
        where = await factories.community(session, "c")
        ada = await factories.member(session, where, "ada")
        bob = await factories.member(session, where, "bob")
        post = await service.publish(
            session, where, MONDAY, now=AT_NINE, prefix="/pivot ", catalogue=only
        )
        assert post is not None
        posted = (await session.execute(select(OutboxMessage))).scalar_one().payload
        options = _options_in(posted["text"])
        letter = next(k for k, v in options.items() if v == _right_text(item))
        assert [b["action"] for b in posted["buttons"]] == [
            f"challenge.answer:{post.id}:{x}" for x in LETTERS[: len(item.choices)]
        ]
        wrong = next(x for x in options if x != letter)
        # A button press carries the letter the member saw.
        assert (
            await service.answer(session, ada, post, letter, now=AT_NINE, catalogue=only)
        ).correct
        assert not (
            await service.answer(session, bob, post, wrong, now=AT_NINE, catalogue=only)
        ).correct
        await service.reveal(session, where, post, now=AT_NINE + timedelta(days=1), catalogue=only)
        await session.commit()
        rows = list(
            (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        )
    fields = {f["name"]: f["value"] for f in rows[-1].payload["fields"]}
    assert fields["Answer"] == f"{letter}) {_right_text(item)}"
    assert fields["Results"] == "1 of 2 answered correctly (50%)."


async def test_today_shows_the_same_order_as_the_post(console: ConsoleHarness, app: App) -> None:
    await console.say("admin set channel challenge #ml-daily")
    posted = await console.say("/wait 2h")
    async with app.session_factory() as session:
        where = (await session.execute(select(service.Community))).scalar_one()
        post = await service.open_post(session, where.id)
    assert post is not None
    item = service.item_of(post)
    shown = await console.say("challenge today")
    if item.kind == "choice":
        for index, text in enumerate(item.choices):
            assert f"{LETTERS[index]}) {text}" in posted.replace("**", "")
            assert f"{LETTERS[index]}) {text}" in shown.replace("**", "")


async def test_practice_letters_match_what_the_member_saw(
    console: ConsoleHarness, app: App
) -> None:
    pressed = 0
    for _ in range(12):
        shown = (await console.say("challenge practice --topic probability")).replace("**", "")
        async with app.session_factory() as session:
            ada = (await session.execute(select(service.Member))).scalars().first()
            assert ada is not None
            row = await service.latest_practice(session, ada)
            item = default_catalogue().item(row.item_id)
        assert item is not None
        seen = service.practice_order(item, row)
        if seen.kind != "choice":
            await console.say("challenge answer 0 --practice")
            continue
        options = _options_in(shown)
        letter = next(k for k, v in options.items() if v == _right_text(item))
        assert letter == seen.answer
        answered = await console.say(str(LETTERS.index(letter) + 1))  # press its button
        assert "✅ Correct" in answered
        pressed += 1
    assert pressed >= 2
