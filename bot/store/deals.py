"""Deals: tracked channels or threads, their activity and their summaries (always per workspace)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from bot.store.base import Backend, Params, Session, now_iso, quoted, stored


class DealRecords(Backend):
    def track_deal(self, team_id: str, channel: str, thread_ts: str, name: str, owner_id: str) -> dict[str, Any]:
        """Register (or re-open and rename) a deal; registering counts as its first activity.

        One conditional write, so two `/objection track` at once in one channel both get the one deal."""
        now = now_iso()
        (row,) = self._rows(
            "INSERT INTO deals (team_id, channel, thread_ts, name, owner_id, status, created_at, "
            "last_activity_at, message_count) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, 0) "
            "ON CONFLICT (team_id, channel, thread_ts) DO UPDATE SET name = excluded.name, "
            "owner_id = excluded.owner_id, status = 'open', last_activity_at = excluded.last_activity_at "
            "RETURNING *",
            [team_id, channel, thread_ts, name, owner_id, now, now],
        )
        return row

    def deal(self, team_id: str, channel: str, thread_ts: str = "") -> dict[str, Any] | None:
        return self._first("SELECT * FROM deals WHERE team_id = ? AND channel = ? AND thread_ts = ?",
                           [team_id, channel, thread_ts])

    def deal_for_message(self, team_id: str, channel: str, thread_ts: str | None) -> dict[str, Any] | None:
        """The open deal a message belongs to: its thread if that is tracked, else its channel."""
        return self._first(
            "SELECT * FROM deals WHERE team_id = ? AND channel = ? AND status = 'open' AND thread_ts IN (?, '') "
            "ORDER BY thread_ts DESC LIMIT 1", [team_id, channel, thread_ts or ""])

    def untrack_deal(self, team_id: str, channel: str, thread_ts: str = "") -> bool:
        return self.execute(
            "UPDATE deals SET status = 'untracked' WHERE team_id = ? AND channel = ? AND thread_ts = ? "
            "AND status != 'untracked'", [team_id, channel, thread_ts]).rowcount == 1

    def deals(self, team_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM deals WHERE team_id = ? ORDER BY id", [team_id])

    def record_activity(self, deal_id: int, user_id: str, ts: str) -> None:
        """A message in a tracked deal: when and who, never what."""
        with self.transaction() as tx:
            tx.execute("UPDATE deals SET last_activity_at = ?, message_count = message_count + 1 WHERE id = ?",
                       [now_iso(), deal_id])
            tx.execute(
                "INSERT INTO deal_people (deal_id, user_id, messages, last_ts) VALUES (?, ?, 1, ?) "
                # events arrive out of order (retries, parallel workers): keep the latest ts, not the last one seen
                "ON CONFLICT (deal_id, user_id) DO UPDATE SET messages = deal_people.messages + 1, last_ts = CASE "
                "WHEN CAST(excluded.last_ts AS NUMERIC) > CAST(deal_people.last_ts AS NUMERIC) "
                "THEN excluded.last_ts ELSE deal_people.last_ts END",
                [deal_id, user_id, ts],
            )

    def save_summary(self, team_id: str, channel: str, thread_ts: str, deal_id: int | None, obstacles: list[str],
                     objections: list[str], stalled: bool, next_step: str) -> None:
        self._insert("summaries", {
            "team_id": team_id, "channel": channel, "thread_ts": thread_ts, "deal_id": deal_id,
            "created_at": now_iso(), "obstacles": json.dumps(obstacles), "objections": json.dumps(objections),
            "stalled": int(stalled), "next_step": next_step})

    def summaries(self, team_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM summaries WHERE team_id = ? ORDER BY id", [team_id])

    def update_deal(self, deal_id: int, **values: Any) -> None:
        self._update("deals", {"id": deal_id}, values)

    def deal_by_id(self, deal_id: int) -> dict[str, Any] | None:
        return self._first("SELECT * FROM deals WHERE id = ?", [deal_id])

    def deal_by_external_id(self, team_id: str, external_id: str) -> dict[str, Any] | None:
        """The deal with this CRM record id (`hubspot:123`) or CLI key (`cli:acme renewal`) in the workspace."""
        return self._first("SELECT * FROM deals WHERE team_id = ? AND external_id = ?", [team_id, external_id])

    def set_deal_outcome(self, deal_id: int, status: str, closed_at: str) -> None:
        """Won or lost (as the nudge's buttons do), or open again (closed_at then cleared)."""
        self._update("deals", {"id": deal_id}, {"status": status, "closed_at": closed_at or None})

    def open_deal_count(self, team_id: str | None = None) -> int:
        """Deals being tracked (open), in one workspace or all."""
        row = self._first("SELECT count(*) AS n FROM deals WHERE status = 'open' AND (? IS NULL OR team_id = ?)",
                          [team_id, team_id])
        return int(row["n"]) if row else 0

    def import_deals(self, team_id: str, wanted: Sequence[dict[str, Any]],
                     decide: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]], *,
                     dry_run: bool = False, keep_going: bool = False,
                     log: dict[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Create or update the workspace's deals from an export's rows, in one transaction: all of them or none.

        Each wanted row has `external_id` (and `channel` when it names one); its deal is the one with that id, else
        the one tracked in that channel, else the one tracked by name from the CLI (`cli_key`). `decide(deal, row)`
        gives the columns to write (all of them for a new deal, None for a deal to keep as it is). Returns, per row,
        ("created" | "updated" | "unchanged", {"deal": the deal as written, "changed": its columns written}) or
        ("conflict", {"reason": why}).
        A conflict (the row's channel is another deal's) rolls everything back unless `keep_going`; a dry run
        does the same work and rolls it back. `log` (counts, a digest) is recorded when something changed."""
        results: list[tuple[str, dict[str, Any]]] = []

        class _Undo(Exception):
            pass

        try:
            with self.transaction(rollback=dry_run) as tx:
                for row in wanted:
                    results.append(self._import_one(tx, team_id, row, decide))
                if any(status == "conflict" for status, _ in results) and not keep_going:
                    raise _Undo
                changed = sum(1 for status, _ in results if status in ("created", "updated"))
                if log is not None and changed:
                    tx.execute("INSERT INTO deal_imports (team_id, source, file_name, digest, rows, created, updated, "
                               "skipped, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               [team_id, log.get("source"), log.get("file_name"), log.get("digest"), len(wanted),
                                sum(1 for status, _ in results if status == "created"),
                                sum(1 for status, _ in results if status == "updated"), log.get("skipped", 0),
                                now_iso()])
        except _Undo:
            pass
        return results

    @staticmethod
    def _import_one(tx: Session, team_id: str, row: dict[str, Any],
                    decide: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
                    ) -> tuple[str, dict[str, Any]]:
        def one(sql: str, params: Params) -> dict[str, Any] | None:
            rows = tx.execute(sql, params).rows
            return rows[0] if rows else None

        deal = one("SELECT * FROM deals WHERE team_id = ? AND external_id = ?", [team_id, row["external_id"]])
        if deal is None and row.get("channel"):
            deal = one("SELECT * FROM deals WHERE team_id = ? AND channel = ? AND thread_ts = ''",
                       [team_id, row["channel"]])
            if deal is not None and deal["external_id"] and deal["external_id"] != row["external_id"] \
                    and not str(deal["external_id"]).startswith("cli:"):
                return "conflict", {"reason": f"its channel {row['channel']} is already the deal {deal['name']!r} "
                                              f"({deal['external_id']})"}
        if deal is None and row.get("cli_key"):
            deal = one("SELECT * FROM deals WHERE team_id = ? AND external_id = ?", [team_id, row["cli_key"]])
        values = decide(deal, row)
        if deal is not None and values.get("channel") and values["channel"] != deal["channel"]:
            taken = one("SELECT id, name FROM deals WHERE team_id = ? AND channel = ? AND thread_ts = '' AND id != ?",
                        [team_id, values["channel"], deal["id"]])
            if taken is not None:
                return "conflict", {"reason": f"its channel {values['channel']} is already the deal "
                                              f"{taken['name']!r}"}
        if deal is None:
            columns = {"team_id": team_id, **values}
            (created,) = tx.execute(f"INSERT INTO deals ({quoted(list(columns))}) VALUES "
                                    f"({', '.join('?' for _ in columns)}) RETURNING *",
                                    [stored(v) for v in columns.values()]).rows
            return "created", {"deal": created, "changed": sorted(values)}
        if not values:
            return "unchanged", {"deal": deal, "changed": []}
        sets = ", ".join(f'"{c}" = ?' for c in values)
        (updated,) = tx.execute(f"UPDATE deals SET {sets} WHERE id = ? RETURNING *",
                                [*map(stored, values.values()), deal["id"]]).rows
        return "updated", {"deal": updated, "changed": sorted(values)}

    def deal_imports(self, team_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM deal_imports WHERE team_id = ? ORDER BY id", [team_id])
