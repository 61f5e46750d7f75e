"""Labelled lines as people type them."""

from __future__ import annotations

import pytest

from rules.labelled import SKETCH_LABELS, canonical_label, label_line, parse_labelled


def test_label_variants_people_use_map_to_the_form() -> None:
    assert canonical_label("Ausgangssituation") == "situation"
    assert canonical_label("Maßnahmen") == "measure"
    assert canonical_label("Massnahme") == "measure"
    assert canonical_label("Kosten") == "amount"
    assert canonical_label("Ziele") == "objective"
    assert canonical_label("Grüße") is None


def test_a_closing_after_the_amount_does_not_become_part_of_it() -> None:
    fields = parse_labelled("Betrag: 1.500,00 €\nMit freundlichen Grüßen\nAnna Schulz",
                            SKETCH_LABELS)
    assert fields["amount"] == "1.500,00 €"


def test_text_fields_go_on_over_several_lines_and_the_first_occurrence_wins() -> None:
    fields = parse_labelled("Hallo!\nAusgangslage: Viele Kinder\nsprechen kaum Deutsch.\n"
                            "Ausgangslage: doppelt\nTitel:\nSprachgruppe", SKETCH_LABELS)
    assert fields["situation"] == "Viele Kinder\nsprechen kaum Deutsch."
    assert fields["title"] == "Sprachgruppe"  # a label alone on its line takes the next one


def test_an_unreadable_amount_is_asked_for_again_with_the_missing_parts() -> None:
    from rules.conferences import LUENEBURG, Conference
    from rules.sketch import check_sketch, read_sketch_fields

    conferences = tuple(Conference(code, name) for code, name in LUENEBURG)
    check = check_sketch(read_sketch_fields("Sozialraum: Adendorf\nTitel: Test\nBetrag: 1,500"),
                         conferences)
    assert check.invalid == ("amount",)
    assert check.to_send == ("applicant", "situation", "objective", "measure", "amount")
    assert any("nicht eindeutig" in problem for problem in check.problems)


def test_a_single_line_label_alone_takes_only_the_next_line_with_text() -> None:
    fields = parse_labelled("Betrag:\n\n500 €\nMit freundlichen Grüßen\nAnna", SKETCH_LABELS)
    assert fields["amount"] == "500 €"


# -- labels as people write them, read alike on every channel ----------------------------------

@pytest.mark.parametrize(("label", "field"), [
    ("Sozialraumkonferenz", "conference"), ("Antragsteller", "applicant"),
    ("Einrichtung", "applicant"), ("Antragsteller / Träger", "applicant"),
    ("Name des Trägers", "applicant"), ("Name der Einrichtung", "applicant"),
    ("Projekttitel", "title"), ("Titel des Projekts", "title"), ("Name des Projekts", "title"),
    ("Ausgangssituation", "situation"), ("Ziele des Projekts", "objective"), ("Ziel", "objective"),
    ("Massnahmen", "measure"), ("Beschreibung der Maßnahme", "measure"),
    ("Beschreibung des Projekts", "measure"), ("Kosten", "amount"), ("Summe", "amount"),
    ("Beantragter Betrag (brutto)", "amount"), ("Kosten des Projekts", "amount"),
    ("Drittmittel", "cofunding"),
])
def test_label_variants_people_write(label: str, field: str) -> None:
    assert canonical_label(label) == field


@pytest.mark.parametrize("label", ["Ort der Maßnahme", "Im Gespräch", "Grüße", "Datum",
                                   "Titel / Ziel", "x" * 200])
def test_what_is_no_label_or_two_labels_at_once_is_not_read_as_one(label: str) -> None:
    assert canonical_label(label) is None


@pytest.mark.parametrize(("line", "found"), [
    ("Titel: Sprachcafé", ("title", "Sprachcafé")),
    ("- Titel: Sprachcafé", ("title", "Sprachcafé")),
    ("• Kosten : 300 €", ("amount", "300 €")),
    ("1. Ausgangssituation: Kaum Bücher.", ("situation", "Kaum Bücher.")),
    ("2) Ausgangslage", ("situation", "")),
    ("**Ziele:** mehr Lesen", ("objective", "mehr Lesen")),
    ("__Titel:__ Lesepaten", ("title", "Lesepaten")),
    ("3. Titel des Projekts", ("title", "")),
    ("Antrag", None),  # the word alone is no heading: it starts many sentences
    ("Im Gespräch: nichts", None),
    ("Hallo,", None),
])
def test_label_lines_as_forms_mails_and_word_files_write_them(
        line: str, found: tuple[str, str] | None) -> None:
    assert label_line(line) == found


def test_a_word_form_with_numbered_headings_and_text_below_is_read() -> None:
    fields = parse_labelled(
        "Projektskizze\n\n1. Sozialraum\nAdendorf\n\n2. Antragsteller / Träger\nKita e.V.\n\n"
        "3. Titel des Projekts\nSprachcafé\n\n4. Ausgangslage\nViele Kinder sprechen kaum "
        "Deutsch.\nDas zeigt die Einschulung.\n\n5. Ziele des Projekts\nBesser sprechen.\n\n"
        "6. Maßnahme\nEine Gruppe pro Woche.\n\n7. Kosten\n1.500,00 €", SKETCH_LABELS)
    assert fields == {
        "conference": "Adendorf", "applicant": "Kita e.V.", "title": "Sprachcafé",
        "situation": "Viele Kinder sprechen kaum Deutsch.\nDas zeigt die Einschulung.",
        "objective": "Besser sprechen.", "measure": "Eine Gruppe pro Woche.",
        "amount": "1.500,00 €"}
