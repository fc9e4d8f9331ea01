"""Weekly nudges: which tracked deals stalled, why, what to do next, and sending each owner one message a week.

The sending side is a `Messenger` (the Slack adapter implements it); this module decides who gets what and
makes sure a nudge goes out once per owner and week: a row claimed in SQLite before sending, a lease so a
crashed send is picked up again, and a look in the owner's DM for the message itself (Slack message metadata)
before any resend.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.playbooks import Playbooks
from bot.store import Store
from bot.summarize import OBSTACLE_PRIORITY

log = logging.getLogger(__name__)
FOLLOW_UP_DAYS = 3  # a coached objection with nothing posted in the deal for this long is left open
LEASE = timedelta(minutes=10)  # a claim older than this, still not sent, belongs to a run that died
WEIGHTS = {"close_date_passed": 3.0, "obstacle": 2.0, "objection_open": 2.0, "silent": 1.0}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Reason:
    code: str
    text: str


@dataclass
class StalledDeal:
    deal: dict[str, Any]
    reasons: list[Reason] = field(default_factory=list)
    next_step: str = ""
    score: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"team_id": self.deal["team_id"], "deal": self.deal["name"], "channel": self.deal["channel"],
                "owner": self.deal["owner_id"], "reasons": [r.text for r in self.reasons], "next_step": self.next_step}


class Messenger(Protocol):
    """How nudges reach people (Slack in production)."""

    def timezone(self, team_id: str, user_id: str) -> str: ...

    def send(self, team_id: str, owner_id: str, week: str, deals: list[StalledDeal]) -> tuple[str, str]: ...

    def find_sent(self, team_id: str, owner_id: str, week: str, since: datetime) -> tuple[str, str] | None: ...


def _day(iso: str | None) -> str:
    return (iso or "")[:10]


def find_stalled(store: Store, playbooks: Playbooks, now: datetime, stall_days: int,
                 team_id: str | None = None) -> list[StalledDeal]:
    """Open, unsnoozed deals with at least one reason to act, most at risk first."""
    stalled: dict[int, StalledDeal] = {}
    for deal, reason in store.stall_candidates(now, stall_days, FOLLOW_UP_DAYS, team_id):
        entry = stalled.setdefault(deal["id"], StalledDeal(deal))
        code, detail = reason
        if code == "silent":
            last = datetime.fromisoformat(deal["last_activity_at"])
            days = (now - last).days
            # silence counts more the longer it lasts past the threshold, up to twice the weight
            entry.score += WEIGHTS[code] * (1 + min(1.0, (days - stall_days) / max(stall_days, 1)))
            last_day = _day(deal["last_activity_at"])
            entry.reasons.append(Reason(code, f"No activity for {days} days (last on {last_day})."))
        elif code == "close_date_passed":
            entry.score += WEIGHTS[code]
            stage = deal["stage"] or "not set"
            entry.reasons.append(Reason(code, f"The close date {deal['close_date']} has passed and the stage is "
                                              f"still {stage}."))
        elif code == "obstacle":
            kinds = [k for k in OBSTACLE_PRIORITY if k in json.loads(detail)]
            names = ", ".join(playbooks.obstacles[k].text("name", "en").lower() for k in kinds)
            entry.score += WEIGHTS[code]
            entry.reasons.append(Reason(code, f"The latest thread summary flagged obstacles to change: {names}."))
            entry.deal["_obstacles"] = kinds
        elif code == "objection_open":
            label, coached_at = detail.split("|", 1)
            entry.score += WEIGHTS[code]
            entry.reasons.append(Reason(code, f"A {label.replace('_', ' ')} objection was coached on "
                                              f"{_day(coached_at)} and nothing has been posted in the deal since."))
            entry.deal["_objection"] = label
    for entry in stalled.values():
        entry.next_step = _next_step(entry, playbooks)
    return sorted(stalled.values(), key=lambda s: (-s.score, s.deal["id"]))


def _next_step(entry: StalledDeal, playbooks: Playbooks) -> str:
    codes = {r.code for r in entry.reasons}
    obstacles = playbooks.obstacles
    if "obstacle" in codes:
        return obstacles[entry.deal["_obstacles"][0]].text("next_move", "en")
    if "close_date_passed" in codes:
        # the date slipped with no stage change: someone we have not met is deciding between priorities
        return obstacles["competing_priorities"].text("next_move", "en")
    if "objection_open" in codes:
        return playbooks[entry.deal["_objection"]].text("next_move", "en")
    # silence: show what waiting costs them
    return obstacles["uncertainty"].text("next_move", "en")


def week_of(now: datetime, tz: str) -> tuple[str, datetime]:
    """The owner's ISO week label (e.g. 2026-W48) and when that week started, in their time zone."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    year, week, weekday = local.isocalendar()
    start = datetime.combine(date.fromisocalendar(year, week, 1), datetime.min.time(), zone)
    return f"{year}-W{week:02d}", start


