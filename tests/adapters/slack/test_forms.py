"""A bare slash command opens its form as a modal; the submit runs the command."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.features.goals.models import Goal
from tests.adapters.slack.conftest import SlackHarness


async def test_slack_bare_command_opens_a_modal_and_its_submit_runs_the_command(slack: SlackHarness) -> None:
    sent = await slack.command("goal add")
    assert sent.status == 200
    await slack.fake.wait_for(lambda: slack.fake.calls_to("views.open"))
    view = slack.fake.calls_to("views.open")[0]["view"]
    assert view["type"] == "modal" and view["title"]["text"] == "goal add"
    assert [b["block_id"] for b in view["blocks"]] == ["text", "by", "step"]
    done = await slack.submit(view, {"text": "Finish the fast.ai course", "by": "2027-03-01", "step": ""})
    assert done.status == 200
    async with slack.app.session_factory() as session:
        goal = (await session.execute(select(Goal))).scalar_one()
    assert goal.text == "Finish the fast.ai course" and goal.due == date(2027, 3, 1)
    # Someone else's submit of that form is refused, and writes nothing.
    other = await slack.submit(view, {"text": "Not mine"}, user="U2", user_name="eve")
    assert other.status == 200
    async with slack.app.session_factory() as session:
        assert len(list((await session.execute(select(Goal))).scalars())) == 1
