"""Job-search commands: `apply …` (the private tracker), `jobs …` (feed, alerts, sources, wins,
report) and `resume …` (reviewers and review requests)."""

from __future__ import annotations

from datetime import date

from bot.core.commands import ANYONE, ActionRequest, Choice, CommandGroup, Param, owner
from bot.core.context import Context
from bot.core.errors import InvalidInput
from bot.core.messages import Field, Image, Reply
from bot.core.tenancy import channel_for
from bot.features.jobs import chart
from bot.features.jobs.boards import KINDS
from bot.features.jobs.classify import LEVELS
from bot.features.jobs.models import JobApplication
from bot.features.jobs.service import alerts, feed, resume, tracker
from bot.features.jobs.service.common import member_settings, plural

apply = CommandGroup("apply", "Track your job applications (private to you)", default="list")
jobs_group = CommandGroup("jobs", "ML job feed from company job boards, alerts, wins")
resume_group = CommandGroup("resume", "Resume reviews from members who got hired")


async def _my_numbers(ctx: Context, partial: str) -> list[Choice]:
    rows = await tracker.applications(ctx.session, ctx.member, include_closed=True)
    needle = partial.strip().lstrip("#").lower()
    return [Choice(f"#{a.number} {a.company} — {a.role}"[:100], str(a.number)) for a in rows
            if needle in str(a.number) or needle in a.company.lower() or needle in a.role.lower()][:25]


APP_ID = Param.integer("id", "The application's number, as `apply list` shows it", min_value=1,
                       autocomplete=_my_numbers)


def _milestone_line(titles: list[str]) -> str:
    return "".join(f"\n🏅 Roadmap milestone ticked: **{t}**" for t in titles)


def describe(application: JobApplication) -> str:
    label = tracker.STAGE_LABELS[application.stage]
    line = f"**#{application.number}** {application.company} — {application.role} · {label}"
    if application.applied_on is not None:
        line += f" · applied {application.applied_on.isoformat()}"
    if application.url:
        line += f"\n    {application.url}"
    return line


# --- apply: the tracker ----------------------------------------------------------------------


@apply.command(
    "add", "Track an application (private to you)",
    Param.text("company", "Company name"),
    Param.text("role", "The role", greedy=True),
    Param.text("url", "Link to the posting", required=False, max_length=500),
    Param.choice("stage", "Where it stands (default: applied)", tracker.STAGES, required=False),
    Param.date("on", "The day you applied (default: today)", required=False),
    ephemeral=True,
)
async def add(ctx: Context, company: str, role: str, url: str | None, stage: str | None,
              on: date | None) -> Reply:
    change = await tracker.add(ctx.session, ctx.member, company, role, url=url,
                               stage=stage or "applied", on=on, now=ctx.now(), today=ctx.today())
    number = change.application.number
    return Reply(
        title=f"Application #{number} tracked",
        text=describe(change.application)
        + f"\n\nMove it along with `{ctx.prefix}apply move {number} screen`."
        + _milestone_line(change.milestones),
        ephemeral=True,
    )


@apply.command(
    "move", "Move an application to another stage",
    APP_ID,
    Param.choice("stage", "The new stage", tracker.STAGES),
    Param.text("note", "A note for the history (what happened, next step)", required=False,
               max_length=tracker.MAX_NOTE),
    ephemeral=True,
)
async def move(ctx: Context, id: int, stage: str, note: str | None) -> Reply:
    change = await tracker.move(ctx.session, ctx.member, id, stage, note=note, now=ctx.now(),
                                today=ctx.today())
    cheer = {"offer": " 🎉 An offer!", "accepted": " 🎉 Congratulations! Tell the community with "
             f"`{ctx.prefix}jobs hired`.", "screen": " Good luck!", "onsite": " You've got this."}
    return Reply(
        text=f"#{id} {change.application.company}: {change.previous} → **{stage}**."
        + cheer.get(stage, "") + _milestone_line(change.milestones),
        ephemeral=True,
    )


@apply.command("list", "Your open applications (--all includes closed ones)",
               Param.flag("all", "Include accepted, rejected and withdrawn"), ephemeral=True)
async def list_(ctx: Context, all: bool) -> Reply:
    rows = await tracker.applications(ctx.session, ctx.member, include_closed=all)
    if not rows:
        return Reply(text="Nothing tracked yet. Add one with "
                          f"`{ctx.prefix}apply add Acme \"ML Engineer\" --url https://…`.",
                     ephemeral=True)
    return Reply(title=f"Your applications ({len(rows)})",
                 text="\n".join(describe(a) for a in rows[:40])
                 + ("\n…" if len(rows) > 40 else ""), ephemeral=True)


