"""Outbox deliveries to Discord: channels, DMs (and their fallback), private threads, errors."""

from __future__ import annotations

from bot.core.messages import Image, Reply
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import ensure_community
from tests.adapters.discord import probe
from tests.adapters.discord.conftest import DiscordBot, embeds_text, settled

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def schedule(bot: DiscordBot, target: Target, reply: Reply, key: str) -> None:
    """What a feature's tick does: write the post into the outbox, then let the worker know."""
    async with bot.app.session_factory() as session:
        community = await ensure_community(
            session, "discord", bot.fake.guild_id, bot.fake.guild_name
        )
        await enqueue(session, community, target, reply, dedupe_key=key, now=bot.clock.now())
        await session.commit()
    bot.app.outbox.wake()


async def test_a_scheduled_post_with_a_chart_reaches_the_channel(bot: DiscordBot) -> None:
    fake = bot.fake
    channel = fake.add_channel("ml-daily")
    reply = Reply(
        title="Daily challenge",
        text="What is the derivative of x²?",
        image=Image("chart.png", PNG, alt="a parabola"),
    )
    await schedule(bot, Target.in_channel(channel), reply, "challenge:1")
    row = await settled(bot.app, "challenge:1")
    assert row.status == "sent"
    [call] = await fake.wait_for("POST", f"/channels/{channel}/messages")
    [message] = fake.messages[channel]
    assert row.platform_message_id == message["id"]
    embed = call.json["embeds"][0]
    assert (embed["title"], embed["description"]) == (
        "Daily challenge",
        "What is the derivative of x²?",
    )
    assert embed["image"] == {"url": "attachment://chart.png"}
    assert call.json["attachments"] == [
        {"id": 0, "filename": "chart.png", "description": "a parabola"}
    ]
    assert [(f["name"], f["filename"], f["data"]) for f in call.files] == [
        ("files[0]", "chart.png", PNG)
    ]


