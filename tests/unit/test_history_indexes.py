"""What the bot needs every minute is kept in indexes, so it costs the same after many years:
the closed years are listed in global.json (a data directory from before that list gets it on
the next start), and rows are found by key without scanning their table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest

from handlers.service import Core
from tests.support.core import APPLICANT, Bot, at, booking_command, reply_text, sketch

SESSION = date(2026, 3, 12)


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    bot.session(SESSION)
    return bot


def _close_years(bot: Bot, when: date = date(2027, 1, 1)) -> None:
    number = bot.submit(Betrag="1.200 €")
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=date(2026, 3, 1))
    bot.decide(SESSION, f"{number} bewilligt")
    made = bot.run_due_reminders(at(when, 0, 5))
    assert {n.kind for n in made} == {"year_close"}


def _forget_closed_list(data: Path) -> None:
    """global.json as a version without the list of closed years wrote it."""
    path = data / "global.json"
    tables = orjson.loads(path.read_bytes())
    assert any(row["year"] == 2026 for row in tables.pop("closed_years").values())
    tables["meta"] = {k: v for k, v in tables["meta"].items() if v["key"] != "closed_index"}
    path.write_bytes(orjson.dumps(tables))


def test_a_closed_year_stays_closed_after_a_restart_without_opening_its_file(bot: Bot) -> None:
    _close_years(bot, date(2028, 1, 1))  # 2026 and 2027
    bot.reopen()
    assert bot.run_due_reminders(at(date(2028, 1, 2), 9)) == []
    # the tick opened this year and the last, not 2026 to ask whether it is closed
    assert "2026" not in bot.core.store.partitions.opened
    assert bot.balance("ADE", 2026)["closed"]
    refusal = bot.refused("verwaltung", "/jahresabschluss 2026", "R2", today=date(2028, 1, 4))
    assert "schon abgeschlossen" in reply_text(refusal)


def test_a_data_directory_from_before_the_list_learns_its_closed_years_at_start(
        bot: Bot) -> None:
    _close_years(bot)
    bot.close()
    _forget_closed_list(bot.config.data_dir)
    bot.core = Core.open(bot.config)  # the next start
    assert bot.run_due_reminders(at(date(2027, 1, 2), 9)) == []  # not closed a second time
    assert bot.balance("ADE", 2026)["closed"]
    assert not bot.balance("ADE", 2027)["closed"]
    refusal = bot.refused("verwaltung", "/jahresabschluss 2026", "R2", today=date(2027, 1, 4))
    assert "schon abgeschlossen" in reply_text(refusal)


def test_rows_changed_after_they_were_found_are_found_by_their_new_values(bot: Bot) -> None:
    first = bot.submit()
    listing = reply_text(bot.must(APPLICANT, "/antraege", today=date(2026, 2, 3)))
    assert first in listing
    assert "eingereicht" in listing
    second = bot.submit(Titel="Lesepaten in der Grundschule")
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=date(2026, 3, 1))
    bot.decide(SESSION, f"{first} bewilligt\n{second} abgelehnt")
    for _ in range(2):  # before and after a restart (indexes built again from the files)
        listing = reply_text(bot.must(APPLICANT, "/antraege", today=date(2026, 3, 20)))
        assert f"{first} " in listing
        assert f"{second} " in listing
        assert "bewilligt 1.500,00 €" in listing
        assert "abgelehnt" in listing
        assert bot.application(second)["status"] == "rejected"
        bot.reopen()
    other = reply_text(bot.must("verein@example.org", sketch(Titel="Nachhilfe"),
                                today=date(2026, 3, 21)))
    number = other.split("ADE-2026-")[1][:3]
    assert number == "003"  # the counter was found and counted on, not started again


def test_the_daily_work_reads_only_this_year_and_the_last_and_an_old_year_when_asked(
        tmp_path: Path) -> None:
    """Five closed years: the minute's tick (all day long), an applicant's list, a secretary's
    balance and list read this year's file and last year's light copy (its applications,
    sessions, waiting previews and keys) and no older file, so they cost the same with ten years
    of history as with one. An old year asked for is read and closed again after the answer,
    and the indexes of handled messages and notifications keep only the two recent years, so
    memory does not grow with the years looked up either."""
    bot = Bot(tmp_path)
    for year in range(2021, 2026):
        bot.concept(today=date(year, 1, 10))
        number = bot.submit(today=date(year, 2, 1), Titel=f"Projekt {year}")
        bot.session(date(year, 3, 11), today=date(year, 2, 3))
        bot.decide(date(year, 3, 11), f"{number} bewilligt")
        assert bot.run_due_reminders(at(date(year + 1, 1, 1), 0, 30))  # the year-end close
    december = bot.must(APPLICANT, sketch(Titel="Lesepaten"), today=date(2025, 12, 30),
                        source_id="dezember")
    bot.run_due_reminders(at(date(2026, 1, 2), 9))
    bot.reopen()
    try:
        store = bot.core.store
        for hour in range(24):
            bot.run_due_reminders(at(date(2026, 3, 2), hour, 7))
        assert "Projekt 2025" in reply_text(bot.must(APPLICANT, "/antraege",
                                                     today=date(2026, 3, 2)))
        bot.must("sek-ade", "/saldo", today=date(2026, 3, 2))
        bot.must("sek-ade", "/antraege", today=date(2026, 3, 2))
        # last year's whole file was not read: its light copy, written at the close, was
        assert set(store.partitions.opened) == {"global", "2026"}
        assert set(store.partitions._lights) == {"2025"}
        assert "Projekt 2022" in reply_text(bot.must("kreis-1", "/antraege ADE 2022",
                                                     today=date(2026, 3, 2)))
        assert store.partitions.opened["2022"] == 1  # to make its light copy, once
        assert "abgeschlossen" in reply_text(bot.must("kreis-1", "/saldo ADE 2022",
                                                      today=date(2026, 3, 2)))
        assert "abgeschlossen" in reply_text(bot.must("kreis-1", "/saldo ADE 2025",
                                                      today=date(2026, 3, 2)))
        assert store.partitions.opened["2022"] == 1
        assert not store.partitions.opened["2025"]
        # the answer stored for a message of last year is not in its light copy: the whole
        # file is read for it, and closed after the answer
        again = bot.say(APPLICANT, sketch(Titel="Lesepaten"), today=date(2026, 3, 2),
                        source_id="dezember")
        assert again.duplicate
        assert again.application_number == december.application_number
        assert store.partitions.opened["2025"] == 1
        assert set(store.partitions._dbs) == {"global", "2026"}
        assert set(store._processed.values()) | set(store._outbox_keys.values()) <= {
            "2025", "2026"}
    finally:
        bot.close()


def test_december_seen_from_january_without_last_years_file(bot: Bot) -> None:
    """Across New Year, with last year's file read only through its light copy: a message of
    December delivered again in January is answered from its record and changes nothing, and
    December's decisions are booked in January into December's year, after a restart."""
    number = bot.submit(Betrag="1.200 €", today=date(2026, 12, 1))
    december = date(2026, 12, 10)
    bot.session(december, today=date(2026, 12, 1))
    bot.must("kreis-1", f"/anwesend ADE {december:%d.%m.%Y}", today=date(2026, 12, 2))
    sent = bot.must(APPLICANT, sketch(Titel="Lesepaten im Dezember"), today=date(2026, 12, 31),
                    source_id="mail:dezember")
    preview = bot.must("sek-ade", f"/beschluss {december:%d.%m.%Y}\n{number} bewilligt",
                       today=date(2026, 12, 20))
    bot.must("sek-ade", "/saldo", today=date(2027, 1, 2))  # 2027 begins
    bot.reopen()
    store = bot.core.store
    january = at(date(2027, 1, 3))
    again = bot.say(APPLICANT, sketch(Titel="Lesepaten im Dezember"), when=january,
                    source_id="mail:dezember")
    assert again.duplicate
    assert again.application_number == sent.application_number
    assert "2026" not in store.partitions._dbs
    booked = bot.must("sek-ade", booking_command(preview), when=january)
    assert "Gebucht" in reply_text(booked)
    bot.reopen()  # the booking written into 2026.json, and into its light copy
    store = bot.core.store
    listing = reply_text(bot.must(APPLICANT, "/antraege", when=january))
    assert f"{number} " in listing
    assert "bewilligt 1.200,00 €" in listing
    assert "Lesepaten im Dezember" in listing
    assert "2026" not in store.partitions._dbs
    assert not store.partitions.opened["2026"]
    assert bot.application(number)["status"] == "approved"
    assert bot.balance("ADE", 2026)["bound_cents"] == 120000


def test_an_erasure_leaves_no_copy_in_last_years_light_copy(bot: Bot) -> None:
    """Erasing a person's data in last year's file (read through its light copy in January)
    makes that copy again from the erased file: no file of the data directory keeps it."""
    hans = "hans.huber@example.org"
    number = bot.say(hans, "/antrag\nSozialraum: Adendorf\nTräger: Hans Huber\nTitel: Ausflug\n"
                     "Betrag: 300 €", today=date(2026, 12, 2)).application_number
    assert number is not None
    bot.reopen()  # 2026.json written whole
    january = date(2027, 1, 4)
    assert "Ausflug" in reply_text(bot.must(hans, "/antraege", today=january))
    light = bot.config.data_dir / "2026.light"
    assert "Hans Huber" in light.read_text(encoding="utf-8")
    _, erasure = bot.core.erase_person(f"email:{hans}", at(january))
    assert erasure.applications == [number]
    for path in bot.config.data_dir.rglob("*"):
        if path.is_file():
            assert "Hans Huber" not in path.read_text(encoding="utf-8", errors="replace"), path
    assert "Ausflug" not in reply_text(bot.say(hans, "/antraege", today=january))


def test_a_light_copy_is_not_used_for_a_year_file_changed_since(bot: Bot) -> None:
    """A year file replaced while the bot was stopped (a restore, a repair by hand): its light
    copy was made from the file before and is made again, not read."""
    number = bot.submit(today=date(2026, 12, 2), Titel="Lesepaten")
    january = date(2027, 1, 4)
    bot.reopen()
    assert "Lesepaten" in reply_text(bot.must(APPLICANT, "/antraege", today=january))
    bot.close()
    path = bot.config.data_dir / "2026.json"
    tables = orjson.loads(path.read_bytes())
    for row in tables["applications"].values():
        if row["number"] == number:
            row["title"] = "Vorlesepaten"
    path.write_bytes(orjson.dumps(tables))
    bot.core = Core.open(bot.config)
    listing = reply_text(bot.must(APPLICANT, "/antraege", today=january))
    assert "Vorlesepaten" in listing
    assert bot.core.store.partitions.opened["2026"] == 1  # read once, to make the copy again


def test_an_applicant_sees_what_is_open_or_recent_and_older_decisions_on_request(
        tmp_path: Path) -> None:
    """Her list holds what is still open, whatever its year (a project deferred last year), and
    what happened in the last twelve months; what was decided before is counted, with the
    command that lists it, so the list does not grow with the years she has applied."""
    bot = Bot(tmp_path)
    bot.concept(today=date(2025, 1, 10))
    old = bot.submit(today=date(2025, 2, 1), Titel="Lesepaten 2025")
    deferred = bot.submit(today=date(2025, 2, 1), Titel="Ferienfahrt 2025")
    late = bot.submit(today=date(2025, 9, 1), Titel="Nachhilfe im Herbst")
    for day in (date(2025, 3, 11), date(2025, 11, 4)):
        bot.session(day, today=date(2025, 2, 3))
    bot.decide(date(2025, 3, 11), f"{old} bewilligt\n{deferred} vertagt")
    bot.decide(date(2025, 11, 4), f"{late} abgelehnt")
    new = bot.submit(today=date(2026, 2, 2), Titel="Sprachcafé 2026")
    september = date(2026, 9, 21)
    listing = reply_text(bot.must(APPLICANT, "/antraege", today=september))
    for number in (deferred, late, new):
        assert f"{number} " in listing, listing
    assert "vertagt" in listing
    assert old not in listing
    assert "Ältere abgeschlossene Anträge: 1 aus 2025, zu sehen mit /antraege 2025" in listing
    assert listing.endswith(f"/zeige {new}")
    # in March the decision of last March was less than a year ago: still listed
    assert f"{old} " in reply_text(bot.must(APPLICANT, "/antraege", today=date(2026, 3, 2)))
    year = reply_text(bot.must(APPLICANT, "/antraege 2025", today=september))
    assert year.startswith("Ihre Anträge aus 2025:")
    for number in (old, deferred, late):
        assert f"{number} " in year
    assert new not in year
    approved = reply_text(bot.must(APPLICANT, "/antraege bewilligt", today=september))
    assert approved.startswith("In den letzten zwölf Monaten"), approved
    assert "1 aus 2025, zu sehen mit /antraege 2025 bewilligt" in approved
    only = reply_text(bot.must(APPLICANT, "/antraege 2025 bewilligt", today=september))
    assert f"{old} " in only
    assert deferred not in only
    assert "keine Anträge aus 2024" in reply_text(bot.must(APPLICANT, "/antraege 2024",
                                                           today=september))
    stranger = reply_text(bot.must("verein@example.org", "/antraege 2025", today=september))
    assert old not in stranger
    # last year's part of her list is kept until an application of last year changes: the
    # project deferred last year, decided this autumn, is listed as decided at once
    october = date(2026, 10, 6)
    bot.session(october, today=september)
    before = reply_text(bot.must(APPLICANT, "/antraege", today=october))
    assert f"{deferred} " in before
    assert "vertagt" in before
    bot.decide(october, f"{deferred} bewilligt 900 €")
    after = reply_text(bot.must(APPLICANT, "/antraege", today=october))
    assert "vertagt" not in after
    assert "bewilligt 900,00 €" in after
