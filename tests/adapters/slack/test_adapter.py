"""Pivot as a Slack app, end to end: signed requests in, Web API calls and response_url posts out."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.core.tenancy import Community, Member
from bot.features.goals.models import Goal
from tests.adapters.slack.conftest import PNG, SlackHarness
from tests.fakes.slack import TEAM_ID


async def count(slack: SlackHarness, model: Any) -> int:
    async with slack.app.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def texts(message: dict[str, Any]) -> str:
    """Everything a person reads in a Block Kit message, joined."""
    parts = [message.get("text", "")]
    for block in message.get("blocks", []):
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text["text"])
        parts += [f["text"] for f in block.get("fields", [])]
        parts += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return "\n".join(parts)


def elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_slash_command_creates_a_goal_and_the_reply_arrives(slack: SlackHarness) -> None:
    message = await slack.command_reply('goal add "Finish fast.ai part 1" --by 2027-03-01')

    assert message["response_type"] == "in_channel"
    assert message["replace_original"] is False
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Goal #1 added", "emoji": True},
    }
    body = texts(message)
    assert "*#1* Finish fast.ai part 1" in body  # **bold** became Slack's *bold*
    assert "`/pivot goal progress 1 25`" in body  # hints use the slash command
    assert "Goal #1 added" in message["text"]  # notification fallback
    async with slack.app.session_factory() as session:
        goal = (await session.execute(select(Goal))).scalar_one()
        member = await session.get(Member, goal.member_id)
        community = (await session.execute(select(Community))).scalar_one()
    assert (goal.text, goal.due) == ("Finish fast.ai part 1", date(2027, 3, 1))
    assert (community.platform, community.external_id, community.name) == (
        "slack",
        TEAM_ID,
        "pivot-test",
    )
    assert (member.platform_user_id, member.display_name) == ("U1", "ada")


async def test_a_slow_command_is_acknowledged_first_and_answered_later(slack: SlackHarness) -> None:
    sent = await slack.command("probe slow")  # returns although the handler is still waiting

    assert (sent.status, sent.body) == (200, "")
    assert slack.fake.responses == []
    slack.probe.gate.set()
    await slack.fake.wait_for(lambda: slack.fake.responses)
    assert "Finally done." in texts(slack.fake.responses[0].body)


async def test_an_expired_response_url_falls_back_to_the_web_api(slack: SlackHarness) -> None:
    slack.fake.expired_response_urls.add("old")
    await slack.command("goal list", response_key="old")

    await slack.fake.wait_for(lambda: slack.fake.calls_to("chat.postEphemeral"))
    call = slack.fake.calls_to("chat.postEphemeral")[0]
    assert (call["channel"], call["user"]) == ("C0GENERAL", "U1")
    assert "No goals yet" in texts(call)


async def test_text_arrives_escaped_and_mentions_arrive_as_ids(slack: SlackHarness) -> None:
    # What Slack sends for: /pivot goal add "Pair on R & D <3 with @grace" (should_escape: true)
    await slack.command_reply('goal add "Pair on R &amp; D &lt;3 with <@U2|grace>"', key="a")
    listed = await slack.command_reply(
        "goal list --member <@U1|ada>", key="b", user="U2", user_name="grace"
    )

    async with slack.app.session_factory() as session:
        assert (await session.execute(select(Goal.text))).scalar_one() == (
            "Pair on R & D <3 with <@U2|grace>"
        )
    assert "R &amp; D &lt;3" in texts(listed)  # escaped again on the way out
    assert "ada's goals" in texts(listed)


async def test_help_and_usage_errors_are_ephemeral(slack: SlackHarness) -> None:
    help_message = await slack.command_reply("goal --help", key="help")
    assert help_message["response_type"] == "ephemeral"
    assert "/pivot goal add" in texts(help_message)

    error = await slack.command_reply("goal add --by tomorrow", key="err")
    assert error["response_type"] == "ephemeral"
    assert "Missing TEXT" in texts(error) and "Usage: `/pivot goal add" in texts(error)
    assert await count(slack, Goal) == 0


async def test_forged_signature_and_stale_timestamp_get_401_and_change_nothing(
    slack: SlackHarness,
) -> None:
    body = slack.command_body('goal add "Sneaky"')
    forged = await slack.send(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    stale_ts = int(time.time()) - 10 * 60
    stale = await slack.send(
        slack.command_body('goal add "Late"'),
        "application/x-www-form-urlencoded",
        timestamp=stale_ts,
    )

    assert (forged.status, stale.status) == (401, 401)
    await slack.adapter.idle()
    assert slack.fake.responses == []
    assert await count(slack, Goal) == 0
    assert await count(slack, Community) == 0


async def test_the_events_url_answers_slacks_verification_challenge(slack: SlackHarness) -> None:
    body = '{"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}'
    answered = await slack.send(body, "application/json")
    assert answered.status == 200
    assert answered.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


async def test_a_retried_slash_command_records_once(slack: SlackHarness) -> None:
    body = slack.command_body('goal add "Read the NumPy docs"')
    first = await slack.send(body, "application/x-www-form-urlencoded")
    retried = await slack.send(body, "application/x-www-form-urlencoded", retry=1)

    assert (first.status, retried.status) == (200, 200)
    await slack.fake.wait_for(lambda: slack.fake.responses)
    await slack.adapter.idle()
    assert await count(slack, Goal) == 1
    assert len(slack.fake.responses) == 1


async def test_a_retried_mention_event_answers_once(slack: SlackHarness) -> None:
    first = await slack.mention(
        f'<@{slack.fake.bot_user_id}> goal add "Kaggle Titanic"', event_id="Ev9"
    )
    retried = await slack.mention(
        f'<@{slack.fake.bot_user_id}> goal add "Kaggle Titanic"', event_id="Ev9", retry=1
    )

    assert (first.status, retried.status) == (200, 200)
    await slack.fake.wait_for(lambda: slack.fake.calls_to("chat.postMessage"))
    await slack.adapter.idle()
    posts = slack.fake.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0]["channel"] == "C0GENERAL"
    assert "Kaggle Titanic" in texts(posts[0])
    assert await count(slack, Goal) == 1


async def test_an_ephemeral_answer_to_a_mention_goes_through_post_ephemeral(
    slack: SlackHarness,
) -> None:
    await slack.mention(f"<@{slack.fake.bot_user_id}> goal list")
    await slack.fake.wait_for(lambda: slack.fake.calls_to("chat.postEphemeral"))
    call = slack.fake.calls_to("chat.postEphemeral")[0]
    assert (call["channel"], call["user"]) == ("C0GENERAL", "U1")
    assert "No goals yet" in texts(call)
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_admin_commands_are_refused_to_members_and_allowed_to_workspace_admins(
    slack: SlackHarness,
) -> None:
    await slack.command_reply("goal list", key="first")  # the workspace is known to Pivot
    refused = await slack.command_reply("admin set timezone Europe/Berlin", key="member")
    assert refused["response_type"] == "ephemeral"
    assert "Only community admins can run `admin set timezone`" in texts(refused)
    async with slack.app.session_factory() as session:
        assert (await session.execute(select(Community.timezone))).scalar_one() == "UTC"

    allowed = await slack.command_reply(
        "admin set timezone Europe/Berlin", key="admin", user="UADMIN", user_name="linus"
    )
    assert "Community time zone set to Europe/Berlin" in texts(allowed)
    async with slack.app.session_factory() as session:
        assert (await session.execute(select(Community.timezone))).scalar_one() == "Europe/Berlin"


async def test_admins_from_config_and_the_users_info_cache(slack: SlackHarness) -> None:
    slack.fake.add_user("UCONFIG", name="margaret")  # an ordinary member in Slack, listed in config
    reply = await slack.command_reply("admin set challenge-time 07:30", key="a", user="UCONFIG")
    assert "07:30" in texts(reply)

    await slack.command_reply("goal list", key="b", user="UCONFIG")
    assert [c["user"] for c in slack.fake.calls_to("users.info")] == ["UCONFIG"]  # cached


async def test_a_button_click_reaches_its_handler(slack: SlackHarness) -> None:
    message = await slack.command_reply("probe buttons")
    done, note, level = elements(message)
    assert (done["type"], done["style"], done["action_id"]) == (
        "button",
        "primary",
        "probe.click:7:done",
    )
    assert "style" not in note  # "secondary" is Slack's default look
    assert level["type"] == "static_select"

    assert (await slack.click(done)).status == 200
    await slack.fake.wait_for(lambda: slack.fake.responses_to("click"))
    answer = slack.fake.responses_to("click")[0]
    assert slack.probe.clicks == [("U1", ("7", "done"))]
    assert answer["response_type"] == "ephemeral" and "Marked done for #7." in texts(answer)

    await slack.click(level, selected="hard", response_key="level")
    await slack.fake.wait_for(lambda: slack.fake.responses_to("level"))
    assert slack.probe.clicks[-1] == ("U1", ("level", "hard"))


async def test_a_form_opens_and_its_submission_reaches_the_handler(slack: SlackHarness) -> None:
    message = await slack.command_reply("probe buttons")
    note_button = elements(message)[1]

    await slack.click(note_button, response_key="form")
    await slack.fake.wait_for(lambda: slack.fake.calls_to("views.open"))
    opened = slack.fake.calls_to("views.open")[0]
    view = opened["view"]
    assert opened["trigger_id"].startswith("1337.42.")
    assert view["type"] == "modal" and view["title"]["text"] == "Add a note"
    assert view["blocks"][0]["block_id"] == "note"
    assert view["blocks"][0]["element"]["type"] == "plain_text_input"

    invalid = await slack.submit(view, {"note": "ok"})
    assert invalid.status == 200
    assert invalid.json() == {
        "response_action": "errors",
        "errors": {"note": "Say a bit more about what you did."},
    }
    assert slack.probe.notes == []

    valid = await slack.submit(view, {"note": "Read chapter 3 of ISLR"})
    assert valid.json() == {"response_action": "clear"}
    assert slack.probe.notes == [("U1", "Read chapter 3 of ISLR")]
    await slack.fake.wait_for(lambda: slack.fake.responses_to("form"))
    assert "Noted for #7: Read chapter 3 of ISLR" in texts(slack.fake.responses_to("form")[0])


async def test_an_image_is_uploaded_and_shown_in_the_reply(slack: SlackHarness) -> None:
    message = await slack.command_reply("probe chart")

    file_id = slack.fake.calls_to("files.completeUploadExternal")[0]["files"][0]["id"]
    assert slack.fake.uploads[file_id] == PNG
    image = next(b for b in message["blocks"] if b["type"] == "image")
    assert image == {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": "Goals progress this week",
    }
    assert (
        "channel_id" not in slack.fake.calls_to("files.completeUploadExternal")[0]
    )  # private upload


async def test_the_app_starts_slack_only_when_its_token_is_set(
    database_url: str, clock: Any
) -> None:
    from bot.adapters.slack import SlackAdapter
    from bot.app import App, platform_adapters
    from bot.config import ConfigError, Settings

    bare = App(Settings(database={"url": database_url}), clock=clock)
    configured = App(
        Settings(
            database={"url": database_url}, slack={"bot_token": "xoxb-1", "signing_secret": "s"}
        ),
        clock=clock,
    )
    unsigned = App(
        Settings(database={"url": database_url}, slack={"bot_token": "xoxb-1"}), clock=clock
    )
    try:
        assert platform_adapters(bare) == []
        (adapter,) = platform_adapters(configured)
        assert isinstance(adapter, SlackAdapter) and adapter.platform == "slack"
        with pytest.raises(ConfigError, match="PIVOT_SLACK_SIGNING_SECRET"):
            platform_adapters(unsigned)
    finally:
        for app in (bare, configured, unsigned):
            await app.close()


async def test_a_form_that_cannot_open_in_time_says_so(slack: SlackHarness) -> None:
    message = await slack.command_reply("probe buttons")
    slack.fake.fail_next("views.open", "expired_trigger_id")

    await slack.click(elements(message)[1], response_key="late")
    await slack.fake.wait_for(lambda: slack.fake.responses_to("late"))
    answer = slack.fake.responses_to("late")[0]
    assert answer["response_type"] == "ephemeral" and "please click again" in texts(answer)
