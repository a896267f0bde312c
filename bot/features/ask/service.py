"""Questions from draft to solved, answers, kudos, helpers' opt-in, leaderboards.

Other features use `open_questions_for_digest` (the weekly check-in digest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import search
from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.messages import Button, Field, Reply, mention
from bot.core.numbers import next_number
from bot.core.outbox import Target, enqueue
from bot.core.tenancy import Community, Member, channel_for, present
from bot.features.ask.models import SEARCH, Answer, Helper, Kudos, Ping, Question
from bot.features.ask.routing import Pick, pick_helpers
from bot.features.ask.topics import TOPICS, suggest
from bot.features.roadmap import service as roadmap

MAX_TITLE = 200
MAX_DETAILS = 4000
MAX_ANSWER = 4000
SIMILAR = 3
ESCALATE_AFTER = timedelta(hours=12)


THREAD_PREFIX = "ask:q:"


def thread_key(question: Question) -> str:
    """The outbox row that opens the question's thread; replies go where it went."""
    return f"{THREAD_PREFIX}{question.id}"


# --- asking ------------------------------------------------------------------------------------


def validate(title: str, details: str | None, topic: str | None) -> tuple[str, str | None, str | None]:
    title = (title or "").strip()
    if not title:
        raise InvalidInput("A question needs a title: what do you want to know?")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"Keep the title under {MAX_TITLE} characters; put the rest in --details.")
    details = (details or "").strip() or None
    if details is not None and len(details) > MAX_DETAILS:
        raise InvalidInput(f"Details are limited to {MAX_DETAILS} characters ({len(details)} given): "
                           "link a gist for long code.")
    if topic is not None and topic not in TOPICS:
        raise InvalidInput(f"'{topic[:40]}' isn't a topic. Topics: {', '.join(TOPICS)}.")
    return title, details, topic


async def draft(session: AsyncSession, member: Member, title: str, details: str | None,
                topic: str | None, *, now: datetime) -> Question:
    """A question not posted yet (it is posted at once unless similar solved ones exist)."""
    title, details, topic = validate(title, details, topic)
    if await channel_for(session, member.community_id, "questions") is None:
        raise NotAllowed("There's no questions channel yet: an admin sets one with "
                         "`admin set channel questions #channel`.")
    question = Question(community_id=member.community_id, member_id=member.id, title=title,
                        details=details, topic=topic or suggest(f"{title} {details or ''}"),
                        status="draft", created_at=now)
    session.add(question)
    await session.flush()
    return question


async def similar(session: AsyncSession, question: Question, limit: int = SIMILAR) -> list[Question]:
    """Solved questions that look like this one, best first."""
    hits = await search.search(session, SEARCH, question.community_id,
                               f"{question.title} {question.details or ''}", limit=limit,
                               where={"status": "solved"}, min_match=2)
    return await _in_order(session, question.community_id, [h.id for h in hits])


async def search_solved(session: AsyncSession, community_id: int, query: str, limit: int = 5
                        ) -> list[Question]:
    hits = await search.search(session, SEARCH, community_id, query, limit=limit, match_all=True,
                               where={"status": "solved"})
    if not hits:
        hits = await search.search(session, SEARCH, community_id, query, limit=limit,
                                   where={"status": "solved"})
    return await _in_order(session, community_id, [h.id for h in hits])


async def _in_order(session: AsyncSession, community_id: int, ids: list[int]) -> list[Question]:
    if not ids:
        return []
    rows = (await session.execute(
        select(Question).where(Question.community_id == community_id, Question.id.in_(ids))
    )).scalars()
    by_id = {q.id: q for q in rows}
    return [by_id[i] for i in ids if i in by_id]


async def draft_of(session: AsyncSession, member: Member, draft_id: int) -> Question:
    question = await session.get(Question, draft_id)
    if question is None or question.community_id != member.community_id or question.status != "draft":
        raise NotFound("That question was already posted or dropped.")
    if question.member_id != member.id:
        raise NotAllowed("That isn't your question.")
    return question


async def drop_draft(session: AsyncSession, member: Member, draft_id: int) -> None:
    question = await draft_of(session, member, draft_id)
    await session.delete(question)


@dataclass(frozen=True)
class Posted:
    question: Question
    picks: list[Pick]
    milestone: str | None


def card(question: Question, asker: Member, *, prefix: str = "") -> Reply:
    """The question as posted in its thread: its Solved button is the asker's."""
    fields = (Field("Topic", question.topic, inline=True),
              Field("Asked by", mention(asker.platform_user_id), inline=True))
    solved = question.status == "solved"
    return Reply(
        title=f"Question #{question.number}: {question.title}"[:256],
        text=question.details or "",
        fields=fields + ((Field("Solved", question.summary or "yes"),) if solved else ()),
        buttons=() if solved else (
            Button("Solved", f"ask.solve:{asker.id}:{question.id}", style="success"),
        ),
        footer=f"Answer in this thread, or with `{prefix}ask answer {question.number} …`",
    )


