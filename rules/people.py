"""People the county configures, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("secretary", "county", "administration")
ROLE_NAMES = {
    "secretary": "Geschäftsführung einer Sozialkonferenz",
    "county": "Vertretung des Landkreises",
    "administration": "Kreisverwaltung",
    "applicant": "Antragsteller",
}
ROLE_GROUPS_DATIVE = {
    "secretary": "den Geschäftsführungen der Sozialkonferenzen",
    "county": "der Vertretung des Landkreises",
    "administration": "der Kreisverwaltung",
    "applicant": "Antragstellenden",
}


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str  # one of ROLES
    conference: str | None = None  # secretaries only
    email: str | None = None
    matrix: str | None = None  # a Matrix user id the administration linked in the configuration


@dataclass(frozen=True)
class Address:
    """Where the configuration says a person is reached on a channel (her e-mail address, her
    Matrix id, her id on the console). Chats linked with /start are in the store's address book."""

    channel: str
    address: str
    person: str  # a person id


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def normal_address(address: str) -> str:
    """An address as the address book compares it: trimmed, and an e-mail address (name@domain,
    unlike a Matrix id, @name:server) with its ASCII letters in lower case, as mail servers
    treat it in practice. Only ASCII: str.lower() turns look-alikes into Latin letters (the
    KELVIN SIGN into "k"), and "\u212areis-1@…" would be kreis-1's address."""
    address = address.strip()
    if "@" not in address[1:]:
        return address
    return address.lower() if address.isascii() else address.translate(_ASCII_LOWER)


@dataclass(frozen=True)
class Identity:
    """Who a message is from: a configured person, or an applicant known by address."""

    key: str  # person id, or "email:<address>" / "telegram:<chat id>" / "matrix:<user id>"
    person: Person | None
    display_name: str = ""

    @property
    def role(self) -> str:
        return self.person.role if self.person else "applicant"

    @property
    def name(self) -> str:
        if self.person:
            return self.person.name
        return self.display_name or self.key.split(":", 1)[-1]