@dataclass
class Outcome:
    team_id: str
    owner: str
    week: str
    status: str  # sent, reconciled, already_sent, busy, failed, not_due, opted_out, planned
    deals: list[StalledDeal]
    timezone: str | None = None  # the owner's zone the week was reckoned in; None: not known, UTC assumed


def run_nudges(store: Store, playbooks: Playbooks, messenger: Messenger | None, now: datetime, stall_days: int,
               team_id: str | None = None, *, dry_run: bool = False, due_only: bool = False, day: str = "mon",
               hour: int = 9, pace: float = 0.0) -> list[Outcome]:
    """One pass of the weekly job. `due_only` (the hourly scheduler) sends only to owners for whom it is now
    `day` at or after `hour`, in their own time zone; `coach nudge` sends to everyone not yet nudged this week.

    With no messenger (a dry run from the database alone, before the app is installed) nothing is asked of
    Slack: an owner whose time zone is not cached is reckoned in UTC, and their Outcome says so."""
    if messenger is None and not dry_run:
        raise ValueError("sending nudges needs a messenger; only a dry run works without one")
    by_owner: dict[tuple[str, str], list[StalledDeal]] = {}
    for entry in find_stalled(store, playbooks, now, stall_days, team_id):
        by_owner.setdefault((entry.deal["team_id"], entry.deal["owner_id"]), []).append(entry)
    outcomes = []
    for (team, owner), deals in by_owner.items():
        if store.opted_out(team, owner):
            outcomes.append(Outcome(team, owner, "", "opted_out", deals))
            continue
        tz = store.cached_timezone(team, owner, now)
        if tz is None and messenger is not None:
            tz = _fetch_timezone(store, messenger, team, owner, now)
        week, week_start = week_of(now, tz or "UTC")
        due_at = week_start + timedelta(days=WEEKDAYS.index(day), hours=hour)
        # the rest of that day catches up an hourly tick the server missed; later in the week it waits
        if due_only and not due_at <= now < due_at.replace(hour=0) + timedelta(days=1):
            outcomes.append(Outcome(team, owner, week, "not_due", deals, tz))
            continue
        if dry_run:
            outcomes.append(Outcome(team, owner, week, "planned", deals, tz))
            continue
        assert messenger is not None  # checked on entry: only a dry run goes without
        status = _send_once(store, messenger, team, owner, week, week_start, deals, now)
        outcomes.append(Outcome(team, owner, week, status, deals, tz))
        if status == "sent" and pace:
            time.sleep(pace)  # stay under chat.postMessage limits
    return outcomes


def _fetch_timezone(store: Store, messenger: Messenger, team: str, owner: str, now: datetime) -> str:
    try:
        tz = messenger.timezone(team, owner) or "UTC"
    except Exception as exc:  # an unknown zone is not worth a missed nudge
        log.warning("time zone of %s unknown (%s); using UTC", owner, exc)
        return "UTC"
    store.cache_timezone(team, owner, tz, now)
    return tz


def _send_once(store: Store, messenger: Messenger, team: str, owner: str, week: str, week_start: datetime,
               deals: list[StalledDeal], now: datetime) -> str:
    claim = store.claim_nudge(team, owner, week, now, LEASE)
    if claim in ("already_sent", "busy"):
        return claim
    try:
        if claim == "reclaimed":
            # an earlier attempt died or failed: it may have posted before it could record so
            found = messenger.find_sent(team, owner, week, week_start)
            if found:
                store.nudge_sent(team, owner, week, *found, [d.deal["id"] for d in deals], now)
                return "reconciled"
        channel, ts = messenger.send(team, owner, week, deals)
    except Exception as exc:
        log.error("nudge to %s failed: %s", owner, exc)
        store.nudge_failed(team, owner, week, str(exc)[:500])
        return "failed"
    store.nudge_sent(team, owner, week, channel, ts, [d.deal["id"] for d in deals], now)
    return "sent"
