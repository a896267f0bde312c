"""The projects showcase on Slack: the card (Block Kit) with a Review button, its discussion as a
thread reply, the five-field review form (views.open) and the review DM to the owner."""

from __future__ import annotations

from bot.core.tenancy import CommunityChannel, ensure_community
from tests.adapters.slack.conftest import SlackHarness
from tests.adapters.slack.test_adapter import elements, texts
from tests.fakes.slack import TEAM_ID

GOOD = {
    "problem": "4 clear metric tied to paging",
    "data": "3 split by time, good",
    "baseline": "2 no keyword baseline yet",
    "evaluation": "4 held-out week",
    "writeup": "5 one command reproduces it",
}


async def test_showcase_card_thread_review_form_and_dm(slack: SlackHarness) -> None:
    async with slack.app.session_factory() as session:
        community = await ensure_community(session, "slack", TEAM_ID, "pivot-test")
        session.add(CommunityChannel(community_id=community.id, purpose="showcase",
                                     channel_id="C0SHOW", channel_name="showcase"))
        await session.commit()
    added = await slack.command_reply(
        'project add "HDFS anomaly detector" --problem "Flag failing blocks before the pager goes off"')
    assert "Project #1 added" in texts(added)
    shown = await slack.command_reply("project showcase 1", key="showcase")
    assert "on its way" in texts(shown)

    while await slack.app.outbox.run_once():
        pass
    card, opening = slack.fake.calls_to("chat.postMessage")
    assert card["channel"] == "C0SHOW" and "Project #1: HDFS anomaly detector" in texts(card)
    [review] = elements(card)
    assert (review["type"], review["action_id"], review["text"]["text"]) == (
        "button", "project.review:1", "Review")
    # The discussion is a reply in the card's thread.
    assert opening["channel"] == "C0SHOW" and opening["thread_ts"].startswith("1772438400.")
    assert "Discussion of project #1" in texts(opening)

    # Grace presses Review: a form with the five criteria.
    await slack.click(review, user="U2", user_name="grace", response_key="form")
    await slack.fake.wait_for(lambda: slack.fake.calls_to("views.open"))
    view = slack.fake.calls_to("views.open")[0]["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["problem", "data", "baseline", "evaluation", "writeup"]
    assert view["title"]["text"] == "Review project #1"

    # The owner is refused in the form; a malformed field is one line; a good review is taken.
    own = await slack.submit(view, GOOD, user="U1", user_name="ada")
    assert own.json()["response_action"] == "errors"
    assert "You can't review your own project." in own.json()["errors"]["problem"]
    bad = await slack.submit(view, GOOD | {"writeup": "lovely"}, user="U2", user_name="grace")
    assert "Write-up and reproducibility: start with a score" in bad.json()["errors"]["problem"]
    good = await slack.submit(view, GOOD, user="U2", user_name="grace")
    assert good.json() == {"response_action": "clear"}
    await slack.fake.wait_for(lambda: slack.fake.responses_to("form"))
    assert "your review of project #1" in texts(slack.fake.responses_to("form")[0])

    while await slack.app.outbox.run_once():
        pass
    dm = slack.fake.calls_to("chat.postMessage")[-1]
    assert dm["channel"] == "DU1"
    assert "New review of project #1" in texts(dm) and "2/5" in texts(dm)
