"""Test helpers: the Bot API emulator and Telegram fixtures."""

import pytest

pytest.register_assert_rewrite("tests.support.telegram_fixtures", "tests.support.botapi_emulator")
