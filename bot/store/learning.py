"""A workspace's learned examples and model (`coach learn`, bot/services/learn.py), shared by every
replica."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from bot.store.base import Backend, now_iso


class LearningRecords(Backend):
    def team_examples(self, team_id: str) -> list[dict[str, Any]]:
        """The workspace's examples in their review order: id, text, label, feedback_id, at."""
        return self._rows("SELECT id, text, label, feedback_id, at FROM team_examples WHERE team_id = ? "
                          "ORDER BY pos", [team_id])

    def save_team_examples(self, team_id: str, examples: Sequence[dict[str, Any]],
                           imported: int | None = None) -> None:
        """Replace the workspace's examples with these (in this order); with `imported`, record that corrections
        up to that feedback id are imported, in the same transaction (a crash never imports one twice)."""
        with self.transaction() as tx:
            tx.execute("DELETE FROM team_examples WHERE team_id = ?", [team_id])
            if examples:
                tx.executemany("INSERT INTO team_examples (team_id, id, pos, text, label, feedback_id, at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [[team_id, e["id"], pos, e["text"], e["label"], e.get("feedback_id"), e.get("at")]
                                for pos, e in enumerate(examples)])
            if imported is not None:
                tx.execute("INSERT INTO team_learning (team_id, feedback_id, updated_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (team_id) DO UPDATE SET feedback_id = excluded.feedback_id, "
                           "updated_at = excluded.updated_at", [team_id, imported, now_iso()])

    def delete_team_examples(self, team_id: str, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        return self.execute(f"DELETE FROM team_examples WHERE team_id = ? AND id IN ({', '.join('?' for _ in ids)})",
                            [team_id, *ids]).rowcount

    def relabel_team_example(self, team_id: str, example_id: str, label: str) -> int:
        return self._update("team_examples", {"team_id": team_id, "id": example_id}, {"label": label})

    def learned_up_to(self, team_id: str) -> int:
        """The last correction (feedback id) `coach learn` imported for the workspace; 0 before the first."""
        row = self._first("SELECT feedback_id FROM team_learning WHERE team_id = ?", [team_id])
        return int(row["feedback_id"] or 0) if row else 0

    def team_model_info(self, team_id: str) -> dict[str, Any] | None:
        """The kept model's version, fingerprint and when it was saved, without the model itself: the cheap check a
        running coach makes every few seconds."""
        return self._first("SELECT version, fingerprint, saved_at FROM team_models WHERE team_id = ?", [team_id])

    def team_model(self, team_id: str) -> tuple[str, bytes] | None:
        """The kept model's version and bytes (as bot/services/learn.py saved them)."""
        row = self._first("SELECT version, model FROM team_models WHERE team_id = ?", [team_id])
        return (row["version"], bytes(row["model"])) if row else None

    def save_team_model(self, team_id: str, model: bytes, fingerprint: str) -> str:
        """Keep a workspace's model (one statement: a running coach reads the old one or the new, never half);
        returns its new version."""
        version = uuid.uuid4().hex
        self.execute("INSERT INTO team_models (team_id, version, fingerprint, saved_at, model) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT (team_id) DO UPDATE SET version = excluded.version, "
                     "fingerprint = excluded.fingerprint, saved_at = excluded.saved_at, model = excluded.model",
                     [team_id, version, fingerprint, now_iso(), model])
        return version

    def delete_team_model(self, team_id: str) -> bool:
        return self.execute("DELETE FROM team_models WHERE team_id = ?", [team_id]).rowcount == 1
