"""Grading a member's answer against a challenge item.

Grading is forgiving about *how* an answer is written (``1/4``, ``25%``,
``.25``, ``b``, ``2``, the option's text) and strict about *what* it says.
Input that is not an answer at all raises ``InvalidInput`` so the caller can
refuse it without spending the member's one attempt.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from bot.core.errors import InvalidInput
from bot.features.challenges.bank import LETTERS, ChallengeItem

_DECIMAL_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+)(\.\d*)?$")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
# Keeps a decimal point between digits ("1.5") but drops every other punctuation mark.
_SHORT_DROP_RE = re.compile(r"(?<!\d)[.](?!\d)|[^\w\s.]|_")


@dataclass(frozen=True)
class Grade:
    """The outcome of one answer: whether it is right, and the answer as we understood it."""

    correct: bool
    given: str


def _unreadable(text: str) -> InvalidInput:
    return InvalidInput(f"I couldn't read '{text}' as a number — try 0.25, 1/4 or 25%.")


def _parse_plain(text: str, original: str) -> float:
    thousands = _THOUSANDS_RE.match(text)
    if thousands:
        sign, digits, fraction = thousands.groups()
        text = sign + digits.replace(",", "") + (fraction or "")
    if not _DECIMAL_RE.match(text):
        raise _unreadable(original)
    return float(text)


def parse_number(text: str) -> float:
    """Read a number the way people type it: ``0.25``, ``.25``, ``1/4``, ``25%``, ``1,000``, ``−3``."""
    original = text.strip()
    cleaned = unicodedata.normalize("NFKC", original).translate(_MINUS_SIGNS)
    cleaned = re.sub(r"\s*([/%])\s*", r"\1", re.sub(r"^([+-])\s+", r"\1", cleaned))
    if not cleaned:
        raise InvalidInput("Your answer is empty — type a number such as 0.25, 1/4 or 25%.")
    if cleaned.endswith("%"):
        value = _parse_plain(cleaned[:-1], original) / 100
    elif cleaned.count("/") == 1:
        numerator, denominator = cleaned.split("/")
        top = _parse_plain(numerator, original)
        bottom = _parse_plain(denominator, original)
        if bottom == 0:
            raise InvalidInput(f"'{original}' divides by zero — type a number such as 0.25 or 1/4.")
        value = top / bottom
    else:
        value = _parse_plain(cleaned, original)
    if not math.isfinite(value):
        raise _unreadable(original)
    return value


def _format_number(value: float) -> str:
    return f"{value:.10g}"


def _short_key(text: str) -> str:
    """Case-, spacing- and punctuation-insensitive form of a short answer."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(_SHORT_DROP_RE.sub(" ", folded).split())


def _grade_choice(item: ChallengeItem, raw: str) -> Grade:
    text = raw.strip()
    letters = LETTERS[: len(item.choices)]
    upper = text.upper().rstrip(").")
    if len(upper) == 1 and upper in letters:
        letter = upper
    elif upper.isdigit() and 1 <= int(upper) <= len(item.choices):
        letter = letters[int(upper) - 1]
    else:
        wanted = " ".join(text.casefold().split())
        matches = [
            letters[index]
            for index, choice in enumerate(item.choices)
            if " ".join(choice.casefold().split()) == wanted
        ]
        if not matches:
            raise InvalidInput(
                f"Answer with a letter {letters[0]}–{letters[-1]}, "
                f"a number 1–{len(letters)}, or the exact text of an option."
            )
        letter = matches[0]
    return Grade(correct=letter == item.answer, given=letter)


def _grade_numeric(item: ChallengeItem, raw: str) -> Grade:
    value = parse_number(raw)
    candidates = [value]
    # "25%" means 0.25 for a probability, but 25 when the answer itself is a percentage.
    if item.in_percent and raw.strip().endswith("%"):
        candidates = [value * 100]
    expected = item.true_value
    # A hair of slack so an answer exactly half a unit away (a tie when rounding) still passes.
    slack = 1e-9 * max(1.0, abs(expected))
    tolerance = item.grading_tolerance + slack
    correct = any(abs(candidate - expected) <= tolerance for candidate in candidates)
    return Grade(correct=correct, given=_format_number(candidates[0]))


# One element of a tuple: an integer or a decimal, maybe negative.
_ELEMENT_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
_TUPLE_ANSWER_RE = re.compile(r"^[(\[]\s*[^()\[\]]*,[^()\[\]]*[)\]]$")
_TUPLE_SEPARATOR_RE = re.compile(r"\s*(?:[x×*]|\bby\b)\s*")


def parse_tuple(text: str) -> tuple[float, ...] | None:
    """Read a shape or tuple the ways people write one: ``(10, 50)``, ``[10, 50]``,
    ``10, 50``, ``10x50``, ``10 × 50``, ``10 by 50``, ``(4,)``. None when it is not one."""
    cleaned = unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).strip().casefold()
    if cleaned[:1] + cleaned[-1:] in {"()", "[]"}:
        cleaned = cleaned[1:-1].strip()
    if "," in cleaned:
        parts = [part.strip() for part in cleaned.split(",")]
        if len(parts) > 1 and parts[-1] == "":
            parts.pop()  # "(4,)" is a one-element tuple
    else:
        parts = [part.strip() for part in _TUPLE_SEPARATOR_RE.split(cleaned)]
    if not parts or not all(_ELEMENT_RE.match(part) for part in parts):
        return None
    return tuple(float(part) for part in parts)


def is_tuple_answer(item: ChallengeItem) -> bool:
    """Short answers written as a tuple, like ``(10, 50)`` or ``(4,)``, are graded as tuples."""
    return item.kind == "short" and bool(_TUPLE_ANSWER_RE.match(item.answer.strip()))


def _grade_tuple(item: ChallengeItem, raw: str) -> Grade:
    given = parse_tuple(raw)
    if given is None:
        raise InvalidInput(
            f"I couldn't read '{raw.strip()}' as a tuple — write it like {item.answer}, "
            "[a, b], a x b or a by b."
        )
    expected = parse_tuple(item.answer)
    text = (
        "(" + ", ".join(_format_number(v) for v in given) + ("," if len(given) == 1 else "") + ")"
    )
    return Grade(correct=given == expected, given=text)


def _grade_short(item: ChallengeItem, raw: str) -> Grade:
    if is_tuple_answer(item):
        return _grade_tuple(item, raw)
    key = _short_key(raw)
    if not key:
        raise InvalidInput("Your answer is empty — type a word or short phrase.")
    accepted = {_short_key(spelling) for spelling in (item.answer, *item.accept)}
    given = " ".join(unicodedata.normalize("NFKC", raw).split())
    return Grade(correct=key in accepted, given=given)


def grade(item: ChallengeItem, raw: str) -> Grade:
    """Grade ``raw`` against ``item``; raises ``InvalidInput`` when ``raw`` is not an answer."""
    if not raw or not raw.strip():
        raise InvalidInput("Your answer is empty.")
    if item.kind == "choice":
        return _grade_choice(item, raw)
    if item.kind == "numeric":
        return _grade_numeric(item, raw)
    return _grade_short(item, raw)


def is_valid_answer(item: ChallengeItem, raw: str) -> bool:
    """Whether ``raw`` is a well-formed answer to ``item`` (right or wrong)."""
    try:
        grade(item, raw)
    except InvalidInput:
        return False
    return True
