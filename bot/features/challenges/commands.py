"""`challenge today|answer|practice|stats|leaderboard` and the admins' `admin challenge …`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.commands import ANYONE, ActionRequest, CommandGroup, Param, parse_time
from bot.core.context import Context
from bot.core.errors import InvalidInput, NotFound
from bot.core.messages import Field, Reply
from bot.core.tenancy import channel_for
from bot.features.challenges import render, service
from bot.features.challenges.bank import LETTERS, TOPICS
from bot.features.challenges.rating import level
from bot.features.challenges.selection import default_catalogue

challenge = CommandGroup(
    "challenge", "Daily ML/math challenges, practice and standings", default="today"
)
# Same name, help and default as the admin feature's group: the registry merges them and keeps the
# first one's default, whichever feature loads first.
admin_challenge = CommandGroup("admin", "Community settings (admins only)", default="show")

LEADERBOARD_SIZE = 10
NO_CHANNEL = "This community has no challenge channel yet — an admin can set one with `{p}admin set channel challenge #ml-daily`."


# --- replies ------------------------------------------------------------------------------------


def _rating_line(outcome: service.Outcome) -> str:
    topic = render.topic_label(outcome.item.topic)
    return f"Your {topic} rating: {outcome.rating_before:.0f} → {outcome.rating_after:.0f}."


def graded_feedback(ctx: Context, post: service.ChallengePost, outcome: service.Outcome) -> Reply:
    """Right or wrong, privately — never the solution before the reveal."""
    when = service.describe_reveal(ctx.community, post)
    if outcome.correct:
        lines = [
            f"✅ Correct — '{outcome.given}' is right. The full explanation comes with the reveal {when}."
        ]
    else:
        lines = [
            f"❌ Not quite — '{outcome.given}' isn't it. The answer and its explanation are revealed {when}."
        ]
    if outcome.streak:
        days = "day" if outcome.streak == 1 else "days in a row"
        lines.append(f"🔥 Streak: {outcome.streak} challenge {days}.")
    lines.append(_rating_line(outcome))
    lines += [
        f"🏁 Roadmap milestone checked: **{m.title}** (`{ctx.prefix}roadmap step {m.step}`)."
        for m in outcome.milestones
    ]
    return Reply(text="\n".join(lines), ephemeral=True)


def practice_feedback(ctx: Context, outcome: service.Outcome) -> Reply:
    """Practice is for learning: the answer and the explanation right away."""
    item = outcome.item
    verdict = (
        f"✅ Correct — '{outcome.given}'."
        if outcome.correct
        else f"❌ Not quite — you said '{outcome.given}'. The answer is {item.answer_text}."
    )
    return Reply(
        text=verdict,
        fields=(Field("Why", item.explanation.strip()), Field("Read more", item.source)),
        footer=f"{_rating_line(outcome)} Another one: `{ctx.prefix}challenge practice`.",
        ephemeral=True,
    )


# --- member commands ----------------------------------------------------------------------------


def _grace(ctx: Context) -> timedelta:
    return timedelta(minutes=ctx.settings.scheduler.grace_minutes)


async def _nothing_open(ctx: Context) -> str:
    if await channel_for(ctx.session, ctx.community.id, "challenge") is None:
        return NO_CHANNEL.format(p=ctx.prefix)
    upcoming = await service.next_post_time(ctx.session, ctx.community, ctx.now(), _grace(ctx))
    when = (
        f"The next one is posted {render.local_time(upcoming[1], ctx.community.timezone)}."
        if upcoming
        else "No challenge days are set."
    )
    return (
        f"There's no open challenge right now. {when} Meanwhile: `{ctx.prefix}challenge practice`."
    )


@challenge.command("today", "Show the open challenge again", ephemeral=True)
async def today(ctx: Context) -> Reply:
    post = await service.open_post(ctx.session, ctx.community.id)
    if post is None:
        return Reply(text=await _nothing_open(ctx), ephemeral=True)
    item = service.item_of(post)
    reply = render.daily_post(
        item,
        post.id,
        post.local_date,
        prefix=ctx.prefix,
        reveal=service.describe_reveal(ctx.community, post),
    )
    attempt = await service.attempt_of(ctx.session, ctx.member, post)
    if attempt is not None:
        # Already answered: the post without its buttons, and what they answered.
        return replace(
            reply,
            buttons=(),
            footer=f"You answered '{attempt.answer}'. The answer is revealed "
            f"{service.describe_reveal(ctx.community, post)}.",
        )
    return reply


@challenge.command(
    "answer",
    "Answer the open challenge (numbers like 0.25, .25, 1/4, 25%, 2.5e-1)",
    Param.text("value", "Your answer", greedy=True),
    Param.flag("practice", "Answer your latest practice question instead of the daily challenge"),
    ephemeral=True,
)
async def answer(ctx: Context, value: str, practice: bool) -> Reply:
    if practice:
        row = await service.latest_practice(ctx.session, ctx.member)
        outcome = await service.answer_practice(ctx.session, ctx.member, row, value, now=ctx.now())
        return practice_feedback(ctx, outcome)
    post = await service.open_post(ctx.session, ctx.community.id)
    if post is None:
        raise NotFound(await _nothing_open(ctx))
    outcome = await service.answer(ctx.session, ctx.member, post, value, now=ctx.now())
    return graded_feedback(ctx, post, outcome)


def _button_args(req: ActionRequest) -> tuple[int, str]:
    if len(req.args) != 2 or not req.args[0].isdigit() or req.args[1] not in LETTERS:
        raise InvalidInput("That button no longer does anything.")
    return int(req.args[0]), req.args[1]


async def _practice_owner(ctx: Context, req: ActionRequest) -> bool:
    """A practice question's buttons are for the member it was served to."""
    if not req.args or not req.args[0].isdigit():
        return True  # a malformed id gets the handler's own "no longer does anything"
    return await service.practice_belongs_to(ctx.session, ctx.member, int(req.args[0]))


