"""The model's side: the answer cache, the call log and each server's response format (bot/llm/client.py
reaches them through its `Records` protocol)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.store.base import Backend, now_iso, stamp


class LLMRecords(Backend):
    def llm_cached(self, key: str, team_id: str | None = None) -> str | None:
        """A cached answer; only the workspace that cached it reads it (its key is hashed with the workspace)."""
        row = self._first("SELECT response FROM llm_cache WHERE key = ? AND coalesce(team_id, '') = ?",
                          [key, team_id or ""])
        return row["response"] if row else None

    def llm_cache_put(self, key: str, response: str, team_id: str | None = None) -> None:
        self._upsert("llm_cache", {"key": key, "response": response, "created_at": now_iso(), "team_id": team_id},
                     pk=("key",))

    def log_llm_call(self, **row: Any) -> None:
        row.setdefault("created_at", now_iso())
        self._insert("llm_calls", row, returning=None)

    def llm_calls(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM llm_calls ORDER BY id")

    def llm_format(self, server: str, model: str) -> str | None:
        """The response format learned for this server and model within the last day. Learning expires so
        that one passing 5xx on a capable server costs a day of weaker formats, not forever."""
        fresh = stamp(datetime.now(UTC) - timedelta(days=1))
        row = self._first("SELECT format FROM llm_formats WHERE server = ? AND model = ? AND learned_at > ?",
                          [server, model, fresh])
        return row["format"] if row else None

    def set_llm_format(self, server: str, model: str, fmt: str) -> None:
        self._upsert("llm_formats", {"server": server, "model": model, "format": fmt, "learned_at": now_iso()},
                     pk=("server", "model"))

    def llm_stats(self) -> list[dict[str, Any]]:
        """Per day: model calls, tokens, cache hits and failures."""
        return self._rows(
            """
            SELECT substr(created_at, 1, 10) AS day,
                   sum(CASE WHEN outcome NOT IN ('cache_hit', 'invalid') THEN 1 ELSE 0 END) AS calls,
                   coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
                   coalesce(sum(completion_tokens), 0) AS completion_tokens,
                   sum(CASE WHEN outcome = 'cache_hit' THEN 1 ELSE 0 END) AS cache_hits,
                   sum(CASE WHEN outcome NOT IN ('ok', 'cache_hit') THEN 1 ELSE 0 END) AS failures
            FROM llm_calls GROUP BY substr(created_at, 1, 10) ORDER BY day
            """
        )
