"""How well the call review finds what a blind writer annotated: calls and email threads in every supported
format, written and labelled by someone who never saw the code. Three sets:

  tests/data/calls-dev/       first writer; used to improve the review (a DEV set, no longer held out)
  tests/data/calls-dev2/      third writer, 14 longer calls and threads; used to improve the review (a DEV set)
  tests/data/calls-heldout/   second writer, who saw neither the code nor the first set: the held-out check, run
                              once at the end of a change and never tuned on

One `X.json` per file: the speakers' sides, each buyer objection with its kind and the seller's answer's checks,
and lines that are no objection; bad inputs carry `expected_error`. `vendor.json` names the writer's made-up
vendor (the seller's company), either one for the whole set ({"company", "domains"}) or one per file
({"files": {name: {"company", "domains"}}}). Prints figures; not a test.

  sides          share of turns whose speaker is put on the right side, from the team's company name and email
                 domain alone (no --ours)
  found P / R    buyer objections found: precision and recall (a finding matches an annotation when it comes from
                 the same speaker and the two quotes share most of their words)
  kind           share of matched, sure objections whose kind is right
  answer checks  agreement with the writer on align / asks / clarify / assure for the seller's answer
  bad inputs     files refused with one clear line, as the writer expected

Run: .venv/bin/python bench/calls_accuracy.py [FOLDER]   (default tests/data/calls-dev)
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.calls.formats import CallError, read_call  # noqa: E402
from bot.calls.review import review_call  # noqa: E402
from bot.calls.sides import assign_sides  # noqa: E402
from bot.core.config import load_settings  # noqa: E402
from bot.services.coach import Coach  # noqa: E402

_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def same(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def vendor_of(vendors: dict[str, Any], name: str) -> dict[str, Any]:
    """The seller's company and domains for one file: a set-wide vendor, or the file's own entry."""
    if "files" in vendors:
        return {"company": vendors["files"][name]["company"], "domains": vendors["files"][name].get("domains", [])}
    return {"company": vendors["company"], "domains": vendors.get("domains", [])}


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "calls-dev"
    vendors = json.loads((folder / "vendor.json").read_text(encoding="utf-8"))  # the writer's made-up vendor
    coach = Coach(load_settings())
    totals = dict(turns=0, sided=0, found=0, found_right=0, annotated=0, recalled=0, kinds=0, kinds_right=0,
                  bad=0, bad_refused=0)
    checks = {c: [0, 0] for c in ("align", "asks", "clarify", "assure")}
    for note in sorted(folder.glob("*.*.json")):
        truth = json.loads(note.read_text(encoding="utf-8"))
        path = folder / truth["file"]
        if truth.get("expected_error"):
            totals["bad"] += 1
            try:
                read_call(path)
                print(f"{path.name}: read, expected an error ({truth['expected_error']})")
            except CallError as exc:
                totals["bad_refused"] += 1
                print(f"{path.name}: refused: {exc}")
            continue
        try:
            conversation = read_call(path)
        except CallError as exc:
            totals["annotated"] += len(truth["objections"])
            print(f"{path.name}: NOT READ: {exc}")
            continue
        vendor = vendor_of(vendors, truth["file"])
        guessed = assign_sides(conversation, company=vendor["company"], domains=vendor["domains"])
        for turn in conversation.turns:
            totals["turns"] += 1
            totals["sided"] += guessed.side(turn.speaker) == truth["speakers"].get(turn.speaker)
        start = time.perf_counter()
        review = review_call(coach, conversation, assign_sides(conversation, ours=truth["ours"]), offline=True)
        took = time.perf_counter() - start
        wanted = truth["objections"]
        matched = set()
        for moment in review.moments:
            hit = next((n for n, o in enumerate(wanted) if n not in matched and o["speaker"] == moment.speaker
                        and same(o["quote"], moment.quote)), None)
            totals["found"] += 1
            if hit is None:
                continue
            matched.add(hit)
            totals["found_right"] += 1
            o = wanted[hit]
            if o.get("sure", True):
                totals["kinds"] += 1
                totals["kinds_right"] += moment.kind == o["kind"]
            if moment.answer and moment.answer.checks and o.get("seller_answer"):
                for name in checks:
                    said = moment.answer.checks.get(name)
                    if said is not None:
                        checks[name][0] += 1
                        checks[name][1] += bool(said) == bool(o["seller_answer"][name])
        totals["annotated"] += len(wanted)
        totals["recalled"] += len(matched)
        print(f"{path.name}: {len(conversation.turns)} turns, {len(review.moments)} found, {len(matched)} of "
              f"{len(wanted)} annotated; reviewed in {took:.2f} s")

    def share(a: int, b: int) -> str:
        return f"{a / b:.2f} ({a}/{b})" if b else "n/a"

    print(json.dumps({
        "sides": share(totals["sided"], totals["turns"]),
        "found_precision": share(totals["found_right"], totals["found"]),
        "found_recall": share(totals["recalled"], totals["annotated"]),
        "kind": share(totals["kinds_right"], totals["kinds"]),
        "answer_checks": {name: share(right, n) for name, (n, right) in checks.items()},
        "bad_inputs_refused": share(totals["bad_refused"], totals["bad"]),
    }, indent=1))


if __name__ == "__main__":
    main()
