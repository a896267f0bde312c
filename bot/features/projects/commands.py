"""`project …`, `portfolio …` and `admin portfolio community …`."""

from __future__ import annotations

from bot.core.commands import ANYONE, ActionRequest, Choice, CommandGroup, Param, owner
from bot.core.context import Context
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.messages import Field, Reply, mention
from bot.core.tenancy import Member
from bot.features.projects import ideas as idea_data
from bot.features.projects.models import Project
from bot.features.projects.service import portfolio, posts, repos, reviews
from bot.features.projects.service import projects as service
from bot.features.roadmap.milestones import STEP_TITLES, STEPS

project = CommandGroup("project", "Plan, log, showcase and get reviews on your portfolio projects",
                       default="list")
portfolio_group = CommandGroup("portfolio", "Your public portfolio page", default="show")
admin_portfolio = CommandGroup("admin", "Community settings (admins only)", default="show")


async def _my_project_numbers(ctx: Context, partial: str) -> list[Choice]:
    mine = await service.projects_of(ctx.session, ctx.member, ctx.member, include_closed=False)
    needle = partial.strip().lstrip("#").lower()
    return [Choice(f"#{p.number} {p.title}"[:100], str(p.number)) for p in mine
            if needle in str(p.number) or needle in p.title.lower()]


PROJECT_ID = Param.integer("id", "The project's number, as `project list` shows it", min_value=1,
                           autocomplete=_my_project_numbers)
REPO = Param.text("repo", "GitHub repository URL (https://github.com/you/project)", required=False,
                  max_length=200)
PROBLEM = Param.text("problem", "The problem it solves, in a sentence or two", required=False,
                     max_length=1000)
DATASET = Param.text("dataset", "The data it uses (name or link)", required=False, max_length=500)
STEP = Param.choice("step", "Roadmap step it belongs to", STEPS, required=False)
GOAL = Param.integer("goal", "The number of a goal of yours it serves", required=False, min_value=1)


def _earned(title: str | None) -> str:
    return f"\n\n🏁 Roadmap milestone ticked: **{title}**" if title else ""


def details(project: Project) -> str:
    """Status, step, repo, goal, showcase and visibility on one line ("" when there's nothing)."""
    details = []
    if project.status != "active":
        details.append({"done": "✅ done", "dropped": "dropped"}[project.status])
    if project.step:
        details.append(STEP_TITLES[project.step])
    if project.repo:
        details.append(f"github.com/{project.repo}")
    if project.goal_number:
        details.append(f"goal #{project.goal_number}")
    if project.showcased_at:
        details.append("🚀 showcased")
    if project.private:
        details.append("🔒 private")
    return " · ".join(details)


def describe(project: Project) -> str:
    line = f"**#{project.number}** {project.title}"
    extra = details(project)
    return line + ("\n    " + extra if extra else "")


@project.command(
    "add", "Add a project (visible to the community unless --private)",
    Param.text("title", "What you're building", greedy=True, max_length=200),
    REPO, PROBLEM, DATASET, STEP, GOAL,
    Param.flag("private", "Only you can see it"),
)
async def add(ctx: Context, title: str, repo: str | None, problem: str | None, dataset: str | None,
              step: str | None, goal: int | None, private: bool) -> Reply:
    created, earned = await service.add_project(ctx.session, ctx.member, title, now=ctx.now(), repo=repo,
                                                problem=problem, dataset=dataset, step=step, goal=goal,
                                                private=private)
    return Reply(
        title=f"Project #{created.number} added",
        text=describe(created)
        + f"\n\nLog progress with `{ctx.prefix}project log {created.number} \"what you did\"`; "
          f"`{ctx.prefix}project show {created.number}` shows its GitHub checklist."
        + _earned(earned),
        ephemeral=private,
    )


