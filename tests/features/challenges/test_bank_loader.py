"""Loading the challenge bank: valid files load, every broken rule names its file and item."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.features.challenges.bank import (
    STEPS,
    TOPICS,
    BankError,
    ChallengeItem,
    default_bank_dir,
    load_bank,
)

FIXTURES = Path(__file__).parent / "fixtures"

VALID_NUMERIC = '''
[[challenge]]
id = "probability-09"
topic = "probability"
step = "math"
difficulty = 1
kind = "numeric"
prompt = """A fair coin is tossed twice. What is the probability of two heads?"""
answer = 0.25
tolerance = 0.005
format = "a probability, 2 decimals"
explanation = """The tosses are independent, so multiply: 0.5 · 0.5 = 0.25."""
source = "https://seeing-theory.brown.edu/basic-probability/index.html"
'''


def test_valid_files_load_in_file_order_with_typed_fields() -> None:
    items = load_bank(FIXTURES / "valid")
    assert [item.id for item in items] == [
        "validation-01",
        "clustering-01",
        "probability-01",
        "linear-algebra-01",
    ]
    choice, short, numeric, integer = items
    assert choice.answer_text == "B) The training split only"
    assert short.accept == ("Lloyd's algorithm",)
    assert numeric.answer == "0.25" and numeric.numeric_answer == 0.25
    assert integer.answer == "8" and integer.answer_text == "8" and integer.tolerance == 0
    assert "```" in integer.prompt
    with pytest.raises(TypeError):
        _ = choice.numeric_answer


def test_items_are_frozen() -> None:
    item = load_bank(FIXTURES / "valid")[0]
    with pytest.raises(ValueError):
        item.answer = "A"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("folder", "file", "item_id", "reason"),
    [
        ("duplicate_id", "b.toml", "probability-01", "duplicate id, already used in a.toml"),
        ("bad_letter", "basics.toml", "metrics-07", "must be one of the letters A, B, C"),
        ("missing_tolerance", "math.toml", "statistics-03", "needs a tolerance"),
        ("latex_prompt", "math.toml", "calculus-04", "LaTeX"),
        ("http_source", "projects.toml", "data-leakage-02", "https://"),
        ("unknown_topic", "basics.toml", "transformers-01", "unknown topic 'transformers'"),
        ("step_mismatch", "basics.toml", "kaggle-01", "belongs to step 'community'"),
    ],
)
def test_each_rule_violation_names_file_and_id(
    folder: str, file: str, item_id: str, reason: str
) -> None:
    with pytest.raises(BankError) as caught:
        load_bank(FIXTURES / folder)
    message = str(caught.value)
    assert message.startswith(f"{file}: item '{item_id}'"), message
    assert reason in message


def _write(tmp_path: Path, text: str, name: str = "bank.toml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("difficulty = 1", "difficulty = 6", "less than or equal to 5"),
        ("difficulty = 1", 'difficulty = "1"', "valid integer"),
        ('kind = "numeric"', 'kind = "essay"', "'choice', 'numeric' or 'short'"),
        ("answer = 0.25", 'answer = "a quarter"', "not a number"),
        ("answer = 0.25", "answer = true", "boolean"),
        ('format = "a probability, 2 decimals"', "", "needs a format"),
        ("tolerance = 0.005", "tolerance = -0.1", "≥ 0"),
        ('id = "probability-09"', 'id = "statistics-09"', "must start with its topic"),
        ('id = "probability-09"', 'id = "Probability_09"', "lowercase"),
        ("answer = 0.25", 'answer = 0.25\naccept = ["1/4"]', "accept is only allowed"),
        ("answer = 0.25", 'answer = 0.25\nchoices = ["a", "b", "c"]', "choices are only allowed"),
        ("answer = 0.25", "answer = 0.25\nnotes = 'x'", "Extra inputs are not permitted"),
        ("two heads?", "two heads? " + "x" * 1200, "the limit is 1200"),
        ("two heads?", "two heads, P = \\\\frac{1}{4}?", "LaTeX"),
        ("multiply:", "multiply, \\\\(p^2\\\\):", "LaTeX"),
        ('source = "https://seeing-theory', 'source = "see https://seeing-theory', "https://"),
    ],
)
def test_more_rules_are_enforced(tmp_path: Path, old: str, new: str, reason: str) -> None:
    assert old in VALID_NUMERIC
    _write(tmp_path, VALID_NUMERIC.replace(old, new, 1))
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path)
    assert str(caught.value).startswith("bank.toml: item "), caught.value
    assert reason in str(caught.value)


def test_choice_rules(tmp_path: Path) -> None:
    base = load_bank(FIXTURES / "valid")[0].model_dump()
    for choices, answer, reason in [
        (("Yes", "No"), "A", "3 to 5 choices"),
        (("A) all data", "B) train only", "C) test only"), "B", "starts with a letter"),
        (("Train", "train ", "Test"), "A", "same text"),
        (("One", "Two", "Three"), "b", "must be one of the letters"),
    ]:
        with pytest.raises(ValueError, match=reason):
            ChallengeItem(**{**base, "choices": choices, "answer": answer})


def test_prices_and_code_backslashes_are_not_mistaken_for_latex() -> None:
    base = load_bank(FIXTURES / "valid")[1].model_dump()
    item = ChallengeItem(**{**base, "prompt": 'The $25,000 prize; print("a\\nb") splits lines.'})
    assert "$25,000" in item.prompt


def test_generated_prefix_is_reserved(tmp_path: Path) -> None:
    _write(tmp_path, VALID_NUMERIC.replace('id = "probability-09"', 'id = "gen-dot-product-1"'))
    with pytest.raises(BankError, match=r"bank\.toml: item 'gen-dot-product-1': .*reserved"):
        load_bank(tmp_path)


def test_unreadable_toml_names_the_file(tmp_path: Path) -> None:
    _write(tmp_path, "[[challenge]]\nid = ", name="broken.toml")
    with pytest.raises(BankError, match=r"^broken\.toml: cannot read the file"):
        load_bank(tmp_path)


def test_item_without_id_is_named_by_position(tmp_path: Path) -> None:
    _write(tmp_path, VALID_NUMERIC + VALID_NUMERIC.replace('id = "probability-09"\n', ""))
    with pytest.raises(BankError, match=r"^bank\.toml: item #2: id: Field required"):
        load_bank(tmp_path)


def test_top_level_must_be_challenge_tables(tmp_path: Path) -> None:
    _write(tmp_path, 'title = "oops"\n' + VALID_NUMERIC)
    with pytest.raises(BankError, match="unexpected top-level keys"):
        load_bank(tmp_path)


def test_empty_folder_is_an_empty_bank_but_a_missing_one_is_an_error(tmp_path: Path) -> None:
    assert load_bank(tmp_path) == ()
    (tmp_path / "notes.md").write_text("not a bank file", encoding="utf-8")
    assert load_bank(tmp_path) == ()
    with pytest.raises(BankError, match="does not exist"):
        load_bank(tmp_path / "missing")


def test_topics_map_to_known_steps() -> None:
    assert set(TOPICS.values()) <= set(STEPS)
    assert TOPICS["linear-algebra"] == "math" and TOPICS["kaggle"] == "community"


def test_the_shipped_bank_loads() -> None:
    items = load_bank()
    files = sorted(default_bank_dir().glob("*.toml"))
    if any("[[challenge]]" in path.read_text(encoding="utf-8") for path in files):
        assert len(items) > 0
    assert len({item.id for item in items}) == len(items)
    assert all(isinstance(item, ChallengeItem) for item in items)
