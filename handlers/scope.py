"""Reading "[<Konferenz>] [<Jahr>]" arguments, and who may see which conference."""

from __future__ import annotations

import re

from handlers.context import Context
from rules.conferences import Conference, conferences_in, find_conference
from rules.refusal import refuse


def conference_and_year(ctx: Context, args: str) -> tuple[Conference | None, int, str]:
    """(conference or None for all, year, leftover words). A secretary sees only her own."""
    year = ctx.today.year
    words = []
    for word in args.split():
        if re.fullmatch(r"20\d\d", word):
            year = int(word)
        else:
            words.append(word)
    conference = None
    leftover = ""
    if words:
        conference = find_conference(" ".join(words), ctx.config.conferences)
        if conference is None:
            conference = find_conference(words[0], ctx.config.conferences)
            leftover = " ".join(words[1:]) if conference else " ".join(words)
    person = ctx.person
    if person is not None and person.role == "secretary":
        own = ctx.conference(person.conference or "")
        if conference is not None and conference.code != own.code:
            raise refuse("", f"Sie sehen nur die Zahlen von {own.name}. Die anderen Konferenzen "
                             "sieht der Landkreis.")
        conference = own
    if leftover and conference is None and not re.fullmatch(r"[a-z]{3,4}", leftover):
        raise refuse("", f"Die Konferenz „{leftover[:40]}“ kenne ich nicht. Beispiel: /saldo ADE "
                         f"{ctx.today.year}")
    return conference, year, leftover


OWN_CONFERENCE_WRITES = frozenset({"konzept", "sitzung", "beschluss"})


def refuse_other_conference(ctx: Context, word: str, args: str) -> None:
    """A secretary's /konzept, /sitzung or /beschluss that names another conference first
    ("/konzept ADE", "/sitzung Adendorf 12.03.2026 verschieben auf …", "Konzept für
    Adendorf:") is refused. Before, it changed her own conference: the concept meant for
    Adendorf replaced Bleckede's, and her only session was moved."""
    person = ctx.person
    if person is None or person.role != "secretary" or word not in OWN_CONFERENCE_WRITES:
        return
    own = ctx.conference(person.conference or "")
    words = args.split()
    if words and any(char.isdigit() for char in words[0]):
        words = []  # "/sitzung 12.03.2026 Adendorf": a date first, then a place
    named = next((c for n in range(1, min(len(words), 3) + 1)
                  if (c := find_conference(" ".join(words[:n]), ctx.config.conferences))),
                 None)
    if named is None and word == "konzept":  # "Konzept für Adendorf:" above the lines
        heading = ctx.message.text.strip().split("\n", 1)[0]
        others = conferences_in(heading, ctx.config.conferences) if ":" not in heading.rstrip(
            ":") else []
        named = others[0] if others and own not in others else None
    if named is not None and named.code != own.code:
        raise refuse("", f"Sie können /{word} nur für {own.name} senden, nicht für "
                         f"{named.name}; es wurde nichts geändert. Für {named.name} ist deren "
                         "Geschäftsführung zuständig.")
