"""`[matrix]` in the configuration; secrets only from the environment.

    [matrix]
    homeserver = "https://matrix.landkreis.example"
    user_id = "@sozialbot:landkreis.example"
    device_id = "SOZIALBOT"                 # keep it: the encryption keys belong to this device
    access_token_env = "MATRIX_ACCESS_TOKEN"  # or password_env = "MATRIX_PASSWORD"
    store = "matrix"                        # crypto store and sync token, in the data directory
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rules.county import Config


@dataclass(frozen=True)
class MatrixSettings:
    homeserver: str
    user_id: str
    device_id: str
    access_token: str | None
    password: str | None
    store_dir: Path
    sync_timeout_ms: int = 30_000
    delivery_interval: float = 5.0
    send_attempts: int = 5
    max_attempts: int = 3  # an event that fails this often is set aside (bot/attempts.py)
    attempt_seconds: float = 5.0  # pause before the second attempt, doubling up to the max
    attempt_max_seconds: float = 300.0

    @classmethod
    def from_config(cls, config: Config) -> MatrixSettings:
        section = config.raw.get("matrix", {})
        token_env = str(section.get("access_token_env", "MATRIX_ACCESS_TOKEN"))
        password_env = str(section.get("password_env", "MATRIX_PASSWORD"))
        return cls(
            homeserver=str(section.get("homeserver", "")).rstrip("/"),
            user_id=str(section.get("user_id", "")),
            device_id=str(section.get("device_id", "SOZIALBOT")),
            access_token=os.environ.get(token_env) or None,
            password=os.environ.get(password_env) or None,
            store_dir=config.data_dir / str(section.get("store", "matrix")),
            sync_timeout_ms=int(section.get("sync_timeout_ms", 30_000)),
            delivery_interval=float(section.get("delivery_interval", 5.0)),
            max_attempts=int(section.get("max_attempts", 3)),
            attempt_seconds=float(section.get("attempt_seconds", 5.0)),
            attempt_max_seconds=float(section.get("attempt_max_seconds", 300.0)),
        )


def matrix_status(config: Config) -> tuple[bool, str]:
    """Whether `sozialbot run` starts the Matrix channel, and why (not)."""
    if "matrix" not in config.raw:
        return False, "kein [matrix] in der Konfiguration"
    settings = MatrixSettings.from_config(config)
    if not settings.homeserver or not settings.user_id.startswith("@"):
        return False, "[matrix] braucht homeserver und user_id (@name:server)"
    if not settings.access_token and not settings.password:
        return False, ("weder Zugangstoken noch Passwort in der Umgebung "
                       "(access_token_env / password_env)")
    return True, f"{settings.user_id} auf {settings.homeserver}"