@apply.command("board", "Your applications as a board, one column per stage", ephemeral=True)
async def board(ctx: Context) -> Reply:
    rows = await tracker.applications(ctx.session, ctx.member, include_closed=True)
    if not rows:
        return Reply(text="Your board is empty. `apply add` tracks your first application.",
                     ephemeral=True)
    fields = []
    for stage in tracker.STAGES:
        here = [a for a in rows if a.stage == stage]
        if here:
            body = "\n".join(f"#{a.number} {a.company} — {a.role}"[:80] for a in here[:10])
            if len(here) > 10:
                body += f"\n…and {len(here) - 10} more"
            fields.append(Field(f"{tracker.STAGE_LABELS[stage]} ({len(here)})", body, inline=True))
    return Reply(title="Your job board", fields=tuple(fields), ephemeral=True)


@apply.command("history", "Every move of one application, with notes", APP_ID, ephemeral=True)
async def history(ctx: Context, id: int) -> Reply:
    application, moves = await tracker.history(ctx.session, ctx.member, id)
    lines = []
    for m in moves:
        when = m.moved_at.astimezone(ctx.tz).date().isoformat()
        step = f"{m.from_stage} → {m.to_stage}" if m.from_stage else f"added as {m.to_stage}"
        lines.append(f"{when}: {step}" + (f" — {m.note}" if m.note else ""))
    return Reply(title=f"#{id} {application.company} — {application.role}",
                 text="\n".join(lines), ephemeral=True)


def _funnel_fields(funnel: tracker.Funnel) -> tuple[Field, ...]:
    steps = []
    for earlier, later in zip(tracker.FUNNEL, tracker.FUNNEL[1:], strict=False):
        rate = funnel.conversion(earlier, later)
        steps.append(f"{earlier} → {later}: " + ("—" if rate is None else f"{rate:.0%}"))
    now_at = ", ".join(f"{s} {funnel.now_at[s]}" for s in tracker.STAGES if funnel.now_at.get(s))
    median = funnel.median_reply_days
    return (
        Field("Reached", " · ".join(f"{s} {funnel.reached.get(s, 0)}" for s in tracker.FUNNEL)
              + f" · take-home {funnel.take_home}"),
        Field("Conversion", "\n".join(steps)),
        Field("Now", now_at or "—"),
        Field("Applied → first reply",
              "no replies yet" if median is None
              else f"median {median:g} days ({plural(len(funnel.reply_days), 'reply', 'replies')})"),
    )


def _funnel_image(funnel: tracker.Funnel, title: str) -> Image:
    steps = [(s, funnel.reached.get(s, 0)) for s in tracker.FUNNEL]
    return Image("funnel.png", chart.render(steps, title=title),
                 alt=", ".join(f"{s}: {n}" for s, n in steps))


@apply.command("stats", "Your funnel: what reached each stage, conversion, time to first reply",
               ephemeral=True, slow=True)
async def stats(ctx: Context) -> Reply:
    funnel = await tracker.funnel(ctx.session, ctx.member)
    if funnel.total == 0:
        return Reply(text="No applications yet, so no funnel. `apply add` tracks one.", ephemeral=True)
    return Reply(title=f"Your funnel ({plural(funnel.total, 'application')})",
                 fields=_funnel_fields(funnel), image=_funnel_image(funnel, "Your applications"),
                 ephemeral=True)


@apply.command("share", "Add your numbers (never companies or roles) to the anonymous community funnel",
               Param.choice("state", "on or off", ("on", "off")), ephemeral=True)
async def share(ctx: Context, state: str) -> Reply:
    prefs = await member_settings(ctx.session, ctx.member)
    prefs.share_funnel = state == "on"
    if prefs.share_funnel:
        return Reply(text="Your stage counts now feed the anonymous community funnel in `jobs report` "
                          f"(shown once {tracker.MIN_SHARERS} members share). Companies, roles and "
                          "notes stay private.", ephemeral=True)
    return Reply(text="Your numbers are out of the community funnel.", ephemeral=True)


# --- jobs: the feed --------------------------------------------------------------------------

SHOWN = 20  # postings per `jobs list`


