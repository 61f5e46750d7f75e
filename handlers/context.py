"""What every use case gets: who wrote, when, the configuration and the store, and a place to
collect notifications and refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from handlers.codes import WrongCodes
from handlers.messages import Action, IncomingMessage, Notification, Outcome, Reply, SessionEvent
from rules.budget import Balance, balance_from, shortfall_warning, year_closed
from rules.conferences import Conference
from rules.county import Config
from rules.people import Identity, Person
from rules.records import Application, ConfirmationStatus, LedgerEntry, LedgerKind
from rules.refusal import Refusal, Refused, Warning, refuse
from storage.store import Store


@dataclass
class Context:
    config: Config
    store: Store
    identity: Identity
    message: IncomingMessage
    now: datetime  # aware, Europe/Berlin
    notifications: list[Notification] = field(default_factory=list)
    wrong_codes: WrongCodes = field(default_factory=WrongCodes)  # the Core's, shared
    # a refusal whose store changes are kept (a sketch refused for its social space is kept
    # for the lines sent next: handlers/drafts.py); any other refusal changes nothing
    keep_refused: bool = False

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def person(self) -> Person | None:
        return self.identity.person

    # -- people -----------------------------------------------------------------------------
    def county_representatives(self) -> list[Person]:
        return self.config.people_with_role("county")

    def secretaries(self, conference: str) -> list[Person]:
        return self.config.people_with_role("secretary", conference)

    def notify(self, recipient: str, text: str, kind: str, key: str, *,
               actions: tuple[Action, ...] = (), event: SessionEvent | None = None,
               application_number: str | None = None) -> None:
        if recipient == self.identity.key or self.store.has_notification(key):
            return
        if any(n.key == key for n in self.notifications):
            return
        self.notifications.append(Notification(recipient, text, kind, key, actions, event,
                                               application_number))

    def warn_county(self, warning: Warning, key: str, about: str) -> None:
        for person in self.county_representatives():
            self.notify(person.id, f"{about}\n{warning.render()}", "warning",
                        f"{key}:{person.id}")

    # -- conferences ------------------------------------------------------------------------
    def conference(self, code: str) -> Conference:
        conference = self.config.conference(code)
        if conference is None:
            raise refuse("", f"Die Konferenz „{code}“ kenne ich nicht.")
        return conference

    def own_conference(self) -> Conference:
        """The secretary's conference; a secretary acts only for her own."""
        person = self.person
        if person is None or person.role != "secretary" or person.conference is None:
            raise refuse("", "Das dürfen nur die Geschäftsführungen der Sozialkonferenzen.")
        return self.conference(person.conference)

    # -- money ------------------------------------------------------------------------------
    def balance(self, conference: Conference, year: int) -> Balance:
        entries = [(e.kind, e.amount_cents) for e in self.store.ledger(year, conference.code)]
        posted, due = self._allotment(conference, year, entries)
        if due != posted or not any(kind == LedgerKind.ALLOTMENT for kind, _ in entries):
            entries.append((LedgerKind.ALLOTMENT, due - posted))  # R1 as configured, not yet posted
        balance = balance_from(entries, self.held_cents(conference, year))
        if balance.shortfall and not self.store.year_closed(year):
            self._warn_shortfall(conference, year, balance)
        return balance

    def _allotment(self, conference: Conference, year: int,
                   entries: list[tuple[LedgerKind, int]]) -> tuple[int, int]:
        """(posted, due) allotment of a year: due is the configured one (R1) while the year is
        open, even below what is bound already (that is a shortfall, see `_warn_shortfall`)."""
        posted = sum(amount for kind, amount in entries if kind == LedgerKind.ALLOTMENT)
        if self.store.year_closed(year):
            return posted, posted
        return posted, conference.allotment_cents(year)

    def _warn_shortfall(self, conference: Conference, year: int, balance: Balance) -> None:
        """R1/R3: the configured allotment is below what is bound; once per configured value."""
        for person in self.config.people_with_role("administration"):
            self.notify(person.id, shortfall_warning(conference.name, year, balance), "warning",
                        f"shortfall:{conference.code}:{year}:{balance.allotment}:"
                        f"{balance.bound}:{person.id}")

    def held_cents(self, conference: Conference, year: int) -> int:
        """Approvals held under R9 at sessions of `year`. The session's year counts, not the
        application's (a sketch of December is decided in March); a closed year holds nothing,
        since what was not confirmed by its close was not booked."""
        if self.store.year_closed(year):
            return 0
        return sum(a.approved_cents or 0 for a in self.held_applications(conference, year))

    def held_applications(self, conference: Conference, year: int) -> list[Application]:
        """Applications whose decisions at sessions of `year` wait for the county (R9)."""
        numbers = sorted({line["number"] for c in self.store.confirmations(
            year, ConfirmationStatus.HELD, conference.code) for line in c.lines})
        found = (self.store.application(number) for number in numbers)
        return [a for a in found if a is not None and a.status == "held"]

    def open_year(self, conference: Conference, year: int) -> None:
        """Post the R1 allotment of a year before its first booking; refuse a closed year (R2)."""
        if self.store.year_closed(year):
            raise Refused(year_closed(year))
        entries = [(e.kind, e.amount_cents) for e in self.store.ledger(year, conference.code)]
        posted, due = self._allotment(conference, year, entries)
        if due == posted and any(kind == LedgerKind.ALLOTMENT for kind, _ in entries):
            return
        self.book(conference.code, year, LedgerKind.ALLOTMENT, due - posted, None,
                  "Zuweisung laut Konfiguration (R1)")

    def book(self, conference: str, year: int, kind: LedgerKind, amount: int,
             application: str | None, note: str, *, correction: str | None = None) -> None:
        """A new ledger entry; `correction` names the /korrektur code it belongs to."""
        self.store.add_ledger(LedgerEntry(
            year=year, conference=conference, kind=kind, amount_cents=amount,
            application=application, source_id=self.message.source_id,
            booked_at=self.now.isoformat(timespec="seconds"), note=note,
            correction=correction or None))


def reply(text: str, *, actions: tuple[Action, ...] = (), application_number: str | None = None,
          documents: tuple = (), settles: str | None = None) -> Outcome:
    return Outcome(True, (Reply(text, actions, documents),),
                   application_number=application_number, settles=settles)


def ask(text: str, *, actions: tuple[Action, ...] = ()) -> Outcome:
    """A question back (which session? which code?): nothing was done, so it is not accepted."""
    return Outcome(False, (Reply(text, actions),))


def refusal_outcome(refusal: Refusal, actions: tuple[Action, ...] = ()) -> Outcome:
    """The one way a refusal reaches a person: its rendered text, with the answers it offers."""
    return Outcome(False, (Reply(refusal.render(), actions),), rule=refusal.rule or None)
