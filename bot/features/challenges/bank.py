"""The challenge bank: one validated model per item, loaded from TOML data files.

Questions are data, not code (``bank/*.toml``). Every rule of the shared bank
format is enforced here, at load, so a wrong or unrenderable item fails a test
instead of reaching a member. Generated problems (see ``generators.py``) are
built as the same model, so they pass the same checks.
"""

from __future__ import annotations

import math
import random
import re
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

STEPS: tuple[str, ...] = ("basics", "math", "projects", "community", "jobs")

TOPICS: dict[str, str] = {
    **dict.fromkeys(
        (
            "learning-types",
            "bias-variance",
            "regularization",
            "validation",
            "metrics",
            "linear-models",
            "trees-ensembles",
            "clustering",
            "dimensionality-reduction",
            "neural-networks",
            "optimization",
            "deep-learning",
            "transformers-llms",
        ),
        "basics",
    ),
    **dict.fromkeys(("linear-algebra", "calculus", "probability", "statistics"), "math"),
    **dict.fromkeys(
        (
            "data-leakage",
            "preprocessing",
            "imbalance",
            "numpy-pandas",
            "scikit-learn",
            "pytorch",
            "sql-for-ml",
            "code-reading",
        ),
        "projects",
    ),
    **dict.fromkeys(("kaggle", "open-source-github", "asking-and-sharing"), "community"),
    **dict.fromkeys(
        ("ml-system-design", "monitoring-drift", "experimentation", "ml-interviews"), "jobs"
    ),
}

MAX_PROMPT_CHARS = 1200
LETTERS = "ABCDE"
GENERATED_PREFIX = "gen-"

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A leading "A)", "b." or "C:" inside an option would double the letter the bot adds.
_LETTERED_CHOICE_RE = re.compile(r"^\s*[A-Ea-e]\s*[).:]\s")
# Markers of LaTeX that Discord and Slack would show raw. Prices like "$100" stay legal.
_LATEX_RE = re.compile(
    r"\$\$"
    r"|\$[A-Za-z\\][^$\n]*\$"
    r"|\\[()\[\]]"
    r"|\\(?:begin|end)\{"
    r"|\\(?:frac|dfrac|sqrt|sum|prod|int|cdot|times|mathbf|mathrm|mathbb|mathcal|text|left|right"
    r"|hat|bar|vec|partial|nabla|alpha|beta|gamma|delta|epsilon|theta|lambda|mu|sigma|pi|infty"
    r"|leq?|geq?|neq|approx|log|exp|ln)(?![A-Za-z])"
    r"|[_^]\{"
)


class BankError(ValueError):
    """A bank file or item breaks the bank format; the message names the file and item id."""


def _reject_latex(field: str, text: str) -> None:
    match = _LATEX_RE.search(text)
    if match:
        raise ValueError(
            f"{field} contains LaTeX ({match.group(0)!r}); chat does not render it, "
            "write Unicode math or a code block instead"
        )


