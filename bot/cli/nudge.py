"""coach nudge: the weekly stalled-deal nudges, once (or those due, for cron)."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from typing import Any

from bot.cli.common import parse_now
from bot.core.config import load_settings


def cmd_nudge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    settings = load_settings()
    now = parse_now(args.now)
    if now is False:
        return 2
    now = now or datetime.now(UTC)
    if args.dry_run:
        outcomes = _preview_nudges(settings, now, args.team)
    else:
        from bot.slack.app import MissingCredentials, make_deps, required_settings, web_client
        from bot.slack.nudges import installed_clients, nudge_once, nudge_tick

        missing = [name for name in required_settings(settings) if name == "SLACK_BOT_TOKEN"]
        if missing:
            print(f"error: {MissingCredentials(missing)}", file=sys.stderr)
            return 2
        client, deps = web_client(settings), make_deps(settings)
        if settings.oauth_enabled:  # many workspaces: each installed one, on its own token
            workspaces = installed_clients(deps.store, client)
            if args.team and args.team not in [team for team, _ in workspaces]:
                print(f"error: --team {args.team} has not installed the app", file=sys.stderr)
                return 2
        else:
            workspaces = [(client.auth_test()["team_id"], client)]
            if args.team and args.team != workspaces[0][0]:
                print(f"error: --team {args.team} is not the workspace of SLACK_BOT_TOKEN ({workspaces[0][0]})",
                      file=sys.stderr)
                return 2
        outcomes = []
        for team_id, team_client in workspaces:
            if args.team and team_id != args.team:
                continue
            if args.due:
                ticked = nudge_tick(deps, team_client, team_id, now)
                if ticked is None:
                    print(f"{team_id}: another process is running the nudge tick on this database; nothing sent "
                          "here.", file=sys.stderr if args.json else sys.stdout)
                    continue
                outcomes += ticked
            else:
                outcomes += nudge_once(deps, team_client, team_id, now)
    unknown = sum(1 for o in outcomes if o.status == "planned" and o.timezone is None)
    # the note goes to stderr with --json, so the JSON on stdout stays parseable
    note = (f"Note: {unknown} owner(s) have no time zone stored yet (a dry run does not ask Slack); "
            "their week is counted in UTC.") if unknown else ""
    if args.json:
        print(json.dumps([d.as_json() for o in outcomes if o.status != "opted_out" for d in o.deals],
                         ensure_ascii=False))
        if note:
            print(note, file=sys.stderr)
        return 0
    if not outcomes:
        print(_no_stalled_deals(settings, args.team))
    for o in outcomes:
        print(f"{o.team_id} {o.owner} ({o.week or '-'}): {o.status}, {len(o.deals)} stalled deal(s)")
        for d in o.deals:
            print(f"  {d.deal['name']}: {' '.join(r.text for r in d.reasons)} Next: {d.next_step}")
    if note:
        print(note)
    return 0


def _no_stalled_deals(settings: Any, team_id: str | None) -> str:
    """Why there is nothing to send: no deal stalled, or no deal tracked at all (and how to track one)."""
    from bot.store import open_store

    with closing(open_store(settings)) as store:
        tracked = store.open_deal_count(team_id)
    if tracked:
        return f"No stalled deals among the {tracked} tracked: nothing to send."
    where = f" in workspace {team_id}" if team_id else ""
    return (f"No deals are tracked{where}, so none can stall: nothing to send. Track one with "
            '`coach deal track "Acme renewal" --owner ana@example.com` (or `/objection track Acme renewal` in its '
            "Slack channel), or import your CRM's deals with `coach deal import deals.csv`.")


def _preview_nudges(settings: Any, now: Any, team_id: str | None) -> list[Any]:
    """What the weekly job would send, from the database alone: no Slack token, every workspace (or one)."""
    from bot.content.playbooks import load_playbooks
    from bot.services.nudges import run_nudges
    from bot.store import open_store

    with closing(open_store(settings)) as store:
        return run_nudges(store, load_playbooks(settings.playbooks_dir), None, now, settings.stall_days, team_id,
                          dry_run=True, day=settings.nudge_day, hour=settings.nudge_hour)


def register(sub: Any) -> None:
    """Add `nudge` to the `coach` parser's subcommands."""
    nudge = sub.add_parser("nudge", help="run the weekly stalled-deal nudges once (same Slack settings as serve)")
    nudge.add_argument("--dry-run", action="store_true",
                       help="show what would be sent, from the database alone (no Slack token needed)")
    nudge.add_argument("--due", action="store_true",
                       help="only owners whose nudge time has come, one process at a time: what `coach serve` "
                            "runs hourly (for a cron job instead of the in-process scheduler)")
    nudge.add_argument("--json", action="store_true", help="print the stalled deals as JSON")
    nudge.add_argument("--now", help="ISO 8601 time to run as (default: now)")
    nudge.add_argument("--team", help="only this workspace (team ID, T…); a dry run covers every one by default")
    nudge.set_defaults(func=cmd_nudge)
