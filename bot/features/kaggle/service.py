"""Kaggle logic: polling, posting new competitions, follows, entries and deadline reminders.

Decisions worth knowing:

* **New vs seen.** Every competition on Kaggle's active list is upserted into one
  global table keyed by ref; `first_seen_at` is when Pivot first saw it. Posting is
  recorded per community (`KaggleChannelCompetition`) and every post carries the
  outbox dedupe key `kaggle:{community_id}:{ref}`, so repeated or concurrent polls
  post nothing twice.
* **No flood for late joiners.** The first poll that finds a community's Kaggle
  channel sets that community's `baseline_at`. Competitions Pivot already knew then
  are the backlog: only the `WELCOME_LIMIT` soonest-deadline ones the community wants
  are posted, the rest stay browsable in `kaggle list`. Competitions first seen after
  the baseline are new and are all posted (when their category is wanted).
* **Follow model.** A community follows every competition posted to its channel
  (channel reminders); admins can follow or unfollow others (`admin kaggle follow`).
  A member follows with `kaggle follow` (DM reminders). Entering follows too.
* **Reminders** go out at `REMINDER_LOCAL_TIME` in the recipient's time zone on the
  local date `days` before the local deadline date, for each of
  `settings.kaggle.reminder_days`; a missed one is caught up within the scheduler's
  grace window (never after the deadline).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.commands import action_id
from bot.core.db import insert_for, rowcount
from bot.core.errors import IntegrationUnavailable, InvalidInput, NotFound
from bot.core.messages import Button, Field, Reply
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, CommunityChannel, Member, member_timezone, present
from bot.core.text import plural
from bot.features.kaggle.client import (
    CATEGORIES,
    Competition,
    KaggleAuthError,
    KaggleClient,
    KaggleCredentials,
    parse_category,
)
from bot.features.kaggle.models import (
    KaggleChannelCompetition,
    KaggleCommunitySettings,
    KaggleCompetition,
    KaggleEntry,
    KaggleMemberFollow,
    KagglePollState,
)
from bot.features.roadmap import service as roadmap

if TYPE_CHECKING:
    from bot.config import KaggleSettings, Settings

log = logging.getLogger(__name__)

# How many backlog competitions a community's first poll posts (soonest deadline first).
WELCOME_LIMIT = 3
# Reminders arrive at this local time, `days` before the local deadline date.
REMINDER_LOCAL_TIME = time(9, 0)
STATE_ID = 1

HOW_TO_ENABLE = (
    "Kaggle is off for this bot: whoever runs Pivot needs to set KAGGLE_USERNAME and KAGGLE_KEY "
    "(or KAGGLE_API_TOKEN) in its environment, or put kaggle.json in ~/.kaggle, and restart. "
    "The README's Kaggle section has the steps."
)

CATEGORY_LABELS = {
    "getting-started": "Getting Started",
    "playground": "Playground",
    "featured": "Featured",
    "research": "Research",
    "recruitment": "Recruitment",
    "community": "Community",
    "analytics": "Analytics",
}

_KNOWLEDGE_REWARDS = {"knowledge", "kudos", "swag", "none", ""}


# --- credentials and the client ------------------------------------------------------------------


def credentials_from(
    settings: KaggleSettings,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> KaggleCredentials | None:
    """Credentials from settings (which already read KAGGLE_* variables), else ~/.kaggle files."""
    if settings.api_token is not None and settings.api_token.get_secret_value().strip():
        return KaggleCredentials.from_token(
            settings.api_token.get_secret_value(), source="KAGGLE_API_TOKEN"
        )
    if settings.username and settings.key is not None and settings.key.get_secret_value().strip():
        return KaggleCredentials.from_key(
            settings.username, settings.key.get_secret_value(), source="KAGGLE_USERNAME/KAGGLE_KEY"
        )
    return KaggleCredentials.discover(
        os.environ if environ is None else environ, Path.home() if home is None else home
    )


def build_client(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> KaggleClient | None:
    """The feature's resource: a client when credentials are found, else None (feature off)."""
    credentials = credentials_from(settings.kaggle, environ, home)
    if credentials is None:
        log.info(
            "Kaggle integration off: no credentials (set KAGGLE_USERNAME and KAGGLE_KEY, "
            "or KAGGLE_API_TOKEN, or ~/.kaggle/kaggle.json)"
        )
        return None
    log.info(
        "Kaggle integration on: %s credentials from %s, API %s",
        credentials.kind,
        credentials.source,
        settings.kaggle.api_url,
    )
    return KaggleClient(credentials, base_url=settings.kaggle.api_url)