@challenge.action("answer", audience=ANYONE)
async def answer_button(ctx: Context, req: ActionRequest) -> Reply:
    post_id, letter = _button_args(req)
    post = await service.scoped_post(ctx.session, ctx.community.id, post_id)
    outcome = await service.answer(ctx.session, ctx.member, post, letter, now=ctx.now())
    return graded_feedback(ctx, post, outcome)


@challenge.action("practice", audience=_practice_owner)
async def practice_button(ctx: Context, req: ActionRequest) -> Reply:
    practice_id, letter = _button_args(req)
    row = await service.practice_by_id(ctx.session, ctx.member, practice_id)
    outcome = await service.answer_practice(ctx.session, ctx.member, row, letter, now=ctx.now())
    return practice_feedback(ctx, outcome)


@challenge.command(
    "practice",
    "A practice question near your level, any time (moves your topic rating, not the leaderboard)",
    Param.choice("topic", "Topic to practise", tuple(TOPICS), required=False),
    Param.integer(
        "difficulty",
        "1 (recall) to 5 (tricky); default: your level",
        required=False,
        min_value=1,
        max_value=5,
    ),
    ephemeral=True,
)
async def practice(ctx: Context, topic: str | None, difficulty: int | None) -> Reply:
    row, item = await service.start_practice(
        ctx.session, ctx.member, topic=topic, difficulty=difficulty, now=ctx.now()
    )
    ratings = await service.ratings_of(ctx.session, ctx.member)
    current = ratings[item.topic].rating if item.topic in ratings else None
    note = (
        f"your {render.topic_label(item.topic)} rating is {current:.0f} (level {level(current)})."
        if current is not None
        else "your first question on this topic sets your level."
    )
    return render.practice_post(item, row.id, prefix=ctx.prefix, rating_note=note)


@challenge.command(
    "hint",
    "One hint for today's challenge (or your practice question); grading is unchanged",
    Param.flag("practice", "The hint for your latest practice question instead"),
    ephemeral=True,
)
async def hint(ctx: Context, practice: bool) -> Reply:
    if practice:
        row = await service.latest_practice(ctx.session, ctx.member)
        item = default_catalogue().item(row.item_id)
        if item is None:
            raise NotFound("That practice question is no longer in the bank.")
        text = await service.use_hint(ctx.session, ctx.member, item, now=ctx.now(), practice=row)
    else:
        post = await service.open_post(ctx.session, ctx.community.id)
        if post is None:
            raise NotFound(await _nothing_open(ctx))
        item = service.item_of(post)
        text = await service.use_hint(ctx.session, ctx.member, item, now=ctx.now(), post=post)
    return Reply(text=f"💡 Hint: {text}", footer="Hints don't change your grade.", ephemeral=True)


