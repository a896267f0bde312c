"""Spaced review through the console: wrong → back after 1, 3, 7 and 21 days → learned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.tenancy import Member
from bot.features.challenges import review
from bot.features.challenges.bank import LETTERS, ChallengeItem
from bot.features.challenges.models import ReviewItem
from bot.features.challenges.selection import default_catalogue
from tests.conftest import ConsoleHarness


async def _member(app: App, name: str) -> Member:
    async with app.session_factory() as session:
        return (
            await session.execute(select(Member).where(Member.platform_user_id == name))
        ).scalar_one()


async def _miss(app: App, name: str, item_id: str, now: datetime) -> None:
    """As if `name` had just answered `item_id` wrong."""
    member = await _member(app, name)
    async with app.session_factory() as session, session.begin():
        await review.missed(session, member, item_id, now=now)


async def _served(app: App, name: str) -> tuple[ReviewItem, ChallengeItem]:
    member = await _member(app, name)
    async with app.session_factory() as session:
        row = (
            await session.execute(select(ReviewItem).where(ReviewItem.member_id == member.id))
        ).scalar_one()
    return row, review.served_item(row)


def _wrong(item: ChallengeItem) -> str:
    if item.kind == "choice":
        return next(letter for letter in LETTERS[: len(item.choices)] if letter != item.answer)
    if item.kind == "numeric":
        return str(float(item.answer) + 1000)
    return "definitely not it"


async def _count(app: App) -> int:
    async with app.session_factory() as session:
        return (await session.execute(select(func.count(ReviewItem.id)))).scalar_one()


async def test_a_wrong_practice_answer_comes_back_on_the_spaced_schedule(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    assert "Nothing to review" in await console.say("review")
    refused = await console.say("review answer 42")
    assert "Nothing to review" in refused and refused.count("\n") <= 2
    assert await _count(app) == 0

    await console.say("challenge practice --topic calculus --difficulty 1")
    assert "❌ Not quite" in await console.say("challenge answer 123456 --practice")
    assert await _count(app) == 1
    assert "next review is due Tue 03 Mar 08:00" in await console.say("review")
    assert "Nothing to review right now" in await console.say("review answer 1")
    stats = await console.say("review stats")
    assert "Due now: 0" in stats and "Due this week: 1" in stats and "Learned: 0" in stats

    async def wait(days: int) -> None:  # the review queue needs no ticks: just move the clock
        clock.advance(timedelta(days=days))

    async def answer(correct: bool) -> str:
        row, item = await _served(app, "ada")
        shown = await console.say("review")
        assert "Review — calculus" in shown
        value = item.answer if correct else _wrong(item)
        if item.kind == "choice":
            return await console.say(str(LETTERS.index(value) + 1))
        return await console.say(f"review answer {value}")

    await wait(1)
    assert "Due now: 1" in await console.say("review stats")
    out = await answer(correct=True)
    assert "✅ Correct" in out and "Next review Fri 06 Mar 08:00" in out  # 3 days
    await wait(2)
    assert "Nothing to review right now" in await console.say("review")
    await wait(1)
    out = await answer(correct=False)
    assert "❌ Not quite" in out and "Back to the start" in out and "Sat 07 Mar 08:00" in out
    for days, expected in ((1, "Tue 10 Mar"), (3, "Tue 17 Mar"), (7, "Tue 07 Apr")):
        await wait(days)
        out = await answer(correct=True)
        assert f"Next review {expected}" in out, out
    await wait(21)
    out = await answer(correct=True)
    assert "🎓 Learned" in out
    stats = await console.say("review stats")
    assert "Due now: 0" in stats and "In the queue: 0" in stats and "Learned: 1" in stats
    assert "Nothing to review" in await console.say("review")


async def test_review_buttons_are_only_for_their_member(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("review stats")
    await _miss(app, "ada", "calculus-02", clock.now())  # a multiple-choice item
    clock.advance(timedelta(days=1))
    shown = await console.say("review")
    assert "[1] A" in shown
    row, item = await _served(app, "ada")
    await console.as_member("bob")
    assert "This isn't yours to answer." in await console.say("1")
    assert (await _served(app, "ada"))[0].reviews == 0
    await console.as_member("ada")
    out = await console.say(str(LETTERS.index(item.answer) + 1))
    assert "✅ Correct" in out
    # The same (now stale) button again: one line, nothing changes.
    again = await console.say(str(LETTERS.index(item.answer) + 1))
    assert "already answered that review" in again or "isn't due" in again
    assert (await _served(app, "ada"))[0].stage == 1


async def test_a_generated_family_comes_back_as_a_fresh_problem(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("review stats")
    await _miss(app, "ada", "gen-determinant-2x2-42", clock.now())
    row, item = await _served(app, "ada")
    assert row.item_key == "gen-determinant-2x2"
    assert item.id.startswith("gen-determinant-2x2-") and item.id != "gen-determinant-2x2-42"
    assert item.hint  # families carry their hints too
    clock.advance(timedelta(days=1))
    out = await console.say(f"review answer {item.answer}")
    assert "✅ Correct" in out
    row2, item2 = await _served(app, "ada")
    assert row2.item_key == row.item_key and item2.id not in {item.id, "gen-determinant-2x2-42"}
    # Missing another problem of the same family restarts that one review, not a second one.
    await _miss(app, "ada", "gen-determinant-2x2-7", clock.now())
    assert await _count(app) == 1 and (await _served(app, "ada"))[0].stage == 0


async def test_a_wrong_daily_answer_is_queued_and_a_right_one_is_not(
    console: ConsoleHarness, app: App
) -> None:
    from tests.features.challenges.test_commands import _open_item

    await console.say("admin set channel challenge #ml-daily", "admin challenge post-now")
    _, item = await _open_item(app)
    await console.say(f"challenge answer {item.answer}")
    assert await _count(app) == 0
    await console.as_member("bob")
    await console.say(f"challenge answer {_wrong(item)}")
    row, _ = await _served(app, "bob")
    assert row.item_key == review.item_key(item.id)
    if not item.id.startswith("gen-"):
        # Due after a day, but held back while it is still the community's open challenge.
        async with app.session_factory() as session, session.begin():
            await session.execute(update(ReviewItem).values(due_at=datetime.now(UTC) - timedelta(days=400)))
        assert "Nothing to review" in await console.say("review")


async def test_the_checkin_dm_says_how_many_reviews_are_due(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("checkin schedule daily 09:00 --tz UTC")
    await _miss(app, "ada", "calculus-02", clock.now())
    await _miss(app, "ada", "calculus-01", clock.now())
    first = await console.say("/wait 2h")  # Mon 09:00: nothing due yet
    assert "Time for your" in first and "reviews due" not in first
    second = await console.say("/wait 1d")  # Tue 09:00: both due
    assert "Time for your" in second and "📚 2 reviews due" in second


async def test_forget_and_export_cover_reviews_and_hints(console: ConsoleHarness, app: App) -> None:
    from bot.features.challenges.models import HintUse
    from bot.features.privacy import service as privacy

    await console.say("review stats")
    await console.as_member("bob")
    await console.say("challenge practice --topic calculus --difficulty 1")
    await console.say("challenge hint --practice")
    await _miss(app, "bob", "calculus-02", datetime.now(UTC))
    bob = await _member(app, "bob")
    async with app.session_factory() as session:
        hints = (await session.execute(select(func.count(HintUse.id)))).scalar_one()
        data = await privacy.export(session, bob)
    assert len(data["challenge_reviews"]) == 1
    assert len(data.get("challenge_hints", [])) == hints
    await console.say("privacy forget", "1")
    async with app.session_factory() as session:
        assert (await session.execute(select(func.count(HintUse.id)))).scalar_one() == 0
    assert await _count(app) == 0


def test_intervals_are_one_three_seven_twenty_one_days() -> None:
    assert review.INTERVALS == (1, 3, 7, 21)
    assert default_catalogue().item("calculus-02").kind == "choice"  # type: ignore[union-attr]


async def test_the_discussion_thread_opens_at_the_reveal_not_before(console: ConsoleHarness) -> None:
    await console.say("admin set channel challenge #ml-daily", "admin set challenge-reveal 12:00")
    posted = await console.say("/wait 2h")
    assert "Daily challenge —" in posted and "🧵" not in posted
    revealed = await console.say("/wait 3h")
    assert "Answer to the challenge of Monday 02 March" in revealed
    assert "└─ thread “Discuss: challenge of Mon 02 Mar”" in revealed
    assert "spoilers are fine here" in revealed
