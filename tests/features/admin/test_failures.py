"""Failures admins see and can fix: `admin failures` with Retry, a failed or missed challenge
that can be posted again, and skipped posts that are logged as warnings."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.outbox import OutboxMessage
from tests.conftest import ConsoleHarness


class RefusingSender:
    """A platform that refuses everything permanently (a deleted channel)."""

    def __init__(self) -> None:
        self.refuse = True
        self.delivered: list[str] = []

    async def deliver(self, delivery):  # type: ignore[no-untyped-def]
        from bot.core.outbox import DeliveryResult, PermanentDeliveryError

        if self.refuse:
            raise PermanentDeliveryError("Unknown Channel")
        self.delivered.append(delivery.target.to)
        return DeliveryResult(message_id=f"m{len(self.delivered)}")


async def _rows(app: App) -> list[OutboxMessage]:
    async with app.session_factory() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_a_failed_challenge_post_is_reposted_after_the_channel_is_fixed(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    sender = RefusingSender()
    app.outbox.senders["console"] = sender
    await console.say("admin set channel challenge #gone")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await app.scheduler.run_all()
    await app.outbox.run_once()
    failed = [r for r in await _rows(app) if r.dedupe_key.startswith("challenge:")]
    assert [r.status for r in failed] == ["failed"]

    shown = await console.say("admin failures")
    assert "#gone" in shown and "Unknown Channel" in shown and "Retry all 1" in shown

    sender.refuse = False
    await console.say("admin set channel challenge #ml-daily")
    out = await console.say("admin challenge post-now")
    assert "had failed to post (Unknown Channel); sending it again to #ml-daily" in out
    await app.outbox.run_once()
    assert sender.delivered == ["ml-daily"]
    assert "already posted" in await console.say("admin challenge post-now")


async def test_retry_button_sends_a_failed_post_again_and_members_cannot_press_it(
    console: ConsoleHarness, app: App, clock: ManualClock
) -> None:
    sender = RefusingSender()
    app.outbox.senders["console"] = sender
    await console.say("admin set channel challenge #ml-daily")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await app.scheduler.run_all()
    await app.outbox.run_once()
    listing = await console.say("admin failures")
    await console.as_member("mallory")
    assert "Only community admins" in await console.say("1")
    await console.as_member("ada")
    await console.say("admin failures")
    sender.refuse = False
    assert "Queued 1 post again." in await console.say("1")
    await app.outbox.run_once()
    assert sender.delivered == ["ml-daily"] and "Retry" in listing
    assert "No failed deliveries" in await console.say("admin failures")


async def test_a_challenge_missed_while_down_is_a_warning_in_admin_show_and_can_be_posted(
    console: ConsoleHarness, app: App, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await console.say("admin set channel challenge #ml-daily")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await app.scheduler.run_all()  # Monday's challenge goes out
    # The bot was down at 09:00 on Tuesday and comes back at 15:00, far past the grace window.
    clock.set(datetime(2026, 3, 3, 15, 0, tzinfo=UTC))
    with caplog.at_level(logging.WARNING):
        await app.scheduler.run_all()
        await app.scheduler.run_all()
    warnings = [r for r in caplog.records if "was missed" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "Missed (Pivot was not running at challenge time): Tue 03 Mar" in await console.say("admin show")
    out = await console.say("admin challenge post-now")
    assert "is on its way to #ml-daily" in out


async def test_checkins_skipped_beyond_grace_are_one_warning_per_community(
    console: ConsoleHarness, app: App, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("asha", "bruno"):
        await console.as_member(name)
        await console.say("checkin schedule daily 09:00")
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC) + timedelta(hours=5))
    with caplog.at_level(logging.WARNING):
        await app.scheduler.run_tick("checkins.due")
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].getMessage().startswith("2 check-in(s) in community")
