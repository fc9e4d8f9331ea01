"""The real Bolt app served over HTTP on 127.0.0.1, Slack's side played by a local stand-in."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from bot.core.config import load_settings
from bot.slack import home
from bot.slack.app import CoachApp, build_app, http_server, make_deps
from bot.slack.audience import Audience
from tests.conftest import _ENV
from tests.e2e.standins import OpenAIStandIn, Response, SlackStandIn, command_form, signed_post, trigger_id

SECRET = "e2e-signing-secret"
MODEL_KEY = "sk-test-DO-NOT-LOG-0123456789"
# how long the work a test started may go on after it (a coaching still writing its thread's turns)
SETTLE_SECONDS = 30
# what an app is built from besides its database, its model cache and what `bot` sets: a test that sets one of
# these before it asks for `bot` (a model configured, managers named, another nudge pace) gets an app of its own
_APP_ENV = tuple(name for name in _ENV if name not in ("COACH_DB", "COACH_CACHE_DIR", "SLACK_BOT_TOKEN",
                                                       "SLACK_SIGNING_SECRET", "SLACK_API_URL"))


def _configured() -> list[str]:
    return [name for name in _APP_ENV if name in os.environ]


class Served:
    """An app served over HTTP on 127.0.0.1 by waitress, in a thread."""

    def __init__(self, app: CoachApp):
        self.app = app
        self.server = http_server(app, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        threading.Thread(target=lambda: _quietly(self.server.run), daemon=True).start()

    def close(self) -> None:
        self.server.close()


class SharedApp:
    """What the tests of one module that use `bot` share: one Slack stand-in, one SQLite file and, built on first
    use, one app serving them (loading its models once, not once a test). Between tests the work a test started
    is waited out, then the database is emptied, the stand-in forgets every call and the app what it remembers
    in memory (who can read which channel, workspace models). A test whose environment would build a different
    app gets one of its own, on the same database and stand-in. Work that does not end (a test leaving a stream
    held) retires all three: the next test starts on new ones."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.generation = 0
        self.slack = SlackStandIn()
        self.db = folder / "coach-0.db"
        self.served: Served | None = None
        self.refresher: home.Refresher | None = None

    def app(self) -> tuple[Served, bool]:
        """The shared app (built now if need be), or, when the test configured more than `bot` sets, an app of
        its own; True if shared."""
        if _configured():
            return Served(build_app(load_settings())), False
        if self.served is None:
            self.served = Served(build_app(load_settings()))
        return self.served, True

    def settled(self, *apps: CoachApp) -> bool:
        """Whether the work started so far in these apps (and the Home tab refreshes the test asked for) ended
        within SETTLE_SECONDS."""
        deadline = time.monotonic() + SETTLE_SECONDS
        for app in apps:
            if not app.wait_idle(max(0.0, deadline - time.monotonic())):
                return False
        refresher = self.refresher
        while refresher is not None and refresher._pending:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def retire(self) -> None:
        """New stand-in, database and (when next asked for) app: what the last test left running reaches none."""
        if self.served is not None:
            self.served.close()
        self.slack.close()
        self.generation += 1
        self.slack, self.db, self.served = SlackStandIn(), self.folder / f"coach-{self.generation}.db", None

    def fresh(self) -> None:
        """Before a test: an empty database, a stand-in that has seen no call, an app that remembers nothing."""
        if self.served is not None and not self.settled(self.served.app):
            self.retire()
        if self.db.exists():
            with sqlite3.connect(self.db, timeout=SETTLE_SECONDS, isolation_level=None) as db:
                tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                          if name != "_migrations" and (not name.startswith("sqlite_") or name == "sqlite_sequence")]
                db.execute("BEGIN IMMEDIATE")
                for name in tables:
                    db.execute(f'DELETE FROM "{name}"')
                db.execute("COMMIT")
            db.close()
        self.slack.reset()
        if self.served is not None:
            deps = self.served.app.deps
            deps.audience = Audience()
            deps.coach._team_models.clear()

    def close(self) -> None:
        if self.served is not None:
            self.served.close()
        self.slack.close()


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedApp]:
    shared = SharedApp(tmp_path_factory.mktemp("shared-app"))
    yield shared
    shared.close()


