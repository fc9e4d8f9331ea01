"""`coach mcp`: the coach as an MCP server, for assistants (bot/mcp/). Over stdio by default (a desktop
assistant starts it); `--http` serves streamable HTTP at /mcp for remote clients, each with a bearer token."""

from __future__ import annotations

import argparse
import sys
from typing import Any

MCP_USAGE = "usage: coach mcp [--team T0123ABC] | coach mcp --http [--host 127.0.0.1] [--port 8000]"


def register(sub: Any) -> None:
    mcp = sub.add_parser("mcp", help="serve the coach to assistants over MCP (stdio, or streamable HTTP with "
                                     "--http)", usage=MCP_USAGE[len("usage: ") :])
    mcp.add_argument("--http", action="store_true",
                     help="serve streamable HTTP at /mcp, for the tokens in COACH_MCP_TOKENS (default: stdio)")
    mcp.add_argument("--host", default="127.0.0.1",
                     help="--http: address to listen on (default 127.0.0.1; 0.0.0.0 behind a TLS proxy)")
    mcp.add_argument("--port", type=int, default=8000, help="--http: port to listen on (default 8000)")
    mcp.add_argument("--team", help="stdio: the workspace (team ID, T…) calls are logged under; default "
                                    "COACH_MCP_TEAM. Over HTTP each token names its own")
    mcp.set_defaults(func=cmd_mcp)


def cmd_mcp(args: argparse.Namespace) -> int:
    from bot.core.config import load_settings
    from bot.core.logs import configure_logging
    from bot.mcp.settings import MAKE_ONE, check_workspace, load_mcp_settings
    from bot.mcp.tools import CoachTools
    from bot.services.coach import Coach
    from bot.store import DatabaseUnusable, open_writable_store

    mcp_settings = load_mcp_settings()  # a ConfigError is reported by main(), naming the variable
    if args.http and args.team:
        print(f"{MCP_USAGE}\nerror: over HTTP each token opens its own workspace (COACH_MCP_TOKENS); --team is for "
              "stdio", file=sys.stderr)
        return 2
    if args.http and not mcp_settings.tokens:
        print("error: coach mcp --http serves only callers with a bearer token, and none is set: set "
              'COACH_MCP_TOKENS="<token>:T0123ABC,<token>:T0456DEF" (or COACH_MCP_TOKEN and COACH_MCP_TEAM); make a '
              f"token with {MAKE_ONE}", file=sys.stderr)
        return 2
    if not 0 < args.port < 65536:
        print(f"error: --port must be between 1 and 65535, got {args.port}", file=sys.stderr)
        return 2
    team = check_workspace(args.team, "--team") if args.team else mcp_settings.team_id
    configure_logging()  # on stderr: over stdio, stdout carries the protocol and nothing else
    settings = load_settings()
    try:
        tools = CoachTools(settings, Coach(settings, open_writable_store(settings)))  # a bad database: one line now
        if args.http:
            from bot.mcp.server import run_http

            run_http(tools, mcp_settings, args.host, args.port)
        else:
            from bot.mcp.server import run_stdio

            run_stdio(tools, team)
    except DatabaseUnusable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