def require_client(resources: Mapping[str, Any]) -> KaggleClient:
    client = resources.get("kaggle")
    if client is None:
        raise IntegrationUnavailable(HOW_TO_ENABLE)
    return client


# --- polling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollResult:
    seen: int = 0
    new: int = 0
    posted: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def _state(session: AsyncSession) -> KagglePollState:
    await session.execute(
        insert_for(session, KagglePollState)
        .values(id=STATE_ID, competitions_seen=0)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return (
        await session.execute(select(KagglePollState).where(KagglePollState.id == STATE_ID))
    ).scalar_one()


async def poll_state(session: AsyncSession) -> KagglePollState | None:
    return (
        await session.execute(select(KagglePollState).where(KagglePollState.id == STATE_ID))
    ).scalar_one_or_none()


async def claim_poll(session: AsyncSession, now: datetime, every: timedelta) -> bool:
    """Take the next scheduled poll if it is due (one process wins; the row is the lock)."""
    await _state(session)
    result = await session.execute(
        update(KagglePollState)
        .where(
            KagglePollState.id == STATE_ID,
            or_(
                KagglePollState.last_attempt_at.is_(None),
                KagglePollState.last_attempt_at <= now - every,
            ),
        )
        .values(last_attempt_at=now)
    )
    return bool(rowcount(result))


async def poll(
    session: AsyncSession, client: KaggleClient, settings: Settings, now: datetime
) -> PollResult:
    """List Kaggle's active competitions, store them, and post the new ones.

    Failures are logged and recorded for `admin show`; nothing is lost because the
    next poll lists everything again and only unposted competitions are posted.
    """
    try:
        listing = await client.list_competitions(sort_by="earliest-deadline")
    except KaggleAuthError as exc:
        log.error("Kaggle poll failed: credentials rejected — %s", exc)
        await _record_failure(session, now, str(exc))
        return PollResult(error=str(exc))
    except IntegrationUnavailable as exc:
        log.warning("Kaggle poll failed; retrying at the next poll: %s", exc)
        await _record_failure(session, now, str(exc))
        return PollResult(error=str(exc))
    new = await store_listing(session, listing, now)
    state = await _state(session)
    state.last_attempt_at = state.last_success_at = now
    state.last_error = None
    state.competitions_seen = len(listing)
    posted = await post_new(session, settings, now)
    log.info("Kaggle poll: %d active competitions, %d new, %d posts", len(listing), new, posted)
    return PollResult(seen=len(listing), new=new, posted=posted)


async def _record_failure(session: AsyncSession, now: datetime, error: str) -> None:
    state = await _state(session)
    state.last_attempt_at = now
    state.last_error = error[:2000]
    state.last_error_at = now


async def store_listing(
    session: AsyncSession, listing: Sequence[Competition], now: datetime
) -> int:
    """Upsert every listed competition; mark unlisted ones inactive. Returns how many were new."""
    refs = [c.ref for c in listing]
    known = (
        set(
            (
                await session.execute(
                    select(KaggleCompetition.ref).where(KaggleCompetition.ref.in_(refs))
                )
            ).scalars()
        )
        if refs
        else set()
    )
    for competition in listing:
        values = {
            "title": competition.title[:300],
            "url": competition.url[:500],
            "description": competition.description,
            "category": competition.category,
            "reward": competition.reward[:100] if competition.reward else None,
            "deadline": competition.deadline,
            "enabled_date": competition.enabled_date,
            "team_count": competition.team_count,
            "evaluation_metric": (competition.evaluation_metric or "")[:200] or None,
            "tags": list(competition.tags),
            "kernels_only": competition.is_kernels_submissions_only,
            "active": True,
            "last_seen_at": now,
        }
        stmt = insert_for(session, KaggleCompetition).values(ref=competition.ref, first_seen_at=now, **values)
        await session.execute(stmt.on_conflict_do_update(index_elements=["ref"], set_=values))
    gone = update(KaggleCompetition).where(KaggleCompetition.active.is_(True))
    if refs:
        gone = gone.where(KaggleCompetition.ref.notin_(refs))
    await session.execute(gone.values(active=False))
    return len(set(refs) - known)


async def community_settings(session: AsyncSession, community_id: int) -> KaggleCommunitySettings:
    await session.execute(
        insert_for(session, KaggleCommunitySettings)
        .values(community_id=community_id)
        .on_conflict_do_nothing(index_elements=["community_id"])
    )
    return (
        await session.execute(
            select(KaggleCommunitySettings).where(
                KaggleCommunitySettings.community_id == community_id
            )
        )
    ).scalar_one()


def wanted_categories(prefs: KaggleCommunitySettings | None, default: Sequence[str]) -> list[str]:
    if prefs is not None and prefs.categories is not None:
        return [str(c) for c in prefs.categories]
    return list(default)


async def post_new(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Post each new competition once to each Kaggle channel that wants its category."""
    channels = (
        await session.execute(
            select(Community, CommunityChannel.channel_id).join(
                CommunityChannel,
                and_(
                    CommunityChannel.community_id == Community.id,
                    CommunityChannel.purpose == "kaggle",
                ),
            ).where(present(Community.id))
        )
    ).all()
    if not channels:
        return 0
    open_now = await active_competitions(session, now)
    posted = 0
    for community, channel_id in channels:
        prefs = await community_settings(session, community.id)
        wanted = set(wanted_categories(prefs, settings.kaggle.categories))
        done = set(
            (
                await session.execute(
                    select(KaggleChannelCompetition.competition_id).where(
                        KaggleChannelCompetition.community_id == community.id
                    )
                )
            ).scalars()
        )
        candidates = [c for c in open_now if c.category in wanted and c.id not in done]
        if prefs.baseline_at is None:
            prefs.baseline_at = now
            picks = candidates[:WELCOME_LIMIT]
        else:
            baseline = prefs.baseline_at
            picks = [c for c in candidates if c.first_seen_at > baseline]
        for competition in picks:
            # A concurrent poll (another process, `kaggle list` on an empty store) may have
            # claimed this post already: the unique row decides, the dedupe key backs it up.
            claimed = await session.execute(
                insert_for(session, KaggleChannelCompetition)
                .values(
                    community_id=community.id,
                    competition_id=competition.id,
                    posted_at=now,
                    following=True,
                )
                .on_conflict_do_nothing(index_elements=["community_id", "competition_id"])
            )
            if not rowcount(claimed):
                continue
            sent = await enqueue(
                session,
                community,
                Target.in_channel(channel_id),
                competition_card(competition, ZoneInfo(community.timezone), now, new=True),
                dedupe_key=f"kaggle:{community.id}:{competition.ref}",
                now=now,
            )
            posted += int(sent)
    return posted


# --- reading the store ---------------------------------------------------------------------------


async def active_competitions(
    session: AsyncSession,
    now: datetime,
    *,
    category: str | None = None,
    search: str | None = None,
) -> list[KaggleCompetition]:
    """Open competitions, soonest deadline first (no deadline last)."""
    stmt = select(KaggleCompetition).where(
        KaggleCompetition.active.is_(True),
        or_(KaggleCompetition.deadline.is_(None), KaggleCompetition.deadline > now),
    )
    if category is not None:
        stmt = stmt.where(KaggleCompetition.category == category)
    if search:
        needle = search.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(KaggleCompetition.title).contains(needle, autoescape=True),
                func.lower(KaggleCompetition.ref).contains(needle, autoescape=True),
                func.lower(KaggleCompetition.description).contains(needle, autoescape=True),
            )
        )
    stmt = stmt.order_by(KaggleCompetition.deadline.asc().nulls_last(), KaggleCompetition.ref)
    # The poll upserts with Core statements; refresh rows the session already holds.
    stmt = stmt.execution_options(populate_existing=True)
    return list((await session.execute(stmt)).scalars())


async def has_competitions(session: AsyncSession) -> bool:
    return (await session.execute(select(KaggleCompetition.id).limit(1))).first() is not None


def _ref_of(text: str) -> str:
    """Accept a slug or a competition URL, as members paste either."""
    value = text.strip().rstrip("/")
    if "/" in value:
        value = value.rsplit("/", 1)[1]
    return value.lower()


async def get_competition(session: AsyncSession, ref: str) -> KaggleCompetition:
    slug = _ref_of(ref)
    row = (
        await session.execute(
            select(KaggleCompetition)
            .where(func.lower(KaggleCompetition.ref) == slug)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(
            f"I don't know a Kaggle competition '{ref}'. `kaggle list` shows the open ones."
        )
    return row


async def suggest(
    session: AsyncSession, partial: str, now: datetime, limit: int = 25
) -> list[KaggleCompetition]:
    """Stored open competitions whose ref or title contains `partial`, soonest deadline first."""
    return (await active_competitions(session, now, search=partial or None))[:limit]


# --- follows, entries, categories ----------------------------------------------------------------


def _require_open(competition: KaggleCompetition, now: datetime) -> None:
    if competition.deadline is not None and competition.deadline <= now:
        raise InvalidInput(f"{competition.title} has already closed.")


async def follow(
    session: AsyncSession, member: Member, ref: str, *, now: datetime
) -> tuple[KaggleCompetition, bool]:
    """Follow for DM reminders. Returns (competition, newly_followed)."""
    competition = await get_competition(session, ref)
    _require_open(competition, now)
    result = await session.execute(
        insert_for(session, KaggleMemberFollow)
        .values(
            community_id=member.community_id,
            member_id=member.id,
            competition_id=competition.id,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["member_id", "competition_id"])
    )
    return competition, bool(rowcount(result))


async def unfollow(session: AsyncSession, member: Member, ref: str) -> KaggleCompetition:
    competition = await get_competition(session, ref)
    result = await session.execute(
        delete(KaggleMemberFollow).where(
            KaggleMemberFollow.community_id == member.community_id,
            KaggleMemberFollow.member_id == member.id,
            KaggleMemberFollow.competition_id == competition.id,
        )
    )
    if not rowcount(result):
        raise InvalidInput(f"You weren't following {competition.title}.")
    return competition


async def followed_ids(session: AsyncSession, member: Member) -> set[int]:
    return set(
        (
            await session.execute(
                select(KaggleMemberFollow.competition_id).where(
                    KaggleMemberFollow.community_id == member.community_id,
                    KaggleMemberFollow.member_id == member.id,
                )
            )
        ).scalars()
    )


@dataclass(frozen=True)
class EntryResult:
    competition: KaggleCompetition
    new_entry: bool
    milestone_title: str | None  # the roadmap milestone this checked, if it was newly checked


async def enter(session: AsyncSession, member: Member, ref: str, *, now: datetime) -> EntryResult:
    """Record an entry, follow for reminders, and check the roadmap's "entered a competition" milestone."""
    competition = await get_competition(session, ref)
    result = await session.execute(
        insert_for(session, KaggleEntry)
        .values(
            community_id=member.community_id,
            member_id=member.id,
            competition_id=competition.id,
            entered_at=now,
        )
        .on_conflict_do_nothing(index_elements=["member_id", "competition_id"])
    )
    if competition.deadline is None or competition.deadline > now:
        await follow(session, member, competition.ref, now=now)
    milestone = await roadmap.mark_auto(session, member, "kaggle-entered", now=now)
    return EntryResult(competition, bool(rowcount(result)), milestone.title if milestone else None)


async def entered_titles(session: AsyncSession, member: Member) -> list[str]:
    """Titles of the competitions a member said they entered, oldest first (portfolio pages)."""
    return list(
        (
            await session.execute(
                select(KaggleCompetition.title)
                .join(KaggleEntry, KaggleEntry.competition_id == KaggleCompetition.id)
                .where(KaggleEntry.community_id == member.community_id, KaggleEntry.member_id == member.id)
                .order_by(KaggleEntry.entered_at)
            )
        ).scalars()
    )


async def set_categories(
    session: AsyncSession, community_id: int, categories: Sequence[str] | None
) -> list[str]:
    """Set the categories a community's channel gets (None: back to the bot default)."""
    prefs = await community_settings(session, community_id)
    prefs.categories = list(categories) if categories is not None else None
    return list(categories) if categories is not None else []


def parse_categories(text: str) -> list[str]:
    """`getting-started,playground` (commas or spaces) → canonical names, in CATEGORIES order."""
    words = [w for w in text.replace(",", " ").split() if w]
    if not words:
        raise InvalidInput(f"Name at least one category: {', '.join(CATEGORIES)}.")
    chosen = {parse_category(w) for w in words}
    return [c for c in CATEGORIES if c in chosen]


async def channel_follow(
    session: AsyncSession, community: Community, ref: str, following: bool, *, now: datetime
) -> KaggleCompetition:
    """An admin (un)follows a competition for channel reminders."""
    competition = await get_competition(session, ref)
    if following:
        _require_open(competition, now)
    row = (
        await session.execute(
            select(KaggleChannelCompetition).where(
                KaggleChannelCompetition.community_id == community.id,
                KaggleChannelCompetition.competition_id == competition.id,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        if not following:
            raise InvalidInput(f"The channel wasn't following {competition.title}.")
        session.add(
            KaggleChannelCompetition(
                community_id=community.id, competition_id=competition.id, following=True
            )
        )
    else:
        row.following = following
    return competition


# --- reminders -----------------------------------------------------------------------------------


def reminder_due(deadline: datetime, days: int, tz: ZoneInfo) -> datetime:
    """When the `days`-before reminder is due: REMINDER_LOCAL_TIME local, `days` local dates earlier."""
    local_deadline = deadline.astimezone(tz)
    day = local_deadline.date() - timedelta(days=days)
    due = datetime.combine(day, REMINDER_LOCAL_TIME, tzinfo=tz).astimezone(deadline.tzinfo)
    return min(due, deadline - timedelta(hours=1))


async def send_reminders(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    in_grace: Callable[[datetime, datetime], bool],
) -> int:
    """Enqueue every channel and DM reminder that is due now (or missed within the grace window)."""
    days_list = sorted({d for d in settings.kaggle.reminder_days if d >= 0}, reverse=True)
    if not days_list:
        return 0
    horizon = now + timedelta(days=max(days_list) + 2)
    soon = and_(
        KaggleCompetition.deadline.is_not(None),
        KaggleCompetition.deadline > now,
        KaggleCompetition.deadline <= horizon,
    )
    sent = 0
    channel_rows = (
        await session.execute(
            select(KaggleCompetition, Community, CommunityChannel.channel_id)
            .join(
                KaggleChannelCompetition,
                KaggleChannelCompetition.competition_id == KaggleCompetition.id,
            )
            .join(Community, Community.id == KaggleChannelCompetition.community_id)
            .join(
                CommunityChannel,
                and_(
                    CommunityChannel.community_id == Community.id,
                    CommunityChannel.purpose == "kaggle",
                ),
            )
            .where(soon, KaggleChannelCompetition.following.is_(True), present(Community.id))
        )
    ).all()
    for competition, community, channel_id in channel_rows:
        tz = ZoneInfo(community.timezone)
        for days in days_list:
            assert competition.deadline is not None
            if in_grace(reminder_due(competition.deadline, days, tz), now):
                sent += await enqueue(
                    session,
                    community,
                    Target.in_channel(channel_id),
                    reminder_card(competition, days, tz, channel=True),
                    dedupe_key=f"kaggle-remind-channel:{community.id}:{competition.ref}:{days}",
                    now=now,
                )
    member_rows = (
        await session.execute(
            select(KaggleCompetition, Member, Community, CommunityChannel.channel_id)
            .join(KaggleMemberFollow, KaggleMemberFollow.competition_id == KaggleCompetition.id)
            .join(Member, Member.id == KaggleMemberFollow.member_id)
            .join(Community, Community.id == KaggleMemberFollow.community_id)
            .outerjoin(
                CommunityChannel,
                and_(
                    CommunityChannel.community_id == Community.id,
                    CommunityChannel.purpose == "kaggle",
                ),
            )
            .where(soon, present(Community.id))
        )
    ).all()
    for competition, member, community, channel_id in member_rows:
        tz = ZoneInfo(member_timezone(community, member))
        for days in days_list:
            assert competition.deadline is not None
            if in_grace(reminder_due(competition.deadline, days, tz), now):
                sent += await enqueue(
                    session,
                    community,
                    Target.dm(member.platform_user_id, fallback_channel=channel_id),
                    reminder_card(competition, days, tz, channel=False),
                    dedupe_key=f"kaggle-remind:{member.id}:{competition.ref}:{days}",
                    now=now,
                )
    return sent


# --- what members see ----------------------------------------------------------------------------


def category_label(category: str | None) -> str:
    if category is None:
        return "Other"
    return CATEGORY_LABELS.get(category, category.replace("-", " ").title())


def is_knowledge_prize(reward: str | None) -> bool:
    return (reward or "").strip().lower() in _KNOWLEDGE_REWARDS


def learner_note(competition: KaggleCompetition) -> str:
    """One line on why a career-switcher might enter, from category, reward and tags."""
    reasons: list[str] = []
    if competition.category == "getting-started":
        reasons.append(
            "a Getting Started competition: a classic dataset, a rolling leaderboard and "
            "plenty of public tutorials, built for a first submission"
        )
    elif competition.category == "playground":
        reasons.append(
            "a Playground competition: short, synthetic data, low stakes — good practice "
            "for a full pipeline end to end"
        )
    elif competition.category == "featured":
        reasons.append(
            "a Featured competition: a real company's problem; even without placing, "
            "the top public notebooks are a masterclass"
        )
    tags = {str(t).lower() for t in competition.tags or ()}
    if "tabular" in tags:
        reasons.append(
            "tabular data, where backend instincts for joins and features carry straight over"
        )
    if is_knowledge_prize(competition.reward) and competition.category != "getting-started":
        reasons.append("a knowledge prize, so the forums are unusually open about what works")
    if competition.kernels_only:
        reasons.append("notebook-only submissions run on Kaggle's free GPUs, so no hardware needed")
    if not reasons:
        return "Why enter: reading the winning write-ups afterwards teaches more than most courses."
    text = "; ".join(reasons[:2])
    return f"Why enter: {text}."


def format_moment(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


def format_deadline(deadline: datetime | None, tz: ZoneInfo, now: datetime) -> str:
    if deadline is None:
        return "no deadline"
    return f"{format_moment(deadline, tz)} ({time_left(deadline, now)})"


def time_left(deadline: datetime, now: datetime) -> str:
    left = deadline - now
    if left <= timedelta(0):
        return "closed"
    if left >= timedelta(days=2):
        return f"in {plural(left.days, 'day')}"
    hours = int(left.total_seconds() // 3600)
    return f"in {hours} hours" if hours >= 2 else "within 2 hours"


def _reward(competition: KaggleCompetition) -> str:
    if not competition.reward:
        return "none listed"
    if is_knowledge_prize(competition.reward):
        return f"{competition.reward} (no cash prize)"
    return competition.reward


def competition_buttons(ref: str) -> tuple[Button, ...]:
    return (
        Button("Remind me", action_id("kaggle.follow", ref), style="primary"),
        Button("I entered", action_id("kaggle.entered", ref), style="success"),
    )


def competition_card(
    competition: KaggleCompetition, tz: ZoneInfo, now: datetime, *, new: bool = False
) -> Reply:
    """The post for a new competition, and `kaggle show`."""
    description = competition.description.strip()
    lines = [description] if description else []
    lines.append(f"_{learner_note(competition)}_")
    fields = (
        Field("Category", category_label(competition.category), inline=True),
        Field("Reward", _reward(competition), inline=True),
        Field("Teams", f"{competition.team_count:,}", inline=True),
        Field("Deadline", format_deadline(competition.deadline, tz, now)),
        Field(
            "Evaluation", competition.evaluation_metric or "see the competition page", inline=True
        ),
        Field("Link", competition.url),
    )
    buttons = competition_buttons(competition.ref) if len(competition.ref) <= 80 else ()
    return Reply(
        title=("🏁 New on Kaggle: " if new else "") + competition.title,
        text="\n".join(lines),
        fields=fields,
        buttons=buttons,
        footer=f"ref: {competition.ref}",
    )


def reminder_card(
    competition: KaggleCompetition, days: int, tz: ZoneInfo, *, channel: bool
) -> Reply:
    assert competition.deadline is not None
    when = "tomorrow" if days == 1 else "today" if days == 0 else f"in {plural(days, 'day')}"
    nudge = (
        "Anyone entering? Share your notebook in the thread."
        if channel
        else "Submit early: late-day queues are long. Reply `kaggle unfollow "
        f"{competition.ref}` to stop these."
    )
    return Reply(
        title=f"⏰ {competition.title} closes {when}",
        text=f"The deadline is {format_moment(competition.deadline, tz)}.\n{nudge}\n{competition.url}",
        buttons=(
            Button("I entered", action_id("kaggle.entered", competition.ref), style="success"),
        )
        if len(competition.ref) <= 80
        else (),
    )
