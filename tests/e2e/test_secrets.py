"""No secret in what the app shows of itself: the settings' repr, and log lines after a real model call whose
OPENAI_BASE_URL carries a user, a password and an `api-key=` query string."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.cli import main
from bot.core.config import load_settings
from tests.e2e.standins import OpenAIStandIn

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-BOT-TOKEN-4242", "SLACK_SIGNING_SECRET": "SIGNING-SECRET-4242",
    "SLACK_APP_TOKEN": "xapp-APP-TOKEN-4242", "SLACK_CLIENT_SECRET": "CLIENT-SECRET-4242",
    "OPENAI_API_KEY": "sk-OPENAI-KEY-4242",
}


@pytest.fixture
def record_factory() -> Iterator[None]:
    """main() installs the redaction for the process; the tests after this one get logging as it was."""
    before = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(before)


def test_the_settings_repr_hides_every_secret(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_CLIENT_ID", "123.456")
    monkeypatch.setenv("COACH_DATABASE_URL", "postgresql://coach:DB-PASSWORD-4242@db.internal:5432/coach")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://gw-user:GW-PASSWORD-4242@llm.internal/v1?api-key=GW-KEY-4242")
    settings = load_settings()
    shown = repr(settings) + str(settings)
    for secret in [*SECRETS.values(), "DB-PASSWORD-4242", "GW-PASSWORD-4242", "GW-KEY-4242", "gw-user"]:
        assert secret not in shown
    # which database and which model server are still told
    assert "postgresql://***@db.internal:5432/coach" in shown and "https://***@llm.internal/v1?***" in shown
    assert settings.slack_bot_token.get_secret_value() == SECRETS["SLACK_BOT_TOKEN"]  # the value is all there


def test_no_credential_of_the_model_url_is_logged(monkeypatch, caplog, capsys, record_factory):
    model = OpenAIStandIn()
    try:
        url = model.url.replace("http://", "http://gw-user:GW-PASSWORD-4242@") + "?api-key=GW-KEY-4242"
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRETS["OPENAI_API_KEY"])
        monkeypatch.setenv("COACH_MODEL", "standin-model")
        caplog.set_level(logging.DEBUG)  # everything the HTTP clients log, down to DEBUG
        assert main(["ask", "--json", "Their CFO doubts the savings you showed will ever show up"]) == 0
        assert '"source": "llm"' in capsys.readouterr().out  # the model answered, through the real openai client
    finally:
        model.close()
    assert "HTTP Request: POST http://***@127.0.0.1:" in caplog.text  # the request is logged...
    for secret in ("gw-user", "GW-PASSWORD-4242", "GW-KEY-4242", SECRETS["OPENAI_API_KEY"]):
        assert secret not in caplog.text  # ...without its credentials
    # the key went in the query of the request, the path intact
    assert [r["path"] for r in model.requests] == ["/v1/chat/completions?api-key=GW-KEY-4242"]
