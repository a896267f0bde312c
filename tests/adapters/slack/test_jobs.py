"""Job search on Slack: a feed post with its Save button, the funnel chart, the tracker."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.tenancy import CommunityChannel, ensure_community
from bot.features.jobs.boards import Posting
from bot.features.jobs.models import JobApplication, JobSource
from bot.features.jobs.service import feed
from tests.adapters.slack.conftest import SlackHarness
from tests.adapters.slack.test_adapter import elements, texts
from tests.fakes.slack import TEAM_ID


async def post_a_job(slack: SlackHarness) -> None:
    """What the poll tick does after reading a board: store the posting and post it."""
    now = slack.app.clock.now()
    async with slack.app.session_factory() as session:
        community = await ensure_community(session, "slack", TEAM_ID, "pivot-test")
        session.add(CommunityChannel(community_id=community.id, purpose="jobs", channel_id="C0JOBS"))
        source = JobSource(community_id=community.id, kind="greenhouse", board="acme",
                           company="Acme AI", added_at=now, next_poll_at=now)
        session.add(source)
        await session.flush()
        new, _ = await feed.store(session, source, [Posting(
            "42", "Senior Machine Learning Engineer", "https://boards.greenhouse.io/acme/jobs/42",
            location="Remote - EU", description="PyTorch models in production.")], now)
        await feed.post_new(session, source, new, now)
        await session.commit()


async def test_a_job_post_has_a_save_button_that_saves_for_whoever_presses_it(
    slack: SlackHarness,
) -> None:
    await post_a_job(slack)
    assert await slack.app.outbox.run_once() == 1
    (call,) = slack.fake.calls_to("chat.postMessage")
    assert call["channel"] == "C0JOBS"
    assert "Senior Machine Learning Engineer — Acme AI" in texts(call)
    [save] = elements(call)
    assert save["type"] == "button" and save["text"]["text"] == "Save"
    assert save["action_id"].startswith("jobs.save:")

    assert (await slack.click(save, user="U2", user_name="grace", response_key="save")).status == 200
    await slack.fake.wait_for(lambda: slack.fake.responses_to("save"))
    answer = slack.fake.responses_to("save")[0]
    assert answer["response_type"] == "ephemeral"
    assert "Saved to your tracker as #1" in texts(answer)
    async with slack.app.session_factory() as session:
        saved = (await session.execute(select(JobApplication))).scalar_one()
    assert (saved.stage, saved.role) == ("saved", "Senior Machine Learning Engineer")


async def test_apply_stats_uploads_the_funnel_chart(slack: SlackHarness) -> None:
    added = await slack.command_reply('apply add Acme "ML Engineer"', key="add")
    assert added["response_type"] == "ephemeral" and "Application #1 tracked" in texts(added)
    await slack.command_reply("apply move 1 screen", key="move")
    board = await slack.command_reply("apply board", key="board")
    assert "*Screen (1)*" in texts(board)
    stats = await slack.command_reply("apply stats", key="stats")
    image = next(b for b in stats["blocks"] if b["type"] == "image")
    file_id = image["slack_file"]["id"]
    assert slack.fake.uploads[file_id].startswith(b"\x89PNG")
    assert "applied: 1, screen: 1" in image["alt_text"]
    assert "applied → screen: 100%" in texts(stats)
