"""What check-in posts say: the prompt DM, its reminder, the buddy nudge and the weekly digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.commands import action_id
from bot.core.messages import Button, Modal, Reply, TextInput, mention
from bot.features.checkins.service import Digest

QUESTIONS = ("What did you do since last time?", "What's next?", "Anything blocking you?")
ANSWER_BUTTONS = (
    ("Done", "done", "success"),
    ("Some progress", "progress", "primary"),
    ("Blocked", "blocked", "danger"),
    ("Skip today", "skipped", "secondary"),
)
WHEN = {"daily": "daily", "weekdays": "daily", "weekly": "weekly"}


@dataclass(frozen=True)
class GoalLine:
    number: int
    text: str
    progress: int


def answer_buttons(period_id: int) -> tuple[Button, ...]:
    buttons = [
        Button(label, action_id("checkin.answer", period_id, status), style=style)  # type: ignore[arg-type]
        for label, status, style in ANSWER_BUTTONS
    ]
    buttons.append(
        Button(
            "Write an answer",
            action_id("checkin.compose", period_id),
            modal=Modal(
                title="Check-in",
                submit_action=action_id("checkin.write", period_id),
                inputs=(
                    TextInput("did", QUESTIONS[0]),
                    TextInput("next", QUESTIONS[1], required=False),
                    TextInput("blockers", QUESTIONS[2], required=False),
                ),
            ),
        )
    )
    return tuple(buttons)


def _prompt_text(
    name: str, frequency: str, goals: Sequence[GoalLine], private_goals: int, last_plan: str | None
) -> str:
    lines = [f"Hi {name}! Time for your {WHEN.get(frequency, 'daily')} check-in. ☕", ""]
    if goals:
        lines.append("**Your active goals**")
        lines += [f"- #{g.number} {g.text} ({g.progress}%)" for g in goals]
    elif not private_goals:
        lines.append("_No active goals yet — `goal add …` gives your check-ins a direction._")
    if private_goals:
        lines.append(f"_(plus {private_goals} private goal{'s' if private_goals != 1 else ''})_")
    if last_plan:
        lines += ["", f"Last time you planned: _{last_plan}_"]
    lines += ["", *(f"{i}. {q}" for i, q in enumerate(QUESTIONS, start=1)), ""]
    lines.append(
        "Press a button, write an answer, or use `checkin log TEXT` any time before your "
        "next check-in."
    )
    return "\n".join(lines)


def prompt(
    name: str,
    period_id: int,
    frequency: str,
    goals: Sequence[GoalLine],
    private_goals: int,
    last_plan: str | None,
) -> Reply:
    return Reply(
        title="Check-in",
        text=_prompt_text(name, frequency, goals, private_goals, last_plan),
        buttons=answer_buttons(period_id),
    )


def reminder(name: str, period_id: int) -> Reply:
    return Reply(
        title="Check-in reminder",
        text=f"Hi {name}, a gentle nudge: your check-in is still open. A one-word answer counts. "
        "(This is the only reminder for this check-in.)",
        buttons=answer_buttons(period_id),
    )


def buddy_nudge(member_user_id: str) -> Reply:
    return Reply(
        title="Your study buddy might like a hello",
        text=f"{mention(member_user_id)} has missed their last two check-ins. Nothing alarming — "
        "life happens. A short, friendly message (“how's it going?”) from a buddy often helps "
        "someone get back on track. No need to mention the check-ins.",
    )


def digest(summary: Digest) -> Reply:
    rate = summary.answered / summary.prompted if summary.prompted else 0.0
    lines = [
        f"**Participation:** {summary.answered_members} of {summary.members} members checked in; "
        f"{summary.answered} of {summary.prompted} check-ins answered ({rate:.0%}).",
    ]
    if summary.streaks:
        lines += ["", "**Top streaks** 🔥"]
        lines += [f"- {mention(user)}: {streak}" for user, streak in summary.streaks]
    if summary.blockers:
        lines += ["", "**Blockers raised** — can you help?"]
        lines += [f"- {mention(user)}: {text}" for user, text in summary.blockers]
    if summary.private_blocked:
        lines.append(f"_{summary.private_blocked} more blocker(s) were raised privately._")
    if not summary.prompted:
        lines = ["No check-ins this week. `checkin schedule daily 18:00` starts yours."]
    if summary.open_questions:
        lines += ["", "**Open questions** — helpers, these are in your topics:"]
        lines += [f"- #{number} {title} · _{topic}_ ({helpers} helper{'s' if helpers != 1 else ''} "
                  "cover it)" for number, title, topic, helpers in summary.open_questions]
    return Reply(
        title=f"Weekly check-in digest · {summary.week}",
        text="\n".join(lines),
        footer="Only members who chose `checkin share on` are named here; everyone counts in the numbers.",
    )
