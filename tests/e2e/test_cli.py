"""The `sozialbot` command as a county uses it, through real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.cli import CONCEPT, SKETCH, init_county, say, sozialbot


def test_init_writes_the_lueneburg_default_and_refuses_to_overwrite(tmp_path: Path) -> None:
    config = init_county(tmp_path / "kreis")
    text = config.read_text(encoding="utf-8")
    for name in ("Adendorf", "Amt Neuhaus", "Scharnebeck", "sek-ade", "kreis-2", "verwaltung"):
        assert name in text
    assert (tmp_path / "kreis" / "data").is_dir()
    again = sozialbot("init", str(tmp_path / "kreis"))
    assert again.returncode == 2
    assert config.read_text(encoding="utf-8") == text


def test_say_exit_codes_accepted_refused_usage(tmp_path: Path) -> None:
    config = init_county(tmp_path)
    ok = say(config, "sek-ade", "/saldo")
    assert ok.returncode == 0, ok.stderr
    assert "Verfügbar: 10.000,00 €" in ok.stdout
    refused = say(config, "sek-ade", "/saldo BLE")
    assert refused.returncode == 1
    assert "nur die Zahlen von Adendorf" in refused.stdout
    unknown = say(config, "niemand", "/saldo")
    assert unknown.returncode == 2
    assert "Unbekannter Absender" in unknown.stderr
    bad_date = say(config, "sek-ade", "/saldo", today="31.02.2026")
    assert bad_date.returncode == 2


def test_say_without_config_explains_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "say", "--as", "x", "/hilfe"],
                            capture_output=True, text=True, cwd=tmp_path, check=False,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())})
    assert result.returncode == 2
    assert "SOZIALBOT_CONFIG" in result.stderr


def test_say_does_not_import_telegram_mail_or_reports(tmp_path: Path) -> None:
    config = init_county(tmp_path)
    code = ("import sys\nfrom bot.cli import main\nmain(['say','--config',sys.argv[1],'--as',"
            "'sek-ade','/saldo'])\nheavy=[m for m in sys.modules if m.split('.')[0] in "
            "('telegram','imap_tools','aiosmtplib','matplotlib','reportlab','openpyxl')]\n"
            "print('HEAVY', heavy)\n")
    result = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True,
                            text=True, check=True)
    assert "HEAVY []" in result.stdout


def test_a_conference_year_from_sketch_to_balance(tmp_path: Path) -> None:
    config = init_county(tmp_path)
    sketch = SKETCH.format(conference="Adendorf", applicant="Kita Sonnenschein",
                           title="Sprachförderung", amount="1.500,00 €")
    submitted = say(config, "kita@example.org", sketch, today="2026-02-01")
    assert submitted.returncode == 0
    assert "ADE-2026-001" in submitted.stdout
    assert "→ an sek-ade:" in submitted.stdout
    assert say(config, "sek-ade", CONCEPT, today="2026-02-02").returncode == 0
    session = say(config, "sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II",
                  today="2026-02-02")
    assert "→ an kreis-1:" in session.stdout
    assert "→ an kreis-2:" in session.stdout
    assert say(config, "kreis-1", "/anwesend ADE 12.03.2026", today="2026-02-03").returncode == 0
    preview = say(config, "sek-ade", "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.200 € "
                  "(ja 7, nein 1, enthaltung 0)", today="2026-03-13")
    assert preview.returncode == 0
    assert "Noch ist nichts gebucht" in preview.stdout
    code = preview.stdout.split("/buchen ")[1].split()[0]
    assert "Gebunden: 0,00 €" in say(config, "sek-ade", "/saldo", today="2026-03-13").stdout
    booked = say(config, "sek-ade", f"/buchen {code}", today="2026-03-13")
    assert booked.returncode == 0
    assert "Verfügbar für Adendorf 2026: 8.800,00 €" in booked.stdout
    assert "→ an email:kita@example.org:" in booked.stdout
    export = json.loads(sozialbot("export", config=config).stdout)
    assert export["schema"] == "sozialbot-export/1"
    app = export["applications"][0]
    assert (app["number"], app["status"], app["approved_cents"]) == ("ADE-2026-001", "approved",
                                                                     120_000)
    ade = next(b for b in export["balances"] if b["conference"] == "ADE" and b["year"] == 2026)
    assert (ade["bound_cents"], ade["available_cents"]) == (120_000, 880_000)
    assert [e["kind"] for e in export["ledger"] if e["conference"] == "ADE"] == [
        "allotment", "commitment"]


def test_console_handles_messages_separated_by_empty_lines(tmp_path: Path) -> None:
    config = init_county(tmp_path)
    result = sozialbot("console", "--as", "kreis-1", config=config,
                       stdin="/saldo ADE\n\n/veto\n\n")
    assert result.returncode == 0
    assert "Budget II Adendorf" in result.stdout
    assert "R10: Bitte nennen Sie Antrag und Begründung" in result.stdout


def test_export_to_file_and_report_to_file(tmp_path: Path) -> None:
    config = init_county(tmp_path)
    out = tmp_path / "export.json"
    assert sozialbot("export", "--output", str(out), config=config).returncode == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"conferences", "applications", "sessions", "ledger", "balances"} <= set(data)
    assert len(data["conferences"]) == 10


def test_invite_while_the_bot_runs_points_to_the_chat_command(tmp_path: Path) -> None:
    from bot.config import load_config
    from handlers.service import Core

    config = init_county(tmp_path)
    running = Core.open(load_config(config))  # stands for `sozialbot run`
    try:
        result = sozialbot("invite", "sek-ade", config=config)
    finally:
        running.close()
    assert result.returncode == 2
    assert "/einladen sek-ade" in result.stderr
    invited = sozialbot("invite", "sek-ade", config=config)
    assert invited.returncode == 0
    assert "/start " in invited.stdout
    by_chat = say(config, "verwaltung", "/einladen kreis-2")
    assert by_chat.returncode == 0
    assert "Einladung für Stellvertretung Fachdienst 51" in by_chat.stdout
