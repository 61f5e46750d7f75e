"""Fixtures every test may ask for by name.

- `bot`: the real core on a fresh county in the test's directory (tests/support/core.py). A
  module that starts from more (a concept, a session) overrides it with `def bot(bot: Bot)`,
  which adds its steps to this one.
- `mail_bot`: the real core and e-mail channel against Dovecot and an SMTP relay
  (tests/support/mailservers.py, which also gives `dovecot`, `smtp_relay`, `mail_world`).
- `emulator`, `clock`, `telegram_bot`: the Bot API emulator and the real Telegram channel
  (tests/support/telegram_fixtures.py); `synapse`: a Matrix homeserver (tests/support/synapse.py).
Servers start only for the tests that ask for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.core import Bot
from tests.support.mailservers import MailWorld, RunningMailBot, write_mail_config

pytest_plugins = [
    "tests.support.mailservers",
    "tests.support.telegram_fixtures",
    "tests.support.synapse",
]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    county = Bot(tmp_path)
    yield county
    county.close()


@pytest.fixture
async def mail_bot(tmp_path: Path, mail_world: MailWorld) -> AsyncIterator[RunningMailBot]:
    running = await RunningMailBot(write_mail_config(tmp_path / "mail", mail_world),
                                   mail_world).start()
    try:
        yield running
    finally:
        await running.stop()
