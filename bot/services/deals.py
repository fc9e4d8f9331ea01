"""Deals without Slack: tracked, moved along and closed from the command line, or imported from a CRM's export.

Plain Python over the store and a `Directory` (bot/services/directory.py: Slack's answers, or none): bot/cli/deals.py is
the adapter. A deal tracked here is the same row a `/objection track` makes; one with no Slack channel is keyed
by its CRM record id (`hubspot:123`) or, tracked by name, `cli:<name>`, and Slack's messages never match it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.services.crm_import import STAGE_CHARS, BadRow, CrmDeal, Export, name_key
from bot.services.directory import Directory, is_user_id
from bot.store import Store, stamp

LOCAL_TEAM = "local"  # the CLI's workspace when COACH_TEAM names none: a team trying the coach before Slack
OUTCOMES = ("won", "lost")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


class DealError(ValueError):
    """A deal that cannot be found, named twice, or given a value it cannot take; the message says which."""


def cli_key(name: str) -> str:
    """The key of a deal tracked by name from the CLI, with no Slack channel."""
    return f"cli:{name_key(name)}"


def close_stamp(day: str) -> str:
    """When a deal closed on a day the CRM (or `--on`) gives: that day, UTC midnight."""
    return f"{date.fromisoformat(day[:10]).isoformat()}T00:00:00+00:00"


# --- who owns it, where it lives ---

@dataclass(frozen=True)
class Owner:
    owner_id: str  # a Slack user id once matched; else the email, else the name as given
    email: str | None
    given: str  # as the CLI or the CRM wrote it
    note: str | None = None  # why it is not a Slack user id


def resolve_owner(directory: Directory, given: str, email: str | None = None) -> Owner:
    """A Slack user id for an owner given as an id, an email or a name: by email (`users.lookupByEmail`), else
    by their name in Slack when exactly one person has it. Unmatched, the owner stays as given, and `note` says
    why (offline, no such user, only a name)."""
    given = given.strip()
    if is_user_id(given):
        return Owner(given, email, given)
    if email is None and _EMAIL.match(given):
        email = given.lower()
    if email:
        found = directory.user_by_email(email)
        if found:
            return Owner(found, email, given)
        why = f"Slack was not asked ({directory.problem})" if directory.problem else "no Slack user has that email"
        return Owner(email, email, given, f"owner {email} kept as an email: {why}")
    found = directory.user_by_name(given)
    if found:
        return Owner(found, None, given)
    why = (f"Slack was not asked ({directory.problem})" if directory.problem
           else "no single Slack user has that name; add the owner's email to the export")
    return Owner(given, None, given, f"owner {given!r} kept as a name: {why}")


def resolve_channel(directory: Directory, given: str) -> tuple[str | None, str | None]:
    """(channel id, note): an id as given; a name looked up in Slack. Offline, a name stays unmatched (None,
    with a note); a name Slack does not know is a DealError."""
    given = given.strip()
    link = re.fullmatch(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", given)
    if link:
        return link.group(1), None
    if _CHANNEL_ID.match(given):
        return given, None
    found = directory.channel_by_name(given)
    if found:
        return found, None
    if not directory.online:
        return None, f"channel #{given.lstrip('#')} not matched (Slack was not asked: {directory.problem})"
    raise DealError(f"no channel #{given.lstrip('#')} that the app can see in workspace {directory.team_id}")


# --- finding one deal from the command line ---

def find_deal(store: Store, team_id: str, ref: str) -> dict[str, Any]:
    """The workspace's deal named by `ref`: its number (`12` or `#12`, as `coach deal list` shows), its Slack
    channel id, its CRM record id (`hubspot:123`), or its name (case aside; an open one before a closed one)."""
    ref = ref.strip()
    number = ref.lstrip("#")
    if number.isdigit():
        deal = store.deal_by_id(int(number))
        if deal is None or deal["team_id"] != team_id:
            raise DealError(f"no deal #{number} in workspace {team_id} (see `coach deal list --all`)")
        return deal
    if _CHANNEL_ID.match(ref):
        deal = store.deal(team_id, ref)
        if deal is None:
            raise DealError(f"no deal tracked in channel {ref} in workspace {team_id}")
        return deal
    if ":" in ref:
        deal = store.deal_by_external_id(team_id, ref)
        if deal is not None:
            return deal
    named = [d for d in store.deals(team_id) if name_key(d["name"] or "") == name_key(ref)]
    open_ones = [d for d in named if d["status"] == "open"]
    matches = open_ones or named
    if not matches:
        raise DealError(f"no deal named {ref!r} in workspace {team_id} (see `coach deal list --all`)")
    if len(matches) > 1:
        ids = ", ".join(f"#{d['id']}" for d in matches)
        raise DealError(f"{len(matches)} deals are named {ref!r} ({ids}): name it by its number")
    return matches[0]


# --- changes from the command line ---

@dataclass
class Tracked:
    deal: dict[str, Any]
    created: bool
    notes: list[str] = field(default_factory=list)


def track(store: Store, directory: Directory, team_id: str, name: str, owner: str | None = None,
          channel: str | None = None, stage: str | None = None, close_date: str | None = None,
          amount: float | None = None) -> Tracked:
    """Track a deal (or re-open and update the one with this channel, or this name when it has none): what
    `/objection track` does, from the command line."""
    name = re.sub(r"\s+", " ", name).strip()
    if not name:
        raise DealError("give the deal a name")
    notes: list[str] = []
    channel_id = None
    if channel:
        channel_id, note = resolve_channel(directory, channel)
        notes += [note] if note else []
    existing = store.deal(team_id, channel_id or "", "" if channel_id else cli_key(name))
    who = resolve_owner(directory, owner) if owner else None
    if who is None and (existing is None or not existing["owner_id"]):
        raise DealError("a new deal needs an owner: --owner their@email (or their Slack user id, U…)")
    if who is not None and who.note:
        notes.append(who.note)
    owner_id = who.owner_id if who is not None else existing["owner_id"]  # type: ignore[index]
    values: dict[str, Any] = {}
    if channel_id:
        deal = store.track_deal(team_id, channel_id, "", name, owner_id)
    else:
        deal = store.track_deal(team_id, "", cli_key(name), name, owner_id)
        if deal["external_id"] is None:
            values["external_id"] = cli_key(name)
    if who is not None:
        values |= {"owner_email": who.email, "crm_owner": who.given}
    if stage:
        values |= {"stage": stage[:STAGE_CHARS], "stage_changed_at": stamp(datetime.now(UTC))}
    if close_date:
        values["close_date"] = checked_day(close_date)
    if amount is not None:
        values["amount"] = amount
    if values:
        store.update_deal(deal["id"], **values)
    return Tracked(store.deal_by_id(deal["id"]) or deal, existing is None, notes)


def checked_day(raw: str) -> str:
    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError:
        raise DealError(f"{raw!r} is not a date: write it YYYY-MM-DD") from None


def set_stage(store: Store, deal: dict[str, Any], stage: str, now: datetime) -> dict[str, Any]:
    stage = re.sub(r"\s+", " ", stage).strip()[:STAGE_CHARS]
    if not stage:
        raise DealError("give the stage, e.g. Negotiation")
    store.update_deal(deal["id"], stage=stage, stage_changed_at=stamp(now))
    return store.deal_by_id(deal["id"]) or deal


def set_close_date(store: Store, deal: dict[str, Any], day: str) -> dict[str, Any]:
    store.update_deal(deal["id"], close_date=checked_day(day))
    return store.deal_by_id(deal["id"]) or deal


def set_owner(store: Store, directory: Directory, deal: dict[str, Any], given: str) -> tuple[dict[str, Any], Owner]:
    who = resolve_owner(directory, given)
    store.update_deal(deal["id"], owner_id=who.owner_id, owner_email=who.email, crm_owner=who.given)
    return store.deal_by_id(deal["id"]) or deal, who


def close(store: Store, deal: dict[str, Any], outcome: str, on: str | None, now: datetime) -> dict[str, Any]:
    """Mark the deal won or lost, on a day (`--on`) or now: what the nudge's buttons do."""
    if outcome not in OUTCOMES:
        raise DealError(f"a deal is won or lost, not {outcome!r}")
    store.set_deal_outcome(deal["id"], outcome, close_stamp(checked_day(on)) if on else stamp(now))
    return store.deal_by_id(deal["id"]) or deal


