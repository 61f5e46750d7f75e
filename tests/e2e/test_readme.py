"""The README's walk-through works verbatim."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- walkthrough:start -->\n```bash\n(.*?)```", text, re.S)
    assert block is not None
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("SOZIALBOT_CONFIG", None)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block.group(1)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Nr. ADE-2026-001" in out
    assert "Verfügbar für Adendorf 2026: 8.800,00 €" in out
    assert "richtig: bewilligt 1.000,00 €" in out
    assert "Gebucht: Korrektur zu ADE-2026-001" in out
    assert "korrigiert am 16.03.2026, vorher bewilligt 1.200,00 €" in out
    assert "ADE-2026-002 „Elterncafé“ ist zurückgezogen" in out
    assert "Übertrag aus 2026: 9.000,00 €" in out
    assert "Verfügbar: 19.000,00 €" in out
