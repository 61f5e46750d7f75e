"""Reading "Label: value" forms as people type them, with the label variants they use."""

from __future__ import annotations

import re
import unicodedata

# Canonical field → what people write as its label (normalized: lower case, ß→ss, umlauts spelt
# out, no punctuation). Mail clients and people vary these; the first entry is the form's label.
SKETCH_LABELS: dict[str, tuple[str, ...]] = {
    "conference": ("sozialraum", "sozialraumkonferenz", "sozialkonferenz", "konferenz", "gemeinde"),
    "applicant": ("traeger", "antragsteller", "antragstellerin", "antragstellende", "einrichtung",
                  "organisation", "verein", "projekttraeger", "traegerin"),
    "title": ("titel", "projekttitel", "projekt", "projektname", "name des projekts", "thema"),
    "situation": ("ausgangslage", "ausgangssituation", "situation", "hintergrund", "bedarf",
                  "ist situation", "ausgangspunkt"),
    "objective": ("zielsetzung", "ziel", "ziele", "projektziel", "projektziele", "zielsetzungen"),
    "measure": ("massnahme", "massnahmen", "umsetzung", "durchfuehrung", "vorhaben",
                "geplante massnahme", "geplante massnahmen", "projektbeschreibung"),
    "amount": ("betrag", "kosten", "summe", "beantragter betrag", "beantragte summe",
               "foerdersumme", "antragssumme", "beantragte mittel", "gesamtkosten", "hoehe"),
    "cofunding": ("kofinanzierung", "ko finanzierung", "drittmittel", "externe foerderung",
                  "fremdmittel", "externe mittel"),
    "number": ("antrag", "antragsnummer", "nummer", "nr"),
}

SKETCH_FIELD_NAMES: dict[str, str] = {
    "conference": "Sozialraum",
    "applicant": "Träger",
    "title": "Titel",
    "situation": "Ausgangslage",
    "objective": "Zielsetzung",
    "measure": "Maßnahme",
    "amount": "Betrag",
    "cofunding": "Kofinanzierung",
    "number": "Antrag",
}

# Fields that are one line: what follows them unlabelled (a closing, a signature) is not theirs.
SINGLE_LINE = frozenset({"conference", "applicant", "title", "amount", "cofunding", "number"})

CONCEPT_LABELS: dict[str, tuple[str, ...]] = {
    "target_groups": ("zielgruppen", "zielgruppe"),
    "problems": ("problemlagen", "problemlage", "probleme"),
    "goals": ("ziele", "ziel", "zielsetzung", "zielsetzungen"),
}

CONCEPT_FIELD_NAMES = {"target_groups": "Zielgruppen", "problems": "Problemlagen", "goals": "Ziele"}

_LABEL_LINE = re.compile(r"^\s*[-*•]?\s*([^\W\d_][\w .()/-]{0,40}?)\s*:\s*(.*)$")


def normalize_label(label: str) -> str:
    text = label.strip().lower().replace("ß", "ss")
    for umlaut, spelt in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, spelt)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.sub(r"[^a-z ]", " ", text).split())


def canonical_label(label: str, labels: dict[str, tuple[str, ...]] = SKETCH_LABELS) -> str | None:
    """The canonical field for a label as typed ("Ausgangssituation" → "situation"), or None."""
    wanted = normalize_label(label)
    for field, variants in labels.items():
        if wanted in variants:
            return field
    return None


def parse_labelled(text: str, labels: dict[str, tuple[str, ...]],
                   single_line: frozenset[str] = SINGLE_LINE) -> dict[str, str]:
    """Fields from "Label: value" lines; a value goes on over following unlabelled lines,
    except for `single_line` fields, which end with their line (or, for a label alone on its
    line, with the next line that has text).

    Lines before the first known label (a greeting, the command) are ignored; the first
    occurrence of a field wins.
    """
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _LABEL_LINE.match(line)
        field = canonical_label(match.group(1), labels) if match else None
        if field is not None and match is not None:
            current = field if field not in fields else None
            if current is not None:
                fields[current] = [match.group(2).strip()]
                if current in single_line and fields[current][0]:
                    current = None
        elif current in single_line:
            if line.strip():  # "Betrag:" alone on its line: the next line with text is the value
                fields[current] = [line.strip()]
                current = None
        elif current is not None:
            fields[current].append(line.strip())
    return {k: "\n".join(v).strip() for k, v in fields.items()}


def count_known_labels(text: str, labels: dict[str, tuple[str, ...]] = SKETCH_LABELS) -> int:
    return len(parse_labelled(text, labels))
