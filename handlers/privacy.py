"""Data protection use cases: Auskunft (Art. 15), Löschung on request (Art. 17), and the
erasure after the retention period that the year-end run does (rules/privacy.py decides what).

Records are kept ledger-style, so an erasure is itself a recorded step: the rows that held the
data are overwritten with "[gelöscht]" (amounts, dates, conference and outcome stay), and an
entry in a `privacy` table says what kind of data of which records was erased, when and why;
never the data itself (`erasure_log` reads them all). An erasure on request is logged in
global.json; the year-end run logs each expired year's numbers in that year's own file, in the
same commit as its erasure, and in global.json only when and how many, so global.json, read at
every start, does not grow with the years erased. Afterwards the journal is emptied by a
checkpoint, so the old rows are not left in journal.log either. Backups made before keep the
data until they are rotated out (docs/PRIVACY.md).
"""

from __future__ import annotations

import logging
import re
import secrets
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tinydb import Query

from rules.people import Person, normal_address
from rules.privacy import (
    ERASED,
    RUNNING,
    Duty,
    duty,
    erasure_due,
    pseudonymised,
)
from storage.records import application_from_row
from storage.store import GLOBAL

if TYPE_CHECKING:
    from handlers.context import Context
    from handlers.messages import Outcome
    from handlers.service import Core
    from rules.county import Config
    from storage.store import Store

log = logging.getLogger(__name__)
RUN_KEY = "privacy_run"


def identity(config: Config, who: str) -> tuple[str, Person | None]:
    """The key the records use for `who`: a person id, an address in the configuration, or an
    applicant's identity key `<channel>:<address>` (the shell reads what an administrator
    typed, e.g. a bare e-mail address, as such a key: bot.channel.identity_key)."""
    who = who.strip()
    channel, _, address = who.partition(":")
    address = normal_address(address)
    person = config.person(who) or next(
        (config.person(a.person) for a in config.addresses
         if a.channel == channel and normal_address(a.address) == address), None)
    if person is not None:
        return person.id, person
    if address and channel in config.channel_labels:
        return f"{channel}:{address}", None
    return who, None


