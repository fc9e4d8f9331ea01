"""coach summarize: a deal-room thread (conversations.replies JSON) summarised."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import parse_now
from bot.core.config import load_settings


def cmd_summarize(args: argparse.Namespace) -> int:
    from bot.services.coach import Coach
    from bot.services.summarize import Summarizer, parse_messages
    from bot.services.summary_text import summary_text

    try:
        messages = parse_messages(json.loads(Path(args.file).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    now = parse_now(args.now)
    if now is False:
        return 2
    if not messages:
        print(f"error: {args.file}: the thread has no messages", file=sys.stderr)
        return 2
    settings = load_settings()
    coach = Coach(settings)
    summary = Summarizer(coach, settings.stall_days).summarize(messages, now, offline=args.offline)
    # a terminal shows what people wrote: no Slack escaping (`&gt;`, `&amp;`) in what we print
    text = summary_text(summary, coach.obstacle_names(summary.language), coach.kind_names(summary.language),
                        esc=lambda said: said)
    print(json.dumps(summary.as_json(text), ensure_ascii=False, indent=2) if args.json else text)
    return 0


def register(sub: Any) -> None:
    """Add `summarize` to the `coach` parser's subcommands."""
    summarize = sub.add_parser("summarize", help="summarise a deal-room thread (conversations.replies JSON)")
    summarize.add_argument("file", help='JSON as conversations.replies returns it: {"messages": [...]}')
    summarize.add_argument("--json", action="store_true", help="print the summary as JSON")
    summarize.add_argument("--now", help="ISO 8601 time to judge staleness against (default: the last message)")
    summarize.add_argument("--offline", action="store_true", help="no LLM, even if one is configured")
    summarize.set_defaults(func=cmd_summarize)
