"""The ML job feed: admins' sources, polling them, posting new ML roles, browsing and saving.

Decisions worth knowing:

* **Polling lives in a tick, never in a command.** A source is claimed in a short transaction
  (its `next_poll_at` moves on), the board is read with no transaction open, and the result is
  stored in a second short one — so a slow or hanging board never holds a database lock that
  commands wait on, and boards are read concurrently (a few at a time): one failing board
  never stops the others.
* **Spread.** Each source has a fixed slot inside the poll interval (a hash of kind and board),
  so a community's twenty boards are not all read in the same minute.
* **Politeness.** Conditional requests (ETag / Last-Modified) where the API sends validators;
  a 429 waits at least as long as its Retry-After; failures back off to the next slot.
* **Posted once.** A posting is a row unique per (source, job id); its channel post carries the
  outbox dedupe key `jobs:{community}:{kind}:{board}:{job id}`. The first successful read of a
  new source posts at most `FIRST_ADD_LIMIT` (newest first) and says how many more `jobs list`
  has. A posting a complete read no longer lists is marked closed.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.commands import action_id
from bot.core.db import rowcount
from bot.core.errors import IntegrationUnavailable, InvalidInput, NotFound
from bot.core.messages import Button, Field, Reply
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, Member, channel_for, present
from bot.features.jobs.boards import (
    BOARD_RE,
    KINDS,
    BoardError,
    BoardNotFound,
    BoardRateLimited,
    Fetched,
    JobBoards,
    Posting,
    board_name,
)
from bot.features.jobs.classify import LEVELS, is_ml_title, level_of, looks_remote
from bot.features.jobs.models import JobApplication, JobPosting, JobSource
from bot.features.jobs.service import tracker
from bot.features.jobs.service.common import plural

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

FIRST_ADD_LIMIT = 5
MAX_SOURCES = 50
CONCURRENT_READS = 4
# A claimed source is not claimed again for this long (a crashed poll retries after it).
LEASE = timedelta(minutes=30)
MIN_RETRY = timedelta(minutes=15)


def _interval(settings: Settings) -> timedelta:
    return timedelta(hours=settings.jobs.poll_hours)


def next_slot(now: datetime, kind: str, board: str, interval: timedelta) -> datetime:
    """The next moment after `now` in this source's fixed slot of the interval."""
    period = max(60, int(interval.total_seconds()))
    offset = zlib.crc32(f"{kind}:{board.lower()}".encode()) % period
    epoch = int(now.timestamp())
    base = epoch - (epoch - offset) % period
    moment = base + period if base <= epoch else base
    return now + timedelta(seconds=moment - epoch)


# --- sources -------------------------------------------------------------------------------------


def require_boards(resources: Any) -> JobBoards:
    boards = resources.get("jobs") if resources is not None else None
    if boards is None:
        raise IntegrationUnavailable("The job feed is off for this bot.")
    return boards


def _check_kind(kind: str) -> str:
    value = kind.strip().lower()
    if value not in KINDS:
        raise InvalidInput(f"Unknown source kind '{kind[:30]}': use greenhouse, lever or ashby.")
    return value


def _check_board(text: str) -> str:
    board = board_name(text)
    if not BOARD_RE.match(board):
        raise InvalidInput(
            f"'{text[:60]}' isn't a board name: use the company's name from its job-board address, "
            "like `acme` in boards.greenhouse.io/acme."
        )
    return board


def _pretty(board: str) -> str:
    return " ".join(part.capitalize() for part in board.replace("-", " ").replace("_", " ").split())


