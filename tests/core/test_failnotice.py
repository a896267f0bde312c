"""Failure notices in the console: a post that can never be sent DMs the admin who set its
channel, once per cause per local day, with the fix; closed DMs are one message per admin per
day; a notice that fails is not noticed; with nobody recorded, the other known admins hear.

The console stands in for a platform that refuses some posts the way Discord and Slack do
(their senders' mapping of error codes to causes is tested against their fakes in
tests/adapters/*/test_failure_notices.py)."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.core.clock import ManualClock
from bot.core.failnotice import NOTICE_PREFIX
from bot.core.messages import Reply
from bot.core.outbox import (
    DMS_CLOSED,
    NO_PERMISSION,
    Delivery,
    DeliveryResult,
    OutboxMessage,
    PermanentDeliveryError,
    Target,
    enqueue,
)
from bot.core.tenancy import CommunityChannel, ensure_community
from tests.conftest import ConsoleHarness


class Refusing:
    """The console as a platform that refuses posts to some channels and DMs to some members."""

    def __init__(self, console: ConsoleHarness) -> None:
        self.inner = console.adapter.sender
        self.channels: dict[str, str] = {}  # channel -> cause
        self.closed_dms: set[str] = set()

    async def deliver(self, delivery: Delivery) -> DeliveryResult:
        target = delivery.target
        if target.kind == "channel" and target.to in self.channels:
            raise PermanentDeliveryError(f"refused in {target.to}", cause=self.channels[target.to])
        if target.kind == "dm" and target.to in self.closed_dms and target.channel is None:
            raise PermanentDeliveryError(f"DMs closed for {target.to}", cause=DMS_CLOSED)
        return await self.inner.deliver(delivery)


@pytest.fixture
def platform(console: ConsoleHarness, app: App) -> Refusing:
    refusing = Refusing(console)
    app.outbox.senders["console"] = refusing
    return refusing


async def notices(app: App) -> list[OutboxMessage]:
    async with app.session_factory() as session:
        return list((await session.execute(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(NOTICE_PREFIX))
            .order_by(OutboxMessage.id))).scalars())


def dms_to(output: str, member: str) -> list[str]:
    """The console's printed DMs to `member` (each from its header to the next blank line)."""
    return [block for block in output.split("\n── ")[1:] if block.startswith(f"DM to @{member} ──")]


async def test_a_refused_challenge_tells_the_admin_who_set_the_channel_once_a_day(
    console: ConsoleHarness, app: App, clock: ManualClock, platform: Refusing
) -> None:
    await console.say("admin set channel challenge #ml-daily")
    platform.channels["ml-daily"] = NO_PERMISSION
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    out = await console.say("/wait 20m")
    [dm] = dms_to(out, "ada")
    assert "Pivot could not post today's challenge in #ml-daily" in dm
    assert "give Pivot 'Send Messages', 'Embed Links' and 'Attach Files' in #ml-daily" in dm
    assert "`admin set channel challenge #another-channel`" in dm
    assert "`admin failures` lists it with a Retry button: press it once fixed" in dm

    # Retried after a fix that did not work: it fails again the same day, and nobody is told twice.
    await console.say("admin failures")
    assert "Queued 1 post again." in await console.say("/press Retry all 1")
    out = await console.say("/wait 20m")
    assert dms_to(out, "ada") == []
    assert len(await notices(app)) == 1

    # The next local day's failure is news again.
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    out = await console.say("/wait 20m")
    [dm] = dms_to(out, "ada")
    # (Monday's answer was due in the channel too: the one notice names both.)
    assert "Pivot could not post a challenge answer and today's challenge in #ml-daily (Tue 03 Mar)" in dm
    assert len(await notices(app)) == 2


