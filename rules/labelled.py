"""Reading "Label: value" forms as people type them, with the label variants they use."""

from __future__ import annotations

import functools
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
               "foerdersumme",
               "antragssumme", "beantragte mittel", "hoehe", "beantragte foerdersumme",
               "beantragter zuschuss", "zuschuss", "foerderbetrag", "beantragter foerderbetrag",
               "beantragte foerderung", "benoetigte mittel", "beantragt"),
    # what the project costs in all: the amount asked for only when no line names that
    # ("Gesamtkosten: 3.000 €" above "Beantragte Fördersumme: 1.200 €"; rules/sketch.py)
    "total": ("gesamtkosten", "projektkosten", "gesamtsumme", "kosten gesamt",
              "gesamtbudget", "kosten insgesamt"),
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
SINGLE_LINE = frozenset({"conference", "applicant", "title", "amount", "total", "cofunding",
                         "number"})

CONCEPT_LABELS: dict[str, tuple[str, ...]] = {
    "target_groups": ("zielgruppen", "zielgruppe"),
    "problems": ("problemlagen", "problemlage", "probleme"),
    "goals": ("ziele", "ziel", "zielsetzung", "zielsetzungen"),
}

CONCEPT_FIELD_NAMES = {"target_groups": "Zielgruppen", "problems": "Problemlagen", "goals": "Ziele"}

MAX_LABEL_CHARS = 60  # "Beantragter Betrag (brutto, inkl. Material)": longer is running text
# What comes before a label in forms and mails: "- ", "• ", "1. ", "2) ", "(3) ", "a) ".
# Each alternative starts with a fixed mark and ends with one run of spaces: linear.
_LIST_MARK = re.compile(r"[-•–·]\s*|\*\s+|\(?[0-9]{1,2}[.)]\s*|[a-h][.)]\s+")
# "Name des Trägers", "Beschreibung der Maßnahme": a generic noun, then what it is of.
_OF_WORDS = frozenset({"des", "der", "dem", "den"})
_GENERIC = frozenset({"name", "bezeichnung", "beschreibung", "art", "kurzbeschreibung"})


def _without_brackets(text: str) -> str:
    """Text without what stands in round brackets, in one pass ("Betrag (brutto)" → "Betrag ")."""
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


@functools.lru_cache(maxsize=4096)  # the same few labels in every sketch; bounded memory
def normalize_label(label: str) -> str:
    text = label.strip().lower().replace("ß", "ss")
    for umlaut, spelt in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, spelt)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _without_brackets(text)
    return " ".join(re.sub(r"[^a-z ]", " ", text).split())


def _field_of(wanted: str, labels: dict[str, tuple[str, ...]]) -> str | None:
    for field, variants in labels.items():
        if wanted in variants:
            return field
    return None


def _field_of_phrase(words: list[str], labels: dict[str, tuple[str, ...]]) -> str | None:
    """ "titel des projekts" → title, "name des traegers" → applicant,
    "beschreibung des projekts" → measure; "ort der massnahme" is no label."""
    field = _field_of(" ".join(words), labels)
    if field is not None or not _OF_WORDS & set(words):
        return field
    at = next(i for i, word in enumerate(words) if word in _OF_WORDS)
    before, noun = " ".join(words[:at]), " ".join(words[at + 1:])
    if before not in _GENERIC:
        return _field_of(before, labels)
    stems = [noun[:-2], noun[:-1]] if noun.endswith("s") else []  # "projektes", "traegers"
    for stem in (*stems, noun):
        field = _field_of(stem + before, labels) or _field_of(stem, labels)
        if field is not None:
            return field
    return None


def canonical_label(label: str, labels: dict[str, tuple[str, ...]] = SKETCH_LABELS) -> str | None:
    """The canonical field for a label as typed ("Ausgangssituation" → "situation",
    "Antragsteller / Träger" → "applicant", "Titel des Projekts" → "title"), or None."""
    if len(label) > MAX_LABEL_CHARS:
        return None
    if _KNOWN_LABELS.get(id(labels)) is labels:
        return _known_canonical(label, id(labels))
    return _canonical(label, labels)


@functools.lru_cache(maxsize=4096)  # every line of every form asks for the same few labels
def _known_canonical(label: str, labels_id: int) -> str | None:
    return _canonical(label, _KNOWN_LABELS[labels_id])


def _canonical(label: str, labels: dict[str, tuple[str, ...]]) -> str | None:
    words = (normalize_label(part).split() for part in label.split("/"))
    found = {_field_of_phrase(part, labels) for part in words if part}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def label_line(line: str, labels: dict[str, tuple[str, ...]] = SKETCH_LABELS
               ) -> tuple[str, str] | None:
    """(field, value) when a line starts a field, else None.

    Read as people write them: "Titel: …", "- Titel: …", "1. Ausgangssituation: …",
    "**Ziele:** …", "Kosten : 300 €", a row of a table pasted from Word ("Titel<Tab>…"), and a
    label alone on its line ("2) Ausgangslage", a Word
    heading, with or without colon), whose text follows on the next lines. In linear time:
    the label is looked for in the first MAX_LABEL_CHARS characters only.
    """
    rest = line.strip()
    mark = _LIST_MARK.match(rest)
    if mark:
        rest = rest[mark.end():]
    head = rest[: MAX_LABEL_CHARS + 4]
    # a table pasted from Word or Excel: "Sozialraum<Tab>Adendorf", the cell's tab first
    separator = "\t" if "\t" in head.partition(":")[0] else ":"
    label, colon, _ = head.partition(separator)
    if colon:
        bold = label.startswith(("**", "__"))
        field = canonical_label(label.replace("**", "").replace("__", "").strip(), labels)
        if field is None:
            return None
        value = rest.partition(separator)[2].strip()
        if separator == "\t":  # "Betrag:<Tab>1.500 €", "Ziele<Tab><Tab>mehr Lesen"
            value = value.removeprefix(":").strip()
        if bold:  # "**Ziele:** mehr Lesen"
            value = value.removeprefix("**").removeprefix("__").strip()
        return field, value
    head = head.replace("**", "").replace("__", "")
    heading = head.strip()
    if len(rest) <= MAX_LABEL_CHARS and heading:
        field = canonical_label(heading, labels)
        if field is not None and field != "number":
            return field, ""
    return None


