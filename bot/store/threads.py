"""Coaching threads: the objection a thread is about and its turns, so a follow-up is coached in context."""

from __future__ import annotations

from typing import Any

from bot.core.text import cut_at_word
from bot.store.base import Backend, now_iso


class ThreadRecords(Backend):
    def open_thread(self, team_id: str, channel: str, thread_ts: str, label: str | None,
                    context: str | None = None, topic: str | None = None) -> None:
        """Start (or update the diagnosis of) a coaching thread; a context or topic, once given, stays until
        another is given."""
        row = {"team_id": team_id, "channel": channel, "thread_ts": thread_ts, "label": label, "created_at": now_iso()}
        if context is not None:
            row["context"] = context
        if topic is not None:
            row["topic"] = topic
        self._upsert("threads", row, pk=("team_id", "channel", "thread_ts"))

    def thread(self, team_id: str, channel: str, thread_ts: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM threads WHERE team_id = ? AND channel = ? AND thread_ts = ?",
                           [team_id, channel, thread_ts])

    def add_turn(self, team_id: str, channel: str, thread_ts: str, role: str, text: str, keep: int) -> None:
        """Append a turn to a thread's history, keeping only its `keep` most recent turns. A turn keeps what the
        coach works on, at most MAX_CHARS of it (cut at a word), whatever the caller passes."""
        text = cut_at_word(text)
        where = "team_id = ? AND channel = ? AND thread_ts = ?"
        key = [team_id, channel, thread_ts]
        with self.transaction() as tx:
            tx.execute("INSERT INTO thread_turns (team_id, channel, thread_ts, role, text, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", [*key, role, text, now_iso()])
            tx.execute(
                f"DELETE FROM thread_turns WHERE {where} AND id NOT IN "
                f"(SELECT id FROM thread_turns WHERE {where} ORDER BY id DESC LIMIT ?)",
                [*key, *key, keep],
            )

    def turns(self, team_id: str, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM thread_turns WHERE team_id = ? AND channel = ? AND thread_ts = ? ORDER BY id",
                          [team_id, channel, thread_ts])
