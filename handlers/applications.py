"""/antraege [<Konferenz>] [<Jahr>] [<Status>]: the applications with number, applicant, title,
requested, approved, status; "offen" (or another status word) filters. An applicant sees her
own: those still open and those of the last twelve months, or those of the year she names."""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.context import Context, reply
from handlers.messages import Outcome
from handlers.scope import conference_and_year
from handlers.show import shorten
from rules.dates import format_date
from rules.labelled import normalize_label
from rules.money import format_cents
from rules.records import Application
from rules.refusal import refuse
from rules.sketch import REQUIRED, missing_text

STATUS = {"submitted": "eingereicht", "incomplete": "unvollständig", "approved": "bewilligt",
          "rejected": "abgelehnt", "deferred": "vertagt", "held": "zurückgehalten (R9)",
          "vetoed": "Veto (R10)", "erased": "gelöscht (Datenschutz)",
          "withdrawn": "zurückgezogen"}
# What an applicant reads instead of the rule codes
APPLICANT_STATUS = {**STATUS, "held": "beschlossen, die Buchung wartet auf den Landkreis",
                    "vetoed": "Bewilligung vom Landkreis aufgehoben"}
OPEN = ("submitted", "deferred", "incomplete")
# status words people write after /antraege (normalized), and the statuses each means
FILTERS: dict[str, tuple[str, ...]] = {
    "offen": OPEN, "offene": OPEN, "unentschieden": OPEN,
    "eingereicht": ("submitted",), "neu": ("submitted",),
    "unvollstaendig": ("incomplete",),
    "bewilligt": ("approved",), "genehmigt": ("approved",),
    "abgelehnt": ("rejected",),
    "vertagt": ("deferred",), "zurueckgestellt": ("deferred",),
    "zurueckgehalten": ("held",),
    "veto": ("vetoed",),
    "zurueckgezogen": ("withdrawn",),
    "entschieden": ("approved", "rejected", "held", "vetoed"),
    "alle": (),
}
MAX_LINES = 60
RECENT = timedelta(days=365)  # an applicant's list: what happened in the last twelve months
_YEAR = re.compile(r"\b20[0-9]{2}\b")
TITLE_CHARS = 50
APPLICANT_CHARS = 40


def _filters(args: str) -> tuple[str, tuple[str, ...], str]:
    """(the arguments without status words, the statuses wanted or () for all, the word)."""
    kept: list[str] = []
    wanted: tuple[str, ...] = ()
    word = ""
    for token in args.split():
        key = normalize_label(token)
        if key in FILTERS:
            wanted, word = FILTERS[key], token
        else:
            kept.append(token)
    return " ".join(kept), wanted, word


def run(ctx: Context, args: str, body: str) -> Outcome:
    args, wanted, word = _filters(args)
    if ctx.person is None:
        named = _YEAR.search(args)
        if named is not None:
            return _own_of_year(ctx, int(named.group()), wanted, word)
        return _own(ctx, wanted, word)
    conference, year, leftover = conference_and_year(ctx, args)
    if leftover:
        choices = "offen, bewilligt, abgelehnt, vertagt, unvollständig, zurückgehalten, veto"
        raise refuse("", f"Nach „{leftover[:30]}“ kann ich die Anträge nicht filtern. Möglich "
                         f"sind eine Konferenz, ein Jahr und diese Wörter: {choices}. Beispiel: "
                         f"/antraege {conference.code if conference else 'ADE'} offen")
    rows = [r for r in applications_of_year(ctx, year, conference.code if conference else None)
            if not wanted or r.status in wanted]
    where = conference.name if conference else "alle Konferenzen"
    which = f" ({word.lower()})" if word and wanted else ""
    if not rows:
        return reply(f"Keine Anträge{which} für {where} {year}.")
    rows.sort(key=lambda r: r.number)
    lines = [f"Anträge{which} {where} {year} ({len(rows)}):"]
    lines += [_line(r) for r in rows[:MAX_LINES]]
    if len(rows) > MAX_LINES:
        lines.append(f"… und {len(rows) - MAX_LINES} weitere. Die ganze Liste: /bericht {year}")
    lines.append(f"Einen Antrag ganz lesen: /zeige {rows[0].number}")
    return reply("\n".join(lines))


