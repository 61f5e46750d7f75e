"""Questions in plain words ("Wie ist der Stand meines Antrags?", "Wieviel Geld ist noch
da?"): which answer a short message asks for. Pure; the caller checks who may see it."""

from __future__ import annotations

from rules.labelled import normalize_label
from rules.numbers import NUMBER

MAX_QUESTION_CHARS = 300  # longer messages are sketches or reports, not questions

_STATUS_WORDS = frozenset({"stand", "status", "entschieden", "bearbeitet", "bescheid",
                           "neuigkeiten", "neues", "passiert", "entscheidung", "beschieden",
                           "bewilligt", "genehmigt", "abgelehnt", "zusage", "erhalten",
                           "angekommen", "eingegangen", "bekommen", "entscheidet",
                           "entscheiden", "beraten", "beraet", "behandelt", "dran",
                           "rueckmeldung", "beantragt", "vollstaendig", "komplett"})
_STATUS_PHRASES = ("was ist mit", "was ist aus", "wie steht es", "wie steht", "wie weit ist",
                   "wie sieht es", "gibt es schon", "gibt es etwas")
_APPLICATION_WORDS = frozenset({"antrag", "antrags", "antrages", "antraege", "antraegen",
                                "skizze", "projektskizze", "projekt", "projekts", "projektes",
                                "foerderantrag"})
_MONEY_WORDS = frozenset({"geld", "budget", "mittel", "euro", "foerdermittel", "budgets", "topf",
                          "kasse", "etat", "projektmittel", "haushalt"})
_LEFT_WORDS = frozenset({"uebrig", "verfuegbar", "frei", "da", "vorhanden", "rest", "noch",
                         "stand", "uebrigen", "verbleibend", "verbleibende"})
_BALANCE_WORDS = frozenset({"saldo", "kontostand", "restbudget", "restmittel", "budgetstand",
                            "haushaltsstand"})
_HOW_MUCH = ("wieviel", "wie viel", "was ist noch", "was haben wir noch", "wie hoch",
             "was bleibt", "was ist uebrig")
_AMOUNT_LEFT = frozenset({"uebrig", "verfuegbar", "frei", "rest", "noch", "gebunden",
                          "ausgegeben", "verbraucht", "verplant", "bleibt"})


# A question that starts so and names an application is about that application
_WHY_WORDS = frozenset({"warum", "wieso", "weshalb", "weswegen", "wann", "wie", "was", "wurde",
                        "ist", "gibt", "hat", "haben", "wird", "koennen", "koennten"})
_QUESTION_WORDS = frozenset({"wie", "was", "wieviel", "gibt", "ist", "wann", "wurde", "habe",
                             "haben", "hat", "sind", "wo", "welcher", "welchen", "welche",
                             "koennen"})


_BRACKETS = str.maketrans("()[]{}", "      ")


def _words(text: str) -> tuple[str, list[str]]:
    """The words of a question, brackets too ("Welche Anträge hat Adendorf (offen)?"): labels
    drop a bracket's words (normalize_label), a question does not."""
    flat = normalize_label(text.replace("-", " ").translate(_BRACKETS))
    return flat, flat.split()


def _asks(text: str, words: list[str]) -> bool:
    """A question: a question mark, or a first word that asks ("Wie viel Geld ist noch da")."""
    return "?" in text or (bool(words) and words[0] in _QUESTION_WORDS) or (
        "fragen ob" in " ".join(words))  # "Ich wollte fragen, ob …"


def asked_status(text: str) -> str | None:
    """ "status" with the application number named, or "status" alone ("" as number) when a
    short message asks how an application stands; None otherwise."""
    if len(text) > MAX_QUESTION_CHARS:
        return None
    flat, words = _words(text)
    number = NUMBER.search(text)
    about = number is not None or bool(_APPLICATION_WORDS & set(words))
    asks = bool(_STATUS_WORDS & set(words)) or any(p in flat for p in _STATUS_PHRASES)
    if number is not None and words and words[0] in _WHY_WORDS and "?" in text:
        return number.group(1)  # "Warum wurde unser Antrag ADE-2026-002 vertagt?"
    if not (about and asks and _asks(text, words)):
        return None
    return number.group(1) if number else ""


