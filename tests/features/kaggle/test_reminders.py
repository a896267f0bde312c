"""Deadline reminders in the channel and by DM, at 09:00 local time 7 and 1 days before, per time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.core.clock import ManualClock
from tests.fakes.kaggle import FakeKaggle, make_competition
from tests.features.kaggle.conftest import Community, outbox

# Thu 12 March 2026 23:59 UTC = Fri 13 Mar 12:59 in Auckland (NZDT), Thu 12 Mar 16:59 in Los Angeles
# (PDT: US daylight time starts on Sun 8 March, between the two reminders).
DEADLINE = datetime(2026, 3, 12, 23, 59, tzinfo=UTC)

# 09:00 local on the local date 7 and 1 days before the local deadline date, in UTC:
AKL_7 = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)  # Fri 6 Mar 09:00 NZDT
AKL_1 = datetime(2026, 3, 11, 20, 0, tzinfo=UTC)  # Thu 12 Mar 09:00 NZDT
LAX_7 = datetime(2026, 3, 5, 17, 0, tzinfo=UTC)  # Thu 5 Mar 09:00 PST
LAX_1 = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)  # Wed 11 Mar 09:00 PDT


async def remind_at(app: App, clock: ManualClock, moment: datetime) -> set[str]:
    """Run the reminder tick at `moment`; return the dedupe keys it queued."""
    before = {r["key"] for r in await outbox(app)}
    clock.set(moment)
    await app.scheduler.run_tick("kaggle.remind")
    return {r["key"] for r in await outbox(app)} - before


async def two_communities(app: App, fake: FakeKaggle) -> tuple[Community, Community]:
    fake.add(make_competition("march-mania", "March Mania", "Featured", DEADLINE))
    auckland, los_angeles = Community(app, "akl"), Community(app, "lax")
    await auckland.setup(timezone="Pacific/Auckland")
    await los_angeles.setup(timezone="America/Los_Angeles")
    await app.scheduler.run_tick("kaggle.poll")  # posted to both channels: both follow it
    for group in (auckland, los_angeles):
        reply = await group.say(
            "kaggle follow march-mania", user="kiri" if group is auckland else "sam"
        )
        assert "Following" in reply.text, reply.text
    return auckland, los_angeles


async def test_reminders_arrive_seven_and_one_days_before_at_nine_local_time(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock
) -> None:
    await two_communities(kaggle_app, fake_kaggle)
    # Community ids: akl = 1, lax = 2; members: ada(1) in akl, ada(2) in lax, then kiri(3), sam(4).
    assert await remind_at(kaggle_app, clock, LAX_7 - timedelta(minutes=10)) == set()
    assert await remind_at(kaggle_app, clock, LAX_7) == {
        "kaggle-remind-channel:2:march-mania:7",
        "kaggle-remind:4:march-mania:7",
    }
    assert await remind_at(kaggle_app, clock, LAX_7 + timedelta(minutes=10)) == set()  # once
    assert await remind_at(kaggle_app, clock, AKL_7 - timedelta(minutes=10)) == set()
    assert await remind_at(kaggle_app, clock, AKL_7) == {
        "kaggle-remind-channel:1:march-mania:7",
        "kaggle-remind:3:march-mania:7",
    }
    assert await remind_at(kaggle_app, clock, LAX_1) == {
        "kaggle-remind-channel:2:march-mania:1",
        "kaggle-remind:4:march-mania:1",
    }
    assert await remind_at(kaggle_app, clock, AKL_1) == {
        "kaggle-remind-channel:1:march-mania:1",
        "kaggle-remind:3:march-mania:1",
    }
    assert await remind_at(kaggle_app, clock, DEADLINE - timedelta(minutes=30)) == set()

    rows = {r["key"]: r for r in await outbox(kaggle_app)}
    dm = rows["kaggle-remind:3:march-mania:1"]
    assert dm["kind"] == "dm" and dm["to"] == "kiri" and dm["channel"] == "kaggle-akl"
    assert "March Mania closes tomorrow" in dm["text"]
    assert "Fri 2026-03-13 12:59 NZDT" in dm["text"]
    channel = rows["kaggle-remind-channel:2:march-mania:7"]
    assert channel["kind"] == "channel" and channel["to"] == "kaggle-lax"
    assert "closes in 7 days" in channel["text"] and "Thu 2026-03-12 16:59 PDT" in channel["text"]


async def test_follow_reply_names_the_reminder_times_in_the_members_zone(
    kaggle_app: App, fake_kaggle: FakeKaggle
) -> None:
    fake_kaggle.add(make_competition("march-mania", "March Mania", "Featured", DEADLINE))
    auckland = Community(kaggle_app, "akl")
    await auckland.setup(timezone="Pacific/Auckland")
    reply = await auckland.say(
        "kaggle follow https://www.kaggle.com/competitions/march-mania/", user="kiri"
    )
    assert "It closes Fri 2026-03-13 12:59 NZDT" in reply.text
    assert "Fri 2026-03-06 09:00, Thu 2026-03-12 09:00 (Pacific/Auckland)" in reply.text


async def test_a_reminder_missed_while_down_is_caught_up_within_the_grace_window_only(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock
) -> None:
    await two_communities(kaggle_app, fake_kaggle)
    grace = timedelta(minutes=kaggle_app.settings.scheduler.grace_minutes)
    # Down from before the LA 7-day reminder until 2 h after it: caught up.
    assert await remind_at(kaggle_app, clock, LAX_7 + timedelta(hours=2)) == {
        "kaggle-remind-channel:2:march-mania:7",
        "kaggle-remind:4:march-mania:7",
    }
    # Down across the Auckland 7-day reminder and past the grace window: a stale reminder is dropped.
    assert await remind_at(kaggle_app, clock, AKL_7 + grace + timedelta(minutes=1)) == set()


async def test_unfollowing_stops_dm_reminders_and_admins_steer_channel_ones(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock
) -> None:
    auckland, los_angeles = await two_communities(kaggle_app, fake_kaggle)
    assert (
        "No more reminders" in (await auckland.say("kaggle unfollow march-mania", user="kiri")).text
    )
    reply = await auckland.say("kaggle unfollow march-mania", user="kiri")
    assert reply.error and "weren't following" in reply.text
    assert (
        "No more channel reminders"
        in (await auckland.say("admin kaggle unfollow march-mania")).text
    )
    # Los Angeles still follows (its 7-day reminder is within the grace window at this moment).
    assert await remind_at(kaggle_app, clock, AKL_7) == {
        "kaggle-remind-channel:2:march-mania:7",
        "kaggle-remind:4:march-mania:7",
    }

    # An admin can follow a competition that was never posted (a category the channel doesn't get).
    fake_kaggle.add(make_competition("deep-research", "Deep Research", "Research", DEADLINE))
    await los_angeles.say("admin kaggle poll-now")
    assert (
        "reminded about **Deep Research**"
        in (await los_angeles.say("admin kaggle follow deep-research")).text
    )
    assert "kaggle-remind-channel:2:deep-research:1" in await remind_at(kaggle_app, clock, LAX_1)
