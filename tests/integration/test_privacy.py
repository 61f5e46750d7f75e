"""DSGVO on the real core and real files: the year-end erasure after `[privacy] keep_years`,
Löschung on request where no duty stands against it, Auskunft, and `sozialbot auskunft` /
`loeschen` as the administrator runs them (with and without a running bot)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from handlers import privacy
from rules.records import Application
from tests.support.cli import sozialbot
from tests.support.core import Bot, at
from tests.support.mailservers import MailWorld, RunningMailBot, write_mail_config

NAME = "Maria Musterfrau"
ADDRESS = "maria.musterfrau@example.org"
OTHER = "otto.offen@example.org"


def stored(bot: Bot, number: str) -> Application:
    """The application as the store hands it out."""
    application = bot.core.store.application(number)
    assert application is not None, number
    return application


def files_text(bot: Bot) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace")
                     for p in sorted((bot.directory / "data").rglob("*")) if p.is_file())


def county(tmp_path: Path) -> tuple[Bot, str, str]:
    """An approved application of Maria (2026) and a running one of Otto."""
    bot = Bot(tmp_path / "county")
    bot.concept()
    decided = bot.submit(applicant=ADDRESS, Traeger=f"Elterninitiative, {NAME}",
                         Titel="Ferienfreizeit der Familie Musterfrau")
    running = bot.submit(applicant=OTHER, Traeger="Otto Offen", today=date(2026, 2, 5))
    bot.session(date(2026, 3, 12))
    bot.decide(date(2026, 3, 12), f"{decided} bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)")
    return bot, decided, running


def test_the_year_end_run_erases_personal_data_after_the_retention_period_only(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bot, decided, running = county(tmp_path)
    bot.core.run_due_reminders(at(date(2036, 12, 31), 23, 0))  # kept until 31.12.2036
    assert NAME in files_text(bot)
    before = bot.core.export(at(date(2036, 12, 31)))
    with caplog.at_level(logging.INFO, logger="handlers.privacy"):
        bot.core.run_due_reminders(at(date(2037, 1, 1), 0, 5))
    record = bot.core.store.application(decided)
    assert record is not None
    for key in ("applicant", "contact", "title"):
        assert getattr(record, key) == "[gelöscht]"
    assert set(record.fields.values()) <= {"[gelöscht]", "1.500,00 €"}
    after = bot.core.export(at(date(2036, 12, 31)))
    kept = next(row for row in before["applications"] if row["number"] == decided)
    for key in ("number", "conference", "year", "requested_cents", "approved_cents", "status",
                "submitted_on", "session_date", "votes"):
        assert next(r for r in after["applications"] if r["number"] == decided)[key] == kept[key]
    # The accounts stay: every booking, every balance of the closed years.
    assert all(entry in after["ledger"] for entry in before["ledger"])
    assert [b for b in after["balances"] if b["year"] < 2036] == \
        [b for b in before["balances"] if b["year"] < 2036]
    text = files_text(bot)
    assert NAME not in text
    assert ADDRESS not in text
    assert "Ferienfreizeit" not in text
    # Otto's application is still undecided: the procedure needs it.
    assert stored(bot, running).applicant == "Otto Offen"
    # the numbers in the erased year's own file, when and how many in global.json
    entry, run = privacy.erasure_log(bot.core.store)
    assert (entry["file"], run["file"]) == (2026, "global")
    assert entry["kind"] == run["kind"] == "retention"
    assert decided in entry["what"]
    assert "Anträge: 1 " in run["what"]
    assert "2026.json" in run["what"]
    assert "keep_years = 10" in entry["basis"]
    assert "keep_years = 10" in run["basis"]
    assert decided in caplog.text
    assert NAME not in caplog.text
    assert ADDRESS not in caplog.text
    assert NAME not in str(privacy.erasure_log(bot.core.store))
    bot.core.run_due_reminders(at(date(2037, 1, 1), 0, 6))  # once a year: nothing more
    assert len(privacy.erasure_log(bot.core.store)) == 2


def test_the_year_end_run_within_the_period_opens_no_old_year(tmp_path: Path) -> None:
    """Nothing of a year within the retention period can be due: its file is not even read,
    so the yearly run costs the same with ten years of history as with one."""
    from handlers import privacy

    bot, decided, _ = county(tmp_path)
    bot.core.run_due_reminders(at(date(2027, 1, 1), 0, 5))
    bot.reopen()
    assert "2026" not in bot.core.store.partitions.opened
    erased = privacy.due(bot.core, at(date(2029, 1, 1), 0, 5))
    assert erased is not None
    assert erased.applications == []
    assert "2026" not in bot.core.store.partitions.opened
    assert stored(bot, decided).contact == f"email:{ADDRESS}"


def test_erasure_on_request_refuses_what_a_duty_keeps_and_erases_the_rest(
        tmp_path: Path) -> None:
    bot, decided, running = county(tmp_path)
    person, erasure = bot.core.erase_person(f"email:{ADDRESS}", at(date(2026, 4, 1)))
    assert person is None
    [duty] = erasure.refused
    assert duty.number == decided
    assert "Aufbewahrungspflicht" in duty.reason
    assert "31.12.2036" in duty.reason
    assert erasure.messages == 0  # her messages are about that application: kept with it
    assert stored(bot, decided).applicant.endswith(NAME)

    person, erasure = bot.core.erase_person(f"email:{OTHER}", at(date(2026, 4, 1)))
    assert [d.number for d in erasure.refused] == [running]
    assert "laufendes Verfahren" in erasure.refused[0].reason

    incomplete = bot.say("hans.huber@example.org", "/antrag\nSozialraum: Adendorf\n"
                         "Träger: Hans Huber\nTitel: Ausflug\nBetrag: 300 €",
                         today=date(2026, 4, 2)).application_number
    assert incomplete is not None
    assert bot.core.privacy_report("email:hans.huber@example.org")["applications"]
    person, erasure = bot.core.erase_person("email:hans.huber@example.org", at(date(2026, 4, 3)))
    assert erasure.applications == [incomplete]
    assert erasure.refused == []
    report = bot.core.privacy_report("email:hans.huber@example.org")
    assert report["applications"] == report["messages"] == report["notifications"] == []
    assert "Hans Huber" not in files_text(bot)
    assert stored(bot, incomplete).status == "erased"
    answer = bot.must("sek-ade", "/antraege ADE", today=date(2026, 4, 4))
    assert "gelöscht" in answer.replies[0].text

    person, erasure = bot.core.erase_person("sek-ade", at(date(2026, 4, 3)))
    assert person is not None
    assert person.id == "sek-ade"


def test_auskunft_and_loeschen_from_the_command_line_with_and_without_a_running_bot(
        tmp_path: Path) -> None:
    bot, decided, _ = county(tmp_path)
    bot.core.close()
    config = bot.config_path
    shown = sozialbot("auskunft", ADDRESS, config=config)
    assert shown.returncode == 0, shown.stderr
    for expected in (NAME, decided, "Ferienfreizeit", "Sozialraum", "bewilligt"):
        assert expected in shown.stdout
    env = {**os.environ, "SOZIALBOT_CONFIG": str(config)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    running = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        socket = tmp_path / "county" / "data" / "control.sock"
        deadline = time.monotonic() + 60
        while not socket.exists():
            assert running.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.05)
        while_running = sozialbot("auskunft", ADDRESS, config=config)
        assert while_running.returncode == 0, while_running.stderr
        assert while_running.stdout == shown.stdout
        erased = sozialbot("loeschen", ADDRESS, config=config)
    finally:
        running.send_signal(signal.SIGTERM)
        running.wait(30)
    assert erased.returncode == 1
    assert "Aufbewahrungspflicht" in erased.stderr
    assert "Gelöscht: nichts." in erased.stdout
    staff = sozialbot("loeschen", "sek-ade", config=config)
    assert staff.returncode == 1
    assert "in der Konfiguration" in staff.stderr


def test_root_is_refused_on_a_stopped_bots_data_directory_of_another_user(
        tmp_path: Path) -> None:
    """`sudo sozialbot loeschen …` on the service user's directory would leave files the bot
    cannot read; the command says which user to run it as instead."""
    if os.geteuid() != 0:
        pytest.fail("this test runs as root (as the project's CI does)")
    bot, _, _ = county(tmp_path)
    bot.core.close()
    data = tmp_path / "county" / "data"
    for path in [data, *data.rglob("*")]:
        os.chown(path, 65534, 65534)
    before = {p.name: (p.stat().st_uid, p.read_bytes()) for p in data.iterdir() if p.is_file()}
    for command in (["loeschen", ADDRESS], ["backup", str(tmp_path / "b.tar.gz")]):
        result = sozialbot(*command, config=bot.config_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "sudo -u nobody" in result.stderr
    after = {p.name: (p.stat().st_uid, p.read_bytes()) for p in data.iterdir() if p.is_file()}
    assert after == before


async def test_auskunft_lists_what_the_mail_channel_keeps_about_an_address(
        tmp_path: Path, mail_world: MailWorld) -> None:
    from bot.control import privacy

    bot = await RunningMailBot(write_mail_config(tmp_path, mail_world), mail_world).start()
    try:
        mail_world.send("kita", "Frage", "/hilfe")
        await mail_world.await_for("kita", 1)
        await bot.settled()
        answer = await asyncio.to_thread(privacy, bot.core, "auskunft",
                                         mail_world.address("kita").upper())
    finally:
        await bot.stop()
    [handled] = answer["report"]["mail"]["handled"]
    assert handled.endswith("→ done")
    assert answer["report"]["mail"]["failed"] == []


def test_loeschen_also_removes_mails_the_server_refused_for_the_address(tmp_path: Path) -> None:
    from bot.control import privacy

    bot = Bot(tmp_path / "county")
    failed = bot.directory / "data" / "mail" / "failed"
    failed.mkdir(parents=True)
    for name, to in (("1-a", "hans.huber@example.org"), ("2-b", "someone@example.org")):
        (failed / f"{name}.eml").write_bytes(f"To: {to}\r\nSubject: x\r\n\r\nText".encode())
        (failed / f"{name}.reason.txt").write_text("550 no such user\n")
    assert privacy(bot.core, "auskunft", "hans.huber@example.org")["report"]["mail"]["failed"]
    answer = privacy(bot.core, "loeschen", "hans.huber@example.org")
    assert answer["summary"] == "1 abgelehnte E-Mails"
    assert sorted(p.name for p in failed.iterdir()) == ["2-b.eml", "2-b.reason.txt"]


def test_a_matrix_applicant_is_found_and_erased_by_their_matrix_id(tmp_path: Path) -> None:
    from bot.channel import identity_key
    from handlers.messages import IncomingMessage, Sender

    bot = Bot(tmp_path / "county")
    outcome = bot.core.handle(IncomingMessage(
        Sender("matrix", "@anna:matrix.example.org", "Anna"),
        "/antrag\nSozialraum: Adendorf\nTräger: Anna Apfel\nTitel: Ausflug\nBetrag: 300 €",
        "matrix:$event1", at(date(2026, 4, 2))))
    assert outcome.application_number
    report = bot.core.privacy_report(identity_key("@anna:matrix.example.org"))
    assert report["key"] == "matrix:@anna:matrix.example.org"
    assert [a["applicant"] for a in report["applications"]] == ["Anna Apfel"]
    _, erasure = bot.core.erase_person(identity_key("@anna:matrix.example.org"),
                                       at(date(2026, 4, 3)))
    assert erasure.applications == [outcome.application_number]
    assert "Anna Apfel" not in files_text(bot)


def test_the_year_end_run_erases_expired_years_one_at_a_time_and_only_once(
        tmp_path: Path) -> None:
    """A county with more years than its retention period: every expired year is erased, one
    year's file after the other (at most a few stay in memory), and a second run does
    nothing."""
    from handlers import privacy
    from storage.partitions import MAX_OPEN

    bot = Bot(tmp_path / "county")
    numbers = []
    for year in range(2026, 2032):
        bot.concept(today=date(year, 1, 10))
        number = bot.submit(applicant=ADDRESS, Traeger=f"Elterninitiative, {NAME}",
                            Titel="Ferienfreizeit der Familie Musterfrau",
                            today=date(year, 2, 2))
        bot.session(date(year, 3, 12), today=date(year, 2, 3))
        bot.decide(date(year, 3, 12), f"{number} bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)")
        numbers.append(number)
    bot.reopen()
    erased = privacy.due(bot.core, at(date(2042, 1, 1), 0, 5))  # 2026 to 2031 have expired
    assert erased is not None
    assert sorted(erased.applications) == numbers
    assert erased.messages > 0
    assert len(bot.core.store.partitions._dbs) <= MAX_OPEN
    for number in numbers:
        assert stored(bot, number).contact == "[gelöscht]"
    text = files_text(bot)
    assert NAME not in text
    assert ADDRESS not in text
    assert privacy.due(bot.core, at(date(2042, 1, 1), 0, 6)) is None
    log = privacy.erasure_log(bot.core.store)
    assert [entry["file"] for entry in log if entry["file"] != 2026] == [
        *range(2027, 2032), "global"]  # each expired year's numbers in its own file
    for number in numbers:
        assert any(number in entry["what"] for entry in log if entry["file"] != "global")
    [run] = bot.core.store.table("global", "privacy").all()  # global.json: how many, where
    assert run["what"].startswith("Anträge: 6 ")
    assert not any(number in run["what"] for number in numbers)
