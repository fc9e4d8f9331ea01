"""slack_sdk's installation and OAuth state stores over our store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.oauth.installation_store import Installation

from bot.slack.installations import StoreInstallationStore, StoreOAuthStateStore


def _install(team: str, user: str, token: str) -> Installation:
    return Installation(app_id="A1", team_id=team, team_name=f"Team {team}", bot_token=token, bot_id="B1",
                        bot_user_id="UBOT", bot_scopes=["chat:write", "commands"], user_id=user,
                        installed_at=datetime(2026, 11, 1, tzinfo=UTC).timestamp())


def test_installs_are_kept_per_workspace_and_user_and_deleted(store):
    installs = StoreInstallationStore(store)
    installs.save(_install("T1", "U1", "xoxb-one"))
    installs.save(_install("T1", "U2", "xoxb-one-again"))  # a second install in T1: the latest token wins
    installs.save(_install("T2", "U9", "xoxb-two"))
    assert installs.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-one-again"
    assert installs.find_bot(enterprise_id=None, team_id="T2").bot_token == "xoxb-two"
    found = installs.find_installation(enterprise_id=None, team_id="T1", user_id="U1")
    assert (found.user_id, found.bot_scopes, found.team_name) == ("U1", ["chat:write", "commands"], "Team T1")
    assert [t["team_id"] for t in store.installed_teams()] == ["T1", "T2"]

    installs.delete_all(enterprise_id=None, team_id="T1")  # tokens_revoked / app_uninstalled
    assert installs.find_bot(enterprise_id=None, team_id="T1") is None
    assert installs.find_installation(enterprise_id=None, team_id="T1", user_id="U1") is None
    assert installs.find_bot(enterprise_id=None, team_id="T2").bot_token == "xoxb-two"
    assert store.forget_team("T2")["installations"] == 2  # the user's row and the workspace's
    assert store.installed_teams() == []


def test_an_oauth_state_is_good_once_and_not_after_it_expires(store):
    states = StoreOAuthStateStore(store, expiration_seconds=600)
    state = states.issue()
    assert states.consume(state) and not states.consume(state)
    assert not states.consume("never-issued")
    store.issue_oauth_state("old", datetime.now(UTC) - timedelta(minutes=11))
    assert not states.consume("old")


def test_oauth_settings_go_together_and_replace_the_bot_token(monkeypatch):
    import pytest

    from bot.core.config import ConfigError, load_settings
    from bot.slack.app import required_settings

    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    with pytest.raises(ConfigError, match="SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together"):
        load_settings()
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "very-secret")
    settings = load_settings()
    assert settings.oauth_enabled and "very-secret" not in repr(settings)
    assert required_settings(settings) == ["SLACK_SIGNING_SECRET"]  # no SLACK_BOT_TOKEN: installs bring theirs


def test_an_org_wide_install_is_kept_and_forgotten_under_its_enterprise_id(store):
    """No team (Enterprise Grid, org-wide): found by the enterprise, and `coach forget --team E…` deletes it."""
    installs = StoreInstallationStore(store)
    org = Installation(app_id="A1", enterprise_id="E1", team_id=None, is_enterprise_install=True,
                       bot_token="xoxb-org", bot_id="B1", bot_user_id="UBOT", user_id="U1",
                       installed_at=datetime(2026, 11, 1, tzinfo=UTC).timestamp())
    installs.save(org)
    installs.save(_install("T1", "U1", "xoxb-one"))
    found = installs.find_bot(enterprise_id="E1", team_id="T111", is_enterprise_install=True)
    assert found.bot_token == "xoxb-org"
    store.mark_uninstalled("E1", datetime(2026, 11, 2, tzinfo=UTC))
    assert store.forget_team("E1")["installations"] == 2  # the user's row and the organisation's
    assert installs.find_bot(enterprise_id="E1", team_id=None, is_enterprise_install=True) is None
    assert installs.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-one"
    assert list(store.db["uninstalls"].rows) == []