# --- imports ---

@dataclass
class ImportResult:
    source: str
    rows: int  # deal rows read (bad ones included)
    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[tuple[dict[str, Any], list[str]]] = field(default_factory=list)  # (deal, columns changed)
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kept_closed: int = 0  # closed here, open in the file: kept closed
    dry_run: bool = False
    written: bool = False  # whether the database changed

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "rows": self.rows, "dry_run": self.dry_run, "written": self.written,
                "created": [d["name"] for d in self.created],
                "updated": [{"deal": d["name"], "changed": changed} for d, changed in self.updated],
                "unchanged": self.unchanged, "kept_closed": self.kept_closed,
                "bad": [{"line": b.line, "reason": b.reason} for b in self.bad], "notes": self.notes}


# columns an import writes, as they are compared with what is stored
_COMPARED = ("name", "stage", "close_date", "amount", "owner_id", "owner_email", "crm_owner", "external_id",
             "channel", "thread_ts", "status", "closed_at", "last_activity_at")


def _wanted(row: CrmDeal, owner: Owner | None, channel: str | None) -> dict[str, Any]:
    return {"line": row.line, "external_id": row.external_id, "cli_key": cli_key(row.name), "name": row.name,
            "stage": row.stage, "close_date": row.close_date, "amount": row.amount, "outcome": row.outcome,
            "owner": owner, "channel": channel, "last_activity": row.last_activity}


