"""The composition root keeps serving when one platform fails, and says so when all do."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App, PlatformsDown
from bot.core.outbox import Delivery, DeliveryResult


class StubPlatform:
    """An adapter whose platform connection fails at once, or serves until told to stop."""

    def __init__(self, platform: str, *, error: Exception | None = None) -> None:
        self.platform = platform
        self.prefix = ""
        self.error = error
        self.stop = asyncio.Event()
        self.closed = False
        self.sender = self

    async def deliver(self, delivery: Delivery) -> DeliveryResult:  # pragma: no cover
        return DeliveryResult()

    async def start(self) -> None:
        if self.error is not None:
            raise self.error
        await self.stop.wait()

    async def close(self) -> None:
        self.closed = True


async def test_one_failed_platform_does_not_stop_the_others(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    broken = StubPlatform("discord", error=OSError("Cannot connect to host discord.com:443"))
    working = StubPlatform("slack")
    serving = asyncio.create_task(app.serve([broken, working]))
    finished, _ = await asyncio.wait({serving}, timeout=0.5)
    assert not finished, "Slack keeps serving while Discord is down"
    assert "discord stopped: Cannot connect to host discord.com:443" in caplog.text
    working.stop.set()
    await serving
    assert broken.closed and working.closed


async def test_every_platform_down_is_one_clear_error(app: App) -> None:
    adapters = [
        StubPlatform("discord", error=OSError("network unreachable")),
        StubPlatform("slack", error=RuntimeError("invalid_auth")),
    ]
    with pytest.raises(PlatformsDown, match="discord: network unreachable; slack: invalid_auth"):
        await app.serve(adapters)
