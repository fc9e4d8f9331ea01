"""coach stats (model calls per day) and coach report (the team's resistance over the last weeks)."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from bot.core.config import load_settings


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.store import open_store

    with closing(open_store(load_settings())) as store:
        rows = store.llm_stats()
    if args.json:
        print(json.dumps(rows))
        return 0
    if not rows:
        print("No model calls yet (coaching has been offline).")
        return 0
    print(f"{'day':<12}{'calls':>7}{'prompt tok':>12}{'output tok':>12}{'cache hits':>12}{'failures':>10}")
    for r in rows:
        print(f"{r['day']:<12}{r['calls']:>7}{r['prompt_tokens']:>12}{r['completion_tokens']:>12}"
              f"{r['cache_hits']:>12}{r['failures']:>10}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.content.playbooks import load_playbooks
    from bot.services.report import render_chart, report_dict, report_html, report_lines, team_report
    from bot.store import open_store

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".html", ".png"):
        print(f"error: --out must end in .html or .png, got {args.out!r}", file=sys.stderr)
        return 2
    if args.weeks < 1 or args.weeks > 52:
        print(f"error: --weeks must be between 1 and 52, got {args.weeks}", file=sys.stderr)
        return 2
    settings = load_settings()
    store = open_store(settings)
    known = sorted({*store.teams(), *(r["team_id"] or r["enterprise_id"] for r in store.installed_teams())})
    team = args.team or settings.team_id
    if team is None:
        if len(known) != 1:
            print(f"error: give --team (workspaces stored: {', '.join(known) or 'none'})", file=sys.stderr)
            return 2
        team = known[0]
    elif team not in known:
        print(f"error: nothing is stored for workspace {team} (workspaces stored: {', '.join(known) or 'none'})",
              file=sys.stderr)
        return 2
    report = team_report(store, load_playbooks(settings.playbooks_dir), team, datetime.now(UTC), settings.stall_days,
                         args.weeks, args.lang)
    if args.json:
        print(json.dumps(report_dict(report), ensure_ascii=False))
        return 0
    if out is None:
        for lines in report_lines(report).values():
            print("\n".join(lines))
        return 0
    png = render_chart(report)
    if out.suffix.lower() == ".png":
        out.write_bytes(png)
    else:
        out.write_text(report_html(report, png), encoding="utf-8")
    print(f"Wrote {out} ({report.total} coachings over {args.weeks} weeks, workspace {team}).")
    return 0


def register(sub: Any) -> None:
    """Add `stats`, `report` to the `coach` parser's subcommands."""
    stats = sub.add_parser("stats", help="model calls, tokens, cache hits and failures per day")
    stats.add_argument("--json", action="store_true", help="print the rows as JSON")
    stats.set_defaults(func=cmd_stats, reads_playbooks=False)

    report = sub.add_parser("report", help="the team's resistance over the last weeks: text, HTML or PNG")
    report.add_argument("--team", help="the workspace (team ID, T…); needed when several are stored")
    report.add_argument("--weeks", type=int, default=8, help="how many weeks back (default 8)")
    report.add_argument("--out", help="write report.html (chart and tables) or report.png (the chart); else print")
    report.add_argument("--lang", choices=("en", "es"), default="en", help="the report's language")
    report.add_argument("--json", action="store_true",
                        help="print the numbers as JSON, with per seller who to coach on what")
    report.set_defaults(func=cmd_report)
