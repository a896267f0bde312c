"""`mock join|profile|pause|leave|history` and `admin mock day|run-now|report`."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from bot.core.commands import ActionRequest, CommandGroup, Param, owner
from bot.core.context import Context
from bot.core.errors import InvalidInput
from bot.core.messages import Field, Reply
from bot.core.tenancy import channel_for
from bot.features.mock import service
from bot.features.mock.bank import bank
from bot.features.mock.models import DAYS, LEVELS, TYPES, MockProfile

mock = CommandGroup("mock", "Peer mock interviews: practise with a member each week", default="profile")
# Same name, help and default as the admin feature's group (merged by the registry).
admin_mock = CommandGroup("admin", "Community settings (admins only)", default="show")


def describe(profile: MockProfile, today: date) -> tuple[Field, ...]:
    if not profile.active:
        state = "left (`mock join` to come back)"
    elif profile.paused and not service.is_eligible(profile, today):
        state = (
            f"paused until {profile.paused_until.isoformat()}"
            if profile.paused_until
            else "paused (`mock join` to come back)"
        )
    else:
        state = "in the next round"
    return (
        Field("Practising", profile.interview_type, inline=True),
        Field("Level", LEVELS[profile.level], inline=True),
        Field("Available", service.describe_availability(profile)),
        Field("Status", state),
    )


@mock.command(
    "join",
    "Join the weekly mock-interview rounds (or update your profile)",
    Param.choice("type", "The interview you want to practise", TYPES, positional=False),
    Param.choice("level", "The level you're interviewing for", LEVELS, required=False),
    Param.text(
        "windows", "When you can interview, local time, e.g. 18:00-20:00,07:00-08:00",
        required=False,
    ),
    Param.text("days", "Which days, e.g. mon,wed,sat (default: every day)", required=False),
    Param.timezone("tz", "Your IANA time zone (default: your own or the community's)",
                   required=False),
    ephemeral=True,
    form=True,
)
async def join(
    ctx: Context, type: str, level: str | None, windows: str | None, days: str | None,
    tz: str | None,
) -> Reply:
    profile, newly = await service.join(
        ctx.session, ctx.community, ctx.member,
        service.JoinOptions(type, level=level, windows=windows, days=days, tz=tz), now=ctx.now(),
    )
    settings = await service.settings_for(ctx.session, ctx.community, now=ctx.now())
    when = service.local_time(ctx.community, settings.next_round_at)
    head = "You're in!" if newly else "You're already in; profile updated."
    return Reply(
        title="Mock interviews",
        text=(
            f"{head} The next round is {when} ({ctx.community.timezone}): you'll be paired with "
            "a member who can meet when you can, and get the question to ask them by DM."
        ),
        fields=describe(profile, ctx.today()),
    )


@mock.command("profile", "Your mock-interview profile", ephemeral=True)
async def profile(ctx: Context) -> Reply:
    found = await service.own_profile(ctx.session, ctx.member)
    return Reply(title="Your mock-interview profile", fields=describe(found, ctx.today()))


@mock.command(
    "pause", "Skip rounds for a while",
    Param.date("until", "First date you want to be paired again", required=False),
    ephemeral=True,
)
async def pause(ctx: Context, until: date | None) -> Reply:
    await service.pause(ctx.session, ctx.member, until=until, today=ctx.today(), now=ctx.now())
    if until is None:
        return Reply(text=f"Paused. `{ctx.prefix}mock join --type …` puts you back in the rounds.")
    return Reply(text=f"Paused until {until.isoformat()}: no mock interview before then.")


@mock.command("leave", "Stop being paired (your history is kept)", ephemeral=True)
async def leave(ctx: Context) -> Reply:
    await service.leave(ctx.session, ctx.member, now=ctx.now())
    return Reply(text=f"You've left mock interviews. `{ctx.prefix}mock join` brings you back.")


def _status(item: service.HistoryItem) -> str:
    mine, theirs = item.mine, item.theirs
    if mine.partner_showed is False:
        return "they didn't show up"
    if theirs is not None and theirs.partner_showed is False:
        return "reported as a no-show for you"
    if item.session.completed_at is not None:
        return "done"
    return "waiting for feedback"


@mock.command("history", "Your past mock interviews and the feedback you received",
              ephemeral=True)
async def history(ctx: Context) -> Reply:
    items = await service.history(ctx.session, ctx.member)
    if not items:
        return Reply(title="Your mock interviews",
                     text=f"None yet. `{ctx.prefix}mock join --type ml-coding --windows 18:00-20:00` to start.")
    own = await service.get_profile(ctx.session, ctx.member)
    tz = ZoneInfo(own.timezone) if own is not None else ctx.tz
    fields = []
    for item in items:
        when = item.session.slot_at.astimezone(tz)
        partner = item.partner.display_name if item.partner else "a former member"
        lines = [
            f"You asked: {item.asked.title if item.asked else '?'}; "
            f"you were asked: {item.was_asked.title if item.was_asked else '?'} — {_status(item)}"
        ]
        theirs = item.theirs
        if theirs is not None and theirs.partner_showed and theirs.scores and item.was_asked:
            rubric = bank().rubrics[item.was_asked.type]
            scores = ", ".join(
                f"{c.name} {s}/5"
                for c, s in zip(rubric, theirs.scores.split(","), strict=False)
            )
            lines += [f"Scores: {scores}", f"Strength: {theirs.strength}",
                      f"To improve: {theirs.improve}"]
        fields.append(Field(f"{when:%a %Y-%m-%d %H:%M} with {partner}", "\n".join(lines)))
    return Reply(title="Your mock interviews", fields=tuple(fields))


# --------------------------------------------------------------------------- buttons and form


def _session_id(req: ActionRequest) -> int:
    if len(req.args) != 2 or not req.args[0].isdigit():
        raise InvalidInput("That button no longer does anything.")
    return int(req.args[0])


@mock.action("compose", audience=owner(1))
async def compose(ctx: Context, req: ActionRequest) -> Reply:
    """Platforms that cannot open the form land here."""
    _session_id(req)
    return Reply(text="Open the form with the Give feedback button on the message.", ephemeral=True)


@mock.action("feedback", audience=owner(1))
async def feedback(ctx: Context, req: ActionRequest) -> Reply:
    milestone = await service.give_feedback(
        ctx.session, ctx.community, ctx.member, _session_id(req), dict(req.values), now=ctx.now()
    )
    extra = f" Roadmap milestone ticked: **{milestone.title}**." if milestone else ""
    return Reply(text="Thanks — your feedback is on its way to your partner." + extra,
                 ephemeral=True)


@mock.action("noshow", audience=owner(1))
async def noshow(ctx: Context, req: ActionRequest) -> Reply:
    await service.report_no_show(
        ctx.session, ctx.community, ctx.member, _session_id(req), now=ctx.now()
    )
    return Reply(
        text="Sorry about that — noted. You're in next week's round with someone new.",
        ephemeral=True,
    )


# --------------------------------------------------------------------------- admin


@admin_mock.command(
    "mock day", "Which day and time weekly mock-interview rounds run (community time)",
    Param.choice("day", "Day of the week", DAYS), Param.time("time", "24-hour time like 10:00"),
    ephemeral=True,
)
async def day(ctx: Context, day: str, time: time) -> Reply:
    settings = await service.set_schedule(
        ctx.session, ctx.community, weekday=DAYS.index(day), at=time, now=ctx.now()
    )
    return Reply(
        text=f"Mock-interview rounds run every {day.capitalize()} {time:%H:%M} "
        f"({ctx.community.timezone}); next: "
        f"{service.local_time(ctx.community, settings.next_round_at)}."
    )


@admin_mock.command("mock run-now", "Run a mock-interview round now", slow=True)
async def run_now(ctx: Context) -> Reply:
    outcome = await service.run_round(ctx.session, ctx.community, now=ctx.now(), manual=True)
    if outcome.round is None:
        return Reply(text=f"No round: {outcome.reason}", ephemeral=True)
    n = len(outcome.sessions)
    lines = [f"Round done: {n} pair{'s' if n != 1 else ''} from {outcome.pool} members. "
             "Intros and questions are on their way."]
    if outcome.unmatched:
        lines.append("Not paired (no shared hour this week, or an odd one out): "
                     + ", ".join(m.display_name for m in outcome.unmatched) + ".")
    if await channel_for(ctx.session, ctx.community.id, "mock") is None:
        lines.append("No mock channel is set: on Discord intros need one "
                     f"(`{ctx.prefix}admin set channel mock #mock-interviews`).")
    return Reply(text="\n".join(lines), ephemeral=True)


@admin_mock.command("mock report", "Sessions, completions and no-shows per round",
                    ephemeral=True)
async def report(ctx: Context) -> Reply:
    rows = await service.report(ctx.session, ctx.community.id)
    if not rows:
        return Reply(title="Mock-interview rounds", text="No rounds yet.")
    return Reply(
        title="Mock-interview rounds",
        text="\n".join(
            f"{r.label}: {r.sessions} session(s) from {r.pool} members, {r.completed} done, "
            f"{r.no_shows} no-show report(s), {r.unmatched} unpaired"
            for r in rows
        ),
    )


async def settings_summary(ctx: Context) -> list[Field]:
    """`admin show`: the round slot and how many members are in."""
    settings = await service.find_settings(ctx.session, ctx.community.id)
    profiles = await service.active_profiles(ctx.session, ctx.community.id)
    paused = sum(1 for p in profiles if not service.is_eligible(p, ctx.today()))
    slot = (
        "starts when the first member joins (default Mon 10:00)"
        if settings is None
        else f"next round {service.local_time(ctx.community, settings.next_round_at)}"
    )
    return [Field("Mock interviews", f"{slot}\n{len(profiles)} opted in ({paused} paused)")]
