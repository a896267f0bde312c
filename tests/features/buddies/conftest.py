"""Small factories for buddy tests: a community, members with profiles, rounds on a date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Community, CommunityChannel, Member, ensure_community, ensure_member
from bot.features.buddies import service
from bot.features.buddies.models import BuddyGroup, BuddyGroupMember


class Buddies:
    """Drives the buddies service against the app's database, one unit of work per call."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.community_id = 0

    async def community(self, tz: str = "UTC", channel: str | None = "study-buddies") -> None:
        async with self.app.session_factory() as session:
            community = await ensure_community(session, "console", "local", "Test group")
            community.timezone = tz
            if channel:
                session.add(
                    CommunityChannel(
                        community_id=community.id,
                        purpose="buddies",
                        channel_id=channel,
                        channel_name=channel,
                    )
                )
            await session.commit()
            self.community_id = community.id

    async def _community(self, session: AsyncSession) -> Community:
        community = await session.get(Community, self.community_id)
        assert community is not None
        return community

    async def join(self, name: str, **changes: object) -> int:
        async with self.app.session_factory() as session:
            community = await self._community(session)
            member = await ensure_member(session, community, name, name.capitalize())
            await service.join(
                session,
                community,
                member,
                service.ProfileChanges(**changes),  # type: ignore[arg-type]
                now=self.app.clock.now(),
            )
            await session.commit()
            return member.id

    async def member(self, session: AsyncSession, name: str) -> Member:
        found = (
            await session.execute(
                select(Member).where(
                    Member.community_id == self.community_id, Member.platform_user_id == name
                )
            )
        ).scalar_one()
        return found

    async def run_round(self, *, commit: bool = True) -> list[frozenset[str]]:
        """Run a round now; the groups it formed, as sets of member names."""
        async with self.app.session_factory() as session:
            community = await self._community(session)
            outcome = await service.run_round(
                session, community, now=self.app.clock.now(), manual=True
            )
            groups = [
                frozenset(m.platform_user_id for m in await service.group_members(session, g))
                for g in outcome.groups
            ]
            if commit:
                await session.commit()
            else:
                await session.rollback()
            return groups

    async def groups(self) -> list[frozenset[str]]:
        async with self.app.session_factory() as session:
            rows = await session.execute(
                select(BuddyGroup.id, Member.platform_user_id)
                .join(BuddyGroupMember, BuddyGroupMember.group_id == BuddyGroup.id)
                .join(Member, Member.id == BuddyGroupMember.member_id)
                .order_by(BuddyGroup.id)
            )
            by_group: dict[int, set[str]] = {}
            for group_id, name in rows:
                by_group.setdefault(group_id, set()).add(name)
            return [frozenset(v) for v in by_group.values()]

    async def outbox(self) -> list[OutboxMessage]:
        async with self.app.session_factory() as session:
            return list(
                (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
            )


def names_paired(groups: Sequence[frozenset[str]], a: str, b: str) -> bool:
    return any(a in g and b in g for g in groups)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
async def buddies(app: App) -> Buddies:
    helper = Buddies(app)
    await helper.community()
    return helper
