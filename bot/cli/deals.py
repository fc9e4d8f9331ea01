"""`coach deal …`: deals tracked, moved along, closed and imported without Slack; `coach feedback` on a coaching.

A thin adapter over bot/services/deals.py (and bot/services/crm_import.py, bot/services/directory.py). Every
command works in one workspace: `--team`, else COACH_TEAM, else `local` (a team trying the coach before Slack).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.config import Settings, load_settings

TEAM_HELP = "the workspace (team ID, T…); default COACH_TEAM, else 'local'"


def cli_team(args: argparse.Namespace, settings: Settings) -> str:
    """The workspace a CLI command works in: --team, else COACH_TEAM, else `local`."""
    from bot.services.deals import LOCAL_TEAM

    return getattr(args, "team", None) or settings.team_id or LOCAL_TEAM


def _where(deal: dict[str, Any]) -> str:
    if deal["channel"]:
        return deal["channel"] + (f" thread {deal['thread_ts']}" if deal["thread_ts"] else "")
    return deal["external_id"] or deal["thread_ts"] or "-"


def _amount(value: Any) -> str:
    return "" if value is None else f"{float(value):,.0f}"


def _deal_json(deal: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "team_id", "name", "status", "stage", "close_date", "amount", "owner_id", "owner_email", "channel",
            "external_id", "created_at", "last_activity_at", "closed_at")
    return {key: deal.get(key) for key in keys}


def _say(deal: dict[str, Any], what: str) -> None:
    print(f"#{deal['id']} {deal['name']}: {what}")


def cmd_deal(args: argparse.Namespace) -> int:
    from bot.services.crm_import import ExportError
    from bot.services.deals import DealError
    from bot.store import open_store

    settings = load_settings()
    team = cli_team(args, settings)
    with closing(open_store(settings)) as store:
        try:
            return _DEAL_COMMANDS[args.deal_command](args, settings, store, team)
        except (DealError, ExportError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"error: {getattr(args, 'file', '')}: {exc.strerror or exc}", file=sys.stderr)
            return 2


def _directory(args: argparse.Namespace, settings: Settings, store: Any, team: str) -> Any:
    from bot.services.directory import directory_for

    return directory_for(settings, store, team, offline=getattr(args, "offline", False))


def _track(args: argparse.Namespace, settings: Settings, store: Any, team: str) -> int:
    from bot.services.deals import track

    tracked = track(store, _directory(args, settings, store, team), team, " ".join(args.name), owner=args.owner,
                    channel=args.channel, stage=args.stage, close_date=args.close, amount=args.amount)
    if args.json:
        print(json.dumps({**_deal_json(tracked.deal), "created": tracked.created, "notes": tracked.notes},
                         ensure_ascii=False))
    else:
        _say(tracked.deal, f"{'tracking' if tracked.created else 'tracked (updated)'} in workspace {team}, owner "
                           f"{tracked.deal['owner_id']}")
        for note in tracked.notes:
            print(f"  note: {note}")
    return 0


def _list(args: argparse.Namespace, settings: Settings, store: Any, team: str) -> int:
    deals = [d for d in store.deals(team) if args.all or d["status"] == "open"]
    if args.json:
        print(json.dumps([_deal_json(d) for d in deals], ensure_ascii=False))
        return 0
    if not deals:
        print(f"No {'' if args.all else 'open '}deals in workspace {team}. Track one with "
              '`coach deal track "Acme renewal" --owner ana@example.com`, or import your CRM\'s with '
              "`coach deal import deals.csv`.")
        return 0
    rows = [[f"#{d['id']}", d["status"], d["name"] or "", d["stage"] or "", d["close_date"] or "",
             _amount(d["amount"]), d["owner_id"] or "", _where(d)] for d in deals]
    head = ["deal", "status", "name", "stage", "close date", "amount", "owner", "where"]
    widths = [min(40, max(len(str(r[i])) for r in [head, *rows])) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(str(cell)[:40].ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _stage(args: argparse.Namespace, settings: Settings, store: Any, team: str) -> int:
    from bot.services.deals import find_deal, set_stage

    deal = set_stage(store, find_deal(store, team, args.deal), " ".join(args.stage), datetime.now(UTC))
    _say(deal, f"stage {deal['stage']}")
    return 0


def _close_date(args: argparse.Namespace, settings: Settings, store: Any, team: str) -> int:
    from bot.services.deals import find_deal, set_close_date

    deal = set_close_date(store, find_deal(store, team, args.deal), args.date)
    _say(deal, f"expected to close on {deal['close_date']}")
    return 0


def _outcome(args: argparse.Namespace, settings: Settings, store: Any, team: str) -> int:
    from bot.services.deals import close, find_deal

    deal = close(store, find_deal(store, team, args.deal), args.deal_command, args.on, datetime.now(UTC))
    _say(deal, f"marked {deal['status']} ({deal['closed_at'][:10]})")
    return 0


def _owner(args: argparse.Namespace, settings: Settings, store: Any, team: str) -> int:
    from bot.services.deals import find_deal, set_owner

    deal, who = set_owner(store, _directory(args, settings, store, team), find_deal(store, team, args.deal),
                          args.owner)
    _say(deal, f"owner {deal['owner_id']}")
    if who.note:
        print(f"  note: {who.note}")
    return 0


def _import(args: argparse.Namespace, settings: Settings, store: Any, team: str) -> int:
    from bot.services.crm_import import SOURCE_NAMES, read_export
    from bot.services.deals import import_export

    path = Path(args.file)
    export = read_export(path, None if args.format == "auto" else args.format, day_first=args.day_first,
                         encoding=args.encoding)
    result = import_export(store, _directory(args, settings, store, team), team, export, path, datetime.now(UTC),
                           dry_run=args.dry_run, skip_bad=args.skip_bad)
    if args.json:
        print(json.dumps({**result.as_json(), "team_id": team, "columns": export.columns}, ensure_ascii=False))
    else:
        _print_import(result, export, SOURCE_NAMES[export.source], team, path, args.skip_bad)
    if result.bad and not args.skip_bad:
        return 2
    return 1 if result.bad else 0


def _print_import(result: Any, export: Any, kind: str, team: str, path: Path, skip_bad: bool) -> None:
    print(f"{path.name}: a {kind} export ({export.encoding}), {result.rows} deal row(s), workspace {team}")
    print("  columns read: " + ", ".join(f"{name} <- {header!r}" for name, header in export.columns.items()))
    if result.bad:
        stopped = not skip_bad
        print(f"{len(result.bad)} bad row(s)" + (": nothing imported; fix them, or pass --skip-bad to import the "
                                                  "others" if stopped else ", skipped:"))
        for bad in result.bad:
            print(f"  line {bad.line}: {bad.reason}")
        if stopped:
            return
    verb = "would be " if result.dry_run else ""
    if not result.created and not result.updated:
        print(f"Nothing changed: the {result.unchanged} deal(s) were already up to date.")
    else:
        print(f"{'Dry run, nothing written. ' if result.dry_run else ''}{len(result.created)} {verb}created, "
              f"{len(result.updated)} {verb}updated, {result.unchanged} unchanged.")
        for deal in result.created:
            print(f"  + #{deal['id']} {deal['name']} ({deal['status']})")
        for deal, changed in result.updated:
            print(f"  ~ #{deal['id']} {deal['name']}: {', '.join(changed)}")
    if result.kept_closed:
        print(f"{result.kept_closed} deal(s) closed here but open in the file were kept closed.")
    for note in result.notes:
        print(f"  note: {note}")


_DEAL_COMMANDS = {"track": _track, "list": _list, "stage": _stage, "close": _close_date, "won": _outcome,
                  "lost": _outcome, "owner": _owner, "import": _import}


def cmd_feedback(args: argparse.Namespace) -> int:
    """Mark a coaching helpful, not helpful, or its talk track used (what Slack's buttons record), from the CLI."""
    from bot.store import open_store

    settings = load_settings()
    team = cli_team(args, settings)
    with closing(open_store(settings)) as store:
        number = store.latest_coaching_id(team) if args.coaching == "last" else int(args.coaching)
        coaching = store.coaching(number) if number is not None else None
        if coaching is None or (coaching["team_id"] or "") != team:
            print(f"error: no coaching {args.coaching} in workspace {team}", file=sys.stderr)
            return 2
        store.add_feedback(coaching["id"], team, os.environ.get("USER") or "cli", args.kind)
    print(f"Coaching {coaching['id']}: {args.kind.replace('_', ' ')}, noted.")
    return 0


def _coaching_ref(raw: str) -> str:
    if raw != "last" and not raw.isdigit():
        raise argparse.ArgumentTypeError(f"a coaching's number or 'last', not {raw!r}")
    return raw


def register(sub: Any) -> None:
    """`coach deal …` and `coach feedback`, on the main parser's subcommands."""
    deal = sub.add_parser("deal", help="track, move along, close and import deals without Slack")
    commands = deal.add_subparsers(dest="deal_command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("--team", help=TEAM_HELP)
        parser.set_defaults(func=cmd_deal, reads_playbooks=False)
        return parser

    track = command("track", "track a deal (or update the one with this channel or name)")
    track.add_argument("name", nargs="+", help="the deal's name")
    track.add_argument("--owner", help="its owner: email (matched to Slack), Slack user id (U…), or name; needed "
                                       "for a new deal")
    track.add_argument("--channel", help="its Slack channel: id (C…) or name (#deal-acme)")
    track.add_argument("--stage", help="its stage, e.g. Negotiation")
    track.add_argument("--close", metavar="YYYY-MM-DD", help="the day it is expected to close")
    track.add_argument("--amount", type=float, help="its amount")
    track.add_argument("--offline", action="store_true", help="do not ask Slack (keep the owner's email as given)")
    track.add_argument("--json", action="store_true", help="print the deal as JSON")

    listing = command("list", "the workspace's open deals (--all: closed and untracked too)")
    listing.add_argument("--all", action="store_true", help="every deal, not only the open ones")
    listing.add_argument("--json", action="store_true", help="print the deals as JSON")

    ref = "the deal: its number (#12, from `coach deal list`), channel id, CRM id (hubspot:123) or name"
    stage = command("stage", "set a deal's stage")
    stage.add_argument("deal", help=ref)
    stage.add_argument("stage", nargs="+", help="the stage, e.g. Negotiation")
    close = command("close", "set the day a deal is expected to close")
    close.add_argument("deal", help=ref)
    close.add_argument("date", metavar="YYYY-MM-DD")
    for outcome in ("won", "lost"):
        closing_parser = command(outcome, f"mark a deal {outcome}")
        closing_parser.add_argument("deal", help=ref)
        closing_parser.add_argument("--on", metavar="YYYY-MM-DD", help="the day it closed (default: now)")
    owner = command("owner", "give a deal another owner")
    owner.add_argument("deal", help=ref)
    owner.add_argument("owner", help="email (matched to Slack), Slack user id (U…), or name")
    owner.add_argument("--offline", action="store_true", help="do not ask Slack")

    imp = command("import", "create and update deals from a HubSpot deals or Salesforce opportunities CSV export")
    imp.add_argument("file", help="the CSV the CRM exported")
    imp.add_argument("--format", choices=("auto", "hubspot", "salesforce"), default="auto",
                     help="whose export it is (default: told by its columns)")
    imp.add_argument("--day-first", action="store_true", help="dates are DD/MM/YYYY (default MM/DD/YYYY)")
    imp.add_argument("--encoding", help="the file's encoding (default: UTF-8, else Windows-1252)")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    imp.add_argument("--skip-bad", action="store_true", help="import the good rows even when some are bad")
    imp.add_argument("--offline", action="store_true", help="do not ask Slack (owners keep their emails)")
    imp.add_argument("--json", action="store_true", help="print what was done as JSON")

    feedback = sub.add_parser("feedback", help="mark a coaching helpful, not helpful, or its talk track used")
    feedback.add_argument("coaching", type=_coaching_ref, help="the coaching's number, or 'last': the workspace's "
                                                               "latest")
    feedback.add_argument("kind", choices=("helpful", "not_helpful", "used"))
    feedback.add_argument("--team", help=TEAM_HELP)
    feedback.set_defaults(func=cmd_feedback, reads_playbooks=False)
