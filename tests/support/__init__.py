"""Test helpers: the Bot API emulator, Telegram fixtures, mail servers, the CLI and the core."""

import pytest

pytest.register_assert_rewrite("tests.support.telegram_fixtures", "tests.support.botapi_emulator",
                               "tests.support.mailservers", "tests.support.synapse")