@challenge.command("stats", "Your accuracy by topic, ratings and streaks", ephemeral=True)
async def stats(ctx: Context) -> Reply:
    s = await service.stats(ctx.session, ctx.member)
    accuracy = f" ({s.correct / s.answered:.0%})" if s.answered else ""
    text = (
        f"Daily challenges answered: {s.answered}, correct: {s.correct}{accuracy}.\n"
        f"🔥 Streak: {s.streak} · best: {s.best_streak}.\n"
        f"Practice questions answered: {s.practised}.\n"
        f"💡 Hints used: {await service.hints_used(ctx.session, ctx.member)}."
    )
    lines = []
    for t in s.topics:
        part = [f"**{render.topic_label(t.topic)}**"]
        if t.answered:
            part.append(f"{t.correct}/{t.answered} correct ({t.correct / t.answered:.0%})")
        if t.rating is not None:
            part.append(f"rating {t.rating:.0f} (level {level(t.rating)})")
        lines.append(" · ".join(part))
    fields = (Field("By topic", "\n".join(lines)),) if lines else ()
    footer = (
        None
        if lines
        else f"Answer today's challenge or try `{ctx.prefix}challenge practice` to start."
    )
    return Reply(
        title="Your challenge stats",
        text=text,
        fields=fields,
        footer=footer,
        ephemeral=True,
    )


@challenge.command(
    "leaderboard",
    "Who got the most challenges right (default: this week)",
    Param.flag("week", "This week, from Monday"),
    Param.flag("month", "This calendar month"),
    Param.flag("all", "All time"),
)
async def leaderboard(ctx: Context, week: bool, month: bool, all: bool) -> Reply:
    if week + month + all > 1:
        raise InvalidInput("Pick one of --week, --month or --all.")
    window = "month" if month else "all" if all else "week"
    today = service.local_today(ctx.community, ctx.now())
    standings = await service.leaderboard(
        ctx.session, ctx.community.id, window, today,
        limit=LEADERBOARD_SIZE, include_member=ctx.member.id,
    )
    title = {"week": "This week's", "month": "This month's", "all": "All-time"}[
        window
    ] + " challenge leaderboard"
    if not standings:
        return Reply(
            title=title, text="No correct answers yet — the next challenge is your chance."
        )
    lines = []
    for s in standings:
        rank = f"{s.rank}=" if s.tied else f"{s.rank}."
        points = "point" if s.points == 1 else "points"
        you = " ← you" if s.member_id == ctx.member.id else ""
        lines.append(f"{rank} **{s.name}** — {s.points} {points}{you}")
    return Reply(
        title=title,
        text="\n".join(lines),
        footer="One point per correct daily answer. Equal points share a rank; "
        "within a tie, whoever reached the score first is listed first.",
    )


# --- admin ---------------------------------------------------------------------------------------


@admin_challenge.command(
    "challenge post-now", "Post today's challenge now instead of at challenge time",
    Param.text("id", "Post this item (an id as `admin challenge preview` shows) instead of the "
               "day's pick", required=False, positional=True),
    ephemeral=True,
)
async def post_now(ctx: Context, id: str | None = None) -> Reply:
    item_id = id.strip() if id else None
    if item_id is not None and default_catalogue().item(item_id) is None:
        raise NotFound(f"There's no challenge '{item_id}'.")
    channel = await channel_for(ctx.session, ctx.community.id, "challenge")
    if channel is None:
        raise InvalidInput(NO_CHANNEL.format(p=ctx.prefix))
    day = service.local_today(ctx.community, ctx.now())
    existing = await service.post_for(ctx.session, ctx.community.id, day)
    if existing is not None and existing.status not in service.NOT_POSTED:
        reason = await service.repost_failed(ctx.session, ctx.community, day, channel, now=ctx.now())
        if reason is not None:
            return Reply(text=f"Today's challenge had failed to post ({reason}); sending it again "
                              f"to <#{channel}>.")
        raise InvalidInput(
            f"Today's challenge is already posted "
            f"({render.local_time(existing.posted_at, ctx.community.timezone)})."
        )
    if existing is not None:
        await service.unskip_day(ctx.session, ctx.community.id, day)
    post = await service.publish(ctx.session, ctx.community, day, now=ctx.now(), prefix=ctx.prefix,
                                 item_id=item_id)
    if post is None:
        raise InvalidInput("Today's challenge was posted a moment ago.")
    return Reply(text=f"Today's challenge (`{post.item_id}`) is on its way to <#{channel}>.")


@admin_challenge.command(
    "challenge skip-today", "No challenge today (streaks are not broken)", ephemeral=True
)
async def skip_today(ctx: Context) -> Reply:
    day = service.local_today(ctx.community, ctx.now())
    await service.skip_day(ctx.session, ctx.community, day, now=ctx.now())
    return Reply(text=f"No challenge on {day:%A %d %B}. Nobody's streak breaks over it.")


