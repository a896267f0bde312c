"""`kaggle …` commands as members use them, the console pointed at the fake, and the feature switched off."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.features.kaggle import service
from bot.features.kaggle.models import KaggleEntry
from bot.features.roadmap.models import MilestoneCheck
from tests.conftest import ConsoleHarness
from tests.fakes.kaggle import FakeKaggle, make_competition
from tests.features.kaggle.conftest import Community, text_of


def comp(
    ref: str, category: str = "Getting Started", day: int = 20, **kwargs: object
) -> dict[str, object]:
    return make_competition(
        ref,
        ref.replace("-", " ").title(),
        category,
        datetime(2026, 3, day, 23, 59, tzinfo=UTC),
        **kwargs,
    )  # type: ignore[arg-type]


async def test_console_pointed_at_the_fake_shows_kaggle_list(
    kaggle_settings: Settings, clock: ManualClock, fake_kaggle: FakeKaggle
) -> None:
    fake_kaggle.add(
        comp("titanic", reward="Knowledge", team_count=15234),
        comp("playground-s6e3", "Playground", day=31),
    )
    app = App(
        kaggle_settings, clock=clock
    )  # the client built from settings, as `python -m bot console` does
    try:
        out = await ConsoleHarness(app).say("kaggle list")
    finally:
        await app.close()
    assert "== Open Kaggle competitions ==" in out
    assert "1. Titanic — `titanic`" in out
    assert "Getting Started · Knowledge · closes Fri 2026-03-20 (in 18 days) · 15,234 teams" in out
    assert "2. Playground S6E3" in out
    assert fake_kaggle.list_requests[0].authorization == "Bearer KGAT_test_token"


async def test_list_reads_the_store_and_pages_with_buttons(
    kaggle_console: ConsoleHarness, fake_kaggle: FakeKaggle
) -> None:
    fake_kaggle.add(*(comp(f"comp-{i:02d}", day=3 + i) for i in range(12)))
    out = await kaggle_console.say("kaggle")
    assert "1. Comp 00" in out and "5. Comp 04" in out and "Comp 05" not in out
    assert "Page 1 of 3 · 12 open" in out and "[1] Next ▶" in out
    out = await kaggle_console.say("1")
    assert "6. Comp 05" in out and "Page 2 of 3" in out and "[1] ◀ Prev  [2] Next ▶" in out
    out = await kaggle_console.say("kaggle list --page 3")
    assert "11. Comp 10" in out and "12. Comp 11" in out
    assert len(fake_kaggle.list_requests) == 1  # only the first, empty-store list polled


async def test_list_filters_by_category_and_search_and_hides_closed_ones(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock
) -> None:
    group = Community(kaggle_app, "g1")
    fake_kaggle.add(
        comp("titanic", day=3, description="Who survived the shipwreck?"),
        comp("house-prices", day=25),
        comp("tabular-s6e3", "Playground", day=28),
    )
    listing = text_of(await group.say("kaggle list --category playground"))
    assert "tabular-s6e3" in listing and "titanic" not in listing
    listing = text_of(await group.say("kaggle list --search shipwreck"))
    assert "titanic" in listing and "house-prices" not in listing
    listing = text_of(await group.say('kaggle list --search "100%_sure"'))
    assert "Nothing open matches" in listing

    clock.set(datetime(2026, 3, 4, 0, 0, tzinfo=UTC))  # titanic closed at 23:59 on the 3rd
    listing = text_of(await group.say("kaggle list"))
    assert "titanic" not in listing and listing.index("house-prices") < listing.index(
        "tabular-s6e3"
    )
    assert "(closed)" in text_of(await group.say("kaggle show titanic"))


async def test_show_describes_a_competition_in_the_members_zone(
    kaggle_app: App, fake_kaggle: FakeKaggle
) -> None:
    group = Community(kaggle_app, "g1")
    await group.setup(timezone="Europe/Berlin")
    fake_kaggle.add(
        comp(
            "tabular-s6e3",
            "Playground",
            reward="Swag",
            evaluation_metric="AUC",
            is_kernels_submissions_only=True,
        )
    )
    reply = await group.say("kaggle show tabular-s6e3")
    shown = text_of(reply)
    assert reply.title == "Tabular S6E3"
    assert "Deadline: Sat 2026-03-21 00:59 CET (in 18 days)" in shown
    assert "Reward: Swag (no cash prize)" in shown and "Evaluation: AUC" in shown
    assert "Why enter: a Playground competition" in shown and "tabular data" in shown
    assert [b.label for b in reply.buttons] == ["Remind me", "I entered"]
    reply = await group.say("kaggle show no-such-thing")
    assert reply.error and "I don't know a Kaggle competition 'no-such-thing'" in reply.text


async def test_entered_checks_the_roadmap_milestone_once_and_follows(
    kaggle_app: App, fake_kaggle: FakeKaggle
) -> None:
    group = Community(kaggle_app, "g1")
    fake_kaggle.add(comp("titanic"), comp("house-prices"))
    reply = await group.say("kaggle entered titanic", user="bob")
    assert "you entered **Titanic**" in reply.text
    assert "Roadmap milestone checked: **Enter your first Kaggle competition**" in reply.text
    assert "🔔" in text_of(await group.say("kaggle list", user="bob"))  # entering follows it

    reply = await group.say("kaggle entered house-prices", user="bob")
    assert "you entered **House Prices**" in reply.text and "milestone" not in reply.text
    reply = await group.say("kaggle entered titanic", user="bob")
    assert "already told me" in reply.text
    async with kaggle_app.session_factory() as session:
        checks = list(
            await session.execute(select(MilestoneCheck.milestone_id, MilestoneCheck.source))
        )
        entries = list((await session.execute(select(KaggleEntry.id))).scalars())
    assert [tuple(c) for c in checks] == [("community-3", "auto")]
    assert len(entries) == 2
    assert "community-3" in text_of(await group.say("roadmap step community", user="bob"))


async def test_buttons_on_a_post_follow_and_record_an_entry(
    kaggle_console: ConsoleHarness, kaggle_app: App, fake_kaggle: FakeKaggle
) -> None:
    fake_kaggle.add(comp("titanic"))
    out = await kaggle_console.say("admin set channel kaggle #kaggle", "admin kaggle poll-now")
    assert "── #kaggle ──" in out and "New on Kaggle: Titanic" in out
    await kaggle_console.as_member("bob")
    assert "🔔 Following Titanic" in await kaggle_console.say("1")
    assert "You already follow" in await kaggle_console.say("kaggle follow titanic")
    assert "you entered Titanic" in await kaggle_console.say("kaggle show titanic", "2")


async def test_follow_refuses_closed_and_unknown_competitions(
    kaggle_app: App, fake_kaggle: FakeKaggle, clock: ManualClock
) -> None:
    group = Community(kaggle_app, "g1")
    fake_kaggle.add(comp("titanic", day=3))
    assert "Following" in (await group.say("kaggle follow titanic")).text
    clock.advance(timedelta(days=3))
    reply = await group.say("kaggle follow titanic", user="bob")
    assert reply.error and "has already closed" in reply.text
    reply = await group.say("kaggle unfollow nothing-here")
    assert reply.error and "I don't know a Kaggle competition" in reply.text


async def test_ref_autocomplete_offers_stored_open_competitions(
    kaggle_app: App, fake_kaggle: FakeKaggle
) -> None:
    group = Community(kaggle_app, "g1")
    fake_kaggle.add(
        comp("titanic", day=9), comp("titanic-remix", "Playground", day=5), comp("house-prices")
    )
    await group.say("kaggle list")
    command = kaggle_app.registry.get("kaggle follow")
    choices = await kaggle_app.dispatcher.autocomplete(group.caller(), command, "ref", "tita")
    assert [(c.label, c.value) for c in choices] == [
        ("Titanic Remix (titanic-remix)", "titanic-remix"),
        ("Titanic (titanic)", "titanic"),
    ]


# --- the feature switched off -----------------------------------------------------------------


@pytest.fixture
def no_kaggle_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
async def off_app(
    settings: Settings, clock: ManualClock, no_kaggle_env: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[App]:
    with caplog.at_level(logging.INFO, logger="bot.features.kaggle"):
        application = App(settings, clock=clock)
    try:
        yield application
    finally:
        await application.close()


async def test_without_credentials_the_feature_says_how_to_enable_it(
    off_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    off = [r for r in caplog.get_records("setup") if "Kaggle integration off" in r.getMessage()]
    assert len(off) == 1
    assert "kaggle" not in off_app.resources
    group = Community(off_app, "g1")
    for line in (
        "kaggle list",
        "kaggle",
        "kaggle show titanic",
        "kaggle follow titanic",
        "kaggle entered titanic",
        "admin kaggle poll-now",
    ):
        reply = await group.say(line)
        assert reply.error, line
        assert "KAGGLE_USERNAME and KAGGLE_KEY (or KAGGLE_API_TOKEN)" in reply.text, line
        assert "README" in reply.text
    assert "Kaggle: off — set KAGGLE_USERNAME and KAGGLE_KEY" in text_of(
        await group.say("admin show")
    )
    # The ticks run quietly, and the rest of the bot keeps working.
    await off_app.scheduler.run_all()
    assert "Goal #1 added" in text_of(await group.say("goal add Enter a Kaggle competition"))


def test_credentials_come_from_settings_then_the_kaggle_files(no_kaggle_env: Path) -> None:
    from bot.config import KaggleSettings

    assert service.credentials_from(KaggleSettings(), environ={}, home=no_kaggle_env) is None
    keyed = service.credentials_from(
        KaggleSettings(username="ada", key="s3cret"), environ={}, home=no_kaggle_env
    )
    assert keyed is not None and keyed.authorization().startswith("Basic ")
    token = service.credentials_from(
        KaggleSettings(api_token="KGAT_x", username="ada", key="k"), environ={}, home=no_kaggle_env
    )
    assert token is not None and token.authorization() == "Bearer KGAT_x"
    (no_kaggle_env / ".kaggle").mkdir()
    (no_kaggle_env / ".kaggle" / "kaggle.json").write_text(
        json.dumps({"username": "u", "key": "k"})
    )
    found = service.credentials_from(KaggleSettings(), environ={}, home=no_kaggle_env)
    assert found is not None and found.username == "u" and "secret='***'" in repr(found)