@project.command(
    "list", "Your projects, or another member's public ones",
    Param.member("member", "Whose projects (default: yours)", required=False),
    Param.flag("all", "Include dropped projects"),
    ephemeral=True,
)
async def list_projects(ctx: Context, member: Member | None, all: bool) -> Reply:
    who = member or ctx.member
    found = await service.projects_of(ctx.session, who, ctx.member, include_dropped=all)
    whose = "Your projects" if who.id == ctx.member.id else f"{who.display_name}'s projects"
    if not found:
        hint = (f"Add one with `{ctx.prefix}project add \"Log anomaly detector\" --repo "
                f"https://github.com/you/repo`, or browse `{ctx.prefix}project ideas`."
                if who.id == ctx.member.id else "Nothing public yet.")
        return Reply(title=whose, text=f"No projects yet. {hint}", ephemeral=True)
    return Reply(title=whose, text="\n".join(describe(p) for p in found), ephemeral=True)


async def _refresh(ctx: Context, project: Project) -> None:
    if project.repo:
        await repos.refresh(ctx.session, ctx.resources.get("projects"), project.repo_owner or "",
                            project.repo_name or "", now=ctx.now())


@project.command("show", "A project's details, latest log entries and GitHub checklist", PROJECT_ID,
                 slow=True, ephemeral=True)
async def show(ctx: Context, id: int) -> Reply:
    found = await service.visible_project(ctx.session, ctx.member, id)
    await _refresh(ctx, found)
    owner_member = await service.owner_of(ctx.session, found)
    text = await posts.card_text(ctx.session, found, ctx.now(), logs=5)
    fields = []
    done = [r for r, _ in await reviews.reviews_of(ctx.session, found)]
    if done:
        avg = reviews.averages(done)["overall"]
        fields.append(Field("Peer reviews", f"{len(done)} · average {avg:.1f}/5 — "
                                            f"`{ctx.prefix}project reviews {found.number}`"))
    return Reply(title=f"Project #{found.number}: {found.title}",
                 text=" · ".join(filter(None, [f"by {mention(owner_member.platform_user_id)}", details(found)]))
                 + f"\n\n{text}",
                 fields=tuple(fields), ephemeral=True)


@project.command(
    "edit", "Change a project's title, repo, problem, data, step, goal or visibility",
    PROJECT_ID,
    Param.text("title", "New title", required=False, max_length=200),
    REPO, PROBLEM, DATASET, STEP, GOAL,
    Param.flag("private", "Make it private"),
    Param.flag("public", "Make it public"),
    ephemeral=True,
)
async def edit(ctx: Context, id: int, title: str | None, repo: str | None, problem: str | None,
               dataset: str | None, step: str | None, goal: int | None, private: bool,
               public: bool) -> Reply:
    if private and public:
        raise InvalidInput("Choose one of --private or --public.")
    visibility = True if private else False if public else None
    changed = await service.edit_project(ctx.session, ctx.member, id, now=ctx.now(), title=title,
                                         repo=repo, problem=problem, dataset=dataset, step=step,
                                         goal=goal, private=visibility)
    return Reply(text="Project updated.\n" + describe(changed))


@project.command(
    "log", "Add a dated devlog entry to a project",
    PROJECT_ID,
    Param.text("text", "What you did, tried or learned", greedy=True, max_length=service.MAX_LOG),
)
async def log_entry(ctx: Context, id: int, text: str) -> Reply:
    found, entry = await service.add_log(ctx.session, ctx.member, id, text, now=ctx.now())
    return Reply(text=f"📝 Logged on project #{found.number} ({entry.created_at.astimezone(ctx.tz):%Y-%m-%d}).",
                 ephemeral=found.private)


@project.command("done", "Mark a project as finished", PROJECT_ID)
async def done(ctx: Context, id: int) -> Reply:
    closed = await service.close_project(ctx.session, ctx.member, id, "done", now=ctx.now())
    return Reply(text=f"🎉 Project #{closed.number} finished: {closed.title}. "
                      f"Showcase it with `{ctx.prefix}project showcase {closed.number}`.",
                 ephemeral=closed.private)


