"""/konzept: the conference's social-space concept (R5), which money may only be bound against.

With the three lines a secretary registers or replaces it; without them, she and the county read
the registered one (`/konzept ADE` for the county).
"""

from __future__ import annotations

from datetime import date

from handlers.context import Context, reply
from handlers.messages import Action, Outcome
from handlers.scope import conference_and_year
from rules.checks import CONCEPT_FORM, concept_refusal
from rules.dates import format_date
from rules.labelled import CONCEPT_FIELD_NAMES, concept_fields
from rules.refusal import Refused, refuse


def run(ctx: Context, args: str, body: str) -> Outcome:
    fields = concept_fields("\n".join((args, body)))
    if not any(fields.values()):
        return show(ctx, args)
    if ctx.identity.role != "secretary":
        raise refuse("", "/konzept darf nur von den Geschäftsführungen der Sozialkonferenzen "
                         "genutzt werden, um ein Konzept zu hinterlegen. Lesen können Sie eines "
                         f"mit /konzept {ctx.config.conferences[0].code}.")
    conference = ctx.own_conference()
    if refusal := concept_refusal(fields):
        raise Refused(refusal)
    replaced = ctx.store.concept(conference.code) is not None
    ctx.store.add_concept({
        "conference": conference.code, **fields,
        "registered_on": ctx.today.isoformat(),
        "registered_at": ctx.now.isoformat(timespec="seconds"),
        "by": ctx.identity.key, "source_id": ctx.message.source_id,
    })
    for person in ctx.county_representatives():
        ctx.notify(person.id, f"Sozialraumkonzept {conference.name} "
                   f"{'aktualisiert' if replaced else 'neu hinterlegt'} (R5):\n"
                   + "\n".join(f"{name}: {fields[k]}" for k, name in CONCEPT_FIELD_NAMES.items()),
                   "concept", f"concept:{ctx.message.source_id}:{person.id}")
    verb = "ersetzt" if replaced else "hinterlegt"
    return reply(f"Das Sozialraumkonzept für {conference.name} ist {verb}. Ab jetzt können "
                 "Beschlüsse über Budget II gebucht werden (R5).")


def show(ctx: Context, args: str) -> Outcome:
    """The registered concept of the secretary's own conference, or of the one the county
    names; without a name the county gets a button per conference."""
    conference, _, _ = conference_and_year(ctx, args)
    if conference is None:
        # which conferences have one: without it nothing is bound there (R5)
        missing = [c.name for c in ctx.config.conferences if ctx.store.concept(c.code) is None]
        status = (f"Noch ohne Sozialraumkonzept (R5: dort wird nichts gebunden): "
                  f"{', '.join(missing)}." if missing else
                  "Alle Sozialräume haben ein Sozialraumkonzept hinterlegt.")
        return reply(f"{status}\nWelches Sozialraumkonzept möchten Sie lesen? Tippen Sie auf "
                     "einen Sozialraum oder senden Sie z. B. /konzept "
                     f"{ctx.config.conferences[0].code}",
                     actions=tuple(Action(c.name, f"/konzept {c.code}")
                                   for c in ctx.config.conferences))
    concept = ctx.store.concept(conference.code)
    own = ctx.person is not None and ctx.person.conference == conference.code
    if concept is None:
        text = (f"Für {conference.name} ist noch kein Sozialraumkonzept hinterlegt. Solange "
                "kann dort kein Geld gebunden werden (R5).")
        if own:
            text += f" So hinterlegen Sie es:\n{CONCEPT_FORM}"
        return reply(text)
    registered = format_date(date.fromisoformat(concept["registered_on"]))
    lines = [f"Sozialraumkonzept {conference.name} (hinterlegt am {registered}):",
             *(f"{name}: {concept[key]}" for key, name in CONCEPT_FIELD_NAMES.items())]
    if own:
        lines.append(f"Zum Ersetzen senden Sie das ganze Konzept neu:\n{CONCEPT_FORM}")
    return reply("\n".join(lines))
