"""Vote lines as secretaries type them (R11) and the even-split check (R7), as pure rules."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.decisions import (
    DecisionLineError,
    amount_problem,
    is_decision_line,
    meant_as_decision,
    parse_decision_line,
    session_date_in,
    session_without_date,
    vote_problem,
    watering_can,
)
from rules.money import format_cents

numbers = st.builds(lambda code, year, n: f"{code}-{year}-{n:03d}",
                    st.sampled_from(["ADE", "AML", "BLE", "NEU", "SCH"]),
                    st.integers(2020, 2040), st.integers(1, 999))
votes = st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))


@settings(max_examples=100, deadline=None)
@given(numbers, st.integers(1, 10**9), votes)
def test_an_approval_line_gives_back_number_amount_and_votes(number: str, cents: int,
                                                             counts: tuple) -> None:
    yes, no, abstain = counts
    line = parse_decision_line(
        f"{number} bewilligt {format_cents(cents)} (ja {yes}, nein {no}, enthaltung {abstain})")
    assert line.number == number
    assert line.outcome == "approved"
    assert line.amount_cents == cents
    assert line.votes is not None
    assert (line.votes.yes, line.votes.no, line.votes.abstain) == counts


@settings(max_examples=100, deadline=None)
@given(numbers, st.sampled_from(["bewilligt", "abgelehnt", "vertagt"]), votes)
def test_r11_votes_must_carry_the_outcome(number: str, verb: str, counts: tuple) -> None:
    yes, no, abstain = counts
    line = parse_decision_line(f"{number} {verb} (ja {yes}, nein {no}, enthaltung {abstain})")
    problem = vote_problem(line)
    if verb == "bewilligt":
        assert (problem is None) == (yes > no)
    elif verb == "abgelehnt":
        assert (problem is None) == (yes <= no)
    else:
        assert problem is None  # deferring needs no majority either way
    if problem:
        assert problem.rule == "R11"
        assert number in problem.text


@settings(max_examples=100, deadline=None)
@given(st.integers(-10**6, 10**8), st.integers(1, 10**8))
def test_r11_an_approval_is_in_full_or_in_part_never_more(amount: int, requested: int) -> None:
    problem = amount_problem("ADE-2026-001", amount, requested)
    assert (problem is None) == (0 < amount <= requested)


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 12), st.integers(100 * 100, 5_000 * 100))
def test_r7_equal_approvals_that_take_the_budget_are_flagged(count: int, each: int) -> None:
    warning = watering_can([each] * count, each * count)
    assert warning is not None
    assert warning.rule == "R7"
    assert "Gießkanne" in warning.render()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 10**7), max_size=2), st.integers(0, 10**8))
def test_r7_one_or_two_approvals_are_never_a_watering_can(amounts: list, available: int) -> None:
    assert watering_can(amounts, available) is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(100, 10**7), min_size=3, max_size=10))
def test_r7_clearly_different_amounts_are_not_flagged(amounts: list) -> None:
    amounts = [*amounts, max(amounts) * 2 + 1]
    assert watering_can(amounts, sum(amounts)) is None


def test_r7_equal_approvals_that_leave_most_of_the_budget_are_not_flagged() -> None:
    assert watering_can([100_000] * 3, 1_000_000) is None


@pytest.mark.parametrize(("typed", "outcome", "amount"), [
    ("ADE-2026-003 bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)", "approved", 120_000),
    ("ade-2026-3 teilweise bewilligt 800,- €", "approved", 80_000),
    ("Nr. 4: abgelehnt (ja 1, nein 8)", "rejected", None),
    ("5 vertagt", "deferred", None),
    ("ADE-2026-006 zurückgestellt", "deferred", None),
    ("ADE-2026-007 genehmigt", "approved", None),
    ("ADE-2026-008 angenommen", "approved", None),
    ("ADE-2026-003 einstimmig bewilligt", "approved", None),
    ("ADE-2026-003 einstimmig abgelehnt", "rejected", None),
    ("ADE-2026-003 bewilligt (7 ja, 1 nein, 0 Enthaltungen)", "approved", None),
    ("ADE-2026-003 bewilligt mit 7:1:0", "approved", None),
    ("ADE-2026-003: 1.200 € bewilligt, 7 Ja-Stimmen, 1 Nein-Stimme", "approved", 120_000),
    ("ADE-2026-003 wurde in voller Höhe bewilligt", "approved", None),
    ("ADE-2026-003 (Sprachcafé) bewilligt mit 500 €", "approved", 50_000),
    ("1. ADE-2026-003 bewilligt 1.200 €.", "approved", 120_000),
    ("ADE-2026-003 nicht bewilligt", "rejected", None),
    ("- ADE-2026-003 zurückgestellt", "deferred", None),
    ("Ergebnis von heute: 001 bewilligt mit 1.200 Euro (7 ja / 0 nein / 1 Enthaltung)",
     "approved", 120_000),
    ("Beschluss: ADE-2026-003 abgelehnt", "rejected", None),
])
def test_decision_lines_as_secretaries_type_them(typed: str, outcome: str,
                                                 amount: int | None) -> None:
    line = parse_decision_line(typed)
    assert (line.outcome, line.amount_cents) == (outcome, amount)


@pytest.mark.parametrize(("typed", "votes"), [
    ("ADE-2026-003 bewilligt (ja 7, nein 1, enthaltung 0)", "ja 7, nein 1, Enthaltung 0"),
    ("ADE-2026-003 bewilligt (7 ja, 1 nein, 0 Enthaltungen)", "ja 7, nein 1, Enthaltung 0"),
    ("ADE-2026-003 bewilligt mit 7:1:0", "ja 7, nein 1, Enthaltung 0"),
    ("ADE-2026-003 abgelehnt mit 2:6:1", "ja 2, nein 6, Enthaltung 1"),
    ("ADE-2026-003 einstimmig bewilligt", "einstimmig"),
    ("ADE-2026-003 einstimmig bewilligt (9 ja)", "einstimmig, ja 9, nein 0, Enthaltung 0"),
    # as the minutes put it: never a part of the votes lost, never read as an amount
    ("ADE-2026-003 bewilligt 1.000 € (6 dafür, 1 dagegen, 1 Enthaltung)",
     "ja 6, nein 1, Enthaltung 1"),
    ("ADE-2026-003 abgelehnt 2 dafür, 5 dagegen, 1 Enthaltung", "ja 2, nein 5, Enthaltung 1"),
    ("ADE-2026-003 bewilligt, dafuer: 5, dagegen: 2, enthalten: 1", "ja 5, nein 2, Enthaltung 1"),
    ("ADE-2026-003 bewilligt bei 7 Ja-Stimmen und 1 Gegenstimme", "ja 7, nein 1, Enthaltung 0"),
    ("ADE-2026-003 angenommen, 1.000 Euro, 6/1/1", "ja 6, nein 1, Enthaltung 1"),
    ("ADE-2026-003 abgelehnt 1/6/1", "ja 1, nein 6, Enthaltung 1"),
])
def test_votes_as_typed_on_a_phone(typed: str, votes: str) -> None:
    line = parse_decision_line(typed)
    assert line.votes is not None
    assert line.votes.render() == votes


@pytest.mark.parametrize("number", ["ADE-2026-1234", "ADE-2026-12345", "ADE-2026-999999"])
def test_application_numbers_past_999_and_9999_are_read(number: str) -> None:
    assert parse_decision_line(f"{number} bewilligt 100 €").number == number
    assert meant_as_decision(f"{number} ok")
    assert session_date_in(f"{number} bewilligt 12.03.") is None


def test_unanimous_with_no_votes_against_it_is_questioned() -> None:
    problem = vote_problem(parse_decision_line("ADE-2026-003 einstimmig bewilligt (ja 5, nein 2)"))
    assert problem is not None
    assert problem.rule == "R11"
    assert "einstimmig" in problem.text


def test_numbers_are_read_as_the_store_writes_them() -> None:
    assert parse_decision_line("ade-2026-3 vertagt").number == "ADE-2026-003"
    assert parse_decision_line("ADE-2026-01234 vertagt").number == "ADE-2026-1234"


@pytest.mark.parametrize("typed", [
    "ADE-2026-003 vielleicht",
    "ADE-2026-003 bewilligt abgelehnt",
    "ADE-2026-003 nicht vertagt",
    "1.200 € bewilligt",
    "ADE-2026-003 abgelehnt 500 €",
    "ADE-2026-003 bewilligt 1,500",
    "ADE-2026-003 bewilligt (ja sieben)",
    "ADE-2026-003 bewilligt (sechs dafür, einer dagegen)",
    "Abgelehnt: ADE-2026-003",  # a heading that says the outcome is no heading
    "Nicht bewilligt: ADE-2026-003 mit 500 €",
])
def test_unreadable_decision_lines_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(DecisionLineError) as error:
        parse_decision_line(typed)
    assert len(str(error.value)) < 300


# -- a report of results without /beschluss ---------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.builds(lambda n, rest: f"{n} {rest}", numbers,
                                        st.text(max_size=40)))
def test_no_line_that_reads_as_a_decision_is_ever_skipped(line: str) -> None:
    if is_decision_line(line):
        assert meant_as_decision(line)


@pytest.mark.parametrize(("line", "meant"), [
    ("Beschlüsse von heute Abend:", False),
    ("Viele Grüße, Anja", False),
    ("3 ok", True),  # has a number: refused as unreadable, never skipped
    ("ADE-2026-004 genehmigt", True),
    ("Kita: abgelehnt", True),
])
def test_lines_meant_as_decisions(line: str, meant: bool) -> None:
    assert meant_as_decision(line) is meant


def test_a_heading_names_the_date_and_a_decision_line_does_not() -> None:
    assert session_date_in("Beschlüsse vom 12.03.2026:") == "12.03.2026"
    assert session_date_in("Sitzung 2026-03-12") == "2026-03-12"
    assert session_date_in("ADE-2026-001 bewilligt 12.03.") is None


def test_without_a_date_the_session_held_last_in_the_past_two_weeks_is_meant() -> None:
    days = [date(2026, 3, 12), date(2026, 3, 20), date(2026, 9, 10)]
    assert session_without_date(days, date(2026, 3, 20)) == date(2026, 3, 20)
    assert session_without_date(days, date(2026, 3, 19)) == date(2026, 3, 12)
    assert session_without_date(days, date(2026, 3, 27)) == date(2026, 3, 20)
    assert session_without_date(days, date(2026, 4, 3)) == date(2026, 3, 20)  # 14 days on
    assert session_without_date(days, date(2026, 4, 4)) is None
    assert session_without_date(days, date(2026, 3, 11)) is None
