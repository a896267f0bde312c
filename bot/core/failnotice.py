"""Failure notices: when a post can never be sent, the admin who can fix it hears about it.

The outbox marks a post failed for good with a cause the platform named (core/outbox.py:
channel gone or archived, Pivot missing access or a permission, not invited, a member's DMs
closed with no channel to fall back to). This module turns those failures into a DM to an admin:

- channel causes go to the admin who set that channel (`admin set channel`, recorded in
  `community_channels.set_by_member_id`); when nobody is recorded (set before Pivot kept it)
  or that member was forgotten, to the community's other known admins: every member who set
  any channel. With no known admin at all the failure is only logged (and stays in
  `admin failures` / `admin show`).
- one notice per (community, channel, cause, admin, local day): the outbox's unique dedupe key
  `failnotice:{community}:{day}:{cause}:{channel}:{admin}` makes it once, across processes;
- closed DMs go to every known admin, one message per admin per local day listing the members
  (`failnotice:{community}:{day}:dms_closed:dm:{admin}`), each member named once;
- a notice waits `GATHER` before it goes out; failures recorded meanwhile (the rest of a
  fan-out) join it, so it says "3 check-in prompts", not three messages. Failures after the
  day's notice went out stay in `admin failures` until the next day's notice;
- a notice that itself fails is never noticed (no loops), and removed communities get none.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import is_postgres
from bot.core.messages import Reply
from bot.core.outbox import (
    ARCHIVED,
    CHANNEL_CAUSES,
    CHANNEL_GONE,
    DMS_CLOSED,
    NO_ACCESS,
    NO_PERMISSION,
    NOT_IN_CHANNEL,
    NOTICED,
    OutboxMessage,
    PermanentFailure,
    Target,
    enqueue,
)
from bot.core.tenancy import Community, CommunityChannel, Member

log = logging.getLogger(__name__)

NOTICE_PREFIX = "failnotice:"
# How long a notice gathers the failures that follow the first (a fan-out fails row by row).
GATHER = timedelta(minutes=1)
# Members named in one DMs-closed notice; the rest are counted.
MAX_NAMED = 20

# What a failed post was, by the first part of its dedupe key: (one, many). Features name
# their posts with these keys (DESIGN: "Time and scheduled work"); an unknown key is "a post".
POST_NAMES: Mapping[str, tuple[str, str]] = {
    "challenge-today": ("today's challenge", "daily challenges"),
    "challenge": ("a daily challenge", "daily challenges"),
    "challenge-reveal": ("a challenge answer", "challenge answers"),
    "checkin": ("a check-in prompt", "check-in prompts"),
    "checkin-remind": ("a check-in reminder", "check-in reminders"),
    "checkin-nudge": ("a study-buddy nudge", "study-buddy nudges"),
    "digest": ("the weekly check-in digest", "weekly check-in digests"),
    "kaggle": ("a Kaggle competition post", "Kaggle competition posts"),
    "kaggle-remind-channel": ("a Kaggle deadline reminder", "Kaggle deadline reminders"),
    "kaggle-remind": ("a Kaggle deadline reminder", "Kaggle deadline reminders"),
    "buddy-intro": ("a study-buddy introduction", "study-buddy introductions"),
    "buddy-followup": ("a study-buddy follow-up", "study-buddy follow-ups"),
    "jobs": ("a job posting", "job postings"),
    "jobs-backlog": ("a job-board summary", "job-board summaries"),
    "jobs-alert": ("a job alert", "job alerts"),
    "project-showcase": ("a showcase post", "showcase posts"),
    "project-review": ("a project review request", "project review requests"),
    "project-request": ("a project request", "project requests"),
    "ask": ("a question post", "question posts"),
    "mock-intro": ("a mock-interview introduction", "mock-interview introductions"),
    "mock-brief": ("a mock-interview brief", "mock-interview briefs"),
    "mock-form": ("a mock-interview feedback form", "mock-interview feedback forms"),
    "jobs-nudge": ("an application follow-up", "application follow-ups"),
    "project-nudge": ("a project nudge", "project nudges"),
}
POST = ("a post", "posts")


def _post_kind(dedupe_key: str, today: date) -> str:
    kind = dedupe_key.split(":", 1)[0]
    if kind == "challenge" and dedupe_key.endswith(f":{today.isoformat()}"):
        return "challenge-today"
    return kind


def describe(kinds: Sequence[str]) -> str:
    """"today's challenge and 3 check-in prompts"."""
    parts = []
    for kind, count in Counter(kinds).most_common():
        one, many = POST_NAMES.get(kind, POST)
        parts.append(one if count == 1 else f"{count} {many}")
    if len(parts) <= 1:
        return "".join(parts) or POST[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# --- who hears about it ---------------------------------------------------------------------------


async def known_admins(session: AsyncSession, community_id: int) -> list[Member]:
    """Members of this community who set any of its channels (admins, as Pivot knows them)."""
    setters = select(CommunityChannel.set_by_member_id).where(
        CommunityChannel.community_id == community_id, CommunityChannel.set_by_member_id.is_not(None)
    )
    return list((await session.execute(
        select(Member).where(Member.community_id == community_id, Member.id.in_(setters)).order_by(Member.id)
    )).scalars())


async def _channel_admins(session: AsyncSession, community_id: int, channel: str) -> tuple[list[Member], list[str]]:
    """Who set this channel (falling back to the known admins), and what it is set for."""
    rows: list[Any] = list((await session.execute(
        select(CommunityChannel.purpose, Member)
        .outerjoin(Member, (Member.id == CommunityChannel.set_by_member_id)
                   & (Member.community_id == community_id))
        .where(CommunityChannel.community_id == community_id, CommunityChannel.channel_id == channel)
        .order_by(CommunityChannel.purpose)
    )).all())
    purposes = [purpose for purpose, _ in rows]
    setters = {m.id: m for _, m in rows if m is not None}
    if setters:
        return list(setters.values()), purposes
    return await known_admins(session, community_id), purposes


# --- writing notices ------------------------------------------------------------------------------


async def notify(
    session: AsyncSession,
    failures: Sequence[PermanentFailure],
    now: datetime,
    *,
    prefixes: Mapping[str, str] | None = None,
) -> int:
    """Queue (or extend) the notices these failures call for. Returns notices newly queued.
    Run by the outbox worker after it recorded the failures (`OutboxWorker.on_failed`)."""
    wanted = {f.outbox_id: f for f in failures if f.cause in NOTICED}
    if not wanted:
        return 0
    rows = (await session.execute(
        select(OutboxMessage, Community)
        .join(Community, Community.id == OutboxMessage.community_id)
        .where(OutboxMessage.id.in_(list(wanted)), OutboxMessage.status == "failed",
               # A notice that fails is never noticed: no loops.
               ~OutboxMessage.dedupe_key.startswith(NOTICE_PREFIX),
               Community.removed_at.is_(None))
        .order_by(OutboxMessage.id)
    )).all()
    groups: dict[tuple[int, str, str], list[OutboxMessage]] = {}
    communities: dict[int, Community] = {}
    for row, community in rows:
        failure = wanted[row.id]
        if failure.cause == DMS_CLOSED:
            if row.kind != "dm":
                continue
            subject = "dm"
        else:
            channel = failure.channel or (row.target if row.kind in ("channel", "thread")
                                          else row.channel if row.kind == "group" else None)
            if not channel:
                continue  # e.g. a member's stale DM channel: nothing an admin can fix
            subject = channel
        communities[community.id] = community
        groups.setdefault((community.id, failure.cause, subject), []).append(row)
    queued = 0
    for (community_id, cause, subject), failed in groups.items():
        community = communities[community_id]
        day = now.astimezone(ZoneInfo(community.timezone)).date()
        state: dict[str, Any] = {
            "cause": cause, "platform": community.platform, "day": day.isoformat(),
            "prefix": (prefixes or {}).get(community.platform, ""),
            "posts": [[r.id, _post_kind(r.dedupe_key, day)] for r in failed],
        }
        if cause == DMS_CLOSED:
            recipients = await known_admins(session, community_id)
            names: dict[str, str] = {uid: name for uid, name in (await session.execute(
                select(Member.platform_user_id, Member.display_name).where(
                    Member.community_id == community_id,
                    Member.platform_user_id.in_({r.target for r in failed}))
            )).all()}
            # A list of pairs, not a dict keyed by member id: `privacy forget` scrubs values.
            state["members"] = [[r.target, names.get(r.target, "")] for r in failed]
        else:
            recipients, purposes = await _channel_admins(session, community_id, subject)
            state |= {"channel": subject, "purposes": purposes}
        if not recipients:
            log.warning("community %s: posts failed (%s) and no admin is known to tell; "
                        "they are listed in `admin failures`", community_id, cause)
            continue
        for admin in recipients:
            key = f"{NOTICE_PREFIX}{community_id}:{day.isoformat()}:{cause}:{subject}:{admin.id}"
            queued += await _upsert(session, community, admin, key, state, now)
    return queued


async def _upsert(session: AsyncSession, community: Community, admin: Member, key: str,
                  state: dict[str, Any], now: datetime) -> bool:
    """The day's notice to this admin: written once (unique dedupe key), or extended while it
    still waits (a row lock on PostgreSQL; SQLite has one writer at a time)."""
    target = Target.dm(admin.platform_user_id)
    if await enqueue(session, community, target, render(state), dedupe_key=key, now=now,
                     not_before=now + GATHER):
        return True
    stmt = select(OutboxMessage).where(
        OutboxMessage.community_id == community.id, OutboxMessage.dedupe_key == key,
        OutboxMessage.status == "pending", OutboxMessage.lease_owner.is_(None),
    )
    if is_postgres(session):
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        return False  # already out (or going out): once a day; the rest is in `admin failures`
    old = dict(row.payload.get("extra", {}).get("failnotice") or state)
    merged = dict(old)
    merged["posts"] = _union(old.get("posts", []), state["posts"])
    if "members" in state:
        merged["members"] = _union(old.get("members", []), state["members"])
    if merged != old:
        row.payload = render(merged).to_json()
    return False


def _union(old: list[list[Any]], new: list[list[Any]]) -> list[list[Any]]:
    """Pairs (id, …) of `old`, then those of `new` whose id is not there yet."""
    merged, seen = list(old), {str(pair[0]) for pair in old}
    for pair in new:
        if str(pair[0]) not in seen:
            seen.add(str(pair[0]))
            merged.append(pair)
    return merged


# --- what it says ---------------------------------------------------------------------------------

WHY = {
    CHANNEL_GONE: "the channel no longer exists (or Pivot can no longer see it)",
    ARCHIVED: "the channel is archived",
    NO_ACCESS: "Pivot cannot see the channel (Missing Access)",
    NOT_IN_CHANNEL: "Pivot is not a member of the channel",
}


def _fix(cause: str, platform: str, channel: str, set_cmd: str) -> tuple[str, str]:
    """(why, the exact fix) for a channel cause."""
    if cause == CHANNEL_GONE:
        return WHY[cause], f"choose a channel that exists: {set_cmd}"
    if cause == ARCHIVED:
        return WHY[cause], f"unarchive {channel}, or choose another channel: {set_cmd}"
    if cause == NO_ACCESS:
        return WHY[cause], (f"give Pivot 'View Channel' and 'Send Messages' in {channel} "
                            f"(Edit Channel → Permissions), or choose another channel: {set_cmd}")
    if cause == NOT_IN_CHANNEL:
        return WHY[cause], f"invite it: type `/invite @Pivot` in {channel}, or choose another channel: {set_cmd}"
    assert cause == NO_PERMISSION, cause
    if platform == "slack":
        return ("a workspace setting stops apps posting there (restricted_action)",
                f"allow Pivot to post in {channel} (channel settings → Posting permissions), "
                f"or choose another channel: {set_cmd}")
    return ("Pivot is missing a permission there (Missing Permissions)",
            f"give Pivot 'Send Messages', 'Embed Links' and 'Attach Files' in {channel} "
            f"(Edit Channel → Permissions), or choose another channel: {set_cmd}")


def render(state: dict[str, Any]) -> Reply:
    """The notice, from its state (kept in the post's `extra` so later failures can join it)."""
    prefix, cause = state.get("prefix", ""), state["cause"]
    day = date.fromisoformat(state["day"])
    posts = state.get("posts", [])
    retry = (f"`{prefix}admin failures` lists {'it' if len(posts) == 1 else 'them'} with a "
             f"**Retry** button: press it once fixed.")
    extra = {"failnotice": state}
    if cause in CHANNEL_CAUSES:
        channel = f"<#{state['channel']}>"
        set_cmd = " / ".join(f"`{prefix}admin set channel {kind} #another-channel`"
                             for kind in state.get("purposes") or ["<kind>"])
        why, fix = _fix(cause, state.get("platform", ""), channel, set_cmd)
        what = describe([kind for _, kind in posts])
        return Reply(
            title="A post could not be delivered",
            text=(f"Pivot could not post {what} in {channel} ({day:%a %d %b}): {why}.\n\n"
                  f"**Fix:** {fix}\n\n{retry}"),
            extra=extra,
        )
    # By name: the same members read the same way whatever order their DMs failed in.
    members = sorted(state.get("members", []), key=lambda pair: (str(pair[1]).lower(), str(pair[0])))
    named = ", ".join(f"<@{uid}>" for uid, _ in members[:MAX_NAMED])
    if len(members) > MAX_NAMED:
        named += f" and {len(members) - MAX_NAMED} more"
    what = describe([kind for _, kind in posts])
    return Reply(
        title="Some members cannot get DMs",
        text=(f"Pivot could not send {what} ({day:%a %d %b}) by direct message to {named}: "
              "their DMs are closed to Pivot (or the account is deactivated), and there was no "
              "channel to fall back to.\n\n"
              "**Fix:** only each member can open their DMs (Discord: the server's Privacy "
              "Settings → Direct Messages; Slack: allow messages from apps), so ask them. "
              f"With a check-in channel set (`{prefix}admin set channel checkins #channel`), "
              "check-in prompts reach them there with a mention.\n\n" + retry),
        extra=extra,
    )
