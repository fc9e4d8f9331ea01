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
                 domain alone (no --ours); sides_undecided: the share whose speaker is left for the seller to name
                 (the review asks once), the rest of those not right being on the wrong side
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
    """The old rule, kept for `--words`: most of the words of the shorter quote are in the other, wherever."""
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def _flat(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def span(texts: list[str], said: str) -> tuple[int, int, int] | None:
    """(turn, start, end) of a quote in one of the speaker's turns (`texts`, None for the other side's), on
    whitespace-flattened text. A found quote may be cut ("…") or skip the sentences between two that resist:
    it spans from where its beginning is to where its end is."""
    said = _flat(said).rstrip("…").strip()
    head, tail = said[:40], said[-40:]
    for number, text in enumerate(texts):
        if not text:
            continue
        flat = _flat(text)
        start = flat.find(head)
        if start < 0:
            continue
        end = flat.find(tail, start)
        return number, start, (end + len(tail)) if end >= 0 else start + len(said)
    return None


def overlap(a: tuple[int, int, int] | None, b: tuple[int, int, int] | None) -> bool:
    """Whether two spans are one passage: in the same turn, sharing at least half of the shorter one."""
    if a is None or b is None or a[0] != b[0]:
        return False
    shared = min(a[2], b[2]) - max(a[1], b[1])
    return shared > 0 and shared >= 0.5 * min(a[2] - a[1], b[2] - b[1])


def annotated(folder: Path) -> list[tuple[dict[str, Any], Any]]:
    """Each readable file of a writer's set with its annotation: (the F.json, the conversation); files the writer
    meant as bad input, or that do not read, are left out."""
    found = []
    for note in sorted(folder.glob("*.*.json")):
        truth = json.loads(note.read_text(encoding="utf-8"))
        if truth.get("expected_error"):
            continue
        try:
            found.append((truth, read_call(folder / truth["file"])))
        except CallError:
            continue
    return found


def vendor_of(vendors: dict[str, Any], name: str) -> dict[str, Any]:
    """The seller's company and domains for one file: a set-wide vendor, or the file's own entry."""
    if "files" in vendors:
        return {"company": vendors["files"][name]["company"], "domains": vendors["files"][name].get("domains", [])}
    return {"company": vendors["company"], "domains": vendors.get("domains", [])}


WORDS = "--words" in sys.argv


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folder = Path(args[0]) if args else ROOT / "tests" / "data" / "calls-dev"
    vendors = json.loads((folder / "vendor.json").read_text(encoding="utf-8"))  # the writer's made-up vendor
    coach = Coach(load_settings())
    totals = dict(turns=0, sided=0, undecided=0, found=0, found_right=0, annotated=0, recalled=0, kinds=0,
                  kinds_right=0, bad=0, bad_refused=0)
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
            totals["undecided"] += guessed.side(turn.speaker) is None
        start = time.perf_counter()
        review = review_call(coach, conversation, assign_sides(conversation, ours=truth["ours"]), offline=True)
        took = time.perf_counter() - start
        wanted = truth["objections"]
        matched = set()
        for moment in review.moments:
            texts = [turn.text if turn.speaker == moment.speaker else "" for turn in conversation.turns]
            found_at = span(texts, moment.quote)
            hit = next((n for n, o in enumerate(wanted) if n not in matched and o["speaker"] == moment.speaker
                        and (same(o["quote"], moment.quote) if WORDS else overlap(found_at, span(texts, o["quote"])))),
                       None)
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
        # (of the turns not on the right side, those whose speaker was left for the seller to name, asked once)
        "sides_undecided": share(totals["undecided"], totals["turns"]),
        "found_precision": share(totals["found_right"], totals["found"]),
        "found_recall": share(totals["recalled"], totals["annotated"]),
        "kind": share(totals["kinds_right"], totals["kinds"]),
        "answer_checks": {name: share(right, n) for name, (n, right) in checks.items()},
        "bad_inputs_refused": share(totals["bad_refused"], totals["bad"]),
    }, indent=1))


if __name__ == "__main__":
    main()
