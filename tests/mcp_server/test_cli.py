"""`coach mcp --http` as an operator starts it (a subprocess on a free port), and the command's refusals."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from bot.cli import main
from tests.mcp_server.conftest import (
    INITIALIZE,
    TEAM_A,
    TEAM_B,
    TOKEN_A,
    TOKEN_B,
    TOOLS,
    child_env,
    free_port,
    http_session,
    raw_post,
)


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Until the server accepts connections (a positive wait: the server coming up, not a negative holding)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("coach mcp --http did not start listening")


def test_coach_mcp_http_serves_only_its_tokens(tmp_path: Path, model_cache: Path) -> None:
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", **child_env(tmp_path / "coach.db", model_cache),
           "COACH_MCP_TOKENS": f"{TOKEN_A}:{TEAM_A}, {TOKEN_B}:{TEAM_B}", "COACH_MCP_RATE": "600"}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "mcp", "--http", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, proc)
        url = f"http://127.0.0.1:{port}/mcp"
        assert raw_post(url, INITIALIZE).status_code == 401
        assert raw_post(url, INITIALIZE, "Bearer nope").status_code == 401

        async def listed() -> set[str]:
            async with http_session(url, TOKEN_B) as client:
                return {tool.name for tool in (await client.list_tools()).tools}

        assert anyio.run(listed) == TOOLS
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    log = err.decode()
    assert "Uvicorn running" in log and "401" in log
    assert TOKEN_A not in log and TOKEN_B not in log


def test_http_without_a_token_configured_refuses_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mcp", "--http"]) == 2
    assert "COACH_MCP_TOKENS" in capsys.readouterr().err


def test_team_is_for_stdio(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COACH_MCP_TOKENS", f"{TOKEN_A}:{TEAM_A}")
    assert main(["mcp", "--http", "--team", TEAM_A]) == 2
    assert "--team is for stdio" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "value", "said"), [
    ("COACH_MCP_TOKENS", "short-secret-value:T1", "at least 32 characters"),
    ("COACH_MCP_TOKENS", f"{TOKEN_A}", "entry 1 must be token:WORKSPACE_ID"),
    ("COACH_MCP_TOKENS", f"{TOKEN_A}:not-a-team", "must be a Slack workspace ID"),
    ("COACH_MCP_TOKENS", f"{TOKEN_A}:{TEAM_A},{TOKEN_A}:{TEAM_B}", "the same token twice"),
    ("COACH_MCP_TOKEN", TOKEN_A, "COACH_MCP_TOKEN needs COACH_MCP_TEAM"),
    ("COACH_MCP_RATE", "fast", "COACH_MCP_RATE must be a whole number"),
])
def test_a_bad_setting_is_one_line_naming_it_never_the_token(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str], name: str,
                                                              value: str, said: str) -> None:
    monkeypatch.setenv(name, value)
    assert main(["mcp", "--http"]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1
    assert TOKEN_A not in err and "short-secret-value" not in err
