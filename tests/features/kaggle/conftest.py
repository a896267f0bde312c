from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.dispatch import Caller
from bot.core.messages import Reply
from bot.core.outbox import OutboxMessage
from bot.features.kaggle.client import KaggleClient, KaggleCredentials
from tests.conftest import ConsoleHarness
from tests.fakes.kaggle import FakeKaggle


@pytest.fixture
async def fake_kaggle() -> AsyncIterator[FakeKaggle]:
    async with FakeKaggle() as fake:
        yield fake


class SleepRecorder:
    """Stands in for asyncio.sleep in the Kaggle client: records each backoff, returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def kaggle_settings(database_url: str, fake_kaggle: FakeKaggle) -> Settings:
    """Settings the way an operator points Pivot at Kaggle: API URL plus a token."""
    return Settings(
        database={"url": database_url},
        console={"member": "ada", "community": "Test group"},
        kaggle={"api_url": fake_kaggle.base_url, "api_token": "KGAT_test_token"},
    )


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
async def kaggle_app(
    kaggle_settings: Settings, clock: ManualClock, fake_kaggle: FakeKaggle, sleeps: SleepRecorder
) -> AsyncIterator[App]:
    """An App with Kaggle on, its client swapped for one that records backoff instead of sleeping."""
    application = App(kaggle_settings, clock=clock)
    built = application.resources["kaggle"]
    assert isinstance(built, KaggleClient) and built.base_url == fake_kaggle.base_url
    await built.aclose()
    application.resources["kaggle"] = KaggleClient(
        KaggleCredentials.from_token("KGAT_test_token", source="test"),
        base_url=fake_kaggle.base_url,
        sleep=sleeps,
        timeout=0.3,
        max_attempts=3,
    )
    try:
        yield application
    finally:
        await application.close()


@pytest.fixture
def kaggle_console(kaggle_app: App) -> ConsoleHarness:
    return ConsoleHarness(kaggle_app)


class Community:
    """One community speaking to the app through the dispatcher (as an adapter would)."""

    def __init__(self, app: App, external_id: str) -> None:
        self.app = app
        self.external_id = external_id

    def caller(self, user: str = "ada", *, admin: bool = True) -> Caller:
        return Caller(
            platform="console",
            community_id=self.external_id,
            user_id=user,
            display_name=user,
            community_name=self.external_id,
            is_admin=admin,
        )

    async def say(self, text: str, *, user: str = "ada", admin: bool | None = None) -> Reply:
        is_admin = (user == "ada") if admin is None else admin
        return await self.app.dispatcher.run_text(self.caller(user, admin=is_admin), text)

    async def setup(self, *, timezone: str = "UTC", categories: str | None = None) -> None:
        for line in (
            f"admin set channel kaggle #kaggle-{self.external_id}",
            f"admin set timezone {timezone}",
            *([f"admin kaggle categories {categories}"] if categories else []),
        ):
            reply = await self.say(line)
            assert not reply.error, reply.text


def text_of(reply: Reply) -> str:
    parts = [
        reply.title or "",
        reply.text,
        *(f"{f.name}: {f.value}" for f in reply.fields),
        reply.footer or "",
    ]
    return "\n".join(parts)


async def outbox(app: App) -> list[dict[str, Any]]:
    """Every queued post: where it goes and what it says."""
    async with app.session_factory() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [
            {
                "key": r.dedupe_key,
                "kind": r.kind,
                "to": r.target,
                "channel": r.channel,
                "created_at": r.created_at,
                "text": text_of(Reply.from_json(r.payload)),
            }
            for r in rows
        ]


def days_from(clock: ManualClock, days: float, hour: int | None = None) -> datetime:
    moment = clock.now() + timedelta(days=days)
    if hour is not None:
        moment = moment.replace(hour=hour, minute=0)
    return moment.astimezone(UTC)
