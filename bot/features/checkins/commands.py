"""`checkin …` for members and `admin checkins report` / `admin set digest-time|checkin-reminders`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.commands import ANYONE, ActionRequest, CommandGroup, Param, action_id
from bot.core.context import Context
from bot.core.errors import InvalidInput
from bot.core.messages import Button, Field, Image, Reply, bar
from bot.core.tenancy import channel_for
from bot.features.checkins import heatmap, service
from bot.features.checkins.models import FREQUENCIES, CheckinSchedule
from bot.features.checkins.timing import WEEKDAYS, day_name, describe, local_date

checkin = CommandGroup(
    "checkin",
    "Accountability check-ins: a short DM on your schedule, streaks, history",
    default="show",
)
# Same help and default as the admin feature's group, whichever the registry merges first.
admin_checkins = CommandGroup("admin", "Community settings (admins only)", default="show")

SHARE_OFF = (
    "Sharing is **off**: your streak and blockers stay out of the weekly digest. "
    "`{p}checkin share on` lets the community see them — and help."
)
SHARE_ON = (
    "Sharing is **on**: the weekly digest may name your streak and the blockers you raise, "
    "so others can help. `{p}checkin share off` keeps them private."
)
RULES = (
    "A check-in stays open until the next one; Done and Some progress grow your streak, "
    "Skip today and pauses leave it as it is, a missed or blocked check-in starts it again."
)


def _when(instant: datetime | None, zone: str) -> str:
    if instant is None:
        return "—"
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M")


def _sharing(schedule: CheckinSchedule, prefix: str) -> str:
    return (SHARE_ON if schedule.share else SHARE_OFF).format(p=prefix)


@checkin.command(
    "schedule",
    "When Pivot checks in with you (your time zone unless --tz)",
    Param.choice("frequency", "How often", FREQUENCIES),
    Param.time("time", "Local time, HH:MM"),
    Param.choice("day", "Day of the week, for weekly check-ins", WEEKDAYS, required=False),
    Param.timezone("tz", "IANA time zone (default: yours, else the community's)", required=False),
    ephemeral=True,
    form=True,
)
async def schedule(
    ctx: Context, frequency: str, time: time, day: str | None, tz: str | None
) -> Reply:
    zone = tz or ctx.tz.key
    row = await service.set_schedule(
        ctx.session,
        ctx.member,
        frequency=frequency,
        at=time,
        timezone=zone,
        weekday=WEEKDAYS.index(day) if day else None,
        now=ctx.now(),
    )
    return Reply(
        title="Check-ins scheduled",
        text=f"I'll check in with you {describe(service.rule_of(row))}.\n"
        f"First one: **{_when(row.next_due_at, zone)}**.\n\n{_sharing(row, ctx.prefix)}",
        ephemeral=True,
    )


@checkin.command(
    "pause",
    "Pause check-ins for a while (your streak is kept)",
    Param.integer(
        "days", "For this many days", required=False, min_value=1, max_value=service.MAX_PAUSE_DAYS
    ),
    Param.date("until", "Through this date (inclusive)", required=False),
    ephemeral=True,
)
async def pause(ctx: Context, days: int | None, until: date | None) -> Reply:
    row = await service.pause(ctx.session, ctx.member, days=days, until=until, now=ctx.now())
    assert row.paused_until is not None
    back = row.paused_until - timedelta(days=1)
    return Reply(
        text=f"⏸️ Check-ins paused through {back.isoformat()}. Your streak is safe. "
        f"Next check-in: {_when(row.next_due_at, row.timezone)}. "
        f"Back earlier? `{ctx.prefix}checkin resume`."
    )


@checkin.command("resume", "End a pause now", ephemeral=True)
async def resume(ctx: Context) -> Reply:
    row = await service.resume(ctx.session, ctx.member, now=ctx.now())
    return Reply(text=f"▶️ Welcome back! Next check-in: {_when(row.next_due_at, row.timezone)}.")


@checkin.command("off", "Stop check-ins (your history and streaks are kept)", ephemeral=True)
async def off(ctx: Context) -> Reply:
    await service.switch_off(ctx.session, ctx.member, now=ctx.now())
    return Reply(text=f"Check-ins are off. `{ctx.prefix}checkin schedule …` starts them again.")


@checkin.command("show", "Your check-in schedule, streak and sharing setting", ephemeral=True)
async def show(ctx: Context) -> Reply:
    row = await service.schedule_of(ctx.session, ctx.member)
    if row is None:
        return Reply(
            title="Check-ins",
            text="You have no check-ins yet. A short DM on your schedule asks what you did, what's next "
            f"and what's blocking you.\nStart with `{ctx.prefix}checkin schedule daily 18:00` or "
            f"`{ctx.prefix}checkin schedule weekly 18:30 --day fri`.",
            ephemeral=True,
        )
    now = ctx.now()
    if not row.active:
        state = "off"
    elif service.is_paused(row, now):
        assert row.paused_until is not None
        state = f"paused through {(row.paused_until - timedelta(days=1)).isoformat()}"
    else:
        state = "active"
    fields = [
        Field("Schedule", describe(service.rule_of(row))),
        Field("Status", state, inline=True),
        Field("Next check-in", _when(row.next_due_at, row.timezone), inline=True),
        Field("Streak", f"{row.current_streak} (best {row.best_streak})", inline=True),
        Field("Sharing", _sharing(row, ctx.prefix).replace("Sharing is **on**", "**On**")
              .replace("Sharing is **off**", "**Off**")),
    ]
    return Reply(title="Your check-ins", fields=tuple(fields), footer=RULES, ephemeral=True)


@checkin.command(
    "share",
    "Let the weekly digest name your streak and blockers (default: off)",
    Param.choice("setting", "on or off", ("on", "off")),
    ephemeral=True,
)
async def share(ctx: Context, setting: str) -> Reply:
    row = await service.set_share(ctx.session, ctx.member, setting == "on", now=ctx.now())
    return Reply(text=_sharing(row, ctx.prefix))


@checkin.command(
    "log",
    "Answer your open check-in in words",
    Param.text("text", "What you did", greedy=True, max_length=1000),
    Param.text("next", "What's next", required=False, max_length=1000),
    Param.text("blocked", "What's blocking you", required=False, max_length=1000),
    ephemeral=True,
)
async def log(ctx: Context, text: str, next: str | None, blocked: str | None) -> Reply:
    period, row = await service.open_period(ctx.session, ctx.member, ctx.prefix)
    result = await service.answer(
        ctx.session,
        ctx.member,
        period,
        row,
        did=text,
        next_plan=next,
        blockers=blocked,
        now=ctx.now(),
    )
    return _answered(ctx, result)


def _answered(ctx: Context, result: service.AnswerResult) -> Reply:
    status = result.period.status
    row = result.schedule
    opening = {
        "done": "✅ Done — nice work!",
        "progress": "👍 Progress is progress. Noted!",
        "blocked": "🧱 Thanks for saying so — being stuck is part of learning.",
        "skipped": "⏭️ Skipped. No harm to your streak; see you next time.",
    }[status]
    lines = [opening, f"Streak: **{row.current_streak}** (best {row.best_streak})."]
    if status == "blocked" and not result.period.blockers:
        lines.append(
            f'What\'s in the way? `{ctx.prefix}checkin log "…" --blocked "…"` — '
            + (
                "the weekly digest will show it so others can help."
                if row.share
                else "with `checkin share on` the weekly digest shows it so others can help."
            )
        )
    if status in {"done", "progress"} and not result.period.next_plan:
        lines.append(
            f'What\'s next? `{ctx.prefix}checkin log "…" --next "…"` and I\'ll remind you next time.'
        )
    if result.habit_milestone:
        lines.append(f"🏅 Roadmap milestone checked: **{result.habit_milestone}**")
    buttons: tuple[Button, ...] = ()
    if result.period.blockers:
        # The ask feature turns the blocker into a question (its action, addressed to this member).
        lines.append("Stuck? Other members may know the way.")
        buttons = (Button("Ask the community", action_id("ask.blocker", ctx.member.id, result.period.id),
                          style="primary"),)
    return Reply(text="\n".join(lines), buttons=buttons, ephemeral=True)


async def _period_owner(ctx: Context, req: ActionRequest) -> bool:
    """A check-in's buttons and form are for the member it was sent to."""
    if not req.args or not req.args[0].isdigit():
        return True  # a malformed id gets the handler's own "no longer does anything"
    return await service.period_belongs_to(ctx.session, ctx.member, int(req.args[0]))


