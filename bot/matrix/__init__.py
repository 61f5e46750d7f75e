"""The Matrix channel: the same bot in Element and the public sector's Matrix messengers
(BundesMessenger and others), direct messages end-to-end encrypted (matrix-nio with vodozemac).

Run by `sozialbot run` when [matrix] is configured and its secret is in the environment
(`run_matrix`); settings in bot.matrix.settings, the sync loop in bot.matrix.channel."""

from bot.matrix.channel import run_matrix
from bot.matrix.settings import matrix_status

__all__ = ["matrix_status", "run_matrix"]
