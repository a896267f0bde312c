"""The projects showcase on Discord: the card in the showcase channel with its discussion thread
and Review button, the five-field review form, and the review reaching the owner by DM."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.features.projects.models import ProjectReview
from tests.adapters.discord.conftest import DiscordBot, embeds_text

EPHEMERAL = 64
GOOD = {
    "problem": "4 clear metric tied to paging",
    "data": "3 split by time, good",
    "baseline": "2 no keyword baseline yet",
    "evaluation": "4 held-out week",
    "writeup": "5 one command reproduces it",
}


async def test_showcase_card_thread_review_form_and_dm(bot: DiscordBot) -> None:
    fake = bot.fake
    ada, grace, root = fake.member("ada"), fake.member("grace"), fake.member("root", admin=True)
    showcase = fake.add_channel("showcase")
    await fake.response(await fake.slash(root, "admin set channel", purpose="showcase", channel=showcase))
    await fake.response(await fake.slash(ada, "project add", title="HDFS anomaly detector",
                                         problem="Flag failing blocks before the pager goes off"))
    interaction = await fake.slash(ada, "project showcase", id=1)
    [callback] = await fake.response(interaction)
    assert "on its way" in embeds_text(callback.json["data"])

    [posted] = await fake.wait_for("POST", f"/channels/{showcase}/messages")
    [card] = fake.messages[showcase]
    assert "Project #1: HDFS anomaly detector" in embeds_text(card)
    assert "Flag failing blocks" in embeds_text(card)
    [[button]] = [row["components"] for row in card["components"]]
    assert (button["label"], button["custom_id"]) == ("Review", "project.review:1")

    # The discussion: a public thread started from the card, with an opening message.
    [started] = await fake.wait_for("POST", f"/channels/{showcase}/messages/{card['id']}/threads")
    assert started.json["name"] == "#1 HDFS anomaly detector"
    [opening] = await fake.wait_for("POST", f"/channels/{card['id']}/messages")
    assert fake.channels[card["id"]]["parent_id"] == showcase
    assert "Discussion of project #1" in embeds_text(fake.messages[card["id"]][0])

    # Review opens a form with five fields, each within Discord's label limit.
    [opened] = await fake.response(await fake.click(grace, card, "project.review:1"))
    assert opened.json["type"] == 9
    modal = opened.json["data"]
    inputs = [c for row in modal["components"] for c in row["components"]]
    assert [i["custom_id"] for i in inputs] == ["problem", "data", "baseline", "evaluation", "writeup"]
    assert all(len(i["label"]) <= 45 for i in inputs)
    assert modal["title"] == "Review project #1"

    # The owner can't review their own project; a malformed score is one clear line.
    [own] = await fake.response(await fake.submit(ada, modal, GOOD, message=card))
    assert embeds_text(own.json["data"]) == "You can't review your own project."
    bad = GOOD | {"baseline": "great baseline"}
    [refused] = await fake.response(await fake.submit(grace, modal, bad, message=card))
    assert refused.json["data"]["flags"] == EPHEMERAL
    assert embeds_text(refused.json["data"]).startswith("Baseline: start with a score from 1 to 5")

    [thanks] = await fake.response(await fake.submit(grace, modal, GOOD, message=card))
    assert "your review of project #1 (3.6/5 on average)" in embeds_text(thanks.json["data"])
    await fake.wait_for("POST", "/users/@me/channels")
    dm = fake.dm_channels[ada.id]
    await fake.wait_for("POST", f"/channels/{dm}/messages")
    review_dm = embeds_text(fake.messages[dm][0])
    assert "New review of project #1" in review_dm and "Baseline" in review_dm and "2/5" in review_dm
    async with bot.app.session_factory() as session:
        count = (await session.execute(select(func.count()).select_from(ProjectReview))).scalar_one()
    assert count == 1
    assert opening is not None and posted is not None
