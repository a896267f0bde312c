"""On Discord a form command run with no options offers its form behind a button."""

from __future__ import annotations

from tests.adapters.discord.conftest import DiscordBot, embeds_text


async def test_discord_form_command_without_options_offers_the_form(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    interaction = await fake.slash(ada, "buddy join")
    [callback] = await fake.response(interaction)
    assert "fill in the form" in embeds_text(callback.json["data"])
    posted = fake.original(interaction)
    custom_id = callback.json["data"]["components"][0]["components"][0]["custom_id"]
    click = await fake.click(ada, posted, custom_id)
    [opened] = await fake.response(click)
    assert opened.json["type"] == 9
    modal = opened.json["data"]
    submit = await fake.submit(ada, modal, {"level": "beginner", "hours": "6"}, message=posted)
    [answer] = await fake.response(submit)
    assert "You're in!" in embeds_text(answer.json["data"])


async def test_mock_join_without_options_offers_the_form_on_discord(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    interaction = await fake.slash(ada, "mock join")
    [callback] = await fake.response(interaction)
    assert "fill in the form" in embeds_text(callback.json["data"])
    posted = fake.original(interaction)
    custom_id = callback.json["data"]["components"][0]["components"][0]["custom_id"]
    click = await fake.click(ada, posted, custom_id)
    [opened] = await fake.response(click)
    assert opened.json["type"] == 9
    submit = await fake.submit(ada, opened.json["data"],
                               {"type": "ml-coding", "windows": "18:00-20:00"}, message=posted)
    [answer] = await fake.response(submit)
    assert "You're in!" in embeds_text(answer.json["data"])
