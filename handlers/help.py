"""/hilfe: the commands this person may use, each in a sentence with an example.

The examples are made for the day and the person: the next session's real date, a year that
can be closed, the asking conference's own application numbers, so that each one works when
copied as it stands.
"""

from __future__ import annotations

from datetime import date

from handlers.context import Context, reply
from handlers.messages import Outcome
from rules.dates import format_date
from rules.people import ROLE_NAMES
from rules.records import ConfirmationStatus, SessionStatus

# command -> (what "Sie können …", example with {placeholders}); roles see only their own
SENTENCES: dict[str, tuple[str, str]] = {
    "antrag": ("eine Projektskizze einreichen",
               "/antrag\nSozialraum: {name}\nTräger: …\nTitel: …\nAusgangslage: …\n"
               "Zielsetzung: …\nMaßnahme: …\nBetrag: 1.500,00 €"),
    "zeige": ("einen Antrag ganz lesen, mit Skizze und Verlauf", "/zeige {nr}"),
    "antraege": ("die Anträge auflisten, auch nur die offenen", "/antraege {scope}offen"),
    "konzept": ("das Sozialraumkonzept lesen", "/konzept {scope_bare}"),
    "sitzung": ("eine Sitzung anmelden, verschieben oder absagen",
                "/sitzung {new_day} 18:30 Ort Rathaus{budget_ii}"),
    "sitzungen": ("die angesetzten Sitzungen sehen", "/sitzungen"),
    "tagesordnung": ("die Tagesordnung einer Budget-II-Sitzung lesen, auch als PDF",
                     "/tagesordnung {session}"),
    "anwesend": ("Ihre Teilnahme an einer Budget-II-Sitzung zusagen (R9)", "/anwesend {session}"),
    "verhindert": ("absagen, wenn Sie nicht teilnehmen können (R9)", "/verhindert {session}"),
    "beschluss": ("nach der Sitzung die Beschlüsse melden; bis 14 Tage danach genügen die "
                  "Zeilen allein", "/beschluss {held}\n{nr} bewilligt 1.200 € "
                  "(ja 7, nein 1, enthaltung 0)"),
    "buchen": ("gemeldete Beschlüsse mit dem Code aus der Antwort buchen", "/buchen {code}"),
    "verwerfen": ("gemeldete Beschlüsse verwerfen", "/verwerfen {code}"),
    "freigeben": ("eine per E-Mail gesendete Anfrage nach Prüfung ausführen",
                  "/freigeben <Code aus der Nachricht>"),
    "protokoll": ("das Protokoll einer Sitzung als PDF bekommen", "/protokoll {held_session}"),
    "bestaetigen": ("zurückgehaltene Beschlüsse freigeben (R9)", "/bestaetigen {waiting}"),
    "veto": ("gegen einen Beschluss ein Veto einlegen (R10)",
             "/veto {approved} passt nicht zum Sozialraumkonzept"),
    "korrektur": ("einen falsch gemeldeten Beschluss berichtigen, mit Grund; gebucht wird er "
                  "wie ein Beschluss mit /buchen",
                  "/korrektur {approved} bewilligt 1.000 € Grund: Laut Protokoll wurden "
                  "1.000 € beschlossen"),
    "zurueckziehen": ("einen offenen Antrag zurückziehen", "/zurueckziehen {nr}"),
    "saldo": ("den Stand des Budgets sehen", "/saldo {scope}{year}"),
    "bericht": ("die Antragsübersicht als Datei bekommen (pdf, xlsx, csv, png, json)",
                "/bericht {year} pdf"),
    "einladen": ("eine Person zu Telegram einladen", "/einladen {person}"),
    "trennen": ("die Telegram-Verbindung einer Person trennen", "/trennen {person}"),
    "jahresabschluss": ("ein abgelaufenes Haushaltsjahr abschließen (R2); ohne Jahr sagt der "
                        "Bot, welches abzuschließen ist",
                        "/jahresabschluss {close_year}"),
}


