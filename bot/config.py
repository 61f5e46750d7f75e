"""Reading the county's configuration: a TOML file with conferences, people and channel settings.

The model it fills, Config, lives in rules/county.py.

Secrets never live here: passwords and the Telegram token come from environment variables.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from bot.channel import INVITE_CHANNELS, LABELS
from rules.conferences import DEFAULT_ALLOTMENT_CENTS, LUENEBURG, Conference
from rules.county import Config, Security
from rules.money import AmountError, parse_amount
from rules.people import ROLES, Address, Person
from rules.privacy import DEFAULT_KEEP_YEARS, is_count, keep_years

CONFIG_ENV = "SOZIALBOT_CONFIG"


class ConfigError(ValueError):
    """The configuration file is missing or wrong; the message says where."""


def _amount(value: object, where: str) -> int:
    if isinstance(value, int):
        return value * 100
    try:
        return parse_amount(str(value))
    except AmountError as error:
        raise ConfigError(f"{where}: {error}") from None


def config_path(explicit: str | None) -> Path:
    chosen = explicit or os.environ.get(CONFIG_ENV)
    if not chosen:
        default = Path("sozialbot.toml")
        if default.exists():
            return default
        raise ConfigError(
            "Keine Konfiguration angegeben: --config DATEI oder SOZIALBOT_CONFIG setzen "
            "(eine neue legt „sozialbot init ORDNER“ an)."
        )
    return Path(chosen)


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Die Konfiguration {path} gibt es nicht.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    budget = raw.get("budget", {})
    default = _amount(budget.get("default_allotment", "10.000,00 €"), "budget.default_allotment")
    per_year: dict[int, dict[str, int]] = {}
    for year, amounts in budget.get("allotments", {}).items():
        per_year[int(year)] = {
            code.upper(): _amount(v, f"budget.allotments.{year}.{code}")
            for code, v in amounts.items()
        }
    conferences = []
    for entry in raw.get("conferences", []):
        code = str(entry["code"]).upper()
        conferences.append(Conference(
            code=code,
            name=str(entry["name"]),
            default_allotment_cents=default,
            allotments_by_year={y: a[code] for y, a in per_year.items() if code in a},
        ))
    if not conferences:
        raise ConfigError(f"{path}: keine [[conferences]] eingetragen.")
    codes = {c.code for c in conferences}
    people = []
    for entry in raw.get("people", []):
        person = Person(
            id=str(entry["id"]),
            name=str(entry.get("name", entry["id"])),
            role=str(entry["role"]),
            conference=str(entry["conference"]).upper() if entry.get("conference") else None,
            email=str(entry["email"]).lower() if entry.get("email") else None,
            matrix=str(entry["matrix"]).strip() if entry.get("matrix") else None,
        )
        if ":" in person.id:  # it would read as an applicant's key, <channel>:<address>
            raise ConfigError(f"{path}: die id {person.id!r} darf keinen Doppelpunkt enthalten.")
        if person.role not in ROLES:
            raise ConfigError(f"{path}: {person.id} hat die unbekannte Rolle {person.role!r}.")
        if person.role == "secretary" and person.conference not in codes:
            raise ConfigError(f"{path}: {person.id} braucht eine bekannte conference.")
        people.append(person)
    try:
        keep = keep_years(raw)
        security = _security(raw.get("security"))
    except ValueError as error:
        raise ConfigError(f"{path}: {error}") from None
    data_dir = Path(raw.get("storage", {}).get("data_dir", "data"))
    if not data_dir.is_absolute():
        data_dir = path.parent / data_dir
    return Config(
        path=path,
        county=str(raw.get("county", {}).get("name", "Landkreis")),
        data_dir=data_dir,
        conferences=tuple(conferences),
        people=tuple(people),
        timezone=str(raw.get("county", {}).get("timezone", "Europe/Berlin")),
        raw=raw,
        addresses=_addresses(people),
        channel_labels=dict(LABELS),
        invite_channels=INVITE_CHANNELS,
        telegram_username=_text(raw.get("telegram", {}).get("username")),
        matrix_user_id=_text(raw.get("matrix", {}).get("user_id")),
        security=security,
        keep_years=keep,
    )


def _security(section: object) -> Security:
    """`[security]`: whole numbers ≥ 1; a missing key keeps its default."""
    if section is None:
        return Security()
    if not isinstance(section, dict):
        raise ValueError("[security] muss ein Abschnitt sein")
    values = {}
    for name in ("code_days", "wrong_codes_per_hour", "max_open_applications",
                 "max_sketches_per_hour"):
        if name not in section:
            continue
        value = section[name]
        if not is_count(value):
            raise ValueError(f"[security] {name} muss eine ganze Zahl ≥ 1 sein")
        values[name] = value
    return Security(**values)


def _addresses(people: list[Person]) -> tuple[Address, ...]:
    """Where the configuration reaches each person: on the console (`sozialbot say --as`) by
    her id, by e-mail at `email`, on Matrix at `matrix`."""
    return tuple(Address(channel, address, p.id) for p in people
                 for channel, address in (("console", p.id), ("email", p.email),
                                          ("matrix", p.matrix)) if address)


def _text(value: object) -> str | None:
    return str(value) if value else None


def default_config_text() -> str:
    """The shipped default: Landkreis Lüneburg's ten conferences and example people."""
    lines = [
        "# sozialbot: Konfiguration für Budget II der Sozialraumkonferenzen",
        "# Geheimnisse (Passwörter, Telegram-Token) stehen nie hier, nur in Umgebungsvariablen.",
        "",
        "[county]",
        'name = "Landkreis Lüneburg"',
        'timezone = "Europe/Berlin"',
        'cost_centre = "363-33001"',
        "",
        "[storage]",
        'data_dir = "data"',
        "",
        "[privacy]",
        f"keep_years = {DEFAULT_KEEP_YEARS}  # Löschfrist: Jahre nach dem Jahr der Entscheidung "
        "(docs/PRIVACY.md)",
        "",
        "[budget]",
        f'default_allotment = "{DEFAULT_ALLOTMENT_CENTS // 100}"  # Euro je Konferenz/Jahr (R1)',
        "# Abweichende Zuweisungen je Jahr und Konferenz:",
        "# [budget.allotments.2027]",
        '# ADE = "12.000,00 €"',
        "",
    ]
    for code, name in LUENEBURG:
        lines += ["[[conferences]]", f'code = "{code}"', f'name = "{name}"', ""]
    for code, name in LUENEBURG:
        lines += [
            "[[people]]",
            f'id = "sek-{code.lower()}"',
            f'name = "Geschäftsführung Sozialkonferenz {name}"',
            'role = "secretary"',
            f'conference = "{code}"',
            f'email = "sek-{code.lower()}@example.org"',
            "",
        ]
    for number, title in ((1, "Fachdienstleitung 51"), (2, "Stellvertretung Fachdienst 51")):
        lines += ["[[people]]", f'id = "kreis-{number}"', f'name = "{title}"', 'role = "county"',
                  f'email = "kreis-{number}@example.org"', ""]
    lines += ["[[people]]", 'id = "verwaltung"', 'name = "Kreisverwaltung"',
              'role = "administration"', 'email = "verwaltung@example.org"', ""]
    return "\n".join(lines)
