"""The Slack app manifest asks for what the listeners use: the agent view, both App Home tabs, and the scopes
and events the Messages tab, streaming and the Home tab need."""

from pathlib import Path

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
