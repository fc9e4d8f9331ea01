"""Settings from the environment (and a `.env` file in the working folder), read once."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TypedDict

from platformdirs import user_cache_dir, user_data_dir
from pydantic import SecretStr

from bot.logs import redact_url

APP_NAME = "resistance-coach"


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


def _float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _days(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of days, at least 1, got {raw!r}")
    return int(raw)


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (_env(name, default) or default).lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _database_url() -> str | None:
    url = _env("COACH_DATABASE_URL")
    if url is not None and not url.startswith(("postgresql://", "postgres://")):
        # never echo the value: it may hold a password
        raise ConfigError("COACH_DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host:port/db); "
                          "leave it unset to use the SQLite file in COACH_DB")
    return url


class SecretUrl(SecretStr):
    """A URL that may hold a user and password or a key: shown (repr, str) with those hidden, so a log line or an
    error about the database or the model server still says which host it is."""

    def _display(self) -> str:
        return redact_url(self.get_secret_value())


def _secret(value: str | None) -> SecretStr | None:
    return None if value is None else SecretStr(value)


def _secret_url(value: str | None) -> SecretUrl | None:
    return None if value is None else SecretUrl(value)


def reveal(secret: SecretStr | None) -> str | None:
    """The value of a secret setting, for the one call that needs it (a client's constructor); None if unset."""
    return None if secret is None else secret.get_secret_value()


_MEMBER = re.compile(r"^[UW][A-Z0-9]{2,}$")  # a Slack user id
_USERGROUP = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")


def _managers(name: str) -> tuple[str, ...]:
    """Comma-separated Slack user ids (U…, W…) and/or user group ids (S…)."""
    ids = tuple(part.strip() for part in (_env(name) or "").split(",") if part.strip())
    bad = [i for i in ids if not (_MEMBER.match(i) or _USERGROUP.match(i))]
    if bad:
        raise ConfigError(f"{name} must list Slack user ids (U…) or user group ids (S…), comma-separated; "
                          f"got {', '.join(repr(b) for b in bad)}")
    return ids


def _channel(name: str) -> str | None:
    value = _env(name)
    if value is not None and not _CHANNEL.match(value):
        raise ConfigError(f"{name} must be a channel id (C… or G…, not its name), got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Tokens, keys and URLs that may hold a password are SecretStr: repr(settings), str() and log lines show
    `**********` (a URL: its host, credentials hidden); `reveal()` gives the value to the client that needs it."""

    db_path: Path
    cache_dir: Path
    playbooks_dir: Path | None
    openai_api_key: SecretStr | None
    openai_base_url: SecretUrl | None
    model: str
    llm_timeout: float
    llm_context_tokens: int
    slack_bot_token: SecretStr | None
    slack_signing_secret: SecretStr | None
    slack_app_token: SecretStr | None
    slack_api_url: str | None
    port: int
    stall_days: int
    nudge_day: str
    nudge_hour: int
    nudge_pace: float
    retention_days: int
    text_retention_days: int
    database_url: SecretUrl | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    SECRETS: ClassVar[dict[str, type[SecretStr]]] = {
        "openai_api_key": SecretStr, "openai_base_url": SecretUrl, "slack_bot_token": SecretStr,
        "slack_signing_secret": SecretStr, "slack_app_token": SecretStr, "database_url": SecretUrl,
        "slack_client_secret": SecretStr}

    def __post_init__(self) -> None:
        # load_settings() and settings made by hand (tests, benches) pass plain strings: they become secrets here
        for name, kind in self.SECRETS.items():
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, kind(value))

    @property
    def oauth_enabled(self) -> bool:
        """Many workspaces: Slack's OAuth install flow, a token per workspace kept in the database."""
        return bool(self.slack_client_id and self.slack_client_secret)
    managers: tuple[str, ...] = ()  # who sees the team's view on the Home tab (user ids, user group ids)
    report_channel: str | None = None  # where the weekly team report is posted
    team_id: str | None = None  # the workspace the CLI's coachings and deals belong to (COACH_TEAM)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)


def load_settings() -> Settings:
    """Build settings from the current environment (a `.env` file fills unset variables)."""
    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env", override=False)
    playbooks = _env("COACH_PLAYBOOKS")
    retention_days = _days("COACH_RETENTION_DAYS", 90)
    text_retention_days = _days("COACH_TEXT_RETENTION_DAYS", retention_days)
    if text_retention_days > retention_days:
        raise ConfigError(f"COACH_TEXT_RETENTION_DAYS ({text_retention_days}) cannot be longer than "
                          f"COACH_RETENTION_DAYS ({retention_days}): the rows holding the text go after that")
    return Settings(
        db_path=Path(_env("COACH_DB") or Path(user_data_dir(APP_NAME)) / "coach.db").expanduser(),
        cache_dir=Path(_env("COACH_CACHE_DIR") or user_cache_dir(APP_NAME)).expanduser(),
        playbooks_dir=Path(playbooks).expanduser() if playbooks else None,
        openai_api_key=_secret(_env("OPENAI_API_KEY")),
        openai_base_url=_secret_url(_env("OPENAI_BASE_URL")),
        model=_env("COACH_MODEL", "gpt-4o-mini") or "gpt-4o-mini",
        llm_timeout=_float("COACH_LLM_TIMEOUT", 20.0),
        llm_context_tokens=int(_float("COACH_LLM_CONTEXT", 8000)),
        slack_bot_token=_secret(_env("SLACK_BOT_TOKEN")),
        slack_signing_secret=_secret(_env("SLACK_SIGNING_SECRET")),
        slack_app_token=_secret(_env("SLACK_APP_TOKEN")),
        slack_api_url=_env("SLACK_API_URL"),
        port=int(_float("PORT", 3000)),
        stall_days=int(_float("COACH_STALL_DAYS", 14)),
        nudge_day=_choice("COACH_NUDGE_DAY", "mon", ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
        nudge_hour=int(_choice("COACH_NUDGE_HOUR", "9", tuple(str(h) for h in range(24)))),
        nudge_pace=_float("COACH_NUDGE_PACE", 1.0),
        retention_days=retention_days,
        text_retention_days=text_retention_days,
        database_url=_secret_url(_database_url()),
        **_oauth(),
        managers=_managers("COACH_MANAGERS"),
        report_channel=_channel("COACH_REPORT_CHANNEL"),
        team_id=_team("COACH_TEAM"),
    )


_TEAM = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _team(name: str) -> str | None:
    """A workspace id (T…, or E… for an org-wide install), or a name of one's own for a CLI without Slack."""
    value = _env(name)
    if value is not None and not _TEAM.match(value):
        raise ConfigError(f"{name} must be a workspace id like T0123ABC (letters, digits, '-' and '_'), got {value!r}")
    return value


class _OAuth(TypedDict):
    slack_client_id: str | None
    slack_client_secret: SecretStr | None


def _oauth() -> _OAuth:
    client_id, client_secret = _env("SLACK_CLIENT_ID"), _env("SLACK_CLIENT_SECRET")
    if bool(client_id) != bool(client_secret):
        raise ConfigError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (both for the OAuth install flow "
                          "across workspaces, neither for one workspace's SLACK_BOT_TOKEN)")
    return {"slack_client_id": client_id, "slack_client_secret": _secret(client_secret)}
