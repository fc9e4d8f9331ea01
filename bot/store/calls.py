"""Calls and email threads reviewed in Slack (issue #22): the review, and the seller's scored answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.store.base import Backend, now_iso, quoted, stored


class CallRecords(Backend):
    def save_call_review(self, **row: Any) -> int:
        """A call shared in Slack whose seller is asked which speakers are theirs (`state` "asking"): `text` holds
        the file's text until they answer."""
        row.setdefault("created_at", now_iso())
        return self._insert("call_reviews", row)

    def call_review(self, review_id: int) -> dict[str, Any] | None:
        return self._first("SELECT * FROM call_reviews WHERE id = ?", [review_id])

    def claim_call_review(self, review_id: int) -> bool:
        """Take a call whose seller was asked for their speakers: True once, so one choice (or one of two
        replicas handling a double click) reviews it."""
        return self.execute("UPDATE call_reviews SET state = 'reviewing' WHERE id = ? AND state = 'asking'",
                            [review_id]).rowcount == 1

    def release_call_review(self, review_id: int) -> None:
        """The review of a claimed call failed: the seller may choose again."""
        self.execute("UPDATE call_reviews SET state = 'asking' WHERE id = ? AND state = 'reviewing'", [review_id])

    def record_call_review(self, row: dict[str, Any], answers: Sequence[dict[str, Any]],
                           review_id: int | None = None) -> int:
        """A call reviewed: its row (new, or `review_id`'s, whose file text goes now) with the moments kept for
        "Practise this", and each scored answer of the seller (no text), all at once. Returns the review's id."""
        now = now_iso()
        row = {**row, "state": "reviewed", "text": "", "reviewed_at": now}
        with self.transaction() as tx:
            if review_id is None:
                row["created_at"] = now
                review_id = tx.execute(f"INSERT INTO call_reviews ({quoted(list(row))}) VALUES "
                                       f"({', '.join('?' for _ in row)}) RETURNING id",
                                       [stored(v) for v in row.values()]).rows[0]["id"]
            else:
                sets = ", ".join(f'"{c}" = ?' for c in row)
                tx.execute(f"UPDATE call_reviews SET {sets} WHERE id = ?", [*map(stored, row.values()), review_id])
            for answer in answers:
                values = {**answer, "review_id": review_id, "created_at": now}
                tx.execute(f"INSERT INTO call_answers ({quoted(list(values))}) VALUES "
                           f"({', '.join('?' for _ in values)})", [stored(v) for v in values.values()])
        assert review_id is not None
        return int(review_id)

    def call_answers_of(self, team_id: str, user_id: str | None) -> list[dict[str, Any]]:
        """A seller's (or, with no user, the team's) scored answers on real calls: checks (JSON) and the review
        (index call_answers(team_id, user_id, created_at) or (team_id, created_at))."""
        who, params = ("", [team_id]) if user_id is None else (" AND user_id = ?", [team_id, user_id])
        return self._rows(f"SELECT checks, review_id FROM call_answers WHERE team_id = ?{who}", params)