async def post(session: AsyncSession, community: Community, asker: Member, question: Question,
               *, now: datetime, prefix: str = "") -> Posted:
    """Number the draft, open its thread, ask the best helpers."""
    channel = await channel_for(session, community.id, "questions")
    if channel is None:
        raise NotAllowed("There's no questions channel yet: an admin sets one with "
                         "`admin set channel questions #channel`.")
    question.number = await next_number(session, community.id, "question")
    question.status = "open"
    question.channel_id = channel
    question.posted_at = now
    await session.flush()
    await enqueue(session, community, Target.thread(channel), card(question, asker, prefix=prefix),
                  dedupe_key=thread_key(question), now=now)
    picks = await route(session, community, question, now=now, round_=1, prefix=prefix)
    # No milestone carries "ask-first" yet (milestones.toml is being rewritten); until one does,
    # this checks nothing.
    milestone = await roadmap.mark_auto(session, asker, "ask-first", now=now)
    return Posted(question, picks, milestone.title if milestone else None)


async def route(session: AsyncSession, community: Community, question: Question, *, now: datetime,
                round_: int, prefix: str = "") -> list[Pick]:
    """Pick helpers, remember why, DM each a pointer to the thread."""
    picks = await pick_helpers(session, community, question, now=now)
    for pick in picks:
        session.add(Ping(community_id=community.id, question_id=question.id, member_id=pick.member_id,
                         round=round_, score=pick.score, parts=pick.parts, created_at=now))
        text = (f"Someone could use your help with a **{question.topic}** question:\n"
                f"**#{question.number} {question.title}**\n"
                f"It's in <#{question.channel_id}> (its thread is titled \"Question #{question.number}\"). "
                f"Answer there or with `{prefix}ask answer {question.number} …`.")
        await enqueue(session, community, Target.dm(pick.platform_user_id),
                      Reply(title="Can you help?", text=text,
                            buttons=(Button("Show the question", f"ask.show:{question.id}"),)),
                      dedupe_key=f"ask:ping:{question.id}:{pick.member_id}", now=now)
    await session.flush()
    return picks


# --- finding questions ---------------------------------------------------------------------------


async def by_number(session: AsyncSession, community_id: int, number: int) -> Question:
    question = (await session.execute(
        select(Question).where(Question.community_id == community_id, Question.number == number)
    )).scalar_one_or_none()
    if question is None:
        raise NotFound(f"There's no question #{number} here.")
    return question


async def by_id(session: AsyncSession, community_id: int, question_id: int) -> Question:
    question = await session.get(Question, question_id)
    if question is None or question.community_id != community_id or question.number is None:
        raise NotFound("That question is gone.")
    return question


