"""Job search on Discord: a feed post with its Save button, the funnel chart, the tracker."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.tenancy import CommunityChannel, ensure_community
from bot.features.jobs.boards import Posting
from bot.features.jobs.models import JobApplication, JobSource
from bot.features.jobs.service import feed
from tests.adapters.discord.conftest import DiscordBot, embeds_text, settled

EPHEMERAL = 64


async def post_a_job(bot: DiscordBot, channel: str) -> str:
    """What the poll tick does after reading a board: store the posting and post it."""
    now = bot.clock.now()
    async with bot.app.session_factory() as session:
        community = await ensure_community(session, "discord", bot.fake.guild_id, bot.fake.guild_name)
        session.add(CommunityChannel(community_id=community.id, purpose="jobs", channel_id=channel))
        source = JobSource(community_id=community.id, kind="lever", board="acme", company="Acme AI",
                           added_at=now, next_poll_at=now)
        session.add(source)
        await session.flush()
        new, _ = await feed.store(session, source, [Posting(
            "abc-1", "Machine Learning Engineer", "https://jobs.lever.co/acme/abc-1",
            location="Berlin", remote_hint="on-site")], now)
        await feed.post_new(session, source, new, now)
        await session.commit()
    bot.app.outbox.wake()
    return f"jobs:{community.id}:lever:acme:abc-1"


async def test_a_job_post_has_a_save_button_that_saves_for_whoever_presses_it(bot: DiscordBot) -> None:
    fake = bot.fake
    channel = fake.add_channel("ml-jobs")
    key = await post_a_job(bot, channel)
    assert (await settled(bot.app, key)).status == "sent"
    [call] = await fake.wait_for("POST", f"/channels/{channel}/messages")
    embed = call.json["embeds"][0]
    assert embed["title"] == "💼 Machine Learning Engineer — Acme AI"
    assert {f["name"]: f["value"] for f in embed["fields"]}["Where"] == "Berlin"
    [[save]] = [[c for c in row["components"]] for row in call.json["components"]]
    assert save["label"] == "Save" and save["custom_id"].startswith("jobs.save:")
    [message] = fake.messages[channel]

    click = await fake.click(fake.member("grace"), message, save["custom_id"])
    [answer] = await fake.response(click)
    assert answer.json["data"]["flags"] == EPHEMERAL
    assert "Saved to your tracker as #1" in embeds_text(answer.json["data"])
    async with bot.app.session_factory() as session:
        saved = (await session.execute(select(JobApplication))).scalar_one()
    assert (saved.stage, saved.company) == ("saved", "Acme AI")


async def test_apply_commands_and_the_funnel_image(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    added = await fake.slash(ada, "apply add", company="Acme", role="ML Engineer", stage="applied")
    [callback] = await fake.response(added)
    assert callback.json["data"]["flags"] == EPHEMERAL
    assert callback.json["data"]["embeds"][0]["title"] == "Application #1 tracked"
    moved = await fake.slash(ada, "apply move", id=1, stage="onsite", note="Two rounds on Friday")
    [callback] = await fake.response(moved)
    assert "applied → **onsite**" in embeds_text(callback.json["data"])

    stats = await fake.slash(ada, "apply stats")
    defer, edit = await fake.response(stats, count=2)
    assert defer.json["type"] == 5
    embed = edit.json["embeds"][0]
    assert embed["image"] == {"url": "attachment://funnel.png"}
    [file] = edit.files
    assert file["filename"] == "funnel.png" and file["data"].startswith(b"\x89PNG")
