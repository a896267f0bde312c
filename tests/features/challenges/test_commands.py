"""The whole challenge flow through the console, as members and admins type it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.tenancy import Community
from bot.features.challenges import service
from bot.features.challenges.bank import LETTERS, ChallengeItem
from bot.features.challenges.models import ChallengePost
from tests.conftest import ConsoleHarness


async def _open_item(app: App) -> tuple[ChallengePost, ChallengeItem]:
    async with app.session_factory() as session:
        community = (await session.execute(select(Community))).scalar_one()
        post = await service.open_post(session, community.id)
    assert post is not None
    return post, service.item_of(post)


def _wrong(item: ChallengeItem) -> str:
    if item.kind == "choice":
        return next(letter for letter in LETTERS if letter != item.answer)
    if item.kind == "numeric":
        return str(float(item.answer) + 1000)
    return "definitely not it"


async def _answer_right(console: ConsoleHarness, item: ChallengeItem) -> str:
    if item.kind == "choice":  # press the button of the right letter
        return await console.say(str(LETTERS.index(item.answer) + 1))
    return await console.say(f"challenge answer {item.answer}")


async def test_daily_flow_end_to_end(console: ConsoleHarness, app: App, clock: ManualClock) -> None:
    assert "no challenge channel yet" in await console.say("challenge")
    await console.say("admin set channel challenge #ml-daily", "admin set challenge-reveal 12:00")
    assert "Next post: Mon 02 Mar 09:00 (UTC) in #ml-daily" in await console.say("admin show")
    out = await console.say("/wait 2h")
    assert out.count("── #ml-daily ──") == 1 and "Daily challenge — Monday 02 March" in out
    assert "Difficulty: " in out and "Topic: " in out
    post, item = await _open_item(app)
    assert item.source not in out

    first = await _answer_right(console, item)
    assert "✅ Correct" in first and item.explanation.strip()[:30] not in first
    assert "🔥 Streak: 1 challenge day." in first
    assert "already answered this challenge" in await console.say(f"challenge answer {item.answer}")

    await console.as_member("bob")
    refused = await console.say("challenge answer ???")
    assert "couldn't read" in refused or "Answer with a letter" in refused or "empty" in refused
    wrong = await console.say(f"challenge answer {_wrong(item)}")
    assert "❌ Not quite" in wrong and "revealed at Mon 02 Mar 12:00 (UTC)" in wrong
    assert item.answer_text not in wrong and item.explanation.strip()[:30] not in wrong

    await console.as_member("cy")
    shown = await console.say("challenge today")
    assert "Daily challenge — Monday 02 March" in shown
    assert ("[1] A" in shown) == (item.kind == "choice")

    reveal = await console.say("/wait 3h")
    assert "Answer to the challenge of Monday 02 March" in reveal
    assert "Results: 1 of 2 answered correctly (50%)." in reveal
    assert "First correct: @ada" in reveal and item.source in reveal
    late = await console.say(f"challenge answer {item.answer}")
    assert "no open challenge right now. The next one is posted Tue 03 Mar 09:00 (UTC)" in late
    if item.kind == "choice":  # cy's buttons from `challenge today` are closed too
        number = shown.rsplit("· message #", 1)[1].split()[0]
        assert "closed and its answer has been revealed" in await console.say(f"#{number} 1")

    await console.as_member("ada")
    stats = await console.say("challenge stats")
    assert "Daily challenges answered: 1, correct: 1 (100%)." in stats
    assert "Streak: 1 · best: 1." in stats and "1/1 correct (100%)" in stats
    board = await console.say("challenge leaderboard")
    assert "1. ada — 1 point ← you" in board and "bob" not in board
    assert "Pick one of" in await console.say("challenge leaderboard --week --all")


async def test_the_reveal_comes_with_the_next_post(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    await console.say("admin set channel challenge #ml-daily", "admin challenge post-now")
    _, item = await _open_item(app)
    await _answer_right(console, item)
    clock.set(datetime(2026, 3, 3, 8, 55, tzinfo=UTC))
    out = await console.say("/wait 10m")
    assert out.index("Answer to the challenge of Monday 02 March") < out.index(
        "Daily challenge — Tuesday 03 March"
    )
    assert "Results: 1 of 1 answered correctly (100%)." in out


async def test_practice_through_the_console(console: ConsoleHarness) -> None:
    out = await console.say("challenge practice --topic calculus --difficulty 1")
    assert "Practice — calculus" in out and "1/5" in out and "--practice" in out
    feedback = await console.say("challenge answer 123456 --practice")
    assert "❌ Not quite" in feedback and "The answer is" in feedback and "Why:" in feedback
    assert "rating: 1000 →" in feedback
    assert "no practice question waiting" in await console.say("challenge answer 1 --practice")
    assert "no challenge channel yet" in await console.say("challenge answer 1")
    assert "must be one of" in await console.say("challenge practice --topic cooking")


async def test_practice_buttons_belong_to_their_member(console: ConsoleHarness) -> None:
    out = await console.say("challenge practice --topic probability --difficulty 3")
    while "[1] A" not in out:  # draw until a multiple-choice item comes up
        await console.say("challenge answer 0 --practice")
        out = await console.say("challenge practice --topic probability --difficulty 3")
    await console.as_member("bob")
    assert "This isn't yours to answer." in await console.say("1")
    await console.as_member("ada")
    answered = await console.say("1")
    assert "Why:" in answered and "Read more:" in answered


async def test_admin_commands(console: ConsoleHarness, app: App, clock: ManualClock) -> None:
    assert "Off — no challenge channel set" in await console.say("admin show")
    assert "no challenge channel yet" in await console.say("admin challenge post-now")
    preview = await console.say("admin challenge preview calculus-07")
    assert (
        "Preview of calculus-07" in preview
        and "Answer: 0.25" in preview
        and "Explanation:" in preview
    )
    assert "There's no challenge 'nope-1'" in await console.say("admin challenge preview nope-1")
    nxt = await console.say("admin challenge preview")
    assert "Next challenge: Mon 02 Mar 09:00 (UTC)" in nxt and "Answer: " in nxt

    await console.say("admin set channel challenge #ml-daily")
    posted = await console.say("admin challenge post-now")
    assert "is on its way to #ml-daily" in posted and "── #ml-daily ──" in posted
    assert "already posted" in await console.say("admin challenge post-now")
    assert "already posted" in await console.say("admin challenge skip-today")
    assert "Daily challenge —" not in await console.say("/wait 2h")  # 09:00 passes: no second post

    assert "Challenges will be posted on Mon, Wed." in await console.say(
        "admin set challenge-days wed,mon"
    )
    ramp = await console.say("admin set challenge-difficulty 2,2,3,3,4")
    assert "Mon 2 · Tue 2 · Wed 3 · Thu 3 · Fri 4 · Sat 3 · Sun 3" in ramp
    assert "Give 5" in await console.say("admin set challenge-difficulty 9")
    assert "Name days like" in await console.say("admin set challenge-days someday")
    shown = await console.say("admin show")
    assert "Days: Mon, Wed" in shown and "Next post: Wed 04 Mar 09:00 (UTC)" in shown
    clock.set(datetime(2026, 3, 3, 8, 50, tzinfo=UTC))
    assert "Tuesday" not in await console.say("/wait 30m")  # Tuesday is no longer a challenge day

    clock.set(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    assert "No challenge on Wednesday 04 March" in await console.say("admin challenge skip-today")
    assert "already skipped" in await console.say("admin challenge skip-today")
    assert "Daily challenge —" not in await console.say("/wait 2h")
    # Changed their mind: post-now still posts the skipped day.
    assert "── #ml-daily ──" in await console.say("admin challenge post-now")

    await console.as_member("mallory")
    for line in (
        "admin challenge post-now",
        "admin challenge skip-today",
        "admin challenge preview",
        "admin set challenge-days mon",
    ):
        assert "Only community admins can run" in await console.say(line), line
