"""Slash commands, buttons, selects, modals and autocomplete, end to end through the fake Discord."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.core.tenancy import Community, CommunityChannel, Member
from bot.features.goals.models import Goal
from tests.adapters.discord import probe
from tests.adapters.discord.conftest import DiscordBot, embeds_text

EPHEMERAL = 64
ERROR_RED = 0xED4245


async def test_slash_command_with_options_creates_a_goal_and_the_callback_carries_the_reply(
    bot: DiscordBot,
) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    interaction = await fake.slash(
        ada, "goal add", text="Finish the fast.ai course", by="2027-03-01", step="basics"
    )
    [callback] = await fake.response(interaction)
    assert callback.path == f"/interactions/{interaction.id}/{interaction.token}/callback"
    assert callback.json["type"] == 4
    data = callback.json["data"]
    assert data["embeds"][0]["title"] == "Goal #1 added"
    assert "Finish the fast.ai course" in data["embeds"][0]["description"]
    assert "flags" not in data  # a public goal is announced publicly

    async with bot.app.session_factory() as session:
        goal = (await session.execute(select(Goal))).scalar_one()
        member = await session.get(Member, goal.member_id)
        community = await session.get(Community, goal.community_id)
    assert (goal.text, goal.due, goal.step) == (
        "Finish the fast.ai course",
        date(2027, 3, 1),
        "basics",
    )
    assert member is not None and member.platform_user_id == ada.id and member.display_name == "Ada"
    assert community is not None and (community.platform, community.external_id) == (
        "discord",
        fake.guild_id,
    )
    assert community.name == fake.guild_name


async def test_ephemeral_command_reply_is_flagged_ephemeral(bot: DiscordBot) -> None:
    fake = bot.fake
    interaction = await fake.slash(fake.member("ada"), "goal list")
    [callback] = await fake.response(interaction)
    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] == EPHEMERAL
    assert "No goals yet" in embeds_text(callback.json["data"])


async def test_invalid_option_is_a_red_ephemeral_line_with_usage(bot: DiscordBot) -> None:
    fake = bot.fake
    interaction = await fake.slash(
        fake.member("ada"), "goal add", text="Learn PyTorch", by="next spring"
    )
    [callback] = await fake.response(interaction)
    data = callback.json["data"]
    assert data["flags"] == EPHEMERAL
    assert data["embeds"][0]["color"] == ERROR_RED
    assert "--by must be a date like 2026-04-01, today, tomorrow" in data["embeds"][0]["description"]
    async with bot.app.session_factory() as session:
        assert (await session.execute(select(Goal))).first() is None


async def test_slow_command_is_deferred_first_and_its_reply_edits_the_placeholder(
    bot: DiscordBot,
) -> None:
    fake = bot.fake
    interaction = await fake.slash(fake.member("ada"), "probe slow")
    [defer] = await fake.response(interaction)
    assert defer.json == {"type": 5, "data": {}}
    await probe.Gate.entered.wait()
    assert not probe.Gate.event.is_set()  # deferred while the handler was still working
    probe.Gate.event.set()
    _, edit = await fake.response(interaction, count=2)
    assert (edit.method, edit.path) == (
        "PATCH",
        f"/webhooks/{fake.application_id}/{interaction.token}/messages/@original",
    )
    assert embeds_text(edit.json) == "Done, slowly."


async def test_a_private_reply_after_a_public_deferral_replaces_the_placeholder_privately(
    bot: DiscordBot,
) -> None:
    fake = bot.fake
    interaction = await fake.slash(fake.member("ada"), "probe slow", private=True)
    [defer] = await fake.response(interaction)
    assert defer.json == {"type": 5, "data": {}}  # the command is public, so is its "thinking…"
    probe.Gate.event.set()
    _, delete, followup = await fake.response(interaction, count=3)
    assert delete.method == "DELETE" and delete.path.endswith("/messages/@original")
    assert (followup.method, followup.path) == (
        "POST",
        f"/webhooks/{fake.application_id}/{interaction.token}",
    )
    assert followup.json["flags"] == EPHEMERAL and embeds_text(followup.json) == "Done, slowly."


async def test_a_command_that_overruns_the_window_is_deferred_in_time(bot: DiscordBot) -> None:
    fake = bot.fake
    bot.adapter.interactions.defer_after = 0.05
    interaction = await fake.slash(fake.member("ada"), "probe linger")
    [defer] = await fake.response(interaction)
    assert defer.json["type"] == 5
    probe.Gate.event.set()
    _, edit = await fake.response(interaction, count=2)
    assert edit.method == "PATCH" and embeds_text(edit.json) == "Done, eventually."


async def test_a_button_posted_before_a_restart_still_works_after_it(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    interaction = await fake.slash(ada, "probe buttons")
    [callback] = await fake.response(interaction)
    rows = callback.json["data"]["components"]
    assert [[c["custom_id"] for c in row["components"]] for row in rows] == [
        ["probe.press:7", "probe.note_open:7"],
        ["probe.level"],
    ]
    assert rows[0]["components"][0]["style"] == 3  # success
    posted = fake.original(interaction)

    await bot.restart()

    click = await fake.click(fake.member("grace"), posted, "probe.press:7")
    [answer] = await fake.response(click)
    assert answer.json["type"] == 4
    assert embeds_text(answer.json["data"]) == f"Pressed 7 by Grace in {fake.guild_name}."


async def test_a_select_sends_the_chosen_value(bot: DiscordBot) -> None:
    fake = bot.fake
    interaction = await fake.slash(fake.member("ada"), "probe buttons")
    await fake.response(interaction)
    click = await fake.click(
        fake.member("ada"), fake.original(interaction), "probe.level", values=["hard"]
    )
    [answer] = await fake.response(click)
    assert answer.json["data"]["flags"] == EPHEMERAL
    assert embeds_text(answer.json["data"]) == "Level hard chosen."


async def test_a_button_with_a_form_opens_the_modal_and_the_submit_reaches_its_action(
    bot: DiscordBot,
) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    interaction = await fake.slash(ada, "probe buttons")
    await fake.response(interaction)
    posted = fake.original(interaction)
    click = await fake.click(ada, posted, "probe.note_open:7")
    [opened] = await fake.response(click)
    assert opened.json["type"] == 9
    modal = opened.json["data"]
    assert modal["custom_id"] == "probe.note:7" and modal["title"] == "Add a note"
    [text_input] = modal["components"][0]["components"]
    assert text_input == {
        "type": 4,
        "custom_id": "note",
        "label": "What did you do?",
        "style": 2,
        "required": True,
        "max_length": 1000,
    }

    submit = await fake.submit(ada, modal, {"note": "Read chapter 2 of ISLR"}, message=posted)
    [answer] = await fake.response(submit)
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] == EPHEMERAL
    assert embeds_text(answer.json["data"]) == "Noted for 7: Read chapter 2 of ISLR"


async def test_non_admin_admin_command_is_refused_and_changes_nothing(bot: DiscordBot) -> None:
    fake = bot.fake
    general = fake.channel("general")
    interaction = await fake.slash(
        fake.member("mallory"), "admin set channel", purpose="challenge", channel=general
    )
    [callback] = await fake.response(interaction)
    data = callback.json["data"]
    assert data["flags"] == EPHEMERAL and data["embeds"][0]["color"] == ERROR_RED
    assert "Only community admins" in data["embeds"][0]["description"]
    async with bot.app.session_factory() as session:
        assert (await session.execute(select(CommunityChannel))).first() is None

    # The same command from a member with Manage Server works: the refusal was about permissions.
    interaction = await fake.slash(
        fake.member("ada", admin=True), "admin set channel", purpose="challenge", channel=general
    )
    [callback] = await fake.response(interaction)
    assert f"<#{general}>" in embeds_text(callback.json["data"])
    async with bot.app.session_factory() as session:
        row = (await session.execute(select(CommunityChannel))).scalar_one()
    assert (row.purpose, row.channel_id, row.channel_name) == ("challenge", general, "general")


async def test_administrator_permission_also_counts_as_admin(bot: DiscordBot) -> None:
    fake = bot.fake
    owner = fake.member("owner", permissions=1 << 3)  # ADMINISTRATOR only
    interaction = await fake.slash(owner, "admin set timezone", timezone="Europe/Berlin")
    [callback] = await fake.response(interaction)
    assert "Europe/Berlin" in embeds_text(callback.json["data"])


async def test_autocomplete_offers_goal_numbers_as_integers_and_time_zones(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    await fake.response(await fake.slash(ada, "goal add", text="Kaggle Titanic top 50%"))
    interaction = await fake.autocomplete(ada, "goal progress", "id", id="")
    [callback] = await fake.response(interaction)
    assert callback.json == {
        "type": 8,
        "data": {"choices": [{"name": "#1 Kaggle Titanic top 50%", "value": 1}]},
    }

    interaction = await fake.autocomplete(
        fake.member("root", admin=True), "admin set timezone", "timezone", timezone="berl"
    )
    [callback] = await fake.response(interaction)
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in callback.json["data"]["choices"]