class ChallengeItem(BaseModel):
    """One challenge, exactly as the bank format describes it.

    ``answer`` is always a string: the option letter for ``choice``, the
    canonical text for ``short`` and the number's text for ``numeric`` (TOML
    numbers are converted on the way in), so the model stays hashable and a
    stored answer round-trips unchanged.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    topic: str
    step: str
    difficulty: StrictInt = Field(ge=1, le=5)
    kind: Literal["choice", "numeric", "short"]
    prompt: str = Field(min_length=1)
    choices: tuple[str, ...] = ()
    answer: str = Field(min_length=1)
    accept: tuple[str, ...] = ()
    tolerance: float | None = None
    format: str | None = None
    explanation: str = Field(min_length=1)
    source: str
    # The unrounded value of a numeric answer, when ``answer`` is its rounded display
    # (generated problems): grading centres its tolerance here, not on the rounding.
    exact: float | None = None

    @field_validator("answer", mode="before")
    @classmethod
    def _number_to_text(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("answer must be a letter, a number or a string, not a boolean")
        if isinstance(value, int | float):
            return repr(value)
        return value

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(f"id {value!r} must be lowercase letters, digits and single hyphens")
        return value

    @field_validator("topic")
    @classmethod
    def _check_topic(cls, value: str) -> str:
        if value not in TOPICS:
            raise ValueError(f"unknown topic {value!r}; known topics: {', '.join(TOPICS)}")
        return value

    @field_validator("step")
    @classmethod
    def _check_step(cls, value: str) -> str:
        if value not in STEPS:
            raise ValueError(f"unknown step {value!r}; steps are {', '.join(STEPS)}")
        return value

    @field_validator("prompt")
    @classmethod
    def _check_prompt(cls, value: str) -> str:
        if len(value) > MAX_PROMPT_CHARS:
            raise ValueError(f"prompt is {len(value)} characters; the limit is {MAX_PROMPT_CHARS}")
        _reject_latex("prompt", value)
        return value

    @field_validator("explanation")
    @classmethod
    def _check_explanation(cls, value: str) -> str:
        _reject_latex("explanation", value)
        return value

    @field_validator("source")
    @classmethod
    def _check_source(cls, value: str) -> str:
        if not re.match(r"^https://[^\s/]+\.[^\s/]+(?:/\S*)?$", value):
            raise ValueError(f"source {value!r} must be a single https:// URL")
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> ChallengeItem:
        expected_step = TOPICS[self.topic]
        if self.step != expected_step:
            raise ValueError(
                f"topic {self.topic!r} belongs to step {expected_step!r}, not {self.step!r}"
            )
        if not (self.id.startswith(self.topic + "-") or self.id.startswith(GENERATED_PREFIX)):
            raise ValueError(f"id {self.id!r} must start with its topic {self.topic + '-'!r}")
        if self.kind != "choice" and self.choices:
            raise ValueError(f"choices are only allowed on choice items, not {self.kind}")
        if self.kind != "short" and self.accept:
            raise ValueError(f"accept is only allowed on short items, not {self.kind}")
        if self.kind != "numeric" and (
            self.tolerance is not None or self.format is not None or self.exact is not None
        ):
            raise ValueError(
                f"tolerance, format and exact are only allowed on numeric items, not {self.kind}"
            )
        getattr(self, f"_check_{self.kind}")()
        return self

    def _check_choice(self) -> None:
        if not 3 <= len(self.choices) <= 5:
            raise ValueError(f"a choice item needs 3 to 5 choices, got {len(self.choices)}")
        for index, choice in enumerate(self.choices):
            if not choice.strip():
                raise ValueError(f"choice {index + 1} is empty")
            if _LETTERED_CHOICE_RE.match(choice):
                raise ValueError(f"choice {choice!r} starts with a letter; the bot adds A) B) ...")
            _reject_latex(f"choice {index + 1}", choice)
        normalised = [" ".join(choice.casefold().split()) for choice in self.choices]
        if len(set(normalised)) != len(normalised):
            raise ValueError("two choices have the same text")
        allowed = LETTERS[: len(self.choices)]
        if len(self.answer) != 1 or self.answer not in allowed:
            raise ValueError(
                f"answer {self.answer!r} must be one of the letters {', '.join(allowed)}"
            )

    def _check_numeric(self) -> None:
        try:
            value = float(self.answer)
        except ValueError:
            raise ValueError(f"numeric answer {self.answer!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"numeric answer {self.answer!r} is not finite")
        if self.tolerance is None:
            raise ValueError("a numeric item needs a tolerance")
        if not (math.isfinite(self.tolerance) and self.tolerance >= 0):
            raise ValueError(f"tolerance {self.tolerance!r} must be a finite number ≥ 0")
        if not self.format or not self.format.strip():
            raise ValueError("a numeric item needs a format telling the member what to type")

    def _check_short(self) -> None:
        if not self.answer.strip():
            raise ValueError("a short item needs a non-blank answer")
        if any(not spelling.strip() for spelling in self.accept):
            raise ValueError("accept contains a blank spelling")

    @property
    def numeric_answer(self) -> float:
        """The answer as a number; only numeric items have one."""
        if self.kind != "numeric":
            raise TypeError(f"{self.id} is a {self.kind} item and has no numeric answer")
        return float(self.answer)

    @property
    def requested_decimals(self) -> int | None:
        """How many decimals the format asks for ("3 decimals" → 3); None when it names none."""
        return requested_decimals(self.format or "")

    @property
    def true_value(self) -> float:
        """The unrounded answer of a numeric item (the stored answer when no exact one is kept)."""
        return self.exact if self.exact is not None else self.numeric_answer

    @property
    def grading_tolerance(self) -> float:
        """Half a unit of the requested decimals when the format names them, else ``tolerance``.

        An answer rounded correctly from the true value is always within half a unit of it;
        a neighbouring rounding (0.24 or 0.26 for 0.25) never is.
        """
        decimals = self.requested_decimals
        if decimals is not None:
            return 0.5 * 10.0**-decimals
        return self.tolerance or 0.0

    @property
    def in_percent(self) -> bool:
        """Whether the answer itself is a percentage (so "25%" means 25, not 0.25)."""
        return percent_units(self.format or "")

    @property
    def answer_text(self) -> str:
        """The answer as a member should read it, e.g. ``B) the validation set`` or ``0.250``.

        A numeric answer is shown with exactly the decimals its format asks for, trailing
        zeros included, rounded half up from the true value.
        """
        if self.kind == "choice":
            index = LETTERS.index(self.answer)
            return f"{self.answer}) {self.choices[index]}"
        if self.kind == "numeric" and self.requested_decimals is not None:
            return fixed_decimals(self.true_value, self.requested_decimals)
        return self.answer


_DECIMALS_RE = re.compile(r"\b(\d+)\s+decimals?\b")
_PERCENT_RE = re.compile(r"\bpercent(?:age)?\b|%")


def fixed_decimals(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` places, rounded half up (1.625 → "1.63"), never "-0.0"."""
    step = Decimal(1).scaleb(-decimals)
    text = str(Decimal(repr(float(value))).quantize(step, ROUND_HALF_UP))
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def requested_decimals(format_text: str) -> int | None:
    """The number of decimals a numeric format asks for ("a number, 3 decimals" → 3)."""
    match = _DECIMALS_RE.search(format_text)
    return int(match.group(1)) if match else None


