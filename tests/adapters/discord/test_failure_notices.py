"""Failure notices on Discord, against the fake: a channel answering 403 Missing Permissions
(code 50013) or 404 Unknown Channel (10003), or a member's closed DMs (50007), DM the admin
who set the channel with the exact fix, once per cause per local day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.failnotice import NOTICE_PREFIX
from bot.core.messages import Reply
from bot.core.outbox import OutboxMessage, Target, enqueue
from bot.core.tenancy import ensure_community, ensure_member
from tests.adapters.discord.conftest import DiscordBot, embeds_text
from tests.adapters.discord.test_delivery import until
from tests.fakes.discord import User


def challenge(rows: dict[str, OutboxMessage], day: str) -> OutboxMessage | None:
    return next((r for k, r in rows.items() if k.startswith("challenge:") and k.endswith(day)), None)


def notices(rows: dict[str, OutboxMessage]) -> list[OutboxMessage]:
    return sorted((r for k, r in rows.items() if k.startswith(NOTICE_PREFIX)), key=lambda r: r.id)


def dms(bot: DiscordBot, user: User) -> list[str]:
    channel = bot.fake.dm_channels.get(user.id)
    return [embeds_text(m) for m in bot.fake.messages.get(channel, [])] if channel else []


async def fail_todays_challenge(bot: DiscordBot, day: datetime) -> dict[str, OutboxMessage]:
    """Post `day`'s challenge (it fails), then let the notice's gathering minute pass."""
    bot.clock.set(day)
    await bot.app.scheduler.run_tick("challenges.post")
    bot.app.outbox.wake()
    iso = day.date().isoformat()
    current = await until(bot.app, lambda r: (c := challenge(r, iso)) is not None and c.status == "failed"
                          and any(n.dedupe_key.split(":")[2] == iso for n in notices(r)))
    return current


async def deliver_notices(bot: DiscordBot, count: int) -> None:
    bot.clock.advance(timedelta(seconds=61))
    bot.app.outbox.wake()
    await until(bot.app, lambda r: sum(n.status == "sent" for n in notices(r)) == count)


async def test_missing_permissions_dm_the_admin_who_set_the_channel_once_a_day(bot: DiscordBot) -> None:
    fake = bot.fake
    ada, root = fake.member("ada", admin=True), fake.member("root", admin=True)
    daily, kaggle = fake.add_channel("ml-daily"), fake.add_channel("kaggle")
    await fake.response(await fake.slash(root, "admin set channel", purpose="kaggle", channel=kaggle))
    await fake.response(await fake.slash(ada, "admin set channel", purpose="challenge", channel=daily))
    fake.fail("POST", rf"/channels/{daily}/messages", status=403, code=50013,
              message="Missing Permissions", times=100)

    await fail_todays_challenge(bot, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await deliver_notices(bot, 1)
    [dm] = dms(bot, ada)
    assert f"Pivot could not post today's challenge in <#{daily}> (Mon 02 Mar)" in dm
    assert f"give Pivot 'Send Messages', 'Embed Links' and 'Attach Files' in <#{daily}>" in dm
    assert "`/admin set channel challenge #another-channel`" in dm
    assert "`/admin failures` lists it with a **Retry** button" in dm
    assert dms(bot, root) == []  # root set another channel: not theirs to fix

    # Posted again the same day (the fix did not work yet): it fails again, nobody is told twice.
    [callback] = await fake.response(await fake.slash(ada, "admin challenge post-now"))
    assert "sending it again" in embeds_text(callback.json["data"])
    await until(bot.app, lambda r: (c := challenge(r, "2026-03-02")) is not None and c.status == "failed")

    # The next local day's failure is news again: one more DM, two in all.
    await fail_todays_challenge(bot, datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    await deliver_notices(bot, 2)
    assert len(dms(bot, ada)) == 2 and "(Tue 03 Mar)" in dms(bot, ada)[1]


async def test_a_deleted_channel_asks_for_another(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada", admin=True)
    daily = fake.add_channel("ml-daily")
    await fake.response(await fake.slash(ada, "admin set channel", purpose="challenge", channel=daily))
    del fake.channels[daily]  # deleted on Discord: posting there is 404 Unknown Channel (10003)

    await fail_todays_challenge(bot, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await deliver_notices(bot, 1)
    [dm] = dms(bot, ada)
    assert "the channel no longer exists" in dm
    assert "choose a channel that exists: `/admin set channel challenge #another-channel`" in dm


async def test_closed_dms_are_told_to_the_admins_naming_the_member(bot: DiscordBot) -> None:
    fake = bot.fake
    ada, grace = fake.member("ada", admin=True), fake.member("grace")
    daily = fake.add_channel("ml-daily")
    await fake.response(await fake.slash(ada, "admin set channel", purpose="challenge", channel=daily))
    fake.close_dms(grace)  # 403 code 50007 Cannot send messages to this user
    async with bot.app.session_factory() as session:
        community = await ensure_community(session, "discord", fake.guild_id, fake.guild_name)
        await ensure_member(session, community, grace.id, "grace")
        await enqueue(session, community, Target.dm(grace.id), Reply(text="Your check-in"),
                      dedupe_key="checkin:test:1", now=bot.clock.now())
        await session.commit()
    bot.app.outbox.wake()
    await until(bot.app, lambda r: r["checkin:test:1"].status == "failed" and len(notices(r)) == 1)
    await deliver_notices(bot, 1)
    [dm] = dms(bot, ada)
    assert "Pivot could not send a check-in prompt" in dm and f"<@{grace.id}>" in dm
    assert "only each member can open their DMs" in dm


async def test_a_notice_that_fails_is_not_noticed(bot: DiscordBot) -> None:
    fake = bot.fake
    ada = fake.member("ada", admin=True)
    daily = fake.add_channel("ml-daily")
    await fake.response(await fake.slash(ada, "admin set channel", purpose="challenge", channel=daily))
    fake.fail("POST", rf"/channels/{daily}/messages", status=403, code=50001, message="Missing Access",
              times=100)
    fake.close_dms(ada)
    await fail_todays_challenge(bot, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    bot.clock.advance(timedelta(seconds=61))
    bot.app.outbox.wake()
    current = await until(bot.app, lambda r: all(n.status == "failed" for n in notices(r)))
    assert [n.target for n in notices(current)] == [ada.id]
    bot.clock.advance(timedelta(minutes=5))
    bot.app.outbox.wake()
    current = await until(bot.app, lambda r: all(x.status != "pending" for x in r.values()))
    assert sorted(r.status for r in current.values()) == ["failed", "failed"]