@admin_challenge.command(
    "challenge preview",
    "See a challenge with its answer (default: the next one to be posted)",
    Param.text(
        "id", "An item id like probability-03 or gen-dot-product-7", required=False, positional=True
    ),
    ephemeral=True,
)
async def preview(ctx: Context, id: str | None) -> Reply:
    if id is not None:
        item = default_catalogue().item(id.strip())
        if item is None:
            raise NotFound(f"There's no challenge '{id.strip()}'.")
        return render.preview(item, f"Preview of {item.id}")
    upcoming = await service.next_post_time(ctx.session, ctx.community, ctx.now(), _grace(ctx))
    if upcoming is None:
        raise NotFound(
            "No challenge days are set — `admin set challenge-days mon,tue,wed,thu,fri`."
        )
    day, when = upcoming
    cfg = await service.config(ctx.session, ctx.community.id)
    item = service.as_posted(
        await service.choose(ctx.session, ctx.community.id, day, cfg), ctx.community.id, day
    )
    return render.preview(
        item, f"Next challenge: {render.local_time(when, ctx.community.timezone)}"
    )


@admin_challenge.command(
    "set challenge-days",
    "Which weekdays get a challenge",
    Param.text("days", "Like mon,tue,wed,thu,fri (or weekdays, daily)"),
    ephemeral=True,
)
async def set_days(ctx: Context, days: str) -> Reply:
    chosen = await service.set_days(ctx.session, ctx.community.id, days)
    return Reply(text=f"Challenges will be posted on {_days_text(chosen)}.")


@admin_challenge.command(
    "set challenge-difficulty",
    "Target difficulty per weekday (the weekly ramp)",
    Param.text("ramp", "5 (Mon–Fri) or 7 (Mon–Sun) numbers 1–5, like 1,2,3,4,5"),
    ephemeral=True,
)
async def set_difficulty(ctx: Context, ramp: str) -> Reply:
    values = await service.set_ramp(ctx.session, ctx.community.id, ramp)
    return Reply(text=f"Difficulty ramp: {_ramp_text(values)}.")


@admin_challenge.command(
    "set challenge-reveal",
    "When answers are revealed: `next` (with the next challenge) or a time",
    Param.text("when", "next, or a 24-hour time like 18:00"),
    ephemeral=True,
)
async def set_reveal(ctx: Context, when: str) -> Reply:
    if when.strip().lower() in {"next", "next-post", "off"}:
        await service.set_reveal_time(ctx.session, ctx.community.id, None)
        return Reply(text="Answers will be revealed when the next challenge is posted.")
    try:
        at = parse_time(when.strip(), "when")
    except InvalidInput:
        raise InvalidInput(f"Reveal answers `next` (with the next challenge) or at a 24-hour time like "
                           f"18:00 — not '{when.strip()[:40]}'.") from None
    await service.set_reveal_time(ctx.session, ctx.community.id, at)
    return Reply(
        text=f"Answers will be revealed at {at:%H:%M} {ctx.community.timezone} "
        "(challenges posted from now on)."
    )


def _days_text(days: tuple[str, ...]) -> str:
    return ", ".join(d.capitalize() for d in days) if days else "no days (challenges are off)"


def _ramp_text(ramp: tuple[int, ...]) -> str:
    return " · ".join(f"{d.capitalize()} {r}" for d, r in zip(service.WEEKDAYS, ramp, strict=True))


async def settings_summary(ctx: Context) -> list[Field]:
    """The `admin show` lines for challenges."""
    channel = await channel_for(ctx.session, ctx.community.id, "challenge")
    if channel is None:
        return [
            Field(
                "Daily challenge",
                "Off — no challenge channel set "
                f"(`{ctx.prefix}admin set channel challenge #ml-daily`).",
            )
        ]
    cfg = await service.config(ctx.session, ctx.community.id)
    reveal = (
        f"at {cfg.reveal_time:%H:%M}" if cfg.reveal_time is not None else "with the next challenge"
    )
    lines = [
        f"Days: {_days_text(cfg.days)}",
        f"Difficulty ramp: {_ramp_text(cfg.ramp)}",
        f"Reveal: {reveal}",
    ]
    upcoming = await service.next_post_time(ctx.session, ctx.community, ctx.now(), _grace(ctx))
    if upcoming is not None:
        lines.append(
            f"Next post: {render.local_time(upcoming[1], ctx.community.timezone)} in <#{channel}>"
        )
    missed = await service.missed_days(ctx.session, ctx.community.id)
    if missed:
        days = ", ".join(f"{d:%a %d %b}" for d in missed)
        lines.append(f"⚠️ Missed (Pivot was not running at challenge time): {days}. "
                     f"`{ctx.prefix}admin challenge post-now` posts today's late.")
    return [Field("Daily challenge", "\n".join(lines))]