@checkin.action("answer", audience=_period_owner)
async def answer_button(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) != 2 or not req.args[0].isdigit():
        raise InvalidInput("That button no longer does anything.")
    period, row = await service.period_for_answer(ctx.session, ctx.member, int(req.args[0]))
    result = await service.answer(
        ctx.session, ctx.member, period, row, status=req.args[1], now=ctx.now()
    )
    return _answered(ctx, result)


@checkin.action("compose", audience=ANYONE)
async def compose(ctx: Context, req: ActionRequest) -> Reply:
    """Platforms that cannot open the form land here: point to the text command."""
    return Reply(
        text=f'Answer in words with `{ctx.prefix}checkin log "what you did" --next "…" '
        '--blocked "…"`.',
        ephemeral=True,
    )


@checkin.action("write", audience=_period_owner)
async def write(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) != 1 or not req.args[0].isdigit():
        raise InvalidInput("That form no longer does anything.")
    did = (req.values.get("did") or "").strip()
    if not did:
        raise InvalidInput("Tell me what you did — a few words are enough.")
    period, row = await service.period_for_answer(ctx.session, ctx.member, int(req.args[0]))
    result = await service.answer(
        ctx.session,
        ctx.member,
        period,
        row,
        did=did[:1000],
        next_plan=(req.values.get("next") or "").strip()[:1000] or None,
        blockers=(req.values.get("blockers") or "").strip()[:1000] or None,
        now=ctx.now(),
    )
    return _answered(ctx, result)


