"""`review`, `review answer` and `review stats`: the spaced-review queue (see review.py)."""

from __future__ import annotations

from datetime import datetime

from bot.core.commands import ActionRequest, CommandGroup, Param, action_id, owner
from bot.core.context import Context
from bot.core.errors import InvalidInput, NotFound
from bot.core.messages import Button, Field, Reply
from bot.features.challenges import render, review
from bot.features.challenges.bank import LETTERS, ChallengeItem

review_group = CommandGroup(
    "review", "Spaced review of the questions you got wrong", default="next"
)


def _when(ctx: Context, at: datetime | None) -> str:
    assert at is not None
    return render.local_time(at, ctx.member.timezone or ctx.community.timezone)


def _how_to_answer(item: ChallengeItem, prefix: str) -> str:
    if item.kind == "choice":
        return f"Press a button, or type `{prefix}review answer LETTER`."
    if item.kind == "numeric":
        return f"Answer with `{prefix}review answer VALUE` — {item.format}."
    return f"Answer with `{prefix}review answer YOUR ANSWER`."


async def _nothing_due(ctx: Context) -> str:
    q = await review.queue_stats(ctx.session, ctx.member, ctx.now())
    if q.next_due is not None:
        return f"Nothing to review right now. The next review is due {_when(ctx, q.next_due)}."
    return ("Nothing to review: questions you get wrong come back here after 1, 3, 7 and 21 days. "
            f"Try `{ctx.prefix}challenge practice`.")


@review_group.command("next", "Your next due review question", ephemeral=True)
async def next_review(ctx: Context) -> Reply:
    row = await review.next_due(ctx.session, ctx.member, ctx.now())
    if row is None:
        return Reply(text=await _nothing_due(ctx), ephemeral=True)
    item = review.served_item(row)
    due = await review.due_count(ctx.session, ctx.member, ctx.now())
    buttons: tuple[Button, ...] = ()
    if item.kind == "choice":
        buttons = tuple(
            Button(LETTERS[i], action_id("review.answer", ctx.member.id, row.id, row.reviews,
                                         LETTERS[i]), style="primary")
            for i in range(len(item.choices))
        )
    interval = review.INTERVALS[min(row.stage, len(review.INTERVALS) - 1)]
    return Reply(
        title=f"Review — {render.topic_label(item.topic)}",
        text=render.prompt_text(item),
        fields=(Field("Due now", str(due), inline=True),
                Field("Interval", f"{interval} day{'s' if interval > 1 else ''}", inline=True)),
        buttons=buttons,
        footer=_how_to_answer(item, ctx.prefix),
        ephemeral=True,
    )


def _feedback(ctx: Context, outcome: review.ReviewOutcome) -> Reply:
    item = outcome.item
    if outcome.correct:
        verdict = f"✅ Correct — '{outcome.given}'."
    else:
        verdict = f"❌ Not quite — you said '{outcome.given}'. The answer is {item.answer_text}."
    if outcome.learned:
        after = "🎓 Learned — it leaves your review queue."
    elif outcome.correct:
        after = f"Next review {_when(ctx, outcome.next_due)}."
    else:
        after = f"Back to the start: it comes back {_when(ctx, outcome.next_due)}."
    return Reply(
        text=f"{verdict}\n{after}",
        fields=(Field("Why", item.explanation.strip()), Field("Read more", item.source)),
        footer=f"Next: `{ctx.prefix}review`.",
        ephemeral=True,
    )


@review_group.command(
    "answer",
    "Answer your next due review question",
    Param.text("value", "Your answer", greedy=True),
    ephemeral=True,
)
async def answer(ctx: Context, value: str) -> Reply:
    row = await review.next_due(ctx.session, ctx.member, ctx.now())
    if row is None:
        raise NotFound(await _nothing_due(ctx))
    outcome = await review.answer(ctx.session, ctx.member, row, value, now=ctx.now())
    return _feedback(ctx, outcome)


@review_group.action("answer", audience=owner(0))
async def answer_button(ctx: Context, req: ActionRequest) -> Reply:
    if (len(req.args) != 4 or not all(a.isdigit() for a in req.args[:3])
            or req.args[3] not in LETTERS):
        raise InvalidInput("That button no longer does anything.")
    row = await review.by_id(ctx.session, ctx.member, int(req.args[1]))
    if row.reviews != int(req.args[2]):
        raise InvalidInput("You've already answered that review — `review` serves the next one.")
    outcome = await review.answer(ctx.session, ctx.member, row, req.args[3], now=ctx.now())
    return _feedback(ctx, outcome)


@review_group.command("stats", "Your review queue: due now, due this week, learned", ephemeral=True)
async def stats(ctx: Context) -> Reply:
    q = await review.queue_stats(ctx.session, ctx.member, ctx.now())
    lines = [
        f"Due now: {q.due_now}",
        f"Due this week: {q.due_this_week}",
        f"In the queue: {q.waiting}",
        f"Learned: {q.learned}",
    ]
    if q.next_due is not None:
        lines.append(f"Next one due: {_when(ctx, q.next_due)}")
    return Reply(title="Your review queue", text="\n".join(lines),
                 footer="Questions you get wrong come back after 1, 3, 7 and 21 days.",
                 ephemeral=True)
