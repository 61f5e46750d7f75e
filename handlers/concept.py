"""/konzept: the conference's social-space concept (R5), which money may only be bound against."""

from __future__ import annotations

from handlers.context import Context, reply
from handlers.messages import Outcome
from rules.labelled import CONCEPT_FIELD_NAMES, CONCEPT_LABELS, parse_labelled
from rules.refusal import refuse

MAX_CHARS = 4_000


def run(ctx: Context, args: str, body: str) -> Outcome:
    conference = ctx.own_conference()
    fields = parse_labelled("\n".join((args, body)), CONCEPT_LABELS)
    missing = [name for key, name in CONCEPT_FIELD_NAMES.items() if not fields.get(key)]
    if missing:
        raise refuse("R5", "Zum Sozialraumkonzept fehlt noch: " + ", ".join(missing) + ". "
                     "Bitte senden Sie:\n/konzept\nZielgruppen: …\nProblemlagen: …\nZiele: …")
    too_long = [CONCEPT_FIELD_NAMES[k] for k, v in fields.items() if len(v) > MAX_CHARS]
    if too_long:
        raise refuse("R5", f"{', '.join(too_long)} ist zu lang (höchstens {MAX_CHARS} Zeichen). "
                           "Bitte fassen Sie es zusammen.")
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