def asked_balance(text: str) -> bool:
    """Whether a short message asks how much money is left ("Wieviel Geld ist noch da?")."""
    if len(text) > MAX_QUESTION_CHARS:
        return False
    flat, words = _words(text)
    if not _asks(text, words):
        return False
    if _BALANCE_WORDS & set(words):
        return True
    money = bool(_MONEY_WORDS & set(words))
    if money:
        return any(p in flat for p in _HOW_MUCH) or bool(_LEFT_WORDS & set(words))
    # "Was ist noch übrig in Adendorf?", "Wie viel ist schon gebunden?": how much, of nothing
    # else named (an application, a session), is the money
    return (any(p in flat for p in _HOW_MUCH) and bool(_AMOUNT_LEFT & set(words))
            and not (_APPLICATION_WORDS | _SESSION_WORDS | _LIST_WORDS) & set(words)
            and NUMBER.search(text) is None)


_THANKS = frozenset({"danke", "dank", "dankeschoen", "danken", "bedanken", "merci"})
# the words around a thanks ("Vielen Dank für die Bewilligung! Mit freundlichen Grüßen")
_COURTESY = frozenset({"vielen", "herzlichen", "herzlich", "besten", "schoenen", "lieben", "fuer",
                       "die", "der", "das", "den", "ihre", "ihren", "eure", "und", "sehr",
                       "mit", "freundlichen", "freundliche", "gruessen", "gruesse", "gruss",
                       "viele", "beste", "liebe", "hallo", "guten", "tag", "geehrte",
                       "geehrter", "damen", "herren", "wir", "ich", "uns", "sich", "schon",
                       "nochmal", "nochmals", "auch", "so", "schnell", "rasch", "info",
                       "infos", "information", "nachricht", "rueckmeldung", "antwort", "hilfe",
                       "bewilligung", "zusage", "unterstuetzung", "ok", "okay", "super", "prima",
                       "toll", "alles", "klar", "gut", "bestens", "vg", "lg", "mfg"})
MAX_THANKS_CHARS = 300
MAX_OTHER_WORDS = 6  # a name and an organisation under the thanks


_STOP_PHRASES = ("stopp", "stop", "abmelden", "abbestellen", "keine mails mehr",
                 "keine e mails mehr", "keine nachrichten mehr", "bitte keine mails",
                 "austragen", "abmeldung", "unsubscribe")
MAX_STOP_CHARS = 80


def asked_to_stop(text: str) -> bool:
    """ "Stopp", "Abmelden", "Bitte keine Mails mehr": a short message asking for no more mail
    (the bot writes only answers and news of one's own applications)."""
    if len(text) > MAX_STOP_CHARS:
        return False
    flat, _ = _words(text)
    return any(flat == p or flat.startswith(p + " ") or flat.endswith(" " + p)
               or f" {p} " in f" {flat} " for p in _STOP_PHRASES)


def only_thanks(text: str) -> bool:
    """A short thank-you ("Vielen Dank für die Bewilligung!", "Danke") and nothing to do: no
    number, no amount, at most a signature besides the courtesy words."""
    if len(text) > MAX_THANKS_CHARS or any(c.isdigit() for c in text) or "?" in text:
        return False
    _, words = _words(text)
    if not _THANKS & set(words):
        return False
    return sum(w not in _THANKS and w not in _COURTESY for w in words) <= MAX_OTHER_WORDS


_SESSION_WORDS = frozenset({"sitzung", "sitzungen", "termin", "termine", "sitzungstermin",
                            "sitzungstermine", "konferenz", "konferenzen", "tagt", "tagen",
                            "trifft"})
_LIST_FILTERS = {"offen": "offen", "offene": "offen", "offenen": "offen", "unentschieden": "offen",
                 "bewilligt": "bewilligt", "bewilligten": "bewilligt", "bewilligte": "bewilligt",
                 "abgelehnt": "abgelehnt", "abgelehnten": "abgelehnt", "abgelehnte": "abgelehnt",
                 "vertagt": "vertagt", "vertagten": "vertagt", "vertagte": "vertagt",
                 "zurueckgestellt": "vertagt", "zurueckgestellten": "vertagt"}
