from __future__ import annotations

from datetime import timedelta

from bot.core.commands import ANYONE, ActionRequest, CommandGroup, Param, owner
from bot.core.context import Context
from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.messages import Button, Field, Modal, Reply, Select, SelectOption, TextInput, mention
from bot.core.tenancy import Member
from bot.core.text import plural
from bot.features.ask import service
from bot.features.ask.models import Question
from bot.features.ask.routing import explain
from bot.features.ask.topics import TOPICS, parse_topics
from bot.features.checkins import service as checkins

ask = CommandGroup("ask", "Ask the community; helpers who know the topic are asked for you",
                   default="new", catch_all=True)
helper = CommandGroup("helper", "Help others: get asked about questions in your topics")

QUESTION_ID = Param.integer("id", "The question's number (`ask list` shows them)", min_value=1)


def _form(member_id: int, *, title: str = "") -> Modal:
    return Modal(
        title="Ask the community",
        submit_action=f"ask.submit:{member_id}",
        inputs=(
            TextInput("title", "Your question in one line", long=False, max_length=service.MAX_TITLE,
                      placeholder=title[:100] or "Why does my validation loss go up?"),
            TextInput("details", "Details: what you tried, errors, code", required=False,
                      max_length=service.MAX_DETAILS),
            TextInput("topic", "Topic (leave empty and Pivot suggests one)", long=False, required=False,
                      max_length=32, placeholder="e.g. metrics, tooling, career"),
        ),
    )


def _form_button(ctx: Context, *, label: str = "Ask a question", title: str = "") -> Button:
    return Button(label, f"ask.form:{ctx.member.id}", style="primary", modal=_form(ctx.member.id, title=title))


def _line(q: Question) -> str:
    state = "✅" if q.status == "solved" else "❓"
    return f"{state} **#{q.number}** {q.title} · _{q.topic}_"


def _solved_line(q: Question) -> str:
    summary = (q.summary or "").strip()
    if len(summary) > 200:
        summary = summary[:199] + "…"
    return f"✅ **#{q.number}** {q.title}" + (f"\n    {summary}" if summary else "")


async def _start(ctx: Context, title: str, details: str | None, topic: str | None) -> Reply:
    """Draft, then either offer similar solved questions or post at once."""
    question = await service.draft(ctx.session, ctx.member, title, details, topic, now=ctx.now())
    matches = await service.similar(ctx.session, question)
    if not matches:
        return await _post(ctx, question)
    return Reply(
        title="Already answered?",
        text="These solved questions look like yours:\n\n" + "\n".join(_solved_line(q) for q in matches)
        + f"\n\n`{ctx.prefix}ask show N` shows one in full.",
        buttons=(
            Button("That answers it", f"ask.drop:{ctx.member.id}:{question.id}", style="success"),
            Button("Post anyway", f"ask.post:{ctx.member.id}:{question.id}", style="primary"),
        ),
        ephemeral=True,
    )


async def _post(ctx: Context, question: Question) -> Reply:
    posted = await service.post(ctx.session, ctx.community, ctx.member, question, now=ctx.now(),
                                prefix=ctx.prefix)
    who = ", ".join(p.display_name for p in posted.picks)
    lines = [f"Posted as **question #{question.number}** in <#{question.channel_id}> (topic: {question.topic}).",
             f"Asked {who} to have a look." if posted.picks else
             "No helper is available right now; I'll ask more in 12 hours if it's still unanswered.",
             f"When it's solved, press **Solved** on the question or `{ctx.prefix}ask solve {question.number} "
             "--helper @who`."]
    if posted.milestone:
        lines.append(f"🏅 Roadmap milestone checked: **{posted.milestone}**")
    return Reply(text="\n".join(lines), ephemeral=True)


@ask.command(
    "new", "Ask a question (with no title: a form)",
    Param.text("title", "Your question in one line", required=False, positional=True, greedy=True,
               max_length=service.MAX_TITLE),
    Param.choice("topic", "Its topic (default: suggested from the text)", TOPICS, required=False),
    Param.text("details", "What you tried, errors, code", required=False, max_length=service.MAX_DETAILS),
    ephemeral=True,
)
async def new(ctx: Context, title: str | None, topic: str | None, details: str | None) -> Reply:
    if title is None:
        return Reply(text="Press the button to write your question.", buttons=(_form_button(ctx),),
                     ephemeral=True)
    return await _start(ctx, title, details, topic)


@ask.action("form", audience=owner(0))
async def form(ctx: Context, req: ActionRequest) -> Reply:
    """Platforms that cannot open the form land here."""
    return Reply(text=f'Ask in words: `{ctx.prefix}ask "your question" --details "…"`.', ephemeral=True)


