"""The Kaggle poll against the fake server: storing, posting new competitions once, routing, failures."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.features.kaggle.models import KaggleCompetition
from tests.fakes.kaggle import NEW_PATH, FakeKaggle, make_competition
from tests.features.kaggle.conftest import Community, SleepRecorder, outbox, text_of

POLL = timedelta(hours=6)


def comp(
    ref: str, category: str = "Featured", day: int = 20, **kwargs: object
) -> dict[str, object]:
    return make_competition(
        ref,
        ref.replace("-", " ").title(),
        category,
        datetime(2026, 3, day, 23, 59, tzinfo=UTC),
        **kwargs,
    )  # type: ignore[arg-type]


async def poll(app: App) -> None:
    await app.scheduler.run_tick("kaggle.poll")


async def posts(app: App, community: Community | None = None) -> list[str]:
    """Refs posted as new competitions (optionally to one community's channel), in order."""
    rows = await outbox(app)
    keys = [r for r in rows if r["key"].startswith("kaggle:")]
    if community is not None:
        keys = [r for r in keys if r["to"] == f"kaggle-{community.external_id}"]
    return [r["key"].rsplit(":", 1)[1] for r in keys]


async def stored(app: App) -> dict[str, KaggleCompetition]:
    async with app.session_factory() as session:
        rows = (await session.execute(select(KaggleCompetition))).scalars()
        return {r.ref: r for r in rows}


async def test_poll_follows_every_page_and_stores_each_competition(
    kaggle_app: App, fake_kaggle: FakeKaggle
) -> None:
    fake_kaggle.add(*(comp(f"comp-{i:02d}", day=1 + i % 28) for i in range(45)))
    await poll(kaggle_app)

    assert len(await stored(kaggle_app)) == 45
    bodies = [r.json for r in fake_kaggle.list_requests]
    assert len(bodies) == 3  # 20 + 20 + 5
    assert bodies[0]["sortBy"] == "COMPETITION_SORT_BY_EARLIEST_DEADLINE"
    assert (
        bodies[0]["category"] == "HOST_SEGMENT_UNSPECIFIED"
    )  # all categories, routed per community
    assert fake_kaggle.list_requests[0].authorization == "Bearer KGAT_test_token"
    saved = (await stored(kaggle_app))["comp-03"]
    assert saved.title == "Comp 03" and saved.category == "featured"
    assert saved.deadline == datetime(2026, 3, 4, 23, 59, tzinfo=UTC)
    assert saved.evaluation_metric == "Root Mean Squared Error" and saved.tags == ["tabular"]


async def test_new_competition_in_a_later_poll_is_posted_once(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock
) -> None:
    group = Community(kaggle_app, "g1")
    await group.setup()
    fake_kaggle.add(
        comp("titanic", "Getting Started", reward="Knowledge"),
        comp("house-prices", "Getting Started"),
    )
    await poll(kaggle_app)
    assert sorted(await posts(kaggle_app)) == ["house-prices", "titanic"]

    fake_kaggle.add(comp("playground-s6e3", "Playground"))
    await poll(kaggle_app)  # not due yet: the poll interval is polite
    assert len(fake_kaggle.list_requests) == 1

    clock.advance(POLL)
    await poll(kaggle_app)
    assert (await posts(kaggle_app))[-1] == "playground-s6e3"
    for _ in range(3):
        clock.advance(POLL)
        await poll(kaggle_app)
    assert len(fake_kaggle.list_requests) == 5
    assert sorted(await posts(kaggle_app)) == ["house-prices", "playground-s6e3", "titanic"]

    post = next(r for r in await outbox(kaggle_app) if r["key"] == f"kaggle:{1}:playground-s6e3")
    assert post["to"] == "kaggle-g1"
    assert "New on Kaggle: Playground S6E3" in post["text"]
    assert "Why enter: a Playground competition" in post["text"]
    for shown in (
        "Category: Playground",
        "Reward: $10,000",
        "Teams: 120",
        "Evaluation: Root Mean Squared Error",
        "Link: https://www.kaggle.com/competitions/playground-s6e3",
        "Deadline: Fri 2026-03-20 23:59 UTC (in 18 days)",
    ):
        assert shown in post["text"]


async def test_a_community_connecting_later_gets_the_soonest_few_not_a_flood(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock
) -> None:
    fake_kaggle.add(*(comp(f"open-{i}", "Playground", day=10 + i) for i in range(8)))
    await poll(kaggle_app)  # nobody has a Kaggle channel yet
    assert await posts(kaggle_app) == []

    late = Community(kaggle_app, "late")
    await late.setup()
    clock.advance(POLL)
    await poll(kaggle_app)
    assert await posts(kaggle_app, late) == ["open-0", "open-1", "open-2"]  # soonest deadlines

    fake_kaggle.add(comp("fresh", "Playground", day=28))
    clock.advance(POLL)
    await poll(kaggle_app)
    assert await posts(kaggle_app, late) == ["open-0", "open-1", "open-2", "fresh"]

    # The backlog stays browsable, just not posted.
    listing = text_of(await late.say("kaggle list --page 2"))
    assert "open-5" in listing


async def test_each_community_gets_only_the_categories_it_wants(
    kaggle_app: App, fake_kaggle: FakeKaggle
) -> None:
    auckland = Community(kaggle_app, "akl")
    los_angeles = Community(kaggle_app, "lax")
    await auckland.setup(timezone="Pacific/Auckland", categories="playground")
    await los_angeles.setup(timezone="America/Los_Angeles", categories="featured")
    fake_kaggle.add(
        comp("play", "Playground"),
        comp("feat", "Featured"),
        comp("start", "Getting Started"),
        comp("research", "Research"),
    )
    await poll(kaggle_app)

    assert await posts(kaggle_app, auckland) == ["play"]
    assert await posts(kaggle_app, los_angeles) == ["feat"]
    texts = {r["to"]: r["text"] for r in await outbox(kaggle_app)}
    assert "Sat 2026-03-21 12:59 NZDT" in texts["kaggle-akl"]  # deadline in the community's zone
    assert "Fri 2026-03-20 16:59 PDT" in texts["kaggle-lax"]

    reply = await auckland.say("admin kaggle categories")
    assert reply.text.splitlines()[0] == "The Kaggle channel gets: playground."
    assert "posts the 3 open competitions with the soonest deadlines" in reply.text


async def test_unknown_category_is_refused_and_nothing_changes(kaggle_app: App) -> None:
    group = Community(kaggle_app, "g1")
    reply = await group.say("admin kaggle categories playground,tabular")
    assert reply.error and "Unknown Kaggle category 'tabular'" in reply.text
    assert "(the default)" in (await group.say("admin kaggle categories")).text
    reply = await group.say("admin kaggle categories playground", user="bob")
    assert reply.error and "Only community admins" in reply.text


async def test_rejected_credentials_are_logged_once_shown_to_admins_and_recovered_from(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    group = Community(kaggle_app, "g1")
    await group.setup()
    fake_kaggle.add(comp("titanic", "Getting Started"))
    fake_kaggle.fail_next(401)
    with caplog.at_level(logging.INFO, logger="bot"):
        await poll(kaggle_app)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "credentials rejected" in errors[0].getMessage()
    assert len(fake_kaggle.list_requests) == 1  # a 401 is not retried
    assert await posts(kaggle_app) == []
    shown = text_of(await group.say("admin show"))
    assert "Kaggle: on · no successful poll yet · last error Mon 2026-03-02 08:00 UTC" in shown
    assert "KAGGLE_USERNAME/KAGGLE_KEY or KAGGLE_API_TOKEN" in shown

    clock.advance(POLL)
    await poll(kaggle_app)
    assert await posts(kaggle_app) == ["titanic"]
    shown = text_of(await group.say("admin show"))
    assert "last successful poll Mon 2026-03-02 14:00 UTC (1 open competitions)" in shown
    assert "last error" not in shown


async def test_rate_limit_waits_as_told_within_the_same_poll(
    kaggle_app: App, fake_kaggle: FakeKaggle, sleeps: SleepRecorder
) -> None:
    await Community(kaggle_app, "g1").setup()
    fake_kaggle.add(comp("titanic", "Getting Started"))
    fake_kaggle.fail_next(429, retry_after=7)
    await poll(kaggle_app)
    assert sleeps.delays == [7.0]
    assert await posts(kaggle_app) == ["titanic"]


@pytest.mark.parametrize("failure", ["500", "timeout"])
async def test_kaggle_down_is_logged_and_the_next_poll_posts_everything_once(
    kaggle_app: App,
    fake_kaggle: FakeKaggle,
    clock: ManualClock,
    sleeps: SleepRecorder,
    caplog: pytest.LogCaptureFixture,
    failure: str,
) -> None:
    group = Community(kaggle_app, "g1")
    await group.setup()
    fake_kaggle.add(comp("titanic", "Getting Started"), comp("spaceship", "Getting Started"))
    if failure == "500":
        fake_kaggle.fail_next(500, times=3)
    else:
        fake_kaggle.hang_next(times=3)
    with caplog.at_level(logging.WARNING, logger="bot"):
        await poll(kaggle_app)
    assert sleeps.delays == [1.0, 2.0]  # exponential backoff between the three attempts
    assert any(
        "Kaggle poll failed; retrying at the next poll" in r.getMessage() for r in caplog.records
    )
    assert await posts(kaggle_app) == []
    assert "last error" in text_of(await group.say("admin show"))

    clock.advance(POLL)
    await poll(kaggle_app)
    clock.advance(POLL)
    await poll(kaggle_app)
    assert sorted(await posts(kaggle_app)) == ["spaceship", "titanic"]


async def test_competitions_kaggle_stops_listing_leave_the_list(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock
) -> None:
    group = Community(kaggle_app, "g1")
    fake_kaggle.add(comp("titanic", "Getting Started"), comp("withdrawn", "Featured"))
    assert "withdrawn" in text_of(await group.say("kaggle list"))
    fake_kaggle.competitions = [c for c in fake_kaggle.competitions if "withdrawn" not in c["ref"]]
    clock.advance(POLL)
    await poll(kaggle_app)
    listing = text_of(await group.say("kaggle list"))
    assert "titanic" in listing and "withdrawn" not in listing
    assert len([r for r in fake_kaggle.requests if r.path == NEW_PATH]) == 2


async def test_admin_poll_now_polls_immediately(kaggle_app: App, fake_kaggle: FakeKaggle) -> None:
    group = Community(kaggle_app, "g1")
    await group.setup()
    fake_kaggle.add(comp("titanic", "Getting Started"))
    reply = await group.say("admin kaggle poll-now")
    assert "Polled Kaggle: 1 open competitions, 1 new to Pivot, 1 posts queued" in reply.text
    assert await posts(kaggle_app) == ["titanic"]
    fake_kaggle.fail_next(401)
    reply = await group.say("admin kaggle poll-now")
    assert reply.error and "Kaggle rejected Pivot's credentials (HTTP 401)" in reply.text
    assert "last error" in text_of(await group.say("admin show"))
    assert (await group.say("admin kaggle poll-now", user="bob")).error
