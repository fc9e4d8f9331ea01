"""What is kept of a person: whether they take nudges, and their time zone and language as Slack gave
them (cached a week: people move, and Slack's answer is rate-limited)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.base import Backend, now_iso, stamp


class PeopleRecords(Backend):
    def opted_out(self, team_id: str, user_id: str) -> bool:
        return self._first("SELECT 1 AS yes FROM nudge_optouts WHERE team_id = ? AND user_id = ?",
                           [team_id, user_id]) is not None

    def set_nudges(self, team_id: str, user_id: str, on: bool) -> None:
        if on:
            self.execute("DELETE FROM nudge_optouts WHERE team_id = ? AND user_id = ?", [team_id, user_id])
        else:
            self._upsert("nudge_optouts", {"team_id": team_id, "user_id": user_id, "created_at": now_iso()},
                         pk=("team_id", "user_id"))

    def cached_timezone(self, team_id: str, user_id: str, now: datetime) -> str | None:
        """A time zone fetched within the last week (people move; Slack's answer is cheap but rate-limited)."""
        row = self._first("SELECT tz FROM user_timezones WHERE team_id = ? AND user_id = ? AND fetched_at > ?",
                          [team_id, user_id, stamp(now - timedelta(days=7))])
        return row["tz"] if row else None

    def cache_timezone(self, team_id: str, user_id: str, tz: str, now: datetime) -> None:
        self._upsert("user_timezones", {"team_id": team_id, "user_id": user_id, "tz": tz, "fetched_at": stamp(now)},
                     pk=("team_id", "user_id"))

    # The user's language, from Slack's locale, cached beside their time zone (users.info gives both at once).
    def cached_language(self, team_id: str, user_id: str, now: datetime) -> str | None:
        """"en" or "es" as fetched within the last week, like the time zone; None when not known."""
        row = self._first("SELECT language FROM user_timezones WHERE team_id = ? AND user_id = ? AND fetched_at > ? "
                          "AND language IS NOT NULL", [team_id, user_id, stamp(now - timedelta(days=7))])
        return row["language"] if row else None

    def cache_profile(self, team_id: str, user_id: str, tz: str, language: str, now: datetime) -> None:
        self._upsert("user_timezones", {"team_id": team_id, "user_id": user_id, "tz": tz, "language": language,
                                        "fetched_at": stamp(now)}, pk=("team_id", "user_id"))
