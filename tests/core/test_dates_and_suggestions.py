"""The one date parser, percentages, did-you-mean, and wording that reads right."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.core.commands import (
    Call,
    Kind,
    Param,
    Registry,
    UsageError,
    convert,
    parse_date,
    parse_text,
)
from bot.core.errors import InvalidInput
from bot.core.text import plural
from bot.features import load_all
from tests.conftest import ConsoleHarness

WED = date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01", date(2027, 3, 1)),
        ("today", WED),
        ("Tomorrow", date(2026, 12, 3)),
        ("fri", date(2026, 12, 4)),
        ("friday", date(2026, 12, 4)),
        ("next friday", date(2026, 12, 4)),
        ("Next Fri", date(2026, 12, 4)),
        ("wed", date(2026, 12, 9)),  # the coming one after today
        ("mon", date(2026, 12, 7)),
        ("in 3 days", date(2026, 12, 5)),
        ("in 1 day", date(2026, 12, 3)),
        ("in 2 weeks", date(2026, 12, 16)),
        ("in a week", date(2026, 12, 9)),
        ("in 3 months", date(2027, 3, 2)),
        ("2031-12-02", date(2031, 12, 2)),
    ],
)
def test_dates_people_type(text: str, expected: date) -> None:
    assert parse_date(text, "--by", today=WED) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999-12-31", "--by is too far ahead: pick a date up to 2031-12-02 (5 years from today)."),
        ("2031-12-03", "too far ahead"),
        ("in 300 weeks", "too far ahead"),
        ("in 99 months", "too far ahead"),
        ("someday", "--by must be a date like 2027-01-01, today, tomorrow, fri"),
        ("2026-13-01", "not '2026-13-01'"),
    ],
)
def test_dates_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, "--by", today=WED)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_date_examples_lie_in_the_future() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date("soon", "--by", today=WED)
    for found in re.findall(r"\d{4}-\d{2}-\d{2}", str(caught.value)):
        assert date.fromisoformat(found) > WED


def test_percent_where_a_percentage_is_asked() -> None:
    param = Param.integer("percent", "How far", min_value=0, max_value=100, percent=True)
    assert convert(param, "50%") == 50 and convert(param, "50") == 50
    with pytest.raises(InvalidInput):
        convert(Param.integer("page", "Which"), "5%")


def test_weekday_names_for_weekday_choices() -> None:
    param = Param.choice("day", "Day", ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    assert convert(param, "Friday") == "fri"
    assert convert(param, "next friday") == "fri"


def _registry() -> Registry:
    return Registry(g for f in load_all() for g in f.groups)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("goals list", "Did you mean `goal`?"),
        ("goal lsit", "Did you mean `goal list`?"),
        ('goal add "x" --bye tomorrow', "Did you mean --by?"),
    ],
)
def test_did_you_mean(text: str, suggestion: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_text(_registry(), text)
    assert suggestion in str(caught.value)


def test_an_invalid_choice_lists_the_valid_values() -> None:
    param = Param.choice("purpose", "Which posts", ("challenge", "checkins", "kaggle"))
    with pytest.raises(InvalidInput) as caught:
        convert(param, "challenges")
    assert str(caught.value) == ("purpose must be one of challenge, checkins, kaggle — not 'challenges'. "
                                 "Did you mean challenge?")


def test_relative_dates_span_words_in_text() -> None:
    call = parse_text(_registry(), 'goal add "x" --by next friday --private')
    assert isinstance(call, Call) and call.args["by"] == "next friday" and call.args["private"] == "true"
    call = parse_text(_registry(), 'goal add "x" --by in 3 weeks')
    assert isinstance(call, Call) and call.args["by"] == "in 3 weeks"


def test_plural() -> None:
    assert plural(1, "day") == "1 day" and plural(3, "day") == "3 days"
    assert plural(2, "entry", "entries") == "2 entries"


_ONE_PLURAL = re.compile(r"(?<![\d.])1 (days|weeks|hours|minutes|goals|members|answers|points|questions)\b")


def test_help_has_no_doubled_words_and_date_help_is_generic() -> None:
    registry = _registry()
    for command in registry.commands():
        text = registry.command_help(command)
        prose = text.split("\n", 1)[-1]  # the usage line repeats option names on purpose
        assert not re.search(r"(?<![\w-])(\w+) \1\b", prose), (command.name, text)
        assert not _ONE_PLURAL.search(text), (command.name, text)
        for param in command.params:
            if param.kind is Kind.DATE:
                assert "in 3 days" in text
        for found in re.findall(r"20\d\d-\d\d-\d\d", text):
            raise AssertionError(f"{command.name}: a fixed date in help ({found}) will lie in the past")


async def test_wording_in_replies(console: ConsoleHarness) -> None:
    """The wording defects of the first-hour report, as a member meets them."""
    out = await console.say('goal add "Learn" --by tomorrow', 'goal add "Read" --by in 1 days')
    assert "(tomorrow)" in out and "(in 1 days)" not in out
    out = await console.say("goal progress 1 50%")
    assert "50%" in out and "must be" not in out
    await console.say("goal done 1", "goal drop 2")
    out = await console.say("goal list")
    assert "No goals yet" not in out and "2 goals done or dropped" in out
    out = await console.say("admin set channel checkins #check-ins")
    assert "Checkins posts" not in out and "will go to #check-ins" in out
    out = await console.say("checkin schedule daily 18:00", "checkin")
    assert "Sharing: Sharing" not in out and "Sharing: Off" in out
    out = await console.say("checkin pause")
    assert "2026-04-01" not in out and "--until 2026-03-09" in out
    out = await console.say("checkin pause --until friday")
    assert "paused" in out.lower()
    out = await console.say("admin set challenge-reveal later")
    assert "`next`" in out and "18:00" in out
    out = await console.say("admin set digest-time friday 16:00", "admin set digest-time next fri 16:00")
    assert "every Friday at 16:00" in out and "Unexpected" not in out
    out = await console.say('goal add "Far" --by 9999-12-31')
    assert "too far ahead" in out and "Goal #3" not in out


def test_no_one_days_in_source_templates() -> None:
    """Every f-string of the form `{n} days` either goes through `plural` or can't be 1."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "bot"
    offenders = []
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"in \{[^}]*\} days\b|\{-?days\} days", line) and "plural" not in line:
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
