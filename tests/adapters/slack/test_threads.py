"""A question on Slack: a message in the questions channel; answers go into its thread (thread_ts)."""

from __future__ import annotations

from tests.adapters.slack.conftest import SlackHarness


async def deliver(slack: SlackHarness) -> None:
    while await slack.app.outbox.run_once():
        pass


async def test_a_question_is_a_message_and_answers_are_thread_replies(slack: SlackHarness) -> None:
    fake = slack.fake
    reply = await slack.command_reply("admin set channel questions <#C0QUESTIONS|questions>",
                                      user="UADMIN", user_name="linus", key="admin")
    assert "C0QUESTIONS" in reply["text"]
    await slack.command_reply("helper on", user="U2", user_name="grace", key="g1")
    reply = await slack.command_reply('ask "How should I scale features before k-means?"', key="a1")
    assert "question #1" in reply["text"]
    await deliver(slack)
    posts = fake.calls_to("chat.postMessage")
    [card] = [p for p in posts if p["channel"] == "C0QUESTIONS"]
    assert "thread_ts" not in card
    assert "Question #1: How should I scale features before k-means?" in card["text"] + str(card.get("blocks"))
    # grace was asked by DM (conversations.open with her id).
    assert any(c["users"] == "U2" for c in fake.calls_to("conversations.open"))

    await slack.command_reply('ask answer 1 "Standardize each feature first"', user="U2", user_name="grace",
                              key="g2")
    await deliver(slack)
    answers = [p for p in fake.calls_to("chat.postMessage") if p.get("thread_ts")]
    assert len(answers) == 1
    assert answers[0]["channel"] == "C0QUESTIONS"
    async with slack.app.session_factory() as session:
        from sqlalchemy import select

        from bot.core.outbox import OutboxMessage
        card_ts = (await session.execute(select(OutboxMessage.platform_message_id)
                                         .where(OutboxMessage.dedupe_key.like("ask:q:%")))).scalar_one()
    assert answers[0]["thread_ts"] == card_ts
    assert "Standardize each feature first" in answers[0]["text"] + str(answers[0].get("blocks"))
