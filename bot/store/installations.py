"""Slack installations (OAuth; bot/slack/installations.py adapts these to slack_sdk's interfaces), the
OAuth states, and workspaces that uninstalled the app (forgotten by `Retention.prune`)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.store.base import Backend, stamp


class InstallationRecords(Backend):
    def save_installation(self, enterprise_id: str | None, team_id: str | None, user_id: str | None,
                          data: dict[str, Any], installed_at: str) -> None:
        """Keep an install: as the installing user's, and as the workspace's latest (user_id ''). An org-wide
        install has no team (team_id ''): its data is kept under the enterprise id (bot/slack/audience.py
        `team_of`), and so is its uninstall."""
        key = {"enterprise_id": enterprise_id or "", "team_id": team_id or ""}
        with self.transaction() as tx:
            # back: nothing to forget
            tx.execute("DELETE FROM uninstalls WHERE team_id = ?", [team_id or enterprise_id or ""])
            for user in {user_id or "", ""}:
                tx.execute("INSERT INTO installations (enterprise_id, team_id, user_id, installed_at, data) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (enterprise_id, team_id, user_id) DO UPDATE SET "
                           "installed_at = excluded.installed_at, data = excluded.data",
                           [key["enterprise_id"], key["team_id"], user, installed_at, json.dumps(data)])

    def installation(self, enterprise_id: str | None, team_id: str | None,
                     user_id: str | None = None) -> dict[str, Any] | None:
        """The user's install, or (no user) the workspace's latest; the Installation fields as saved."""
        row = self._first("SELECT data FROM installations WHERE enterprise_id = ? AND team_id = ? AND user_id = ?",
                          [enterprise_id or "", team_id or "", user_id or ""])
        return json.loads(row["data"]) if row else None

    def bot_token(self, team_id: str) -> str | None:
        """The workspace's bot token, from its latest install (None: it has not installed the app)."""
        data = self.installation(None, team_id)
        return (data or {}).get("bot_token") or None

    def delete_installations(self, enterprise_id: str | None, team_id: str | None,
                             user_id: str | None = None) -> int:
        """Forget the tokens of one user's install, or (no user) of the whole workspace."""
        where, params = "enterprise_id = ? AND team_id = ?", [enterprise_id or "", team_id or ""]
        if user_id:
            where += " AND user_id = ?"
            params.append(user_id)
        return self.execute(f"DELETE FROM installations WHERE {where}", params).rowcount

    def installed_teams(self) -> list[dict[str, Any]]:
        """Every workspace with a bot install: (enterprise_id, team_id), for the scheduled jobs."""
        return self._rows("SELECT enterprise_id, team_id FROM installations WHERE user_id = '' "
                          "ORDER BY enterprise_id, team_id")

    def mark_uninstalled(self, team_id: str, now: datetime) -> None:
        """The workspace removed the app: its data is forgotten by the first prune after the retention period."""
        self.execute("INSERT INTO uninstalls (team_id, uninstalled_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                     [team_id, stamp(now)])

    def issue_oauth_state(self, state: str, now: datetime) -> None:
        self._insert("oauth_states", {"state": state, "created_at": stamp(now)}, returning=None)

    def consume_oauth_state(self, state: str, now: datetime, max_age: timedelta) -> bool:
        """True once for a state issued within `max_age`: one conditional delete, so of two replicas
        handling the same redirect only one accepts it."""
        self.execute("DELETE FROM oauth_states WHERE created_at < ?", [stamp(now - max_age)])
        return self.execute("DELETE FROM oauth_states WHERE state = ?", [state]).rowcount == 1
