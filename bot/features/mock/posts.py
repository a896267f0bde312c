"""What mock-interview posts say: the pair's intro, each interviewer's prompt, the
feedback form, the feedback a member receives, and the no-show pause notice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.commands import action_id
from bot.core.messages import Button, Field, Modal, Reply, TextInput, mention
from bot.core.tenancy import Member
from bot.features.mock.bank import Criterion, Prompt
from bot.features.mock.models import LEVELS

SESSION_MINUTES = 60


def local(when: datetime, tz: str) -> str:
    """`Tue 2026-03-03 18:00 (Europe/Berlin)`."""
    return f"{when.astimezone(ZoneInfo(tz)):%a %Y-%m-%d %H:%M} ({tz})"


def slot_line(when: datetime, people: Sequence[tuple[Member, str]]) -> str:
    """The proposed slot in every member's own local time."""
    return " = ".join(f"{local(when, tz)} for {m.display_name}" for m, tz in people)


def intro(
    people: Sequence[tuple[Member, str, str, int]], slot_at: datetime, overlap_hours: float
) -> Reply:
    """`people`: (member, time zone, interview type, level) for both members."""
    (a, tz_a, type_a, level_a), (b, tz_b, type_b, level_b) = people
    lines = [
        f"{mention(a.platform_user_id)} and {mention(b.platform_user_id)} — you're mock-interview "
        "partners this week.",
        "",
        f"**Proposed slot ({SESSION_MINUTES} min):** "
        + slot_line(slot_at, [(a, tz_a), (b, tz_b)])
        + ".",
        f"You can both make about {overlap_hours:.0f} h of the coming week; if this slot "
        "doesn't suit, agree another one here.",
        "",
        f"**Format:** 25 minutes each way, then 5 minutes of feedback each. "
        f"{a.display_name} practises {type_a} ({LEVELS[level_a]}), "
        f"{b.display_name} practises {type_b} ({LEVELS[level_b]}).",
        "Each of you gets the question to ask the other by DM, with interviewer notes and a "
        "rubric — don't share it before the call. After the slot Pivot sends you a short "
        "feedback form; your feedback goes only to your partner.",
    ]
    return Reply(title="🎤 Your mock interview this week", text="\n".join(lines))


def rubric_text(criteria: Sequence[Criterion]) -> str:
    return "\n".join(
        f"{i}. **{c.name}** — 1: {c.one} 3: {c.three} 5: {c.five}"
        for i, c in enumerate(criteria, start=1)
    )


def interviewer_brief(
    partner: Member, partner_tz: str, slot_at: datetime, prompt: Prompt, rubric: Sequence[Criterion]
) -> Reply:
    """The DM with the question one member asks the other."""
    text = (
        f"You interview **{partner.display_name}** ({prompt.type}) at "
        f"{local(slot_at, partner_tz)} their time. Ask this question as written, then use the "
        "follow-ups. Keep the notes to yourself until the feedback.\n\n"
        f"**{prompt.title}**\n> " + prompt.question.replace("\n", "\n> ")
    )
    return Reply(
        title="🎤 Your question to ask",
        text=text,
        fields=(
            Field("Follow-ups", "\n".join(f"- {f}" for f in prompt.follow_ups)),
            Field("A strong answer covers", "\n".join(f"- {s}" for s in prompt.strong_answer)),
            Field("Common traps", "\n".join(f"- {t}" for t in prompt.traps)),
            Field("Rubric (score each 1-5)", rubric_text(rubric)),
        ),
    )


def feedback_form(
    session_id: int, member: Member, partner: Member, prompt: Prompt, rubric: Sequence[Criterion]
) -> Reply:
    """The DM after the slot: score the partner, or say they didn't show up."""
    names = ", ".join(c.name for c in rubric)
    text = (
        f"How did your mock interview with **{partner.display_name}** go? Score their answer to "
        f"_{prompt.title}_ on the rubric, one number 1-5 per criterion in this order: "
        f"{names}. Add one strength and one thing to improve. Only {partner.display_name} "
        "sees it."
    )
    form = Modal(
        title="Mock interview feedback",
        submit_action=action_id("mock.feedback", session_id, member.id),
        inputs=(
            TextInput(
                "scores",
                "Scores 1-5 in rubric order, e.g. 4 3 5",
                long=False,
                max_length=20,
                placeholder=names[:100],
            ),
            TextInput("strength", "One strength", max_length=1000),
            TextInput("improve", "One thing to improve", max_length=1000),
        ),
    )
    return Reply(
        title="Mock interview feedback",
        text=text,
        buttons=(
            Button(
                "Give feedback",
                action_id("mock.compose", session_id, member.id),
                style="primary",
                modal=form,
            ),
            Button(
                "They didn't show up",
                action_id("mock.noshow", session_id, member.id),
                style="danger",
            ),
        ),
    )


def feedback_received(
    author: Member, prompt: Prompt, rubric: Sequence[Criterion], scores: Sequence[int],
    strength: str, improve: str,
) -> Reply:
    lines = "\n".join(f"- {c.name}: {s}/5" for c, s in zip(rubric, scores, strict=True))
    return Reply(
        title="Feedback on your mock interview",
        text=f"{author.display_name} interviewed you on _{prompt.title}_.",
        fields=(
            Field("Scores", lines),
            Field("A strength", strength),
            Field("One thing to improve", improve),
        ),
    )


def paused_for_no_shows(prefix: str = "") -> Reply:
    return Reply(
        title="Mock interviews paused",
        text=(
            "Your partners reported that you missed your last two mock interviews, so you're "
            "paused from the weekly rounds. Your partner set time aside — when you're ready "
            f"again, `{prefix}mock join` puts you back in."
        ),
    )