async def test_the_notice_goes_to_whoever_set_that_channel_and_else_to_the_known_admins(
    console: ConsoleHarness, app: App, clock: ManualClock, platform: Refusing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root_out = io.StringIO()
    root = ConsoleAdapter(app, out=root_out, member="root")  # a second admin at another keyboard
    await root.handle_line("admin set channel kaggle #kaggle")
    await console.say("admin set channel challenge #ml-daily")
    platform.channels["ml-daily"] = NO_PERMISSION
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await console.say("/wait 20m")
    assert [r.target for r in await notices(app)] == ["ada"]  # not root: ada set it

    # A setting made before Pivot recorded who made it: the admins Pivot knows hear instead.
    async with app.session_factory() as session:
        await session.execute(update(CommunityChannel).where(CommunityChannel.purpose == "challenge")
                              .values(set_by_member_id=None))
        await session.commit()
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    await console.say("/wait 20m")
    assert sorted(r.target for r in (await notices(app))[1:]) == ["root"]

    # Nobody known at all: a warning, no DM (`admin failures` still lists the post).
    async with app.session_factory() as session:
        await session.execute(update(CommunityChannel).values(set_by_member_id=None))
        await session.commit()
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    with caplog.at_level(logging.WARNING):
        await console.say("/wait 20m")
    assert len(await notices(app)) == 2
    assert any("no admin is known" in r.getMessage() for r in caplog.records)
    assert "#ml-daily" in await console.say("admin failures")


async def test_a_forgotten_admin_hands_the_notices_to_the_others(
    console: ConsoleHarness, app: App, clock: ManualClock, platform: Refusing
) -> None:
    root = ConsoleAdapter(app, out=io.StringIO(), member="root")
    await root.handle_line("admin set channel kaggle #kaggle")
    await console.say("admin set channel challenge #ml-daily")
    await console.say("privacy forget")  # ada leaves and asks to be forgotten
    await console.say("/press Delete my data")
    async with app.session_factory() as session:
        setters = set((await session.execute(select(CommunityChannel.set_by_member_id))).scalars())
    assert None in setters  # her setting stays, without her
    platform.channels["ml-daily"] = NO_PERMISSION
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await console.say("/wait 20m")
    assert [r.target for r in await notices(app)] == ["root"]


async def test_closed_dms_are_one_message_per_admin_per_day(
    console: ConsoleHarness, app: App, clock: ManualClock, platform: Refusing
) -> None:
    await console.say("admin set channel challenge #ml-daily")
    for name in ("bruno", "chen", "dia"):
        await console.as_member(name)
        await console.say("checkin schedule daily 09:00")
        platform.closed_dms.add(name)
    await console.as_member("ada")
    clock.set(datetime(2026, 3, 2, 8, 59, tzinfo=UTC))
    out = await console.say("/wait 20m")
    [dm] = dms_to(out, "ada")
    assert "Pivot could not send 3 check-in prompts (Mon 02 Mar) by direct message to @bruno, " \
           "@chen, @dia" in dm
    assert "only each member can open their DMs" in dm
    assert "`admin set channel checkins #channel`" in dm

    # Later the same day another DM to one of them fails: no second message today.
    async with app.session_factory() as session:
        community = await ensure_community(session, "console", "local")
        await enqueue(session, community, Target.dm("bruno"), Reply(text="A job alert"),
                      dedupe_key="jobs-alert:test", now=clock.now())
        await session.commit()
    out = await console.say("/wait 20m")
    assert dms_to(out, "ada") == []
    assert len(await notices(app)) == 1
    # The next day's prompts fail again: one more message, still one for the three of them.
    clock.set(datetime(2026, 3, 3, 8, 59, tzinfo=UTC))
    out = await console.say("/wait 20m")
    assert len(dms_to(out, "ada")) == 1
    assert len(await notices(app)) == 2


async def test_a_notice_that_fails_is_not_noticed(
    console: ConsoleHarness, app: App, clock: ManualClock, platform: Refusing
) -> None:
    await console.say("admin set channel challenge #ml-daily")
    platform.channels["ml-daily"] = NO_PERMISSION
    platform.closed_dms.add("ada")  # the admin's own DMs are closed too
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await console.say("/wait 20m")
    [notice] = await notices(app)
    assert notice.status == "failed" and notice.target == "ada"
    async with app.session_factory() as session:
        statuses = list((await session.execute(select(OutboxMessage.status))).scalars())
    assert statuses == ["failed", "failed"]  # the challenge and its notice; nothing after
    listing = await console.say("admin failures")
    assert "#ml-daily" in listing and "DM to @ada" in listing