@checkin.command(
    "history",
    "A calendar of your check-ins (image)",
    Param.integer(
        "weeks", "How many weeks back (default 12)", required=False, min_value=1, max_value=52
    ),
    ephemeral=True,
    slow=True,
)
async def history(ctx: Context, weeks: int | None) -> Reply:
    row = await service.require_schedule(ctx.session, ctx.member, ctx.prefix)
    weeks = weeks or 12
    today = local_date(ctx.now(), row.timezone)
    days = await service.history(ctx.session, ctx.member, start=heatmap.first_day(today, weeks))
    png = heatmap.render(
        days, today=today, weeks=weeks, title=f"{ctx.member.display_name}'s check-ins"
    )
    answered = sum(1 for s in days.values() if s in {"done", "progress", "blocked"})
    return Reply(
        text=f"Last {weeks} weeks: {answered} check-ins answered. Streak {row.current_streak} "
        f"(best {row.best_streak}).",
        image=Image("checkins.png", png, alt=f"Check-in calendar, last {weeks} weeks"),
        ephemeral=True,
    )


@checkin.command("stats", "Your check-in numbers", ephemeral=True)
async def stats(ctx: Context) -> Reply:
    row = await service.require_schedule(ctx.session, ctx.member, ctx.prefix)
    numbers = await service.member_stats(ctx.session, ctx.member, row, now=ctx.now())
    rate = numbers.recent_answered / numbers.recent_total if numbers.recent_total else 0.0
    counts = numbers.counts
    return Reply(
        title="Your check-in stats",
        fields=(
            Field("Current streak", str(numbers.current), inline=True),
            Field("Best streak", str(numbers.best), inline=True),
            Field(
                "Last 4 weeks",
                f"{bar(rate)} {numbers.recent_answered}/{numbers.recent_total} answered",
            ),
            Field(
                "All time",
                f"done {counts['done']} · some progress {counts['progress']} · "
                f"blocked {counts['blocked']} · skipped {counts['skipped']} · "
                f"missed {counts['missed']} · paused {counts['paused']}",
            ),
        ),
        footer=RULES,
        ephemeral=True,
    )


