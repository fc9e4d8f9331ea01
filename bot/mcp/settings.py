"""`coach mcp`'s settings: which bearer tokens may call it over HTTP, each for one workspace, and how often.

    COACH_MCP_TOKENS="<token>:T0123ABC,<token>:T0456DEF"   several tokens, each mapped to its workspace
    COACH_MCP_TOKEN="<token>" with COACH_MCP_TEAM=T0123ABC  one token, for one workspace
    COACH_MCP_TEAM=T0123ABC                                  also the workspace of `coach mcp` over stdio
    COACH_MCP_RATE=60                                        requests a minute per token (a token bucket)

Tokens are secrets (SecretStr): no repr, error or log line shows one; an error names the variable and the
entry's position, never its value. A token is at least 32 characters, so a guess is hopeless:
`python -c "import secrets; print(secrets.token_urlsafe(32))"` makes one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.config import ConfigError

MIN_TOKEN_CHARS = 32
DEFAULT_RATE = 60  # requests a minute per token: an assistant's session opens with three, then one per call
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")  # what fits in an `Authorization: Bearer` header unquoted
_TEAM = re.compile(r"[A-Z][A-Z0-9]{1,63}")  # a Slack workspace (team) ID: T0123ABC, or an org's E0123ABC
MAKE_ONE = "python -c \"import secrets; print(secrets.token_urlsafe(32))\""
# every variable `coach mcp` reads (listed in .env.example and docs/mcp.md)
VARIABLES = ("COACH_MCP_TOKENS", "COACH_MCP_TOKEN", "COACH_MCP_TEAM", "COACH_MCP_RATE")


@dataclass(frozen=True)
class WorkspaceToken:
    """A bearer token and the one workspace it opens. `name` tells tokens apart in logs, practice sessions and
    the coaching log (`mcp-` and 12 hex digits of the token's SHA-256: stable across restarts and reorderings,
    useless for guessing the token)."""

    secret: SecretStr = field(repr=False)
    team_id: str
    name: str

    @classmethod
    def of(cls, secret: str, team_id: str) -> WorkspaceToken:
        return cls(SecretStr(secret), team_id, f"mcp-{hashlib.sha256(secret.encode()).hexdigest()[:12]}")


@dataclass(frozen=True)
class McpSettings:
    tokens: tuple[WorkspaceToken, ...] = ()
    team_id: str | None = None  # COACH_MCP_TEAM: the workspace of stdio calls (and of COACH_MCP_TOKEN)
    rate_per_minute: int = DEFAULT_RATE


class _Environment(BaseSettings):
    """The variables as written, read as every setting is (bot/core/config.py): the environment, then a `.env` file
    in the working folder; checked below, so an error can name the entry without showing a token."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", case_sensitive=True,
                                      extra="ignore")

    COACH_MCP_TOKENS: str = ""
    COACH_MCP_TOKEN: str = ""
    COACH_MCP_TEAM: str = ""
    COACH_MCP_RATE: str = ""


def _env(environment: _Environment, name: str) -> str | None:
    return getattr(environment, name).strip() or None


def check_workspace(value: str, where: str) -> str:
    if not _TEAM.fullmatch(value):
        raise ConfigError(f"{where} must be a Slack workspace ID (T0123ABC), got {value!r}")
    return value


def _secret(value: str, where: str) -> str:
    # the message never repeats the value: it is (or was meant to be) a secret
    if len(value) < MIN_TOKEN_CHARS:
        raise ConfigError(f"{where}: a token must be at least {MIN_TOKEN_CHARS} characters; make one with {MAKE_ONE}")
    if not _TOKEN.fullmatch(value):
        raise ConfigError(f"{where}: a token may hold letters, digits and . _ ~ + / = - only; make one with "
                          f"{MAKE_ONE}")
    return value


def _tokens(raw: str | None) -> list[WorkspaceToken]:
    """COACH_MCP_TOKENS: `token:TEAM` entries, comma-separated (the workspace after the last colon)."""
    tokens = []
    for number, entry in enumerate((part.strip() for part in (raw or "").split(",")), 1):
        if not entry:
            continue
        where = f"COACH_MCP_TOKENS entry {number}"
        secret, colon, team = entry.rpartition(":")
        if not colon or not secret:
            raise ConfigError(f"{where} must be token:WORKSPACE_ID (e.g. <token>:T0123ABC)")
        tokens.append(WorkspaceToken.of(_secret(secret.strip(), where), check_workspace(team.strip(), where)))
    return tokens


def _rate(environment: _Environment) -> int:
    raw = _env(environment, "COACH_MCP_RATE")
    if raw is None:
        return DEFAULT_RATE
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise ConfigError(f"COACH_MCP_RATE must be a whole number of requests a minute, 1 or more, got {raw!r}")
    return int(raw)


def load_mcp_settings() -> McpSettings:
    """From the environment (a `.env` file in the working folder fills unset variables, as for every command)."""
    environment = _Environment()
    team = _env(environment, "COACH_MCP_TEAM")
    team = check_workspace(team, "COACH_MCP_TEAM") if team else None
    tokens = _tokens(_env(environment, "COACH_MCP_TOKENS"))
    single = _env(environment, "COACH_MCP_TOKEN")
    if single:
        if team is None:
            raise ConfigError("COACH_MCP_TOKEN needs COACH_MCP_TEAM, the workspace it opens (T0123ABC); for several "
                              "workspaces use COACH_MCP_TOKENS=\"token:T0123ABC,token:T0456DEF\"")
        tokens.append(WorkspaceToken.of(_secret(single, "COACH_MCP_TOKEN"), team))
    secrets = [token.secret.get_secret_value() for token in tokens]
    if len(set(secrets)) != len(secrets):  # the same token twice, perhaps for two workspaces: which would it open?
        raise ConfigError("COACH_MCP_TOKENS and COACH_MCP_TOKEN list the same token twice; each token opens one "
                          "workspace")
    return McpSettings(tokens=tuple(tokens), team_id=team, rate_per_minute=_rate(environment))
