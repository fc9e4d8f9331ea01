"""The `coach` command line: a thin adapter over the coaching capabilities."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from bot.config import load_settings

ASK_USAGE = ('usage: coach ask "what the buyer said" [--context "deal notes"] [--deal DEAL] [--team T] [--json] '
             '[--offline]')


def _print_guidance(guidance: Any, playbook_name: str) -> None:
    from bot.i18n import t

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
    from bot.coach import Coach, EmptyObjection, NotAnObjection
    from bot.deals import DealError, find_deal

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
    from bot.evaluate import evaluate, format_report

    try:
        report = evaluate(Path(args.file), load_settings(), progress=not args.json, field=args.field)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    from bot.playbooks import load_playbooks

    books = load_playbooks(load_settings().playbooks_dir)  # a mistake in it is reported by main()
    profile = books.profile
    missing = profile.topics_without_facts()
    if args.json:
        print(json.dumps({"file": str(books.profile_path), **profile.model_dump(), "topics_without_facts": missing},
                         ensure_ascii=False))
        return 0
    print(f"Team profile: {books.profile_path}")
    print(f"Company: {profile.company.name}: {profile.company.offering.en}")
    print(f"\nFacts ({len(profile.facts)})")
    for fact in profile.facts:
        print(f"  [{fact.topic or '-'}] {fact.en}{'' if fact.es else '  (no Spanish yet)'}")
    print(f"\nReferences ({len(profile.references)})")
    for ref in profile.references:
        calls = "takes calls" if ref.contact_ok else "may be named, no calls"
        print(f"  {ref.customer} ({ref.industry}{', ' + ref.size if ref.size else ''}; {calls}): {ref.result.en}")
    print(f"\nCompetitors ({len(profile.competitors)})")
    for competitor in profile.competitors:
        print(f"  {competitor.name}: {competitor.en}")
    print(f"\nTopics with no fact yet ({len(missing)}): {', '.join(missing) if missing else 'none'}")
    if missing:
        print("  The coach shows a [placeholder] for these; add a fact to team.yaml to fill it.")
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
    # a terminal shows what people wrote: no Slack escaping (`&gt;`, `&amp;`) in what we print
    text = summary_text(summary, coach.obstacle_names(summary.language), coach.kind_names(summary.language),
                        esc=lambda said: said)
    print(json.dumps(summary.as_json(text), ensure_ascii=False, indent=2) if args.json else text)
    return 0


def cmd_nudge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    settings = load_settings()
    now = _parse_now(args.now)
    if now is False:
        return 2
    now = now or datetime.now(UTC)
    if args.dry_run:
        outcomes = _preview_nudges(settings, now, args.team)
    else:
        from bot.slack.app import MissingCredentials, make_deps, required_settings, web_client
        from bot.slack.nudges import installed_clients, nudge_once, nudge_tick

        missing = [name for name in required_settings(settings) if name == "SLACK_BOT_TOKEN"]
        if missing:
            print(f"error: {MissingCredentials(missing)}", file=sys.stderr)
            return 2
        client, deps = web_client(settings), make_deps(settings)
        if settings.oauth_enabled:  # many workspaces: each installed one, on its own token
            workspaces = installed_clients(deps.store, client)
            if args.team and args.team not in [team for team, _ in workspaces]:
                print(f"error: --team {args.team} has not installed the app", file=sys.stderr)
                return 2
        else:
            workspaces = [(client.auth_test()["team_id"], client)]
            if args.team and args.team != workspaces[0][0]:
                print(f"error: --team {args.team} is not the workspace of SLACK_BOT_TOKEN ({workspaces[0][0]})",
                      file=sys.stderr)
                return 2
        outcomes = []
        for team_id, team_client in workspaces:
            if args.team and team_id != args.team:
                continue
            if args.due:
                ticked = nudge_tick(deps, team_client, team_id, now)
                if ticked is None:
                    print(f"{team_id}: another process is running the nudge tick on this database; nothing sent "
                          "here.", file=sys.stderr if args.json else sys.stdout)
                    continue
                outcomes += ticked
            else:
                outcomes += nudge_once(deps, team_client, team_id, now)
    unknown = sum(1 for o in outcomes if o.status == "planned" and o.timezone is None)
    # the note goes to stderr with --json, so the JSON on stdout stays parseable
    note = (f"Note: {unknown} owner(s) have no time zone stored yet (a dry run does not ask Slack); "
            "their week is counted in UTC.") if unknown else ""
    if args.json:
        print(json.dumps([d.as_json() for o in outcomes if o.status != "opted_out" for d in o.deals],
                         ensure_ascii=False))
        if note:
            print(note, file=sys.stderr)
        return 0
    if not outcomes:
        print(_no_stalled_deals(settings, args.team))
    for o in outcomes:
        print(f"{o.team_id} {o.owner} ({o.week or '-'}): {o.status}, {len(o.deals)} stalled deal(s)")
        for d in o.deals:
            print(f"  {d.deal['name']}: {' '.join(r.text for r in d.reasons)} Next: {d.next_step}")
    if note:
        print(note)
    return 0


def _no_stalled_deals(settings: Any, team_id: str | None) -> str:
    """Why there is nothing to send: no deal stalled, or no deal tracked at all (and how to track one)."""
    from bot.store import open_store

    with closing(open_store(settings)) as store:
        tracked = store.open_deal_count(team_id)
    if tracked:
        return f"No stalled deals among the {tracked} tracked: nothing to send."
    where = f" in workspace {team_id}" if team_id else ""
    return (f"No deals are tracked{where}, so none can stall: nothing to send. Track one with "
            '`coach deal track "Acme renewal" --owner ana@example.com` (or `/objection track Acme renewal` in its '
            "Slack channel), or import your CRM's deals with `coach deal import deals.csv`.")


def _preview_nudges(settings: Any, now: Any, team_id: str | None) -> list[Any]:
    """What the weekly job would send, from the database alone: no Slack token, every workspace (or one)."""
    from bot.nudges import run_nudges
    from bot.playbooks import load_playbooks
    from bot.store import open_store

    with closing(open_store(settings)) as store:
        return run_nudges(store, load_playbooks(settings.playbooks_dir), None, now, settings.stall_days, team_id,
                          dry_run=True, day=settings.nudge_day, hour=settings.nudge_hour)


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


STEP_WORDS = {"coachings_text": "coachings: text blanked", "thread_turns_text": "thread turns: text blanked",
              "threads_context": "threads: deal context blanked"}


def _print_counts(counts: dict[str, int], done: bool) -> None:
    width = max(len(STEP_WORDS.get(k, k)) for k in counts)
    for step, n in counts.items():
        verb = "" if step in STEP_WORDS else (" deleted" if done else " to delete")
        print(f"  {STEP_WORDS.get(step, step):<{width}} {n:>8}{verb if n else ''}")


def cmd_prune(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.store import open_store

    settings = load_settings()
    with closing(open_store(settings)) as store:
        counts = store.prune(datetime.now(UTC), settings.retention_days, settings.text_retention_days,
                             dry_run=args.dry_run)
    if args.json:
        print(json.dumps({"dry_run": args.dry_run, "retention_days": settings.retention_days,
                          "text_retention_days": settings.text_retention_days, "rows": counts}))
        return 0
    print(f"{'Dry run, nothing changed' if args.dry_run else 'Pruned'}: deliveries seen after 1 day, text after "
          f"{settings.text_retention_days} days, everything else after {settings.retention_days} days. A workspace "
          f"that uninstalled the app: all its data {settings.retention_days} days after.")
    _print_counts(counts, done=not args.dry_run)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from bot.learn import forget_legacy_folder
    from bot.store import open_store

    settings = load_settings()
    with closing(open_store(settings)) as store:
        counts = {**store.forget_team(args.team, dry_run=True),
                  "team_files": forget_legacy_folder(settings, args.team, dry_run=True)}
        if not any(n for step, n in counts.items() if step != "llm_cache"):
            print(f"Nothing is stored for workspace {args.team}; nothing deleted.")
            return 0
        if args.yes:
            counts = {**store.forget_team(args.team), "team_files": forget_legacy_folder(settings, args.team)}
    if args.json:
        print(json.dumps({"team_id": args.team, "deleted": bool(args.yes), "rows": counts}))
    else:
        print(f"Workspace {args.team}: {'deleted' if args.yes else 'would delete'} "
              "(with the model answers cached without a workspace)")
        _print_counts(counts, done=args.yes)
        if not args.yes:
            print("Nothing deleted yet: run again with --yes to delete these rows for good.")
    return 0 if args.yes else 1


def cmd_learn(args: argparse.Namespace) -> int:
    from bot.store import open_store

    settings = load_settings()
    with closing(open_store(settings)) as store:
        return _learn(args, settings, store)


def _learn(args: argparse.Namespace, settings: Any, store: Any) -> int:
    from dataclasses import asdict

    from bot.learn import (
        check_team_id,
        default_heldout,
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
        heldout = [Path(p) for p in args.heldout] if args.heldout else default_heldout()
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


def cmd_report(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.playbooks import load_playbooks
    from bot.report import render_chart, report_html, report_lines, team_report
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


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.logs import configure_logging
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


SCORE_USAGE = 'usage: coach score "what the buyer said" "what you answered" [--kind K] [--json] [--offline]'


def _print_scorecard(card: Any, kind_name: str) -> None:
    from bot.i18n import t

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


CALL_USAGE = 'usage: coach call FILE [--ours "Ana,Ben"] [--json] [--offline]'


def _ask_ours(conversation: Any, undecided: tuple[str, ...]) -> list[str]:
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
    from bot.coach import Coach
    from bot.models.progress import step

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
        given = _ask_ours(conversation, sides.undecided or tuple(conversation.speakers))
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
    from bot.practice import call_scenario, moment_context

    try:
        conversation = read_call(args.from_call)
    except CallError as exc:
        print(f"error: {args.from_call}: {exc}", file=sys.stderr)
        return 2
    company = coach.playbooks.profile.company
    sides = assign_sides(conversation, company=company.name, domains=company.domains, ours=parse_names(args.ours))
    speakers = ", ".join(conversation.speakers)
    if not sides.decided and not args.ours and sys.stdin.isatty():
        sides = assign_sides(conversation, ours=_ask_ours(conversation, sides.undecided or
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
    import os
    import time

    from bot.coach import Coach
    from bot.i18n import t
    from bot.practice import MAX_TURNS, NoScenario, Practice, Selection, SessionKey

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
            scenario = practice.choose(Selection(args.kind, args.topic, args.lang))
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
            outcome = t("practice.handled" if s.handled else "practice.not_handled", lang)
            print(f"{t('practice.summary', lang)}: {outcome} "
                  f"{t('practice.scores', lang)}: {', '.join(f'{x:.0%}' for x in s.scores)}."
                  + (f" {t('practice.focus', lang)}: {s.focus}." if s.focus else ""))
            print(t("practice.again_hint", lang))
        else:
            print(f"({t('practice.turn', lang, turn=step.turn, max=MAX_TURNS)}. {t('practice.reply_here', lang)})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Resistance Coach: diagnose buyer resistance and coach it with align, clarify, assure.",
    )
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress on stderr (it is shown only on a terminal anyway)")
    sub = parser.add_subparsers(dest="command", required=True)

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

    profile = sub.add_parser("profile", help="show the team profile (team.yaml) and the topics with no fact yet")
    profile.add_argument("--json", action="store_true", help="print the profile as JSON")
    profile.set_defaults(func=cmd_profile)

    summarize = sub.add_parser("summarize", help="summarise a deal-room thread (conversations.replies JSON)")
    summarize.add_argument("file", help='JSON as conversations.replies returns it: {"messages": [...]}')
    summarize.add_argument("--json", action="store_true", help="print the summary as JSON")
    summarize.add_argument("--now", help="ISO 8601 time to judge staleness against (default: the last message)")
    summarize.add_argument("--offline", action="store_true", help="no LLM, even if one is configured")
    summarize.set_defaults(func=cmd_summarize)

    nudge = sub.add_parser("nudge", help="run the weekly stalled-deal nudges once (same Slack settings as serve)")
    nudge.add_argument("--dry-run", action="store_true",
                       help="show what would be sent, from the database alone (no Slack token needed)")
    nudge.add_argument("--due", action="store_true",
                       help="only owners whose nudge time has come, one process at a time: what `coach serve` "
                            "runs hourly (for a cron job instead of the in-process scheduler)")
    nudge.add_argument("--json", action="store_true", help="print the stalled deals as JSON")
    nudge.add_argument("--now", help="ISO 8601 time to run as (default: now)")
    nudge.add_argument("--team", help="only this workspace (team ID, T…); a dry run covers every one by default")
    nudge.set_defaults(func=cmd_nudge)

    stats = sub.add_parser("stats", help="model calls, tokens, cache hits and failures per day")
    stats.add_argument("--json", action="store_true", help="print the rows as JSON")
    stats.set_defaults(func=cmd_stats, reads_playbooks=False)

    prune = sub.add_parser("prune", help="delete what is past its retention (COACH_RETENTION_DAYS); for cron")
    prune.add_argument("--dry-run", action="store_true", help="show how many rows would go; change nothing")
    prune.add_argument("--json", action="store_true", help="print the counts as JSON")
    prune.set_defaults(func=cmd_prune, reads_playbooks=False)

    forget = sub.add_parser("forget", help="delete everything stored for one workspace")
    forget.add_argument("--team", required=True, help="the workspace's team ID (T…)")
    forget.add_argument("--yes", action="store_true", help="really delete (without it: show what would go)")
    forget.add_argument("--json", action="store_true", help="print the counts as JSON")
    forget.set_defaults(func=cmd_forget, reads_playbooks=False)

    from bot.taxonomy import LABELS, TOPICS

    practice = sub.add_parser("practice", help="role-play a buyer: answer their objection and get scored")
    practice.add_argument("--kind", choices=LABELS, help="the kind of resistance to practise")
    practice.add_argument("--topic", choices=TOPICS, help="what the objection is about")
    practice.add_argument("--lang", choices=("en", "es"), default="en", help="the buyer's language")
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

    call = sub.add_parser("call", help="review a call transcript or an email thread: each buyer objection and how "
                                       "your side answered it", usage=CALL_USAGE[len("usage: ") :])
    call.add_argument("file", help="WebVTT or SRT (Zoom, Teams, Meet), an Otter/Gong/Fireflies text export, an .eml "
                                   "or a pasted email thread")
    call.add_argument("--ours", help='your side\'s speakers, comma-separated (e.g. "Ana,Ben"); the others are the '
                                     "buyer's")
    call.add_argument("--json", action="store_true", help="print the review as JSON")
    call.add_argument("--offline", action="store_true", help="review offline even if an LLM is configured")
    call.set_defaults(func=cmd_call)

    lrn = sub.add_parser("learn", help="retrain a workspace's model from its \"Diagnose differently\" corrections")
    lrn.add_argument("--team", help="the workspace's team ID (T…); optional when the database holds one")
    lrn.add_argument("--dry-run", action="store_true", help="train and report; keep nothing")
    lrn.add_argument("--json", action="store_true", help="print the report as JSON (progress stays on stderr)")
    lrn.add_argument("--eval", action="append", default=[], metavar="FILE",
                     help='also score on this JSONL of {"text", "label"} (repeatable)')
    lrn.add_argument("--heldout", action="append", default=[], metavar="FILE",
                     help="held-out files to score on (repeatable; default: tests/data/heldout_*.jsonl if present)")
    lrn.add_argument("--list", action="store_true", help="print the workspace's examples (id, kind, text), then stop")
    lrn.add_argument("--remove", action="append", metavar="ID_OR_TEXT",
                     help="delete this example (its id or exact text) from the workspace's examples, then stop")
    lrn.add_argument("--relabel", action="append", nargs=2, metavar=("ID_OR_TEXT", "KIND"),
                     help="give this example another kind (repeatable), then stop")
    lrn.set_defaults(func=cmd_learn)

    report = sub.add_parser("report", help="the team's resistance over the last weeks: text, HTML or PNG")
    report.add_argument("--team", help="the workspace (team ID, T…); needed when several are stored")
    report.add_argument("--weeks", type=int, default=8, help="how many weeks back (default 8)")
    report.add_argument("--out", help="write report.html (chart and tables) or report.png (the chart); else print")
    report.add_argument("--lang", choices=("en", "es"), default="en", help="the report's language")
    report.set_defaults(func=cmd_report)

    from bot.cli.deals import add_parsers as add_deal_parsers

    add_deal_parsers(sub)

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to listen on (port from $PORT)")
    serve.set_defaults(func=cmd_serve)

    from bot.cli import mcp

    mcp.add_parser(sub)
    return parser


def check_team_playbooks() -> None:
    """Load the team's COACH_PLAYBOOKS folder (its team.yaml and playbooks) once, before a command starts: a
    mistake there raises PlaybookError naming the file and field here, rather than halfway through the command
    (a practice session already under way, a server already serving). The shipped playbooks are checked by the
    tests, so without a team folder there is nothing to do."""
    from bot.playbooks import load_playbooks

    folder = load_settings().playbooks_dir
    if folder is not None:
        load_playbooks(folder)


def main(argv: list[str] | None = None) -> int:
    from bot.config import ConfigError
    from bot.logs import install_redaction
    from bot.models.progress import show_on_terminal
    from bot.playbooks import PlaybookError

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