# --- admin ---------------------------------------------------------------------------------------


@admin_checkins.command(
    "checkins report",
    "Check-in participation by week",
    Param.integer(
        "weeks", "How many weeks back (default 4)", required=False, min_value=1, max_value=26
    ),
    ephemeral=True,
)
async def report(ctx: Context, weeks: int | None) -> Reply:
    weeks = weeks or 4
    today = local_date(ctx.now(), ctx.community.timezone)
    start = heatmap.first_day(today, weeks)
    rows = await service.participation(
        ctx.session, ctx.community, start=start, end=today + timedelta(days=1)
    )
    lines = [
        f"`{r.week}` {bar(r.rate)} {r.rate:.0%} · {r.answered}/{r.prompted} answered · "
        f"{r.members} member{'s' if r.members != 1 else ''}"
        for r in rows
    ]
    return Reply(
        title=f"Check-in participation, last {weeks} weeks",
        text="\n".join(lines),
        footer="Answered = Done, Some progress or Blocked. Skips and pauses are not counted.",
        ephemeral=True,
    )


@admin_checkins.command(
    "set digest-time",
    "When the weekly check-in digest is posted (community time)",
    Param.choice("day", "Day of the week", WEEKDAYS),
    Param.time("time", "24-hour time like 16:00"),
    ephemeral=True,
)
async def set_digest_time(ctx: Context, day: str, time: time) -> Reply:
    row = await service.ensure_settings(ctx.session, ctx.community)
    row.digest_weekday, row.digest_time = WEEKDAYS.index(day), time
    channel = await channel_for(ctx.session, ctx.community.id, "checkins")
    where = (
        f"in <#{channel}>"
        if channel
        else (
            f"once a check-ins channel is set (`{ctx.prefix}admin set channel checkins #channel`)"
        )
    )
    return Reply(
        text=f"The weekly check-in digest will be posted every {day_name(row.digest_weekday)} at "
        f"{time:%H:%M} {ctx.community.timezone}, {where}."
    )


@admin_checkins.command(
    "set checkin-reminders",
    "Remind members once if a check-in is unanswered (0 = never)",
    Param.integer(
        "count", "0 or 1 — never more than one reminder per check-in", min_value=0, max_value=1
    ),
    Param.duration("after", "How long after the check-in (default 4h)", required=False),
    ephemeral=True,
)
async def set_reminders(ctx: Context, count: int, after: timedelta | None) -> Reply:
    row = await service.ensure_settings(ctx.session, ctx.community)
    if after is not None and not timedelta(minutes=10) <= after <= timedelta(days=6):
        raise InvalidInput("--after must be between 10m and 6d.")
    row.reminders = count
    if after is not None:
        row.reminder_delay_minutes = int(after.total_seconds() // 60)
    return Reply(text=_reminder_line(row.reminders, row.reminder_delay_minutes))


def _reminder_line(count: int, minutes: int) -> str:
    if not count:
        return "Check-in reminders are off."
    hours, rest = divmod(minutes, 60)
    delay = f"{hours}h{rest:02d}m" if rest else f"{hours}h"
    return f"One reminder, {delay} after an unanswered check-in (if it is still open then)."


async def settings_summary(ctx: Context) -> list[Field]:
    row = await service.settings_of(ctx.session, ctx.community)
    if row is None or row.digest_weekday is None or row.digest_time is None:
        digest = f"not scheduled — `{ctx.prefix}admin set digest-time fri 16:00`"
    else:
        digest = f"{day_name(row.digest_weekday)} {row.digest_time:%H:%M} {ctx.community.timezone}"
    reminders = (
        _reminder_line(row.reminders, row.reminder_delay_minutes) if row else _reminder_line(1, 240)
    )
    return [Field("Check-in digest", digest, inline=True), Field("Check-in reminders", reminders)]


__all__ = ["admin_checkins", "checkin", "settings_summary"]
