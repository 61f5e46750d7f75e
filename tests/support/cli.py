"""Run the real `sozialbot` command in a subprocess, as a county would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SKETCH = """/antrag
Sozialraum: {conference}
Träger: {applicant}
Titel: {title}
Ausgangslage: Viele Kinder sprechen zu Hause kaum Deutsch.
Zielsetzung: Bessere Sprachkenntnisse vor der Einschulung.
Maßnahme: Wöchentliche Sprachgruppe mit einer Fachkraft.
Betrag: {amount}"""

CONCEPT = """/konzept
Zielgruppen: Kinder und Familien
Problemlagen: Sprachdefizite, wenig Betreuungsplätze
Ziele: Chancengleichheit beim Schulstart"""


def sozialbot(*args: str, config: Path | None = None,
              stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    if config is not None:
        env["SOZIALBOT_CONFIG"] = str(config)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, env=env, input=stdin, timeout=timeout, check=False)


def init_county(directory: Path) -> Path:
    result = sozialbot("init", str(directory))
    assert result.returncode == 0, result.stderr
    return directory / "sozialbot.toml"


def say(config: Path, sender: str, message: str, today: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    args = ["say", "--as", sender]
    if today:
        args += ["--today", today]
    return sozialbot(*args, message, config=config)