def percent_units(format_text: str) -> bool:
    """Whether a format asks for a percentage; an aside in parentheses ("a percentage like
    15.9% also works") only says how a proportion may be typed."""
    plain = re.sub(r"\([^)]*\)", "", format_text)
    return bool(_PERCENT_RE.search(plain.casefold()))


def shuffled(item: ChallengeItem, seed: str) -> ChallengeItem:
    """``item`` with its options in an order drawn from ``seed`` and the answer letter moved along.

    The same seed always gives the same order, so a post, its buttons, its grading and its
    reveal agree; other kinds come back unchanged.
    """
    if item.kind != "choice":
        return item
    order = list(range(len(item.choices)))
    random.Random(seed).shuffle(order)
    right = order.index(LETTERS.index(item.answer))
    return item.model_copy(
        update={"choices": tuple(item.choices[i] for i in order), "answer": LETTERS[right]}
    )


def default_bank_dir() -> Path:
    """The ``bank/`` folder shipped beside this module."""
    return Path(__file__).resolve().parent / "bank"


def _describe(error: ValidationError) -> str:
    parts = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _load_file(path: Path) -> list[ChallengeItem]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BankError(f"{path.name}: cannot read the file: {exc}") from exc
    unexpected = sorted(set(data) - {"challenge"})
    if unexpected:
        raise BankError(f"{path.name}: unexpected top-level keys {unexpected}; use [[challenge]]")
    raw_items = data.get("challenge", [])
    if not isinstance(raw_items, list):
        raise BankError(f"{path.name}: 'challenge' must be an array of tables ([[challenge]])")
    items = []
    for position, raw in enumerate(raw_items, start=1):
        label = repr(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"#{position}"
        if isinstance(raw, dict) and str(raw.get("id", "")).startswith(GENERATED_PREFIX):
            raise BankError(
                f"{path.name}: item {label}: ids starting with {GENERATED_PREFIX!r} "
                "are reserved for generated problems"
            )
        try:
            items.append(ChallengeItem.model_validate(raw))
        except ValidationError as exc:
            raise BankError(f"{path.name}: item {label}: {_describe(exc)}") from exc
    return items


def load_bank(directory: Path | None = None) -> tuple[ChallengeItem, ...]:
    """Read and validate every ``*.toml`` in ``directory`` (default: the shipped bank).

    Files are read in name order so the bank's order is stable. An empty or
    missing default folder yields an empty bank; any broken item, or an id used
    twice across files, raises :class:`BankError` naming the file and the id.
    """
    folder = default_bank_dir() if directory is None else Path(directory)
    if not folder.is_dir():
        if directory is None:
            return ()
        raise BankError(f"{folder}: bank directory does not exist")
    seen: dict[str, str] = {}
    items: list[ChallengeItem] = []
    for path in sorted(folder.glob("*.toml")):
        for item in _load_file(path):
            if item.id in seen:
                raise BankError(
                    f"{path.name}: item {item.id!r}: duplicate id, already used in {seen[item.id]}"
                )
            seen[item.id] = path.name
            items.append(item)
    return tuple(items)


# --- how guessable the multiple choice is --------------------------------------------------------

MAX_LONGEST_SHARE = 0.35
MAX_DOMINANT_SHARE = 0.10
DOMINANT_RATIO = 1.3


def _option_length(text: str) -> int:
    return len(" ".join(text.split()))


def choice_giveaways(items: tuple[ChallengeItem, ...] | list[ChallengeItem]) -> dict[str, object]:
    """How often the right option stands out by length, over every choice item.

    ``longest`` lists items whose right option is strictly the longest; ``dominant`` those
    where it is more than ``DOMINANT_RATIO`` times the next-longest option. A member who
    always picks the longest option should do no better than chance.
    """
    choice = [item for item in items if item.kind == "choice"]
    longest: list[str] = []
    dominant: list[str] = []
    for item in choice:
        index = LETTERS.index(item.answer)
        right = _option_length(item.choices[index])
        others = [_option_length(c) for i, c in enumerate(item.choices) if i != index]
        if right > max(others):
            longest.append(item.id)
        if right > DOMINANT_RATIO * max(others):
            dominant.append(item.id)
    total = len(choice)
    return {
        "choice_items": total,
        "longest": longest,
        "dominant": dominant,
        "longest_share": len(longest) / total if total else 0.0,
        "dominant_share": len(dominant) / total if total else 0.0,
    }


# --- sources that point nowhere in particular ------------------------------------------------------

# Hosts whose first path segments only name a whole course (khanacademy.org/math/<course>).
_COURSE_ROOT_DEPTH = {
    "www.khanacademy.org": 2,
    "ocw.mit.edu": 2,
    "www.coursera.org": 2,
}
_COURSE_HOMES = {
    "developers.google.com/machine-learning/crash-course",
    "www.kaggle.com/learn",
    "course.fast.ai",
    "d2l.ai",
    "scikit-learn.org/stable/user_guide.html",
}


def is_home_page(url: str) -> bool:
    """Whether ``url`` is a site's or a course's front page rather than the section that answers.

    A bare domain (``https://www.statlearning.com/``), an index page at the top, or a course
    root (``https://www.khanacademy.org/math/statistics-probability``) counts as a home page.
    """
    rest = url.split("://", 1)[-1].split("#", 1)[0].split("?", 1)[0]
    host, _, path = rest.partition("/")
    parts = [p for p in path.split("/") if p and p not in {"index.html", "index.htm"}]
    if not parts:
        return True
    if f"{host}/{'/'.join(parts)}" in _COURSE_HOMES:
        return True
    depth = _COURSE_ROOT_DEPTH.get(host)
    return depth is not None and len(parts) <= depth