def decide(deal: dict[str, Any] | None, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The columns an import writes for one row: all of them for a new deal; for a tracked one only those that
    differ, so importing the same file again writes nothing.

    A closed deal the file has open stays closed (a click on "Won" outranks an export made before it); an owner
    matched in Slack stays matched when this import cannot match the file's owner and it is the same one."""
    owner: Owner | None = row["owner"]
    closed_at = None
    if row["outcome"] in OUTCOMES:
        closed_at = close_stamp(row["close_date"]) if row["close_date"] else None
    activity = f"{row['last_activity']}T00:00:00+00:00" if row["last_activity"] else None
    if deal is None:
        key = {"channel": row["channel"], "thread_ts": ""} if row["channel"] else {"channel": "",
                                                                                  "thread_ts": row["external_id"]}
        return {**key, "name": row["name"], "stage": row["stage"], "close_date": row["close_date"],
                "amount": row["amount"], "owner_id": owner.owner_id if owner else None,
                "owner_email": owner.email if owner else None, "crm_owner": owner.given if owner else None,
                "external_id": row["external_id"],
                "status": row["outcome"] if row["outcome"] in OUTCOMES else "open",
                "closed_at": (closed_at or stamp(now)) if row["outcome"] in OUTCOMES else None,
                "created_at": stamp(now), "last_activity_at": activity or stamp(now), "message_count": 0}
    want: dict[str, Any] = {"name": row["name"], "external_id": row["external_id"]}
    for column in ("stage", "close_date", "amount"):
        if row[column] is not None:
            want[column] = row[column]
    if owner is not None:
        # a Slack user id is not traded for an email or a name this import could not match: not for the same
        # owner as before, nor for a deal tracked in Slack that no import named an owner for yet
        kept = (not is_user_id(owner.owner_id) and is_user_id(deal["owner_id"] or "")
                and (deal["crm_owner"] in (None, owner.given)
                     or bool(owner.email and deal["owner_email"] == owner.email)))
        if not kept:
            want["owner_id"] = owner.owner_id
        want["owner_email"] = owner.email or (deal["owner_email"] if kept else None)
        want["crm_owner"] = owner.given
    if row["channel"] and row["channel"] != deal["channel"]:
        want |= {"channel": row["channel"], "thread_ts": ""}
    if row["outcome"] in OUTCOMES:
        if deal["status"] != row["outcome"]:
            want |= {"status": row["outcome"], "closed_at": closed_at or stamp(now)}
        elif closed_at and (deal["closed_at"] or "")[:10] != closed_at[:10]:
            want["closed_at"] = closed_at
    if activity and activity > (deal["last_activity_at"] or ""):
        want["last_activity_at"] = activity
    changes = {c: v for c, v in want.items() if c in _COMPARED and _differs(deal.get(c), v)}
    if "stage" in changes:
        changes["stage_changed_at"] = stamp(now)
    return changes


def _differs(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, float) and stored is not None:
        return abs(float(stored) - wanted) > 0.005
    return stored != wanted


def import_export(store: Store, directory: Directory, team_id: str, export: Export, path: Path, now: datetime, *,
                  dry_run: bool = False, skip_bad: bool = False) -> ImportResult:
    """Create or update the workspace's deals from an export, in one transaction. With bad rows (the file's, or
    a channel already another deal's) nothing is written unless `skip_bad`; a dry run writes nothing either way."""
    result = ImportResult(export.source, len(export.deals) + len(export.bad), bad=list(export.bad),
                          dry_run=dry_run)
    wanted: list[dict[str, Any]] = []
    for row in export.deals:
        owner = resolve_owner(directory, row.owner or row.owner_email or "", row.owner_email) \
            if (row.owner or row.owner_email) else None
        try:
            channel, note = resolve_channel(directory, row.channel) if row.channel else (None, None)
        except DealError as exc:
            result.bad.append(BadRow(row.line, str(exc)))
            continue
        for message in (owner.note if owner else None, note):
            if message and message not in result.notes:
                result.notes.append(message)
        wanted.append(_wanted(row, owner, channel))
    if result.bad and not skip_bad:
        result.bad.sort(key=lambda b: b.line)
        return result
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    outcomes = store.import_deals(
        team_id, wanted, lambda deal, row: decide(deal, row, now), dry_run=dry_run, keep_going=skip_bad,
        log={"source": export.source, "file_name": path.name, "digest": digest, "skipped": len(result.bad)})
    conflicts = [(row, detail) for row, (status, detail) in zip(wanted, outcomes, strict=True)
                 if status == "conflict"]
    result.bad += [BadRow(row["line"], detail["reason"]) for row, detail in conflicts]
    result.bad.sort(key=lambda b: b.line)
    if conflicts and not skip_bad:
        return result  # rolled back: nothing written
    for row, (status, detail) in zip(wanted, outcomes, strict=True):
        if status == "created":
            result.created.append(detail["deal"])
        elif status == "updated":
            result.updated.append((detail["deal"], detail["changed"]))
        elif status == "unchanged":
            result.unchanged += 1
        if status in ("updated", "unchanged") and row["outcome"] == "open" and detail["deal"]["status"] in OUTCOMES:
            result.kept_closed += 1
    result.written = not dry_run and bool(result.created or result.updated)
    return result
