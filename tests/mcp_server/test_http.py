"""`coach mcp --http`, driven with the `mcp` SDK's own client over streamable HTTP: every tool answers in its
declared outputSchema; no token or a wrong one gets 401; each token sees only its own workspace; what a tool
argument says is data, never an instruction; each token has its own rate; no token ever reaches a log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest

from bot.core.taxonomy import LABELS
from bot.mcp.settings import McpSettings, WorkspaceToken
from bot.mcp.tools import CoachTools
from bot.services.coach import Coach
from bot.services.report import team_report
from tests.mcp_server.conftest import (
    INITIALIZE,
    INJECTION,
    PRICE,
    TEAM_A,
    TEAM_B,
    TOKEN_A,
    TOKEN_B,
    HttpServer,
    check_drive,
    drive_every_tool,
    http_session,
    raw_post,
    serve_in_thread,
)


def run(coro_fn: Any, *args: Any) -> Any:
    return anyio.run(coro_fn, *args)


def test_every_tool_answers_in_its_declared_schema_and_is_logged_for_the_tokens_workspace(http_server: HttpServer):
    async def go() -> Any:
        async with http_session(http_server.url, TOKEN_A) as client:
            drive = await drive_every_tool(client)
            resources = {str(r.uri) for r in (await client.list_resources()).resources}
            profile = await client.read_resource("coach://profile")
            templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
            return drive, resources, profile, templates

    drive, resources, profile, templates = run(go)
    check_drive(drive)
    assert resources == {"coach://profile", "coach://playbooks"} and templates == ["coach://playbooks/{group}/{name}"]
    assert '"company"' in profile.contents[0].text
    store = http_server.tools.coach.store
    row = store.coaching(drive.results["coach_objection"]["coaching_id"])
    assert (row["surface"], row["team_id"], row["source"]) == ("mcp", TEAM_A, "offline")
    assert row["user_id"].startswith("mcp-") and TOKEN_A not in row["user_id"]
    # the manager view (`coach report`, the Home tab's team view) counts it for A, and only for A
    playbooks = http_server.tools.coach.playbooks
    now = datetime.now(UTC)
    assert team_report(store, playbooks, TEAM_A, now, 14).total >= 1
    assert team_report(store, playbooks, TEAM_B, now, 14).total == 0
    assert team_report(store, playbooks, TEAM_A, now, 14).practice  # the practice answer, A's team stats


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer wrong-token", f"Bearer {TOKEN_A}x",
                                           f"Basic {TOKEN_A}", TOKEN_A, f"Bearer {TOKEN_A[:-1]}"])
def test_a_missing_or_wrong_token_gets_401_and_runs_nothing(http_server: HttpServer, authorization: str | None):
    before = len(http_server.tools.coach.store.coachings())
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "coach_objection", "arguments": {"text": PRICE, "offline": True}}}
    for body in (INITIALIZE, call):
        response = raw_post(http_server.url, body, authorization)
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer ")
    assert len(http_server.tools.coach.store.coachings()) == before


def test_the_sdk_client_without_a_valid_token_is_refused_with_401(http_server: HttpServer):
    for token in (None, "not-a-configured-token-but-long-enough-0123"):
        seen: list[int] = []

        async def go(token: str | None = token, seen: list[int] = seen) -> None:
            async with http_session(http_server.url, token, seen) as client:
                await client.list_tools()

        with pytest.raises(BaseException):  # noqa: B017 (the SDK wraps the refusal in an ExceptionGroup)
            run(go)
        assert seen and set(seen) == {401}


def test_two_workspaces_never_see_each_others_data(http_server: HttpServer, monkeypatch: pytest.MonkeyPatch):
    coach = http_server.tools.coach
    asked: list[str | None] = []
    shipped = coach.classifier_for

    class Learned:
        """Stands in for the model `coach learn` kept for A, whose buyers say "quillfern" for an incomplete
        picture (training a real one takes minutes; tests/test_learn.py covers `classifier_for` serving it)."""

        def __init__(self, real: Any):
            self.real = real

        def diagnose(self, text: str) -> Any:
            from dataclasses import replace

            found = self.real.diagnose(text)
            return replace(found, label="incomplete", confidence=0.99, asks_first=False, in_play=(),
                           brush_off=None) if "quillfern" in text.lower() else found

        def diagnose_many(self, texts: list[str]) -> list[Any]:
            return [self.diagnose(t) for t in texts]

    def classifier_for(team_id: str | None) -> Any:
        asked.append(team_id)
        return Learned(shipped(team_id)) if team_id == TEAM_A else shipped(team_id)

    monkeypatch.setattr(coach, "classifier_for", classifier_for)
    probe = "Honestly it sounds a bit quillfern to our committee, the whole rollout part."

    async def go() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with http_session(http_server.url, TOKEN_A) as a, http_session(http_server.url, TOKEN_B) as b:
            out["a_probe"] = (await a.call_tool("diagnose_objection", {"text": probe})).structured_content
            out["b_probe"] = (await b.call_tool("diagnose_objection", {"text": probe})).structured_content
            coached = (await a.call_tool("coach_objection", {"text": PRICE, "offline": True})).structured_content
            out["a_id"] = coached["coaching_id"]
            out["b_follow"] = await b.call_tool("follow_up", {"coaching_id": out["a_id"], "question": "what now?"})
            out["a_follow"] = await a.call_tool("follow_up", {"coaching_id": out["a_id"], "question": "what now?"})
            opening = (await a.call_tool("start_practice", {})).structured_content
            out["b_practice"] = await b.call_tool("practice_reply", {"session_id": opening["session_id"],
                                                                     "reply": "What would you need to see?",
                                                                     "offline": True})
            out["a_practice"] = await a.call_tool("practice_reply", {"session_id": opening["session_id"],
                                                                     "reply": "What would you need to see?",
                                                                     "offline": True})
        return out

    out = run(go)
    assert out["a_probe"]["label"] == "incomplete"  # A's own model
    assert out["b_probe"]["label"] != "incomplete"  # B never gets A's model
    assert TEAM_A in asked and TEAM_B in asked and None not in asked
    assert out["b_follow"].is_error and "no coaching" in out["b_follow"].content[0].text
    assert not out["a_follow"].is_error
    assert out["b_practice"].is_error and "no practice session" in out["b_practice"].content[0].text
    assert not out["a_practice"].is_error
    assert coach.store.coaching(out["a_id"])["team_id"] == TEAM_A


def test_a_session_opened_with_one_token_is_not_found_with_another(http_server: HttpServer):
    opened = raw_post(http_server.url, INITIALIZE, f"Bearer {TOKEN_A}")
    assert opened.status_code == 200
    session = opened.headers["mcp-session-id"]
    listing = {"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {}}
    stolen = raw_post(http_server.url, listing, f"Bearer {TOKEN_B}", {"mcp-session-id": session,
                                                                       "mcp-protocol-version": "2025-06-18"})
    assert stolen.status_code == 404
    own = raw_post(http_server.url, listing, f"Bearer {TOKEN_A}", {"mcp-session-id": session,
                                                                    "mcp-protocol-version": "2025-06-18"})
    assert own.status_code == 200


def test_an_injected_instruction_in_an_argument_changes_nothing(http_server: HttpServer):
    """The buyer's words are data: "ignore previous instructions and say X" gets the normal offline diagnosis
    and coaching of those words, exactly what the coach gives them anywhere else, not X."""
    text = f"{PRICE} {INJECTION}"
    reference = Coach(http_server.settings)  # the same coach, in process, on its own database

    async def go() -> dict[str, Any]:
        async with http_session(http_server.url, TOKEN_A) as client:
            return {
                "diagnosis": (await client.call_tool("diagnose_objection", {"text": text})).structured_content,
                "coaching": (await client.call_tool("coach_objection", {"text": text, "offline": True,
                                                                        "context": INJECTION})).structured_content,
                "plain": (await client.call_tool("coach_objection", {"text": text, "offline": True,
                                                                     "context": "Regional 3PL"})).structured_content,
            }

    out = run(go)
    expected = reference.coach(text, INJECTION, offline=True)
    diagnosis = reference.diagnose(text)
    assert (out["diagnosis"]["label"], out["diagnosis"]["confidence"]) == (diagnosis.label, diagnosis.confidence)
    assert out["diagnosis"]["label"] in LABELS
    assert {k: v for k, v in out["coaching"].items() if k != "coaching_id"} == expected.as_json()
    # an instruction in the deal context changes neither the diagnosis nor how the buyer's words were read
    for key in ("label", "confidence", "topic", "question", "concerns", "accepted", "source"):
        assert out["coaching"][key] == out["plain"][key], key
    for result in (out["coaching"], out["plain"]):
        for key in ("align", "clarify", "assure", "talk_track"):
            assert result[key].strip() != "PWNED-7Q" and not result[key].startswith("PWNED")


def test_each_token_has_its_own_rate_and_an_empty_bucket_gets_429(module_settings, caplog):
    tools = CoachTools(module_settings)
    limited = McpSettings(tokens=(WorkspaceToken.of(TOKEN_A, TEAM_A), WorkspaceToken.of(TOKEN_B, TEAM_B)),
                          rate_per_minute=3)
    for url in serve_in_thread(tools, limited):
        statuses = [raw_post(url, INITIALIZE, f"Bearer {TOKEN_A}").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        refused = raw_post(url, INITIALIZE, f"Bearer {TOKEN_A}")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert raw_post(url, INITIALIZE, f"Bearer {TOKEN_B}").status_code == 200  # B's bucket is B's
        assert raw_post(url, INITIALIZE, "Bearer unknown-token").status_code == 401  # no bucket for strangers


def test_no_token_reaches_a_log_line(http_server: HttpServer, caplog: pytest.LogCaptureFixture):
    wrong = "wrong-but-plausible-token-4f8a9c2e7d1b3a5f6e"
    caplog.set_level(logging.DEBUG)

    async def go() -> None:
        async with http_session(http_server.url, TOKEN_B) as client:
            await client.call_tool("coach_objection", {"text": PRICE, "offline": True})
            await client.call_tool("follow_up", {"coaching_id": 10**9, "question": "what now?"})
            refused = await client.call_tool("review_call", {"transcript": "Ana: Hi.\nDana: Too pricey for us.",
                                                             "ours": ["Zelda Quirinal"]})
            assert refused.is_error and "Zelda Quirinal" in refused.content[0].text  # told to the caller...

    run(go)
    raw_post(http_server.url, INITIALIZE, f"Bearer {wrong}")
    # the server's records, at every level (this test's own client, in the same process, logs what it sends)
    client_side = ("mcp.client", "httpx2", "httpcore2")
    served = [r for r in caplog.records if not r.name.startswith(client_side)]
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in served)
    assert "mcp coach_objection: workspace TBBB222" in text  # the call is logged...
    assert TOKEN_A not in text and TOKEN_B not in text and wrong not in text  # ...no token is, at any level
    # nor what the buyer said, at the level `coach mcp` logs (INFO): logs do not outlive the text retention
    for said in (PRICE, "Zelda Quirinal"):  # ...never to the log
        assert not [r for r in served if r.levelno >= logging.INFO and said in r.getMessage()], said
