"""Helpers every job-search module uses."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import insert_for
from bot.core.errors import InvalidInput
from bot.core.tenancy import Member
from bot.features.jobs.models import JobMemberSettings

_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def check_url(url: str | None, label: str = "--url") -> str | None:
    if url is None:
        return None
    url = url.strip()
    if not _URL_RE.match(url) or len(url) > 500:
        raise InvalidInput(f"{label} must be a web address starting with https://, not '{url[:40]}'.")
    return url


async def member_settings(session: AsyncSession, member: Member) -> JobMemberSettings:
    """The member's job-search settings row, created on first use (an upsert)."""
    await session.execute(
        insert_for(session, JobMemberSettings)
        .values(community_id=member.community_id, member_id=member.id, share_funnel=False,
                reviewer=False, follow_remote=False)
        .on_conflict_do_nothing(index_elements=["member_id"])
    )
    return (
        await session.execute(
            select(JobMemberSettings).where(JobMemberSettings.member_id == member.id,
                                            JobMemberSettings.community_id == member.community_id)
        )
    ).scalar_one()


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
