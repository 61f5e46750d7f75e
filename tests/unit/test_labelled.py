"""Labelled lines as people type them."""

from __future__ import annotations

from rules.labelled import SKETCH_LABELS, canonical_label, parse_labelled


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