@project.command("drop", "Drop a project you no longer pursue", PROJECT_ID, ephemeral=True)
async def drop(ctx: Context, id: int) -> Reply:
    closed = await service.close_project(ctx.session, ctx.member, id, "dropped", now=ctx.now())
    return Reply(text=f"Project #{closed.number} dropped. Knowing what to stop is a skill too.")


@project.command(
    "ideas", "Project ideas for backend engineers: problem, free dataset, baseline, metric",
    Param.choice("focus", "What kind of data", idea_data.FOCUSES, required=False),
    Param.choice("level", "How hard", idea_data.LEVELS, required=False),
    ephemeral=True,
)
async def ideas(ctx: Context, focus: str | None, level: str | None) -> Reply:
    found = idea_data.matching(focus, level)
    if not found:
        return Reply(text="No idea matches that; try without --level.", ephemeral=True)
    # A different handful each day, the same all day.
    start = ctx.today().toordinal() % len(found)
    picked = (found[start:] + found[:start])[:3]
    blocks = []
    for idea in picked:
        blocks.append(
            f"**{idea.title}** ({idea.focus}, {idea.level})\n{idea.problem}\n"
            f"- Data: {idea.dataset} — {idea.url} ({idea.licence})\n"
            f"- Baseline to beat: {idea.baseline}\n- Metric: {idea.metric}\n"
            f"- Why it gets noticed: {idea.why}"
        )
    hint = (f"Start one with `{ctx.prefix}project add \"{picked[0].title}\" --dataset \"{picked[0].url}\"`."
            f" {len(found)} ideas match; filter with --focus and --level.")
    return Reply(title="Project ideas", text="\n\n".join(blocks), footer=hint, ephemeral=True)


@project.command("showcase", "Post a project to the showcase channel for discussion and review",
                 PROJECT_ID)
async def showcase(ctx: Context, id: int) -> Reply:
    found, channel, earned = await posts.showcase(ctx.session, ctx.community, ctx.member, id,
                                                  now=ctx.now(), prefix=ctx.prefix)
    return Reply(text=f"🚀 Project #{found.number} is on its way to <#{channel}>, with a discussion "
                      f"thread and a Review button. Ask for two reviewers with "
                      f"`{ctx.prefix}project review-request {found.number}`." + _earned(earned),
                 ephemeral=True)


@project.command("review", "Review someone's project: five criteria, each 1–5 with a comment",
                 PROJECT_ID, ephemeral=True)
async def review(ctx: Context, id: int) -> Reply:
    found = await service.visible_project(ctx.session, ctx.member, id)
    if found.member_id == ctx.member.id:
        raise NotAllowed("You can't review your own project.")
    if await reviews.has_reviewed(ctx.session, ctx.member, found):
        raise NotAllowed(f"You've already reviewed project #{found.number}; one review per project.")
    criteria = "\n".join(f"- **{c.title}**: {c.question}" for c in reviews.CRITERIA)
    return Reply(
        title=f"Review project #{found.number}: {found.title}",
        text=await posts.card_text(ctx.session, found, ctx.now())
        + f"\n\nScore each criterion 1–5 and add a comment, like `4 clear metric, no baseline yet`:\n{criteria}",
        buttons=(posts.review_button(found),),
        ephemeral=True,
    )


@project.action("review", audience=ANYONE)
async def review_submit(ctx: Context, req: ActionRequest) -> Reply:
    if not req.args or not req.args[0].isdigit():
        raise InvalidInput("That review form is broken; open it again with `project review ID`.")
    if not req.values:
        return await review(ctx, int(req.args[0]))
    found = await service.visible_project(ctx.session, ctx.member, int(req.args[0]))
    submitted = await reviews.submit_review(ctx.session, ctx.member, found, dict(req.values), now=ctx.now())
    await posts.deliver_review(ctx.session, ctx.community, found, submitted.review, ctx.member, now=ctx.now(),
                               milestone=submitted.owner_milestone)
    avg = sum(int(v["score"]) for v in submitted.review.scores.values()) / len(reviews.CRITERIA)
    return Reply(text=f"Thanks — your review of project #{found.number} ({avg:.1f}/5 on average) is on its "
                      "way to its owner." + _earned(submitted.reviewer_milestone), ephemeral=True)