@ask.action("submit", audience=owner(0))
async def submit(ctx: Context, req: ActionRequest) -> Reply:
    topic = (req.values.get("topic") or "").strip().lower() or None
    return await _start(ctx, req.values.get("title") or "", req.values.get("details"), topic)


def _draft_id(req: ActionRequest) -> int:
    if len(req.args) != 2 or not req.args[1].isdigit():
        raise InvalidInput("That button no longer does anything.")
    return int(req.args[1])


@ask.action("post", audience=owner(0))
async def post_anyway(ctx: Context, req: ActionRequest) -> Reply:
    question = await service.draft_of(ctx.session, ctx.member, _draft_id(req))
    return await _post(ctx, question)


@ask.action("drop", audience=owner(0))
async def answered_already(ctx: Context, req: ActionRequest) -> Reply:
    await service.drop_draft(ctx.session, ctx.member, _draft_id(req))
    return Reply(text="Glad it was already answered. Nothing was posted.", ephemeral=True)


@ask.action("blocker", audience=owner(0))
async def from_blocker(ctx: Context, req: ActionRequest) -> Reply:
    """The check-in reply's "Ask the community": the blocker becomes a draft question."""
    if len(req.args) != 2 or not req.args[1].isdigit():
        raise InvalidInput("That button no longer does anything.")
    text = await checkins.blocker_of(ctx.session, ctx.member, int(req.args[1]))
    if not text:
        raise NotFound("That check-in has no blocker to ask about.")
    first = text.strip().splitlines()[0]
    title = first if len(first) <= service.MAX_TITLE else first[: service.MAX_TITLE - 1] + "…"
    details = text if text.strip() != title else None
    return Reply(
        title="Ask the community",
        text=f"**{title}**" + (f"\n{details}" if details else "")
        + "\n\nPost it as it is, or write it in your own words first.",
        buttons=(
            Button("Post it", f"ask.blockerpost:{ctx.member.id}:{req.args[1]}", style="primary"),
            _form_button(ctx, label="Edit first", title=title),
        ),
        ephemeral=True,
    )


@ask.action("blockerpost", audience=owner(0))
async def post_blocker(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) != 2 or not req.args[1].isdigit():
        raise InvalidInput("That button no longer does anything.")
    text = await checkins.blocker_of(ctx.session, ctx.member, int(req.args[1]))
    if not text:
        raise NotFound("That check-in has no blocker to ask about.")
    first = text.strip().splitlines()[0]
    title = first if len(first) <= service.MAX_TITLE else first[: service.MAX_TITLE - 1] + "…"
    return await _start(ctx, title, text if text.strip() != title else None, None)


async def _show(ctx: Context, question: Question) -> Reply:
    asker = await ctx.session.get(Member, question.member_id)
    answers = await service.answers_of(ctx.session, question)
    fields = [Field("Topic", question.topic, inline=True),
              Field("Asked by", mention(asker.platform_user_id) if asker else "—", inline=True),
              Field("Status", "solved ✅" if question.status == "solved" else "open", inline=True)]
    if question.summary:
        fields.append(Field("Summary", question.summary))
    for a, m in answers[-5:]:
        fields.append(Field(f"Answer from {m.display_name}",
                            a.text[:1000] if a.text is not None else "_answered in the thread_"))
    buttons: tuple[Button, ...] = ()
    if question.status == "open" and asker is not None and asker.id == ctx.member.id:
        buttons = (Button("Solved", f"ask.solve:{asker.id}:{question.id}", style="success"),)
    return Reply(title=f"Question #{question.number}: {question.title}", text=question.details or "",
                 fields=tuple(fields), buttons=buttons, ephemeral=True)


@ask.command("show", "One question with its answers", QUESTION_ID, ephemeral=True)
async def show(ctx: Context, id: int) -> Reply:
    return await _show(ctx, await service.by_number(ctx.session, ctx.community.id, id))


@ask.action("show", audience=ANYONE)
async def show_button(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) != 1 or not req.args[0].isdigit():
        raise InvalidInput("That button no longer does anything.")
    return await _show(ctx, await service.by_id(ctx.session, ctx.community.id, int(req.args[0])))


@ask.command(
    "list", "Questions: newest first",
    Param.flag("open", "Only unanswered ones"),
    Param.flag("mine", "Only yours"),
    Param.choice("topic", "Only this topic", TOPICS, required=False),
    ephemeral=True,
)
async def list_(ctx: Context, open: bool, mine: bool, topic: str | None) -> Reply:
    rows = await service.list_questions(ctx.session, ctx.community.id, only_open=open,
                                        member=ctx.member if mine else None, topic=topic)
    if not rows:
        return Reply(title="Questions", text=f"None yet. Ask one with `{ctx.prefix}ask \"…\"`.", ephemeral=True)
    return Reply(title="Questions", text="\n".join(_line(q) for q in rows), ephemeral=True)