def parse_labelled(text: str, labels: dict[str, tuple[str, ...]],
                   single_line: frozenset[str] = SINGLE_LINE) -> dict[str, str]:
    """Fields from "Label: value" lines; a value goes on over following unlabelled lines,
    except for `single_line` fields, which end with their line (or, for a label alone on its
    line, with the next line that has text).

    Lines before the first known label (a greeting, the command) are ignored; the first
    occurrence of a field wins.
    """
    if len(text) <= MAX_REMEMBERED_CHARS and _KNOWN_LABELS.get(id(labels)) is labels:
        return dict(_remembered(text, id(labels), single_line))
    return _parse_labelled(text, labels, single_line)


# The core reads a group of messages (handlers/understand.py), then handles them, and /antrag
# reads a sketch's text again: the fields of the last 128 texts are kept (a group is at most 32
# messages, each text and its attachments), for texts as long as a sketch: 1 MB of them at most
# (4 MB in characters beyond Latin-1).
MAX_REMEMBERED_CHARS = 8_000


@functools.lru_cache(maxsize=128)
def _remembered(text: str, labels_id: int,
                single_line: frozenset[str]) -> tuple[tuple[str, str], ...]:
    return tuple(_parse_labelled(text, _KNOWN_LABELS[labels_id], single_line).items())


def _parse_labelled(text: str, labels: dict[str, tuple[str, ...]],
                    single_line: frozenset[str]) -> dict[str, str]:
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        found = label_line(line, labels)
        if found is not None:
            field, value = found
            current = field if field not in fields else None
            if current is not None:
                fields[current] = [value]
                if current in single_line and fields[current][0]:
                    current = None
        elif current in single_line:
            if line.strip():  # "Betrag:" alone on its line: the next line with text is the value
                fields[current] = [line.strip()]
                current = None
        elif current is not None:
            fields[current].append(line.strip())
    return {k: "\n".join(v).strip() for k, v in fields.items()}


# A concept label with its colon inside a line: "… Problemlagen: …" (not "Unterziele:" nor
# "Teilhabe-Ziele:"). Literal alternatives and one run of blanks: linear.
_CONCEPT_INLINE = re.compile(
    r"(?<![\w-])(" + "|".join(sorted((v for vs in CONCEPT_LABELS.values() for v in vs),
                                     key=len, reverse=True)) + r")[ \t]*:", re.IGNORECASE)


def concept_fields(text: str) -> dict[str, str]:
    """The parts of a social-space concept (CONCEPT_LABELS) from labelled lines, also when they
    are typed on one line ("Zielgruppen: Jugendliche Problemlagen: keine Treffpunkte Ziele: ein
    Jugendcafé"): a line that starts with a concept label is cut before each further concept
    label with a colon, if each names another part (else the line stays whole: not guessed)."""
    return parse_labelled("\n".join(_concept_line(line) for line in text.splitlines()),
                          CONCEPT_LABELS)


def _concept_line(line: str) -> str:
    """The line cut into one line per concept part, or as it is. A heading that ends with a
    colon before the first part ("Konzept für Adendorf: Zielgruppen: …") is a line of its own,
    as when it is typed above them."""
    first = label_line(line, CONCEPT_LABELS) if line.count(":") >= 2 else None
    if first is None and line.count(":") >= 3:
        inline = _CONCEPT_INLINE.search(line)
        heading = line[:inline.start()].rstrip() if inline else ""
        if inline and heading.endswith(":") and label_line(line[inline.start():],
                                                           CONCEPT_LABELS) is not None:
            return heading + "\n" + _concept_line(line[inline.start():])
    if first is None or not first[1]:
        return line
    start = len(line.rstrip()) - len(first[1])  # where the first part's text begins
    seen, cuts = {first[0]}, []
    for match in _CONCEPT_INLINE.finditer(line, start):
        field = _field_of(match.group(1).lower(), CONCEPT_LABELS)
        if field in seen:
            return line
        seen.add(field or "")
        cuts.append(match.start())
    parts = [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True)]
    return "\n".join(part.rstrip(" \t;,") for part in parts)  # "Jugendliche; Problemlagen: …"


def count_known_labels(text: str, labels: dict[str, tuple[str, ...]] = SKETCH_LABELS) -> int:
    return len(parse_labelled(text, labels))


# The label sets whose labels are cached (a set made elsewhere could be changed, and its id
# taken by another once it is gone: it is read uncached).
_KNOWN_LABELS = {id(SKETCH_LABELS): SKETCH_LABELS, id(CONCEPT_LABELS): CONCEPT_LABELS}
