from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.dispatch import Caller
from bot.core.messages import Reply
from bot.core.outbox import OutboxMessage
from tests.fakes.jobboards import FakeJobBoards


@pytest.fixture
async def fake_boards() -> AsyncIterator[FakeJobBoards]:
    async with FakeJobBoards() as fake:
        yield fake


@pytest.fixture
def jobs_settings(database_url: str, fake_boards: FakeJobBoards) -> Settings:
    return Settings(
        database={"url": database_url},
        console={"member": "ada", "community": "Test group"},
        jobs={"greenhouse_url": fake_boards.base_url, "lever_url": fake_boards.base_url,
              "ashby_url": fake_boards.base_url, "timeout_seconds": 5},
    )


@pytest.fixture
async def jobs_app(jobs_settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    application = App(jobs_settings, clock=clock)
    try:
        yield application
    finally:
        await application.close()


class Group:
    """One community talking to the app through the dispatcher, as an adapter would."""

    def __init__(self, app: App, external_id: str = "g1") -> None:
        self.app = app
        self.external_id = external_id

    def caller(self, user: str = "ada", *, admin: bool = False) -> Caller:
        return Caller(platform="console", community_id=self.external_id, user_id=user,
                      display_name=user, community_name=self.external_id, is_admin=admin)

    async def say(self, text: str, *, user: str = "ada", admin: bool = False) -> Reply:
        return await self.app.dispatcher.run_text(self.caller(user, admin=admin), text)

    async def ok(self, text: str, *, user: str = "ada", admin: bool = False) -> Reply:
        reply = await self.say(text, user=user, admin=admin)
        assert not reply.error, reply.text
        return reply

    async def press(self, action: str, *, user: str = "ada") -> Reply:
        return await self.app.dispatcher.run_action(self.caller(user), action)


def text_of(reply: Reply) -> str:
    return "\n".join([reply.title or "", reply.text, *(f"{f.name}: {f.value}" for f in reply.fields),
                      reply.footer or ""])


async def outbox(app: App, prefix: str = "") -> list[dict[str, Any]]:
    async with app.session_factory() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [
            {"key": r.dedupe_key, "kind": r.kind, "to": r.target, "reply": Reply.from_json(r.payload),
             "text": text_of(Reply.from_json(r.payload))}
            for r in rows if r.dedupe_key.startswith(prefix)
        ]