@ask.command("search", "Search solved questions",
             Param.text("query", "Words to look for", greedy=True), ephemeral=True)
async def search(ctx: Context, query: str) -> Reply:
    rows = await service.search_solved(ctx.session, ctx.community.id, query)
    if not rows:
        return Reply(title="Search", text="No solved question matches. Ask it!",
                     buttons=(_form_button(ctx),), ephemeral=True)
    return Reply(title=f"Solved questions matching “{query[:60]}”",
                 text="\n".join(_solved_line(q) for q in rows), ephemeral=True)


@ask.command("answer", "Answer a question (posted into its thread)",
             QUESTION_ID, Param.text("text", "Your answer", greedy=True, max_length=service.MAX_ANSWER),
             ephemeral=True)
async def answer(ctx: Context, id: int, text: str) -> Reply:
    question = await service.by_number(ctx.session, ctx.community.id, id)
    await service.answer(ctx.session, ctx.community, ctx.member, question, text, now=ctx.now())
    return Reply(text=f"Thanks! Your answer is in the thread of question #{question.number}.", ephemeral=True)


def _solved_reply(solved: service.Solved) -> Reply:
    q = solved.question
    lines = [f"✅ Question #{q.number} is solved."]
    if solved.helper is not None:
        lines.append(f"Kudos to {mention(solved.helper.platform_user_id)} ⭐")
    lines.append("Edit the summary search shows with `ask summary "
                 f"{q.number} …`." if not q.summary else f"Summary: {q.summary}")
    if solved.milestone:
        lines.append(f"🏅 {solved.helper.display_name if solved.helper else ''} checked a roadmap milestone: "
                     f"**{solved.milestone}**")
    return Reply(text="\n".join(lines), ephemeral=True)


@ask.command(
    "solve", "Mark your question solved and thank who helped",
    QUESTION_ID,
    Param.member("helper", "Who helped (they get kudos)", required=False),
    Param.text("summary", "The answer in a sentence or two (search shows it)", required=False,
               max_length=service.MAX_ANSWER),
    ephemeral=True,
)
async def solve(ctx: Context, id: int, helper: Member | None, summary: str | None) -> Reply:
    question = await service.by_number(ctx.session, ctx.community.id, id)
    solved = await service.solve(ctx.session, ctx.community, ctx.member, question, helper=helper,
                                 summary=summary, now=ctx.now())
    return _solved_reply(solved)


@ask.action("solve", audience=owner(0))
async def solve_button(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) != 2 or not req.args[1].isdigit():
        raise InvalidInput("That button no longer does anything.")
    question = await service.by_id(ctx.session, ctx.community.id, int(req.args[1]))
    if question.status == "solved":
        raise NotAllowed(f"Question #{question.number} is already solved.")
    people = await service.candidates(ctx.session, question)
    options = tuple(SelectOption(m.display_name[:100], str(m.id)) for m in people[:24])
    options += (SelectOption("Nobody — I worked it out", "0"),)
    return Reply(
        text=f"Who helped with question #{question.number}? They get kudos.",
        selects=(Select("Who helped?", f"ask.helped:{ctx.member.id}:{question.id}", options),),
        ephemeral=True,
    )


@ask.action("helped", audience=owner(0))
async def helped(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) != 2 or not req.args[1].isdigit():
        raise InvalidInput("That choice no longer does anything.")
    question = await service.by_id(ctx.session, ctx.community.id, int(req.args[1]))
    value = (req.values.get("value") or "0").strip()
    who: Member | None = None
    if value != "0":
        if not value.isdigit():
            raise InvalidInput("That choice no longer does anything.")
        allowed = {m.id: m for m in await service.candidates(ctx.session, question)}
        who = allowed.get(int(value))
        if who is None:
            raise NotFound("That member didn't answer or get asked about this question.")
    solved = await service.solve(ctx.session, ctx.community, ctx.member, question, helper=who, summary=None,
                                 now=ctx.now())
    return _solved_reply(solved)


@ask.command("summary", "Edit the summary of your solved question",
             QUESTION_ID, Param.text("text", "The answer in a sentence or two", greedy=True,
                                     max_length=service.MAX_ANSWER), ephemeral=True)