def run(ctx: Context, args: str, body: str) -> Outcome:
    from handlers.commands import registry

    role = ctx.identity.role
    lines = [f"Guten Tag, {ctx.identity.name}! Sie sind hier als {ROLE_NAMES[role]} bekannt."]
    if ctx.person and ctx.person.conference:
        lines[0] += f" (Sozialraum {ctx.conference(ctx.person.conference).name})"
    lines.append("Das können Sie hier tun:")
    values = examples(ctx)
    for command in registry().values():
        if role not in command.roles or command.name in ("hilfe", "start"):
            continue
        if command.name in SENTENCES:
            what, example = SENTENCES[command.name]
            example = example.format_map(values).replace("  ", " ").rstrip()
            lines.append(f"• Sie können {what}, zum Beispiel:\n  {example}")
        else:
            lines.append(f"• {command.summary[:1].upper()}{command.summary[1:]}:\n  "
                         f"{command.usage}")
    if role == "applicant":
        lines.append("Gibt es eine Kofinanzierung (R12), fügen Sie eine Zeile „Kofinanzierung:“ "
                     "mit Geldgeber und Betrag hinzu.")
    return reply("\n".join(lines))


def examples(ctx: Context) -> dict[str, str]:
    """Values for the examples, taken from what this person has to do with."""
    from handlers.agenda import budget_sessions
    from handlers.sessions import example_day
    from handlers.year_close import closable_years

    today = ctx.today
    years = (today.year - 1, today.year)
    own = ctx.person.conference if ctx.person and ctx.person.role == "secretary" else None
    conference = ctx.conference(own) if own else ctx.config.conferences[0]
    upcoming = budget_sessions(ctx, ctx.conference(own) if own else None, today)
    if upcoming and not own:
        conference = ctx.conference(upcoming[0].conference)
    applications = [a for y in years for a in ctx.store.applications(y)
                    if (own is None or a.conference == own)
                    and (ctx.person is not None or a.contact == ctx.identity.key)]
    open_ones = [a for a in applications if a.status in ("submitted", "deferred")]
    last = (open_ones or applications)[-1:]
    number = last[0].number if last else f"{conference.code}-{today.year}-001"
    approved = [a.number for a in applications if a.status in ("approved", "held")]
    held = sorted(s.date for y in years for s in ctx.store.sessions(y, own)
                  if s.budget_ii and s.status == SessionStatus.SCHEDULED and s.date <= str(today))
    held_day = date.fromisoformat(held[-1]) if held else None
    session = (f"{upcoming[0].conference} {format_date(upcoming[0].day)}" if upcoming
               else f"{conference.code} <Datum der Sitzung>")
    codes = [c.code for y in years for c in ctx.store.confirmations(y, ConfirmationStatus.OPEN)
             if c.by == ctx.identity.key]
    open_years = closable_years(ctx)
    waiting = sorted({(c.conference, c.session_date) for y in years
                      for c in ctx.store.confirmations(y, ConfirmationStatus.HELD)})
    people = [p.id for p in ctx.config.people if p.role == "secretary"]
    return {
        "name": conference.name,
        "nr": number,
        "approved": approved[-1] if approved else number,
        "scope": "" if own or ctx.person is None else f"{conference.code} ",
        "scope_bare": "" if own else conference.code,
        "year": str(today.year),
        "new_day": format_date(example_day(today)),
        # R8: no third Budget II session in a year; then the example is an ordinary one
        "budget_ii": ", Budget II" if len([
            s for s in ctx.store.sessions(example_day(today).year, conference.code)
            if s.budget_ii and s.status == SessionStatus.SCHEDULED]) < 2 else "",
        "session": "" if own else session,
        "held": format_date(held_day) if held_day else (
            format_date(upcoming[0].day) if upcoming
            else "<Datum der Sitzung>"),
        "held_session": f"{conference.code} {format_date(held_day)}" if held_day else session,
        "waiting": (f"{waiting[0][0]} {format_date(date.fromisoformat(waiting[0][1]))}"
                    if waiting else f"{conference.code} <Datum der Sitzung>"),
        "code": codes[-1] if codes else "<Code aus der Antwort auf /beschluss>",
        "person": people[0] if people else "sek-ade",
        "close_year": str(open_years[0]) if open_years else "<Jahr>",
    }
