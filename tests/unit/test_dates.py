"""Dates and times as people in Germany write them, read without a clock and written back."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.dates import (
    BERLIN,
    DateError,
    TimeError,
    format_date,
    format_time,
    format_weekday_date,
    parse_date,
    parse_time,
)

EXAMPLE = "Bitte schreiben Sie das Datum so: 12.03.2026"


def _date_or_refusal(text: str, today: date | None) -> date | DateError:
    """The date, or the refusal; any other exception escapes and fails the test."""
    try:
        read = parse_date(text, today)
    except DateError as error:
        return error
    assert type(read) is date
    return read


def _time_or_refusal(text: str) -> time | TimeError:
    """The time, or the refusal; any other exception escapes and fails the test."""
    try:
        read = parse_time(text)
    except TimeError as error:
        return error
    assert type(read) is time
    return read


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("12.03.2026", date(2026, 3, 12)),
        ("12.3.2026", date(2026, 3, 12)),
        ("1.3.2026", date(2026, 3, 1)),
        ("2026-03-12", date(2026, 3, 12)),
        ("12.03.26", date(2026, 3, 12)),
        ("29.02.2028", date(2028, 2, 29)),
        (" 12.03.2026 ", date(2026, 3, 12)),
        ("01.01.2000", date(2000, 1, 1)),
        ("31.12.2099", date(2099, 12, 31)),
    ],
)
def test_dates_as_people_write_them_are_read(typed: str, day: date) -> None:
    assert parse_date(typed) == day


@pytest.mark.parametrize(
    ("typed", "today", "day"),
    [
        ("12.03.", date(2026, 1, 10), date(2026, 3, 12)),
        ("12.3.", date(2026, 1, 10), date(2026, 3, 12)),
        ("24.12.", date(2026, 3, 1), date(2026, 12, 24)),
        ("12.02.", date(2026, 3, 1), date(2026, 2, 12)),
        ("20.03.", date(2026, 9, 15), date(2026, 3, 20)),
        ("12.03.", date(2026, 9, 15), date(2027, 3, 12)),
        ("10.01.", date(2026, 12, 20), date(2027, 1, 10)),
        ("15.06.", date(2026, 12, 20), date(2027, 6, 15)),
        ("25.06.", date(2026, 12, 20), date(2026, 6, 25)),
        ("29.02.", date(2027, 10, 1), date(2028, 2, 29)),
    ],
)
def test_a_date_without_year_is_this_year_unless_more_than_six_months_past(
    typed: str, today: date, day: date
) -> None:
    assert parse_date(typed, today) == day


def test_a_date_without_year_needs_today() -> None:
    with pytest.raises(DateError, match="mit Jahr"):
        parse_date("12.03.")


def test_an_impossible_date_is_named_in_the_refusal() -> None:
    with pytest.raises(DateError) as error:
        parse_date("31.02.2026")
    assert "Den 31.02.2026 gibt es nicht" in error.value.message
    assert EXAMPLE in error.value.message


def test_a_day_without_year_that_does_not_exist_this_year_is_named() -> None:
    with pytest.raises(DateError, match=r"29\.02\.2026 gibt es nicht"):
        parse_date("29.02.", date(2026, 1, 5))


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "morgen",
        "12.03.2026 18:30",
        "12/03/2026",
        "12-03-2026",
        "2026-3-12",
        "12032026",
        "12.03",
        "12.03.026",
        "123.03.2026",
        "00.03.2026",
        "12.00.2026",
        "12.13.2026",
        "31.04.2026",
        "29.02.2027",
        "12.03.1999",
        "12.03.2100",
        "1999-03-12",
        "12.03.0026",
        "١٢.٠٣.٢٠٢٦",
        "１２.０３.２０２６",
        "x" * 500,
    ],
)
def test_unreadable_or_impossible_dates_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(DateError) as error:
        parse_date(typed, date(2026, 3, 1))
    assert EXAMPLE in error.value.message
    assert str(error.value) == error.value.message


def test_a_year_outside_this_century_is_refused_saying_which_years_work() -> None:
    with pytest.raises(DateError, match="2000 bis 2099"):
        parse_date("12.03.1999")


@pytest.mark.parametrize(
    ("typed", "clock"),
    [
        ("18:30", time(18, 30)),
        ("18.30", time(18, 30)),
        ("18:30 Uhr", time(18, 30)),
        ("18:30Uhr", time(18, 30)),
        ("18 Uhr", time(18, 0)),
        ("18 uhr", time(18, 0)),
        ("18", time(18, 0)),
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_times_as_people_write_them_are_read(typed: str, clock: time) -> None:
    assert parse_time(typed) == clock


@pytest.mark.parametrize(
    "typed",
    [
        "25:00",
        "24:00",
        "18:60",
        "18:5",
        "18:300",
        "abends",
        "",
        "18 Uhr 30",
        "-1:00",
        "١٨:٣٠",
        "6pm",
        "x" * 500,
    ],
)
def test_unreadable_or_impossible_times_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(TimeError) as error:
        parse_time(typed)
    assert "18:30" in error.value.message
    assert str(error.value) == error.value.message


def test_an_impossible_time_is_refused_as_not_existing() -> None:
    with pytest.raises(TimeError, match="„25:00“ gibt es nicht"):
        parse_time("25:00")


def test_dates_and_times_are_shown_as_germans_write_them() -> None:
    assert format_date(date(2026, 3, 12)) == "12.03.2026"
    assert format_time(time(18, 30)) == "18:30"
    assert format_time(time(9, 5)) == "09:05"
    assert format_weekday_date(date(2026, 3, 12)) == "Donnerstag, 12.03.2026"


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        (date(2026, 3, 9), "Montag"),
        (date(2026, 3, 10), "Dienstag"),
        (date(2026, 3, 11), "Mittwoch"),
        (date(2026, 3, 13), "Freitag"),
        (date(2026, 3, 14), "Samstag"),
        (date(2026, 3, 15), "Sonntag"),
    ],
)
def test_weekdays_are_named_in_german(day: date, weekday: str) -> None:
    assert format_weekday_date(day) == f"{weekday}, {format_date(day)}"


def test_berlin_is_the_timezone_for_everyone() -> None:
    assert str(BERLIN) == "Europe/Berlin"


@settings(max_examples=300, deadline=None)
@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_parsing_a_formatted_date_gives_it_back(day: date) -> None:
    assert parse_date(format_date(day)) == day
    assert parse_date(day.isoformat()) == day


@settings(max_examples=300, deadline=None)
@given(st.times())
def test_parsing_a_formatted_time_gives_hours_and_minutes_back(clock: time) -> None:
    assert parse_time(format_time(clock)) == time(clock.hour, clock.minute)


@settings(max_examples=300, deadline=None)
@given(
    st.dates(date(2001, 1, 1), date(2098, 12, 31)), st.dates(date(2001, 1, 1), date(2098, 12, 31))
)
def test_a_date_without_year_is_at_most_six_months_past_and_within_a_year(
    day: date, today: date
) -> None:
    try:
        read = parse_date(f"{day.day}.{day.month}.", today)
    except DateError:
        assert (day.month, day.day) == (2, 29)
        return
    assert (read.month, read.day) == (day.month, day.day)
    assert -190 <= (read - today).days <= 366


@settings(max_examples=1000, deadline=None)
@given(st.text(), st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2099, 12, 31))))
def test_any_text_gives_a_date_or_a_polite_refusal(text: str, today: date | None) -> None:
    outcome = _date_or_refusal(text, today)
    if isinstance(outcome, DateError):
        assert EXAMPLE in outcome.message
    else:
        assert date(2000, 1, 1) <= outcome <= date(2099, 12, 31)


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_any_text_gives_a_time_or_a_polite_refusal(text: str) -> None:
    outcome = _time_or_refusal(text)
    if isinstance(outcome, TimeError):
        assert "18:30" in outcome.message


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.-: Uhr١", max_size=14))
def test_date_and_time_like_text_gives_a_value_or_a_polite_refusal(text: str) -> None:
    assert isinstance(_date_or_refusal(text, date(2026, 3, 1)), date | DateError)
    assert isinstance(_time_or_refusal(text), time | TimeError)


# -- dates and times as people write them -------------------------------------------------------

@pytest.mark.parametrize(("written", "meant"), [
    ("5. November 2026", date(2026, 11, 5)),
    ("5. Nov. 2026", date(2026, 11, 5)),
    ("5. Nov.", date(2026, 11, 5)),
    ("5. März", date(2026, 3, 5)),
    ("Do, 5.11.2026", date(2026, 11, 5)),
    ("Donnerstag, den 5.11.2026", date(2026, 11, 5)),
    ("am 5.11.", date(2026, 11, 5)),
    ("5.11.", date(2026, 11, 5)),
    ("05.11.26", date(2026, 11, 5)),
    ("2026-11-05", date(2026, 11, 5)),
])
def test_dates_as_people_write_them(written: str, meant: date) -> None:
    from rules.dates import take_date

    assert take_date(written, date(2026, 3, 2)) == (meant, "")
    assert take_date(written + " 19 Uhr Rathaus", date(2026, 3, 2)) == (meant, "19 Uhr Rathaus")


@pytest.mark.parametrize(("written", "named"), [
    ("am Rathaus", "„Rathaus“"),
    ("Do, 5.13.2026", "05.13.2026"),
    ("5. Novembr 2026", "„5. Novembr“"),
    ("31.11.", "31.11.2026"),
])
def test_a_date_that_cannot_be_read_is_named_as_written_not_a_neighbouring_word(
        written: str, named: str) -> None:
    from rules.dates import take_date

    with pytest.raises(DateError) as error:
        take_date(written, date(2026, 3, 2))
    assert named in str(error.value)
    assert "„am“" not in str(error.value)
    assert "„Do,“" not in str(error.value)


@pytest.mark.parametrize(("written", "meant", "rest"), [
    ("um 19 Uhr Rathaus", time(19, 0), "Rathaus"),
    ("19:00 Uhr", time(19, 0), ""),
    ("19.30 Uhr, Budget II", time(19, 30), ", Budget II"),
    ("18:30", time(18, 30), ""),
    ("Rathaus", None, "Rathaus"),
])
def test_times_as_people_write_them(written: str, meant: time | None, rest: str) -> None:
    from rules.dates import take_time

    assert take_time(written) == (meant, rest)