@project.command("reviews", "A project's peer reviews: averages per criterion and every comment",
                 PROJECT_ID, ephemeral=True)
async def list_reviews(ctx: Context, id: int) -> Reply:
    found = await service.visible_project(ctx.session, ctx.member, id)
    pairs = await reviews.reviews_of(ctx.session, found)
    if not pairs:
        return Reply(title=f"Reviews of project #{found.number}",
                     text=f"No reviews yet. Ask for two with `{ctx.prefix}project review-request {found.number}`.",
                     ephemeral=True)
    avg = reviews.averages([r for r, _ in pairs])
    fields = []
    for c in reviews.CRITERIA:
        comments = "\n".join(f"- {r.scores[c.key]['score']}/5 {mention(m.platform_user_id)}: "
                             f"{r.scores[c.key]['comment']}" for r, m in pairs)
        fields.append(Field(f"{c.title} — {avg[c.key]:.1f}/5", comments))
    return Reply(title=f"Reviews of project #{found.number}: {found.title}",
                 text=f"{len(pairs)} review{'s' if len(pairs) != 1 else ''} · overall {avg['overall']:.1f}/5",
                 fields=tuple(fields), ephemeral=True)


@project.command("review-request", "Ask Pivot to find two reviewers for your project", PROJECT_ID,
                 ephemeral=True)
async def review_request(ctx: Context, id: int) -> Reply:
    found = await service.own_project(ctx.session, ctx.member, id)
    asked = await reviews.request_reviews(ctx.session, found, ctx.member, now=ctx.now())
    for request, reviewer in asked:
        await posts.ask_reviewer(ctx.session, ctx.community, found, request, reviewer, now=ctx.now())
    if not asked:
        return Reply(text="No reviewer is free right now: nobody else who opted in with "
                          f"`{ctx.prefix}project reviewer on` fits this project. Pivot keeps trying when "
                          "someone declines or a request runs out; you can also ask again later.",
                     ephemeral=True)
    names = " and ".join(mention(m.platform_user_id) for _, m in asked)
    return Reply(text=f"Asked {names} to review project #{found.number}. You'll get each review by DM.",
                 ephemeral=True)


@project.action("request", audience=owner(1))
async def answer_request(ctx: Context, req: ActionRequest) -> Reply:
    if len(req.args) < 3 or not req.args[0].isdigit():
        raise InvalidInput("That request is broken.")
    accept = req.args[2] == "yes"
    request, found, replacements = await reviews.answer_request(ctx.session, ctx.member, int(req.args[0]),
                                                                accept, now=ctx.now())
    for new, reviewer in replacements:
        await posts.ask_reviewer(ctx.session, ctx.community, found, new, reviewer, now=ctx.now())
    if not accept:
        return Reply(text="No problem — Pivot will ask someone else.", ephemeral=True)
    return Reply(
        title=f"Thanks! Review project #{found.number}: {found.title}",
        text=await posts.card_text(ctx.session, found, ctx.now())
        + "\n\nPress Review when you're ready: five criteria, a score 1–5 and a comment each.",
        buttons=(posts.review_button(found),),
        ephemeral=True,
    )


@project.command(
    "reviewer", "Opt in (or out) to be asked for project reviews",
    Param.choice("switch", "on or off", ("on", "off")),
    Param.text("focus", "Roadmap steps you like to review, e.g. projects,jobs (default: any)",
               required=False, max_length=100),
    ephemeral=True,
)
async def reviewer(ctx: Context, switch: str, focus: str | None) -> Reply:
    row = await reviews.set_reviewer(ctx.session, ctx.member, switch == "on", focus=focus, now=ctx.now())
    if not row.active:
        return Reply(text="You won't be asked for reviews any more. You can still press Review on any card.",
                     ephemeral=True)
    scope = row.focus.replace(",", ", ") if row.focus else "any project"
    return Reply(text=f"You're a reviewer now ({scope}). Pivot asks at most your fair share and you can "
                      "always decline.", ephemeral=True)


