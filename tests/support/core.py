"""A county in a temporary directory: the real Core on real TinyDB files, spoken to as people.

    bot = Bot(tmp_path)
    bot.say("sek-ade", "/saldo", today=date(2026, 3, 1))   # -> Outcome

Person ids (``sek-ade``, ``kreis-1``, ``verwaltung``) come from the shipped Lüneburg default;
anything with an ``@`` writes in by e-mail as an applicant. Nothing of our own code is faked.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import default_config_text, load_config
from handlers.messages import IncomingMessage, Notification, Outcome, Sender
from handlers.service import Core
from rules.county import Config

BERLIN = ZoneInfo("Europe/Berlin")

CONCEPT = """/konzept
Zielgruppen: Kinder und Familien im Ortskern
Problemlagen: Sprachdefizite, wenig Betreuungsplätze
Ziele: Chancengleichheit beim Schulstart"""

SKETCH_LINES = {
    "Sozialraum": "Adendorf",
    "Träger": "Kita Sonnenschein",
    "Titel": "Sprachförderung vor der Einschulung",
    "Ausgangslage": "Viele Kinder sprechen zu Hause kaum Deutsch.",
    "Zielsetzung": "Bessere Sprachkenntnisse vor der Einschulung.",
    "Maßnahme": "Wöchentliche Sprachgruppe mit einer Fachkraft.",
    "Betrag": "1.500,00 €",
}

APPLICANT = "kita@example.org"


def sketch(**changes: str | None) -> str:
    """An /antrag message as an applicant types it; a field set to None is left out.
    Keys are the German labels without umlauts: ``Massnahme``, ``Traeger``."""
    lines = dict(SKETCH_LINES)
    for key, value in changes.items():
        label = key.replace("Massnahme", "Maßnahme").replace("Traeger", "Träger")
        if value is None:
            lines.pop(label, None)
        else:
            lines[label] = value
    return "/antrag\n" + "\n".join(f"{label}: {value}" for label, value in lines.items())


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN)


class Bot:
    """One county's data directory and an open Core on it."""

    def __init__(self, directory: Path, extra_toml: str = "") -> None:
        self.directory = directory
        self.config_path = directory / "sozialbot.toml"
        if not self.config_path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "data").mkdir(exist_ok=True)
            self.config_path.write_text(_with_extra(default_config_text(), extra_toml),
                                        encoding="utf-8")
        self.config: Config = load_config(self.config_path)
        self.core = Core.open(self.config)

    # -- talking --------------------------------------------------------------------------
    def message(self, sender: str, text: str, *, today: date | None = None,
                when: datetime | None = None, source_id: str | None = None,
                refers_to: tuple[str, ...] = (), verified: bool = True) -> IncomingMessage:
        """`verified=False`: an e-mail the channel could not vouch for (a possibly forged From)."""
        channel = "email" if "@" in sender else "console"
        received = when or at(today or date(2026, 2, 2))
        return IncomingMessage(Sender(channel, sender, verified=verified), text,
                               source_id or f"test:{uuid.uuid4().hex}", received,
                               refers_to=refers_to)

    def say(self, sender: str, text: str, *, today: date | None = None,
            when: datetime | None = None, source_id: str | None = None,
            refers_to: tuple[str, ...] = (), verified: bool = True) -> Outcome:
        return self.core.handle(self.message(sender, text, today=today, when=when,
                                             source_id=source_id, refers_to=refers_to,
                                             verified=verified))

    # -- common steps of a conference year --------------------------------------------------
    def concept(self, secretary: str = "sek-ade", *, today: date = date(2026, 1, 10)) -> Outcome:
        return self.must(secretary, CONCEPT, today=today)

    def submit(self, *, today: date = date(2026, 2, 2), applicant: str = APPLICANT,
               **fields: str | None) -> str:
        """Hand in a complete sketch and return its number."""
        outcome = self.must(applicant, sketch(**fields), today=today)
        assert outcome.application_number, outcome
        return outcome.application_number

    def session(self, day: date, *, secretary: str = "sek-ade", today: date = date(2026, 2, 3),
                attend: str | None = "kreis-1") -> None:
        """Register a Budget II session and, unless attend is None, a county representative's
        attendance."""
        self.must(secretary, f"/sitzung {day:%d.%m.%Y} 18:30 Ort Rathaus, Budget II", today=today)
        if attend:
            person = self.config.person(secretary)
            assert person is not None, f"{secretary} is not in the configuration"
            code = person.conference
            self.must(attend, f"/anwesend {code} {day:%d.%m.%Y}", today=today)

    def decide(self, day: date, lines: str, *, secretary: str = "sek-ade",
               today: date | None = None) -> Outcome:
        """/beschluss, then /buchen with the code from the reply; returns the /buchen outcome."""
        preview = self.must(secretary, f"/beschluss {day:%d.%m.%Y}\n{lines}", today=today or day)
        return self.must(secretary, booking_command(preview), today=today or day)

    def must(self, sender: str, text: str, **kwargs: Any) -> Outcome:
        """say, and fail the test with the bot's answer if the message was refused."""
        outcome = self.say(sender, text, **kwargs)
        assert outcome.accepted, f"{text!r} was refused: {reply_text(outcome)}"
        return outcome

    def refused(self, sender: str, text: str, rule: str | None, **kwargs: Any) -> Outcome:
        """say, and check that the bot refused it under `rule` (None: bad input or role) and
        that nothing changed, neither on disk nor in what the core reports."""
        files, state = self.snapshot(), self.state()
        outcome = self.say(sender, text, **kwargs)
        assert not outcome.accepted, f"{text!r} was accepted: {reply_text(outcome)}"
        assert outcome.rule == rule, reply_text(outcome)
        if rule:
            assert reply_text(outcome).startswith(f"{rule}: "), reply_text(outcome)
        assert not outcome.notifications
        assert self.snapshot() == files, "a refusal changed the data directory"
        assert self.state() == state, "a refusal changed what the core reports"
        return outcome

    # -- looking -------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, bytes]:
        """Every file of the data directory, to show that a refusal changed nothing on disk."""
        return {p.name: p.read_bytes() for p in sorted(self.config.data_dir.glob("*.json"))}

    def state(self) -> dict[str, Any]:
        """The export without its time stamp: everything the core knows, comparable."""
        data = self.export()
        data.pop("generated_at")
        return data

    def export(self, when: datetime | None = None) -> dict[str, Any]:
        return self.core.export(when or at(date(2026, 12, 1)))

    def balance(self, code: str = "ADE", year: int = 2026) -> dict[str, Any]:
        rows = [b for b in self.export(at(date(max(year, 2026), 12, 1)))["balances"]
                if b["conference"] == code and b["year"] == year]
        assert rows, f"no balance for {code} {year}"
        return rows[0]

    def application(self, number: str) -> dict[str, Any]:
        return next(a for a in self.export()["applications"] if a["number"] == number)

    def outbox(self, when: datetime, channel: str = "console") -> list[Notification]:
        """What waits in the outbox for a channel at `when` (the outbox looks 14 days back)."""
        return [p.notification for p in self.core.pending_notifications(channel, when)]

    def run_due_reminders(self, when: datetime) -> list[Notification]:
        return self.core.run_due_reminders(when)

    def reopen(self) -> None:
        """Close the Core and open it again on the same files, as after a restart."""
        self.core.close()
        self.core = Core.open(self.config)

    def close(self) -> None:
        self.core.close()


def reply_text(outcome: Outcome) -> str:
    return "\n".join(r.text for r in outcome.replies)


def application_number(outcome: Outcome) -> str:
    """The number of the application an outcome names; fails the test when it names none."""
    assert outcome.application_number, reply_text(outcome)
    return outcome.application_number


def booking_command(outcome: Outcome) -> str:
    match = re.search(r"/buchen [A-Z0-9]{6,10}", reply_text(outcome))
    assert match, f"no /buchen code in: {reply_text(outcome)}"
    return match.group(0)


# A year of a county's work is often played by one applicant in an hour: the quotas that stop a
# stranger's flood (tests/unit/test_trust.py) are set wide here unless a test sets [security].
WIDE_QUOTAS = "[security]\nmax_open_applications = 100000\nmax_sketches_per_hour = 100000\n"


def _with_extra(text: str, extra: str) -> str:
    """Add TOML under the [budget] table (e.g. ``[budget.allotments.2027]``) at the end."""
    if "[security]" not in extra:
        extra = f"{extra}\n{WIDE_QUOTAS}"
    return text + "\n" + extra + "\n"
