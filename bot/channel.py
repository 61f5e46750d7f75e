"""The channel interface: what `sozialbot run` needs of Telegram, e-mail, Matrix and any channel
to come. A channel only translates: what arrives becomes an `IncomingMessage` for `core.handle`,
the core's replies go back to the sender, and the core's outbox is delivered to its addresses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from handlers.messages import Notification
    from handlers.service import Core
    from rules.county import Config

Clock = Callable[[], datetime]

# The German names of the channels, by name (the key in the address book and the outbox), and
# those on which a person links her chat with /start <code> (on the others, by the address in
# the configuration: bot/config.py).
LABELS = {"telegram": "Telegram", "email": "E-Mail", "matrix": "Matrix"}
INVITE_CHANNELS = ("telegram", "matrix")


def identity_key(who: str) -> str:
    """What an administrator types for someone (`sozialbot auskunft`, `loeschen`) as the core's
    key: a Matrix id (@name:server), an e-mail address or a Telegram chat id becomes
    `<channel>:<address>`; a person id or a key already with its channel stays as it is."""
    who = who.strip()
    if who.partition(":")[0] in LABELS:
        return who
    if who.startswith("@") and ":" in who:
        return f"matrix:{who}"
    if "@" in who:
        return f"email:{who}"
    if who.lstrip("-").isdigit():
        return f"telegram:{who}"
    return who


class Undeliverable(Exception):
    """`Channel.deliver`: this notification can never reach this address (the person blocked
    the bot, the chat is gone, the address is malformed). It is dropped, and the log says so."""


class Unavailable(Exception):
    """`Channel.deliver`: the service cannot be reached now. Delivery stops and is tried again
    later; no attempt is counted against the notification."""


class Channel(Protocol):
    """One way people reach the bot.

    `sozialbot run` builds every registered channel with `factory(core, config, now)`, prints
    `label` and `status()` ("Telegram: an – …") and runs those that are on until Ctrl-C.
    Building one must be cheap and touch nothing (no files, no network, no heavy imports): it is
    built to be asked whether it is on. `run` does the work.

    How a channel is added:
    1. a package in bot/ with a class that has the members below, and a factory
       `(core, config, now) -> Channel` (usually the class itself; `LazyChannel` below gives
       the factory, `wake` and `deliver` to a channel whose library is imported in `run`);
    2. incoming messages go to `core.handle_async` as `Sender(<name>, <address>)`; a person is
       linked to an address on the channel with `/start <code>` (handlers/onboarding.py writes
       the link to the address book in storage, keyed by `name`), or by an address in the
       county configuration;
    3. `deliver` sends one notification of the core's outbox; `run` keeps the outbox going with
       `bot.outbox.Outbox(core, self, …)`, and `wake` asks it to look now;
    4. its factory goes into the registry in bot/run.py, its German name into `LABELS` (and
       its name into `INVITE_CHANNELS` if people link their chats there with a code).
    """

    name: str  # the key in the address book and the outbox: "telegram", "email", "matrix"
    label: str  # German, for people: "Telegram", "E-Mail", "Matrix"

    def status(self) -> tuple[bool, str]:
        """Whether the configuration switches the channel on, and why (German, one line)."""
        ...

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, then receive, answer and deliver until `stop` is set; then disconnect and
        return. Never raises for a failing service: it waits and tries again."""
        ...

    def wake(self) -> None:
        """New notifications wait in the core's outbox (the scheduler made reminders): deliver
        them soon, not only at the next round. Harmless when the channel is not running."""
        ...

    async def deliver(self, notification: Notification, address: str) -> None:
        """Send one notification to `address` on this channel, or raise: `Undeliverable` (it
        never will be), `Unavailable` (not now); any other error counts as a failed attempt."""
        ...


ChannelFactory = Callable[["Core", "Config", "Clock | None"], Channel]


class Session(Protocol):
    """A channel while it runs: what a `LazyChannel` builds in `run`."""

    def wake(self) -> None: ...

    async def deliver(self, notification: Notification, address: str) -> None: ...


class LazyChannel:
    """What the channels share whose library is imported only when they run: the factory's
    arguments, and `wake` and `deliver` handed to the running session, which the subclass's
    `run` keeps in `session` while it runs."""

    name: str
    label: str

    def __init__(self, core: Core, config: Config, now: Clock | None = None) -> None:
        self.core = core
        self.config = config
        self.now = now
        self.session: Session | None = None

    def wake(self) -> None:
        if self.session is not None:
            self.session.wake()

    async def deliver(self, notification: Notification, address: str) -> None:
        if self.session is None:
            raise Unavailable(f"der {self.label}-Kanal läuft nicht")
        await self.session.deliver(notification, address)
