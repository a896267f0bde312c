"""`buddy join|profile|pause|resume|leave|block|status|rematch` and `admin buddies …`."""

from __future__ import annotations

from datetime import date, time

from bot.core.commands import ActionRequest, Choice, CommandGroup, Param
from bot.core.context import Context
from bot.core.errors import InvalidInput
from bot.core.messages import Field, Reply, mention
from bot.core.tenancy import Member, channel_for
from bot.features.buddies import service
from bot.features.buddies.models import (
    DAYS,
    DEFAULT_CADENCE_WEEKS,
    DEFAULT_DAY,
    DEFAULT_TIME,
    LEVELS,
    BuddyGroup,
    BuddyProfile,
    BuddySettings,
)

buddy = CommandGroup(
    "buddy", "Study buddies: get paired with people who can meet when you can", default="status"
)
# Same name, help and default as the admin feature's group: whichever is registered first
# shapes the merged `admin` group, so bare `admin` still means `admin show`.
admin_buddies = CommandGroup("admin", "Community settings (admins only)", default="show")


async def _focus_choices(_ctx: Context, partial: str) -> list[Choice]:
    done, _, last = partial.lower().rpartition(",")
    head = done + "," if done else ""
    return [
        Choice(head + f, head + f) for f in service.FOCUS_CHOICES if f.startswith(last.strip())
    ][:25]


PROFILE_PARAMS = (
    Param.timezone(
        "tz", "Your IANA time zone (default: your own or the community's)", required=False
    ),
    Param.choice("level", "Where you are with ML", LEVELS, required=False),
    Param.text(
        "focus",
        "Roadmap steps or challenge topics, comma-separated, e.g. math,projects",
        required=False,
        autocomplete=_focus_choices,
    ),
    Param.integer("hours", "Hours a week you can study", min_value=1, max_value=60, required=False),
    Param.choice("size", "Preferred group size", ["2", "3"], required=False),
    Param.text(
        "windows", "When you can meet, local time, e.g. 07:00-09:00,19:00-22:00", required=False
    ),
)


def _changes(
    tz: str | None,
    level: str | None,
    focus: str | None,
    hours: int | None,
    size: str | None,
    windows: str | None,
) -> service.ProfileChanges:
    return service.ProfileChanges(
        tz=tz,
        level=level,
        focus=focus,
        hours=hours,
        size=int(size) if size else None,
        windows=windows,
    )


def describe_profile(profile: BuddyProfile, today: date) -> tuple[Field, ...]:
    focus = ", ".join(sorted(service.focus_of(profile))) or "open to anything"
    if not profile.active:
        state = "left (`buddy join` to come back)"
    elif profile.paused and not service.is_eligible(profile, today):
        state = (
            f"paused until {profile.paused_until.isoformat()}"
            if profile.paused_until
            else "paused (`buddy resume` to come back)"
        )
    else:
        state = "in the next round"
    return (
        Field("Time zone", profile.timezone, inline=True),
        Field("Level", LEVELS[profile.level], inline=True),
        Field("Hours a week", str(profile.hours_per_week), inline=True),
        Field("Group size", str(profile.group_size), inline=True),
        Field("Focus", focus),
        Field("Available", service.format_windows(profile.windows)),
        Field("Status", state),
    )


@buddy.command(
    "join", "Opt in to study-buddy rounds with your profile", *PROFILE_PARAMS, ephemeral=True, form=True
)
async def join(
    ctx: Context,
    tz: str | None,
    level: str | None,
    focus: str | None,
    hours: int | None,
    size: str | None,
    windows: str | None,
) -> Reply:
    profile, newly = await service.join(
        ctx.session,
        ctx.community,
        ctx.member,
        _changes(tz, level, focus, hours, size, windows),
        now=ctx.now(),
    )
    settings = await service.settings_for(ctx.session, ctx.community, now=ctx.now())
    when = service.local_time(ctx.community, settings.next_round_at)
    head = "You're in!" if newly else "You're already in; profile updated."
    return Reply(
        title="Study buddies",
        text=(
            f"{head} The next round is {when} ({ctx.community.timezone}). "
            f"Change anything with `{ctx.prefix}buddy profile --focus math,projects` "
            f"and friends."
        ),
        fields=describe_profile(profile, ctx.today()),
    )


@buddy.command(
    "profile",
    "Show your buddy profile, or change it with the same options as join",
    *PROFILE_PARAMS,
    ephemeral=True,
)
async def profile(
    ctx: Context,
    tz: str | None,
    level: str | None,
    focus: str | None,
    hours: int | None,
    size: str | None,
    windows: str | None,
) -> Reply:
    changes = _changes(tz, level, focus, hours, size, windows)
    if changes.empty:
        found = await service.own_profile(ctx.session, ctx.member)
        return Reply(title="Your buddy profile", fields=describe_profile(found, ctx.today()))
    updated = await service.edit_profile(ctx.session, ctx.member, changes, now=ctx.now())
    return Reply(title="Profile updated", fields=describe_profile(updated, ctx.today()))


