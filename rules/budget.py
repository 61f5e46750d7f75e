"""Budget arithmetic (R1–R3, R10): balances derived from ledger entries, the year-end close,
and the words of these rules' refusals.

Ledger kinds: allotment (R1), carry_in and carry_out (R2), commitment (a booked approval),
release (R10, after a veto), lapse (R2). Amounts are positive cents; the kind gives the sign.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rules.money import format_cents
from rules.records import LedgerKind
from rules.refusal import Refusal


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


def balance_from(entries: Iterable[tuple[LedgerKind, int]], held: int = 0) -> Balance:
    """Sum (kind, amount) ledger entries into a balance."""
    sums = dict.fromkeys(LedgerKind, 0)
    for kind, amount in entries:
        sums[kind] += amount
    return Balance(
        allotment=sums[LedgerKind.ALLOTMENT],
        carried_in=sums[LedgerKind.CARRY_IN],
        bound=sums[LedgerKind.COMMITMENT] - sums[LedgerKind.RELEASE],
        lapsed=sums[LedgerKind.LAPSE],
        carried_out=sums[LedgerKind.CARRY_OUT],
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


def over_balance(approved: int, balance: Balance, conference_name: str,
                 year: int) -> Refusal | None:
    """R3: the approvals of one report bind more than is free."""
    if can_bind(balance, approved):
        return None
    return Refusal("R3", f"Bewilligt sind zusammen {format_cents(approved)}, verfügbar sind für "
                         f"{conference_name} {year} nur {format_cents(balance.free)}.",
                   "Bitte kürzen Sie Beträge oder vertagen Sie Anträge.")


def correction_over_balance(more: int, balance: Balance, conference_name: str,
                            year: int) -> Refusal | None:
    """R3: a correction binds more than is free."""
    if can_bind(balance, more):
        return None
    return Refusal("R3", f"Die Korrektur bindet {format_cents(more)} mehr, verfügbar sind für "
                         f"{conference_name} {year} nur {format_cents(balance.free)}.")


def shortfall_warning(conference_name: str, year: int, balance: Balance) -> str:
    """R1/R3: the administration set an allotment below what is bound already."""
    carried = (f" (Übertrag aus {year - 1}: {format_cents(balance.carried_in)})"
               if balance.carried_in else "")
    return (f"Achtung R3: Die Zuweisung {conference_name} {year} steht in der Konfiguration auf "
            f"{format_cents(balance.allotment)}, gebunden sind aber schon "
            f"{format_cents(balance.bound)}{carried}. Fehlbetrag: "
            f"{format_cents(balance.shortfall)}. Neue Bewilligungen sind nicht möglich. Bitte "
            "prüfen Sie die Zuweisung (Kreisverwaltung, sozialbot.toml "
            f"[budget.allotments.{year}]).")


def shortfall_note(conference: str, allotment: int, bound: int, shortfall: int) -> str:
    """R1/R3 in the county's reports: an allotment set below what is bound."""
    return (f"Achtung R3: {conference}: Zuweisung {format_cents(allotment)} liegt unter dem "
            f"Gebundenen ({format_cents(bound)}); Fehlbetrag {format_cents(shortfall)}. Die "
            "Kreisverwaltung prüft die Zuweisung.")


def year_closed(year: int) -> Refusal:
    """R2: nothing is booked in a closed year."""
    return Refusal("R2", f"Das Haushaltsjahr {year} ist abgeschlossen; darin wird nichts mehr "
                         "gebucht: sein Geld ist übertragen oder verfallen.",
                   "Über einen noch offenen Antrag entscheidet die Sozialkonferenz in einer "
                   f"Budget-II-Sitzung von {year + 1}. Fragen dazu beantwortet die "
                   "Kreisverwaltung.")


def correction_in_closed_year(year: int, booked: str) -> Refusal:
    """R2: a closed year's money is carried or lapsed; a correction may only lower what it bound."""
    return Refusal("R2", f"Das Haushaltsjahr {year} ist abgeschlossen; sein Geld ist übertragen "
                         "oder verfallen. Mehr als gebucht kann darin nicht mehr bewilligt werden "
                         f"(gebucht: {booked}).",
                   "Eine Berichtigung nach unten oder eine Ablehnung ist möglich.")


def close_year_needs_year(example: int) -> Refusal:
    """R2: /jahresabschluss with something that is not a year."""
    return Refusal("R2", f"Bitte nennen Sie das Jahr, z. B. /jahresabschluss {example}")


def close_refusal(year: int, this_year: int, closed: bool, kept: bool,
                  unclosed_before: Sequence[int]) -> Refusal | None:
    """R2: a year is closed once, after its end, in order, and only if the bot kept it."""
    if year >= this_year:
        return Refusal("R2", f"Das Haushaltsjahr {year} läuft noch bis zum 31.12.{year}; "
                             "abgeschlossen wird es ab dem 1. Januar.")
    if closed:
        return Refusal("R2", f"Das Haushaltsjahr {year} ist schon abgeschlossen; ein zweiter "
                             "Abschluss ist nicht möglich.")
    if not kept:
        return Refusal("R2", f"Für {year} hat der Bot nichts verwaltet: keine Anträge, Sitzungen "
                             "oder Buchungen. Ein Abschluss würde Zuweisungen übertragen, die es "
                             "hier nie gab; er ist daher nicht möglich.")
    if unclosed_before:
        return Refusal("R2", f"Bitte schließen Sie zuerst {unclosed_before[0]} ab: "
                             f"/jahresabschluss {unclosed_before[0]}")
    return None


def veto_refusal(number: str, reason_given: bool, status_word: str | None) -> Refusal | None:
    """R10: a veto names its reason and applies only to an approved or held decision
    (`status_word` is the application's status in words when it is neither)."""
    if not reason_given:
        return Refusal("R10", "Ein Veto braucht eine Begründung.",
                       f"Bitte senden Sie: /veto {number} <Begründung>")
    if status_word is not None:
        return Refusal("R10", f"{number} ist nicht bewilligt (Stand: {status_word}); ein Veto "
                              "gilt nur für bewilligte oder zurückgehaltene Beschlüsse.")
    return None


def veto_needs_number(example: str, approved: Sequence[str]) -> Refusal:
    """R10: /veto without an application."""
    listed = f". Bewilligt sind: {', '.join(approved[-8:])}" if approved else ""
    return Refusal("R10", "Bitte nennen Sie Antrag und Begründung, z. B. "
                          f"/veto {example} passt nicht zum Sozialraumkonzept{listed}")


def veto_unknown(number: str) -> Refusal:
    """R10: /veto for an application that does not exist."""
    return Refusal("R10", f"Einen Antrag {number[:20]} gibt es nicht.",
                   "/antraege zeigt die Anträge.")


def vetoed_stays(number: str) -> Refusal:
    """R10: a correction does not lift the county's veto."""
    return Refusal("R10", f"Zu {number} hat der Landkreis ein Veto eingelegt; das hebt keine "
                          "Korrektur auf.", "Bitte wenden Sie sich an den Landkreis.")