# "Bitte die Liste aller bewilligten Anträge 2026", "Zeig mir alle offenen Anträge"
_LIST_REQUEST = frozenset({"bitte", "liste", "zeig", "zeige", "zeigen", "schick", "schicken",
                           "auflisten", "aufstellung"})
_LIST_WORDS = frozenset({"antraege", "antraegen", "skizzen", *_LIST_FILTERS})


def asked_sessions(text: str) -> bool:
    """ "Welche Sitzungen sind geplant?", "Wann ist die nächste Sitzung?": the sessions ahead."""
    if len(text) > MAX_QUESTION_CHARS:
        return False
    _, words = _words(text)
    return _asks(text, words) and bool(_SESSION_WORDS & set(words)) \
        and NUMBER.search(text) is None and not _CONCEPT_WORDS & set(words)


_CONCEPT_WORDS = frozenset({"konzept", "konzepte", "sozialraumkonzept", "sozialraumkonzepte"})


def asked_concept(text: str) -> bool:
    """ "Welche Konferenzen haben noch kein Konzept?", "Hat Ostheide schon ein Konzept?": the
    concepts (R5), read."""
    if len(text) > MAX_QUESTION_CHARS:
        return False
    _, words = _words(text)
    return _asks(text, words) and bool(_CONCEPT_WORDS & set(words))


def asked_list(text: str) -> str | None:
    """ "Welche Anträge sind offen?": the status word to filter /antraege by ("" for all), or
    None when the message does not ask which applications there are."""
    if len(text) > MAX_QUESTION_CHARS or NUMBER.search(text):
        return None
    flat, words = _words(text)
    if flat.rstrip(" ?") in ("was ist noch offen", "was ist offen", "was ist alles offen",
                             "was liegt noch vor", "was liegt vor"):
        return "offen"  # the applications still to decide
    if (words and words[0] in ("was", "welche", "welcher") and _asks(text, words)
            and not (_APPLICATION_WORDS | _MONEY_WORDS) & set(words)
            and any(w in _LIST_FILTERS for w in words)):  # "Was wurde 2026 bewilligt?"
        return next(_LIST_FILTERS[w] for w in words if w in _LIST_FILTERS)
    if not ((_asks(text, words) or _LIST_REQUEST & set(words))
            and {"antraege", "antraegen", "skizzen"} & set(words)):
        return None
    return next((_LIST_FILTERS[w] for w in words if w in _LIST_FILTERS), "")


def asked_own_status(text: str) -> bool:
    """ "Wie ist der Stand?", "Gibt es schon etwas Neues?": from an applicant, a short question
    about how things stand means her own applications even without the word "Antrag"."""
    if len(text) > MAX_QUESTION_CHARS or not text.strip():
        return False
    flat, words = _words(text)
    asks = bool(_STATUS_WORDS & set(words)) or any(p in flat for p in _STATUS_PHRASES)
    return asks and _asks(text, words) and not (_MONEY_WORDS & set(words))


_REPORT_WORDS = frozenset({"uebersicht", "antragsuebersicht", "bericht", "auswertung",
                           "report", "jahresbericht", "gesamtuebersicht"})
_FORMATS = {"excel": "xlsx", "xlsx": "xlsx", "tabelle": "xlsx", "pdf": "pdf", "csv": "csv",
            "diagramm": "png", "grafik": "png", "png": "png", "json": "json"}
_SEND_WORDS = frozenset({"schicken", "schick", "senden", "sende", "bitte", "brauche",
                         "haette", "haetten", "gern", "gerne", "zusenden", "bekommen"})


def asked_report(text: str) -> str | None:
    """The format of the overview a short message asks for ("Bitte schicken Sie mir die
    Übersicht als Excel", "Kann ich den Bericht als PDF bekommen?"): xlsx, pdf, csv, png or
    json (pdf when none is named); None when it asks for none."""
    if len(text) > MAX_QUESTION_CHARS or NUMBER.search(text):
        return None
    _, words = _words(text)
    # "Übersicht", "Bericht 2026": the word alone asks for it
    alone = len(words) <= 3 and bool(words) and words[0] in _REPORT_WORDS
    if not (_REPORT_WORDS & set(words)) or not (_asks(text, words) or _SEND_WORDS & set(words)
                                                 or alone):
        return None
    return next((_FORMATS[w] for w in words if w in _FORMATS), "pdf")


