"""A question on Discord: a public thread in the questions channel, or a forum post when that
channel is a forum; answers are posted into the thread."""

from __future__ import annotations

from bot.core.tenancy import CommunityChannel, ensure_community
from tests.adapters.discord.conftest import DiscordBot, embeds_text, settled


async def questions_channel(bot: DiscordBot, channel_id: str) -> None:
    async with bot.app.session_factory() as session, session.begin():
        community = await ensure_community(session, "discord", bot.fake.guild_id, bot.fake.guild_name)
        session.add(CommunityChannel(community_id=community.id, purpose="questions", channel_id=channel_id))


async def ask_and_answer(bot: DiscordBot, channel: str) -> str:
    fake = bot.fake
    ada, grace = fake.member("ada"), fake.member("grace")
    interaction = await fake.slash(grace, "helper on")
    await fake.response(interaction)
    interaction = await fake.slash(ada, "ask new", title="Why does my LSTM loss explode?")
    [callback] = await fake.response(interaction)
    assert "question #1" in str(callback.json["data"])
    row = await settled(bot.app, "ask:q:1")
    assert row.status == "sent"
    thread = row.platform_message_id
    assert thread is not None and fake.channels[thread]["parent_id"] == channel
    assert fake.channels[thread]["name"] == "Question #1: Why does my LSTM loss explode?"

    interaction = await fake.slash(grace, "ask answer", id=1, text="Clip the gradients")
    await fake.response(interaction)
    answer = await settled(bot.app, "ask:answer:1")
    assert answer.status == "sent"
    assert "Clip the gradients" in fake.messages[thread][-1]["content"] + embeds_text(fake.messages[thread][-1])
    # grace was asked by DM, with a pointer to the question.
    [dm] = fake.messages[fake.dm_channels[grace.id]]
    assert "#1 Why does my LSTM loss explode?" in embeds_text(dm)
    return thread


async def test_a_question_opens_a_thread_in_a_text_channel(bot: DiscordBot) -> None:
    channel = bot.fake.add_channel("questions")
    await questions_channel(bot, channel)
    thread = await ask_and_answer(bot, channel)
    [created] = await bot.fake.wait_for("POST", f"/channels/{channel}/threads")
    assert created.json["type"] == 11 and "message" not in created.json
    card = bot.fake.messages[thread][0]
    assert "Question #1" in embeds_text(card)
    assert any(c["custom_id"].startswith("ask.solve:") for r in card["components"] for c in r["components"])


async def test_a_question_is_a_forum_post_in_a_forum_channel(bot: DiscordBot) -> None:
    channel = bot.fake.add_channel("questions", kind=15)
    await questions_channel(bot, channel)
    thread = await ask_and_answer(bot, channel)
    [created] = await bot.fake.wait_for("POST", f"/channels/{channel}/threads")
    assert "type" not in created.json
    assert "Question #1" in embeds_text(created.json["message"])
    assert bot.fake.messages[thread][0]["id"] == thread  # the starter message
