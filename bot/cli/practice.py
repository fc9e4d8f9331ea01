"""coach practice (role-play a buyer, answers scored) and coach score (one answer scored)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from bot.cli.call import ask_ours
from bot.core.config import load_settings
from bot.core.taxonomy import LABELS, TOPICS

SCORE_USAGE = 'usage: coach score "what the buyer said" "what you answered" [--kind K] [--json] [--offline]'


SCORE_USAGE = 'usage: coach score "what the buyer said" "what you answered" [--kind K] [--json] [--offline]'


def _print_scorecard(card: Any, kind_name: str) -> None:
    from bot.content.i18n import t

    lang = card.language
    print(f"{t('practice.score', lang)}: {card.passed}/{card.applicable} ({card.score:.0%})   "
          f"{t('practice.kind', lang)}: {kind_name}")
    for check, value in card.checks.items():
        mark = "-" if value is None else "✓" if value else "✗"
        detail = t("practice.not_applicable", lang) if value is None else card.evidence.get(check, "")
        name = t(f"practice.check.{check}", lang)
        print(f"  {mark} {name}" + (f": “{detail}”" if detail and value is not None else
                                             f" ({detail})" if detail else ""))
    print(f"\n{t('practice.well', lang)}\n  {card.well or t('practice.nothing', lang)}")
    print(f"\n{t('practice.improve', lang)}\n  {card.improve}")
    print(f"\n{t('practice.model', lang)}\n  {card.model_answer}\n")
    for note in card.notes:
        print(f"({note})")


def cmd_score(args: argparse.Namespace) -> int:
    from bot.services.coach import Coach
    from bot.services.score import Hint, Scorer

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


def _call_moment(args: argparse.Namespace, coach: Any) -> tuple[Any, str] | int:
    """`--from-call FILE --moment N`: the scenario of that buyer objection of the call (its words, kind and the
    turns before), and the call's language; or the exit code after saying what is wrong."""
    from bot.calls.formats import CallError, read_call
    from bot.calls.review import review_call
    from bot.calls.sides import assign_sides, parse_names
    from bot.services.practice import call_scenario, moment_context

    try:
        conversation = read_call(args.from_call)
    except CallError as exc:
        print(f"error: {args.from_call}: {exc}", file=sys.stderr)
        return 2
    company = coach.playbooks.profile.company
    sides = assign_sides(conversation, company=company.name, domains=company.domains, ours=parse_names(args.ours))
    speakers = ", ".join(conversation.speakers)
    if not sides.decided and not args.ours and sys.stdin.isatty():
        sides = assign_sides(conversation, ours=ask_ours(conversation, sides.undecided or
                                                          tuple(conversation.speakers)))
    if not sides.decided:
        print(f'error: cannot tell which speakers are on your side: pass --ours "Name,Name" with some of them, '
              f"not all (speakers: {speakers})", file=sys.stderr)
        return 2
    moments = review_call(coach, conversation, sides, offline=args.offline).moments
    if not 1 <= args.moment <= len(moments):
        print(f"error: --moment {args.moment}: the call has {len(moments)} buyer objection(s); "
              f"`coach call {args.from_call}` lists them", file=sys.stderr)
        return 2
    moment = moments[args.moment - 1]
    context, _ = moment_context(conversation.turns, moment.speaker, moment.where, moment.quote)
    topic = next((c["topic"] for c in moment.concerns if c["topic"]), None)
    return call_scenario("cli", moment.number, quote=moment.quote, kind=moment.kind, ambiguous=moment.asks_first,
                         topic=topic, speaker=moment.speaker, where=moment.where, context=context), \
        conversation.language


