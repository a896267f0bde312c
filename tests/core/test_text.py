"""Member text is normalised in one place: no NUL, no bidi overrides or invisible controls."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.core.dispatch import Caller
from bot.core.errors import InvalidInput
from bot.core.text import clean_name, clean_text
from bot.features.goals.models import Goal


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain words", "plain words"),
        ("gnp\u202eexe.txt", "gnpexe.txt"),  # right-to-left override
        ("a\u2066b\u2069c", "abc"),  # isolates
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("bell\x07 and esc\x1b[31m", "bell and esc[31m"),
        ("Cafe\u0301", "Café"),  # NFC
        ("line one\r\nline two", "line one\nline two"),
        ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),  # joiners stay
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_nul_is_refused_with_the_label() -> None:
    with pytest.raises(InvalidInput, match="text contains a NUL"):
        clean_text("a\x00b", label="text")


def test_length_is_checked_after_cleaning() -> None:
    assert clean_text("\u202e" * 10 + "ok", max_length=2) == "ok"
    with pytest.raises(InvalidInput, match="too long"):
        clean_text("abc", max_length=2)


def test_names_are_cleaned_and_cut_never_refused() -> None:
    assert clean_name("Eve\u202e\x00lyn\n  Smith", max_length=8) == "Evelyn S"


async def test_hostile_goal_text_is_stored_clean_and_nul_changes_nothing(app: App) -> None:
    caller = Caller("console", "local", "ada", "ada\u202e")
    ok = await app.dispatcher.run_text(caller, 'goal add "learn \u202etxt.exe"')
    refused = await app.dispatcher.run_text(caller, 'goal add "nul\x00byte"')
    assert not ok.error
    assert refused.error and "NUL" in refused.text
    async with app.session_factory() as session:
        texts = list((await session.execute(select(Goal.text))).scalars())
    assert texts == ["learn txt.exe"]


async def test_form_values_are_cleaned_before_the_handler(app: App) -> None:
    caller = Caller("console", "local", "ada", "ada")
    reply = await app.dispatcher.run_action(caller, "privacy.forget:1", {"note": "x\x00"})
    assert reply.error and "NUL" in reply.text
