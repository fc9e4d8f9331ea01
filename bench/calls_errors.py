"""Every missed objection and every false find of one writer's set, with its turn, so the causes can be counted
(issue #22). A false find is printed with the nearest annotation or "not objection" line of the same turn, if any.
Prints; not a test.

  .venv/bin/python bench/calls_errors.py tests/data/calls-heldout-5
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from calls_accuracy import annotated, overlap, span  # noqa: E402

from bot.calls.review import candidates, review_call  # noqa: E402
from bot.calls.sides import assign_sides  # noqa: E402
from bot.core.config import load_settings  # noqa: E402
from bot.services.coach import Coach  # noqa: E402


def why(coach: Coach, turns: list, truth: dict, o: dict, at: tuple | None, review: object) -> str:
    """The cause of a miss: no cue flags it; a candidate the classifier declined; folded into an objection before;
    or inside a find that covers another annotation too."""
    if at is None:
        return "quote not found"
    side = [("buyer" if truth["speakers"].get(t.speaker) == "buyer" else "seller") for t in turns]
    found = candidates(turns, side)
    texts = [t.text if t.speaker == o["speaker"] else "" for t in turns]
    mine = [c for c in found if c.index == at[0] and overlap(span(texts, c.quote), at)]
    if not mine:
        inside = [c for c in found if c.index == at[0]]
        return "in a find of another" if inside and any(
            m.quote in [c.quote for c in inside] for m in review.moments) else "no cue"  # type: ignore[attr-defined]
    d = coach.classifier.diagnose_many([mine[0].quote])[0]
    if d.not_objection:
        return "classifier: no objection"
    return "folded as a press"


def main() -> None:
    folder = Path(sys.argv[1])
    coach = Coach(load_settings())
    for truth, conversation in annotated(folder):
        turns = conversation.turns
        review = review_call(coach, conversation, assign_sides(conversation, ours=truth["ours"]), offline=True)
        wanted = truth["objections"]
        matched: dict[int, object] = {}
        false = []
        for moment in review.moments:
            texts = [t.text if t.speaker == moment.speaker else "" for t in turns]
            at = span(texts, moment.quote)
            hit = next((n for n, o in enumerate(wanted) if n not in matched and o["speaker"] == moment.speaker
                        and overlap(at, span(texts, o["quote"]))), None)
            if hit is None:
                false.append((at[0] if at else None, moment))
            else:
                matched[hit] = moment
        print(f"=== {truth['file']}")
        for n, o in enumerate(wanted):
            texts = [t.text if t.speaker == o["speaker"] else "" for t in turns]
            at = span(texts, o["quote"])
            if n in matched:
                m = matched[n]
                if o.get("sure", True) and m.kind != o["kind"]:  # type: ignore[attr-defined]
                    print(f"  KIND turn {at[0] if at else '?'}: said {m.kind} want {o['kind']}: {o['quote'][:160]}")  # type: ignore[attr-defined]
                continue
            print(f"  MISS turn {at[0] if at else '?'} [{o['kind']}] ({why(coach, turns, truth, o, at, review)}): "
                  f"{o['quote'][:220]}")
        for turn, moment in false:
            print(f"  FALSE turn {turn} [{moment.kind} {moment.confidence:.2f}] {moment.speaker}: {moment.quote[:220]}")
            if turn is not None:
                prev = turns[turn - 1] if turn else None
                if prev is not None:
                    print(f"        before ({prev.speaker}): {prev.text[:160]}")


if __name__ == "__main__":
    main()
