"""`coach mcp` over stdio, started as a subprocess by the `mcp` SDK's stdio client, as a desktop assistant starts
it: every tool answers in its declared outputSchema and is logged under `--team`; with a model configured, the
buyer's words reach it only inside the prompt's data fences, and the call counts in `coach stats`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from bot.cli import main
from bot.content.playbooks import load_playbooks
from bot.services.report import team_report
from bot.store import connect
from tests.e2e.standins import OpenAIStandIn
from tests.mcp_server.conftest import INJECTION, PRICE, check_drive, child_env, drive_every_tool, stdio_server

TEAM = "TSTDIO1"


@pytest.fixture
def model() -> Any:
    standin = OpenAIStandIn()
    yield standin
    standin.close()


def test_every_tool_over_stdio_answers_in_its_schema_and_is_logged_for_the_team(tmp_path: Path,
                                                                                 model_cache: Path) -> None:
    db = tmp_path / "coach.db"

    async def go() -> Any:
        async with Client(stdio_server(tmp_path, child_env(db, model_cache), "--team", TEAM)) as client:
            drive = await drive_every_tool(client)
            playbook = await client.read_resource("coach://playbooks/resistance/skepticism")
            index = await client.read_resource("coach://playbooks")
            return drive, json.loads(playbook.contents[0].text), json.loads(index.contents[0].text)

    drive, playbook, index = anyio.run(go)
    check_drive(drive)
    assert playbook["label"] == "skepticism" and playbook["name"]["es"]
    assert {p["name"] for p in index["resistance"]} == {"missing", "incomplete", "incorrect", "skepticism",
                                                        "major_concern"}
    store = connect(db)
    rows = store.coachings()
    assert [(r["surface"], r["team_id"], r["user_id"]) for r in rows] == [("mcp", TEAM, "mcp-local")]
    report = team_report(store, load_playbooks(None), TEAM, datetime.now(UTC), 14)
    assert report.total == 1 and report.practice


def test_with_a_model_the_buyers_words_stay_inside_the_data_fence_and_count_in_stats(tmp_path: Path,
                                                                                      model_cache: Path, model,
                                                                                      monkeypatch, capsys) -> None:
    db = tmp_path / "coach.db"
    env = child_env(db, model_cache, OPENAI_BASE_URL=model.url, OPENAI_API_KEY="sk-test-not-a-real-key")
    text = f"{PRICE} {INJECTION}"

    async def go() -> dict[str, Any]:
        async with Client(stdio_server(tmp_path, env, "--team", TEAM)) as client:
            result = await client.call_tool("coach_objection", {"text": text})
            assert not result.is_error, result.content
            return result.structured_content

    coached = anyio.run(go)
    assert coached["source"] == "llm"
    # the coaching never obeys it; the reading's concerns quote the buyer's words as they are, as data
    advice = {k: v for k, v in coached.items() if k not in ("concerns", "accepted", "seller_notes")}
    assert "PWNED" not in json.dumps(advice)
    assert any("PWNED" in c["words"] for c in coached["concerns"])
    [request] = [r for r in model.requests if "<buyer_objection>" in json.dumps(r["body"])]
    system = next(m["content"] for m in request["body"]["messages"] if m["role"] == "system")
    user = next(m["content"] for m in request["body"]["messages"] if m["role"] == "user")
    assert "PWNED" not in system  # instructions are the coach's alone
    fenced = re.search(r"<buyer_objection>(.*?)</buyer_objection>", user, re.S)
    assert fenced and INJECTION in fenced.group(1)
    # the coach's own reading quotes the concerns inside a data fence too; outside the fences, never
    reading = re.search(r"\n<buyer_reading>\n(.*?)</buyer_reading>", user, re.S)
    assert reading and "PWNED" in reading.group(1)
    assert "PWNED" not in user.replace(fenced.group(0), "").replace(reading.group(0), "")
    # `coach stats` counts the model call, the manager view the coaching
    monkeypatch.setenv("COACH_DB", str(db))
    assert main(["stats", "--json"]) == 0
    [day] = json.loads(capsys.readouterr().out)
    assert day["calls"] == 1
    store = connect(db)
    assert [(r["surface"], r["team_id"], r["source"]) for r in store.coachings()] == [("mcp", TEAM, "llm")]


def test_an_opt_out_over_mcp_is_refused_with_what_to_do_and_nothing_is_stored(tmp_path: Path,
                                                                               model_cache: Path) -> None:
    db = tmp_path / "coach.db"

    async def go() -> Any:
        async with Client(stdio_server(tmp_path, child_env(db, model_cache), "--team", TEAM)) as client:
            return await client.call_tool("coach_objection", {"text": "Sáquenme de su lista, por favor."})

    result = anyio.run(go)
    assert result.is_error and "do-not-contact" in result.content[0].text
    assert connect(db).coachings() == []