@buddy.command(
    "pause",
    "Skip rounds for a while",
    Param.date("until", "First date you want to be matched again", required=False),
    ephemeral=True,
)
async def pause(ctx: Context, until: date | None) -> Reply:
    await service.pause(ctx.session, ctx.member, until=until, today=ctx.today(), now=ctx.now())
    if until is None:
        return Reply(
            text=f"Paused. You keep your current buddy; `{ctx.prefix}buddy resume` "
            "puts you back in the rounds."
        )
    return Reply(text=f"Paused until {until.isoformat()}: no new buddy before then.")


@buddy.command("resume", "Come back to the rounds after a pause", ephemeral=True)
async def resume(ctx: Context) -> Reply:
    await service.resume(ctx.session, ctx.member, now=ctx.now())
    return Reply(text="Welcome back — you're in the next round.")


@buddy.command("leave", "Stop being matched (your history is kept)", ephemeral=True)
async def leave(ctx: Context) -> Reply:
    await service.leave(ctx.session, ctx.member, now=ctx.now())
    return Reply(
        text=f"You've left study buddies. `{ctx.prefix}buddy join` brings you back "
        "with the same profile."
    )


@buddy.command(
    "block",
    "Never be paired with this member again (they are not told)",
    Param.member("member", "Who"),
    ephemeral=True,
)
async def block(ctx: Context, member: Member) -> Reply:
    await service.block(ctx.session, ctx.member, member, now=ctx.now())
    return Reply(
        text=f"Done. You won't be paired with {member.display_name} again. Nobody else is told."
    )


@buddy.command("status", "Your current and past buddies", ephemeral=True)
async def status(ctx: Context) -> Reply:
    found = await service.get_profile(ctx.session, ctx.member)
    current = await service.current_buddies(ctx.session, ctx.member)
    history = await service.past_groups(ctx.session, ctx.member)
    fields: list[Field] = []
    if current:
        group = await service.current_group(ctx.session, ctx.member)
        since = group.created_at.astimezone(ctx.tz).date().isoformat() if group else ""
        fields.append(
            Field(
                "Current buddies" if len(current) > 1 else "Current buddy",
                ", ".join(mention(m.platform_user_id) for m in current) + f" (since {since})",
            )
        )
    else:
        fields.append(Field("Current buddy", "none right now"))
    past = [
        f"{g.created_at.astimezone(ctx.tz).date().isoformat()}: "
        + ", ".join(m.display_name for m in others)
        for g, others in history
    ]
    if past:
        fields.append(Field("History", "\n".join(past)))
    if found is None or not found.active:
        fields.append(Field("Rounds", f"not joined — `{ctx.prefix}buddy join` to take part"))
    else:
        settings = await service.settings_for(ctx.session, ctx.community, now=ctx.now())
        line = (
            f"next round {service.local_time(ctx.community, settings.next_round_at)} "
            f"({ctx.community.timezone})"
        )
        if not service.is_eligible(found, ctx.today()):
            line += (
                f"; you're paused until {found.paused_until.isoformat()}"
                if found.paused_until
                else "; you're paused"
            )
        if found.rematch_requested_at is not None:
            line += "; waiting for a rematch"
        fields.append(Field("Rounds", line))
    return Reply(title="Your study buddies", fields=tuple(fields))


@buddy.command(
    "rematch",
    "Ask for a new buddy now: paired at once if another member is waiting, else next round",
    ephemeral=True,
)
async def rematch(ctx: Context) -> Reply:
    group = await service.request_rematch(ctx.session, ctx.community, ctx.member, now=ctx.now())
    return await _rematch_reply(ctx, group)


async def _rematch_reply(ctx: Context, group: BuddyGroup | None) -> Reply:
    if group is not None:
        others = await service.current_buddies(ctx.session, ctx.member)
        return Reply(
            text="New buddy found: "
            + ", ".join(mention(m.platform_user_id) for m in others)
            + ". Your intro is on its way."
        )
    settings = await service.settings_for(ctx.session, ctx.community, now=ctx.now())
    when = service.local_time(ctx.community, settings.next_round_at)
    return Reply(
        text=(
            "You're on the rematch list. You'll be paired as soon as another member "
            f"asks for a rematch — at the latest in the next round, {when}."
        )
    )


async def _in_group(ctx: Context, req: ActionRequest) -> bool:
    """"Did you meet?" is for the members still in that group (not those rematched away)."""
    if not req.args or not req.args[0].isdigit():
        return True  # a malformed id gets the handler's own "no longer does anything"
    return await service.is_current_member(ctx.session, ctx.member, int(req.args[0]))


