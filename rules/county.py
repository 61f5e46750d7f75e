"""The county's model: its conferences, the people in their roles, allotments and time zone.

Pure data: bot/config.py reads the TOML file and builds a Config; everything below the shell
works with this value. Channel settings the core needs arrive as plain fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rules.conferences import Conference
from rules.people import Address, Person
from rules.privacy import DEFAULT_KEEP_YEARS


@dataclass(frozen=True)
class Security:
    """`[security]`: how long a confirmation code is valid, how many wrong codes a person may
    send an hour, and how much an applicant (not a configured person) may hand in."""

    code_days: int = 14
    wrong_codes_per_hour: int = 5
    max_open_applications: int = 100
    max_sketches_per_hour: int = 60


@dataclass(frozen=True)
class Config:
    path: Path
    county: str
    data_dir: Path
    conferences: tuple[Conference, ...]
    people: tuple[Person, ...]
    timezone: str = "Europe/Berlin"
    raw: dict[str, Any] = field(default_factory=dict, hash=False)
    telegram_username: str | None = None
    matrix_user_id: str | None = None
    security: Security = field(default_factory=Security)
    keep_years: int = DEFAULT_KEEP_YEARS  # [privacy]: the Löschfrist in whole years
    # The channels as the shell names them: the configured people's addresses on them, their
    # German names, and those on which a person links her chat with /start <code>.
    addresses: tuple[Address, ...] = ()
    channel_labels: dict[str, str] = field(default_factory=dict, hash=False)
    invite_channels: tuple[str, ...] = ()

    def conference(self, code: str) -> Conference | None:
        return next((c for c in self.conferences if c.code == code.upper()), None)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def people_with_role(self, role: str, conference: str | None = None) -> list[Person]:
        return [p for p in self.people
                if p.role == role and (conference is None or p.conference == conference)]
