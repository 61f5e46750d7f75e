"""Answers people give to the bot's own questions, in their words or with the bot's own lines.

Pure and linear-time: every pattern is a plain alternation without nested repetition, and the
text is cut before it is read.

- `copied_command`: a line the bot offered ("• Ich nehme teil: /anwesend DAH 20.12.2026",
  "Zum Buchen senden Sie: /buchen K7F3QX", the console's "[Buchen] → /buchen K7F3QX") copied
  back whole: the command in it.
- `attendance_word`: "Ich nehme teil", "Zusage", "Ich bin verhindert", "Absage" from a county
  representative: whether she attends.
- `calendar_reply`: the normalized iTIP REPLY a channel decoded from a calendar answer.
- `session_reference`: the session a channel found in a message's context (`refers_to`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from rules.numbers import NUMBER_PATTERN
from rules.patterns import lazy

MAX_ANSWER_CHARS = 1500  # a longer text is not a short answer to the bot's question
MAX_WORDS_CHARS = 300  # "Zusage" and the like are read only in a short message
MAX_LABEL = 120

BULLETS = "•·*>-–"
SEPARATORS = (": /", "→ /", "-> /")

_EXCUSE = lazy(
    r"\b(?:verhindert|absage|absagen|abgesagt|sage\s+(?:ich\s+)?(?:leider\s+)?ab|"
    r"(?:kann|nehme|komme|schaffe|werde)\s+(?:ich\s+)?(?:es\s+)?(?:leider\s+)?(?:doch\s+)?"
    r"(?:(?:dann|dort|daran|dabei|hin|diesmal|heute|da)\s+)?nicht|nicht\s+(?:teilnehmen|kommen|dabei|da|möglich|dabei\s+sein)|"
    r"passt\s+(?:mir\s+)?(?:leider\s+)?nicht|keine\s+zeit|abgelehnt|ablehnen|leider\s+nein|"
    r"urlaub|krank)\b", re.IGNORECASE)
_ATTEND = lazy(
    r"\b(?:nehme\s+(?:(?:sehr|gerne?|gern|natürlich|selbst|persönlich)\s+){0,2}teil|teilnehmen|zusage|sage\s+(?:ich\s+)?(?:gerne?\s+)?zu|"
    r"zugesagt|ich\s+komme|komme\s+(?:ich\s+)?gerne?|bin\s+(?:ich\s+)?(?:gerne?\s+)?dabei|werde\s+da\s+sein|kann\s+kommen|"
    r"teilnahme\s+(?:bestätigt|zugesagt)|angenommen|annehmen)\b", re.IGNORECASE)
_TENTATIVE = lazy(r"\b(?:vielleicht|eventuell|vorbehalt|vorläufig|unter\s+vorbehalt"
                  r"|wahrscheinlich|voraussichtlich|vermutlich|hoffentlich|evtl|ggf"
                  r"|m(?:ö|oe)glicherweise)\b", re.IGNORECASE)
# "evtl. etwas später", "vielleicht 10 Minuten später", "ggf. mit Verspätung": unsure only of
# when she arrives (a late arrival attends); the hedge right before the lateness, or before
# "komme ich" and the lateness ("Evtl. komme ich etwas später")
_HEDGE = r"\b(?:vielleicht|eventuell|evtl|ggf|wahrscheinlich|voraussichtlich|vermutlich" \
         r"|m(?:ö|oe)glicherweise)\.?[ \t]+"
_LATENESS = r"(?:(?:etwas|ein[ \t]+bisschen|ein[ \t]+wenig|ein[ \t]+paar[ \t]+minuten" \
            r"|eine[ \t]+(?:halbe|viertel)[ \t]*stunde" \
            r"|(?:ca\.?[ \t]*|etwa[ \t]+)?[0-9]{1,3}[ \t]*(?:min\b\.?|minuten))[ \t]+)?" \
            r"(?:(?:zu[ \t]+)?sp(?:ä|ae)t(?:er)?|versp(?:ä|ae)tet" \
            r"|mit[ \t]+(?:etwas[ \t]+)?versp(?:ä|ae)tung)\b"
_LATE = lazy(_HEDGE + _LATENESS, re.IGNORECASE)
_LATE_FIRST = lazy(_HEDGE + r"komme[ \t]+ich[ \t]+" + _LATENESS, re.IGNORECASE)
_OR = lazy(r"\b(?:oder|bzw)\b", re.IGNORECASE)
_YES = lazy(r"\s*(?:ja|jawohl|ok|okay|komme|dabei)\b[\s,.!]*(?:gerne?|klar|sicher|danke)?"
            r"[\s,.!]*", re.IGNORECASE)
# "Vertretung durch Frau Lange", "Frau Lange vertritt mich", "an meiner Stelle kommt …"
_DEPUTY = lazy(r"\b(?:vertretung|vertritt|vertreten|vertreterin|vertreter|an\s+meiner\s+stelle"
               r"|statt\s+meiner|in\s+vertretung|i\.\s?v\.)", re.IGNORECASE)
_NO = lazy(r"\s*(?:nein|leider\s+nein)\b[\s,.!]*(?:leider|danke)?[\s,.!]*",
           re.IGNORECASE)
# Within one line ([ \t], not \s): with MULTILINE, "^\s*" started at every one of a run of
# empty lines and ran over all the rest, cubic in the run (1,000 newlines: 1.4 s of CPU).
# Each run of blanks is followed by a letter, so no two runs share them.
_CLOSING = lazy(r"^[ \t]*(?:mit[ \t]+)?(?:(?:freundlichen|viele|beste|herzliche|liebe|"
                r"schöne)[ \t]+)?(?:grüßen|grüße|gruß|gruss|grüsse)\b"
                r"|^[ \t]*(?:mfg|vg|lg|bg)\b|^[ \t]*--[ \t]*$", re.IGNORECASE | re.MULTILINE)

_ABOUT_APPLICATIONS = lazy(r"\b(?:antr(?:ag|äg|aeg)\w*|projekt\w*|skizze\w*|projektskizze\w*)",
                          re.IGNORECASE)
# A veto or a release in words is not an attendance answer ("passt nicht zum Konzept")
_VETO = lazy(r"\bveto\b", re.IGNORECASE)
_APPLICATION = lazy(rf"\b{NUMBER_PATTERN}\b")
_VETO_REASON_LEAD = lazy(r"^[\s,:;.\-–)]*(?:ein\b)?[\s,:;.\-–]*(?:grund\s*:?\s*)?",
                         re.IGNORECASE)
_RELEASE = lazy(r"\bbeschl(?:uss|üsse|uesse)\b.{0,80}?\b(?:bestätig|bestaetig|frei\b|"
                r"freigeben|in\s+ordnung|buchen|einverstanden)|\b(?:bestätig\w*|"
                r"bestaetig\w*|freigeben|gebe\s+ich\s+frei)\b.{0,80}?\bbeschl(?:uss|üsse|uesse)\b",
                re.IGNORECASE | re.DOTALL)

ATTEND, EXCUSE, TENTATIVE = "attend", "excuse", "tentative"


# "Wir legen kein Veto gegen … ein", "Sollen wir ein Veto … einlegen?", "Falls nötig, Veto …"
_NOT = lazy(r"\b(?:kein\w*|nicht|ohne|nie)\b", re.IGNORECASE)
_DOUBT = lazy(r"\?|\b(?:falls|sofern|wenn|ob|eventuell|evtl|vielleicht|ggf|gegebenenfalls"
              r"|(?:ü|ue)berlegen|sollen|sollten|m(?:ü|ue)ssten|w(?:ü|ue)rden|k(?:ö|oe)nnten"
              r"|m(?:ö|oe)glicherweise)\b", re.IGNORECASE)
_WORDS_BEFORE = 3  # "… kein Veto", "… wir wohl kein Veto": the words that negate the word itself


def _said_for_sure(head: str, word: re.Match[str], number: re.Match[str]) -> bool:
    """Whether a veto is said for sure: no "kein", "nicht" before the application or right
    before the word, no question and no condition ("falls", "wenn", "sollen wir")."""
    before_word = " ".join(head[:word.start()].split()[-_WORDS_BEFORE:])
    lead = head[:max(number.start(), word.end())]
    return not (_NOT.search(head[:number.start()]) or _NOT.search(before_word)
                or _DOUBT.search(lead) or "?" in head)


_NEGATED = lazy(r"\b(?:nicht|nie|kein\w*)\b", re.IGNORECASE)


def conditional(text: str) -> bool:
    """Whether a short message asks or sets a condition ("Falls nötig wird die Sitzung …
    verschoben", "Wird sie verschoben?"): never taken as a command that changes something."""
    return bool(_DOUBT.search(text[:MAX_WORDS_CHARS]))


def not_for_sure(text: str) -> bool:
    """`conditional`, or with a "nicht" anywhere ("Die Sitzung fällt nicht aus")."""
    return conditional(text) or bool(_NEGATED.search(text[:MAX_WORDS_CHARS]))


def veto_doubted(text: str) -> str | None:
    """The application a message speaks of vetoing without doing it for sure ("Wir legen kein
    Veto gegen ADE-2026-001 ein", "Sollen wir ein Veto … einlegen?"), else None."""
    head = text[:MAX_ANSWER_CHARS]
    word, number = _VETO.search(head), _APPLICATION.search(head)
    if word is None or number is None or _said_for_sure(head, word, number):
        return None
    return number.group().upper()


def veto_in_words(text: str) -> tuple[str, str] | None:
    """"Veto gegen ADE-2026-001: passt nicht zum Konzept", "Ich lege Veto gegen ADE-2026-001
    ein, weil …": the application and the reason (possibly empty: /veto asks for one). Only a
    veto said for sure: "Wir legen kein Veto gegen ADE-2026-001 ein" is none."""
    head = text[:MAX_ANSWER_CHARS]
    word = _VETO.search(head)
    if not word:
        return None
    number = _APPLICATION.search(head)
    if number is None or not _said_for_sure(head, word, number):
        return None
    before = head[:number.start()]
    after = head[number.end():]
    reason = _VETO_REASON_LEAD.sub("", after)
    if not reason.strip():  # "Aus Sicht des Landkreises: Veto zu ADE-2026-001."
        reason = _VETO.sub("", before)
    return number.group().upper(), " ".join(reason.split()).strip(" .")


def release_in_words(text: str) -> bool:
    """"Ich bestätige die Beschlüsse …", "Die Beschlüsse aus Adendorf sind in Ordnung": the
    county releases decisions held for it (R9)."""
    return len(text) <= MAX_WORDS_CHARS and _RELEASE.search(text) is not None
PARTSTATS = {"ACCEPTED": ATTEND, "DECLINED": EXCUSE, "TENTATIVE": TENTATIVE}


def _offered(line: str, previous: str) -> str | None:
    """The command of one line as the bot writes actions: "• label: /command" (mail, texts),
    "[label] → /command" (console), or "• label:" with the command alone on the next line
    (/hilfe). Plain string search, linear in the line."""
    text = line.strip().lstrip(BULLETS).strip()
    if text.startswith("/"):
        return text if previous.rstrip().endswith(":") else None
    for separator in SEPARATORS:
        at = text.find(separator)
        if 0 < at <= MAX_LABEL:
            return text[at + len(separator) - 1:]
    return None


def copied_commands(text: str, known: Collection[str]) -> list[str]:
    """The commands of the lines the bot offered that this short text carries, in order.

    `known` are the command words (without "/")."""
    if len(text) > MAX_ANSWER_CHARS:
        return []
    found: list[str] = []
    previous = ""
    for line in text.splitlines():
        offered = _offered(line, previous)
        previous = line
        if offered is None:
            continue
        command = " ".join(offered.split())
        word = command[1:].split(" ", 1)[0].split("@", 1)[0].lower()
        if word in known and command not in found:
            found.append(command)
    return found


def copied_command(text: str, known: Collection[str]) -> str | None:
    """The one offered command a text carries; None for none, or for two different ones (both
    "Ich nehme teil" and "Ich bin verhindert" copied are no answer)."""
    found = copied_commands(text, known)
    return found[0] if len(found) == 1 else None


def _before_closing(text: str) -> str:
    """The text above its closing formula ("Mit freundlichen Grüßen", "VG", "--"): the
    signature says nothing."""
    closing = _CLOSING.search(text[:MAX_ANSWER_CHARS])
    return text[:closing.start()] if closing else text


def copied_alone(text: str) -> bool:
    """Whether the lines the bot offered come back (nearly) alone: a few words beside them that
    do not say no or "nicht". A reply that carries the bot's whole message below (a quote the
    mail program did not mark) carries its offered lines too, and her own words above may say
    the opposite: "Nein, das war ich nicht!" above the warning's "/freigeben CODE" released the
    forged request."""
    kept: list[str] = []
    previous = ""
    for line in text[:MAX_ANSWER_CHARS].splitlines():
        if _offered(line, previous) is None:
            kept.append(line)
        previous = line
    own = _before_closing("\n".join(kept))
    return len(own.strip()) <= MAX_WORDS_CHARS and not _DENIAL.search(own) and not not_for_sure(
        own)


def own_answer(text: str) -> str:
    """The person's own words on top of a reply: the text, or, when it is longer than a short
    answer (a quote below that her mail program did not mark), its first paragraph (its first
    line, where the paragraphs ran together, as from an HTML mail)."""
    if len(text) <= MAX_WORDS_CHARS:
        return text
    top = text.strip().split("\n\n", 1)[0][:MAX_WORDS_CHARS + 1]
    return top if len(top) <= MAX_WORDS_CHARS else top.split("\n", 1)[0]


def attendance_word(text: str) -> str | None:
    """ATTEND, EXCUSE or TENTATIVE for a short answer, None when it says none of them.

    A text that says both (“Zusage … kann leider nicht”) is read as an excuse: taking it for
    attendance would let decisions be booked without the county (R9)."""
    text = _before_closing(text)
    if not text.strip() or len(text) > MAX_WORDS_CHARS:
        return None
    if _VETO.search(text) or _APPLICATION.search(text) or release_in_words(text):
        return None  # about a decision, not the meeting
    if "?" in text or _ABOUT_APPLICATIONS.search(text):
        # "Welche Anträge wurden abgelehnt?", "Die Kita kann leider nicht kommen, sie stellt
        # den Antrag später vor": a question, or about applications, is no answer (R9)
        return None
    if _YES.fullmatch(text):
        return ATTEND
    if _NO.fullmatch(text):
        return EXCUSE
    if _EXCUSE.search(text):
        return EXCUSE
    if _late_but_attending(text):
        return ATTEND
    if _TENTATIVE.search(text):
        return TENTATIVE
    attend = _ATTEND.search(text)
    if attend:
        # "Ich komme, wenn ich es schaffe", "Ich nehme teil, falls …": a condition in the
        # sentence of the yes is a "vielleicht" (R9 asks back); "Ich komme." stays firm
        start = max(text.rfind(end, 0, attend.start()) for end in ".!\n") + 1
        stops = [at for at in (text.find(end, attend.end()) for end in ".!\n") if at >= 0]
        sentence = text[start:min(stops, default=len(text))]
        return TENTATIVE if conditional(sentence) else ATTEND
    return None


def _late_but_attending(text: str) -> bool:
    """ "Ich komme evtl. etwas später", "Zusage, ggf. mit Verspätung": unsure only of being late,
    which is attending. Only when the rest says yes for sure: no other hedge, condition,
    negation or "oder" ("Ich komme evtl. später oder gar nicht" is asked back)."""
    rest = _LATE.sub(" ", _LATE_FIRST.sub(" ich komme ", text))
    if rest == text:
        return False
    if (_TENTATIVE.search(rest) or conditional(rest) or _NEGATED.search(rest)
            or _OR.search(rest)):
        return False
    return bool(_YES.fullmatch(rest) or _ATTEND.search(rest))


# Words said around a code command that are no code: "Buchen bitte", "/buchen jetzt, danke"
_COURTESY = frozenset({"bitte", "danke", "jetzt", "sofort", "gerne", "gern", "ok", "okay", "ja",
                       "alles", "die", "das", "den", "beschluss", "beschluesse", "beschlüsse",
                       "code", "dann", "nun", "mal", "doch", "schon", "vielen", "dank"})
MAX_COURTESY_CHARS = 100


def without_courtesy(args: str) -> str:
    """The arguments of /buchen, /verwerfen or /freigeben without the polite words around them
    ("bitte", "jetzt, danke"): such a word is never taken for a wrong code."""
    if len(args) > MAX_COURTESY_CHARS:
        return args
    words = [w for w in args.split() if w.strip(",.!;:").lower() not in _COURTESY]
    return " ".join(words)


def names_deputy(text: str) -> bool:
    """Whether a short answer sends someone else ("Vertretung durch Frau Lange"): R9 counts only
    the county's representatives who answer themselves, so such words record nothing."""
    return len(text) <= MAX_WORDS_CHARS and _DEPUTY.search(text) is not None


# "Das war ich nicht", "Nein, nicht von mir", "bitte ignorieren": the answer to the bot's
# warning about a request in one's name (handlers/verification.py) that it is not one's own
_DENIAL = lazy(
    r"\b(?:nein|nee|war\s+ich\s+nicht|war\s+nicht\s+ich|nicht\s+von\s+mir|nicht\s+ich|"
    r"(?:habe?|hab)\s+ich\s+nicht|nicht\s+(?:gesendet|geschickt|geschrieben|ausführen)|"
    r"stimmt\s+nicht|falsch|gefälscht|fälschung|ignorieren|spam|betrug|missbrauch)\b",
    re.IGNORECASE)


def denies_request(text: str) -> bool:
    """Whether a short answer says a request was not the sender's own ("Nein", "Das war ich
    nicht!", "Bitte ignorieren, nicht von mir")."""
    text = _before_closing(text)
    return len(text) <= MAX_WORDS_CHARS and bool(_DENIAL.search(text))


_YES_WORDS = frozenset({"ja", "jawohl", "ok", "okay", "genau", "richtig", "stimmt", "korrekt"})
_FIRST_WORD = lazy(r"\s*([^\W\d_]+)")


def says_yes(text: str) -> bool:
    """Whether a short answer is a plain yes ("Ja", "Ok, das war ich", "Genau so.") and no
    "nein" at the same time."""
    text = _before_closing(text)
    first = _FIRST_WORD.match(text[:MAX_CONFIRM_CHARS])
    return (len(text) <= MAX_CONFIRM_CHARS and first is not None
            and first.group(1).lower() in _YES_WORDS and not _DENIAL.search(text))


@dataclass(frozen=True)
class CalendarReply:
    """An attendee's answer to an invitation (RFC 5546 REPLY), as a channel decoded it."""

    uid: str
    attendee: str  # e-mail address, lower case
    answer: str  # ATTEND, EXCUSE or TENTATIVE
    sequence: int


def calendar_reply(texts: Iterable[tuple[str, str]]) -> CalendarReply | None:
    """The first (content type, text) pair that is a normalized calendar REPLY: lines
    "METHOD:REPLY", "UID:…", "ATTENDEE:addr", "PARTSTAT:ACCEPTED|DECLINED|TENTATIVE",
    "SEQUENCE:n" (see `bot.mail.ics.reply_fields`)."""
    for content_type, text in texts:
        if not content_type.lower().startswith("text/calendar"):
            continue
        fields: dict[str, str] = {}
        for line in text[:4000].splitlines():
            name, _, value = line.partition(":")
            fields.setdefault(name.strip().upper(), value.strip())
        answer = PARTSTATS.get(fields.get("PARTSTAT", "").upper())
        sequence = fields.get("SEQUENCE", "0")
        if (fields.get("METHOD", "").upper() == "REPLY" and fields.get("UID") and answer
                and fields.get("ATTENDEE")):
            return CalendarReply(fields["UID"][:200], fields["ATTENDEE"].lower()[:200], answer,
                                 int(sequence) if sequence.isdigit() and len(sequence) < 6
                                 else 0)
    return None


_SESSION_REF = lazy(r"session:([A-Z]{2,5}):(\d{4})-(\d{2})-(\d{2})")
# a button of the message answered (Telegram): "/anwesend ADE 12.03.2026"
_OFFERED_ANSWER = lazy(r"/(?:anwesend|verhindert) ([A-Za-z]{2,5}) (\d{2})\.(\d{2})\.(\d{4})")


def session_reference(refers_to: Iterable[str]) -> tuple[str, date] | None:
    """(conference code, date) of the first session the channel found in the context:
    "session:ADE:2026-03-12", or the attendance button of the message answered."""
    for item in refers_to:
        if match := _SESSION_REF.fullmatch(item):
            code, year, month, day = match.groups()
        elif match := _OFFERED_ANSWER.fullmatch(item):
            code, day, month, year = match.groups()
        else:
            continue
        try:
            return code.upper(), date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


# "Ja, bitte buchen.", "ok buchen, danke": a secretary's answer to a preview of the decisions
_CONFIRM_WORDS = frozenset({"ja", "ok", "okay", "bitte", "gern", "gerne", "danke", "passt",
                            "alles", "richtig", "korrekt", "stimmt", "so", "jetzt", "dann",
                            "sie", "das", "die", "beschlüsse", "beschluesse", "können",
                            "koennen", "kann", "man", "gut", "super", "prima", "vielen", "dank"})
_VERB = {"buchen": "buchen", "verwerfen": "verwerfen", "buchen!": "buchen"}
MAX_CONFIRM_CHARS = 80


def preview_answer(text: str) -> str | None:
    """ "buchen" or "verwerfen" for a short answer to a preview that says only that, with
    courtesy words ("Ja, bitte buchen.", "ok buchen, danke"); None for anything else, so that
    "bitte noch nicht buchen" never books."""
    if len(text) > MAX_CONFIRM_CHARS or not_for_sure(text):
        return None  # "Kann man das buchen?", "Können Sie das buchen?" ask, they book nothing
    words = [w.strip(",.;:!?").lower() for w in text.split()]
    verbs = {w for w in words if w in _VERB}
    if len(verbs) != 1 or any(w and w not in _VERB and w not in _CONFIRM_WORDS for w in words):
        return None
    return _VERB[verbs.pop()]
