"""Repositories over the partitions: applications, sessions, ledger, confirmations, outbox.

Yearly records live in the file of their budget year (`2026.json`); concepts, the address book
(people linked to their chats on the channels) and invites in `global.json`. What a message
changed, the record that it was handled, and the notifications it produced are committed
together, as one journal line (see `partitions`), so a crash keeps all of it or none.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from tinydb import Query
from tinydb.table import Table

from rules.records import (
    UNDECIDED,
    Application,
    Confirmation,
    ConfirmationStatus,
    LedgerEntry,
    Session,
)
from storage.partitions import Light, Partitions, give_back_memory
from storage.records import (
    application_from_row,
    application_to_row,
    confirmation_from_row,
    confirmation_to_row,
    ledger_from_row,
    ledger_to_row,
    session_from_row,
    session_to_row,
)

GLOBAL = "global"
Record = dict[str, Any]
LINKED_BEFORE = "telegram"  # the channel of links and used invites written without one


def _new_link(row: MutableMapping[str, Any]) -> None:
    row["channel"] = row.get("channel", LINKED_BEFORE)
    row["address"] = row.pop("chat_id")


# What is read of a past year without its whole file (see `Store.focus`): its applications,
# sessions, ledger and previews (an applicant's /antraege, /saldo of that year, an
# early-January /buchen of December's decisions), and the keys of its handled messages and
# notifications (a message of December delivered again in January is answered once). Not its
# outbox and the answers stored for handled messages, which are most of a year's file.
PAST_YEAR = Light(
    tables=frozenset({"applications", "sessions", "ledger", "confirmations"}),
    keys=frozenset({("processed", "source_id"), ("outbox", "key")}))

T = TypeVar("T")


def _new_id() -> str:
    """A random id of 32 hex digits, as `uuid.uuid4().hex` made it, in a quarter of its time."""
    return os.urandom(16).hex()


def _year_name(year: int) -> str:
    return str(year)


def _number_year(number: str) -> int:
    """The year an application number names (ADE-2026-003: 2026)."""
    return int(number.split("-")[1])


class Store:
    """Yearly partitions are opened when first needed, so memory and start-up do not grow with
    the years of history. `focus(year)` names the years a message of `year` may refer to (this
    year and the one before): this year's file stays open between messages; last year's is read
    through its light copy (`PAST_YEAR`, kept in memory) and opened whole only for what that
    does not hold (a booking into it, an old message's stored answer), then closed again. An
    older year asked for is read through its light copy too, for that message. The indexes of
    handled messages and sent notifications cover these two years and nothing older, so
    neither grows with the years looked up; last year's are read at the first message that
    needs them, not at the start. Confirmation codes are indexed for every file read (a
    correction may keep its code in an older year)."""

    def __init__(self, directory: Path) -> None:
        self.partitions = Partitions(directory, PAST_YEAR, whole={GLOBAL})
        self._reset_indexes()
        self._build_closed_index()  # once per data directory, before any message
        self._build_undecided_index()
        self._migrate_links()
        self._load_address_book()
        if self.dirty:  # an index was built from every year's file, or old links rewritten
            self.commit()
            self.partitions.checkpoint()
            give_back_memory()

    def _reset_indexes(self) -> None:
        self._focused: tuple[str, ...] = ()  # last year, this year
        self._keyed: set[str] = set()  # of those, the ones in _processed and _outbox_keys
        self._indexed: set[str] = set()  # partitions whose confirmation codes are indexed
        self._processed: dict[str, str] = {}  # source id → partition holding its record
        self._outbox_keys: dict[str, str] = {}  # notification key → partition
        self._codes: dict[str, str] = {}  # confirmation code → partition

    def _index(self, name: str) -> None:
        if name in self._indexed:
            return
        self._indexed.add(name)
        for row in self.partitions.rows(name, "confirmations"):
            self._codes[row["code"]] = name

    def focus(self, year: int) -> None:
        """Name the partitions a message of `year` may refer to: this year and the one before
        (see the class)."""
        names = (_year_name(year - 1), _year_name(year))
        if names != self._focused:
            self._refocus(names)
        self._index(names[1])

    def _refocus(self, names: tuple[str, str]) -> None:
        self._focused = names
        self.partitions.focus(names[1], names[0])
        self._keyed &= set(names)
        self._processed = {k: v for k, v in self._processed.items() if v in self._keyed}
        self._outbox_keys = {k: v for k, v in self._outbox_keys.items() if v in self._keyed}
        self._key(names[1])

    def _key(self, name: str) -> None:
        """Index the keys of handled messages and notifications of a focused partition."""
        if name in self._keyed:
            return
        self._keyed.add(name)
        self._processed.update((source_id, name) for source_id in
                               self.partitions.values(name, "processed", "source_id"))
        self._outbox_keys.update((key, name) for key in
                                 self.partitions.values(name, "outbox", "key"))

    def _last_year_keyed(self) -> bool:
        """Index last year's keys, if not yet done: whether anything was to do."""
        if not self._focused or self._focused[0] in self._keyed:
            return False
        self._key(self._focused[0])
        self._index(self._focused[0])
        return True

    # -- partitions -------------------------------------------------------------------------
    def table(self, partition: str, name: str) -> Table:
        self._index(partition)
        return self.partitions.db(partition).table(name)

    def year_table(self, year: int, name: str) -> Table:
        return self.table(_year_name(year), name)

    def _upsert(self, partition: str, table: str, record: Record, *keys: str) -> None:
        """Insert, or replace the row whose `keys` match (all of it: a key the record no longer
        has is gone, not merged from the old row); found through the index of the first key, so
        a save costs the same however many rows the table has."""
        handle = self.table(partition, table)
        first, *others = keys
        for doc_id, row in self.partitions.find(partition, table, first, record[first]):
            if all(row.get(k) == record[k] for k in others):
                handle.update(_replaced_by(record), doc_ids=[int(doc_id)])
                return
        handle.insert(record)

    def _find(self, partition: str, table: str, field: str, value: Any) -> list[Record]:
        self._index(partition)
        return [row for _, row in self.partitions.find(partition, table, field, value)]

    def _find_records(self, partition: str, table: str, field: str, value: Any,
                      convert: Callable[[dict[str, Any]], T]) -> list[T]:
        """`_find` as records, each made once and kept until its row is written
        (`Partitions.find_records`)."""
        self._index(partition)
        return self.partitions.find_records(partition, table, field, value, convert)

    def _rows(self, year: int, table: str) -> list[Record]:
        name = _year_name(year)
        self._index(name)
        return self.partitions.rows(name, table)

    def years(self) -> list[int]:
        return sorted(int(n) for n in self.partitions.names() if n.isdigit())

    @property
    def dirty(self) -> bool:
        return self.partitions.dirty

    def commit(self, *, sync: bool = True) -> int:
        """Commit what changed; with `sync=False` it is not durable until `sync(position)`."""
        position = self.partitions.commit()
        if sync:
            self.partitions.sync(position)
        return position

    def sync(self, position: int | None = None) -> None:
        """Wait until every commit up to `position` (default: all so far) is on disk."""
        self.partitions.sync(position)

    @property
    def position(self) -> int:
        return self.partitions.journal.appended

    def rollback(self) -> None:
        """Forget what changed since the last commit. Nothing changed (a refusal): nothing to
        do; else the indexes are made again, and the focus kept, so that `trim` does not
        close this year's file."""
        if not self.dirty:
            return
        focused = self._focused
        self.partitions.rollback()
        self._reset_indexes()
        self._load_address_book()
        if focused:
            self.focus(int(focused[1]))

    def trim(self) -> None:
        """Between messages: close the files no message needs next (see `focus`)."""
        self.partitions.trim(keep={GLOBAL, *self._focused[1:]})

    def close(self) -> None:
        self.partitions.close()

    # -- handled messages (idempotency) -----------------------------------------------------
    def processed(self, source_id: str) -> Record | None:
        name = self._processed.get(source_id)
        if name is None and self._last_year_keyed():
            name = self._processed.get(source_id)
        if name is None:
            return None
        found = self._find(name, "processed", "source_id", source_id)
        return dict(found[0]) if found else None

    def record_processed(self, year: int, source_id: str, outcome: Record) -> None:
        self.year_table(year, "processed").insert({"source_id": source_id, "outcome": outcome})
        self._processed[source_id] = _year_name(year)

    # -- outbox -----------------------------------------------------------------------------
    def has_notification(self, key: str) -> bool:
        return key in self._outbox_keys or (self._last_year_keyed() and key in self._outbox_keys)

    def add_notifications(self, year: int, records: list[Record]) -> None:
        records = [{**record, "id": _new_id(), "delivered": {}} for record in records]
        self.year_table(year, "outbox").insert_multiple(records)
        self._outbox_keys.update((record["key"], _year_name(year)) for record in records)

    def pending_notifications(self, channel: str, since: str, years: list[int]) -> list[Record]:
        rows: list[Record] = []
        for year in years:
            rows += [dict(row) for row in self._rows(year, "outbox")
                     if channel not in row["delivered"] and row["created_at"] >= since]
        return sorted(rows, key=lambda r: r["created_at"])

    def mark_delivered(self, outbox_ids: set[str], channel: str, at: str,
                       years: list[int]) -> bool:
        marked = False
        for year in years:
            name = _year_name(year)
            found = [int(doc_id) for outbox_id in outbox_ids
                     for doc_id, row in self.partitions.find(name, "outbox", "id", outbox_id)
                     if channel not in row["delivered"]]
            if found:
                self.year_table(year, "outbox").update(
                    lambda row: row.update(delivered={**row["delivered"], channel: at}),
                    doc_ids=found)
                marked = True
        return marked

    # -- applications -----------------------------------------------------------------------
    def next_number(self, conference: str, year: int) -> str:
        found = self._find(_year_name(year), "counters", "conference", conference)
        last = found[0]["last"] if found else 0
        self._upsert(_year_name(year), "counters", {"conference": conference, "last": last + 1},
                     "conference")
        return f"{conference}-{year}-{last + 1:03d}"

    def application(self, number: str) -> Application | None:
        """An application by number; the number names its year (ADE-2026-003)."""
        parts = number.upper().split("-")
        if len(parts) != 3 or not parts[1].isdigit() or not self.partitions.exists(parts[1]):
            return None
        wanted = f"{parts[0]}-{parts[1]}-{int(parts[2]):03d}" if parts[2].isdigit() else ""
        found = self._find_records(parts[1], "applications", "number", wanted,
                                   application_from_row)
        return found[0] if found else None

    def applications_from(self, contact: str, years: Iterable[int]) -> list[Application]:
        """The applications sent from `contact` (an identity key) in `years`, by number. Each
        row is made a record once and kept until it is written (`Partitions.find_records`):
        an applicant's every sketch reads all she sent before."""
        found: list[Application] = []
        for year in years:
            name = _year_name(year)
            if self.partitions.exists(name):
                found += self._find_records(name, "applications", "contact", contact,
                                            application_from_row)
        return sorted(found, key=_by_number)

    def applications_version(self, year: int) -> tuple[int, int] | None:
        """A value that stays the same until an application of `year` may have changed
        (`Partitions.version`)."""
        return self.partitions.version(_year_name(year), "applications")

    def save_application(self, application: Application) -> None:
        record = application_to_row(application)
        self._upsert(_year_name(application.year), "applications", record, "number")
        self._index_undecided(record)

    def _index_undecided(self, record: Record) -> None:
        table = self.table(GLOBAL, "undecided")
        known = [int(doc_id) for doc_id, _ in
                 self.partitions.find(GLOBAL, "undecided", "number", record["number"])]
        if record["status"] not in UNDECIDED:
            if known:
                table.remove(doc_ids=known)
            return
        row = {"number": record["number"], "conference": record["conference"]}
        if not known:
            table.insert(row)

    def _build_undecided_index(self) -> None:
        """Once per data directory (older ones have no index): scan every year's file."""
        if self._has_index("undecided_index"):
            return
        self.table(GLOBAL, "meta").insert({"key": "undecided_index", "version": 1})
        self.table(GLOBAL, "undecided").insert_multiple(
            {"number": r["number"], "conference": r["conference"]}
            for data in self._every_year() for r in data.get("applications", {}).values()
            if r["status"] in UNDECIDED)

    def _has_index(self, key: str) -> bool:
        self._index(GLOBAL)
        return bool(self.partitions.find(GLOBAL, "meta", "key", key))

    def _every_year(self) -> Iterator[dict[str, Any]]:
        """Each year's data, one file at a time and not kept open (to build an index once)."""
        for year in self.years():
            yield self.partitions.peek(_year_name(year))

    def undecided_applications(self, conference: str | None = None, *,
                               before: int | None = None) -> list[Application]:
        """Applications not yet decided for good (UNDECIDED), of every year or of the years
        `before` the one given, by number."""
        rows = (self.partitions.rows(GLOBAL, "undecided") if conference is None else
                [r for _, r in self.partitions.find(GLOBAL, "undecided", "conference", conference)])
        found = (self.application(row["number"]) for row in rows
                 if before is None or _number_year(row["number"]) < before)
        return sorted((a for a in found if a is not None and a.undecided),
                      key=lambda a: a.number)

    def applications(self, year: int, conference: str | None = None) -> list[Application]:
        """The applications of `year` (of one conference); one conference's are made records
        once and kept until written (`Partitions.find_records`): a secretary's /antraege."""
        if conference is None:
            return [application_from_row(row) for row in self._rows(year, "applications")]
        return self._find_records(_year_name(year), "applications", "conference", conference,
                                  application_from_row)

    # -- sessions ---------------------------------------------------------------------------
    def session(self, conference: str, day: date) -> Session | None:
        found = [r for r in self._find(_year_name(day.year), "sessions", "conference", conference)
                 if r["date"] == day.isoformat()]
        return session_from_row(found[0]) if found else None

    def save_session(self, session: Session) -> None:
        self._upsert(_year_name(session.year), "sessions", session_to_row(session), "conference",
                     "date")

    def sessions(self, year: int, conference: str | None = None) -> list[Session]:
        return sorted((session_from_row(r) for r in self._rows(year, "sessions")
                       if conference is None or r["conference"] == conference),
                      key=lambda s: s.date)

    # -- ledger -----------------------------------------------------------------------------
    def add_ledger(self, entry: LedgerEntry) -> LedgerEntry:
        """Write a new entry under a new id; the entry as written."""
        entry = replace(entry, id=_new_id())
        self.year_table(entry.year, "ledger").insert(ledger_to_row(entry))
        return entry

    def ledger(self, year: int, conference: str | None = None) -> list[LedgerEntry]:
        """The entries of `year` (of one conference: made records once and kept until written,
        `Partitions.find_records`; each balance reads them)."""
        if conference is None:
            return [ledger_from_row(row) for row in self._rows(year, "ledger")]
        return self._find_records(_year_name(year), "ledger", "conference", conference,
                                  ledger_from_row)

    # -- decisions waiting for /buchen ------------------------------------------------------
    def confirmation(self, code: str) -> Confirmation | None:
        name = self._codes.get(code.upper())
        if name is None and self._last_year_keyed():
            name = self._codes.get(code.upper())
        if name is None:
            return None
        found = self._find(name, "confirmations", "code", code.upper())
        return confirmation_from_row(found[0]) if found else None

    def save_confirmation(self, confirmation: Confirmation) -> None:
        """Kept in the file of `confirmation.year`, found again by its code."""
        name = _year_name(confirmation.year)
        self._upsert(name, "confirmations", confirmation_to_row(confirmation), "code")
        self._codes[confirmation.code] = name

    def confirmations(self, year: int, status: ConfirmationStatus | None = None,
                      conference: str | None = None) -> list[Confirmation]:
        """The previews of `year`, or those with `status` and of `conference`: found through
        the index (open and held ones are few; a year has hundreds of booked ones)."""
        name = _year_name(year)
        if status is not None:
            rows = self._find(name, "confirmations", "status", str(status))
        elif conference is not None:
            rows = self._find(name, "confirmations", "conference", conference)
        else:
            rows = self._rows(year, "confirmations")
        return [confirmation_from_row(r) for r in rows
                if conference is None or r["conference"] == conference]

    # -- year state -------------------------------------------------------------------------
    def year_closed(self, year: int) -> bool:
        """From the list of closed years in global.json: a year's file is not opened for it."""
        return bool(self.partitions.find(GLOBAL, "closed_years", "year", year))

    def close_year(self, year: int, at: str) -> None:
        self.year_table(year, "meta").insert({"key": "closed", "at": at})
        self.table(GLOBAL, "closed_years").insert({"year": year, "at": at})

    def _build_closed_index(self) -> None:
        """Once per data directory (older ones have no list): read every year's file."""
        if self._has_index("closed_index"):
            return
        self.table(GLOBAL, "meta").insert({"key": "closed_index", "version": 1})
        self.table(GLOBAL, "closed_years").insert_multiple(
            {"year": year, "at": row["at"]}
            for year, data in zip(self.years(), self._every_year(), strict=True)
            for row in data.get("meta", {}).values() if row.get("key") == "closed")

    # -- not yearly -------------------------------------------------------------------------
    def concept(self, conference: str) -> Record | None:
        rows = self.table(GLOBAL, "concepts").search(Query().conference == conference)
        return dict(max(rows, key=lambda r: r["registered_at"])) if rows else None

    def add_concept(self, record: Record) -> None:
        self.table(GLOBAL, "concepts").insert(record)

    # -- the address book: people's addresses on the channels --------------------------------
    # One row per person and channel, {"person", "channel", "address"}, written when someone
    # links a chat with /start <code>. Addresses in the configuration are not stored here (the
    # core looks them up in Config.addresses). Kept in memory as well, read without the core's
    # lock (a channel asks on its event loop who wrote); replaced whole after every change.
    def _load_address_book(self) -> None:
        rows = self.partitions.rows(GLOBAL, "links")
        self._people_at = {(r["channel"], r["address"]): r["person"] for r in rows}
        self._addresses: dict[str, dict[str, str]] = {}
        for row in rows:
            self._addresses.setdefault(row["person"], {})[row["channel"]] = row["address"]

    def _migrate_links(self) -> None:
        """Rows written before the address book: {"person", "chat_id"} (a Telegram chat: the
        only channel linked then) and {"person", "chat_id", "channel"}; used invites without
        "channel" likewise. Rewritten once, when the store is opened."""
        old = [int(i) for i, r in self.partitions.raw(GLOBAL, "links").items() if "chat_id" in r]
        if old:
            self.table(GLOBAL, "links").update(_new_link, doc_ids=old)
        used = [int(i) for i, r in self.partitions.raw(GLOBAL, "invites").items()
                if r.get("chat_id") is not None and "channel" not in r]
        if used:
            self.table(GLOBAL, "invites").update({"channel": LINKED_BEFORE}, doc_ids=used)

    def person_at(self, channel: str, address: str) -> str | None:
        """The person who linked `address` on `channel`."""
        return self._people_at.get((channel, address))

    def address_of(self, person_id: str, channel: str) -> str | None:
        """The address a person linked on `channel`."""
        return self._addresses.get(person_id, {}).get(channel)

    def addresses_of(self, person_id: str) -> dict[str, str]:
        """Every address a person linked, by channel."""
        return dict(self._addresses.get(person_id, {}))

    def link(self, person_id: str, channel: str, address: str) -> None:
        """Link `address` on `channel` to a person, instead of her address there before and of
        anyone else's link to that address."""
        links = self.table(GLOBAL, "links")
        links.remove(lambda r: r["channel"] == channel
                     and (r["person"] == person_id or r["address"] == address))
        links.insert({"person": person_id, "channel": channel, "address": address})
        self._load_address_book()

    def unlink(self, person_id: str) -> bool:
        """Remove every link of a person, on every channel."""
        removed = bool(self.table(GLOBAL, "links").remove(Query().person == person_id))
        self._load_address_book()
        return removed

    def save_invite(self, record: Record) -> None:
        self.table(GLOBAL, "invites").upsert(record, Query().code == record["code"])

    def invite(self, code: str) -> Record | None:
        row = self.table(GLOBAL, "invites").get(Query().code == code)
        return dict(row) if row else None

    def void_invites(self, person_id: str, at: str) -> int:
        """Make every unused invite of a person invalid (after /trennen); how many."""
        table = self.table(GLOBAL, "invites")
        found = [int(doc_id) for doc_id, row in self.partitions.raw(GLOBAL, "invites").items()
                 if row["person"] == person_id and not row["used"] and not row.get("voided_at")]
        if found:
            table.update({"voided_at": at}, doc_ids=found)
        return len(found)

    # -- sketches refused for their social space, kept for the sender's next lines (R4) ----------
    def draft(self, sender: str) -> Record | None:
        found = self._find(GLOBAL, "drafts", "sender", sender)
        return dict(found[0]) if found else None

    def save_draft(self, record: Record, *, expired_before: str, most: int) -> None:
        """Keep `record` ({"sender", "at", "fields"}) as the sender's one draft, and drop the
        drafts older than `expired_before` (their senders never came back), and the oldest
        beyond `most` (a flood of forged senders does not grow the file)."""
        table = self.table(GLOBAL, "drafts")
        others = sorted((row["at"], int(doc_id)) for doc_id, row
                        in self.partitions.raw(GLOBAL, "drafts").items()
                        if row["sender"] != record["sender"])
        old = {doc_id for at, doc_id in others if at < expired_before}
        old.update(doc_id for _, doc_id in others[:max(0, len(others) - most + 1)])
        if old:
            table.remove(doc_ids=sorted(old))
        self._upsert(GLOBAL, "drafts", record, "sender")

    def drop_draft(self, sender: str) -> None:
        found = [int(doc_id) for doc_id, _ in self.partitions.find(GLOBAL, "drafts", "sender",
                                                                   sender)]
        if found:
            self.table(GLOBAL, "drafts").remove(doc_ids=found)

    # -- commands kept until the address on record confirms them -------------------------------
    def save_request(self, record: Record) -> None:
        self._upsert(GLOBAL, "requests", record, "code")

    def request(self, code: str) -> Record | None:
        row = next((r for r in self.partitions.rows(GLOBAL, "requests")
                    if r["code"] == code.upper()), None)
        return dict(row) if row else None

    def requests(self, person: str) -> list[Record]:
        return [dict(r) for r in self.partitions.rows(GLOBAL, "requests") if r["person"] == person]


def _by_number(application: Application) -> str:
    return application.number


def _replaced_by(record: Record) -> Callable[[MutableMapping[Any, Any]], None]:
    """A TinyDB update that makes a row exactly `record`."""
    def replace_row(row: MutableMapping[Any, Any]) -> None:
        row.clear()
        row.update(record)
    return replace_row
