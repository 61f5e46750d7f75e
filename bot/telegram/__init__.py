"""The Telegram channel (bot.telegram.channel)."""
