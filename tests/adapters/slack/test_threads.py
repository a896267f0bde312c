"""A question on Slack: a message in the questions channel; answers go into its thread (thread_ts)."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Member
from bot.features.ask.models import Answer
from tests.adapters.slack.conftest import SlackHarness
from tests.commits import Commits
from tests.fakes.slack import TEAM_ID


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


def thread_message(slack: SlackHarness, *, user: str | None, channel: str, thread_ts: str | None, ts: str,
                   event_id: str, **extra: Any) -> str:
    """An Events API `event_callback` carrying a `message` event (message.channels), as Slack
    sends a reply in a thread: `thread_ts` is the parent's ts, `ts` the reply's own."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "text": "Standardize, then check the elbow plot",
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
        "team": TEAM_ID,
        "blocks": [],
        "client_msg_id": f"c1a2b3c4-{event_id}",
    }
    if user is not None:
        event["user"] = user
    if thread_ts is not None:
        event |= {"thread_ts": thread_ts, "parent_user_id": slack.fake.bot_user_id}
    return json.dumps({
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0PIVOT",
        "event": event | extra,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": slack.fake.bot_user_id, "is_bot": True}],
        "is_ext_shared_channel": False,
    })


async def answer_rows(slack: SlackHarness) -> dict[str, str | None]:
    async with slack.app.session_factory() as session:
        rows = await session.execute(
            select(Member.platform_user_id, Answer.text).join(Answer, Answer.member_id == Member.id))
        return {user: text for user, text in rows.all()}


async def test_a_reply_in_the_question_thread_counts_as_an_answer(slack: SlackHarness) -> None:
    """A signed `message` event whose thread_ts is the question's ts: its author answered (the
    asker, bots, edits and other threads do not count); the words are not kept."""
    await slack.command_reply("admin set channel questions <#C0QUESTIONS|questions>",
                              user="UADMIN", user_name="linus", key="admin")
    await slack.command_reply('ask "How should I scale features before k-means?"', key="a1")
    await deliver(slack)
    async with slack.app.session_factory() as session:
        card_ts = (await session.execute(select(OutboxMessage.platform_message_id)
                                         .where(OutboxMessage.dedupe_key.like("ask:q:%")))).scalar_one()
    assert card_ts

    commits = Commits(slack.app)
    ignored = [
        # the asker
        thread_message(slack, user="U1", channel="C0QUESTIONS", thread_ts=card_ts, ts="1772438500.000100",
                       event_id="Ev01"),
        # a bot in the thread
        thread_message(slack, user="UOTHERBOT", channel="C0QUESTIONS", thread_ts=card_ts,
                       ts="1772438500.000200", event_id="Ev02", bot_id="B0OTHER", subtype="bot_message"),
        # an edit (message_changed has no user of its own)
        thread_message(slack, user=None, channel="C0QUESTIONS", thread_ts=card_ts, ts="1772438500.000300",
                       event_id="Ev03", subtype="message_changed"),
        # a top-level message, and a reply in another channel's thread with the same ts
        thread_message(slack, user="U2", channel="C0QUESTIONS", thread_ts=None, ts="1772438500.000400",
                       event_id="Ev04"),
        thread_message(slack, user="U2", channel="C0GENERAL", thread_ts=card_ts, ts="1772438500.000500",
                       event_id="Ev05"),
    ]
    for body in ignored:
        assert (await slack.send(body, "application/json")).status == 200
    reply = thread_message(slack, user="U2", channel="C0QUESTIONS", thread_ts=card_ts, ts="1772438500.000600",
                           event_id="Ev06")
    assert (await slack.send(reply, "application/json")).status == 200

    async def grace_answered(_session: AsyncSession) -> bool:
        return "U2" in await answer_rows(slack)

    try:
        await commits.until(grace_answered)
    finally:
        commits.close()
    # The same person again: still one answer.
    again = thread_message(slack, user="U2", channel="C0QUESTIONS", thread_ts=card_ts, ts="1772438500.000700",
                           event_id="Ev07")
    assert (await slack.send(again, "application/json")).status == 200
    await slack.adapter.idle()
    assert await answer_rows(slack) == {"U2": None}

    shown = await slack.command_reply("ask show 1", key="a2")
    assert "Answer from grace" in json.dumps(shown) and "answered in the thread" in json.dumps(shown)
