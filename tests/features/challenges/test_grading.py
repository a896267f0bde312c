"""Grading: every way a member writes an answer, and refusing what is not an answer."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.errors import InvalidInput
from bot.features.challenges.bank import ChallengeItem
from bot.features.challenges.grading import Grade, grade, is_valid_answer, parse_number


def _item(**overrides: Any) -> ChallengeItem:
    fields: dict[str, Any] = {
        "id": "probability-01",
        "topic": "probability",
        "step": "math",
        "difficulty": 2,
        "kind": "numeric",
        "prompt": "A fair coin is tossed twice. What is P(two heads)?",
        "answer": 0.25,
        "tolerance": 0.005,
        "format": "a probability, 3 decimals",
        "explanation": "The tosses are independent. So P = 0.5 · 0.5 = 0.25.",
        "source": "https://seeing-theory.brown.edu/basic-probability/index.html",
    }
    fields.update(overrides)
    return ChallengeItem(**fields)


def _choice_item() -> ChallengeItem:
    return _item(
        id="validation-01",
        topic="validation",
        step="basics",
        kind="choice",
        prompt="Which data should the scaler be fitted on?",
        choices=("All of the data", "The training split only", "The test split only"),
        answer="B",
        tolerance=None,
        format=None,
    )


def _short_item() -> ChallengeItem:
    return _item(
        id="clustering-01",
        topic="clustering",
        step="basics",
        kind="short",
        prompt="Name the clustering algorithm that alternates assignment and centroid updates.",
        answer="k-means",
        accept=("Lloyd's algorithm",),
        tolerance=None,
        format=None,
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.25", 0.25),
        (".25", 0.25),
        ("1/4", 0.25),
        (" 1 / 4 ", 0.25),
        ("25%", 0.25),
        ("25 %", 0.25),
        ("2.5e-1", 0.25),
        ("2.5E-1", 0.25),
        ("-3", -3.0),
        ("+3", 3.0),
        ("- 3", -3.0),
        (" 1,000 ", 1000.0),
        ("1,234,567.5", 1234567.5),
        ("−0.5", -0.5),
        ("-1/8", -0.125),
        ("3.", 3.0),
    ],
)
def test_parse_number_reads_the_forms_people_type(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    ["0.2.5", "", "   ", "abc", "1,00", "12,34", "1_000", "nan", "inf", "1/0", "1/2/3", "%", "1 2",
     "0x10", "e5", "--1", "25%%", "¼"],
)  # fmt: skip
def test_parse_number_refuses_garbage_with_a_one_line_hint(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_number(text)
    message = str(caught.value)
    assert "\n" not in message and message
    assert "1/4" in message or "number" in message


def test_parse_number_message_quotes_the_input() -> None:
    with pytest.raises(
        InvalidInput, match=r"couldn't read '0\.2\.5' as a number — try 0\.25, 1/4 or 25%"
    ):
        parse_number("0.2.5")


@pytest.mark.parametrize(
    "raw", ["B", "b", " b ", "B)", "2", "The training split only", "the  TRAINING split only"]
)
def test_choice_accepts_letter_number_or_option_text(raw: str) -> None:
    assert grade(_choice_item(), raw) == Grade(correct=True, given="B")


@pytest.mark.parametrize(("raw", "given"), [("a", "A"), ("3", "C"), ("all of the data", "A")])
def test_choice_wrong_answers_are_graded_wrong(raw: str, given: str) -> None:
    assert grade(_choice_item(), raw) == Grade(correct=False, given=given)


@pytest.mark.parametrize("raw", ["D", "4", "0", "the validation split", "", "  "])
def test_choice_outside_the_options_is_refused(raw: str) -> None:
    item = _choice_item()
    with pytest.raises(InvalidInput):
        grade(item, raw)
    assert not is_valid_answer(item, raw)


@pytest.mark.parametrize(
    ("raw", "correct"),
    [
        ("0.25", True),
        ("1/4", True),
        ("25%", True),
        ("0.250", True),
        ("0.2505", True),  # exactly half a unit of the 3 requested decimals away
        ("0.2495", True),
        ("0.2506", False),
        ("0.2494", False),
        ("0.251", False),  # the neighbouring rounding is not the answer
        ("0.249", False),
        ("0.5", False),
        ("0.25%", False),  # a percent sign on a proportion means ÷100, never ×100
        ("25", False),  # 25 is not a probability; only "25%" means 0.25
    ],
)
def test_numeric_tolerance_and_percent(raw: str, correct: bool) -> None:
    assert grade(_item(), raw).correct is correct


def test_tolerance_is_half_a_unit_around_the_true_value() -> None:
    # A generated answer shows 0.250 but the true value is 0.2504: 0.250 passes,
    # 0.251 (off by more than half a unit from the truth) does not, nor does 0.249.
    item = _item(answer="0.250", exact=0.2504, tolerance=0.001)
    assert grade(item, "0.250").correct and grade(item, "0.2504").correct
    assert not grade(item, "0.251").correct and not grade(item, "0.249").correct
    # Without decimals in the format, the item's own tolerance applies (0 = exact).
    exact = _item(answer=12, tolerance=0, format="an integer")
    assert grade(exact, "12").correct and not grade(exact, "12.01").correct
    assert grade(exact, "12.0").correct


def test_numeric_given_is_the_number_we_understood() -> None:
    assert grade(_item(), "1/4").given == "0.25"
    assert grade(_item(), "25%").given == "0.25"


def test_percent_answer_accepts_the_percent_sign() -> None:
    item = _item(answer=12.5, tolerance=0.05, format="a percentage, 1 decimal")
    assert grade(item, "12.5").correct
    assert grade(item, "12.5%").correct
    assert grade(item, "12.5%").given == "12.5"
    assert not grade(item, "0.125").correct
    assert not grade(item, "0.125%").correct


def test_an_aside_about_percentages_does_not_make_a_percent_answer() -> None:
    item = _item(
        answer=0.604,
        format="a probability between 0 and 1, 3 decimals (a percentage like 16.1% also works)",
    )
    assert grade(item, "0.604").correct and grade(item, "60.4%").correct
    assert not grade(item, "0.604%").correct


def test_numeric_garbage_is_refused_not_graded() -> None:
    item = _item()
    with pytest.raises(InvalidInput):
        grade(item, "about a quarter")
    assert not is_valid_answer(item, "0.2.5")
    assert is_valid_answer(item, "0.9")  # wrong, but a valid answer


@pytest.mark.parametrize(
    "raw",
    ["k-means", "K-Means", "  k means ", "kmeans", "K‑means.", "lloyd's algorithm", "Lloyds algorithm",
     "LLOYD'S   ALGORITHM!"],
)  # fmt: skip
def test_short_answers_ignore_case_spacing_and_punctuation(raw: str) -> None:
    assert grade(_short_item(), raw).correct


@pytest.mark.parametrize("raw", ["k-medoids", "DBSCAN", "means"])
def test_short_wrong_answers_are_wrong(raw: str) -> None:
    assert not grade(_short_item(), raw).correct


def test_short_given_is_normalised_and_blank_is_refused() -> None:
    assert grade(_short_item(), "  k   means ").given == "k means"
    for raw in ("", "   ", "?!"):
        with pytest.raises(InvalidInput):
            grade(_short_item(), raw)


def test_short_keeps_decimal_points_between_digits() -> None:
    item = _short_item().model_copy(update={"answer": "1.5", "accept": ()})
    assert grade(item, "1.5").correct
    assert not grade(item, "15").correct


def _tuple_item(answer: str = "(10, 50)") -> ChallengeItem:
    return _short_item().model_copy(update={"answer": answer, "accept": ()})


@pytest.mark.parametrize(
    "raw",
    ["(10, 50)", "(10,50)", "10x50", "10 x 50", "10X50", "10 × 50", "10 by 50", "[10, 50]",
     "10, 50", " ( 10 , 50 ) ", "10*50"],
)  # fmt: skip
def test_tuples_accept_the_usual_spellings(raw: str) -> None:
    assert grade(_tuple_item(), raw).correct


@pytest.mark.parametrize(
    "raw", ["(105, 0)", "(1, 050)", "(50, 10)", "50 by 10", "(10, 50, 1)", "(10,)", "1050"]
)
def test_tuples_compare_element_by_element(raw: str) -> None:
    assert not grade(_tuple_item(), raw).correct


@pytest.mark.parametrize("raw", ["10 50", "ten by fifty", "(10; 50)", "10-50"])
def test_what_is_not_a_tuple_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="as a tuple"):
        grade(_tuple_item(), raw)


def test_one_element_tuples_and_negative_entries() -> None:
    single = _tuple_item("(4,)")
    assert all(grade(single, raw).correct for raw in ("(4,)", "4", "4,", "(4)", "[4]"))
    assert not grade(single, "(4, 1)").correct
    gradient = _tuple_item("(8, -3)")
    assert grade(gradient, "(8, −3)").correct and grade(gradient, "[8,-3]").correct
    assert not grade(gradient, "(8, 3)").correct
    assert grade(gradient, "8 by -3").given == "(8, -3)"
