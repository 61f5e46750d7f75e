"""Inline buttons: a button's callback data is its command (or a short key for a long one), so a
tap is the same as typing it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.messages import Action
from storage.atomic import write_atomic
from storage.text import storable

log = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64
EXPIRED_BUTTON = "Diese Schaltfläche ist nicht mehr gültig. Bitte tippen Sie den Befehl."


class ButtonCommands:
    """Callback data for buttons: the command itself if it fits 64 bytes, else a short key.

    Keys are a hash of the command, remembered in a small JSON file in the data directory so a
    button still works after a restart.
    """

    PREFIX = "#"

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._known: dict[str, str] = {}
        if path and path.exists():
            with contextlib.suppress(OSError, ValueError):
                self._known = dict(json.loads(path.read_text(encoding="utf-8")))

    def data_for(self, command: str) -> str:
        command = storable(command)  # the core reads it so anyway; it must encode
        if len(command.encode()) <= CALLBACK_DATA_LIMIT and not command.startswith(self.PREFIX):
            return command
        key = self.PREFIX + hashlib.sha256(command.encode()).hexdigest()[:20]
        if self._known.get(key) != command:
            self._known[key] = command
            self._save()
        return key

    def command_for(self, data: str) -> str | None:
        if data.startswith(self.PREFIX):
            return self._known.get(data)
        return data

    def _save(self) -> None:
        """Durably, before the button is sent (rare: only commands longer than 64 bytes)."""
        if self._path is None:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._path, json.dumps(self._known).encode("ascii"))
        except OSError as error:
            log.warning("could not save button commands to %s: %s", self._path, error)


def typed(command: str) -> str:
    """A command as compared with a typed one: spaces and case do not matter."""
    return " ".join(command.split()).casefold()


def keyboard(actions: Sequence[Action], buttons: ButtonCommands) -> InlineKeyboardMarkup | None:
    """The actions as inline buttons: two short ones side by side, longer ones one per row."""
    if not actions:
        return None
    cells = [InlineKeyboardButton(a.label, callback_data=buttons.data_for(a.command))
             for a in actions]
    short = all(len(a.label) <= 18 for a in actions)
    width = 2 if short else 1
    return InlineKeyboardMarkup([cells[i:i + width] for i in range(0, len(cells), width)])
