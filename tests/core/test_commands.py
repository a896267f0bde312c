"""The text grammar shared by Slack and the console, and value conversion."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.core.commands import (
    Call,
    CommandGroup,
    HelpRequest,
    Param,
    Registry,
    UsageError,
    action_id,
    convert,
    parse_text,
    tokenize,
)
from bot.core.errors import InvalidInput
from bot.core.messages import Reply

demo = CommandGroup("demo", "A demo group", default="show")


@demo.command("show", "Show")
async def _show(ctx) -> Reply:  # pragma: no cover - never called
    return Reply()


@demo.command("add", "Add a thing", Param.text("text", "The thing", greedy=True),
              Param.date("by", "When", required=False), Param.flag("private", "Hide it"),
              Param.integer("count", "How many", required=False, min_value=1, max_value=5))
async def _add(ctx, **kwargs) -> Reply:  # pragma: no cover - never called
    return Reply()


@demo.command("set limit", "Nested", Param.integer("value", "Value"))
async def _set_limit(ctx, value: int) -> Reply:  # pragma: no cover - never called
    return Reply()


REGISTRY = Registry([demo])


def test_tokenize_quotes_and_apostrophes() -> None:
    assert tokenize('add "Finish fast.ai part 1" --by 2027-03-01') == [
        "add", "Finish fast.ai part 1", "--by", "2027-03-01"]
    assert tokenize("add I'm learning") == ["add", "I'm", "learning"]
    assert tokenize("add “smart quotes work”") == ["add", "smart quotes work"]
    with pytest.raises(UsageError, match="never closed"):
        tokenize('add "oops')


def test_parse_options_flags_and_greedy_text() -> None:
    call = parse_text(REGISTRY, "demo add read the book --by=2027-01-02 --private --count 3")
    assert isinstance(call, Call)
    assert call.command.name == "demo add"
    assert call.args == {"text": "read the book", "by": "2027-01-02", "private": "true", "count": "3"}


def test_nested_paths_and_default_subcommand() -> None:
    call = parse_text(REGISTRY, "demo set limit 4")
    assert isinstance(call, Call) and call.command.name == "demo set limit"
    call = parse_text(REGISTRY, "demo")
    assert isinstance(call, Call) and call.command.name == "demo show"


@pytest.mark.parametrize("text", ["help", "--help", "", "help demo", "demo help", "demo --help",
                                  "demo add --help", "demo add help"])
def test_help_everywhere(text: str) -> None:
    assert isinstance(parse_text(REGISTRY, text), HelpRequest)


@pytest.mark.parametrize(("text", "message"), [
    ("nope", "There's no command 'nope'"),
    ("demo zap", "'demo' has no 'zap' command. It has: add, set, show."),
    ("demo add x --by", "--by needs a value"),
    ("demo add x --by", "--by needs a value"),
    ("demo add x --by 1 --by 2", "--by is given twice"),
    ("demo add x --zz 1", "Unknown option --zz"),
    ("demo set limit 1 2", "Unexpected '2'"),
])
def test_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_text(REGISTRY, text)


def test_usage_line_is_derived() -> None:
    assert REGISTRY.get("demo add").usage == "demo add TEXT… [--by YYYY-MM-DD] [--private] [--count COUNT]"


@pytest.mark.parametrize(("param", "raw", "expected"), [
    (Param.date("d", "d"), "2027-03-01", date(2027, 3, 1)),
    (Param.date("d", "d"), "today", date(2026, 3, 2)),
    (Param.date("d", "d"), "tomorrow", date(2026, 3, 3)),
    (Param.time("t", "t"), "7:05", time(7, 5)),
    (Param.duration("x", "x"), "3d", timedelta(days=3)),
    (Param.duration("x", "x"), "2 weeks", timedelta(weeks=2)),
    (Param.timezone("tz", "tz"), "america/new_york", "America/New_York"),
    (Param.integer("n", "n"), "#12", 12),
    (Param.number("p", "p"), "25%", 0.25),
    (Param.choice("c", "c", ["weekly", "daily"]), "DAILY", "daily"),
    (Param.flag("f", "f"), True, True),
])
def test_convert(param: Param, raw: object, expected: object) -> None:
    assert convert(param, raw, today=date(2026, 3, 2)) == expected


@pytest.mark.parametrize(("param", "raw"), [
    (Param.date("d", "d"), "2027-02-30"),
    (Param.time("t", "t"), "24:00"),
    (Param.duration("x", "x"), "soon"),
    (Param.timezone("tz", "tz"), "Mars/Base"),
    (Param.integer("n", "n", max_value=10), "11"),
    (Param.integer("n", "n"), "1.5"),
    (Param.text("s", "s", max_length=5), "toolong"),
    (Param.text("s", "s"), "   "),
    (Param.member("m", "m"), "@"),
])
def test_convert_rejects(param: Param, raw: str) -> None:
    with pytest.raises(InvalidInput):
        convert(param, raw, today=date(2026, 3, 2))


def test_action_ids_are_checked() -> None:
    assert action_id("challenge.answer", 12, "B") == "challenge.answer:12:B"
    with pytest.raises(ValueError):
        action_id("x.y", "a:b")
    with pytest.raises(ValueError):
        action_id("x.y", "z" * 120)


def test_registry_merges_groups_without_mutating_declarations() -> None:
    extra = CommandGroup("demo", "again")

    @extra.command("more", "More")
    async def _more(ctx) -> Reply:  # pragma: no cover
        return Reply()

    before = len(demo.commands)
    first = Registry([demo, extra])
    second = Registry([demo, extra])
    assert len(demo.commands) == before
    assert [c.name for c in first.commands()] == [c.name for c in second.commands()]
    with pytest.raises(ValueError, match="duplicate command"):
        Registry([demo, demo])
