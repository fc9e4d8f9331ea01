"""Settings from the environment (and a `.env` file in the working folder), read once, through pydantic-settings.

Each setting is a field named as the code reads it (`db_path`), read from its environment variable (`COACH_DB`;
`.env.example` lists them all). An empty variable is an unset one. A value we cannot use raises `ConfigError`
naming the variable (never the value of a secret).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from platformdirs import user_cache_dir, user_data_dir
from pydantic import (
    AliasChoices,
    AliasGenerator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.logs import redact_url

APP_NAME = "resistance-coach"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


class SecretUrl(SecretStr):
    """A URL that may hold a user and password or a key: shown (repr, str) with those hidden, so a log line or an
    error about the database or the model server still says which host it is."""

    def _display(self) -> str:
        return redact_url(self.get_secret_value())


def reveal(secret: SecretStr | None) -> str | None:
    """The value of a secret setting, for the one call that needs it (a client's constructor); None if unset."""
    return None if secret is None else secret.get_secret_value()


# Each field and the environment variable it is read from (.env.example lists them, a test keeps the two equal).
VARIABLES = {
    "db_path": "COACH_DB", "database_url": "COACH_DATABASE_URL", "cache_dir": "COACH_CACHE_DIR",
    "playbooks_dir": "COACH_PLAYBOOKS", "openai_api_key": "OPENAI_API_KEY", "openai_base_url": "OPENAI_BASE_URL",
    "model": "COACH_MODEL", "llm_timeout": "COACH_LLM_TIMEOUT", "llm_context_tokens": "COACH_LLM_CONTEXT",
    "slack_bot_token": "SLACK_BOT_TOKEN", "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN", "slack_client_id": "SLACK_CLIENT_ID",
    "slack_client_secret": "SLACK_CLIENT_SECRET", "slack_api_url": "SLACK_API_URL", "port": "PORT",
    "stall_days": "COACH_STALL_DAYS", "nudge_day": "COACH_NUDGE_DAY", "nudge_hour": "COACH_NUDGE_HOUR",
    "nudge_pace": "COACH_NUDGE_PACE", "retention_days": "COACH_RETENTION_DAYS",
    "text_retention_days": "COACH_TEXT_RETENTION_DAYS", "managers": "COACH_MANAGERS",
    "report_channel": "COACH_REPORT_CHANNEL", "team_id": "COACH_TEAM",
}


def _read_from(field: str) -> AliasChoices:
    """Where a field's value comes from: its variable, or (settings made in code) its own name."""
    return AliasChoices(VARIABLES[field], field)


def _number(value: Any) -> Any:
    """A number as the environment writes it ("20", "1.5"); anything else is said plainly."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"must be a number, got {value!r}") from None
    return value


def _whole(value: Any) -> Any:
    """A count written as a number ("3000", or "8000.0" as before): its whole part."""
    number = _number(value)
    return int(number) if isinstance(number, float) else number


def _days(value: Any) -> Any:
    if isinstance(value, str) and (not value.isdigit() or int(value) < 1):
        raise ValueError(f"must be a whole number of days, at least 1, got {value!r}")
    return value


def _ids(value: Any) -> Any:
    """Comma-separated ids ("U123, S0LEADS") as a tuple."""
    return tuple(part.strip() for part in value.split(",") if part.strip()) if isinstance(value, str) else value


Number = Annotated[float, BeforeValidator(_number)]
Whole = Annotated[int, BeforeValidator(_whole)]
Days = Annotated[int, BeforeValidator(_days)]
_MEMBER = re.compile(r"^[UW][A-Z0-9]{2,}$")  # a Slack user id
_USERGROUP = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
_TEAM = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # a workspace id (T…, E… org-wide), or a name of one's own


class Settings(BaseSettings):
    """Tokens, keys and URLs that may hold a password are SecretStr: repr(settings), str() and log lines show
    `**********` (a URL: its host, credentials hidden); `reveal()` gives the value to the client that needs it.
    Settings made in code (tests, benches) pass the fields by name, plain strings for the secrets."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True,
                                      case_sensitive=True, extra="ignore", frozen=True,
                                      alias_generator=AliasGenerator(validation_alias=_read_from))

    # --- storage ---
    db_path: Path = Field(default_factory=lambda: Path(user_data_dir(APP_NAME)) / "coach.db")
    database_url: SecretUrl | None = None
    cache_dir: Path = Field(default_factory=lambda: Path(user_cache_dir(APP_NAME)))
    playbooks_dir: Path | None = None
    # --- the language model ---
    openai_api_key: SecretStr | None = None
    openai_base_url: SecretUrl | None = None
    model: str = "gpt-4o-mini"
    llm_timeout: Number = 20.0
    llm_context_tokens: Whole = 8000
    # --- Slack ---
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str | None = None
    port: Whole = 3000
    # --- deals and nudges ---
    stall_days: Whole = 14
    nudge_day: str = "mon"
    nudge_hour: int = 9
    nudge_pace: Number = 1.0
    # --- retention ---
    retention_days: Days = 90
    text_retention_days: Days = 0  # unset (0): the same as retention_days
    # --- Home tab and reports ---
    # who sees the team's view on the Home tab (user ids, user group ids)
    managers: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_ids)] = ()
    report_channel: str | None = None  # where the weekly team report is posted
    # --- the command line ---
    team_id: str | None = None  # the workspace the CLI's coachings and deals belong to

    @model_validator(mode="before")
    @classmethod
    def _stripped(cls, data: Any) -> Any:
        """Values as written, spaces around them dropped; one of only spaces is unset, like an empty one."""
        if not isinstance(data, dict):
            return data
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return {k: v for k, v in stripped.items() if v != ""}

    @field_validator("db_path", "cache_dir", "playbooks_dir")
    @classmethod
    def _home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("database_url", mode="before")
    @classmethod
    def _postgres(cls, value: Any) -> Any:
        url = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(url, str) and not url.startswith(("postgresql://", "postgres://")):
            # never echo the value: it may hold a password
            raise ValueError("must be a PostgreSQL URL (postgresql://user:password@host:port/db); leave it unset "
                             "to use the SQLite file in COACH_DB")
        return value

    @field_validator("nudge_day", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> Any:
        day = str(value).lower()
        if day not in WEEKDAYS:
            raise ValueError(f"must be one of {', '.join(WEEKDAYS)}, got {day!r}")
        return day

    @field_validator("nudge_hour", mode="before")
    @classmethod
    def _hour(cls, value: Any) -> Any:
        if str(value) not in {str(h) for h in range(24)}:
            raise ValueError(f"must be one of {', '.join(str(h) for h in range(24))}, got {str(value)!r}")
        return int(value)

    @field_validator("managers")
    @classmethod
    def _members(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        bad = [i for i in ids if not (_MEMBER.match(i) or _USERGROUP.match(i))]
        if bad:
            raise ValueError(f"must list Slack user ids (U…) or user group ids (S…), comma-separated; "
                             f"got {', '.join(repr(b) for b in bad)}")
        return ids

    @field_validator("report_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not _CHANNEL.match(value):
            raise ValueError(f"must be a channel id (C… or G…, not its name), got {value!r}")
        return value

    @field_validator("team_id")
    @classmethod
    def _team(cls, value: str | None) -> str | None:
        if value is not None and not _TEAM.match(value):
            raise ValueError(f"must be a workspace id like T0123ABC (letters, digits, '-' and '_'), got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not self.text_retention_days:  # the text follows the rows unless told otherwise
            object.__setattr__(self, "text_retention_days", self.retention_days)
        if self.text_retention_days > self.retention_days:
            raise ValueError(f"COACH_TEXT_RETENTION_DAYS ({self.text_retention_days}) cannot be longer than "
                             f"COACH_RETENTION_DAYS ({self.retention_days}): the rows holding the text go after that")
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            raise ValueError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (both for the OAuth install flow "
                             "across workspaces, neither for one workspace's SLACK_BOT_TOKEN)")
        return self

    @property
    def oauth_enabled(self) -> bool:
        """Many workspaces: Slack's OAuth install flow, a token per workspace kept in the database."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)

def load_settings() -> Settings:
    """Build settings from the current environment (a `.env` file in the working folder fills unset variables)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_first_problem(exc)) from None


def _first_problem(exc: ValidationError) -> str:
    """One line naming the variable and what is wrong with it (a secret's value is never part of it)."""
    error = exc.errors(include_input=False, include_url=False)[0]
    cause = error.get("ctx", {}).get("error")
    message = str(cause) if cause is not None else error["msg"]
    where = next((str(part) for part in error["loc"] if isinstance(part, str)), "")
    variable = VARIABLES.get(where, where)
    return f"{variable} {message}" if variable else message
