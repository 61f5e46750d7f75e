"""/hilfe: the commands this person may use, with one example each."""

from __future__ import annotations

from handlers.context import Context, reply
from handlers.messages import Outcome
from rules.people import ROLE_NAMES


def run(ctx: Context, args: str, body: str) -> Outcome:
    from handlers.commands import registry

    role = ctx.identity.role
    lines = [f"Guten Tag, {ctx.identity.name}! Sie sind hier als {ROLE_NAMES[role]} bekannt."]
    if ctx.person and ctx.person.conference:
        lines[0] += f" (Sozialraum {ctx.conference(ctx.person.conference).name})"
    lines.append("Das können Sie tun:")
    for command in registry().values():
        if role in command.roles and command.name not in ("hilfe", "start"):
            lines.append(f"• {command.summary}:\n  {command.usage}")
    if role == "applicant":
        lines.append(
            "Beispiel für einen Antrag:\n/antrag\nSozialraum: Adendorf\nTräger: Kita Sonnenschein\n"
            "Titel: Sprachförderung\nAusgangslage: …\nZielsetzung: …\nMaßnahme: …\n"
            "Betrag: 1.500,00 €\nKofinanzierung: Aktion Mensch, 3.000,00 € (optional)")
    return reply("\n".join(lines))
