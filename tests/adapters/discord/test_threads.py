"""A question on Discord: its card in the questions channel with a public thread started on it,
or a forum post when that channel is a forum; answers are posted into the thread."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.tenancy import CommunityChannel, Member, ensure_community
from bot.features.ask.models import Answer
from tests.adapters.discord.conftest import SETTLE_SECONDS, DiscordBot, embeds_text, settled
from tests.commits import Commits
from tests.fakes.discord import GUILD_MESSAGES, MESSAGE_CONTENT


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
    # The card is posted in the channel (with its nonce) and the thread started on it.
    [card] = bot.fake.messages[channel]
    assert card["id"] == thread and card["nonce"].startswith("pv")
    [created] = await bot.fake.wait_for("POST", f"/channels/{channel}/messages/{thread}/threads")
    assert created.json["name"] == "Question #1: Why does my LSTM loss explode?"
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


async def answerers(session: AsyncSession) -> dict[str, str | None]:
    rows = await session.execute(select(Member.display_name, Answer.text).join(Answer, Answer.member_id == Member.id))
    return {name: text for name, text in rows.all()}


async def test_writing_in_the_question_thread_counts_as_answering(bot: DiscordBot) -> None:
    """MESSAGE_CREATE in the question's thread (GUILD_MESSAGES, no message content): the author
    is recorded as having answered — not the asker, not a message elsewhere, never the words."""
    fake = bot.fake
    channel = fake.add_channel("questions")
    await questions_channel(bot, channel)
    [session] = [s for s in fake.sessions if s.identify]
    intents = int(session.identify["intents"])  # type: ignore[index]
    assert intents & GUILD_MESSAGES and not intents & MESSAGE_CONTENT
    ada, grace, cy = fake.member("ada"), fake.member("grace"), fake.member("cy")
    await fake.response(await fake.slash(grace, "helper on"))
    await fake.response(await fake.slash(ada, "ask new", title="Why does my LSTM loss explode?"))
    thread = (await settled(bot.app, "ask:q:1")).platform_message_id
    assert thread is not None

    commits = Commits(bot.app)
    try:
        await fake.member_writes(ada, thread, "Any ideas? I tried a lower learning rate")  # the asker
        await fake.member_writes(cy, fake.channel("general"), "Unrelated chatter in general")
        await fake.member_writes(cy, thread, "Clip the gradients to norm 1")

        async def cy_answered(session: AsyncSession) -> bool:
            return "Cy" in await answerers(session)

        await commits.until(cy_answered, SETTLE_SECONDS)
        await fake.member_writes(grace, thread, "And check for exploding inputs")

        async def grace_answered(session: AsyncSession) -> bool:
            return "Grace" in await answerers(session)

        await commits.until(grace_answered, SETTLE_SECONDS)
    finally:
        commits.close()
    async with bot.app.session_factory() as db:
        assert await answerers(db) == {"Cy": None, "Grace": None}  # who, not what

    [shown] = await fake.response(await fake.slash(ada, "ask show", id=1))
    text = str(shown.json["data"])
    assert "Answer from Cy" in text and "answered in the thread" in text
    # The asker's Solved button offers cy (who was never asked, but answered in the thread).
    [card] = [m for m in fake.messages[channel] if m["id"] == thread]  # the thread is on the card
    solve = next(c["custom_id"] for r in card["components"] for c in r["components"]
                 if c["custom_id"].startswith("ask.solve:"))
    [choices] = await fake.response(await fake.click(ada, card, solve))
    options = [o["label"] for r in choices.json["data"]["components"] for c in r["components"]
               for o in c.get("options", [])]
    assert "Cy" in options and "Grace" in options and "Ada" not in options