# --- portfolio -------------------------------------------------------------------------------------


def page_url(ctx: Context, path: str) -> str | None:
    """Where members reach a page: the running HTTP server's address, or http.public_url."""
    web = ctx.resources.get("web")
    if web is not None and (getattr(web, "wanted", False) or getattr(web, "running", False)):
        return str(web.url(path))
    public = ctx.settings.http.public_url
    return public.rstrip("/") + path if public else None


def _link_line(url: str | None) -> str:
    if url is None:
        return ("This Pivot has no web address yet: the operator sets http.public_url (or "
                "PIVOT_HTTP_PORT) to serve pages.")
    return f"Your page: {url}"


@portfolio_group.command("show", "The link to your portfolio page and what it shows", ephemeral=True)
async def portfolio_show(ctx: Context) -> Reply:
    row = await portfolio.portfolio_of(ctx.session, ctx.member)
    if row is None or not row.enabled:
        return Reply(text=f"Your portfolio page is off. Publish it with `{ctx.prefix}portfolio on "
                          "--name \"Your Name\"`: it shows your public projects with GitHub facts and "
                          "review scores, roadmap progress, challenge stats, check-in streak and Kaggle "
                          "entries — never anything private.", ephemeral=True)
    index = "search engines may index it" if row.indexable else "hidden from search engines (noindex)"
    return Reply(title="Your portfolio", text=f"{_link_line(page_url(ctx, f'/p/{row.slug}'))}\n"
                                              f"Shown as **{row.display_name}** · {index}.",
                 ephemeral=True)


@portfolio_group.command(
    "on", "Publish your portfolio page",
    Param.text("name", "The name shown on the page (default: your display name)", required=False,
               max_length=80),
    Param.flag("index", "Let search engines index the page"),
    ephemeral=True,
)
async def portfolio_on(ctx: Context, name: str | None, index: bool) -> Reply:
    if name is not None and "\n" in name:
        raise InvalidInput("--name is one line.")
    row, earned = await portfolio.set_portfolio(ctx.session, ctx.member, True, now=ctx.now(), name=name,
                                                index=index)
    return Reply(text=f"Portfolio published. {_link_line(page_url(ctx, f'/p/{row.slug}'))}" + _earned(earned),
                 ephemeral=True)


@portfolio_group.command("off", "Take your portfolio page down", ephemeral=True)
async def portfolio_off(ctx: Context) -> Reply:
    row = await portfolio.portfolio_of(ctx.session, ctx.member)
    if row is None or not row.enabled:
        return Reply(text="Your portfolio page is already off.", ephemeral=True)
    await portfolio.set_portfolio(ctx.session, ctx.member, False, now=ctx.now())
    return Reply(text="Portfolio page taken down; its link now answers 404.", ephemeral=True)


@admin_portfolio.command(
    "portfolio community", "Publish (or take down) this community's public page",
    Param.choice("switch", "on or off", ("on", "off")),
    ephemeral=True,
)
async def community_page(ctx: Context, switch: str) -> Reply:
    row = await portfolio.set_community_page(ctx.session, ctx.community, switch == "on", now=ctx.now())
    if not row.enabled:
        return Reply(text="The community page is off; its link answers 404.", ephemeral=True)
    url = page_url(ctx, f"/c/{row.slug}")
    where = f"Community page: {url}" if url else _link_line(None)
    return Reply(text=f"{where}\nIt shows the challenge leaderboard and showcased public projects; members "
                      "appear by name only if they published their own portfolio.", ephemeral=True)