def _rows(store: Store, table: str, years: Iterable[int] | None = None
          ) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(year, doc id, row) of a yearly table in these years (default: every year)."""
    for year in store.years() if years is None else years:
        store.focus(year)
        for doc_id, row in list(store.partitions.raw(str(year), table).items()):
            yield year, doc_id, row


def _sender(row: dict[str, Any]) -> str:
    return str(row.get("outcome", {}).get("sender", ""))


def report(store: Store, config: Config, who: str) -> dict[str, Any]:
    """Everything the store holds about one person (Art. 15), as plain data."""
    key, person = identity(config, who)
    linked = store.addresses_of(person.id) if person else {}
    applications = [row for _, _, row in _rows(store, "applications") if row["contact"] == key]
    messages = [{"source_id": row["source_id"], "accepted": row["outcome"].get("accepted"),
                 "replies": [r["text"] for r in row["outcome"].get("replies", [])]}
                for _, _, row in _rows(store, "processed") if _sender(row) == key]
    notifications = [{k: row.get(k) for k in ("created_at", "kind", "text", "delivered",
                                              "application_number")}
                     for _, _, row in _rows(store, "outbox") if row.get("recipient") == key]
    return {
        "key": key,
        "person": ({"id": person.id, "name": person.name, "role": person.role,
                    "conference": person.conference, "email": person.email}
                   if person else None),
        "linked": linked,  # chats linked with /start, by channel
        "applications": applications,
        "messages": messages,
        "notifications": notifications,
    }


@dataclass
class Erasure:
    applications: list[str] = field(default_factory=list)
    messages: int = 0
    notifications: int = 0
    refused: list[Duty] = field(default_factory=list)

    def add(self, other: Erasure) -> None:
        self.applications += other.applications
        self.messages += other.messages
        self.notifications += other.notifications

    def counted(self, years: list[int]) -> str:
        """`summary` with counts instead of numbers, and where the numbers are logged."""
        parts = []
        if self.applications:
            where = ", ".join(f"{year}.json" for year in years)
            parts.append(f"Anträge: {len(self.applications)} (Träger, Titel, Kontakt, Texte "
                         f"der Skizze; die Nummern in der Tabelle privacy von {where})")
        if self.messages:
            parts.append(f"{self.messages} Nachrichtenprotokolle (Absender, Antworttexte)")
        if self.notifications:
            parts.append(f"{self.notifications} Benachrichtigungen (Empfänger, Text)")
        return "; ".join(parts) or "nichts"

    @property
    def anything(self) -> bool:
        return bool(self.applications or self.messages or self.notifications)

    def summary(self) -> str:
        parts = []
        if self.applications:
            parts.append(f"Anträge {', '.join(self.applications)} (Träger, Titel, Kontakt, "
                         "Texte der Skizze)")
        if self.messages:
            parts.append(f"{self.messages} Nachrichtenprotokolle (Absender, Antworttexte)")
        if self.notifications:
            parts.append(f"{self.notifications} Benachrichtigungen (Empfänger, Text)")
        return "; ".join(parts) or "nichts"


def _texts(row: dict[str, Any]) -> str:
    if "outcome" in row:
        return " ".join(r.get("text", "") for r in row["outcome"].get("replies", []))
    return f"{row.get('text', '')} {row.get('event') or ''}"


def _erase_rows(store: Store, due: Callable[[int, str, dict[str, Any]], bool],
                pseudonym: str, result: Erasure, years: Iterable[int] | None = None) -> None:
    """Overwrite the messages and notifications `due(year, who, row)` picks, in these years
    (default: every year): who sent or got them becomes the pseudonym, their texts
    "[gelöscht]". Rows erased before are skipped, so a repeated step changes nothing."""
    for year, doc_id, row in list(_rows(store, "processed", years)):
        if not _sender(row).startswith("gelöscht:") and due(year, _sender(row), row):
            outcome = {**row["outcome"], "sender": pseudonym,
                       "replies": [{"text": ERASED, "actions": []}]}
            store.year_table(year, "processed").update({"outcome": outcome},
                                                       doc_ids=[int(doc_id)])
            result.messages += 1
    for year, doc_id, row in list(_rows(store, "outbox", years)):
        recipient = str(row.get("recipient", ""))
        if row.get("text") != ERASED and due(year, recipient, row):
            personal = ":" in recipient  # an applicant's <channel>:<address>, not a person id
            store.year_table(year, "outbox").update(
                {"recipient": pseudonym if personal else recipient, "text": ERASED,
                 "actions": [], "event": None}, doc_ids=[int(doc_id)])
            result.notifications += 1


NUMBER = re.compile(r"\b\w+-\d{4}-\d+\b")  # an application number in a text (ADE-2026-003)


def _about(row: dict[str, Any], numbers: set[str]) -> bool:
    """Whether a message or notification is about one of these applications. The numbers in
    the text are found in one pass, so the cost does not grow with the set of numbers."""
    number = (row.get("outcome") or row).get("application_number")
    if number in numbers:
        return True
    return bool(numbers) and not numbers.isdisjoint(NUMBER.findall(_texts(row)))


def _record(store: Store, now: datetime, kind: str, result: Erasure, basis: str, *,
            what: str | None = None, year: int | None = None) -> None:
    """The erasure on the record: what kind of data of which records, when, why; no data. In
    global.json, or in the file of `year` (the numbers of a year-end run's expired year)."""
    what = result.summary() if what is None else what
    table = store.table(GLOBAL, "privacy") if year is None else store.year_table(year, "privacy")
    table.insert({
        "at": now.isoformat(timespec="seconds"), "kind": kind, "basis": basis, "what": what,
        "refused": [{"application": d.number, "duty": d.reason} for d in result.refused],
    })
    log.info("Datenschutz: gelöscht (%s, %s%s): %s", kind, basis,
             f", {year}" if year is not None else "", what)


def erasure_log(store: Store) -> list[dict[str, Any]]:
    """Every entry of the erasure log, oldest first (a year-end run's years before its entry
    in global.json), each with the file it is kept in ("file": "global" or the year): read
    from global.json and every year file, one at a time, not kept open."""
    entries = [{**row, "file": GLOBAL} for row in store.partitions.rows(GLOBAL, "privacy")]
    for year in store.years():
        data = store.partitions.peek(str(year))
        entries += [{**row, "file": year} for row in data.get("privacy", {}).values()]
    return sorted(entries, key=lambda entry: (entry["at"], entry["file"] == GLOBAL))


def erase_person(core: Core, who: str, now: datetime) -> tuple[Person | None, Erasure]:
    """Erase one person's data where no duty stands against it (Art. 17); committed, and the
    journal emptied. Configured people (staff) are refused by the caller."""
    store, config = core.store, core.config
    key, person = identity(config, who)
    result = Erasure()
    if person is not None:
        return person, result
    keep = config.keep_years
    pseudonym = f"gelöscht:{secrets.token_hex(4)}"
    retained: set[str] = set()
    for _, _, row in list(_rows(store, "applications")):
        if row["contact"] != key:
            continue
        found = duty(row, keep, now.date())
        if found is not None:
            result.refused.append(found)
            retained.add(row["number"])
            continue
        if not row.get("erased"):
            record = pseudonymised(row, now.isoformat(timespec="seconds"),
                                   "Antrag auf Löschung (Art. 17 DSGVO)")
            if row["status"] == "incomplete":  # never complete, never decided: dropped
                record["status"] = "erased"
            store.save_application(application_from_row(record))
            result.applications.append(row["number"])
    erased = set(result.applications)
    _erase_rows(store, lambda _, who, row: (who == key and not _about(row, retained))
                or _about(row, erased), pseudonym, result)
    _record(store, now, "request", result, "Antrag auf Löschung (Art. 17 DSGVO)")
    store.commit()
    store.partitions.checkpoint()
    return None, result


def due(core: Core, now: datetime) -> Erasure | None:
    """Once a year (from 1 January on): erase the personal data of applications whose
    retention period has ended, with their messages and notifications. A failure leaves
    nothing half done in memory; the next run tries again."""
    try:
        return _due(core, now)
    except Exception:
        core.store.rollback()
        log.exception("Datenschutz: Löschung nach Ablauf der Löschfrist fehlgeschlagen")
        return None


def _due(core: Core, now: datetime) -> Erasure | None:
    """One expired year at a time: its applications whose period has ended, its messages and
    notifications (unless about a running application), committed, and the files trimmed, so
    only a few year files are in memory. A step repeated after a crash skips what it erased;
    the run's marker is written when every year is done."""
    store = core.store
    marker = f"{now.year}"
    q = Query()
    if store.table(GLOBAL, "meta").get((q.key == RUN_KEY) & (q.year == marker)):
        return None
    keep = core.config.keep_years
    at = now.isoformat(timespec="seconds")
    why = f"Löschfrist abgelaufen ([privacy] keep_years = {keep})"
    result = Erasure()
    pseudonym = f"gelöscht:{secrets.token_hex(4)}"
    # Only a year past the period can hold an application whose period has ended (it was
    # decided in its own year or later): the years within it are not even opened.
    expired = [y for y in store.years() if y + keep < now.year]
    running = ({row.number for row in store.undecided_applications()
                if row.status in RUNNING} if expired else set())
    numbers: set[str] = set()  # erased by this year's run, a crashed attempt included
    logged: list[int] = []  # the years whose files log what was erased of them
    for year in expired:
        erased = Erasure()
        for _, _, row in list(_rows(store, "applications", [year])):
            if erasure_due(row, keep, now.date()):
                store.save_application(application_from_row(pseudonymised(row, at, why)))
                erased.applications.append(row["number"])
                numbers.add(row["number"])
            elif (row.get("erased") or {}).get("why") == why and \
                    str(row["erased"].get("at", "")).startswith(marker):
                numbers.add(row["number"])
        # Every message of a year past the period goes (the accounts keep applications,
        # sessions, decisions and the ledger), unless it concerns an application still running.
        _erase_rows(store, lambda _, __, row: _about(row, numbers) or not _about(row, running),
                    pseudonym, erased, [year])
        if erased.anything:  # logged in the year's own file, committed with its erasure
            _record(store, now, "retention", erased, why, year=year)
            logged.append(year)
        result.add(erased)
        store.commit()
        store.trim()
    if numbers:  # what the years within the period say about the applications erased now
        for year in (y for y in store.years() if y not in expired):
            _erase_rows(store, lambda _, __, row: _about(row, numbers), pseudonym, result, [year])
            store.commit()
            store.trim()
    if result.anything:
        _record(store, now, "retention", result, why, what=result.counted(logged))
    store.table(GLOBAL, "meta").insert({"key": RUN_KEY, "year": marker, "at": at})
    store.commit()
    if result.anything:
        store.partitions.checkpoint()
    return result


REQUEST_KINDS = {"loeschen": ("Löschung", "Art. 17 DSGVO"),
                 "auskunft": ("Auskunft", "Art. 15 DSGVO")}


def request_in_words(ctx: Context, kind: str) -> Outcome:
    """ "Bitte löschen Sie meine Daten", "Welche Daten haben Sie gespeichert?": a data subject's
    request goes to the administration, which answers it (`sozialbot auskunft|loeschen`). The
    bot erases and discloses nothing on a message: an e-mail's sender can be forged, and the
    answer would tell a stranger whether an address is known. Nothing else changes."""
    from handlers.context import reply

    what, article = REQUEST_KINDS[kind]
    sender = ctx.message.sender
    label = ctx.config.channel_labels.get(sender.channel, sender.channel)
    doubt = ("" if sender.verified else " (Absender nicht bestätigt, kann gefälscht sein: "
             "bitte vor dem Löschen beim Absender rückfragen)")
    day = ctx.today.isoformat()
    for admin in ctx.config.people_with_role("administration"):
        ctx.notify(admin.id,
                   f"Datenschutz-Anfrage ({what}, {article}) an den Budget-II-Bot\n"
                   f"Von: {label} {sender.address[:120]}{doubt}\n"
                   f"Text: „{ctx.message.text.strip()[:300]}“\n"
                   # quoted for a shell: an address may hold ` & ; or "$(…)"@…, and the
                   # administration copies this line into a terminal
                   f"Bearbeiten mit: sozialbot {kind} {shlex.quote(sender.address)}",
                   "warning", f"privacy-request:{kind}:{ctx.identity.key}:{day}:{admin.id}")
    return reply(f"Ihre Bitte um {what} ({article}) habe ich an die Kreisverwaltung "
                 "weitergegeben; sie prüft sie und antwortet Ihnen. Ich selbst lösche und "
                 "nenne auf eine Nachricht hin keine gespeicherten Daten, weil der Absender "
                 "einer Nachricht gefälscht sein kann. Es wurde nichts geändert.")
