"""One notification of the core's outbox sent to a chat (bot.outbox runs the loop), with the
Bot API's failures told apart: what can never arrive, and Telegram being away for now."""

from __future__ import annotations

from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channel import Unavailable, Undeliverable
from bot.telegram.send import Replies
from handlers.messages import Notification, Reply


async def deliver(replies: Replies, bot: Any, notification: Notification, address: str) -> None:
    """Send `notification` to the chat `address`; any other error is a failed attempt."""
    try:
        await replies.send_reply(bot, int(address),
                                 Reply(notification.text, notification.actions), retry=False)
    except (Forbidden, BadRequest, ValueError) as error:
        # blocked the bot, deleted the chat, or no chat id: retrying cannot help
        raise Undeliverable(str(error)) from error
    except (RetryAfter, NetworkError) as error:
        raise Unavailable(f"Bot API: {error}") from error