def cmd_practice(args: argparse.Namespace) -> int:
    import time

    from bot.content.i18n import t
    from bot.services.coach import Coach
    from bot.services.practice import MAX_TURNS, NoScenario, Practice, Selection, SessionKey, summary_outcome

    settings = load_settings()
    coach = Coach(settings)
    user = os.environ.get("USER") or "cli"
    practice = Practice(coach)
    if args.stats:
        stats = practice.stats("cli", user)
        print(json.dumps(stats, ensure_ascii=False)) if args.json else _print_practice_stats(stats)
        return 0
    lang = args.lang
    if args.from_call:
        found = _call_moment(args, coach)
        if isinstance(found, int):
            return found
        scenario, lang = found
    else:
        try:
            scenario = practice.choose(Selection(args.kind, args.topic, args.lang, args.source))
        except NoScenario as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    key = SessionKey("cli", "cli", f"{time.time():.6f}", user)

    def show_opening(opening: Any) -> None:
        said = "".join(f"  {line}\n" for line in opening.context)
        print(f"{t('practice.title', lang)}: {opening.persona}\n")
        if said:
            print(f"{t('practice.call.before', lang)}\n{said}")
        print(f"{t('practice.buyer', lang)}: {opening.objection}\n")
        print(f"({t('practice.turn', lang, turn=1, max=MAX_TURNS)}. {t('practice.reply_here', lang)} 'quit' ends.)")

    show_opening(practice.start(key, scenario, lang))
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
            print(t("practice.over", lang), t("practice.again_hint", lang))
            continue
        if step.hint:
            print(step.hint.text)
            continue
        print()
        _print_scorecard(step.card, coach.playbooks[scenario.kind].text("name", lang))
        print(f"\n{t('practice.buyer', lang)}: {step.buyer}\n")
        if step.done and step.summary:
            s = step.summary
            outcome = summary_outcome(s, lang)
            print(f"{t('practice.summary', lang)}: {outcome} "
                  f"{t('practice.scores', lang)}: {', '.join(f'{x:.0%}' for x in s.scores)}."
                  + (f" {t('practice.focus', lang)}: {s.focus}." if s.focus else ""))
            print(t("practice.again_hint", lang))
        else:
            print(f"({t('practice.turn', lang, turn=step.turn, max=MAX_TURNS)}. {t('practice.reply_here', lang)})")
    return 0


def register(sub: Any) -> None:
    """Add `practice`, `score` to the `coach` parser's subcommands."""
    practice = sub.add_parser("practice", help="role-play a buyer: answer their objection and get scored")
    practice.add_argument("--kind", choices=LABELS, help="the kind of resistance to practise")
    practice.add_argument("--topic", choices=TOPICS, help="what the objection is about")
    practice.add_argument("--lang", choices=("en", "es"), default="en", help="the buyer's language")
    practice.add_argument("--source", choices=("team", "generic"), help="only the scenarios about your own product "
                          "(built from the team profile) or only the shipped ones; by default the team's come "
                          "first when the profile is filled in")
    practice.add_argument("--stats", action="store_true", help="your pass rate per check and per kind over time")
    practice.add_argument("--json", action="store_true", help="with --stats: print JSON")
    practice.add_argument("--offline", action="store_true", help="score offline even if an LLM is configured")
    practice.add_argument("--from-call", metavar="FILE", help="practise a buyer objection of a call or email thread "
                          "(as `coach call` reads them): the buyer says it again, with what was said before")
    practice.add_argument("--moment", type=int, default=1, help="with --from-call: which objection, as `coach call` "
                          "numbers them (default 1)")
    practice.add_argument("--ours", help='with --from-call: your side\'s speakers, comma-separated (e.g. "Ana,Ben")')
    practice.set_defaults(func=cmd_practice)

    score = sub.add_parser("score", help="score one answer to one objection", usage=SCORE_USAGE[len("usage: ") :])
    score.add_argument("objection", help="what the buyer said")
    score.add_argument("reply", help="what the seller answered")
    score.add_argument("--kind", choices=LABELS, help="the kind of resistance (default: diagnosed)")
    score.add_argument("--json", action="store_true", help="print one JSON object")
    score.add_argument("--offline", action="store_true", help="score offline even if an LLM is configured")
    score.set_defaults(func=cmd_score)
