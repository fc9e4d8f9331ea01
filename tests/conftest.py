"""Every test gets a fresh database and working folder; the trained classifier is shared per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_settings

_ENV = (
    "COACH_DB", "COACH_CACHE_DIR", "COACH_PLAYBOOKS", "OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_MODEL",
    "COACH_LLM_TIMEOUT", "COACH_LLM_CONTEXT", "COACH_STALL_DAYS", "COACH_NUDGE_DAY", "COACH_NUDGE_HOUR",
    "COACH_NUDGE_PACE", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "PORT",
    "COACH_RETENTION_DAYS", "COACH_TEXT_RETENTION_DAYS", "COACH_MANAGERS", "COACH_REPORT_CHANNEL",
)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_cache: Path) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    monkeypatch.setenv("COACH_DB", str(tmp_path / "coach.db"))
    monkeypatch.setenv("COACH_CACHE_DIR", str(model_cache))


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def shared_coach(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    """One coach (playbooks + trained classifier) for read-only tests; it logs to its own database."""
    from bot.coach import Coach

    base = load_settings()
    fields = {**base.__dict__, "db_path": tmp_path_factory.mktemp("shared") / "coach.db", "cache_dir": model_cache}
    fields["playbooks_dir"] = None
    return Coach(Settings(**fields))
