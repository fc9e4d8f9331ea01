"""coach prune (what is past its retention) and coach forget (everything of one workspace)."""

from __future__ import annotations

import argparse
import json
from contextlib import closing
from typing import Any

from bot.core.config import load_settings

STEP_WORDS = {"coachings_text": "coachings: text blanked", "thread_turns_text": "thread turns: text blanked",
              "threads_context": "threads: deal context blanked"}


STEP_WORDS = {"coachings_text": "coachings: text blanked", "thread_turns_text": "thread turns: text blanked",
              "threads_context": "threads: deal context blanked"}


def _print_counts(counts: dict[str, int], done: bool) -> None:
    width = max(len(STEP_WORDS.get(k, k)) for k in counts)
    for step, n in counts.items():
        verb = "" if step in STEP_WORDS else (" deleted" if done else " to delete")
        print(f"  {STEP_WORDS.get(step, step):<{width}} {n:>8}{verb if n else ''}")


def cmd_prune(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.store import open_store

    settings = load_settings()
    with closing(open_store(settings)) as store:
        counts = store.prune(datetime.now(UTC), settings.retention_days, settings.text_retention_days,
                             dry_run=args.dry_run)
    if args.json:
        print(json.dumps({"dry_run": args.dry_run, "retention_days": settings.retention_days,
                          "text_retention_days": settings.text_retention_days, "rows": counts}))
        return 0
    print(f"{'Dry run, nothing changed' if args.dry_run else 'Pruned'}: deliveries seen after 1 day, text after "
          f"{settings.text_retention_days} days, everything else after {settings.retention_days} days. A workspace "
          f"that uninstalled the app: all its data {settings.retention_days} days after.")
    _print_counts(counts, done=not args.dry_run)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from bot.services.learn import forget_legacy_folder
    from bot.store import open_store

    settings = load_settings()
    with closing(open_store(settings)) as store:
        counts = {**store.forget_team(args.team, dry_run=True),
                  "team_files": forget_legacy_folder(settings, args.team, dry_run=True)}
        if not any(n for step, n in counts.items() if step != "llm_cache"):
            print(f"Nothing is stored for workspace {args.team}; nothing deleted.")
            return 0
        if args.yes:
            counts = {**store.forget_team(args.team), "team_files": forget_legacy_folder(settings, args.team)}
    if args.json:
        print(json.dumps({"team_id": args.team, "deleted": bool(args.yes), "rows": counts}))
    else:
        print(f"Workspace {args.team}: {'deleted' if args.yes else 'would delete'} "
              "(with the model answers cached without a workspace)")
        _print_counts(counts, done=args.yes)
        if not args.yes:
            print("Nothing deleted yet: run again with --yes to delete these rows for good.")
    return 0 if args.yes else 1


def register(sub: Any) -> None:
    """Add `prune`, `forget` to the `coach` parser's subcommands."""
    prune = sub.add_parser("prune", help="delete what is past its retention (COACH_RETENTION_DAYS); for cron")
    prune.add_argument("--dry-run", action="store_true", help="show how many rows would go; change nothing")
    prune.add_argument("--json", action="store_true", help="print the counts as JSON")
    prune.set_defaults(func=cmd_prune, reads_playbooks=False)

    forget = sub.add_parser("forget", help="delete everything stored for one workspace")
    forget.add_argument("--team", required=True, help="the workspace's team ID (T…)")
    forget.add_argument("--yes", action="store_true", help="really delete (without it: show what would go)")
    forget.add_argument("--json", action="store_true", help="print the counts as JSON")
    forget.set_defaults(func=cmd_forget, reads_playbooks=False)