async def summary(ctx: Context, id: int, text: str) -> Reply:
    question = await service.by_number(ctx.session, ctx.community.id, id)
    await service.set_summary(ctx.session, ctx.member, question, text)
    return Reply(text=f"Summary of question #{question.number} updated.", ephemeral=True)


@ask.command("why", "Why Pivot asked the helpers it asked", QUESTION_ID, admin=True, ephemeral=True)
async def why(ctx: Context, id: int) -> Reply:
    question = await service.by_number(ctx.session, ctx.community.id, id)
    pings = await service.pings_of(ctx.session, question)
    if not pings:
        return Reply(title=f"Question #{question.number}",
                     text="Nobody was asked: no opted-in helper for this topic was awake and under "
                          "their daily limit of 2 pings.", ephemeral=True)
    lines = [f"**{m.display_name}** (round {p.round}) — score {p.score:+.2f}\n    {explain(p.parts)}"
             for p, m in pings]
    return Reply(title=f"Why these helpers for question #{question.number} ({question.topic})",
                 text="\n".join(lines), ephemeral=True)


async def answered_in_thread(ctx: Context, key: str) -> None:
    """Someone wrote in a question's thread (see `Feature.thread_replies`)."""
    question_id = key.removeprefix(service.THREAD_PREFIX)
    if not question_id.isdigit():
        return
    question = await ctx.session.get(Question, int(question_id))
    if question is not None:
        await service.answered_in_thread(ctx.session, ctx.member, question, now=ctx.now())


# --- helpers ---------------------------------------------------------------------------------------


@helper.command("on", "Get asked about questions (in some topics, or any)",
                Param.text("topics", "Comma-separated topics or roadmap steps (default: any)",
                           required=False, max_length=500),
                Param.timezone("tz", "Your IANA time zone, so you're only asked while awake",
                               required=False),
                ephemeral=True)
async def helper_on(ctx: Context, topics: str | None, tz: str | None) -> Reply:
    chosen = parse_topics(topics) if topics else None
    if tz is not None:
        ctx.member.timezone = tz
    row = await service.set_helper(ctx.session, ctx.member, active=True, topics=chosen, now=ctx.now())
    which = row.topics.replace(",", ", ") if row.topics else "any topic"
    return Reply(text=f"You're a helper for {which}. I'll ask you at most twice a day, only between "
                      f"08:00 and 22:00 your time ({ctx.tz.key}; `--tz` changes it). `helper off` stops it.",
                 ephemeral=True)


@helper.command("off", "Stop being asked about questions", ephemeral=True)
async def helper_off(ctx: Context) -> Reply:
    await service.set_helper(ctx.session, ctx.member, active=False, topics=None, now=ctx.now())
    return Reply(text="You won't be asked about questions any more. Thanks for helping!", ephemeral=True)


@helper.command(
    "leaderboard", "Who helped most (by kudos)",
    Param.flag("week", "The last 7 days (default)"),
    Param.flag("month", "The last 30 days"),
    Param.flag("all", "All time"),
)
async def leaderboard(ctx: Context, week: bool, month: bool, all: bool) -> Reply:
    if sum((week, month, all)) > 1:
        raise InvalidInput("Pick one of --week, --month or --all.")
    days = None if all else 30 if month else 7
    since = None if days is None else ctx.now() - timedelta(days=days)
    rows = await service.leaderboard(ctx.session, ctx.community.id, since=since)
    period = "all time" if days is None else f"last {plural(days, 'day')}"
    if not rows:
        return Reply(title=f"Helpers — {period}", text="No kudos yet. Answer a question to be the first!")
    medals = ["🥇", "🥈", "🥉"]
    lines = [f"{medals[i] if i < 3 else f'{i + 1}.'} {r.member.display_name} — {r.kudos} kudos"
             for i, r in enumerate(rows)]
    return Reply(title=f"Helpers — {period}", text="\n".join(lines))


@helper.command("stats", "Your helping so far", ephemeral=True)
async def helper_stats(ctx: Context) -> Reply:
    s = await service.stats(ctx.session, ctx.member, now=ctx.now())
    row = await service.helper_row(ctx.session, ctx.member)
    status = ("on for " + (row.topics.replace(",", ", ") or "any topic")) if row and row.active else "off"
    return Reply(
        title="Your helping",
        fields=(
            Field("Kudos", f"{s.kudos} ({s.kudos_week} this week)", inline=True),
            Field("Answers", str(s.answers), inline=True),
            Field("Times asked", str(s.pings), inline=True),
            Field("Your questions", f"{s.asked} asked, {s.solved} solved", inline=True),
            Field("Helper", status, inline=True),
        ),
        ephemeral=True,
    )
