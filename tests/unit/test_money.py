"""Euro amounts as people in Germany type them: read into cents, written back the same way."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.money import MAX_CENTS, AmountError, format_cents, parse_amount

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def _parse_or_refusal(text: str) -> int | AmountError:
    """The cents, or the refusal; any other exception escapes and fails the test."""
    try:
        cents = parse_amount(text)
    except AmountError as error:
        return error
    assert type(cents) is int
    return cents


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1500", 150_000),
        ("1.500", 150_000),
        ("1.500,00 €", 150_000),
        ("1.500,00€", 150_000),
        ("1500 EUR", 150_000),
        ("1500 eur", 150_000),
        ("1.500,- €", 150_000),
        ("1.500,-- €", 150_000),
        ("1.500,–", 150_000),
        ("1500,50", 150_050),
        ("1.500,5", 150_050),
        ("€ 1.500", 150_000),
        ("€1.500", 150_000),
        ("1500 Euro", 150_000),
        ("1 500 €", 150_000),
        (f"1{NBSP}500 €", 150_000),
        (f"1{NARROW_NBSP}500{NARROW_NBSP}€", 150_000),
        ("1 500 000,00", 150_000_000),
        ("EUR 1.500,00", 150_000),
        ("1.500.000,00", 150_000_000),
        ("0,50", 50),
        ("0,5", 50),
        ("1,50 €", 150),
        ("  12,34  ", 1_234),
        ("0", 0),
        ("0,00 €", 0),
        ("100.000.000,00 €", MAX_CENTS),
    ],
)
def test_amounts_as_people_in_germany_type_them_are_read(typed: str, cents: int) -> None:
    assert parse_amount(typed) == cents


@pytest.mark.parametrize(
    "typed",
    [
        "1,500",
        "0,500",
        "1.50",
        "1.5",
        "1.50.0",
        "1.5000",
        "1.500.00",
        "1.500 000",
        "0.500",
        "1500.",
        ",50",
        "-5",
        "- 5 €",
        "€ -5",
        "−5",
        "+5",
        "1e9",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "١٥٠٠",
        "１５００",
        "1.500,505",
        "1,5000",
        "",
        "   ",
        "€",
        "EUR",
        "zwölf Euro",
        "abc",
        "1500 € €",
        "€ 1500 €",
        "1500 $",
        "1.500,00 € bitte",
        "100.000.000,01 €",
        "999999999999999999999",
        "1" * 5000,
        "12\n34",
    ],
)
def test_unclear_or_wrong_amounts_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(AmountError) as error:
        parse_amount(typed)
    assert "1.500,00 €" in error.value.message
    assert str(error.value) == error.value.message
    assert error.value.message.rstrip().endswith((".", "€"))


def test_ambiguous_comma_thousands_is_refused_with_example() -> None:
    with pytest.raises(AmountError) as error:
        parse_amount("1,500")
    assert error.value.message == (
        "Den Betrag „1,500“ kann ich nicht eindeutig lesen. "
        "Bitte schreiben Sie ihn so: 1.500,00 € oder 1,50 €."
    )


def test_a_dot_before_cents_is_refused_and_the_comma_is_suggested() -> None:
    with pytest.raises(AmountError, match="1,50 €"):
        parse_amount("1.50")


@pytest.mark.parametrize(("typed", "word", "exact"), [
    ("ca. 2.000,- Euro", "ca.", "2.000,00 €"),
    ("circa 1500 €", "circa", "1.500,00 €"),
    ("bis zu 800", "bis zu", "800,00 €"),
    ("rund 1,500", "rund", None),  # the rest is ambiguous: the usual example instead
])
def test_an_approximate_amount_is_refused_with_the_exact_one_to_write(
        typed: str, word: str, exact: str | None) -> None:
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert f"brauche ich genau, ohne „{word}“" in refused.value.message
    assert (f"z. B. {exact}." if exact else "1.500,00 € oder 1500.") in refused.value.message


def test_a_negative_amount_is_refused_as_negative() -> None:
    with pytest.raises(AmountError, match="negativ"):
        parse_amount("-5")


def test_an_amount_over_the_limit_names_the_limit() -> None:
    with pytest.raises(AmountError, match=r"höchstens 100\.000\.000,00 €"):
        parse_amount("100.000.001 €")


def test_more_than_two_decimals_are_refused() -> None:
    with pytest.raises(AmountError, match="zwei Stellen nach dem Komma"):
        parse_amount("1.500,505")


def test_foreign_digits_are_refused_asking_for_0_to_9() -> None:
    with pytest.raises(AmountError, match="Ziffern 0 bis 9"):
        parse_amount("١٥٠٠")


def test_long_text_is_quoted_back_shortened() -> None:
    with pytest.raises(AmountError) as error:
        parse_amount("x" * 500)
    assert len(error.value.message) < 200


@pytest.mark.parametrize(
    ("cents", "shown"),
    [
        (150_000, "1.500,00 €"),
        (50, "0,50 €"),
        (0, "0,00 €"),
        (-150_000, "-1.500,00 €"),
        (10_003_100, "100.031,00 €"),
        (MAX_CENTS, "100.000.000,00 €"),
    ],
)
def test_cents_are_shown_as_germans_write_money(cents: int, shown: str) -> None:
    assert format_cents(cents) == shown


def test_formatted_amounts_use_a_normal_space_before_the_euro_sign() -> None:
    assert format_cents(150_000)[-2:] == " €"


@pytest.mark.parametrize("not_cents", [15.0, True, "1500"])
def test_formatting_refuses_anything_but_integer_cents(not_cents: object) -> None:
    with pytest.raises(TypeError):
        format_cents(not_cents)  # type: ignore[arg-type]  # on purpose: bad input


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10**10))
def test_parsing_a_formatted_amount_gives_the_cents_back(cents: int) -> None:
    assert parse_amount(format_cents(cents)) == cents


@settings(max_examples=200, deadline=None)
@given(st.integers(0, MAX_CENTS // 100), st.sampled_from(["", " €", " EUR", ",- €", " Euro"]))
def test_whole_euros_typed_plainly_are_read(euros: int, suffix: str) -> None:
    assert parse_amount(f"{euros}{suffix}") == euros * 100


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_any_text_gives_cents_or_a_polite_refusal(text: str) -> None:
    outcome = _parse_or_refusal(text)
    if isinstance(outcome, AmountError):  # the format, or the exact amount meant ("ca. 2.000")
        assert "1.500,00 €" in outcome.message or re.search(
            r"z\. B\. \d[\d.]*,\d\d €\.$", outcome.message), outcome.message
    else:
        assert 0 <= outcome <= MAX_CENTS


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.,- €EURuro\u00a0\u202f١", max_size=20))
def test_amount_like_text_gives_cents_or_a_polite_refusal(text: str) -> None:
    outcome = _parse_or_refusal(text)
    if isinstance(outcome, AmountError):
        assert "1.500,00 €" in outcome.message
    else:
        assert 0 <= outcome <= MAX_CENTS
