"""`kaggle list|show|follow|unfollow|entered` and `admin kaggle categories|poll-now|follow|unfollow`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.commands import ANYONE, ActionRequest, Choice, CommandGroup, Param, action_id
from bot.core.context import Context
from bot.core.errors import IntegrationUnavailable, InvalidInput
from bot.core.messages import Button, Reply
from bot.features.kaggle import service
from bot.features.kaggle.client import CATEGORIES
from bot.features.kaggle.models import KaggleCompetition

PAGE_SIZE = 5

kaggle = CommandGroup(
    "kaggle", "Kaggle competitions a learner can enter, with deadline reminders", default="list"
)
# Same help and default as the admin feature's group: the registry keeps the first group's
# default, and this one is registered before it (NAMES order), so bare `admin` stays `admin show`.
admin_kaggle = CommandGroup("admin", "Community settings (admins only)", default="show")


async def _competition_refs(ctx: Context, partial: str) -> list[Choice]:
    found = await service.suggest(ctx.session, partial.strip(), ctx.now())
    return [Choice(f"{c.title} ({c.ref})"[:100], c.ref) for c in found]


REF = Param.text(
    "ref",
    "The competition's ref, like titanic (or its URL)",
    max_length=300,
    autocomplete=_competition_refs,
)


def _list_line(
    number: int, competition: KaggleCompetition, ctx: Context, followed: set[int]
) -> str:
    bell = " 🔔" if competition.id in followed else ""
    deadline = competition.deadline
    closes = (
        "no deadline"
        if deadline is None
        else (
            f"closes {deadline.astimezone(ctx.tz):%a %Y-%m-%d} ({service.time_left(deadline, ctx.now())})"
        )
    )
    reward = competition.reward or "no prize listed"
    return (
        f"{number}. **{competition.title}**{bell} — `{competition.ref}`\n"
        f"    {service.category_label(competition.category)} · {reward} · {closes} · "
        f"{competition.team_count:,} teams"
    )


async def _ensure_store(ctx: Context) -> None:
    """Kaggle must be on; before the first poll has stored anything, poll now (the command is slow)."""
    client = service.require_client(ctx.resources)
    if not await service.has_competitions(ctx.session):
        result = await service.poll(ctx.session, client, ctx.settings, ctx.now())
        if not result.ok:
            raise IntegrationUnavailable(result.error or "Kaggle is not answering right now.")


async def _list_page(ctx: Context, page: int, category: str | None, search: str | None) -> Reply:
    await _ensure_store(ctx)
    found = await service.active_competitions(
        ctx.session, ctx.now(), category=category, search=search
    )
    filters = " · ".join(
        x
        for x in (
            service.category_label(category) if category else "",
            f"“{search}”" if search else "",
        )
        if x
    )
    title = "Open Kaggle competitions" + (f" — {filters}" if filters else "")
    if not found:
        return Reply(
            title=title,
            text=f"Nothing open matches. Try `{ctx.prefix}kaggle list` without filters.",
            ephemeral=True,
        )
    pages = (len(found) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    followed = await service.followed_ids(ctx.session, ctx.member)
    lines = [
        _list_line(start + i + 1, c, ctx, followed)
        for i, c in enumerate(found[start : start + PAGE_SIZE])
    ]
    lines += [
        "",
        f"`{ctx.prefix}kaggle show REF` for details · `{ctx.prefix}kaggle follow REF` "
        "for deadline reminders by DM",
    ]
    if getattr(ctx.resources.get("kaggle"), "sample", False):
        lines.append("_Sample data for the offline demo: these are not live Kaggle competitions._")
    buttons: list[Button] = []
    arg_search = search or ""
    if ":" not in arg_search and len(arg_search) <= 40:
        if page > 1:
            buttons.append(
                Button("◀ Prev", action_id("kaggle.page", page - 1, category or "", arg_search))
            )
        if page < pages:
            buttons.append(
                Button("Next ▶", action_id("kaggle.page", page + 1, category or "", arg_search))
            )
    return Reply(
        title=title,
        text="\n".join(lines),
        buttons=tuple(buttons),
        footer=f"Page {page} of {pages} · {len(found)} open · soonest deadline first",
        ephemeral=True,
    )


@kaggle.command(
    "list",
    "Open competitions, soonest deadline first",
    Param.choice("category", "Only this category", CATEGORIES, required=False),
    Param.text("search", "Words in the title or description", required=False, max_length=100),
    Param.integer("page", "Which page", required=False, min_value=1, max_value=1000),
    ephemeral=True,
    slow=True,
)
async def list_competitions(
    ctx: Context, category: str | None, search: str | None, page: int | None
) -> Reply:
    return await _list_page(ctx, page or 1, category, search)


@kaggle.action("page", audience=ANYONE, slow=True)
async def page_action(ctx: Context, req: ActionRequest) -> Reply:
    page, category, search = (list(req.args) + ["1", "", ""])[:3]
    if category and category not in CATEGORIES:
        raise InvalidInput("That page button is out of date; run `kaggle list` again.")
    return await _list_page(
        ctx, int(page) if page.isdigit() else 1, category or None, search or None
    )


@kaggle.command("show", "Everything about one competition", REF, ephemeral=True, slow=True)
async def show(ctx: Context, ref: str) -> Reply:
    await _ensure_store(ctx)
    competition = await service.get_competition(ctx.session, ref)
    card = service.competition_card(competition, ctx.tz, ctx.now())
    if not competition.active or (
        competition.deadline is not None and competition.deadline <= ctx.now()
    ):
        return Reply(
            title=f"{card.title} (closed)",
            text=card.text,
            fields=card.fields,
            footer=card.footer,
            ephemeral=True,
        )
    return card


def _reminder_dates(ctx: Context, competition: KaggleCompetition) -> str:
    if competition.deadline is None:
        return "It has no deadline, so there is nothing to remind you of yet."
    tz: ZoneInfo = ctx.tz
    upcoming = [
        (days, due)
        for days in sorted(set(ctx.settings.kaggle.reminder_days), reverse=True)
        if (due := service.reminder_due(competition.deadline, days, tz)) > ctx.now()
    ]
    deadline = competition.deadline.astimezone(tz)
    head = f"It closes {deadline:%a %Y-%m-%d %H:%M} {deadline.tzname()}."
    if not upcoming:
        return head + " That's too soon for a reminder — submit now!"
    dates = ", ".join(f"{due.astimezone(tz):%a %Y-%m-%d %H:%M}" for _, due in upcoming)
    return head + f" I'll DM you on {dates} ({tz.key})."


async def _follow(ctx: Context, ref: str) -> Reply:
    await _ensure_store(ctx)
    competition, new = await service.follow(ctx.session, ctx.member, ref, now=ctx.now())
    head = (
        f"🔔 Following **{competition.title}**."
        if new
        else f"You already follow **{competition.title}**."
    )
    return Reply(text=f"{head} {_reminder_dates(ctx, competition)}", ephemeral=True)


@kaggle.command(
    "follow", "Get deadline reminders for a competition by DM", REF, ephemeral=True, slow=True
)
async def follow(ctx: Context, ref: str) -> Reply:
    return await _follow(ctx, ref)


@kaggle.action("follow", audience=ANYONE)
async def follow_action(ctx: Context, req: ActionRequest) -> Reply:
    return await _follow(ctx, req.args[0] if req.args else "")


@kaggle.command("unfollow", "Stop deadline reminders for a competition", REF, ephemeral=True)
async def unfollow(ctx: Context, ref: str) -> Reply:
    service.require_client(ctx.resources)
    competition = await service.unfollow(ctx.session, ctx.member, ref)
    return Reply(text=f"No more reminders for **{competition.title}**.", ephemeral=True)


async def _entered(ctx: Context, ref: str) -> Reply:
    await _ensure_store(ctx)
    result = await service.enter(ctx.session, ctx.member, ref, now=ctx.now())
    title = result.competition.title
    lines = [
        f"🎉 Nice — you entered **{title}**."
        if result.new_entry
        else f"You had already told me you entered **{title}**."
    ]
    if result.milestone_title is not None:
        lines.append(
            f"✅ Roadmap milestone checked: **{result.milestone_title}** — see `{ctx.prefix}roadmap`."
        )
    if result.competition.deadline is not None and result.competition.deadline > ctx.now():
        lines.append(
            "I'll remind you before the deadline "
            f"(`{ctx.prefix}kaggle unfollow {result.competition.ref}` to stop)."
        )
    return Reply(text="\n".join(lines), ephemeral=True)


@kaggle.command(
    "entered",
    "Tell Pivot you entered a competition (checks your roadmap milestone)",
    REF,
    ephemeral=True,
    slow=True,
)
async def entered(ctx: Context, ref: str) -> Reply:
    return await _entered(ctx, ref)


@kaggle.action("entered", audience=ANYONE)
async def entered_action(ctx: Context, req: ActionRequest) -> Reply:
    return await _entered(ctx, req.args[0] if req.args else "")


# --- admin ----------------------------------------------------------------------------------------


@admin_kaggle.command(
    "kaggle categories",
    "Which Kaggle categories the Kaggle channel gets (no value: show them)",
    Param.text(
        "categories",
        "Comma-separated, like getting-started,playground; or 'default'",
        required=False,
        positional=True,
    ),
    ephemeral=True,
)
async def categories(ctx: Context, categories: str | None) -> Reply:
    default = ctx.settings.kaggle.categories
    if categories is None:
        prefs = await service.community_settings(ctx.session, ctx.community.id)
        current = service.wanted_categories(prefs, default)
        suffix = " (the default)" if prefs.categories is None else ""
        return Reply(
            text=f"The Kaggle channel gets: {', '.join(current) or 'nothing'}{suffix}.\n"
            f"{_how_posting_works(ctx)}",
            ephemeral=True,
        )
    if categories.strip().lower() == "default":
        await service.set_categories(ctx.session, ctx.community.id, None)
        return Reply(text=f"Back to the default categories: {', '.join(default)}.", ephemeral=True)
    chosen = service.parse_categories(categories)
    await service.set_categories(ctx.session, ctx.community.id, chosen)
    return Reply(
        text=f"The Kaggle channel will get new {', '.join(chosen)} competitions.\n"
        f"{_how_posting_works(ctx)}",
        ephemeral=True,
    )


def _how_posting_works(ctx: Context) -> str:
    channel = f"`{ctx.prefix}admin set channel kaggle #channel`"
    return (
        f"How posting works: the first poll after {channel} posts the "
        f"{service.WELCOME_LIMIT} open competitions with the soonest deadlines; after that, every "
        "competition new to Kaggle's list is posted once. The rest are always in "
        f"`{ctx.prefix}kaggle list`. Options: {', '.join(CATEGORIES)}."
    )


@admin_kaggle.command(
    "kaggle poll-now", "Check Kaggle for new competitions now", ephemeral=True, slow=True
)
async def poll_now(ctx: Context) -> Reply:
    client = service.require_client(ctx.resources)
    result = await service.poll(ctx.session, client, ctx.settings, ctx.now())
    if not result.ok:
        return Reply(
            text=f"Kaggle poll failed: {result.error}\nIt is logged and shown in `admin show`; "
            "the next scheduled poll tries again.",
            ephemeral=True,
            error=True,
        )
    return Reply(
        text=f"Polled Kaggle: {result.seen} open competitions, {result.new} new to Pivot, "
        f"{result.posted} posts queued across communities.",
        ephemeral=True,
    )


@admin_kaggle.command(
    "kaggle follow",
    "Post deadline reminders for a competition in the Kaggle channel",
    REF,
    ephemeral=True,
)
async def admin_follow(ctx: Context, ref: str) -> Reply:
    service.require_client(ctx.resources)
    competition = await service.channel_follow(ctx.session, ctx.community, ref, True, now=ctx.now())
    ordered = sorted(ctx.settings.kaggle.reminder_days, reverse=True)
    days = ", ".join(str(d) for d in ordered[:-1]) + (" and " if len(ordered) > 1 else "")
    days += f"{ordered[-1]} {'day' if ordered == [1] else 'days'}"
    return Reply(
        text=f"The Kaggle channel will be reminded about **{competition.title}** {days} "
        "before its deadline.",
        ephemeral=True,
    )


@admin_kaggle.command(
    "kaggle unfollow", "Stop channel reminders for a competition", REF, ephemeral=True
)
async def admin_unfollow(ctx: Context, ref: str) -> Reply:
    service.require_client(ctx.resources)
    competition = await service.channel_follow(
        ctx.session, ctx.community, ref, False, now=ctx.now()
    )
    return Reply(text=f"No more channel reminders for **{competition.title}**.", ephemeral=True)
