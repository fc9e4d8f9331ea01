"""bot/core/config.py: every setting has its variable in .env.example, and the environment is read as before."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bot.core.config import VARIABLES, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_has_its_variable():
    assert set(VARIABLES) == set(Settings.model_fields)  # .env.example lists them: tests/mcp_server/test_settings.py


def test_a_variable_of_spaces_is_unset_and_a_dotenv_file_fills_the_rest(monkeypatch, tmp_path):
    monkeypatch.setenv("COACH_MODEL", "   ")
    monkeypatch.setenv("COACH_STALL_DAYS", " 21 ")
    (tmp_path / ".env").write_text("COACH_STALL_DAYS=3\nCOACH_NUDGE_DAY=Fri\nSOMETHING_ELSE=1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.model == "gpt-4o-mini" and settings.stall_days == 21 and settings.nudge_day == "fri"


def test_settings_made_in_code_take_plain_strings_for_secrets():
    settings = Settings(**{**load_settings().__dict__, "slack_bot_token": "xoxb-1", "database_url": None})
    assert isinstance(settings.slack_bot_token, SecretStr) and "xoxb-1" not in repr(settings)
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1"
