"""Who sees and changes what: a secretary only her own conference, an applicant only her own
sketches. Real Core on real TinyDB files in a temporary directory."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.core import APPLICANT, Bot, booking_command, reply_text, sketch

MARCH_12 = date(2026, 3, 12)
STRANGER = "jugend@verein-bleckede.de"
SECRET_TITLE = "Sprachförderung vor der Einschulung"
SECRET_APPLICANT = "Kita Regenbogen"


@pytest.fixture
def bot(bot: Bot) -> Bot:
    """Adendorf with a concept, Kita Sonnenschein's sketch, an attended session and an open
    preview; Bleckede with its own concept and session on the same day."""
    bot.concept()
    bot.concept("sek-ble")
    bot.submit(Traeger=SECRET_APPLICANT, Betrag="1.234,56 €")
    bot.session(MARCH_12)
    bot.session(MARCH_12, secretary="sek-ble")
    return bot


def test_a_secretary_cannot_see_the_numbers_of_another_conference(bot: Bot) -> None:
    for text in ("/saldo ADE", "/saldo Adendorf 2026", "/antraege ADE", "/bericht ADE csv"):
        refusal = bot.refused("sek-ble", text, None, today=MARCH_12)
        assert "nur die Zahlen von Bleckede" in reply_text(refusal)
    own = reply_text(bot.must("sek-ble", "/saldo", today=MARCH_12))
    assert own.startswith("Budget II Bleckede 2026")


def test_a_secretary_cannot_decide_or_book_for_another_conference(bot: Bot) -> None:
    refusal = bot.refused("sek-ble", "/beschluss 12.03.2026\nADE-2026-001 bewilligt", None,
                          today=MARCH_12)
    assert "ADE-2026-001: Diesen Antrag gibt es für Bleckede nicht." in reply_text(refusal)
    preview = bot.must("sek-ade", "/beschluss 12.03.2026\nADE-2026-001 bewilligt",
                       today=MARCH_12)
    refusal = bot.refused("sek-ble", booking_command(preview), None, today=MARCH_12)
    assert "finde ich nicht" in reply_text(refusal)
    code = booking_command(preview).split()[1]
    bot.refused("sek-ble", f"/verwerfen {code}", None, today=MARCH_12)
    assert bot.balance("ADE")["bound_cents"] == 0
    bot.must("sek-ade", booking_command(preview), today=MARCH_12)
    assert bot.balance("ADE")["bound_cents"] == 123_456


def test_a_secretary_cannot_change_another_conferences_sketch(bot: Bot) -> None:
    refusal = bot.refused("sek-ble", "/antrag ADE-2026-001\nBetrag: 9.000 €", None,
                          today=MARCH_12)
    assert SECRET_TITLE not in reply_text(refusal)
    assert bot.application("ADE-2026-001")["requested_cents"] == 123_456


def test_session_and_concept_of_a_secretary_always_land_in_her_own_conference(
        bot: Bot) -> None:
    bot.must("sek-ble", "/sitzung 20.04.2026 18:00 Ort Rathaus Adendorf", today=MARCH_12)
    bot.must("sek-ble", "/konzept\nZielgruppen: Senioren\nProblemlagen: Einsamkeit\n"
             "Ziele: Begegnung", today=MARCH_12)
    sessions = [s for s in bot.export()["sessions"] if s["date"] == "2026-04-20"]
    assert [s["conference"] for s in sessions] == ["BLE"]
    concepts = {c["code"]: c["concept"] for c in bot.export()["conferences"]}
    assert concepts["ADE"]["target_groups"] == "Kinder und Familien im Ortskern"
    assert concepts["BLE"]["target_groups"] == "Senioren"


def test_an_applicant_learns_nothing_about_other_applications(bot: Bot) -> None:
    bot.must(STRANGER, sketch(Sozialraum="Bleckede", Träger="Jugendverein", Titel="Skatekurs",
                              Betrag="700 €"), today=MARCH_12)
    listing = reply_text(bot.must(STRANGER, "/antraege", today=MARCH_12))
    assert "BLE-2026-001" in listing
    assert "ADE-2026-001" not in listing
    for text in ("/antraege ADE", "/antraege Adendorf 2026", "/saldo ADE",
                 "/antrag ADE-2026-001\nBetrag: 1 €", "/veto ADE-2026-001 weil",
                 "/bericht ADE csv", "/hilfe", "ADE-2026-001"):
        answer = reply_text(bot.say(STRANGER, text, today=MARCH_12))
        assert SECRET_TITLE not in answer, text
        assert SECRET_APPLICANT not in answer, text
        assert "1.234,56" not in answer, text
    assert bot.application("ADE-2026-001")["requested_cents"] == 123_456


def test_a_completion_in_reply_to_someone_elses_number_is_refused(bot: Bot) -> None:
    refusal = bot.refused(STRANGER, "Ausgangslage: anders", None, today=MARCH_12,
                          refers_to=("ADE-2026-001",))
    assert "finde ich unter Ihrer Adresse nicht" in reply_text(refusal)
    assert SECRET_TITLE not in reply_text(refusal)


def test_an_applicant_is_told_only_about_her_own_decisions(bot: Bot) -> None:
    bot.must(STRANGER, sketch(Träger="Jugendverein", Titel="Skatekurs"), today=date(2026, 3, 1))
    booked = bot.decide(MARCH_12, "ADE-2026-001 bewilligt\nADE-2026-002 abgelehnt")
    told = {n.recipient: n.text for n in booked.notifications if n.kind == "decision"}
    assert set(told) == {f"email:{APPLICANT}", f"email:{STRANGER}"}
    assert "Skatekurs" not in told[f"email:{APPLICANT}"]
    assert SECRET_TITLE not in told[f"email:{STRANGER}"]
    assert "abgelehnt" in told[f"email:{STRANGER}"]
