"""Test helpers: the Bot API emulator and Telegram fixtures."""
