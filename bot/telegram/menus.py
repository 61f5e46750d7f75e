"""The command menu (Telegram's "/" list): the applicants' menu for everyone, and each linked
person's role menu in their own chat."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.telegram.send import Replies
from bot.telegram.settings import CHANNEL
from handlers.messages import Sender

if TYPE_CHECKING:
    from handlers.service import Core

log = logging.getLogger(__name__)


def menu_for(role: str | None) -> list[BotCommand]:
    """The German command menu for a role (None: applicants and anyone not linked)."""
    from handlers.commands import registry

    wanted = role or "applicant"
    return [
        BotCommand(command.name, command.summary[:1].upper() + command.summary[1:])
        for command in registry().values()
        if wanted in command.roles and command.name != "start"
    ]


class Menus:
    """Sets each chat's menu once per run (and again after /start)."""

    def __init__(self, core: Core, replies: Replies) -> None:
        self.core = core
        self.replies = replies
        self._menus: dict[int, str | None] = {}

    async def setup(self, bot: Any) -> None:
        """The applicants' menu for everyone, and each linked person's menu in their chat."""
        try:
            await self.replies.retrying(lambda: bot.set_my_commands(
                menu_for(None), scope=BotCommandScopeDefault()))
        except TelegramError as error:
            log.warning("could not set the command menu: %s", error)
        config = getattr(self.core, "config", None)
        for person in getattr(config, "people", ()):
            chat = self.core.address(person.id, CHANNEL)
            if chat and chat.lstrip("-").isdigit():
                await self.set_for(bot, int(chat), person.role)

    async def after(self, bot: Any, sender: Sender, *, recheck: bool) -> None:
        """Give a chat the menu of its role, the first time it writes and after /start."""
        chat_id = int(sender.address)
        if chat_id in self._menus and not recheck:
            return
        person = await asyncio.to_thread(self.core.person_for, sender)
        await self.set_for(bot, chat_id, person.role if person else None)

    async def set_for(self, bot: Any, chat_id: int, role: str | None) -> None:
        """Set a chat's menu once per run; an unlinked chat loses a menu left from a revoked
        link (revoking happens while the bot is stopped, so this run cannot know)."""
        if chat_id in self._menus and self._menus[chat_id] == role:
            return
        self._menus[chat_id] = role
        try:
            if role is None:
                await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
            else:
                await bot.set_my_commands(menu_for(role), scope=BotCommandScopeChat(chat_id))
        except TelegramError as error:
            self._menus.pop(chat_id, None)
            log.warning("could not set the command menu of chat %s: %s", chat_id, error)
