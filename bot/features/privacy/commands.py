from __future__ import annotations

import json

from bot.core.commands import ActionRequest, CommandGroup, action_id, owner
from bot.core.context import Context
from bot.core.messages import Attachment, Button, Reply
from bot.core.outbox import Target, enqueue
from bot.features.privacy import service

privacy = CommandGroup("privacy", "See what Pivot keeps about you, or make it forget you", default="show")


@privacy.command("show", "What Pivot stores about you in this community", ephemeral=True)
async def show(ctx: Context) -> Reply:
    counts = await service.stored_counts(ctx.session, ctx.member)
    lines = [f"- {name.replace('_', ' ')}: {n}" for name, n in sorted(counts.items())]
    body = "\n".join(lines) if lines else "Nothing beyond your name and member id."
    return Reply(
        title="What Pivot keeps about you here",
        text=f"Your name as shown: {ctx.member.display_name}\n{body}\n\n"
             f"`{ctx.prefix}privacy export` sends you all of it as a file; "
             f"`{ctx.prefix}privacy forget` deletes all of it. Nothing is shared outside this community.",
        ephemeral=True,
    )


@privacy.command("export", "Get everything Pivot stores about you here as a JSON file, by DM",
                 ephemeral=True)
async def export(ctx: Context) -> Reply:
    data = await service.export(ctx.session, ctx.member)
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    now = ctx.now()
    file = Attachment(f"pivot-export-{now:%Y%m%d-%H%M%S}.json", body, "application/json",
                      alt="Everything Pivot stores about you in this community")
    await enqueue(
        ctx.session, ctx.community, Target.dm(ctx.member.platform_user_id),
        Reply(title="Your data", text=f"Everything Pivot stores about you in {ctx.community.name}: "
              f"{len(data) - 1} kinds of records, as JSON.", attachment=file),
        dedupe_key=f"privacy-export:{ctx.member.id}:{now.isoformat()}", now=now,
    )
    return Reply(text="On its way: check your DMs for a JSON file with everything stored about you "
                      "here.", ephemeral=True)


@privacy.command("forget", "Delete everything Pivot keeps about you here (asks first)", ephemeral=True)
async def forget(ctx: Context) -> Reply:
    return Reply(
        text="This deletes your goals, roadmap progress and every other record Pivot keeps about you "
             "in this community. It can't be undone.",
        buttons=(Button("Delete my data", action_id("privacy.forget", ctx.member.id), style="danger"),),
        ephemeral=True,
    )


@privacy.action("forget", audience=owner(0))
async def confirm_forget(ctx: Context, request: ActionRequest) -> Reply:
    if request.args != (str(ctx.member.id),):
        return Reply(text="That button belongs to someone else.", ephemeral=True, error=True)
    await service.forget(ctx.session, ctx.member)
    return Reply(text="Done: Pivot has forgotten you here. Using any command starts afresh.", ephemeral=True)