def applications_of_year(ctx: Context, year: int,
                         conference: str | None) -> list[Application]:
    """The applications of `year`: those handed in then, those decided at its sessions whatever
    year they came in, and, for the running year, those of earlier years still undecided: an
    application belongs to its conference until it is decided."""
    rows = {r.number: r for r in ctx.store.applications(year, conference)}
    decided_here = {line["number"] for c in ctx.store.confirmations(year, conference=conference)
                    if c.decided for line in c.lines}
    for number in sorted(decided_here - set(rows)):
        found = ctx.store.application(number)
        if found is not None and (found.session_date or "")[:4] == str(year):
            rows[number] = found
    if year == ctx.today.year:  # this year's are all in `rows` already
        for found in ctx.store.undecided_applications(conference, before=year):
            rows.setdefault(found.number, found)
    return list(rows.values())


def _line(row: Application, words: dict[str, str] = STATUS) -> str:
    requested = format_cents(row.requested_cents) if row.requested_cents else "–"
    title = shorten(row.title or "(ohne Titel)", TITLE_CHARS)
    text = f"{row.number} {shorten(row.applicant or '–', APPLICANT_CHARS)}: „{title}“, " \
           f"{requested}"
    if row.approved_cents is not None and row.status in ("approved", "held", "vetoed"):
        text += f", bewilligt {format_cents(row.approved_cents)}"
    text += f" – {words[row.status]}"
    if row.corrections:
        last = row.corrections[-1]
        before = last["before"]
        was = STATUS.get(before["status"], before["status"])
        if before["approved_cents"]:
            was += f" {format_cents(before['approved_cents'])}"
        text += f" (korrigiert am {format_date(date.fromisoformat(last['on']))}, vorher {was})"
    return text


# id of a record → (the record, its line, the ISO date of its last step or ALWAYS)
_OWN_LINES: dict[int, tuple[Application, str, str]] = {}
OWN_LINES_KEPT = 1000
ALWAYS = "9999-12-31"  # an undecided application is listed whenever its last step was


def _own_entry(row: Application) -> tuple[Application, str, str]:
    """(the record, `_own_line`, the ISO date of its last step or ALWAYS for an undecided one),
    made once per record: the store hands out the same record object until its row is written
    (`Partitions.find_records`), and both depend on the record alone."""
    found = _OWN_LINES.get(id(row))
    if found is not None and found[0] is row:
        return found
    if len(_OWN_LINES) >= OWN_LINES_KEPT:
        _OWN_LINES.clear()
    entry = _OWN_LINES[id(row)] = (row, _own_line(row),
                                   ALWAYS if row.undecided else _last_step(row))
    return entry


def _own_line(row: Application) -> str:
    """An applicant's line; an incomplete one says what is missing and how to complete it,
    instead of dashes for the gaps."""
    if row.status != "incomplete":
        return _line(row, APPLICANT_STATUS)
    missing = tuple(key for key in REQUIRED[1:] if not (row.fields or {}).get(key))
    title = f" „{shorten(row.title, TITLE_CHARS)}“" if row.title else ""
    gaps = f"; es fehlt noch: {missing_text(missing)}" if missing else ""
    return (f"{row.number}{title} – unvollständig{gaps}. Bitte ergänzen Sie mit "
            f"/antrag {row.number} und den fehlenden Zeilen.")


def _last_step(row: Application) -> str:
    """The ISO date of the last thing that happened to an application: handed in, changed,
    decided, vetoed, corrected or withdrawn."""
    steps = [row.submitted_on, row.changed_on, row.session_date,
             (row.veto or {}).get("on"), (row.withdrawn or {}).get("on"),
             row.corrections[-1].get("on") if row.corrections else None]
    return max(str(step)[:10] for step in steps if step)


