"""The county's model: its conferences, the people in their roles, allotments and time zone.

Pure data: bot/config.py reads the TOML file and builds a Config; everything below the shell
works with this value. Channel settings the core needs arrive as plain fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rules.conferences import Conference
from rules.people import Person


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

    def conference(self, code: str) -> Conference | None:
        return next((c for c in self.conferences if c.code == code.upper()), None)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def people_with_role(self, role: str, conference: str | None = None) -> list[Person]:
        return [p for p in self.people
                if p.role == role and (conference is None or p.conference == conference)]