@jobs_group.command(
    "list", "Open ML roles from the community's job sources",
    Param.flag("remote", "Remote roles only"),
    Param.choice("level", "Seniority", LEVELS, required=False),
    Param.text("location", "Part of the location, like Berlin", required=False, max_length=100),
    Param.text("company", "Company or board name", required=False, max_length=100),
    ephemeral=True,
)
async def jobs_list(ctx: Context, remote: bool, level: str | None, location: str | None,
                    company: str | None) -> Reply:
    # The page and the count, not every open posting: a busy feed holds thousands.
    rows = await feed.open_postings(ctx.session, ctx.community, remote=remote, level=level,
                                    location=location, company=company, limit=SHOWN)
    if not rows:
        sources = await feed.sources(ctx.session, ctx.community)
        hint = ("No open ML roles match." if sources else
                "No job sources yet: an admin adds one with `jobs source add greenhouse BOARD`.")
        return Reply(text=hint, ephemeral=True)
    total = len(rows) if len(rows) < SHOWN else await feed.count_open_postings(
        ctx.session, ctx.community, remote=remote, level=level, location=location, company=company)
    more = f"\n…and {total - SHOWN} more; narrow it with --level, --location or --company." \
        if total > SHOWN else ""
    return Reply(title=f"Open ML roles ({total})",
                 text="\n".join(feed.list_line(p) for p in rows) + more,
                 footer=f"`{ctx.prefix}jobs save ID` adds one to your tracker", ephemeral=True)


async def _save_reply(ctx: Context, posting_id: int) -> Reply:
    application, new = await feed.save(ctx.session, ctx.member, posting_id, now=ctx.now(),
                                       today=ctx.today())
    if not new:
        return Reply(text=f"Already in your tracker as #{application.number} ({application.stage}).",
                     ephemeral=True)
    return Reply(text=f"Saved to your tracker as #{application.number}: {application.company} — "
                      f"{application.role}. When you apply: `{ctx.prefix}apply move "
                      f"{application.number} applied`.", ephemeral=True)


@jobs_group.command("save", "Add a posting to your tracker as saved",
              Param.integer("posting", "The posting's number from `jobs list`", min_value=1),
              ephemeral=True)
async def jobs_save(ctx: Context, posting: int) -> Reply:
    return await _save_reply(ctx, posting)


@jobs_group.action("save", audience=ANYONE)
async def save_button(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) != 1 or not req.args[0].isdigit():
        raise InvalidInput("That button no longer does anything.")
    return await _save_reply(ctx, int(req.args[0]))


@jobs_group.command(
    "follow", "Get new ML roles that match by DM (one message a day at most)",
    Param.text("keyword", "A word in the title or description, like pytorch", required=False,
               max_length=100),
    Param.text("location", "Part of the location", required=False, max_length=100),
    Param.flag("remote", "Remote roles only"),
    Param.choice("level", "Seniority", LEVELS, required=False),
    ephemeral=True,
)
async def follow(ctx: Context, keyword: str | None, location: str | None, remote: bool,
                 level: str | None) -> Reply:
    prefs = await alerts.follow(ctx.session, ctx.member, keyword=keyword, location=location,
                                remote=remote, level=level, now=ctx.now())
    return Reply(text=f"Following {alerts.describe(prefs)}. New matches come by DM, at most one "
                      f"message a day. `{ctx.prefix}jobs unfollow` stops them.", ephemeral=True)


@jobs_group.command("unfollow", "Stop job alerts", ephemeral=True)
async def unfollow(ctx: Context) -> Reply:
    await alerts.unfollow(ctx.session, ctx.member)
    return Reply(text="Job alerts stopped.", ephemeral=True)


@jobs_group.command(
    "source add", "Add a company's public job board to the feed",
    Param.choice("kind", "The job-board provider", KINDS),
    Param.text("board", "The board name (from its URL, e.g. acme in boards.greenhouse.io/acme)",
               max_length=300),
    admin=True, slow=True,
)
async def source_add(ctx: Context, kind: str, board: str) -> Reply:
    source = await feed.add_source(ctx.session, feed.require_boards(ctx.resources), ctx.community,
                                   kind, board, now=ctx.now())
    channel = await channel_for(ctx.session, ctx.community.id, "jobs")
    where = (f"New ML roles will be posted in <#{channel}>" if channel else
             "Set where they are posted with `admin set channel jobs #CHANNEL`")
    return Reply(text=f"Added {source.kind} board **{source.board}** ({source.company}). {where}; "
                      f"the first read posts at most {feed.FIRST_ADD_LIMIT} and the rest are in "
                      "`jobs list`.")


@jobs_group.command("source list", "The job boards the feed reads", admin=True, ephemeral=True)
async def source_list(ctx: Context) -> Reply:
    rows = await feed.sources(ctx.session, ctx.community)
    if not rows:
        return Reply(text="No job sources yet. `jobs source add greenhouse BOARD` adds one.",
                     ephemeral=True)
    lines = []
    for s in rows:
        state = "not read yet"
        if s.last_success_at is not None:
            state = f"read {s.last_success_at.astimezone(ctx.tz):%Y-%m-%d %H:%M}"
        if s.last_error:
            state += f" · last error: {s.last_error}"
        lines.append(f"**{s.kind} {s.board}** ({s.company}) — {await feed.open_count(ctx.session, s)} "
                     f"open ML roles · {state}")
    return Reply(title="Job sources", text="\n".join(lines), ephemeral=True)