async def test_a_check_in_dm_reaches_the_member(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    await schedule(
        bot,
        Target.dm(ada.id, fallback_channel=fake.channel("general")),
        Reply(title="Check-in", text="How did this week go?"),
        "checkin:1",
    )
    row = await settled(bot.app, "checkin:1")
    assert (row.status, row.note) == ("sent", None)
    [opened] = await fake.wait_for("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": int(ada.id)}
    dm = fake.dm_channels[ada.id]
    assert embeds_text(fake.messages[dm][0]) == "Check-in\nHow did this week go?"
    assert fake.channel("general") not in fake.messages


async def test_a_dm_to_a_member_with_closed_dms_falls_back_once_to_a_mention_in_the_channel(
    bot: DiscordBot,
) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    fake.close_dms(ada)
    general = fake.channel("general")
    await schedule(
        bot,
        Target.dm(ada.id, fallback_channel=general),
        Reply(title="Check-in", text="How did this week go?"),
        "checkin:2",
    )
    row = await settled(bot.app, "checkin:2")
    assert (row.status, row.note) == ("sent", f"DMs closed; posted in <#{general}>")
    dm = fake.dm_channels[ada.id]
    assert len(await fake.wait_for("POST", f"/channels/{dm}/messages")) == 1
    assert dm not in fake.messages
    [fallback] = fake.messages[general]
    assert fallback["content"].startswith(f"<@{ada.id}>")
    assert row.platform_message_id == fallback["id"]
    [call] = await fake.wait_for("POST", f"/channels/{general}/messages")
    assert call.json["allowed_mentions"] == {"parse": [], "users": [ada.id]}


async def test_closed_dms_without_a_fallback_fail_and_show_in_admin_show(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    fake.close_dms(ada)
    await schedule(bot, Target.dm(ada.id), Reply(text="Your buddy is waiting."), "buddy:dm:1")
    row = await settled(bot.app, "buddy:dm:1")
    assert row.status == "failed"
    assert "DMs closed" in (row.last_error or "")

    interaction = await fake.slash(fake.member("root", admin=True), "admin show")
    [callback] = await fake.response(interaction)
    fields = {f["name"]: f["value"] for f in callback.json["data"]["embeds"][0]["fields"]}
    assert "DMs closed" in fields["Recent failed deliveries"]


async def test_a_group_post_is_a_private_thread_with_the_members_added(bot: DiscordBot) -> None:
    fake = bot.fake
    ada, grace = fake.member("ada"), fake.member("grace")
    buddies = fake.add_channel("buddies")
    await schedule(
        bot,
        Target.group([ada.id, grace.id], channel=buddies),
        Reply(title="Meet your study buddy", text="Say hi!"),
        "buddy:pair:1",
    )
    row = await settled(bot.app, "buddy:pair:1")
    assert row.status == "sent"
    [created] = await fake.wait_for("POST", f"/channels/{buddies}/threads")
    assert created.json["type"] == 12 and created.json["name"] == "Meet your study buddy"
    assert created.json["invitable"] is False
    thread = next(cid for cid, c in fake.channels.items() if c.get("parent_id") == buddies)
    assert fake.thread_members[thread] == [fake.bot.id, ada.id, grace.id]
    [message] = fake.messages[thread]
    assert message["content"] == f"<@{ada.id}> <@{grace.id}>"
    assert embeds_text(message) == "Meet your study buddy\nSay hi!"
    assert buddies not in fake.messages


async def test_an_unknown_channel_fails_permanently(bot: DiscordBot) -> None:
    await schedule(bot, Target.in_channel("123456789"), Reply(text="hello"), "gone:1")
    row = await settled(bot.app, "gone:1")
    assert row.status == "failed"
    assert "10003" in (row.last_error or "")


async def test_missing_permissions_fail_permanently(bot: DiscordBot) -> None:
    general = bot.fake.channel("general")
    bot.fake.fail(
        "POST",
        f"/channels/{general}/messages",
        status=403,
        code=50013,
        message="Missing Permissions",
    )
    await schedule(bot, Target.in_channel(general), Reply(text="hello"), "perm:1")
    row = await settled(bot.app, "perm:1")
    assert row.status == "failed" and "50013" in (row.last_error or "")


async def test_a_server_error_is_retried_later(bot: DiscordBot) -> None:
    general = bot.fake.channel("general")
    bot.fake.fail(
        "POST", f"/channels/{general}/messages", status=503, message="upstream unavailable"
    )
    await schedule(bot, Target.in_channel(general), Reply(text="hello"), "flaky:1")
    row = await settled(bot.app, "flaky:1")
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > bot.clock.now()
    assert general not in bot.fake.messages


async def test_a_rate_limit_is_waited_out_by_discord_py_and_the_post_goes_through(
    bot: DiscordBot,
) -> None:
    general = bot.fake.channel("general")
    bot.fake.fail("POST", f"/channels/{general}/messages", status=429, retry_after=0.01)
    await schedule(bot, Target.in_channel(general), Reply(text="hello"), "busy:1")
    row = await settled(bot.app, "busy:1")
    assert (row.status, row.attempts) == ("sent", 0)
    assert len(await bot.fake.wait_for("POST", f"/channels/{general}/messages", count=2)) == 2
    assert len(bot.fake.messages[general]) == 1


async def test_buttons_and_forms_in_a_dm_work_after_a_restart(bot: DiscordBot) -> None:
    """A DM has no guild: the community (and the form a button opens) come from the outbox row."""
    fake = bot.fake
    ada = fake.member("ada")
    await schedule(bot, Target.dm(ada.id), probe.buttons_reply(), "checkin:dm:buttons")
    assert (await settled(bot.app, "checkin:dm:buttons")).status == "sent"
    [posted] = fake.messages[fake.dm_channels[ada.id]]

    await bot.restart()

    click = await fake.click(ada, posted, "probe.press:7")
    [answer] = await fake.response(click)
    assert embeds_text(answer.json["data"]) == f"Pressed 7 by Ada in {fake.guild_name}."

    click = await fake.click(ada, posted, "probe.note_open:7")
    [opened] = await fake.response(click)
    assert opened.json["type"] == 9 and opened.json["data"]["custom_id"] == "probe.note:7"
    submit = await fake.submit(
        ada, opened.json["data"], {"note": "Finished week 3"}, message=posted
    )
    [answer] = await fake.response(submit)
    assert embeds_text(answer.json["data"]) == "Noted for 7: Finished week 3"


async def test_a_file_attachment_goes_as_a_file_not_an_image(bot: DiscordBot) -> None:
    from bot.core.messages import Attachment

    fake = bot.fake
    ada = fake.member("ada")
    data = b'{"goals": []}'
    reply = Reply(title="Your data", text="Everything stored about you.",
                  attachment=Attachment("pivot-export.json", data, "application/json"))
    await schedule(bot, Target.dm(ada.id), reply, "export:1")
    row = await settled(bot.app, "export:1")
    assert row.status == "sent"
    call = next(c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages"))
    assert "image" not in call.json["embeds"][0]
    assert call.json["attachments"] == [{"id": 0, "filename": "pivot-export.json"}]
    assert [(f["filename"], f["data"]) for f in call.files] == [("pivot-export.json", data)]
