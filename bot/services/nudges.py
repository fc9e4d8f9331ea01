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

from bot.content.i18n import t
from bot.content.playbooks import Playbooks
from bot.core.taxonomy import OBSTACLE_PRIORITY
from bot.store import Store

log = logging.getLogger(__name__)
FOLLOW_UP_DAYS = 3  # a coached objection with nothing posted in the deal for this long is left open
LEASE = timedelta(minutes=10)  # a claim older than this, still not sent, belongs to a run that died
WEIGHTS = {"close_date_passed": 3.0, "obstacle": 2.0, "objection_open": 2.0, "silent": 1.0}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Reason:
    code: str
    text: str
    fields: dict[str, Any] = field(default_factory=dict)  # what `text` says, to say it in another language


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

    def profile(self, team_id: str, user_id: str) -> tuple[str, str]:
        """The user's time zone and language ("en" or "es")."""
        ...

    def send(self, team_id: str, owner_id: str, week: str, deals: list[StalledDeal],
             lang: str = "en") -> tuple[str, str]: ...

    def find_sent(self, team_id: str, owner_id: str, week: str, since: datetime) -> tuple[str, str] | None: ...


def _day(iso: str | None) -> str:
    return (iso or "")[:10]


def _reason(code: str, playbooks: Playbooks, lang: str, **fields: Any) -> Reason:
    shown = dict(fields)
    if code == "close_date_passed":
        shown["stage"] = fields["stage"] or t("nudge.not_set", lang)
    elif code == "obstacle":
        shown = {"names": ", ".join(playbooks.obstacles[k].text("name", lang).lower() for k in fields["kinds"])}
    elif code == "objection_open":
        label = fields["label"]
        shown = {"day": fields["day"], "kind": label.replace("_", " ") if lang == "en"
                 else playbooks[label].text("name", lang).lower()}
    return Reason(code, t(f"nudge.reason.{code}", lang, **shown), fields)


def in_language(entry: StalledDeal, playbooks: Playbooks, lang: str) -> StalledDeal:
    """The same stalled deal, its reasons and next move said in `lang`."""
    reasons = [_reason(r.code, playbooks, lang, **r.fields) for r in entry.reasons]
    localized = StalledDeal(entry.deal, reasons, score=entry.score)
    localized.next_step = _next_step(localized, playbooks, lang)
    return localized


def find_stalled(store: Store, playbooks: Playbooks, now: datetime, stall_days: int,
                 team_id: str | None = None) -> list[StalledDeal]:
    """Open, unsnoozed deals with at least one reason to act, most at risk first (said in English; see
    `in_language`)."""
    stalled: dict[int, StalledDeal] = {}
    for deal, reason in store.stall_candidates(now, stall_days, FOLLOW_UP_DAYS, team_id):
        entry = stalled.setdefault(deal["id"], StalledDeal(deal))
        code, detail = reason
        if code == "silent":
            last = datetime.fromisoformat(deal["last_activity_at"])
            days = (now - last).days
            # silence counts more the longer it lasts past the threshold, up to twice the weight
            entry.score += WEIGHTS[code] * (1 + min(1.0, (days - stall_days) / max(stall_days, 1)))
            entry.reasons.append(_reason(code, playbooks, "en", days=days, day=_day(deal["last_activity_at"])))
        elif code == "close_date_passed":
            entry.score += WEIGHTS[code]
            entry.reasons.append(_reason(code, playbooks, "en", date=deal["close_date"], stage=deal["stage"]))
        elif code == "obstacle":
            kinds = [k for k in OBSTACLE_PRIORITY if k in json.loads(detail)]
            entry.score += WEIGHTS[code]
            entry.reasons.append(_reason(code, playbooks, "en", kinds=kinds))
            entry.deal["_obstacles"] = kinds
        elif code == "objection_open":
            label, coached_at = detail.split("|", 1)
            entry.score += WEIGHTS[code]
            entry.reasons.append(_reason(code, playbooks, "en", label=label, day=_day(coached_at)))
            entry.deal["_objection"] = label
    for entry in stalled.values():
        entry.next_step = _next_step(entry, playbooks, "en")
    return sorted(stalled.values(), key=lambda s: (-s.score, s.deal["id"]))


def _next_step(entry: StalledDeal, playbooks: Playbooks, lang: str) -> str:
    codes = {r.code for r in entry.reasons}
    obstacles = playbooks.obstacles
    if "obstacle" in codes:
        return obstacles[entry.deal["_obstacles"][0]].text("next_move", lang)
    if "close_date_passed" in codes:
        # the date slipped with no stage change: someone we have not met is deciding between priorities
        return obstacles["competing_priorities"].text("next_move", lang)
    if "objection_open" in codes:
        return playbooks[entry.deal["_objection"]].text("next_move", lang)
    # silence: show what waiting costs them
    return obstacles["uncertainty"].text("next_move", lang)


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
        tz, lang = store.cached_timezone(team, owner, now), store.cached_language(team, owner, now)
        if (tz is None or lang is None) and messenger is not None:
            tz, lang = _fetch_profile(store, messenger, team, owner, now)
        lang = lang or "en"  # the owner's Slack locale; English when unknown
        if lang != "en":
            deals = [in_language(entry, playbooks, lang) for entry in deals]
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
        status = _send_once(store, messenger, team, owner, week, week_start, deals, now, lang)
        outcomes.append(Outcome(team, owner, week, status, deals, tz))
        if status == "sent" and pace:
            time.sleep(pace)  # stay under chat.postMessage limits
    return outcomes


def _fetch_profile(store: Store, messenger: Messenger, team: str, owner: str, now: datetime) -> tuple[str, str]:
    try:
        tz, lang = messenger.profile(team, owner)
    except Exception as exc:  # an unknown zone or language is not worth a missed nudge
        log.warning("time zone and language of %s unknown (%s); using UTC and English", owner, exc)
        return "UTC", "en"
    store.cache_profile(team, owner, tz or "UTC", lang, now)
    return tz or "UTC", lang


def _send_once(store: Store, messenger: Messenger, team: str, owner: str, week: str, week_start: datetime,
               deals: list[StalledDeal], now: datetime, lang: str) -> str:
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
        channel, ts = messenger.send(team, owner, week, deals, lang)
    except Exception as exc:
        log.error("nudge to %s failed: %s", owner, exc)
        store.nudge_failed(team, owner, week, str(exc)[:500])
        return "failed"
    store.nudge_sent(team, owner, week, channel, ts, [d.deal["id"] for d in deals], now)
    return "sent"
