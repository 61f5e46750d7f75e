"""Reading "[<Konferenz>] [<Jahr>]" arguments, and who may see which conference."""

from __future__ import annotations

import re

from handlers.context import Context
from rules.conferences import Conference, find_conference
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
