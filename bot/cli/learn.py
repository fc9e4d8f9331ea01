"""coach learn: a workspace's model retrained from its corrections, kept only if no worse."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from bot.core.config import load_settings


def cmd_learn(args: argparse.Namespace) -> int:
    from bot.store import open_store

    settings = load_settings()
    with closing(open_store(settings)) as store:
        return _learn(args, settings, store)


def _learn(args: argparse.Namespace, settings: Any, store: Any) -> int:
    from dataclasses import asdict

    from bot.content.playbooks import heldout_files
    from bot.services.learn import (
        check_team_id,
        learn,
        move_legacy_folder,
        relabel,
        remove,
        team_examples,
        teams_with_data,
    )

    team = args.team
    if not team:
        teams = teams_with_data(store)
        if len(teams) != 1:
            found = f"the database has {len(teams)} ({', '.join(teams)})" if teams else "the database has none"
            print(f"error: name the workspace with --team T…; {found}", file=sys.stderr)
            return 2
        team = teams[0]
    try:
        check_team_id(team)
        if args.list or args.remove or args.relabel:
            move_legacy_folder(settings, store, team)  # an older coach's examples, so they can be reviewed
        if args.list:
            examples = team_examples(store, team)
            if args.json:
                print(json.dumps([asdict(e) for e in examples], ensure_ascii=False, indent=2))
            for example in [] if args.json else examples:
                print(f"{example.id}  {example.label:<14} {example.text}")
            if not examples and not args.json:
                print(f"Workspace {team} has no examples yet: run `coach learn --team {team}` after corrections.")
            return 0
        if args.remove or args.relabel:
            for example in remove(store, team, args.remove) if args.remove else []:
                print(f"removed {example.id} ({example.label}): {example.text}")
            for target, label in args.relabel or []:
                example = relabel(store, team, target, label)
                print(f"relabelled {example.id} ({example.label} -> {label}): {example.text}")
            print(f"Run `coach learn --team {team}` to retrain with these changes.")
            return 0
        heldout = [Path(p) for p in args.heldout] if args.heldout else heldout_files()
        report = learn(settings, team, heldout, [Path(p) for p in args.eval], dry_run=args.dry_run,
                       progress=lambda line: print(line, file=sys.stderr, flush=True), store=store)
    except (OSError, ValueError) as exc:  # LearnError is a ValueError, as are bad eval files
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"Workspace {team}: {report['examples']} example(s) "
              f"({report['added']} new, {report['relabelled']} relabelled, "
              f"{report['skipped_blanked']} correction(s) skipped: text already blanked by retention)")
        if "message" in report:
            print(report["message"].capitalize() + ".")
        if report["scores"]:
            print(f"{'macro-F1':<40}{'before':>8}{'after':>8}{'change':>8}")
        for row in report["scores"]:
            print(f"{Path(row['file']).name:<40}{row['before']:>8.3f}{row['after']:>8.3f}{row['change']:>+8.3f}")
        if report["dropped"]:
            print(f"Kept the old model: the score dropped by more than 0.01 on {', '.join(report['dropped'])}. "
                  f"Review the examples with `coach learn --team {team} --list`.")
        elif report["kept"] and "message" not in report:  # (a message says when the kept model is unchanged)
            print(f"Kept the new model (version {report['model_version']}); the coach uses it for {team} from now "
                  "on, on every replica.")
        elif report["dry_run"] and report["scores"]:
            print("Dry run: nothing kept.")
    return 1 if report["dropped"] else 0


def register(sub: Any) -> None:
    """Add `learn` to the `coach` parser's subcommands."""
    lrn = sub.add_parser("learn", help="retrain a workspace's model from its \"Diagnose differently\" corrections")
    lrn.add_argument("--team", help="the workspace's team ID (T…); optional when the database holds one")
    lrn.add_argument("--dry-run", action="store_true", help="train and report; keep nothing")
    lrn.add_argument("--json", action="store_true", help="print the report as JSON (progress stays on stderr)")
    lrn.add_argument("--eval", action="append", default=[], metavar="FILE",
                     help='also score on this JSONL of {"text", "label"} (repeatable)')
    lrn.add_argument("--heldout", action="append", default=[], metavar="FILE",
                     help="held-out files to score on (repeatable; default: the shipped playbooks/heldout/*.jsonl)")
    lrn.add_argument("--list", action="store_true", help="print the workspace's examples (id, kind, text), then stop")
    lrn.add_argument("--remove", action="append", metavar="ID_OR_TEXT",
                     help="delete this example (its id or exact text) from the workspace's examples, then stop")
    lrn.add_argument("--relabel", action="append", nargs=2, metavar=("ID_OR_TEXT", "KIND"),
                     help="give this example another kind (repeatable), then stop")
    lrn.set_defaults(func=cmd_learn)