_SHOW_WORDS = frozenset({"zeig", "zeige", "zeigen", "anzeigen", "sehen", "lesen", "einsehen",
                         "details", "wortlaut", "volltext"})


def asked_show(text: str) -> str | None:
    """ "Zeig mir bitte ADE-2026-004", "Kann ich ADE-2026-004 ganz lesen?": the one application
    a short message asks to read, or None."""
    if len(text) > MAX_QUESTION_CHARS:
        return None
    numbers = {found.upper() for found in NUMBER.findall(text)}
    if len(numbers) != 1:
        return None
    _, words = _words(text)
    return numbers.pop() if _SHOW_WORDS & set(words) else None


def asked_agenda(text: str) -> bool:
    """ "Was steht auf der Tagesordnung für Ostheide?", "Bitte die Tagesordnung schicken"."""
    if len(text) > MAX_QUESTION_CHARS or NUMBER.search(text):
        return False
    _, words = _words(text)
    return "tagesordnung" in words and (_asks(text, words) or bool(_SEND_WORDS & set(words)))


def asked_minutes(text: str) -> bool:
    """ "Bitte das Protokoll vom 19.3. schicken", "Gibt es das Protokoll der Sitzung?"."""
    if len(text) > MAX_QUESTION_CHARS or NUMBER.search(text):
        return False
    _, words = _words(text)
    return "protokoll" in words and (_asks(text, words) or bool(_SEND_WORDS & set(words)))


_PAYOUT_WORDS = frozenset({"ueberwiesen", "ueberweisung", "ueberweisen", "auszahlung",
                           "ausgezahlt", "auszahlen", "ausbezahlt", "rechnung", "rechnungen",
                           "verwendungsnachweis", "abrechnung", "abrechnen", "mittelabruf",
                           "abrufen", "bankverbindung", "kontonummer", "iban"})
_GET_WORDS = frozenset({"bekommen", "kommt", "erhalten", "fliesst"})


def asked_payout(text: str) -> bool:
    """ "Wann wird das Geld überwiesen?", "Brauchen Sie eine Rechnung?": paying out, invoices
    and the proof of use are not the bot's; the answer says who handles them."""
    if len(text) > MAX_QUESTION_CHARS:
        return False
    _, words = _words(text)
    found = set(words)
    return bool(_PAYOUT_WORDS & found) or ("geld" in found and bool(_GET_WORDS & found)
                                           and _asks(text, words))


_DATA_WORDS = frozenset({"daten", "dsgvo", "datenschutz", "datenschutzgrundverordnung",
                         "personenbezogene", "personenbezogenen", "kontaktdaten", "adresse",
                         "mailadresse", "emailadresse", "angaben", "informationen",
                         "datenverarbeitung", "einwilligung"})
_ERASE_WORDS = frozenset({"loeschen", "loeschung", "geloescht", "loescht", "entfernen",
                          "entfernt", "vergessen", "widerrufe", "widerrufen", "widerspreche"})
_ACCESS_WORDS = frozenset({"auskunft", "gespeichert", "speichern", "gespeicherten",
                           "speichert", "kopie", "einsicht"})


def asked_privacy(text: str) -> str | None:
    """ "Bitte löschen Sie meine Daten": "loeschen"; "Welche Daten haben Sie über mich
    gespeichert?", "Auskunft nach Art. 15 DSGVO": "auskunft"; else None. Only with a word for
    data: "Bitte löschen Sie meinen Antrag" is no request under the DSGVO."""
    if len(text) > MAX_QUESTION_CHARS:
        return None
    _, words = _words(text)
    found = set(words)
    if not _DATA_WORDS & found:
        return None
    if _ERASE_WORDS & found:
        return "loeschen"
    if _ACCESS_WORDS & found or "dsgvo" in found or "datenschutz" in found:
        return "auskunft"
    return None
