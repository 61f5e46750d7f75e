"""Property tests of the pure budget arithmetic (R1–R3, R9, R10): a conference's money over
several years of commitments, releases, held decisions and year-ends, checked against the
rules themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.budget import Balance, balance_from, can_bind, year_end
from rules.records import LedgerKind

EURO = 100


@dataclass
class Year:
    """One budget year of one conference, kept as the ledger the handlers would write."""

    allotment: int
    carried_in: int
    entries: list[tuple[LedgerKind, int]] = field(default_factory=list)
    commitments: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    closed: bool = False

    def __post_init__(self) -> None:
        self.entries.append((LedgerKind.ALLOTMENT, self.allotment))
        if self.carried_in:
            self.entries.append((LedgerKind.CARRY_IN, self.carried_in))

    def balance(self) -> Balance:
        return balance_from(self.entries, 0 if self.closed else sum(self.held))


amounts = st.integers(min_value=1, max_value=15_000 * EURO)
steps = st.one_of(
    st.tuples(st.just("commit"), amounts),
    st.tuples(st.just("hold"), amounts),
    st.tuples(st.just("confirm_held"), st.integers(0, 30)),
    st.tuples(st.just("veto_held"), st.integers(0, 30)),
    st.tuples(st.just("release"), st.integers(0, 30)),
)
year_plans = st.tuples(
    st.integers(min_value=0, max_value=20_000 * EURO),  # R1: the allotment of that year
    st.lists(steps, max_size=25),
)


def assert_sound(balance: Balance) -> None:
    """No part of a balance is ever negative (R3), and the money adds up."""
    for name in ("allotment", "carried_in", "bound", "lapsed", "carried_out", "held",
                 "available", "free", "carried_in_left"):
        assert getattr(balance, name) >= 0, (name, balance)
    assert (balance.allotment + balance.carried_in
            == balance.bound + balance.available + balance.lapsed + balance.carried_out)
    assert balance.carried_in_left <= balance.available


def play(year: Year, plan: list[tuple[str, int]]) -> None:
    """Apply the steps as the handlers do: every commitment and hold is guarded by can_bind."""
    for kind, value in plan:
        before = year.balance()
        if kind in ("commit", "hold"):
            if can_bind(before, value):
                if kind == "commit":
                    year.entries.append((LedgerKind.COMMITMENT, value))
                    year.commitments.append(value)
                else:
                    year.held.append(value)
            else:
                assert value > before.free  # a refusal only when it really does not fit
        elif kind == "confirm_held" and year.held:
            amount = year.held.pop(value % len(year.held))
            year.entries.append((LedgerKind.COMMITMENT, amount))  # R9: no new R3 check
            year.commitments.append(amount)
        elif kind == "veto_held" and year.held:
            year.held.pop(value % len(year.held))  # R10 on a held decision: nothing was bound
        elif kind == "release" and year.commitments:
            amount = year.commitments.pop(value % len(year.commitments))
            year.entries.append((LedgerKind.RELEASE, amount))  # R10: the vetoed amount returns
            assert year.balance().free == before.free + amount
        assert_sound(year.balance())


def close(year: Year) -> int:
    """R2 at the end of the year: book lapse and carry-out, return what moves on."""
    balance = year.balance()
    end = year_end(balance)
    assert end.lapse >= 0
    assert end.carry_out >= 0
    assert end.lapse + end.carry_out == balance.available
    if end.lapse:
        year.entries.append((LedgerKind.LAPSE, end.lapse))
    if end.carry_out:
        year.entries.append((LedgerKind.CARRY_OUT, end.carry_out))
    year.closed = True
    return end.carry_out


@settings(max_examples=100, deadline=None)
@given(st.lists(year_plans, min_size=1, max_size=5))
def test_random_years_never_go_negative_and_always_add_up(plans: list) -> None:
    carried = 0
    for allotment, plan in plans:
        year = Year(allotment, carried)
        play(year, plan)
        carried = close(year)
        closed = year.balance()
        assert_sound(closed)
        assert closed.available == 0
        assert closed.free == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(year_plans, min_size=2, max_size=5))
def test_carried_money_is_spent_first_and_never_survives_a_second_year_end(plans: list) -> None:
    carried = 0
    for allotment, plan in plans:
        year = Year(allotment, carried)
        play(year, plan)
        before = year.balance()
        carried = close(year)
        lapsed = year.balance().lapsed
        # What came in from last year and is not bound lapses now (spent first: R2) ...
        assert lapsed == max(0, year.carried_in - before.bound)
        # ... so what moves on comes from this year's allotment alone, never from the carry-in.
        assert carried <= year.allotment
        # Held decisions (R9) were not booked by the close: their money moves on as well.
        assert carried == year.allotment - max(0, before.bound - year.carried_in)
        assert lapsed + min(year.carried_in, before.bound) == year.carried_in


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["allotment", "carry_in", "commitment", "release",
                                            "lapse", "carry_out"]),
                          st.integers(0, 10**9)), max_size=30),
       st.integers(0, 10**9))
def test_a_balance_is_the_sum_of_its_ledger_entries(entries: list, held: int) -> None:
    balance = balance_from(entries, held)

    def total(kind: str) -> int:
        return sum(amount for k, amount in entries if k == kind)

    assert balance.allotment == total("allotment")
    assert balance.carried_in == total("carry_in")
    assert balance.bound == total("commitment") - total("release")
    assert balance.lapsed == total("lapse")
    assert balance.carried_out == total("carry_out")
    # Nothing shows below zero: what is bound beyond the year's money is a shortfall (R1, R3).
    assert balance.available >= 0
    assert balance.shortfall >= 0
    assert balance.free >= 0
    assert not (balance.available and balance.shortfall)
    assert balance.free == max(0, balance.available - held)
    assert (balance.allotment + balance.carried_in + balance.shortfall
            == balance.bound + balance.available + balance.lapsed + balance.carried_out)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**8), st.integers(0, 10**8), st.integers(0, 10**8),
       st.integers(-10**6, 10**8))
def test_can_bind_allows_exactly_what_is_free(allotment: int, carried_in: int, held: int,
                                              amount: int) -> None:
    balance = Balance(allotment=allotment, carried_in=carried_in, bound=0, held=0)
    held = min(held, balance.available)
    balance = Balance(allotment=allotment, carried_in=carried_in, bound=0, held=held)
    assert can_bind(balance, amount) == (0 < amount <= allotment + carried_in - held)


def test_ten_thousand_euro_less_two_decisions_leaves_eight_thousand_five_hundred() -> None:
    balance = balance_from([(LedgerKind.ALLOTMENT, 1_000_000), (LedgerKind.COMMITMENT, 120_000),
                            (LedgerKind.COMMITMENT, 30_000)])
    assert balance.available == 850_000
    assert can_bind(balance, 850_000)
    assert not can_bind(balance, 850_001)


def test_a_veto_returns_the_amount_to_the_balance() -> None:
    balance = balance_from([(LedgerKind.ALLOTMENT, 1_000_000), (LedgerKind.COMMITMENT, 400_000),
                            (LedgerKind.RELEASE, 400_000)])
    assert balance.bound == 0
    assert balance.available == 1_000_000


def test_year_end_lapses_the_unspent_carry_in_and_carries_the_unspent_allotment() -> None:
    balance = balance_from([(LedgerKind.ALLOTMENT, 1_000_000), (LedgerKind.CARRY_IN, 600_000),
                            (LedgerKind.COMMITMENT, 250_000)])
    end = year_end(balance)
    assert (end.lapse, end.carry_out) == (350_000, 1_000_000)


def test_year_end_after_spending_more_than_the_carry_in_lapses_nothing() -> None:
    balance = balance_from([(LedgerKind.ALLOTMENT, 1_000_000), (LedgerKind.CARRY_IN, 200_000),
                            (LedgerKind.COMMITMENT, 500_000)])
    end = year_end(balance)
    assert (end.lapse, end.carry_out) == (0, 700_000)


def test_nothing_can_be_bound_with_a_zero_or_negative_amount() -> None:
    balance = balance_from([(LedgerKind.ALLOTMENT, 1_000_000)])
    assert not can_bind(balance, 0)
    assert not can_bind(balance, -100)
