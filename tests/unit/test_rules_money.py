"""Money and dates as people in Germany type them: parsing what we format gives it back."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.dates import DateError, format_date, parse_date
from rules.money import MAX_CENTS, AmountError, format_cents, parse_amount


@settings(max_examples=200, deadline=None)
@given(st.integers(0, MAX_CENTS))
def test_parsing_a_formatted_amount_gives_it_back(cents: int) -> None:
    assert parse_amount(format_cents(cents)) == cents


@settings(max_examples=100, deadline=None)
@given(st.integers(0, MAX_CENTS // 100))
def test_whole_euros_typed_plainly_or_with_a_dash_are_read(euros: int) -> None:
    assert parse_amount(str(euros)) == euros * 100
    assert parse_amount(f"{euros} EUR") == euros * 100
    assert parse_amount(f"{euros},- €") == euros * 100


@settings(max_examples=100, deadline=None)
@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_parsing_a_formatted_date_gives_it_back(day: date) -> None:
    assert parse_date(format_date(day)) == day
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize(("typed", "cents"), [
    ("1500", 150_000), ("1.500", 150_000), ("1.500,00 €", 150_000), ("1500 EUR", 150_000),
    ("1.500,- €", 150_000), ("1,50 €", 150), ("0,5", 50),
])
def test_amounts_as_people_type_them(typed: str, cents: int) -> None:
    assert parse_amount(typed) == cents


@pytest.mark.parametrize("typed", ["1,500", "-200", "zwölf Euro", "", "1.50.0"])
def test_ambiguous_or_wrong_amounts_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(AmountError) as error:
        parse_amount(typed)
    assert "1.500,00 €" in error.value.message


def test_an_impossible_date_is_refused_in_plain_german() -> None:
    with pytest.raises(DateError, match=r"31\.02\.2026 gibt es nicht"):
        parse_date("31.02.2026")
