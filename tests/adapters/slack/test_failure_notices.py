"""Failure notices on Slack, against the fake Web API: `not_in_channel`, `is_archived`,
`restricted_action` and a DM refused with `cannot_dm_bot` DM the admin with the fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.failnotice import NOTICE_PREFIX
from bot.core.messages import Reply
from bot.core.outbox import OutboxMessage, Target, enqueue
from bot.core.tenancy import ensure_community, ensure_member
from tests.adapters.slack.conftest import SlackHarness
from tests.fakes.slack import TEAM_ID


async def deliver(slack: SlackHarness) -> None:
    while await slack.app.outbox.run_once():
        pass


async def notices(slack: SlackHarness) -> list[OutboxMessage]:
    async with slack.app.session_factory() as session:
        return list((await session.execute(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(NOTICE_PREFIX))
            .order_by(OutboxMessage.id))).scalars())


def dm_texts(slack: SlackHarness, user: str) -> list[str]:
    return [c["text"] for c in slack.fake.calls_to("chat.postMessage") if c["channel"] == f"D{user}"]


@pytest.mark.parametrize(("error", "fix"), [
    ("not_in_channel", "invite it: type `/invite @Pivot` in <#C0DAILY>"),
    ("is_archived", "unarchive <#C0DAILY>, or choose another channel: "
                    "`/pivot admin set channel challenge #another-channel`"),
    ("restricted_action", "allow Pivot to post in <#C0DAILY> (channel settings → Posting permissions)"),
])
async def test_a_refused_challenge_dms_the_admin_with_the_fix_once_a_day(
    slack: SlackHarness, clock: ManualClock, error: str, fix: str
) -> None:
    await slack.command_reply("admin set channel challenge <#C0DAILY|ml-daily>",
                              user="UADMIN", user_name="linus", key="admin")
    for day in (2, 3):
        # Day 2: the post and its same-day repost are refused; day 3: Monday's answer and the post.
        slack.fake.fail_next("chat.postMessage", error, times=2)
        clock.set(datetime(2026, 3, day, 9, 0, tzinfo=UTC))
        await slack.app.scheduler.run_tick("challenges.post")
        await deliver(slack)
        if day == 2:  # the same day again: posted anew, refused again, nobody told twice
            reply = await slack.command_reply("admin challenge post-now", user="UADMIN",
                                              user_name="linus", key="again")
            assert "sending it again" in reply["text"]
            await deliver(slack)
        clock.advance(timedelta(seconds=61))
        await deliver(slack)
        texts = dm_texts(slack, "UADMIN")
        assert len(texts) == day - 1, texts
        assert "today's challenge in <#C0DAILY>" in texts[-1]
        assert fix in texts[-1]
        assert "`/pivot admin failures` lists " in texts[-1] and "Retry button" in texts[-1]
    assert len(await notices(slack)) == 2


async def test_a_member_who_cannot_get_dms_is_named_to_the_admin(slack: SlackHarness, clock: ManualClock) -> None:
    await slack.command_reply("admin set channel challenge <#C0DAILY|ml-daily>",
                              user="UADMIN", user_name="linus", key="admin")
    async with slack.app.session_factory() as session:
        community = await ensure_community(session, "slack", TEAM_ID, "pivot-test")
        await ensure_member(session, community, "U2", "grace")
        await enqueue(session, community, Target.dm("U2"), Reply(text="Your check-in"),
                      dedupe_key="checkin:test:1", now=clock.now())
        await session.commit()
    slack.fake.fail_next("conversations.open", "cannot_dm_bot")
    await deliver(slack)
    clock.advance(timedelta(seconds=61))
    await deliver(slack)
    [text] = dm_texts(slack, "UADMIN")
    assert "could not send a check-in prompt" in text and "<@U2>" in text
