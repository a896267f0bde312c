"""Community settings every feature relies on: channels, time zone, challenge time."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from bot.core.commands import ANYONE, ActionRequest, ChannelRef, CommandGroup, Param, action_id
from bot.core.context import Context
from bot.core.errors import InvalidInput
from bot.core.messages import Button, Field, Reply
from bot.core.outbox import OutboxMessage, failed_posts, recent_failures, retry
from bot.core.tenancy import CHANNEL_PURPOSES, CommunityChannel

admin = CommandGroup("admin", "Community settings (admins only)", default="show")


@admin.command("show", "This community's settings and recent delivery problems", ephemeral=True)
async def show(ctx: Context) -> Reply:
    from bot.features import load_all

    channels = {
        row.purpose: row
        for row in (
            await ctx.session.execute(
                select(CommunityChannel).where(CommunityChannel.community_id == ctx.community.id)
            )
        ).scalars()
    }
    channel_lines = [
        f"{purpose}: " + (f"<#{channels[purpose].channel_id}>" if purpose in channels else "not set")
        for purpose in CHANNEL_PURPOSES
    ]
    fields = [
        Field("Time zone", ctx.community.timezone, inline=True),
        Field("Challenge time", ctx.community.challenge_time.strftime("%H:%M"), inline=True),
        Field("Channels", "\n".join(channel_lines)),
    ]
    for feature in load_all():
        if feature.settings_summary is not None:
            fields += await feature.settings_summary(ctx)
    failures = await recent_failures(ctx.session, ctx.community.id)
    if failures:
        fields.append(Field(
            "Recent failed deliveries",
            "\n".join(f"{f.created_at:%Y-%m-%d %H:%M} {f.kind} → {f.target}: {f.last_error}" for f in failures),
        ))
        fields[-1] = Field(fields[-1].name, fields[-1].value
                           + f"\n`{ctx.prefix}admin failures` shows them with Retry buttons.")
    else:
        fields.append(Field("Deliveries", "No failed deliveries."))
    return Reply(title=f"Settings for {ctx.community.name}", fields=tuple(fields), ephemeral=True)


@admin.command(
    "set channel", "Choose the channel for a kind of post",
    Param.choice("purpose", "Which posts", CHANNEL_PURPOSES),
    Param.channel("channel", "The channel"),
    ephemeral=True,
)
async def set_channel(ctx: Context, purpose: str, channel: ChannelRef) -> Reply:
    row = (
        await ctx.session.execute(
            select(CommunityChannel).where(
                CommunityChannel.community_id == ctx.community.id, CommunityChannel.purpose == purpose
            )
        )
    ).scalar_one_or_none()
    # Whoever sets it hears when posts there fail for good (core/failnotice.py).
    if row is None:
        ctx.session.add(CommunityChannel(community_id=ctx.community.id, purpose=purpose,
                                         channel_id=channel.id, channel_name=channel.name,
                                         set_by_member_id=ctx.member.id))
    else:
        row.channel_id, row.channel_name = channel.id, channel.name
        row.set_by_member_id = ctx.member.id
    return Reply(text=f"{PURPOSE_LABELS.get(purpose, purpose.capitalize())} will go to <#{channel.id}>.")


PURPOSE_LABELS = {
    "challenge": "Daily challenges",
    "checkins": "Check-in digests and blockers",
    "kaggle": "Kaggle updates",
    "buddies": "Study-buddy intros and follow-ups",
    "showcase": "Showcase posts",
}


@admin.command("set timezone", "The community's time zone (IANA name)",
               Param.timezone("timezone", "Like Europe/Berlin or America/New_York"), ephemeral=True)
async def set_timezone(ctx: Context, timezone: str) -> Reply:
    ctx.community.timezone = timezone
    return Reply(text=f"Community time zone set to {timezone}. Scheduled posts follow it.")


@admin.command("set challenge-time", "When the daily challenge is posted (community time)",
               Param.time("time", "24-hour time like 09:00"), ephemeral=True)
async def set_challenge_time(ctx: Context, time: time) -> Reply:
    ctx.community.challenge_time = time
    return Reply(text=f"The daily challenge will be posted at {time:%H:%M} {ctx.community.timezone}.")


# --- failed deliveries ---------------------------------------------------------------------------

RETRY_BUTTONS = 5


def _where(row: OutboxMessage) -> str:
    if row.kind == "channel":
        return f"<#{row.target}>"
    if row.kind == "dm":
        return f"DM to <@{row.target}>"
    return "group " + ", ".join(f"<@{u}>" for u in row.target.split(","))


@admin.command("failures", "Failed posts and DMs, with buttons to send them again", ephemeral=True)
async def failures(ctx: Context) -> Reply:
    rows = await failed_posts(ctx.session, ctx.community.id)
    if not rows:
        return Reply(text="No failed deliveries. 🎉", ephemeral=True)
    lines = [f"`{r.id}` {r.created_at:%Y-%m-%d %H:%M} {_where(r)}: {r.last_error or 'failed'}" for r in rows]
    buttons = [Button(f"Retry {r.id}", action_id("admin.retry", r.id)) for r in rows[:RETRY_BUTTONS]]
    buttons.append(Button(f"Retry all {len(rows)}", action_id("admin.retry", "all"), style="primary"))
    return Reply(
        title="Failed deliveries",
        text="\n".join(lines) + "\n\nFix the cause first (a channel setting, a permission, a member "
             "who closed DMs), then retry: each goes out again with fresh attempts.",
        buttons=tuple(buttons), ephemeral=True,
    )


@admin.action("retry", audience=ANYONE, admin=True)
async def retry_failed(ctx: Context, req: ActionRequest) -> Reply:
    if req.args == ("all",):
        ids = [r.id for r in await failed_posts(ctx.session, ctx.community.id)]
    elif len(req.args) == 1 and req.args[0].isdigit():
        ids = [int(req.args[0])]
    else:
        raise InvalidInput("That button no longer does anything.")
    queued = await retry(ctx.session, ctx.community.id, ids, now=ctx.now())
    if not queued:
        return Reply(text="Nothing to retry: it was already sent again or removed.", ephemeral=True)
    return Reply(text=f"Queued {queued} {'post' if queued == 1 else 'posts'} again.", ephemeral=True)
