"""`coach mcp`'s settings and its per-token rate: tokens map to workspaces, stay secret, and each has a bucket."""

from __future__ import annotations

import re

import anyio
import pytest

from bot.mcp.auth import BUCKETS_KEPT, RateLimiter, TokenRegistry, WorkspaceVerifier, workspace_of
from bot.mcp.settings import VARIABLES, McpSettings, load_mcp_settings
from tests.mcp_server.conftest import ROOT, TEAM_A, TEAM_B, TOKEN_A, TOKEN_B


def test_several_tokens_each_for_its_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_MCP_TOKENS", f" {TOKEN_A}:{TEAM_A} , {TOKEN_B}:{TEAM_B},")
    settings = load_mcp_settings()
    assert [(t.secret.get_secret_value(), t.team_id) for t in settings.tokens] == [(TOKEN_A, TEAM_A),
                                                                                  (TOKEN_B, TEAM_B)]
    assert settings.team_id is None and settings.rate_per_minute == 60
    names = [t.name for t in settings.tokens]
    assert len(set(names)) == 2 and all(re.fullmatch(r"mcp-[0-9a-f]{12}", n) for n in names)
    shown = f"{settings!r} {settings.tokens!r} {settings.tokens[0]}"
    assert TOKEN_A not in shown and TOKEN_B not in shown


def test_one_token_with_its_team_which_is_also_the_stdio_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_MCP_TOKEN", TOKEN_A)
    monkeypatch.setenv("COACH_MCP_TEAM", TEAM_A)
    monkeypatch.setenv("COACH_MCP_RATE", "5")
    settings = load_mcp_settings()
    assert [(t.team_id, t.secret.get_secret_value()) for t in settings.tokens] == [(TEAM_A, TOKEN_A)]
    assert (settings.team_id, settings.rate_per_minute) == (TEAM_A, 5)


def test_nothing_set_means_no_http_callers() -> None:
    assert load_mcp_settings() == McpSettings()


def test_a_token_opens_its_own_workspace_and_nothing_else() -> None:
    settings = McpSettings(tokens=tuple(load_tokens()))
    verifier = WorkspaceVerifier(TokenRegistry(settings.tokens))

    async def check() -> None:
        access = await verifier.verify_token(TOKEN_B)
        assert access is not None and workspace_of(access) == (TEAM_B, settings.tokens[1].name)
        assert TOKEN_B not in access.model_dump_json()  # the request's principal carries no secret
        for wrong in ("", TOKEN_A[:-1], TOKEN_A + "x", TOKEN_A.upper(), f" {TOKEN_A}"):
            assert await verifier.verify_token(wrong) is None

    anyio.run(check)
    assert workspace_of(None) is None  # outside an authenticated request: no workspace


def load_tokens() -> list:
    from bot.mcp.settings import WorkspaceToken

    return [WorkspaceToken.of(TOKEN_A, TEAM_A), WorkspaceToken.of(TOKEN_B, TEAM_B)]


def test_the_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    now = [100.0]
    limiter = RateLimiter(per_minute=3, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a")
    assert wait == pytest.approx(20.0)  # one request every 20 s at 3 a minute
    assert limiter.take("b") == 0.0  # another token's bucket is full
    now[0] += 20.0
    assert limiter.take("a") == 0.0 and limiter.take("a") > 0
    now[0] += 3600
    assert [limiter.take("a") for _ in range(4)][:3] == [0.0, 0.0, 0.0]  # never more than the burst


def test_the_buckets_kept_are_bounded() -> None:
    limiter = RateLimiter(per_minute=1, clock=lambda: 0.0, kept=4)
    for n in range(50):
        limiter.take(f"k{n}")
    assert len(limiter._buckets) == 4 and BUCKETS_KEPT >= 1000


def test_env_example_and_the_docs_list_every_variable() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "mcp.md").read_text(encoding="utf-8")
    configuration = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name in VARIABLES:
        assert re.search(rf"^{name}=", example, re.M), name
        assert f"`{name}`" in docs and f"`{name}`" in configuration, name


def test_every_variable_the_coach_reads_is_in_env_example() -> None:
    """Whatever bot/ reads from the environment (its settings' tables, os.environ), .env.example lists."""
    from bot.core.config import VARIABLES as CORE_VARIABLES

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    read = {*CORE_VARIABLES.values(), *VARIABLES}
    stray = re.compile(r"""(?:os\.getenv|os\.environ\.get|os\.environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)""")
    for path in (ROOT / "bot").rglob("*.py"):
        read |= set(stray.findall(path.read_text(encoding="utf-8")))
    assert {"COACH_MCP_TOKENS", "COACH_DB", "SLACK_BOT_TOKEN"} <= read
    assert read - listed - {"USER"} == set()
