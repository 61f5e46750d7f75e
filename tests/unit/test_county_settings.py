"""`[security]` and `[privacy]` are read once, by bot/config.py, into plain Config fields: the
handlers never see the TOML."""

from pathlib import Path

import pytest

from bot.config import ConfigError, default_config_text, load_config
from rules.county import Security


def _config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "sozialbot.toml"
    text = default_config_text()
    assert "[privacy]" in text
    assert "[security]" not in text
    path.write_text(text.replace("[privacy]", extra + "\n[privacy]", 1), encoding="utf-8")
    return path


def test_defaults_when_the_sections_are_missing(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, ""))
    assert config.security == Security(code_days=14, wrong_codes_per_hour=5,
                                       max_open_applications=100, max_sketches_per_hour=60)
    assert config.keep_years == 10


def test_the_county_sets_its_own_limits(tmp_path: Path) -> None:
    extra = "[security]\ncode_days = 3\nmax_sketches_per_hour = 7\n"
    config = load_config(_config(tmp_path, extra))
    assert config.security.code_days == 3
    assert config.security.max_sketches_per_hour == 7
    assert config.security.wrong_codes_per_hour == 5


@pytest.mark.parametrize("line", ["code_days = 0", "wrong_codes_per_hour = -1",
                                  'max_open_applications = "viele"', "code_days = true"])
def test_a_limit_that_is_not_a_whole_number_is_refused_at_start(tmp_path: Path,
                                                                 line: str) -> None:
    with pytest.raises(ConfigError, match=r"\[security\]"):
        load_config(_config(tmp_path, f"[security]\n{line}\n"))
