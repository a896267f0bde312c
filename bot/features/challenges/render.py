"""How challenges read in chat: the daily post, the reveal, practice and previews.

Everything here is plain data in, `Reply` out, so the same text serves Discord,
Slack and the console, and tests can read exactly what a member would see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.commands import action_id
from bot.core.messages import Button, Field, Reply, mention
from bot.features.challenges.bank import LETTERS, ChallengeItem
from bot.features.challenges.grading import is_tuple_answer

DIFFICULTY_WORDS = {1: "warm-up", 2: "easy", 3: "medium", 4: "hard", 5: "tricky"}


def difficulty_label(difficulty: int) -> str:
    return f"{'★' * difficulty}{'☆' * (5 - difficulty)} {difficulty}/5 ({DIFFICULTY_WORDS[difficulty]})"


def topic_label(topic: str) -> str:
    return topic.replace("-", " ")


def prompt_text(item: ChallengeItem) -> str:
    """The question with its options lettered, as members read it."""
    text = item.prompt.strip()
    if item.kind == "choice":
        text += "\n\n" + "\n".join(f"**{LETTERS[i]})** {c}" for i, c in enumerate(item.choices))
    return text


def answer_hint(item: ChallengeItem, prefix: str, *, practice: bool = False) -> str:
    """How to answer this item; multiple choice adds typing as a second way."""
    flag = " --practice" if practice else ""
    if item.kind == "choice":
        return f"Press a button, or type `{prefix}challenge answer LETTER{flag}`."
    if item.kind == "numeric":
        fmt = (item.format or "").lower()
        if "whole" in fmt or "integer" in fmt:
            return f"Answer with `{prefix}challenge answer VALUE{flag}` — {item.format}, like 42."
        return (
            f"Answer with `{prefix}challenge answer VALUE{flag}` — {item.format}. "
            "0.25, .25, 1/4, 25% and 2.5e-1 all work."
        )
    if is_tuple_answer(item):
        return (
            f"Answer with `{prefix}challenge answer (A, B){flag}` — (10, 50), [10, 50], 10x50 "
            "and 10 by 50 all work."
        )
    return f"Answer with `{prefix}challenge answer YOUR ANSWER{flag}` (a word or short phrase)."


def answer_buttons(item: ChallengeItem, action: str, owner_id: int) -> tuple[Button, ...]:
    if item.kind != "choice":
        return ()
    return tuple(
        Button(LETTERS[i], action_id(action, owner_id, LETTERS[i]), style="primary")
        for i in range(len(item.choices))
    )


def _meta(item: ChallengeItem) -> tuple[Field, ...]:
    return (
        Field("Topic", topic_label(item.topic), inline=True),
        Field("Difficulty", difficulty_label(item.difficulty), inline=True),
    )


def daily_post(item: ChallengeItem, post_id: int, day: date, *, prefix: str, reveal: str) -> Reply:
    """The daily challenge as posted in the channel. The source link waits for the reveal."""
    return Reply(
        title=f"Daily challenge — {day:%A %d %B}",
        text=prompt_text(item),
        fields=_meta(item),
        buttons=answer_buttons(item, "challenge.answer", post_id),
        footer=f"{answer_hint(item, prefix)} One attempt each; the answer is revealed {reveal}.",
    )


@dataclass(frozen=True)
class RevealStats:
    answered: int
    correct: int
    first_solvers: Sequence[str]  # platform user ids, earliest first


def reveal_post(item: ChallengeItem, day: date, stats: RevealStats) -> Reply:
    if stats.answered:
        share = f"{stats.correct} of {stats.answered} answered correctly ({stats.correct / stats.answered:.0%})."
    else:
        share = "Nobody answered this one."
    fields = [
        Field("Answer", item.answer_text),
        Field("Why", item.explanation.strip()),
        Field("Results", share),
    ]
    if stats.first_solvers:
        fields.append(Field("First correct", ", ".join(mention(u) for u in stats.first_solvers)))
    fields.append(Field("Read more", item.source))
    return Reply(
        title=f"Answer to the challenge of {day:%A %d %B}",
        text=item.prompt.strip(),
        fields=tuple(fields),
    )


def practice_post(item: ChallengeItem, practice_id: int, *, prefix: str, rating_note: str) -> Reply:
    return Reply(
        title=f"Practice — {topic_label(item.topic)}",
        text=prompt_text(item),
        fields=_meta(item),
        buttons=answer_buttons(item, "challenge.practice", practice_id),
        footer=f"{answer_hint(item, prefix, practice=True)} Practice stays off the leaderboard but moves your topic rating: {rating_note}",
        ephemeral=True,
    )


def preview(item: ChallengeItem, heading: str) -> Reply:
    """An admin's look at an item, answer and all (only ever sent ephemerally)."""
    fields = [
        *_meta(item),
        Field("Id", f"`{item.id}`", inline=True),
        Field("Answer", item.answer_text),
    ]
    if item.kind == "numeric":
        fields.append(Field("Format and tolerance", f"{item.format}; ± {item.grading_tolerance:g}"))
    if item.accept:
        fields.append(Field("Also accepted", ", ".join(item.accept)))
    fields += [Field("Explanation", item.explanation.strip()), Field("Source", item.source)]
    return Reply(title=heading, text=prompt_text(item), fields=tuple(fields), ephemeral=True)


def local_time(when: datetime, tz: str) -> str:
    local = when.astimezone(ZoneInfo(tz))
    return f"{local:%a %d %b %H:%M} ({tz})"
