"""What a message without a command line means: the same on every channel.

The channels only decode their transport (MIME and charsets, HTML, Telegram entities and
files); every step from words to a command is taken here, so a sketch, a report of results or
a question means the same whether it came by e-mail, Telegram or the console:
- a sketch written as a form, with labels as people write them (rules/labelled.py);
- the results of a session typed without /beschluss; a line that starts like a decision but
  cannot be read gets the same precise hint as inside /beschluss;
- questions in plain words: "Wie ist der Stand meines Antrags OST-2026-001?", "Was ist mit
  unserem Antrag?" (the status the person may see), "Wieviel Geld ist noch da?" (the balance,
  for staff); "Welche Anträge sind offen?" (applicants: their own), "Welche Sitzungen sind
  geplant?" (staff);
- a short thank-you, answered politely.
"""

from __future__ import annotations

from handlers.context import Context, reply
from handlers.corrections import spoken_command
from handlers.messages import Outcome
from rules.decisions import is_decision_line, looks_like_decision
from rules.labelled import count_known_labels
from rules.questions import (
    asked_balance,
    asked_list,
    asked_own_status,
    asked_sessions,
    asked_status,
    only_thanks,
)

Meaning = tuple[str, str, str]  # command word, the rest of its line, the following lines


def meaning(ctx: Context) -> Meaning | Outcome | None:
    """The command a message without one stands for, an answer, or None (not understood)."""
    message = ctx.message
    everything = "\n".join([message.text, *(a.text for a in message.attachments)])
    labels = count_known_labels(everything)
    if labels >= 2 or (message.refers_to and labels >= 1):
        return "antrag", "", message.text  # a sketch without the command line, or a completion
    spoken = spoken_command(ctx.identity.role, message.text)
    if spoken is not None:
        return spoken  # a correction or a withdrawal in words (handlers/corrections.py)
    listed = asked_list(message.text)
    if listed is not None:  # "Welche Anträge sind offen?" (an applicant: her own)
        return "antraege", listed, ""
    if ctx.identity.role != "applicant" and asked_sessions(message.text):
        return "sitzungen", "", ""  # "Welche Sitzungen sind geplant?"
    status = asked_status(message.text)
    if status is not None:
        return ("zeige", status, "") if status else ("antraege", "", "")
    if asked_balance(message.text):
        if ctx.identity.role == "applicant":
            outcome = reply("Den Stand des Budgets sehen die Sozialkonferenzen und der Landkreis. "
                            "Wie es um Ihren Antrag steht, fragen Sie z. B. so: „Wie ist der "
                            "Stand meines Antrags?“")
            return Outcome(False, outcome.replies)
        return "saldo", "", ""
    if ctx.identity.role == "applicant" and asked_own_status(message.text):
        return "antraege", "", ""  # "Wie ist der Stand?": her own applications
    lines = message.text.splitlines()
    if ctx.identity.role == "secretary" and (
            any(is_decision_line(line) for line in lines)
            or any(looks_like_decision(line) for line in lines)):
        return "beschluss", "", message.text  # the results of a session without /beschluss
    if only_thanks(message.text) and not message.attachments:
        return _welcome(ctx)
    return None


def _welcome(ctx: Context) -> Outcome:
    """A thank-you gets a polite answer, not the sketch form nor "nicht verstanden"; like any
    answer that does nothing, it is not an accepted request (nor an answer to an alert)."""
    if ctx.identity.role == "applicant":
        text = ("Gern geschehen! Wie es um Ihren Antrag steht, erfahren Sie jederzeit mit „Wie "
                "ist der Stand meines Antrags?“. Eine neue Projektskizze können Sie mir einfach "
                "senden; /hilfe zeigt, wie.")
    else:
        text = "Gern geschehen! /hilfe zeigt, was Sie tun können."
    return Outcome(False, reply(text).replies)
