"""coach ask (one objection coached) and coach eval (the classifier measured on a labelled file)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.core.config import load_settings

ASK_USAGE = 'usage: coach ask "what the buyer said" [--context "deal notes"] [--json] [--offline]'


ASK_USAGE = ('usage: coach ask "what the buyer said" [--context "deal notes"] [--deal DEAL] [--team T] [--json] '
             '[--offline]')


def _print_guidance(guidance: Any, playbook_name: str) -> None:
    from bot.content.i18n import t

    lang = guidance.language
    print(t("guidance.diagnosis", lang, label=guidance.label, name=playbook_name,
            confidence=f"{guidance.confidence:.0%}"))
    if guidance.question:
        print(f"\n{t('guidance.ask_first', lang)}\n  {guidance.question}")
    for key, body in (("guidance.align", guidance.align), ("guidance.clarify", guidance.clarify),
                      ("guidance.assure", guidance.assure)):
        if body:  # an ask-first answer to a brush-off has only the question and what each answer would mean
            print(f"\n{t(key, lang)}")
            for line in body.splitlines():
                print(f"  {line}")
    if guidance.talk_track:
        print(f"\n{t('guidance.say_it', lang)}\n  {guidance.talk_track}")
    print()
    for note in guidance.notes:
        print(f"({note})")


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.cli.deals import cli_team
    from bot.content.i18n import t
    from bot.core.guidance import EmptyObjection, NotAnObjection, OptedOut
    from bot.core.language import answer_language
    from bot.services.coach import Coach
    from bot.services.deals import DealError, find_deal

    text = " ".join(args.text)
    settings = load_settings()
    coach = Coach(settings)
    team = cli_team(args, settings)  # stored under the workspace, so the team's report counts it
    try:
        deal = find_deal(coach.store, team, args.deal) if args.deal else None
    except DealError as exc:
        print(f"error: --deal: {exc}", file=sys.stderr)
        return 2
    try:
        guidance = coach.coach(text, args.context, surface="cli", offline=args.offline, team_id=team)
    except OptedOut:
        print(t("notice.opted_out", answer_language(text)))
        return 0
    except NotAnObjection:
        print("error: that does not read as something a buyer said; give the buyer's own words, e.g. "
              'coach ask "We don\'t have budget for this until spring"', file=sys.stderr)
        return 2
    except EmptyObjection:
        print(ASK_USAGE, file=sys.stderr)
        print("error: give the buyer's objection as text", file=sys.stderr)
        return 2
    if deal is not None and guidance.coaching_id:
        coach.store.link_coaching(guidance.coaching_id, deal["id"])
    if args.json:
        print(json.dumps(guidance.as_json(), ensure_ascii=False))
    else:
        _print_guidance(guidance, coach.playbooks[guidance.label].text("name", guidance.language))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.models.metrics import format_report
    from bot.services.evaluate import evaluate

    try:
        report = evaluate(Path(args.file), load_settings(), progress=not args.json, field=args.field)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def register(sub: Any) -> None:
    """Add `ask`, `eval` to the `coach` parser's subcommands."""
    ask = sub.add_parser("ask", help="coach one buyer objection", usage=ASK_USAGE[len("usage: ") :])
    ask.add_argument("text", nargs="*", help="what the buyer said")
    ask.add_argument("--context", help="deal context: who, what stage, what they want")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--offline", action="store_true", help="answer from the playbooks even if an LLM is configured")
    ask.add_argument("--team", help="the workspace the coaching is kept under (team ID, T…); default COACH_TEAM, "
                                    "else 'local'")
    ask.add_argument("--deal", help="the deal it is about (its number, channel id, CRM id or name): counted in the "
                                    "deal's outcome")
    ask.set_defaults(func=cmd_ask)

    ev = sub.add_parser("eval", help="measure the offline classifier on a labelled JSONL file")
    ev.add_argument("file", help='JSONL, one {"text": ..., "label": ...} per line')
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument("--field", choices=("label", "topic"), default="label",
                    help="what to measure: the kind of resistance (label) or the topic detector (topic)")
    ev.set_defaults(func=cmd_eval)
