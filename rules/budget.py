"""Budget arithmetic (R1–R3, R10): balances derived from ledger entries, and the year-end close.

Ledger kinds: allotment (R1), carry_in and carry_out (R2), commitment (a booked approval),
release (R10, after a veto), lapse (R2). Amounts are positive cents; the kind gives the sign.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

KINDS = ("allotment", "carry_in", "commitment", "release", "lapse", "carry_out")


@dataclass(frozen=True)
class Balance:
    allotment: int
    carried_in: int
    bound: int
    lapsed: int = 0
    carried_out: int = 0
    held: int = 0

    @property
    def _left(self) -> int:
        return self.allotment + self.carried_in - self.bound - self.lapsed - self.carried_out

    @property
    def available(self) -> int:
        """Not bound, not lapsed, not carried out (held decisions are still in here)."""
        return max(0, self._left)

    @property
    def shortfall(self) -> int:
        """What is bound beyond the year's money: the administration lowered the allotment
        below what was already bound (R1). It is shown as such, never hidden by an allotment
        nobody set; allotment + carried_in + shortfall = bound + available + lapsed +
        carried_out."""
        return max(0, -self._left)

    @property
    def free(self) -> int:
        """What a new decision may still bind (R3): available less decisions held under R9."""
        return max(0, self.available - self.held)

    @property
    def carried_in_left(self) -> int:
        """Carried money is spent first (R2): what is left of it lapses at this year's end."""
        if self.lapsed or self.carried_out:
            return 0
        return max(0, self.carried_in - self.bound)


def balance_from(entries: Iterable[tuple[str, int]], held: int = 0) -> Balance:
    """Sum (kind, amount) ledger entries into a balance."""
    sums = dict.fromkeys(KINDS, 0)
    for kind, amount in entries:
        sums[kind] += amount
    return Balance(
        allotment=sums["allotment"],
        carried_in=sums["carry_in"],
        bound=sums["commitment"] - sums["release"],
        lapsed=sums["lapse"],
        carried_out=sums["carry_out"],
        held=held,
    )


@dataclass(frozen=True)
class YearEnd:
    """R2 at the close of a year: leftover carry-in lapses, leftover allotment moves on once."""

    lapse: int
    carry_out: int


def year_end(balance: Balance) -> YearEnd:
    lapse = balance.carried_in_left
    return YearEnd(lapse=lapse, carry_out=balance.available - lapse)


def can_bind(balance: Balance, amount: int) -> bool:
    """R3: no balance ever goes negative."""
    return 0 < amount <= balance.free
