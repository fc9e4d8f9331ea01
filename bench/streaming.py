"""How soon a seller sees the coach writing: the time from the model's first token (and from its first token of
guidance text) to the first streamed text reaching Slack (chat.startStream). Prints figures; not a test.
Run: .venv/bin/python bench/streaming.py [objections=10]

The real Bolt app is served over HTTP; Slack is the recording stand-in from the tests, and the model the local
OpenAI-compatible stand-in streaming slowly (8 characters, about two tokens, every 100 ms). Each objection is
a DM to the app, different from the others, so none comes from the cache. Target: first text within 1 s.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import load_settings  # noqa: E402
from bot.llm.streaming import FieldStream  # noqa: E402
from bot.slack.app import build_app, http_server  # noqa: E402
from tests.e2e.standins import OpenAIStandIn, SlackStandIn, signed_post  # noqa: E402

SECRET = "bench-secret"
OBJECTIONS = [
    "Their CFO doubts the savings will ever show up in the budget",
    "The plant manager thinks our tool is only for office teams",
    "They say switching now would stall the migration they just started",
    "Procurement wants three more references before they talk again",
    "The buyer believes the integration needs a team they do not have",
    "They worry the rollout will take longer than the pilot promised",
    "Their security lead does not trust a vendor this young",
    "The director says the last tool like this was never used by anyone",
    "They think our price is far above what the budget allows this year",
    "The operations head fears the training will take his crews off the floor",
    "Legal says the contract terms are a deal breaker for them",
    "They doubt the reporting covers the plants outside Europe",
]


class TimedSlack(SlackStandIn):
    """The Slack stand-in, noting when each stream's first text arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.started_at: list[float] = []

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "chat.startStream":
            self.started_at.append(time.monotonic())
        return super().answer(method, params)


def first_guidance_at(sent: list[tuple[float, str]]) -> float:
    """When the model sent the first character of guidance text (after the label, confidence, language)."""
    fields = FieldStream()
    for at, piece in sent:
        if fields.feed(piece):
            return at
    raise AssertionError("no guidance in the stream")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    slack, model = TimedSlack(), OpenAIStandIn()
    model.chunk_chars, model.chunk_seconds = 8, 0.1
    os.environ.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url,
                      OPENAI_BASE_URL=model.url, OPENAI_API_KEY="bench", COACH_MODEL="standin",
                      COACH_LLM_TIMEOUT="60", COACH_DB=os.path.join(tempfile.mkdtemp(), "bench.db"))
    server = http_server(build_app(load_settings()), "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/slack/events"
    from_token, from_guidance, whole = [], [], []
    for n, text in enumerate(OBJECTIONS[:count]):
        event = {"type": "message", "channel": "DU1", "channel_type": "im", "user": "U1", "text": text,
                 "ts": f"{1_800_000_000 + n}.000100"}
        body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": f"EvBench{n}",
                "event_time": int(time.time()), "event": event}
        signed_post(url, json.dumps(body), "application/json", SECRET)
        deadline = time.monotonic() + 60
        while len(slack.of("chat.update")) <= n and time.monotonic() < deadline:
            time.sleep(0.01)
        sent = model.sent[n]
        first = slack.started_at[n]
        from_token.append(first - sent[0][0])
        from_guidance.append(first - first_guidance_at(sent))
        whole.append(sent[-1][0] - sent[0][0])
    server.close()
    slack.close()
    model.close()
    ms = [round(x * 1000) for x in from_token]
    print(f"first streamed text after the model's first token ({count} DMs, model streaming 8 chars / 100 ms): "
          f"median {statistics.median(ms):.0f} ms, max {max(ms)} ms (target: under 1000 ms)")
    ms = [round(x * 1000) for x in from_guidance]
    print(f"  of which the model spends writing label, confidence and language first; after its first token of "
          f"guidance text: median {statistics.median(ms):.0f} ms, max {max(ms)} ms")
    print(f"  the whole answer streams for {statistics.median(whole):.1f} s (median); offline, it would wait that "
          f"long for the first word")


if __name__ == "__main__":
    main()
