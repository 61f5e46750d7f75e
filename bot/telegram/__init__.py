"""The Telegram channel: secretaries and county representatives work from their phones.

It only translates. A Telegram message or button press becomes an `IncomingMessage` for the core
(`core.handle_async`); the core's plain-text replies go back HTML-escaped, split below Telegram's
length limit, with the core's `Action`s as inline buttons. Notifications wait in the core's outbox
until a repeating job has delivered them; R9 reminders are due when the core says so, a job asks
it every minute. Nothing here knows a rule or a booking.

One job per module: `settings` (the [telegram] table, status, token), `render` (escaping and
splitting), `buttons` (inline buttons, callback data, the command menu), `receive` (messages and
button presses to the core), `send` (replies to the Bot API, with retries), `delivery` (the
outbox and reminder jobs), `updates` (polling, the webhook, attempts), `channel` (the PTB
Application and `run_telegram`), `request` (the aiohttp client under PTB).

Delivery is at least once, never lost: in polling mode an update is confirmed to Telegram (the
next `getUpdates` offset) only after it was handled and every reply was sent; if sending failed
it is fetched again, and the core, seeing its source id a second time, returns the stored replies
without booking anything twice. The webhook answers 200 only after the same.

Setting up (for the README): in Telegram, talk to @BotFather, send /newbot, choose a name and a
username ending in "bot"; BotFather answers with the token. Start the bot with the token in the
environment, `TELEGRAM_BOT_TOKEN=123456:ABC… sozialbot run --config sozialbot.toml`, and put
`username = "<the bot's username>"` under [telegram]. For each person,
`sozialbot invite <person id>` prints a one-time code and the link `https://t.me/<bot>?start=<code>`
(valid 7 days); the person opens the link on the phone and taps Start. `sozialbot revoke <id>`
unlinks. Anyone not linked is treated as an applicant.

Run by `sozialbot run` when TELEGRAM_BOT_TOKEN is set (`run_telegram`); settings in the config:

    [telegram]
    mode = "polling"            # or "webhook"
    base_url = "http://127.0.0.1:8081/bot"   # a self-hosted Bot API server (optional)
    webhook_listen = "127.0.0.1"
    webhook_port = 8443
    webhook_url = "https://bot.example.org/telegram"   # public URL the reverse proxy forwards
    username = "lk_sozial_bot"  # for invite links; otherwise asked with getMe
    # the webhook's secret token comes from TELEGRAM_WEBHOOK_SECRET
    max_attempts = 3            # an update failing this often (Telegram reachable) is confirmed,
    attempt_seconds = 2         # logged, its sender told, the administration notified
"""

from __future__ import annotations

import os

# python-telegram-bot 22 warns on every 429 it receives that `RetryAfter.retry_after` will become
# a timedelta, unless one opts in now, before any PTB import. Only `send.retry_seconds` reads it,
# and takes either type.
os.environ.setdefault("PTB_TIMEDELTA", "1")
