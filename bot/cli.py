"""The `coach` command line: a thin adapter over the coaching capabilities."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import load_settings

ASK_USAGE = 'usage: coach ask "what the buyer said" [--context "deal notes"] [--json] [--offline]'


def _print_guidance(guidance: Any, playbook_name: str) -> None:
    print(f"Diagnosis: {guidance.label} ({playbook_name}), {guidance.confidence:.0%} confident")
    if guidance.question:
        print(f"\nAsk first\n  {guidance.question}")
    for title, body in (("Align", guidance.align), ("Clarify", guidance.clarify), ("Assure", guidance.assure)):
        print(f"\n{title}")
        for line in body.splitlines():
            print(f"  {line}")
    print(f"\nSay it like this\n  {guidance.talk_track}")
    print()
    for note in guidance.notes:
        print(f"({note})")


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.coach import Coach, EmptyObjection

    text = " ".join(args.text)
    coach = Coach(load_settings())
    try:
        guidance = coach.coach(text, args.context, surface="cli", offline=args.offline)
    except EmptyObjection:
        print(ASK_USAGE, file=sys.stderr)
        print("error: give the buyer's objection as text", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(guidance.as_json(), ensure_ascii=False))
    else:
        _print_guidance(guidance, coach.playbooks[guidance.label].text("name", guidance.language))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluate import evaluate, format_report

    try:
        report = evaluate(Path(args.file), load_settings(), progress=not args.json)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _parse_now(raw: str | None) -> Any:
    """--now as an aware datetime (a time without a zone is UTC); None if absent; False (reported) if bad."""
    from datetime import UTC, datetime

    if not raw:
        return None
    try:
        now = datetime.fromisoformat(raw)
    except ValueError:
        print(f"error: --now must be ISO 8601 (e.g. 2026-11-23T09:00:00+01:00), got {raw!r}", file=sys.stderr)
        return False
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def cmd_summarize(args: argparse.Namespace) -> int:
    from bot.coach import Coach
    from bot.slack.blocks import summary_text
    from bot.summarize import Summarizer, parse_messages

    try:
        messages = parse_messages(json.loads(Path(args.file).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    now = _parse_now(args.now)
    if now is False:
        return 2
    if not messages:
        print(f"error: {args.file}: the thread has no messages", file=sys.stderr)
        return 2
    settings = load_settings()
    coach = Coach(settings)
    summary = Summarizer(coach, settings.stall_days).summarize(messages, now, offline=args.offline)
    text = summary_text(summary, coach.obstacle_names(summary.language), coach.kind_names(summary.language))
    print(json.dumps(summary.as_json(text), ensure_ascii=False, indent=2) if args.json else text)
    return 0


def cmd_nudge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.slack.app import MissingCredentials, make_deps, required_settings, web_client
    from bot.slack.nudges import nudge_once

    settings = load_settings()
    now = _parse_now(args.now)
    if now is False:
        return 2
    now = now or datetime.now(UTC)
    missing = [name for name in required_settings(settings) if name == "SLACK_BOT_TOKEN"]
    if missing:
        print(f"error: {MissingCredentials(missing)}", file=sys.stderr)
        return 2
    client = web_client(settings)
    team_id = client.auth_test()["team_id"]
    outcomes = nudge_once(make_deps(settings), client, team_id, now, dry_run=args.dry_run)
    if args.json:
        print(json.dumps([d.as_json() for o in outcomes if o.status != "opted_out" for d in o.deals],
                         ensure_ascii=False))
        return 0
    if not outcomes:
        print("No stalled deals: nothing to send.")
    for o in outcomes:
        print(f"{o.owner} ({o.week or '-'}): {o.status}, {len(o.deals)} stalled deal(s)")
        for d in o.deals:
            print(f"  {d.deal['name']}: {' '.join(r.text for r in d.reasons)} Next: {d.next_step}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.store import Store

    rows = Store(load_settings().db_path).llm_stats()
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


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from bot.slack.app import MissingCredentials, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        serve(load_settings(), host=args.host)
    except MissingCredentials as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


SCORE_USAGE = 'usage: coach score "what the buyer said" "what you answered" [--kind K] [--json] [--offline]'


def _print_scorecard(card: Any, kind_name: str) -> None:
    from bot.practice import CHECK_NAMES, labels_text

    w, names = labels_text(card.language), CHECK_NAMES["es" if card.language == "es" else "en"]
    print(f"{w['score']}: {card.passed}/{card.applicable} ({card.score:.0%})   {w['kind']}: {kind_name}")
    for check, value in card.checks.items():
        mark = "-" if value is None else "✓" if value else "✗"
        detail = w["not_applicable"] if value is None else card.evidence.get(check, "")
        print(f"  {mark} {names[check]}" + (f": “{detail}”" if detail and value is not None else
                                             f" ({detail})" if detail else ""))
    print(f"\n{w['well']}\n  {card.well or w['nothing']}")
    print(f"\n{w['improve']}\n  {card.improve}")
    print(f"\n{w['model']}\n  {card.model_answer}\n")
    for note in card.notes:
        print(f"({note})")


def cmd_score(args: argparse.Namespace) -> int:
    from bot.coach import Coach
    from bot.score import Hint, Scorer

    if not args.objection.strip() or not args.reply.strip():
        print(SCORE_USAGE, file=sys.stderr)
        print("error: give the buyer's objection and your answer, each as one quoted argument", file=sys.stderr)
        return 2
    coach = Coach(load_settings())
    result = Scorer(coach).assess(args.objection, args.reply, args.kind, offline=args.offline)
    if isinstance(result, Hint):
        print(json.dumps({"kind": args.kind, "hint": result.text, "reason": result.reason}, ensure_ascii=False)
              if args.json else result.text)
        return 0
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        _print_scorecard(result, coach.playbooks[result.kind].text("name", result.language))
    return 0


def _print_practice_stats(stats: dict[str, Any]) -> None:
    if not stats["answers"]:
        print("No practice answers yet. Start one with `coach practice`.")
        return
    print(f"{stats['answers']} scored answers\n\nPass rate per check")
    for check, entry in stats["checks"].items():
        print(f"  {check:<12}{entry['rate']:>6.0%}  ({entry['passed']}/{entry['applicable']})")
    print("\nMean score per kind")
    for kind, entry in stats["kinds"].items():
        print(f"  {kind:<14}{entry['mean_score']:>6.0%}  ({entry['answers']} answers)")
    print("\nOver time")
    for week in stats["weeks"]:
        checks = ", ".join(f"{name} {e['rate']:.0%}" for name, e in week["checks"].items())
        kinds = ", ".join(f"{name} {e['mean_score']:.0%}" for name, e in week["kinds"].items())
        print(f"  {week['week']:<10}{week['mean_score']:>6.0%}  ({week['answers']} answers)  checks: {checks}; "
              f"kinds: {kinds}")


def cmd_practice(args: argparse.Namespace) -> int:
    import os
    import time

    from bot.coach import Coach
    from bot.practice import MAX_TURNS, NoScenario, Practice, Selection, SessionKey, labels_text

    settings = load_settings()
    coach = Coach(settings)
    user = os.environ.get("USER") or "cli"
    practice = Practice(coach)
    if args.stats:
        stats = practice.stats("cli", user)
        print(json.dumps(stats, ensure_ascii=False)) if args.json else _print_practice_stats(stats)
        return 0
    try:
        scenario = practice.choose(Selection(args.kind, args.topic, args.lang))
    except NoScenario as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    key = SessionKey("cli", "cli", f"{time.time():.6f}", user)
    w = labels_text(args.lang)

    def show_opening(opening: Any) -> None:
        print(f"{w['title']}: {opening.persona}\n\n{w['buyer']}: {opening.objection}\n")
        print(f"({w['turn'].format(turn=1, max=MAX_TURNS)}. {w['reply_here']} 'quit' ends.)")

    show_opening(practice.start(key, scenario, args.lang))
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:  # end of input
            break
        text = line.strip()
        if text.lower() in ("quit", "exit", "salir"):
            break
        if text.lower() in ("try again", "retry", "otra vez", "de nuevo"):
            show_opening(practice.restart(key))
            continue
        step = practice.answer(key, text, offline=args.offline)
        if step is None or step.finished_before:
            print(w["over"], w["again_hint"])
            continue
        if step.hint:
            print(step.hint.text)
            continue
        print()
        _print_scorecard(step.card, coach.playbooks[scenario.kind].text("name", args.lang))
        print(f"\n{w['buyer']}: {step.buyer}\n")
        if step.done and step.summary:
            s = step.summary
            print(f"{w['summary']}: {w['handled'] if s.handled else w['not_handled']} "
                  f"{w['scores']}: {', '.join(f'{x:.0%}' for x in s.scores)}."
                  + (f" {w['focus']}: {s.focus}." if s.focus else ""))
            print(w["again_hint"])
        else:
            print(f"({w['turn'].format(turn=step.turn, max=MAX_TURNS)}. {w['reply_here']})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Resistance Coach: diagnose buyer resistance and coach it with align, clarify, assure.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="coach one buyer objection", usage=ASK_USAGE[len("usage: ") :])
    ask.add_argument("text", nargs="*", help="what the buyer said")
    ask.add_argument("--context", help="deal context: who, what stage, what they want")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--offline", action="store_true", help="answer from the playbooks even if an LLM is configured")
    ask.set_defaults(func=cmd_ask)

    ev = sub.add_parser("eval", help="measure the offline classifier on a labelled JSONL file")
    ev.add_argument("file", help='JSONL, one {"text": ..., "label": ...} per line')
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.set_defaults(func=cmd_eval)

    summarize = sub.add_parser("summarize", help="summarise a deal-room thread (conversations.replies JSON)")
    summarize.add_argument("file", help='JSON as conversations.replies returns it: {"messages": [...]}')
    summarize.add_argument("--json", action="store_true", help="print the summary as JSON")
    summarize.add_argument("--now", help="ISO 8601 time to judge staleness against (default: the last message)")
    summarize.add_argument("--offline", action="store_true", help="no LLM, even if one is configured")
    summarize.set_defaults(func=cmd_summarize)

    nudge = sub.add_parser("nudge", help="run the weekly stalled-deal nudges once (same Slack settings as serve)")
    nudge.add_argument("--dry-run", action="store_true", help="show what would be sent; send nothing")
    nudge.add_argument("--json", action="store_true", help="print the stalled deals as JSON")
    nudge.add_argument("--now", help="ISO 8601 time to run as (default: now)")
    nudge.set_defaults(func=cmd_nudge)

    stats = sub.add_parser("stats", help="model calls, tokens, cache hits and failures per day")
    stats.add_argument("--json", action="store_true", help="print the rows as JSON")
    stats.set_defaults(func=cmd_stats)

    from bot.practice import TOPICS
    from bot.taxonomy import LABELS

    practice = sub.add_parser("practice", help="role-play a buyer: answer their objection and get scored")
    practice.add_argument("--kind", choices=LABELS, help="the kind of resistance to practise")
    practice.add_argument("--topic", choices=TOPICS, help="what the objection is about")
    practice.add_argument("--lang", choices=("en", "es"), default="en", help="the buyer's language")
    practice.add_argument("--stats", action="store_true", help="your pass rate per check and per kind over time")
    practice.add_argument("--json", action="store_true", help="with --stats: print JSON")
    practice.add_argument("--offline", action="store_true", help="score offline even if an LLM is configured")
    practice.set_defaults(func=cmd_practice)

    score = sub.add_parser("score", help="score one answer to one objection", usage=SCORE_USAGE[len("usage: ") :])
    score.add_argument("objection", help="what the buyer said")
    score.add_argument("reply", help="what the seller answered")
    score.add_argument("--kind", choices=LABELS, help="the kind of resistance (default: diagnosed)")
    score.add_argument("--json", action="store_true", help="print one JSON object")
    score.add_argument("--offline", action="store_true", help="score offline even if an LLM is configured")
    score.set_defaults(func=cmd_score)

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to listen on (port from $PORT)")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.config import ConfigError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