async def list_questions(session: AsyncSession, community_id: int, *, only_open: bool = False,
                         member: Member | None = None, topic: str | None = None, limit: int = 15
                         ) -> list[Question]:
    stmt = select(Question).where(Question.community_id == community_id, Question.status != "draft")
    if only_open:
        stmt = stmt.where(Question.status == "open")
    if member is not None:
        stmt = stmt.where(Question.member_id == member.id)
    if topic is not None:
        stmt = stmt.where(Question.topic == topic)
    stmt = stmt.order_by(Question.number.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def answers_of(session: AsyncSession, question: Question) -> list[tuple[Answer, Member]]:
    rows = await session.execute(
        select(Answer, Member).join(Member, Member.id == Answer.member_id)
        .where(Answer.question_id == question.id, Answer.community_id == question.community_id)
        .order_by(Answer.id)
    )
    return [(a, m) for a, m in rows.all()]


async def pings_of(session: AsyncSession, question: Question) -> list[tuple[Ping, Member]]:
    rows = await session.execute(
        select(Ping, Member).join(Member, Member.id == Ping.member_id)
        .where(Ping.question_id == question.id, Ping.community_id == question.community_id)
        .order_by(Ping.round, Ping.score.desc())
    )
    return [(p, m) for p, m in rows.all()]


# --- answering and solving -------------------------------------------------------------------------


async def answer(session: AsyncSession, community: Community, member: Member, question: Question,
                 text: str, *, now: datetime) -> Answer:
    """Record an answer and post it into the question's thread."""
    text = text.strip()
    if not text:
        raise InvalidInput("An answer can't be empty.")
    if len(text) > MAX_ANSWER:
        raise InvalidInput(f"Answers are limited to {MAX_ANSWER} characters.")
    if question.status != "open":
        raise NotAllowed(f"Question #{question.number} is already solved.")
    row = Answer(community_id=community.id, question_id=question.id, member_id=member.id, text=text,
                 created_at=now)
    session.add(row)
    await session.flush()
    await enqueue(session, community, Target.reply_in(thread_key(question)),
                  Reply(text=f"{mention(member.platform_user_id)} answered:\n{text}"),
                  dedupe_key=f"ask:answer:{row.id}", now=now)
    return row


async def answered_in_thread(session: AsyncSession, member: Member, question: Question, *,
                             now: datetime) -> bool:
    """`member` wrote in the question's thread: that counts as answering (it stops the 12-hour
    round, shows them in `ask show`, offers them to the asker as who helped). Who and when
    only, never the words. Not the asker, not on a solved question, once per member."""
    if question.member_id == member.id or question.status != "open" \
            or question.community_id != member.community_id:
        return False
    seen = (await session.execute(
        select(Answer.id).where(Answer.community_id == question.community_id,
                                Answer.question_id == question.id, Answer.member_id == member.id).limit(1)
    )).first()
    if seen is not None:
        return False
    session.add(Answer(community_id=question.community_id, question_id=question.id, member_id=member.id,
                       text=None, created_at=now))
    await session.flush()
    return True


async def candidates(session: AsyncSession, question: Question) -> list[Member]:
    """Who might have helped: members who answered or were pinged, never the asker."""
    ids = set((await session.execute(
        select(Answer.member_id).where(Answer.question_id == question.id))).scalars())
    ids |= set((await session.execute(
        select(Ping.member_id).where(Ping.question_id == question.id))).scalars())
    ids.discard(question.member_id)
    if not ids:
        return []
    rows = await session.execute(
        select(Member).where(Member.community_id == question.community_id, Member.id.in_(ids))
        .order_by(Member.display_name)
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class Solved:
    question: Question
    helper: Member | None
    milestone: str | None


async def solve(session: AsyncSession, community: Community, member: Member, question: Question,
                *, helper: Member | None, summary: str | None, now: datetime, prefix: str = "") -> Solved:
    """The asker marks their question solved; the member who helped gets kudos."""
    if question.member_id != member.id:
        raise NotAllowed(f"Only the asker can mark question #{question.number} solved.")
    if question.status == "solved":
        raise NotAllowed(f"Question #{question.number} is already solved.")
    if helper is not None and helper.id == member.id:
        raise InvalidInput("Kudos go to someone who helped you, not to yourself. "
                           "Leave out --helper if you worked it out alone.")
    if helper is not None and helper.community_id != community.id:
        raise NotFound("That member isn't in this community.")
    summary = (summary or "").strip() or None
    if summary is not None and len(summary) > MAX_ANSWER:
        raise InvalidInput(f"Summaries are limited to {MAX_ANSWER} characters.")
    if summary is None and helper is not None:
        last = (await session.execute(
            select(Answer.text).where(Answer.question_id == question.id, Answer.member_id == helper.id,
                                      Answer.text.is_not(None))
            .order_by(Answer.id.desc()).limit(1))).scalar_one_or_none()
        summary = last
    question.status = "solved"
    question.solved_at = now
    question.summary = summary
    milestone = None
    if helper is not None:
        session.add(Kudos(community_id=community.id, question_id=question.id, member_id=helper.id,
                          created_at=now))
        earned = await roadmap.mark_auto(session, helper, "help-given", now=now)
        milestone = earned.title if earned else None
    await session.flush()
    thanks = f" Thanks to {mention(helper.platform_user_id)} ⭐" if helper is not None else ""
    await enqueue(session, community, Target.reply_in(thread_key(question)),
                  Reply(text=f"✅ Solved.{thanks}" + (f"\n**Summary:** {summary}" if summary else "")),
                  dedupe_key=f"ask:solved:{question.id}", now=now)
    return Solved(question, helper, milestone)


async def set_summary(session: AsyncSession, member: Member, question: Question, summary: str) -> None:
    if question.member_id != member.id:
        raise NotAllowed(f"Only the asker can edit the summary of question #{question.number}.")
    if question.status != "solved":
        raise NotAllowed(f"Question #{question.number} isn't solved yet; mark it solved first.")
    summary = summary.strip()
    if not summary:
        raise InvalidInput("The summary can't be empty.")
    if len(summary) > MAX_ANSWER:
        raise InvalidInput(f"Summaries are limited to {MAX_ANSWER} characters.")
    question.summary = summary
    await session.flush()


# --- helpers ------------------------------------------------------------------------------------------


async def helper_row(session: AsyncSession, member: Member) -> Helper | None:
    return (await session.execute(
        select(Helper).where(Helper.community_id == member.community_id, Helper.member_id == member.id)
    )).scalar_one_or_none()


async def set_helper(session: AsyncSession, member: Member, *, active: bool,
                     topics: tuple[str, ...] | None, now: datetime) -> Helper:
    row = await helper_row(session, member)
    if row is None:
        row = Helper(community_id=member.community_id, member_id=member.id, active=active,
                     topics="", updated_at=now)
        session.add(row)
    row.active = active
    if topics is not None:
        row.topics = ",".join(topics)
    row.updated_at = now
    await session.flush()
    return row


@dataclass(frozen=True)
class BoardRow:
    member: Member
    kudos: int


async def leaderboard(session: AsyncSession, community_id: int, *, since: datetime | None,
                      limit: int = 10) -> list[BoardRow]:
    # Kudos are counted per member first; only members at or above the `limit`-th count (ties
    # included) are joined to their names, not everyone who ever got a kudo.
    counts = (
        select(Kudos.member_id.label("member_id"), func.count(Kudos.id).label("n"))
        .where(Kudos.community_id == community_id)
        .group_by(Kudos.member_id)
    )
    if since is not None:
        counts = counts.where(Kudos.created_at >= since)
    k = counts.cte("kudos_counts")
    threshold = select(k.c.n).order_by(k.c.n.desc()).offset(limit - 1).limit(1).scalar_subquery()
    stmt = (
        select(Member, k.c.n)
        .join(k, k.c.member_id == Member.id)
        .where(Member.community_id == community_id, k.c.n >= func.coalesce(threshold, 0))
        .order_by(k.c.n.desc(), Member.display_name)
        .limit(limit)
    )
    return [BoardRow(m, int(n)) for m, n in (await session.execute(stmt)).all()]


@dataclass(frozen=True)
class HelperStats:
    kudos: int
    kudos_week: int
    answers: int
    pings: int
    asked: int
    solved: int


async def stats(session: AsyncSession, member: Member, *, now: datetime) -> HelperStats:
    scope = (member.community_id, member.id)

    async def count(model: type, *where: ColumnElement[bool]) -> int:
        stmt = select(func.count()).select_from(model).where(
            model.community_id == scope[0], model.member_id == scope[1], *where)  # type: ignore[attr-defined]
        return int((await session.execute(stmt)).scalar_one())

    return HelperStats(
        kudos=await count(Kudos),
        kudos_week=await count(Kudos, Kudos.created_at >= now - timedelta(days=7)),
        answers=await count(Answer),
        pings=await count(Ping),
        asked=await count(Question, Question.status != "draft"),
        solved=await count(Question, Question.status == "solved"),
    )


# --- the 12-hour second round ------------------------------------------------------------------------


async def escalate_due(session: AsyncSession, *, now: datetime, prefixes: dict[str, str] | None = None
                       ) -> int:
    """Open questions posted 12 h ago with no answer: up to 3 more helpers and one reminder."""
    answered = select(Answer.question_id).where(Answer.question_id == Question.id).exists()
    rows = (await session.execute(
        select(Question, Community).join(Community, Community.id == Question.community_id).where(
            Question.status == "open", Question.escalated_at.is_(None),
            Question.posted_at <= now - ESCALATE_AFTER, ~answered, present(Community.id),
        ).order_by(Question.id).limit(200)
    )).all()
    # Drafts nobody decided on (neither "Post anyway" nor "That answers it") don't linger.
    await session.execute(delete(Question).where(Question.status == "draft",
                                                 Question.created_at < now - timedelta(days=1)))
    for question, community in rows:
        question.escalated_at = now
        prefix = (prefixes or {}).get(community.platform, "")
        picks = await route(session, community, question, now=now, round_=2, prefix=prefix)
        asked = ", ".join(mention(p.platform_user_id) for p in picks)
        text = ("Still unanswered after 12 hours. " + (f"Asked {asked} as well." if picks else
                "Everyone who could help is asleep or busy; it stays open."))
        await enqueue(session, community, Target.reply_in(thread_key(question)), Reply(text=text),
                      dedupe_key=f"ask:remind:{question.id}", now=now)
    await session.flush()
    return len(rows)


# --- for other features -------------------------------------------------------------------------------


async def open_questions_for_digest(session: AsyncSession, community_id: int, limit: int = 5
                                    ) -> list[tuple[int, str, str, int]]:
    """Open questions in topics some opted-in helper covers: (number, title, topic, helpers)."""
    helpers = list((await session.execute(
        select(Helper.topics).where(Helper.community_id == community_id, Helper.active.is_(True))
    )).scalars())
    if not helpers:
        return []
    rows = (await session.execute(
        select(Question.number, Question.title, Question.topic).where(
            Question.community_id == community_id, Question.status == "open")
        .order_by(Question.number).limit(100)
    )).all()
    out: list[tuple[int, str, str, int]] = []
    for number, title, topic in rows:
        n = sum(1 for t in helpers if not t or topic in t.split(","))
        if n and number is not None:
            out.append((int(number), title, topic, n))
    return out[:limit]