@buddy.action("met", audience=_in_group)
async def met(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) != 2 or not req.args[0].isdigit():
        raise InvalidInput("That button no longer does anything.")
    group_id, answer = int(req.args[0]), req.args[1]
    milestone, group = await service.record_answer(
        ctx.session, ctx.community, ctx.member, group_id, answer, now=ctx.now()
    )
    if answer == "yes":
        extra = f" Roadmap milestone ticked: **{milestone.title}**." if milestone else ""
        return Reply(text="Great — noted that you met." + extra, ephemeral=True)
    if answer == "notyet":
        return Reply(
            text="Noted. A short call this week is enough — propose a time in your group.",
            ephemeral=True,
        )
    reply = await _rematch_reply(ctx, group)
    return Reply(text=reply.text, ephemeral=True)


# --------------------------------------------------------------------------- admin


@admin_buddies.command(
    "buddies cadence",
    "How often study-buddy rounds run",
    Param.choice("weeks", "Every how many weeks", ["1", "2", "4"]),
    ephemeral=True,
)
async def cadence(ctx: Context, weeks: str) -> Reply:
    settings = await service.set_schedule(
        ctx.session, ctx.community, now=ctx.now(), cadence_weeks=int(weeks)
    )
    return _schedule_reply(ctx, settings)


@admin_buddies.command(
    "buddies day",
    "Which day and time rounds run (community time)",
    Param.choice("day", "Day of the week", DAYS),
    Param.time("time", "24-hour time like 10:00"),
    ephemeral=True,
)
async def day(ctx: Context, day: str, time: time) -> Reply:
    settings = await service.set_schedule(
        ctx.session, ctx.community, now=ctx.now(), weekday=DAYS.index(day), at=time
    )
    return _schedule_reply(ctx, settings)


@admin_buddies.command(
    "buddies no-repeat",
    "Don't repeat a pair from the last K rounds",
    Param.integer("rounds", "K (0 allows repeats)", min_value=0, max_value=26),
    ephemeral=True,
)
async def no_repeat(ctx: Context, rounds: int) -> Reply:
    settings = await service.set_schedule(
        ctx.session, ctx.community, now=ctx.now(), no_repeat_rounds=rounds
    )
    return _schedule_reply(ctx, settings)


def _schedule_reply(ctx: Context, settings: BuddySettings) -> Reply:
    return Reply(
        text=(
            f"Study-buddy rounds run {service.describe_schedule(ctx.community, settings)}"
            f"; next: {service.local_time(ctx.community, settings.next_round_at)}. "
            f"Pairs from the last {settings.no_repeat_rounds} rounds aren't repeated "
            "unless there's no alternative."
        )
    )


@admin_buddies.command("buddies run-now", "Run a study-buddy round now", slow=True)
async def run_now(ctx: Context) -> Reply:
    outcome = await service.run_round(ctx.session, ctx.community, now=ctx.now(), manual=True)
    if outcome.round is None:
        return Reply(text=f"No round: {outcome.reason}", ephemeral=True)
    lines = [
        f"Round done: {_count(len(outcome.groups), 'group')} "
        f"({_count(outcome.trios, 'trio')}) from {outcome.pool} members. "
        "Intros are on their way."
    ]
    if outcome.unmatched:
        lines.append(
            "Not matched (blocked from everyone available): "
            + ", ".join(m.display_name for m in outcome.unmatched)
            + "."
        )
    if await channel_for(ctx.session, ctx.community.id, "buddies") is None:
        lines.append(
            "No buddies channel is set: on Discord intros need one "
            f"(`{ctx.prefix}admin set channel buddies #study-buddies`)."
        )
    return Reply(text="\n".join(lines), ephemeral=True)


@admin_buddies.command("buddies report", "Meet rates per study-buddy round", ephemeral=True)
async def report(ctx: Context) -> Reply:
    rows = await service.report(ctx.session, ctx.community.id)
    if not rows:
        return Reply(title="Study-buddy rounds", text="No rounds yet.")
    lines = [
        f"{r.label}: {_count(r.groups, 'group')}, {r.met} met ({r.meet_rate:.0%}), "
        f"{r.answered}/{r.members} answered"
        for r in rows
    ]
    return Reply(
        title="Study-buddy rounds (a group met when anyone answered Yes)", text="\n".join(lines)
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


async def settings_summary(ctx: Context) -> list[Field]:
    """`admin show`: cadence, next round, how many members are in."""
    settings = await service.find_settings(ctx.session, ctx.community.id)
    profiles = await service.active_profiles(ctx.session, ctx.community.id)
    available = sum(1 for p in profiles if service.is_eligible(p, ctx.today()))
    if settings is None:
        schedule = (
            f"every {DEFAULT_CADENCE_WEEKS} weeks on {DAYS[DEFAULT_DAY].capitalize()} "
            f"{DEFAULT_TIME:%H:%M} (default); starts when the first member joins"
        )
    else:
        schedule = (
            f"{service.describe_schedule(ctx.community, settings)}; next round "
            f"{service.local_time(ctx.community, settings.next_round_at)}; no repeats "
            f"within {settings.no_repeat_rounds} rounds"
        )
    return [
        Field(
            "Study buddies",
            f"{schedule}\n{len(profiles)} opted in ({len(profiles) - available} paused)",
        )
    ]
