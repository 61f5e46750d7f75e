"""Out-of-office notices that arrive without the headers that mark them (Auto-Submitted,
X-Autoreply) or a subject that says so: an absence notice is read as nothing and answered by
nothing, wherever it lands (an answer to a session alert, to a confirmation, to a warning).

Pure and linear-time: the text is cut before it is read, and each pattern is one pass.
"""

from __future__ import annotations

import re

MAX_NOTICE_CHARS = 1500  # an absence notice is a few sentences

# Said only by an absence notice
_OWN_WORDS = re.compile(r"\b(?:abwesenheitsnotiz|automatische\s+antwort|out\s+of\s+(?:the\s+)?"
                        r"office|abwesenheitsassistent|autoreply|auto-reply)\b", re.IGNORECASE)
# Each says it in part; two of them make a notice
_SIGNS = (
    re.compile(r"\bich\s+bin\b[^!?\n]{0,80}?\b(?:abwesend|nicht\s+im\s+(?:b(?:ü|ue)ro|hause?"
               r"|dienst)|nicht\s+erreichbar|im\s+urlaub|in\s+elternzeit|au(?:ß|ss)er\s+haus"
               r"|nicht\s+am\s+arbeitsplatz|auf\s+(?:einer\s+)?dienstreise)", re.IGNORECASE),
    re.compile(r"\bnicht\s+im\s+(?:b(?:ü|ue)ro|hause?|dienst)\b|\bau(?:ß|ss)er\s+haus\b"
               r"|\bnicht\s+am\s+arbeitsplatz\b", re.IGNORECASE),
    re.compile(r"\bwieder\s+(?:im\s+(?:b(?:ü|ue)ro|dienst|hause?)|erreichbar|f(?:ü|ue)r\s+sie\s+da"
               r"|am\s+arbeitsplatz)\b", re.IGNORECASE),
    re.compile(r"\bkeinen\s+zugriff\s+auf\s+(?:meine\s+)?(?:e-?mails?|mails?|postfach)\b",
               re.IGNORECASE),
    re.compile(r"\bin\s+dringenden\s+f(?:ä|ae)llen\b", re.IGNORECASE),
    re.compile(r"\b(?:ihre\s+)?(?:e-?mail|nachricht|mail)s?\s+(?:wird|werden)\s+(?:nicht\s+|"
               r"erst\s+nach\s+meiner\s+r(?:ü|ue)ckkehr\s+)?(?:weitergeleitet|gelesen|bearbeitet)",
               re.IGNORECASE),
)


def absence_notice(text: str) -> bool:
    """Whether a message is an out-of-office notice: it says so ("Abwesenheitsnotiz",
    "Automatische Antwort"), or two signs of one ("Ich bin bis 20.03. nicht im Büro", "ab dem
    23.03. wieder erreichbar", "In dringenden Fällen …"). "Ich bin im Urlaub" alone is not."""
    head = text[:MAX_NOTICE_CHARS]
    if len(text) > MAX_NOTICE_CHARS or not head.strip():
        return False
    if _OWN_WORDS.search(head):
        return True
    return sum(1 for sign in _SIGNS if sign.search(head)) >= 2