@pytest.fixture(autouse=True)
def isolated_env(isolated_env: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/conftest.py's, and for a test that uses `bot`: the module's shared database (emptied first), so
    whatever the test and its fixtures read and write is what the app reads and writes."""
    if "bot" not in request.fixturenames:
        return
    shared: SharedApp = request.getfixturevalue("shared_app")
    shared.fresh()
    monkeypatch.setenv("COACH_DB", str(shared.db))
    # who opened the Home tab is forgotten after each test (as a new process would); a test may replace it too
    shared.refresher = home.Refresher()
    monkeypatch.setattr(home, "REFRESHER", shared.refresher)


@pytest.fixture
def slack(request: pytest.FixtureRequest) -> Iterator[SlackStandIn]:
    """The Slack stand-in: the module's shared one for a test that uses `bot` (the app calls it), else a new one."""
    if "bot" in request.fixturenames:
        yield request.getfixturevalue("shared_app").slack
        return
    standin = SlackStandIn()
    yield standin
    standin.close()


@dataclass
class Bot:
    url: str
    slack: SlackStandIn
    app: Any
    deps: Any = None  # the app's Deps, when the test built them (`multi`)

    def send(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str = SECRET,
             headers: dict[str, str] | None = None) -> Response:
        return signed_post(f"{self.url}/slack/events", body, content_type, secret, timestamp, headers)

    def command(self, text: str, *, channel: str = "C1", user: str = "U1", team: str = "T1",
                fields: dict[str, str] | None = None, **kw: Any) -> Response:
        """`/objection text`; `fields` adds to the form (an org-wide install's enterprise_id, ...)."""
        form = command_form(text, self.slack.url, channel=channel, user=user, team=team)
        if fields:
            form += "&" + urlencode(fields)
        return self.send(form, "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict[str, Any], *, event_id: str, team: str = "T1",
              envelope: dict[str, Any] | None = None, **kw: Any) -> Response:
        """An Events API delivery for the workspace `team`; `envelope` replaces or adds outer fields (a Slack
        Connect event's `team_id` of the other organisation, an org-wide install's `authorizations`)."""
        body = {"type": "event_callback", "team_id": team, "api_app_id": "A1", "event_id": event_id,
                "event_time": int(time.time()), "event": event,
                "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}], **(envelope or {})}
        return self.send(json.dumps(body), "application/json", **kw)

    def idle(self) -> None:
        """Wait until the work the app started after its acknowledgements so far has ended: what a test waits
        for before it says that something did not happen (no post, no row)."""
        assert self.app.wait_idle(SETTLE_SECONDS), f"the app's work did not end within {SETTLE_SECONDS} s"

    def action(self, action: dict[str, Any], *, channel: str, message_ts: str, team: str = "T1",
               user: str = "U1", user_team: str | None = None) -> Response:
        payload = {"type": "block_actions", "team": {"id": team}, "user": {"id": user, "team_id": user_team or team},
                   "api_app_id": "A1", "container": {"type": "message", "channel_id": channel,
                                                     "message_ts": message_ts},
                   "channel": {"id": channel}, "trigger_id": trigger_id(),
                   "response_url": f"{self.slack.url}/response/action", "actions": [action]}
        return self.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


@pytest.fixture(scope="session")
def trained(shared_coach: Any) -> None:
    """Both classifiers trained into the session's model cache before any app starts (training takes seconds)."""
    from bot.services.summarize import Summarizer

    assert Summarizer(shared_coach).obstacle_detector and shared_coach.classifier


@pytest.fixture
def bot(shared_app: SharedApp, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch, trained: None) -> Iterator[Bot]:
    """The real app over HTTP, Slack's side the stand-in: the module's shared app (see SharedApp), or an app of
    the test's own when its environment would build a different one."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    served, shared = shared_app.app()
    yield Bot(served.url, slack, served.app)
    if not shared:
        served.close()
    if not shared_app.settled(served.app):
        shared_app.retire()


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStandIn]:
    """A local OpenAI-compatible server, reached through OPENAI_BASE_URL by the real openai client."""
    standin = OpenAIStandIn()
    monkeypatch.setenv("OPENAI_BASE_URL", standin.url)
    monkeypatch.setenv("OPENAI_API_KEY", MODEL_KEY)
    monkeypatch.setenv("COACH_MODEL", "standin-model")
    monkeypatch.setenv("COACH_LLM_TIMEOUT", "3")
    yield standin
    standin.close()


@pytest.fixture
def multi(backend: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch, trained: None) -> Iterator[Bot]:
    """The app with OAuth on (many workspaces, each installed through /slack/install), on SQLite and on
    PostgreSQL; `install` installs one."""
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("COACH_NUDGE_PACE", "0")
    settings = load_settings()
    deps = make_deps(settings)
    app = build_app(settings, deps)
    server = http_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=lambda: _quietly(server.run), daemon=True)
    thread.start()
    yield Bot(f"http://127.0.0.1:{server.effective_port}", slack, app, deps)
    server.close()
    deps.store.close()


def _quietly(run: Any) -> None:
    try:
        run()
    except (OSError, ValueError):
        pass  # the loop notices its socket closed at teardown


def install_page(bot: Bot) -> tuple[str, str]:
    """Open /slack/install as an admin's browser does: the OAuth state in its link, and the cookie that goes
    with it."""
    with urlopen(f"{bot.url}/slack/install", timeout=10) as page:
        html = page.read().decode()
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    return re.search(r"state=([\w\-]+)", html).group(1), cookie


def install(bot: Bot, team: str, token: str) -> None:
    """Install the app in `team` (an E… id: org-wide) through Bolt's OAuth flow, Slack's side the stand-in."""
    bot.slack.oauth_codes[f"code-{team}"] = (team, token)
    state, cookie = install_page(bot)
    redirect = Request(f"{bot.url}/slack/oauth_redirect?code=code-{team}&state={state}", headers={"Cookie": cookie})
    with urlopen(redirect, timeout=10) as done:
        assert done.status == 200


@pytest.fixture
def locked_db(settings) -> Iterator[None]:
    """Another process holds the SQLite file's write lock (a backup, a stuck job): writes wait and fail; reads
    still work, as they do in WAL mode."""
    import sqlite3

    from bot.store import open_store

    open_store(settings)  # created and migrated first
    other = sqlite3.connect(settings.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield
    other.execute("ROLLBACK")
    other.close()
