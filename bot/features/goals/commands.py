from __future__ import annotations

from datetime import date

from bot.core.commands import Choice, CommandGroup, Param
from bot.core.context import Context
from bot.core.messages import Reply, bar
from bot.core.tenancy import Member
from bot.core.text import plural
from bot.features.goals import service
from bot.features.goals.models import Goal
from bot.features.roadmap.milestones import STEP_TITLES, STEPS

goal = CommandGroup("goal", "Set learning goals and track your progress", default="list")


async def _my_goal_numbers(ctx: Context, partial: str) -> list[Choice]:
    goals = await service.active_goals(ctx.session, ctx.member)
    return [Choice(f"#{g.number} {g.text}"[:100], str(g.number)) for g in goals
            if partial.strip().lstrip("#") in str(g.number) or partial.lower() in g.text.lower()]


GOAL_ID = Param.integer("id", "The goal's number, as `goal list` shows it", min_value=1,
                        autocomplete=_my_goal_numbers)


def describe(goal: Goal, today: date) -> str:
    parts = [f"**#{goal.number}** {goal.text}"]
    status = f"{bar(goal.progress / 100)} {goal.progress}%"
    if goal.status != "active":
        status = {"done": "✅ done", "dropped": "dropped"}[goal.status]
    details = [status]
    if goal.due is not None and goal.status == "active":
        days = (goal.due - today).days
        when = ("today" if days == 0 else "tomorrow" if days == 1 else f"in {plural(days, 'day')}"
                if days > 0 else f"{plural(-days, 'day')} overdue")
        details.append(f"by {goal.due.isoformat()} ({when})")
    if goal.step:
        details.append(STEP_TITLES[goal.step])
    if goal.private:
        details.append("🔒 private")
    return parts[0] + "\n    " + " · ".join(details)


@goal.command(
    "add", "Add a goal (visible to the community unless --private)",
    Param.text("text", "What you want to achieve", greedy=True, max_length=300),
    Param.date("by", "Target date", required=False),
    Param.choice("step", "Roadmap step it belongs to", STEPS, required=False),
    Param.flag("private", "Only you can see it"),
)
async def add(ctx: Context, text: str, by: date | None, step: str | None, private: bool) -> Reply:
    created = await service.add_goal(ctx.session, ctx.member, text, now=ctx.now(), today=ctx.today(),
                                     due=by, step=step, private=private)
    return Reply(
        title=f"Goal #{created.number} added",
        text=describe(created, ctx.today())
        + f"\n\nRecord progress with `{ctx.prefix}goal progress {created.number} 25`.",
        ephemeral=private,
    )


@goal.command(
    "list", "Your goals, or another member's public ones",
    Param.member("member", "Whose goals (default: yours)", required=False),
    Param.flag("all", "Include finished and dropped goals"),
    ephemeral=True,
)
async def list_goals(ctx: Context, member: Member | None, all: bool) -> Reply:
    owner = member or ctx.member
    goals = await service.goals_of(ctx.session, owner, ctx.member, include_closed=all)
    whose = "Your goals" if owner.id == ctx.member.id else f"{owner.display_name}'s goals"
    if not goals:
        mine = owner.id == ctx.member.id
        closed = [] if all else await service.goals_of(ctx.session, owner, ctx.member, include_closed=True)
        if closed:
            count = plural(len(closed), "goal")
            text = (f"No open goals — {count} done or dropped (`{ctx.prefix}goal list"
                    f"{'' if mine else ' --member ' + owner.display_name} --all` shows them).")
            if mine:
                text += f" Add the next with `{ctx.prefix}goal add \"…\" --by in 12 weeks`."
            return Reply(title=whose, text=text, ephemeral=True)
        hint = (f"Add one with `{ctx.prefix}goal add \"Finish the fast.ai course\" --by in 12 weeks`."
                if mine else "Nothing public yet.")
        return Reply(title=whose, text=f"No goals yet. {hint}", ephemeral=True)
    today = ctx.today()
    return Reply(title=whose, text="\n".join(describe(g, today) for g in goals), ephemeral=True)


@goal.command(
    "progress", "Record how far along a goal is",
    GOAL_ID,
    Param.integer("percent", "How far along, 0–100", min_value=0, max_value=100, percent=True),
    Param.text("note", "What you did", required=False, max_length=500),
)
async def progress(ctx: Context, id: int, percent: int, note: str | None) -> Reply:
    updated = await service.record_progress(ctx.session, ctx.member, id, percent, note=note, now=ctx.now())
    cheer = "🎉 Done — well earned." if updated.status == "done" else "Progress saved."
    return Reply(text=f"{cheer}\n{describe(updated, ctx.today())}", ephemeral=updated.private)


@goal.command("done", "Mark a goal as achieved", GOAL_ID)
async def done(ctx: Context, id: int) -> Reply:
    closed = await service.close_goal(ctx.session, ctx.member, id, "done", now=ctx.now())
    return Reply(text=f"🎉 Goal #{closed.number} achieved: {closed.text}", ephemeral=closed.private)


@goal.command("drop", "Drop a goal you no longer pursue", GOAL_ID, ephemeral=True)
async def drop(ctx: Context, id: int) -> Reply:
    closed = await service.close_goal(ctx.session, ctx.member, id, "dropped", now=ctx.now())
    return Reply(text=f"Goal #{closed.number} dropped. Plans change — that's fine.")


@goal.command(
    "edit", "Change a goal's text or target date",
    GOAL_ID,
    Param.text("text", "New text", required=False, max_length=300),
    Param.date("by", "New target date", required=False),
    ephemeral=True,
)
async def edit(ctx: Context, id: int, text: str | None, by: date | None) -> Reply:
    changed = await service.edit_goal(ctx.session, ctx.member, id, text=text, due=by, now=ctx.now(),
                                      today=ctx.today())
    return Reply(text="Goal updated.\n" + describe(changed, ctx.today()))
