"""coach call: a call transcript or an email thread reviewed."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.core.config import load_settings

CALL_USAGE = 'usage: coach call FILE [--ours "Ana,Ben"] [--json] [--offline]'


CALL_USAGE = 'usage: coach call FILE [--ours "Ana,Ben"] [--json] [--offline]'


def ask_ours(conversation: Any, undecided: tuple[str, ...]) -> list[str]:
    """Ask once, on a terminal, which speakers are the seller's; the question goes to stderr so `--json` output
    stays clean. Names or numbers from the list, separated by commas."""
    speakers = conversation.speakers
    print(f"I can't tell which side {', '.join(undecided)} {'is' if len(undecided) == 1 else 'are'} on.",
          file=sys.stderr)
    for number, speaker in enumerate(speakers, 1):
        print(f"  {number}. {speaker}", file=sys.stderr)
    print("Which speakers are on your side? Names or numbers, separated by commas: ", end="", file=sys.stderr,
          flush=True)
    answer = sys.stdin.readline()
    names = []
    for item in (part.strip() for part in answer.split(",")):
        if item.isdigit() and 1 <= int(item) <= len(speakers):
            names.append(speakers[int(item) - 1])
        elif item:
            names.append(item)
    return names


def cmd_call(args: argparse.Namespace) -> int:
    from bot.calls.formats import CallError, read_call
    from bot.calls.review import review_call, review_lines
    from bot.calls.sides import assign_sides, parse_names
    from bot.models.progress import step
    from bot.services.coach import Coach

    try:
        conversation = read_call(args.file)
    except CallError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    coach = Coach(load_settings())
    company = coach.playbooks.profile.company
    given = parse_names(args.ours)
    sides = assign_sides(conversation, company=company.name, domains=company.domains, ours=given)
    if not given and not sides.decided:
        if not sys.stdin.isatty():
            unsure = ", ".join(sides.undecided or conversation.speakers)
            print(f"error: cannot tell which speakers are on your side ({unsure}); "
                  f'pass --ours "Name,Name" with your side\'s speakers (speakers: {", ".join(conversation.speakers)})',
                  file=sys.stderr)
            return 2
        given = ask_ours(conversation, sides.undecided or tuple(conversation.speakers))
        sides = assign_sides(conversation, ours=given)
    speakers = ", ".join(conversation.speakers)
    if sides.unknown_names:
        print(f"error: --ours names no speaker in the file: {', '.join(sides.unknown_names)} (speakers: {speakers})",
              file=sys.stderr)
        return 2
    if not sides.ours or not sides.buyers:
        print(f"error: one side has no speaker: name your side's speakers with --ours, not all of them "
              f"(speakers: {speakers})", file=sys.stderr)
        return 2
    with step(f"reviewing {len(conversation.turns)} turns"):
        review = review_call(coach, conversation, sides, offline=args.offline)
    if args.json:
        print(json.dumps(review.as_json(), ensure_ascii=False, indent=2))
    else:
        lang = review.language
        topics = {name: pb.text("name", lang) for name, pb in coach.playbooks.topics.items()}
        print("\n".join(review_lines(review, coach.kind_names(lang), coach.obstacle_names(lang), topics)))
    return 0


def register(sub: Any) -> None:
    """Add `call` to the `coach` parser's subcommands."""
    call = sub.add_parser("call", help="review a call transcript or an email thread: each buyer objection and how "
                                       "your side answered it", usage=CALL_USAGE[len("usage: ") :])
    call.add_argument("file", help="WebVTT or SRT (Zoom, Teams, Meet), an Otter/Gong/Fireflies text export, an .eml "
                                   "or a pasted email thread")
    call.add_argument("--ours", help='your side\'s speakers, comma-separated (e.g. "Ana,Ben"); the others are the '
                                     "buyer's")
    call.add_argument("--json", action="store_true", help="print the review as JSON")
    call.add_argument("--offline", action="store_true", help="review offline even if an LLM is configured")
    call.set_defaults(func=cmd_call)
