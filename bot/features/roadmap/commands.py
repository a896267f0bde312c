from __future__ import annotations

from bot.core.commands import Choice, CommandGroup, Param
from bot.core.context import Context
from bot.core.messages import Reply, bar
from bot.features.roadmap import service
from bot.features.roadmap.milestones import STEP_TITLES, STEPS, milestones

roadmap = CommandGroup("roadmap", "Your path from backend engineer to ML: five steps, checkable milestones",
                       default="show")


async def _milestone_ids(ctx: Context, partial: str) -> list[Choice]:
    needle = partial.lower()
    return [Choice(f"{m.id} {m.title}"[:100], m.id) for m in milestones()
            if needle in m.id or needle in m.title.lower()][:25]


MILESTONE_ID = Param.text("id", "Milestone id, like basics-3", max_length=32, autocomplete=_milestone_ids)


@roadmap.command("show", "Your progress on each step", ephemeral=True)
async def show(ctx: Context) -> Reply:
    progress = await service.progress_by_step(ctx.session, ctx.member)
    lines = []
    for number, step in enumerate(STEPS, start=1):
        checked, total = progress[step]
        lines.append(f"{number}. **{STEP_TITLES[step]}**  {bar(checked / total if total else 0)} {checked}/{total}")
    done = await service.checked_ids(ctx.session, ctx.member)
    upcoming = next((m for m in milestones() if m.id not in done), None)
    if upcoming is not None:
        lines += ["", f"Next up: **{upcoming.id}** {upcoming.title} — `{ctx.prefix}roadmap step {upcoming.step}`"]
    return Reply(title="Your roadmap", text="\n".join(lines), ephemeral=True)


@roadmap.command("step", "The milestones of one step, with check marks",
                 Param.choice("step", "Which step", STEPS), ephemeral=True)
async def step(ctx: Context, step: str) -> Reply:
    done = await service.checked_ids(ctx.session, ctx.member)
    lines = []
    for m in milestones():
        if m.step != step:
            continue
        mark = "✅" if m.id in done else "⬜"
        lines.append(f"{mark} **{m.id}** {m.title}\n{m.detail}\n📖 {m.resource}: {m.url}")
    return Reply(title=f"{STEP_TITLES[step]}", text="\n\n".join(lines),
                 footer=f"Tick one off with `{ctx.prefix}roadmap check ID`.", ephemeral=True)


@roadmap.command("check", "Tick a milestone off", MILESTONE_ID, ephemeral=True)
async def check(ctx: Context, id: str) -> Reply:
    milestone, new = await service.check(ctx.session, ctx.member, id, now=ctx.now())
    if not new:
        return Reply(text=f"{milestone.id} is already checked.", ephemeral=True)
    checked, total = (await service.progress_by_step(ctx.session, ctx.member))[milestone.step]
    return Reply(text=f"✅ **{milestone.title}**\n{STEP_TITLES[milestone.step]}: "
                      f"{bar(checked / total)} {checked}/{total}")


@roadmap.command("uncheck", "Untick a milestone", MILESTONE_ID, ephemeral=True)
async def uncheck(ctx: Context, id: str) -> Reply:
    milestone = await service.uncheck(ctx.session, ctx.member, id)
    return Reply(text=f"⬜ {milestone.id} unchecked.")
