"""Refusals and warnings are values: a rule id and a German text that says what is wrong and
what to do instead.

The one way to say no: a rule's check or wording in rules/ returns a Refusal; a handler raises
it as Refused (or returns it with `handlers.context.refusal_outcome`, the same rendering with
buttons); `Core.handle` renders it once as "R8: …". Handlers word only refusals that name no
rule (bad input, roles) with `refuse("", …)`; tests/unit/test_rule_words.py holds them to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """Why something was not done: `rule` is "R1"…"R12", or "" for plain bad input or roles;
    `text` says what is wrong, `todo` what to do instead ("" where the text already says it, or
    where there is nothing to do)."""

    rule: str
    text: str
    todo: str = ""

    @property
    def says(self) -> str:
        """What is wrong and what to do, without the rule id."""
        return f"{self.text} {self.todo}" if self.todo else self.text

    def render(self) -> str:
        return f"{self.rule}: {self.says}" if self.rule else self.says


@dataclass(frozen=True)
class Warning:
    """A finding for the county's review (R6, R7): it does not stop anything."""

    rule: str
    text: str

    def render(self) -> str:
        return f"Hinweis {self.rule}: {self.text}"


class InputError(ValueError):
    """Something typed that cannot be read (an amount, a date, a decision line): the message is
    a polite German sentence with an example. `rule` names the rule the input is for, if any."""

    rule = ""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def refusal(self) -> Refusal:
        return Refusal(self.rule, self.message)


class Refused(Exception):
    """Carries a Refusal out of deep parsing code to the handler that answers it."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.render())
        self.refusal = refusal


def refuse(rule: str, text: str) -> Refused:
    return Refused(Refusal(rule, text))
