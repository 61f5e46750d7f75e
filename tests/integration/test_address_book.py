"""The address book: people's addresses by channel, in one table of global.json (real files).

A link stored for one channel is found for that channel only; the addresses in the
configuration are looked up the same way; data directories from before the address book
(Telegram links without a channel) keep working."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.channel import identity_key
from bot.config import ConfigError, default_config_text, load_config
from handlers import privacy
from handlers.messages import IncomingMessage, Sender
from tests.support.core import Bot, at, reply_text


def start(bot: Bot, channel: str, address: str, person: str) -> str:
    code = bot.core.create_invite(person, at(date(2026, 2, 1)))
    outcome = bot.core.handle(IncomingMessage(
        Sender(channel, address, verified=True), f"/start {code}", f"{channel}:{code}",
        at(date(2026, 2, 2))))
    return reply_text(outcome)


def linked(bot: Bot, sender: Sender) -> str | None:
    """The id of the person this sender is linked to, None if nobody."""
    person = bot.core.person_for(sender)
    return person.id if person else None


def test_a_chat_linked_on_one_channel_is_found_on_that_channel_only(bot: Bot) -> None:
    assert "Willkommen" in start(bot, "telegram", "4711", "kreis-1")
    assert linked(bot, Sender("telegram", "4711")) == "kreis-1"
    assert bot.core.person_for(Sender("matrix", "4711")) is None
    assert bot.core.address("kreis-1", "telegram") == "4711"
    assert bot.core.address("kreis-1", "matrix") is None
    assert "Willkommen" in start(bot, "matrix", "@kreis:example.org", "kreis-1")
    assert bot.core.store.addresses_of("kreis-1") == {"telegram": "4711",
                                                      "matrix": "@kreis:example.org"}
    bot.must("verwaltung", "/trennen kreis-1", today=date(2026, 2, 3))
    assert bot.core.person_for(Sender("telegram", "4711")) is None
    assert bot.core.person_for(Sender("matrix", "@kreis:example.org")) is None


def test_addresses_in_the_configuration_are_found_like_links(bot: Bot) -> None:
    assert linked(bot, Sender("email", " Sek-Ade@Example.org ")) == "sek-ade"
    assert bot.core.person_for(Sender("telegram", "sek-ade@example.org")) is None
    assert bot.core.address("sek-ade", "email") == "sek-ade@example.org"
    assert bot.core.address("sek-ade", "telegram") is None
    # an applicant is reached where she wrote from, on that channel only
    assert bot.core.address("telegram:4001", "telegram") == "4001"
    assert bot.core.address("telegram:4001", "email") is None
    assert bot.core.identify(Sender("email", "Kita@Example.org")).key == "email:kita@example.org"


def test_e_mail_takes_no_invite_code(bot: Bot) -> None:
    answer = start(bot, "email", "kita@example.org", "kreis-1")
    assert "Einladungscodes gelten nur für Telegram und Matrix." in answer
    assert bot.core.store.addresses_of("kreis-1") == {}


def test_a_data_directory_from_before_the_address_book_still_resolves(tmp_path: Path) -> None:
    """Links then had no channel (Telegram's) or a channel beside "chat_id"; a used invite
    had no channel either. They are read as such, and rewritten once."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "global.json").write_text(json.dumps({
        "links": {"1": {"person": "kreis-1", "chat_id": "1001"},
                  "2": {"person": "sek-ade", "chat_id": "@sek:example.org",
                        "channel": "matrix"}},
        "invites": {"1": {"code": "alt", "person": "kreis-1", "used": True,
                          "expires_at": "2026-02-08T00:00:00+01:00", "chat_id": "1001"}},
    }))
    for round in range(2):  # the second time from the rewritten file
        bot = Bot(tmp_path)
        try:
            assert linked(bot, Sender("telegram", "1001")) == "kreis-1"
            assert bot.core.person_for(Sender("matrix", "1001")) is None
            assert linked(bot, Sender("matrix", "@sek:example.org")) == "sek-ade"
            assert bot.core.address("kreis-1", "telegram") == "1001"
            assert bot.core.address("sek-ade", "matrix") == "@sek:example.org"
            assert bot.core.address("sek-ade", "telegram") is None
            # the invite used from that chat: the same chat may send it again, no other
            again = bot.core.handle(IncomingMessage(
                Sender("telegram", "1001", verified=True), "/start alt", f"tg:again:{round}",
                at(date(2026, 2, 2))))
            assert "weitergeleitet" not in " ".join(n.text for n in again.notifications)
            other = bot.core.handle(IncomingMessage(
                Sender("telegram", "666", verified=True), "/start alt", f"tg:other:{round}",
                at(date(2026, 2, 2))))
            assert "ungültig" in reply_text(other)
            assert bot.core.person_for(Sender("telegram", "666")) is None
            if round == 0:  # reported once
                assert [n.recipient for n in other.notifications] == ["verwaltung"]
        finally:
            bot.close()
    stored = json.loads((data / "global.json").read_text())["links"]
    assert sorted((r["channel"], r["address"], r["person"]) for r in stored.values()) == [
        ("matrix", "@sek:example.org", "sek-ade"), ("telegram", "1001", "kreis-1")]


def test_what_an_administrator_types_for_someone_is_read_by_its_shape(bot: Bot) -> None:
    """`sozialbot auskunft` / `loeschen`: the shell reads the shape, the core only the key."""
    assert identity_key(" Kita@Example.org ") == "email:Kita@Example.org"
    assert identity_key("4001") == "telegram:4001"
    assert identity_key("@anna:matrix.example.org") == "matrix:@anna:matrix.example.org"
    assert identity_key("telegram:4001") == "telegram:4001"
    assert identity_key("sek-ade") == "sek-ade"
    config = bot.config
    assert privacy.identity(config, "email:Kita@Example.org") == ("email:kita@example.org", None)
    assert privacy.identity(config, identity_key("SEK-ADE@example.org"))[0] == "sek-ade"
    assert privacy.identity(config, "sek-ade")[0] == "sek-ade"


def test_a_person_id_with_a_colon_is_refused(tmp_path: Path) -> None:
    """An id like "email:x@y" would read as an applicant's key."""
    path = tmp_path / "sozialbot.toml"
    path.write_text(default_config_text().replace('id = "kreis-1"', 'id = "kreis:1"'))
    with pytest.raises(ConfigError, match="Doppelpunkt"):
        load_config(path)