async def add_source(session: AsyncSession, boards: JobBoards, community: Community, kind: str,
                     board_text: str, *, now: datetime) -> JobSource:
    """Validate with one request (the board must exist), then add; the first poll follows."""
    kind = _check_kind(kind)
    board = _check_board(board_text)
    existing = (
        await session.execute(
            select(JobSource).where(JobSource.community_id == community.id, JobSource.kind == kind,
                                    func.lower(JobSource.board) == board.lower())
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise InvalidInput(f"{kind} {board} is already a source here.")
    count = (
        await session.execute(
            select(func.count()).select_from(JobSource).where(JobSource.community_id == community.id)
        )
    ).scalar_one()
    if count >= MAX_SOURCES:
        raise InvalidInput(f"This community already has {MAX_SOURCES} job sources; remove one first.")
    try:
        company = await boards.probe(kind, board)
    except BoardNotFound:
        raise InvalidInput(
            f"{kind.capitalize()} has no board called '{board}', so it wasn't added. The README's "
            "Job search section shows where to find a company's board name."
        ) from None
    except BoardError as exc:
        raise IntegrationUnavailable(
            f"Couldn't check {kind} board '{board}' just now ({exc}); it wasn't added. Try again later."
        ) from None
    source = JobSource(community_id=community.id, kind=kind, board=board,
                       company=(company or _pretty(board))[:200], added_at=now, next_poll_at=now)
    session.add(source)
    await session.flush()
    return source


async def sources(session: AsyncSession, community: Community) -> list[JobSource]:
    return list(
        (
            await session.execute(
                select(JobSource).where(JobSource.community_id == community.id)
                .order_by(JobSource.kind, JobSource.board)
            )
        ).scalars()
    )


async def remove_source(session: AsyncSession, community: Community, kind: str, board_text: str
                        ) -> JobSource:
    kind = _check_kind(kind)
    board = board_name(board_text)
    source = (
        await session.execute(
            select(JobSource).where(JobSource.community_id == community.id, JobSource.kind == kind,
                                    func.lower(JobSource.board) == board.lower())
        )
    ).scalar_one_or_none()
    if source is None:
        raise NotFound(f"{kind} {board[:60]} isn't a source here. `jobs source list` shows them.")
    await session.delete(source)
    return source


async def open_count(session: AsyncSession, source: JobSource) -> int:
    return int(
        (
            await session.execute(
                select(func.count()).select_from(JobPosting).where(
                    JobPosting.source_id == source.id, JobPosting.closed_at.is_(None))
            )
        ).scalar_one()
    )


# --- polling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: int
    community_id: int
    kind: str
    board: str
    etag: str | None
    last_modified: str | None


async def claim_due(session: AsyncSession, now: datetime, limit: int = 100) -> list[Claim]:
    """Sources due now, each taken by one poller (the conditional UPDATE is the lock)."""
    due = (
        await session.execute(
            select(JobSource).where(JobSource.next_poll_at <= now, present(JobSource.community_id))
            .order_by(JobSource.next_poll_at).limit(limit)
        )
    ).scalars().all()
    claims: list[Claim] = []
    for source in due:
        taken = await session.execute(
            update(JobSource)
            .where(JobSource.id == source.id, JobSource.next_poll_at == source.next_poll_at)
            .values(next_poll_at=now + LEASE)
        )
        if rowcount(taken):
            claims.append(Claim(source.id, source.community_id, source.kind, source.board,
                                source.etag, source.last_modified))
    return claims


@dataclass(frozen=True)
class PollOutcome:
    source_id: int
    new: int = 0
    posted: int = 0
    closed: int = 0
    error: str | None = None


async def poll_due(session_factory: async_sessionmaker[AsyncSession], boards: JobBoards,
                   settings: Settings, now: datetime) -> list[PollOutcome]:
    """Read every due source (a few at a time) and store what each says."""
    async with session_factory() as session:
        claims = await claim_due(session, now)
        await session.commit()
    if not claims:
        return []
    gate = asyncio.Semaphore(CONCURRENT_READS)

    async def one(claim: Claim) -> PollOutcome:
        async with gate:
            try:
                fetched: Fetched | BoardError = await boards.fetch(
                    claim.kind, claim.board, etag=claim.etag, last_modified=claim.last_modified)
            except BoardError as exc:
                fetched = exc
        try:
            async with session_factory() as session:
                outcome = await record(session, claim, fetched, settings, now)
                await session.commit()
                return outcome
        except Exception:  # one board's bad data never stops the others
            log.exception("storing jobs from %s %s failed", claim.kind, claim.board)
            return PollOutcome(claim.id, error="store failed")

    return list(await asyncio.gather(*(one(c) for c in claims)))


async def record(session: AsyncSession, claim: Claim, fetched: Fetched | BoardError,
                 settings: Settings, now: datetime) -> PollOutcome:
    source = await session.get(JobSource, claim.id)
    if source is None:  # removed while it was being read
        return PollOutcome(claim.id)
    interval = _interval(settings)
    if isinstance(fetched, BoardError):
        source.last_error, source.last_error_at = str(fetched)[:500], now
        retry = next_slot(now, source.kind, source.board, min(interval, timedelta(hours=1)))
        if isinstance(fetched, BoardRateLimited) and fetched.retry_after is not None:
            retry = max(retry, now + timedelta(seconds=fetched.retry_after))
        source.next_poll_at = max(retry, now + MIN_RETRY)
        log.warning("job board read failed: %s (next try %s)", fetched,
                    source.next_poll_at.isoformat())
        return PollOutcome(claim.id, error=str(fetched))
    source.next_poll_at = next_slot(now, source.kind, source.board, interval)
    source.last_success_at, source.last_error = now, None
    if fetched.not_modified:
        return PollOutcome(claim.id)
    source.etag, source.last_modified = fetched.etag, fetched.last_modified
    new, closed = await store(session, source, fetched.postings, now)
    posted = await post_new(session, source, new, now)
    log.info("job board %s %s: %d postings read, %d new ML roles, %d closed, %d posted",
             source.kind, source.board, len(fetched.postings), len(new), closed, posted)
    return PollOutcome(claim.id, new=len(new), posted=posted, closed=closed)


def _row_values(source: JobSource, posting: Posting) -> dict[str, Any]:
    remote = looks_remote(posting.remote_hint if posting.remote_hint.lower() == "remote" else "",
                          posting.location, posting.title)
    return {
        "title": posting.title[:300],
        "company": (posting.company or source.company)[:200],
        "location": posting.location[:300],
        "remote": remote,
        "level": level_of(posting.title),
        "url": posting.url[:500],
        "summary": posting.description[:1500],
        "compensation": (posting.compensation or None) and posting.compensation[:200],
        "published_at": posting.published_at,
    }


async def store(session: AsyncSession, source: JobSource, postings: Sequence[Posting],
                now: datetime) -> tuple[list[JobPosting], int]:
    """Upsert the ML postings; close the ones no longer listed. Returns (new rows, closed)."""
    existing = {
        p.external_id: p
        for p in (
            await session.execute(select(JobPosting).where(JobPosting.source_id == source.id))
        ).scalars()
    }
    listed: set[str] = set()
    new: list[JobPosting] = []
    for posting in postings:
        if not is_ml_title(posting.title, posting.description):
            continue
        external_id = posting.external_id[:64]
        if external_id in listed:
            continue
        listed.add(external_id)
        values = _row_values(source, posting)
        row = existing.get(external_id)
        if row is None:
            row = JobPosting(community_id=source.community_id, source_id=source.id,
                             external_id=external_id, first_seen_at=now, last_seen_at=now, **values)
            session.add(row)
            new.append(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.last_seen_at, row.closed_at = now, None
    closed = 0
    for external_id, row in existing.items():
        if external_id not in listed and row.closed_at is None:
            row.closed_at = now
            closed += 1
    await session.flush()
    return new, closed


async def post_new(session: AsyncSession, source: JobSource, new: list[JobPosting], now: datetime
                   ) -> int:
    first = source.baseline_at is None
    source.baseline_at = source.baseline_at or now
    community = await session.get(Community, source.community_id)
    assert community is not None
    channel = await channel_for(session, community.id, "jobs")
    if channel is None or not new:
        return 0
    ordered = sorted(new, key=lambda p: (p.published_at or p.first_seen_at, p.id), reverse=True)
    picks = ordered[:FIRST_ADD_LIMIT] if first else ordered
    posted = 0
    for posting in picks:
        posting.posted_at = now
        posted += await enqueue(
            session, community, Target.in_channel(channel), posting_card(posting, new=True),
            dedupe_key=f"jobs:{community.id}:{source.kind}:{source.board.lower()}:{posting.external_id}",
            now=now,
        )
    more = len(ordered) - len(picks)
    if more > 0:
        await enqueue(
            session, community, Target.in_channel(channel),
            Reply(text=f"…and {plural(more, 'more ML role')} from {source.company} "
                       f"{'is' if more == 1 else 'are'} in `jobs list --company {source.board}`."),
            dedupe_key=f"jobs-backlog:{community.id}:{source.kind}:{source.board.lower()}",
            now=now,
        )
    return posted


# --- browsing and saving -------------------------------------------------------------------------


def _open_postings_query(
    community: Community,
    *,
    remote: bool = False,
    level: str | None = None,
    location: str | None = None,
    company: str | None = None,
    since: datetime | None = None,
) -> Select[JobPosting]:
    stmt = select(JobPosting).where(JobPosting.community_id == community.id,
                                    JobPosting.closed_at.is_(None))
    if remote:
        stmt = stmt.where(JobPosting.remote.is_(True))
    if level is not None:
        stmt = stmt.where(JobPosting.level == level)
    if location:
        stmt = stmt.where(func.lower(JobPosting.location).contains(location.lower(), autoescape=True))
    if company:
        needle = company.lower()
        board_ids = select(JobSource.id).where(JobSource.community_id == community.id,
                                               func.lower(JobSource.board) == needle)
        stmt = stmt.where(
            func.lower(JobPosting.company).contains(needle, autoescape=True)
            | JobPosting.source_id.in_(board_ids)
        )
    if since is not None:
        stmt = stmt.where(JobPosting.first_seen_at > since)
    return stmt


async def open_postings(
    session: AsyncSession,
    community: Community,
    *,
    remote: bool = False,
    level: str | None = None,
    location: str | None = None,
    company: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[JobPosting]:
    """Open postings matching the filters, newest first (the first `limit` when given)."""
    stmt = _open_postings_query(community, remote=remote, level=level, location=location,
                                company=company, since=since)
    stmt = stmt.order_by(JobPosting.first_seen_at.desc(), JobPosting.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list((await session.execute(stmt)).scalars())


async def count_open_postings(
    session: AsyncSession,
    community: Community,
    *,
    remote: bool = False,
    level: str | None = None,
    location: str | None = None,
    company: str | None = None,
) -> int:
    """How many open postings match (counted in the database, no rows loaded)."""
    query = _open_postings_query(community, remote=remote, level=level, location=location,
                                 company=company).subquery()
    return int((await session.execute(select(func.count()).select_from(query))).scalar_one())


async def save(session: AsyncSession, member: Member, posting_id: int, *, now: datetime,
               today: date) -> tuple[JobApplication, bool]:
    """Add a posting to the member's tracker as `saved`. Returns (application, newly saved)."""
    posting = await session.get(JobPosting, posting_id)
    if posting is None or posting.community_id != member.community_id:
        raise NotFound(f"There's no job posting {posting_id} here. `jobs list` shows the open ones.")
    already = (
        await session.execute(
            select(JobApplication).where(JobApplication.community_id == member.community_id,
                                         JobApplication.member_id == member.id,
                                         JobApplication.posting_id == posting.id)
        )
    ).scalar_one_or_none()
    if already is not None:
        return already, False
    change = await tracker.add(session, member, posting.company, posting.title[:200],
                               url=posting.url or None, stage="saved", now=now, today=today,
                               posting_id=posting.id)
    return change.application, True


# --- what members see ----------------------------------------------------------------------------

LEVEL_LABELS = {"intern": "Intern", "new-grad": "New grad", "junior": "Junior", "mid": "Mid",
                "senior": "Senior", "staff+": "Staff+"}
assert set(LEVEL_LABELS) == set(LEVELS)


def where(posting: JobPosting) -> str:
    place = posting.location or "location not given"
    if posting.remote and "remote" not in place.lower():
        place += " · remote"
    return place


def posting_card(posting: JobPosting, *, new: bool = False) -> Reply:
    fields = [
        Field("Level", LEVEL_LABELS.get(posting.level, posting.level), inline=True),
        Field("Where", where(posting), inline=True),
    ]
    if posting.compensation:
        fields.append(Field("Pay", posting.compensation, inline=True))
    fields.append(Field("Link", posting.url or "—"))
    summary = posting.summary.strip()
    if len(summary) > 300:
        summary = summary[:299].rsplit(" ", 1)[0] + "…"
    return Reply(
        title=("💼 " if new else "") + f"{posting.title} — {posting.company}",
        text=summary,
        fields=tuple(fields),
        buttons=(Button("Save", action_id("jobs.save", posting.id), style="primary"),),
        footer=f"posting {posting.id} · Save adds it to your private tracker (`apply list`)",
    )


def list_line(posting: JobPosting) -> str:
    level = LEVEL_LABELS.get(posting.level, posting.level)
    return f"`{posting.id}` **{posting.title}** — {posting.company} · {level} · {where(posting)}"
