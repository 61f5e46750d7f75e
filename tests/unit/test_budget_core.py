"""Random conference years through the real Core on real TinyDB files (hypothesis, stateful).

A secretary sends valid and invalid vote results, books some, leaves others open or discards
them; the county attends or not, vetoes, confirms held decisions; years end by hand or by the
scheduler. Applicants hand in late (after a session), change sketches after a preview, send
a sketch twice or withdraw it; a secretary corrects booked decisions (also in closed years); the
administration raises and lowers allotments. After every step: no balance is negative, `/saldo`
shows no negative amount, allotment + carried in + shortfall = bound + available + lapsed +
carried out, the allotment shown is the one configured, the bound money is exactly what the
approved applications say, and every status was reached by an allowed step.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from rules.money import format_cents
from tests.support.core import APPLICANT, Bot, at, reply_text, sketch

NEGATIVE_MONEY = re.compile(r"-\s*[\d.]+,\d\d €")
CODE = re.compile(r"/buchen ([A-Z0-9]{6,10})")
LAST_YEAR = 2028
DEFAULT_ALLOTMENT = 1_000_000

# Each status an application may go to, by the steps a person or the close can take
# (a correction changes a booked outcome; only an open application can be withdrawn).
ALLOWED_STEPS: dict[str, set[str]] = {
    "incomplete": {"submitted", "withdrawn"},
    "submitted": {"approved", "rejected", "deferred", "held", "incomplete", "withdrawn"},
    "deferred": {"approved", "rejected", "held", "incomplete", "withdrawn"},
    "held": {"approved", "rejected", "deferred", "vetoed"},  # confirmed, vetoed, or the close
    "approved": {"vetoed", "rejected", "deferred"},
    "rejected": {"approved", "deferred"},
    "vetoed": set(),
    "withdrawn": set(),
}
FIRST_STATUSES = {"submitted", "incomplete"}

# Mostly lines a secretary means; one wrong line refuses the whole message, as it should.
line_kinds = st.sampled_from(["full", "full", "full", "part", "part", "votes_ok", "reject",
                              "defer", "votes_bad", "bogus"])


class ConferenceYears(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="sozialbot-years-"))
        self.bot = Bot(self.directory)
        self.year = 2026
        self.numbers: list[str] = []
        self.requested: dict[str, int] = {}
        # kept previews: code, the numbers they list, their session
        self.codes: list[tuple[str, set[str], date]] = []
        self.invalidated: set[str] = set()
        self.replaced: set[str] = set()  # a newer preview of the same session voided them
        self.allotments: dict[int, int] = {}
        self.base_toml = self.bot.config_path.read_text(encoding="utf-8")
        self.attended = False
        self.held_days: set[date] = set()
        self.seen: dict[str, str] = {}
        self.last_sketch: tuple[str, str, date, int] | None = None  # text, number, day, cents
        self.bot.concept(today=date(2026, 1, 5))
        self._open_year()

    def teardown(self) -> None:
        self.bot.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- the calendar -------------------------------------------------------------------------
    def sessions(self) -> tuple[date, date]:
        return date(self.year, 3, 12), date(self.year, 9, 10)

    def _open_year(self) -> None:
        """Two Budget II sessions a year (R8); the county confirms only the first one."""
        spring, autumn = self.sessions()
        self.bot.session(spring, today=date(self.year, 1, 6), attend="kreis-1")
        self.bot.session(autumn, today=date(self.year, 1, 6), attend=None)

    def say(self, sender: str, text: str, day: date) -> str:
        outcome = self.bot.say(sender, text, today=day)
        answer = reply_text(outcome)
        assert "Fehler aufgetreten" not in answer, (text, answer)
        assert outcome.accepted or outcome.replies, text
        return answer

    # -- what people do -----------------------------------------------------------------------
    @rule(euros=st.integers(500, 8_000), cents=st.sampled_from([0, 50, 99]),
          late=st.sampled_from([False, False, True]))
    def applicant_hands_in_a_sketch(self, euros: int, cents: int, late: bool) -> None:
        """A late one comes after the autumn session: no session of its year may decide it."""
        amount = euros * 100 + cents
        text = sketch(Betrag=format_cents(amount), Titel=f"Projekt {len(self.numbers) + 1}")
        day = date(self.year, 10, 1) if late else date(self.year, 2, 1)
        outcome = self.bot.say(APPLICANT, text, today=day)
        assert outcome.accepted, reply_text(outcome)
        assert outcome.application_number is not None
        self.numbers.append(outcome.application_number)
        self.requested[outcome.application_number] = amount
        self.last_sketch = (text, outcome.application_number, day, amount)

    # The rules below have no preconditions (they skip when there is nothing to do): too many
    # disabled rules make hypothesis give up on drawing one.
    @rule()
    def applicant_sends_the_same_sketch_again(self) -> None:
        """A week later: the first number back, unless the first was withdrawn or changed."""
        if self.last_sketch is None:
            return
        text, number, day, amount = self.last_sketch
        if day.year != self.year:
            return
        first = self.bot.application(number)
        outcome = self.bot.say(APPLICANT, text, today=day + timedelta(days=7))
        if first["status"] == "withdrawn" or first["requested_cents"] != amount:
            assert outcome.accepted
            assert outcome.application_number is not None
            assert outcome.application_number != number
            self.numbers.append(outcome.application_number)
            self.requested[outcome.application_number] = amount
            self.last_sketch = (text, outcome.application_number, day, amount)
        else:
            assert outcome.application_number == number, reply_text(outcome)

    @rule(data=st.data(), by_secretary=st.booleans(), now=st.integers(0, 3))
    def an_open_application_is_withdrawn(self, data: st.DataObject, by_secretary: bool,
                                         now: int) -> None:
        if now or not self.numbers:
            return  # rarer than decisions, or few applications would ever be decided
        number = data.draw(st.sampled_from(self.numbers))
        before = self.statuses()[number]
        sender = "sek-ade" if by_secretary else APPLICANT
        self.say(sender, f"/zurueckziehen {number}", date(self.year, 2, 20))
        after = self.statuses()[number]
        assert after == ("withdrawn" if before in ("submitted", "deferred") else before)

    @rule(data=st.data(), kind=st.sampled_from(["less", "less", "full", "reject", "defer"]),
          percent=st.integers(1, 99), then=st.sampled_from(["book", "book", "discard"]))
    def secretary_corrects_a_decision(self, data: st.DataObject, kind: str, percent: int,
                                      then: str) -> None:
        if not self.numbers:
            return
        statuses = self.statuses()
        decided = [n for n in self.numbers
                   if statuses[n] in ("approved", "rejected", "deferred", "held")]
        if not decided:
            return
        number = data.draw(st.sampled_from(decided))
        cents = max(1, self.requested[number] * percent // 100)
        new = {"less": f"bewilligt {format_cents(cents)}", "full": "bewilligt",
               "reject": "abgelehnt", "defer": "vertagt"}[kind]
        day = date(self.year, 10, 1)
        answer = self.say("sek-ade", f"/korrektur {number} {new} Grund: falsch gemeldet", day)
        found = CODE.search(answer)
        if found is None:
            return
        done = self.say("sek-ade", f"/{'buchen' if then == 'book' else 'verwerfen'} "
                        f"{found.group(1)}", day)
        if done.startswith("Gebucht: Korrektur"):
            event(f"correction booked ({kind})")
            expected = {"less": "approved", "full": "approved", "reject": "rejected",
                        "defer": "deferred"}[kind]
            assert self.statuses()[number] in (expected, "held"), done

    def statuses(self) -> dict[str, str]:
        return {a["number"]: a["status"] for a in self.bot.export()["applications"]}

    @precondition(lambda self: self.numbers)
    @rule(data=st.data(), autumn=st.booleans(), then=st.sampled_from(["book", "book", "keep",
                                                                      "discard"]))
    def secretary_sends_vote_results(self, data: st.DataObject, autumn: bool, then: str) -> None:
        statuses = self.statuses()
        still_open = [n for n in self.numbers if statuses[n] in ("submitted", "deferred")]
        pool = st.sampled_from(still_open) if still_open else st.sampled_from(self.numbers)
        picks = data.draw(st.lists(st.tuples(st.one_of(pool, pool, st.sampled_from(self.numbers)),
                                             line_kinds, st.integers(1, 120)),
                                   min_size=1, max_size=3))
        lines = []
        for number, kind, percent in picks:
            cents = max(1, self.requested[number] * percent // 100)  # over 100 %: R11
            lines.append({
                "full": f"{number} bewilligt",
                "part": f"{number} bewilligt {format_cents(cents)}",
                "votes_ok": f"{number} bewilligt (ja 5, nein 2, enthaltung 1)",
                "votes_bad": f"{number} bewilligt (ja 2, nein 5)",
                "reject": f"{number} abgelehnt (ja 1, nein 6)",
                "defer": f"{number} vertagt",
                "bogus": f"{number} vielleicht",
            }[kind])
        day = self.sessions()[autumn]
        answer = self.say("sek-ade", f"/beschluss {day:%d.%m.%Y}\n" + "\n".join(lines), day)
        found = CODE.search(answer)
        if found is None:
            return
        # one open preview per session: the new one voids the secretary's older ones
        self.replaced |= {code for code, _, session in self.codes
                          if session == day and code not in self.invalidated}
        if then == "book":
            if self.say("sek-ade", f"/buchen {found.group(1)}", day).startswith("R9: Bei der"):
                self.held_days.add(day)
        elif then == "discard":
            self.say("sek-ade", f"/verwerfen {found.group(1)}", day)
        else:
            self.codes.append((found.group(1), {number for number, _, _ in picks}, day))

    @precondition(lambda self: self.codes)
    @rule(index=st.integers(0, 100))
    def secretary_books_an_older_preview(self, index: int) -> None:
        code, _, _ = self.codes.pop(index % len(self.codes))
        answer = self.say("sek-ade", f"/buchen {code}", date(self.year, 9, 11))
        if code in self.invalidated:  # a sketch changed after the preview: never booked
            assert answer.startswith((f"R11: Der Code {code} gilt nicht mehr",  # or, older
                                      f"Der Code {code} ist abgelaufen")), answer  # than 14 days
        elif code in self.replaced:  # never booked either: only the newest preview counts
            assert answer.startswith((f"Die Beschlüsse mit dem Code {code} sind durch eine "
                                      "neuere Vorschau", f"Der Code {code} ist abgelaufen")), answer
        elif answer.startswith("R9: Bei der Sitzung"):
            self.held_days.add(self.sessions()[1])

    @precondition(lambda self: self.numbers)
    @rule(data=st.data(), euros=st.integers(300, 9_000))
    def applicant_changes_a_sketch(self, data: st.DataObject, euros: int) -> None:
        number = data.draw(st.sampled_from(self.numbers))
        answer = self.say(APPLICANT, f"/antrag {number}\nBetrag: {euros} €",
                          date(self.year, 9, 10))
        if answer.startswith("R11"):  # decided already: it cannot change
            return
        if self.requested[number] != euros * 100:
            self.invalidated |= {code for code, numbers, _ in self.codes
                                 if number in numbers and code not in self.replaced}
        self.requested[number] = euros * 100

    @rule(euros=st.sampled_from([0, 2_000, 5_000, 10_000, 12_000]))
    def administration_sets_this_years_allotment(self, euros: int) -> None:
        """The county edits its TOML and restarts the bot, below what is bound or above."""
        self.allotments[self.year] = euros * 100
        tables = "".join(f'\n[budget.allotments.{year}]\nADE = "{cents // 100} €"\n'
                         for year, cents in self.allotments.items())
        self.bot.close()
        self.bot.config_path.write_text(self.base_toml + tables, encoding="utf-8")
        self.bot = Bot(self.directory)

    @precondition(lambda self: self.numbers)
    @rule(data=st.data(), reason=st.sampled_from(["passt nicht zum Konzept"] * 3 + [""]))
    def county_vetoes(self, data: st.DataObject, reason: str) -> None:
        statuses = self.statuses()
        decided = [n for n in self.numbers if statuses[n] in ("approved", "held")]
        number = data.draw(st.sampled_from(decided or self.numbers))
        self.say("kreis-1", f"/veto {number} {reason}".strip(), date(self.year, 9, 20))

    @precondition(lambda self: self.held_days)
    @rule(data=st.data())
    def county_confirms_held_decisions(self, data: st.DataObject) -> None:
        day = data.draw(st.sampled_from(sorted(self.held_days)))
        self.held_days.discard(day)
        self.say("kreis-2", f"/bestaetigen ADE {day:%d.%m.%Y}", day + timedelta(days=1))

    @precondition(lambda self: not self.attended)
    @rule()
    def county_attends_the_autumn_session(self) -> None:
        self.attended = True
        self.say("kreis-2", f"/anwesend ADE {self.sessions()[1]:%d.%m.%Y}",
                 date(self.year, 9, 1))

    @precondition(lambda self: self.year < LAST_YEAR)
    @rule(by_hand=st.booleans())
    def the_year_ends(self, by_hand: bool) -> None:
        if by_hand:
            answer = self.say("verwaltung", f"/jahresabschluss {self.year}",
                              date(self.year + 1, 1, 4))
            assert answer.startswith(f"Jahresabschluss {self.year} (R2):"), answer
        else:
            self.bot.run_due_reminders(at(date(self.year + 1, 1, 1), 0, 30))
        self.year += 1
        self.codes.clear()
        self.invalidated.clear()
        self.replaced.clear()
        self.attended = False
        self._open_year()

    # -- what must always hold ----------------------------------------------------------------
    @invariant()
    def no_balance_is_negative_and_the_money_adds_up(self) -> None:
        data = self.bot.export(at(date(self.year, 12, 1)))
        for b in (b for b in data["balances"] if b["conference"] == "ADE"):
            for key in ("allotment_cents", "carried_in_cents", "bound_cents", "held_cents",
                        "available_cents", "lapsed_cents", "carried_out_cents",
                        "shortfall_cents"):
                assert b[key] >= 0, b
            assert (b["allotment_cents"] + b["carried_in_cents"] + b["shortfall_cents"]
                    == b["bound_cents"] + b["available_cents"] + b["lapsed_cents"]
                    + b["carried_out_cents"]), b
            if not b["closed"]:  # never an allotment nobody set
                assert b["allotment_cents"] == self.allotments.get(b["year"],
                                                                   DEFAULT_ALLOTMENT), b
            decided = [a for a in data["applications"]
                       if a["session_date"] and int(a["session_date"][:4]) == b["year"]]
            assert b["bound_cents"] == sum(a["approved_cents"] for a in decided
                                           if a["status"] == "approved"), b
            if not b["closed"]:
                assert b["held_cents"] == sum(a["approved_cents"] or 0 for a in decided
                                              if a["status"] == "held"), b
        for a in data["applications"]:
            if a["status"] == "approved":
                assert 0 < a["approved_cents"] <= a["requested_cents"], a
            if a["status"] in ("withdrawn", "rejected", "deferred", "submitted"):
                assert not a["approved_cents"], a
            if a["session_date"] and a["status"] in ("approved", "rejected", "held"):
                assert a["submitted_on"] <= a["session_date"], a  # decided only where it could

    @invariant()
    def every_status_is_reached_by_an_allowed_step(self) -> None:
        for number, status in self.statuses().items():
            before = self.seen.get(number)
            if before is None:
                assert status in FIRST_STATUSES, (number, status)
            elif before != status:
                assert status in ALLOWED_STEPS[before], (number, before, status)
            self.seen[number] = status

    @invariant()
    def saldo_never_shows_a_negative_amount(self) -> None:
        day = date(self.year, 12, 1)
        for sender, text in (("sek-ade", "/saldo"), ("kreis-1", "/saldo"),
                             ("kreis-1", f"/saldo ADE {self.year - 1}")):
            answer = self.say(sender, text, day)
            assert not NEGATIVE_MONEY.search(answer), answer


ConferenceYears.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_random_conference_years_keep_the_money_sound = ConferenceYears.TestCase
