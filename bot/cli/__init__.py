"""The `coach` command line: a thin adapter over the coaching capabilities."""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli import ask, call, deals, learn, mcp, nudge, practice, profile, reports, retention, serve, summarize
from bot.core.config import load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Resistance Coach: diagnose buyer resistance and coach it with align, clarify, assure.",
    )
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress on stderr (it is shown only on a terminal anyway)")
    sub = parser.add_subparsers(dest="command", required=True)
    for commands in (ask, profile, summarize, nudge, reports, retention, practice, call, learn, deals, serve, mcp):
        commands.register(sub)
    return parser


def check_team_playbooks() -> None:
    """Load the team's COACH_PLAYBOOKS folder (its team.yaml and playbooks) once, before a command starts: a
    mistake there raises PlaybookError naming the file and field here, rather than halfway through the command
    (a practice session already under way, a server already serving). The shipped playbooks are checked by the
    tests, so without a team folder there is nothing to do."""
    from bot.content.playbooks import load_playbooks

    folder = load_settings().playbooks_dir
    if folder is not None:
        load_playbooks(folder)


def main(argv: list[str] | None = None) -> int:
    from bot.content.schema import PlaybookError
    from bot.core.config import ConfigError
    from bot.core.logs import install_redaction
    from bot.models.progress import show_on_terminal

    install_redaction()  # whatever a command logs (a warning on stderr, `serve`'s log) shows no credentials
    args = build_parser().parse_args(argv)
    show_on_terminal(quiet=args.quiet)  # a first run that trains says so, rather than waiting in silence
    try:
        # database-only commands (stats, prune, forget) run whatever state the team's playbooks are in: a typo in
        # team.yaml must not stand in the way of deleting a workspace's data
        if getattr(args, "reads_playbooks", True):
            check_team_playbooks()
        code = args.func(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows up here, not in a traceback at exit
        return code
    except (ConfigError, PlaybookError) as exc:  # one line naming the variable, or the file and field
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `coach ask … | head -1`: the reader left. As Python's docs advise, point stdout at devnull so the
        # flush at exit cannot fail again, and exit as a process killed by SIGPIPE would (128 + 13).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
