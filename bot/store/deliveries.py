"""What this process owes Slack: the deliveries (events, signed requests) it claimed, the answers it
streams, the greetings it sends once."""

from __future__ import annotations

from typing import Any

from bot.store.base import Backend, now_iso


class DeliveryRecords(Backend):
    def claim_delivery(self, event_id: str, team_id: str | None) -> bool:
        """Claim a delivery (an Events API event's id, or a signed request's digest) for this process; False
        when it was handled already, or is being handled by a process still running (a retry, a duplicate or a
        replay, on any replica). A delivery claimed by a process that died before finishing it is taken over, so
        Slack's retry after a crash is answered.

        Each step is one conditional write: of two processes claiming (or taking over) at once, one wins."""
        if self.execute("INSERT INTO events_seen (event_id, team_id, seen_at, owner) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT DO NOTHING", [event_id, team_id, now_iso(), self.owner]).rowcount == 1:
            return True
        row = self._first("SELECT owner, done_at FROM events_seen WHERE event_id = ?", [event_id])
        if row is None or row["done_at"] or not row["owner"] or self.alive(row["owner"]):
            return False  # (no owner: recorded before claims had one, when it counted as handled on arrival)
        return self.execute("UPDATE events_seen SET owner = ?, seen_at = ? WHERE event_id = ? AND owner = ? "
                            "AND done_at IS NULL", [self.owner, now_iso(), event_id, row["owner"]]).rowcount == 1

    def finish_delivery(self, event_id: str) -> None:
        """The work of a delivery this process claimed is over: any later repeat is skipped, whoever gets it."""
        self.execute("UPDATE events_seen SET done_at = ? WHERE event_id = ? AND owner = ?",
                     [now_iso(), event_id, self.owner])

    def delivery(self, event_id: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM events_seen WHERE event_id = ?", [event_id])

    def stream_opened(self, team_id: str, channel: str, ts: str, lang: str) -> None:
        """A streamed reply this process started (chat.startStream) and must stop."""
        self._upsert("open_streams", {"channel": channel, "ts": ts, "team_id": team_id, "lang": lang,
                                      "owner": self.owner, "started_at": now_iso()}, pk=("channel", "ts"))

    def stream_closed(self, channel: str, ts: str) -> None:
        self.execute("DELETE FROM open_streams WHERE channel = ? AND ts = ?", [channel, ts])

    def abandoned_streams(self) -> list[dict[str, Any]]:
        """Streams whose process died before stopping them (a live process's streams are its own business)."""
        rows = self._rows("SELECT * FROM open_streams ORDER BY started_at, channel, ts")
        alive = {owner: self.alive(owner) for owner in {r["owner"] for r in rows}}
        return [r for r in rows if not alive[r["owner"]]]

    def claim_greeting(self, team_id: str, user_id: str) -> bool:
        """True the first time only: whoever claims it greets the user (two tabs opening at once greet once)."""
        return self.execute("INSERT INTO greetings (team_id, user_id, greeted_at) VALUES (?, ?, ?) "
                            "ON CONFLICT DO NOTHING", [team_id, user_id, now_iso()]).rowcount == 1

    def release_greeting(self, team_id: str, user_id: str) -> None:
        """The greeting could not be posted: the next open tries again."""
        self.execute("DELETE FROM greetings WHERE team_id = ? AND user_id = ?", [team_id, user_id])