def _own(ctx: Context, wanted: tuple[str, ...], word: str) -> Outcome:
    """An applicant sees only the applications sent from the same address, in plain words: the
    undecided ones of any year, and the others whose last step (handed in, decided, vetoed,
    corrected, withdrawn) lies within the last twelve months; what was decided before is
    counted and shown with /antraege <Jahr>. Only this year's and last year's applications are
    read (their files are open anyway) and any older one still undecided."""
    this_year = ctx.today.year
    since = (ctx.today - RECENT).isoformat()  # before every step of this year's
    last_year, hidden = _last_years(ctx, since, wanted)
    shown = [*last_year, *((row.number, _own_entry(row)[1]) for row in
                           ctx.store.applications_from(ctx.identity.key, (this_year,))
                           if not wanted or row.status in wanted)]
    earlier = {this_year - 1: hidden} if hidden else {}
    # older ones still waiting count too
    shown += [(found.number, _own_entry(found)[1]) for found in
              ctx.store.undecided_applications(before=this_year - 1)
              if found.contact == ctx.identity.key and (not wanted or found.status in wanted)]
    shown.sort()
    which = f" ({word.lower()})" if word and wanted else ""
    command = f" {word.lower()}" if word and wanted else ""
    older = "; ".join(f"{count} aus {year}, zu sehen mit /antraege {year}{command}"
                      for year, count in sorted(earlier.items()))
    if not shown:
        if older:
            return reply(f"In den letzten zwölf Monaten gab es von Ihrer Adresse keine "
                         f"Anträge{which}. Ältere abgeschlossene Anträge{which}: {older}")
        return reply(f"Von Ihrer Adresse liegen keine Anträge{which} vor. /hilfe zeigt, wie Sie "
                     "eine Projektskizze einreichen.")
    lines = ["Ihre Anträge:", *(line for _, line in shown)]
    if older:
        lines.append(f"Ältere abgeschlossene Anträge{which}: {older}")
    lines.append(f"Einen Antrag ganz lesen: /zeige {shown[-1][0]}")
    return reply("\n".join(lines))


# (version of last year's applications, sender, year, since, wanted) → (listed, not listed)
_LAST_YEARS: dict[tuple[tuple[int, int] | None, str, int, str, tuple[str, ...]],
                  tuple[tuple[tuple[str, str], ...], int]] = {}


def _last_years(ctx: Context, since: str, wanted: tuple[str, ...]
                ) -> tuple[tuple[tuple[str, str], ...], int]:
    """Of the sender's applications of last year, (number, line) of those listed (undecided, or
    with a step `since`), and how many are not. Kept until an application of last year may
    have changed (`Store.applications_version`; seldom, after January), so last year costs an
    applicant's list one lookup, not one step per application."""
    year = ctx.today.year - 1
    key = (ctx.store.applications_version(year), ctx.identity.key, year, since, wanted)
    found = _LAST_YEARS.get(key)
    if found is not None:
        return found
    listed: list[tuple[str, str]] = []
    hidden = 0
    for row in ctx.store.applications_from(ctx.identity.key, (year,)):
        if wanted and row.status not in wanted:
            continue
        _, line, last_step = _own_entry(row)
        if last_step >= since:
            listed.append((row.number, line))
        else:
            hidden += 1
    if len(_LAST_YEARS) >= OWN_LINES_KEPT:
        _LAST_YEARS.clear()
    found = _LAST_YEARS[key] = (tuple(listed), hidden)
    return found


def _own_of_year(ctx: Context, year: int, wanted: tuple[str, ...], word: str) -> Outcome:
    """An applicant's applications handed in in `year` (/antraege 2025), all of them."""
    shown = [r for r in ctx.store.applications_from(ctx.identity.key, [year])
             if not wanted or r.status in wanted]
    which = f" ({word.lower()})" if word and wanted else ""
    if not shown:
        return reply(f"Von Ihrer Adresse liegen keine Anträge{which} aus {year} vor.")
    return reply(f"Ihre Anträge{which} aus {year}:\n"
                 + "\n".join(_own_entry(r)[1] for r in shown)
                 + f"\nEinen Antrag ganz lesen: /zeige {shown[-1].number}")
