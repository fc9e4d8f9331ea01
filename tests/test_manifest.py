"""The Slack app manifest asks for what the listeners use: the agent view, both App Home tabs, and the scopes
and events the Messages tab, streaming and the Home tab need."""

from pathlib import Path

import pytest
import yaml

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[1] / "manifest.yml").read_text(encoding="utf-8"))


def test_the_app_is_on_the_agent_view_with_both_tabs():
    features = MANIFEST["features"]
    assert "assistant_view" not in features  # new apps cannot use it any more
    assert len(features["agent_view"]["agent_description"]) > 40
    assert features["app_home"] == {"home_tab_enabled": True, "messages_tab_enabled": True,
                                    "messages_tab_read_only_enabled": False}


def test_scopes_and_events_for_the_messages_tab_and_streaming():
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {"assistant:write", "chat:write", "im:history"} <= set(scopes)
    assert {"app_home_opened", "message.im"} <= set(events)
    assert len(scopes) == len(set(scopes)) and len(events) == len(set(events))


def test_the_agent_views_events_are_subscribed_and_the_assistant_views_are_not():
    """The agent view sends what the seller looks at (app_context_changed) and the stop button's click
    (agent_session_stopped); both need the agent view (features.agent_view) and no scope of their own
    (docs.slack.dev lists none), and the calls they lead to (agents.sessions.setStatus, suggested prompts) need
    assistant:write. The assistant view's assistant_thread_* events are for apps on assistant_view: not asked for
    (and acknowledged if they come, tests/e2e/test_agent_view.py)."""
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_context_changed", "agent_session_stopped"} <= set(events)
    assert not {e for e in events if e.startswith("assistant_thread_")}
    assert "agent_view" in MANIFEST["features"] and "assistant:write" in MANIFEST["oauth_config"]["scopes"]["bot"]


# What each subscribed event needs; events with no entry need no scope (app_home_opened, app_uninstalled, ...).
EVENT_SCOPES = {"app_mention": "app_mentions:read", "message.channels": "channels:history",
                "message.groups": "groups:history", "message.im": "im:history", "message.mpim": "mpim:history"}


def _registered_events(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The event types the app registers listeners for, seen as build_app registers them."""
    from slack_bolt import App

    from bot.core.config import load_settings
    from bot.slack.app import build_app

    seen: set[str] = set()
    register = App.event

    def recording(self: App, event: str | dict, *args: object, **kwargs: object) -> object:
        seen.add(event if isinstance(event, str) else event["type"])
        return register(self, event, *args, **kwargs)

    monkeypatch.setattr(App, "event", recording)
    # OAuth settings: no auth.test at start (no Slack to ask here); the listeners are the same either way
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    build_app(load_settings())
    return seen


def test_the_manifest_the_install_and_the_listeners_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack sends only what the manifest subscribes to, and the OAuth install asks for BOT_SCOPES: an event
    with a listener but no subscription never arrives (app_uninstalled did not, so uninstalled workspaces were
    never forgotten), one subscribed without a listener is refused."""
    from bot.slack.app import BOT_SCOPES

    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert list(BOT_SCOPES) == scopes
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
    assert {event.split(".")[0] for event in events} == _registered_events(monkeypatch)
    assert {EVENT_SCOPES[e] for e in events if e in EVENT_SCOPES} <= set(scopes)
