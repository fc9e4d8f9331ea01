"""coach serve: the Slack app."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.core.config import load_settings


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.core.logs import configure_logging
    from bot.slack.app import MissingCredentials, serve
    from bot.store import DatabaseUnusable

    configure_logging()
    try:
        serve(load_settings(), host=args.host)
    except MissingCredentials as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnusable as exc:  # read-only, full, unreachable: one line, not a server failing every request
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def register(sub: Any) -> None:
    """Add `serve` to the `coach` parser's subcommands."""
    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to listen on (port from $PORT)")
    serve.set_defaults(func=cmd_serve)