@jobs_group.command("source remove", "Stop reading a job board (its postings go too)",
              Param.choice("kind", "The job-board provider", KINDS),
              Param.text("board", "The board name", max_length=300), admin=True)
async def source_remove(ctx: Context, kind: str, board: str) -> Reply:
    source = await feed.remove_source(ctx.session, ctx.community, kind, board)
    return Reply(text=f"Removed {source.kind} board {source.board}.")


@jobs_group.command("report", "The anonymous community funnel (members who opted in with `apply share on`)",
              slow=True)
async def report(ctx: Context) -> Reply:
    sharers, funnel = await tracker.community_funnel(ctx.session, ctx.community)
    if funnel is None:
        return Reply(text=f"{plural(sharers, 'member shares', 'members share')} their funnel; the "
                          f"community report appears once {tracker.MIN_SHARERS} do "
                          f"(`{ctx.prefix}apply share on`).")
    return Reply(title=f"Community funnel ({sharers} members, {plural(funnel.total, 'application')})",
                 fields=_funnel_fields(funnel), image=_funnel_image(funnel, "Community applications"),
                 footer="Anonymous: only stage counts of members who opted in.")


@jobs_group.command(
    "hired", "Celebrate a new job: ticks your jobs milestones; --share tells the community",
    Param.text("company", "Company name"),
    Param.text("role", "The role", greedy=True),
    Param.flag("share", "Celebrate in the jobs channel"),
    ephemeral=True,
)
async def hired(ctx: Context, company: str, role: str, share: bool) -> Reply:
    win = await resume.hired(ctx.session, ctx.member, ctx.community, company, role, share=share,
                             now=ctx.now())
    where = ""
    if share:
        where = (f"\nAnnounced in <#{win.celebrated_in}>." if win.celebrated_in else
                 "\nThere's no jobs channel yet, so nothing was announced (an admin sets one with "
                 "`admin set channel jobs #CHANNEL`).")
    return Reply(
        text=f"🎉 Congratulations on **{win.hire.role}** at **{win.hire.company}**!" + where
        + _milestone_line(win.milestones)
        + f"\nWant to help the next person? `{ctx.prefix}resume reviewer on` lets members ask you "
          "for a resume review.",
        ephemeral=True,
    )


# --- resume reviews --------------------------------------------------------------------------


@resume_group.command("reviewer", "Volunteer (on) or stop (off) reviewing resumes",
                      Param.choice("state", "on or off", ("on", "off")), ephemeral=True)
async def reviewer(ctx: Context, state: str) -> Reply:
    await resume.set_reviewer(ctx.session, ctx.member, state == "on")
    if state == "on":
        return Reply(text="Thank you! Review requests will come by DM, one at a time, with "
                          "Accept and Decline buttons.", ephemeral=True)
    return Reply(text="You're off the reviewer list.", ephemeral=True)


@resume_group.command("review-request", "Ask a member who got hired to review your resume",
                      Param.text("link", "A link to your resume (optional)", required=False,
                                 max_length=500), ephemeral=True)
async def review_request(ctx: Context, link: str | None) -> Reply:
    await resume.request_review(ctx.session, ctx.member, ctx.community, link, now=ctx.now())
    return Reply(text="Your request went to a reviewer by DM. If they can't take it within 3 days "
                      "it moves to someone else.", ephemeral=True)


async def _answer(ctx: Context, req: ActionRequest, accept: bool) -> Reply:
    if len(req.args) != 2 or not req.args[0].isdigit():
        raise InvalidInput("That button no longer does anything.")
    request, other = await resume.respond(ctx.session, ctx.member, ctx.community, int(req.args[0]),
                                          accept, now=ctx.now())
    if accept:
        who = f"<@{other.platform_user_id}>" if other else "the member"
        return Reply(text=f"Thanks! {who} will send you their resume.", ephemeral=True)
    return Reply(text="No problem — it went to someone else." if other else
                 "No problem. Nobody else is free, so the member was told.", ephemeral=True)


@resume_group.action("accept", audience=owner(1))
async def accept(ctx: Context, req: ActionRequest) -> Reply:
    return await _answer(ctx, req, True)


@resume_group.action("decline", audience=owner(1))
async def decline(ctx: Context, req: ActionRequest) -> Reply:
    return await _answer(ctx, req, False)
