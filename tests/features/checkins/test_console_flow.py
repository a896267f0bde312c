"""The whole check-in flow through the console, as a member would live it."""

from __future__ import annotations

from bot.app import App
from bot.core.dispatch import Caller
from tests.conftest import ConsoleHarness
from tests.features.checkins.conftest import periods


async def test_schedule_prompt_answer_history_stats(console: ConsoleHarness, app: App) -> None:
    await console.say(
        'goal add "Finish fast.ai lesson 3"',
        'goal add "Secret side quest" --private',
        "admin set channel checkins #checkins",
    )
    out = await console.say("checkin")
    assert "You have no check-ins yet" in out
    out = await console.say("checkin schedule daily 10:00 --tz Europe/Berlin")
    assert "every day at 10:00 (Europe/Berlin)" in out and "First one: Mon 02 Mar 10:00" in out
    assert "Sharing is off" in out

    out = await console.say("/wait 1h")  # 08:00 UTC → 09:00 UTC = 10:00 in Berlin
    assert "── DM to @ada ──" in out
    assert "#1 Finish fast.ai lesson 3 (0%)" in out and "Secret side quest" not in out
    assert "plus 1 private goal" in out
    assert "What did you do since last time?" in out and "Anything blocking you?" in out
    assert "[1] Done  [2] Some progress  [3] Blocked  [4] Skip today  [5] Write an answer" in out

    out = await console.say("1")
    assert "✅ Done — nice work!" in out and "Streak: 1 (best 1)" in out
    out = await console.say("5", "Watched lesson 3", "Lesson 4 and its notebook", "nothing")
    assert "== Check-in ==" in out and "What's next?" in out
    out = await console.say("checkin log 'Ran the notebook' --next 'Kaggle notebook on lesson 4'")
    assert "Streak: 1" in out
    [period] = await periods(app, "ada")
    assert (period.status, period.did, period.next_plan, period.blockers) == (
        "done",
        "Watched lesson 3\nRan the notebook",
        "Kaggle notebook on lesson 4",
        None,
    )

    out = await console.say("/wait 1d")
    assert "Last time you planned: _Kaggle notebook on lesson 4_" in out
    out = await console.say("2")
    assert "Progress is progress" in out and "Streak: 2 (best 2)" in out

    out = await console.say("checkin history --weeks 4")
    assert "[image: Check-in calendar, last 4 weeks" in out and "2 check-ins answered" in out
    caller = Caller(
        platform="console",
        community_id="local",
        user_id="ada",
        display_name="ada",
        community_name="Test group",
        is_admin=True,
    )
    reply = await app.dispatcher.run_text(caller, "checkin history")
    assert reply.image is not None and reply.image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(reply.image.data) > 5000

    out = await console.say("checkin stats")
    assert "Current streak: 2" in out and "Best streak: 2" in out
    assert "2/2 answered" in out and "done 1 · some progress 1" in out
    out = await console.say("checkin show")
    assert "Next check-in: Wed 04 Mar 10:00" in out and "Streak: 2 (best 2)" in out
    out = await console.say("admin checkins report --weeks 2")
    assert "2026-W10" in out and "2/2 answered · 1 member" in out
    assert "Check-in digest: not scheduled" in await console.say("admin show")


async def test_bad_input_is_one_line(console: ConsoleHarness, app: App) -> None:
    cases = {
        "checkin schedule weekly 18:30": "Weekly check-ins need a day",
        "checkin schedule daily 18:30 --day fri": "--day is only for weekly",
        "checkin schedule hourly 18:30": "frequency must be one of daily, weekdays, weekly",
        "checkin schedule daily 25:00": "24-hour time",
        "checkin schedule daily 09:00 --tz Mars/Olympus": "IANA time zone",
        "checkin pause --days 3": "no check-in schedule yet",
        "checkin log hello": "no check-in schedule yet",
        "checkin share maybe": "setting must be one of on, off",
        "admin set digest-time someday 10:00": "day must be one of mon",
    }
    for line, expected in cases.items():
        out = await console.say(line)
        assert expected in out, (line, out)
    await console.say("checkin schedule daily 09:00")
    assert "no open check-in right now" in await console.say("checkin log hello")
    assert "Only community admins" in await console.say("/as zoe", "admin checkins report")
    assert await periods(app) == []
