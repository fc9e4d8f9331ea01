"""Does the coaching answer what this buyer said? Measured on concern-annotated objections that writers who never
read our code or playbooks wrote, each set with a made-up vendor profile of its own (tests/data/concerns/<set>/:
profile.yaml with a distinctive marker per fact, objections.jsonl with each message's concerns, the profile
items that fit or would mislead each, the points the buyer accepts and the seller's note; tags.json files each
fact under a topic, as a team fills in team.yaml, by a reader who saw only the profile). Prints figures;
not a test.

  fit used        share of annotated concerns with a fitting item whose marker appears in the coaching
  unrelated       share of answers whose talk track states a profile item that fits no concern of the message
  misleading      answers whose talk track or proof offers an item marked as misleading for that message
  ... as reassurance
                  of those, the answers that offer it as an answer, not as what the profile states with the
                  requirement it may not meet named ("what we offer may not meet «EU hosting»: …")
  re-opened       answers whose talk track argues an accepted point again (its cue words after the opening,
                  where no concern uses them)
  note used       share of seller notes whose marker the coaching repeats
  fit used or candidate
                  share of annotated concerns whose fitting item is used, or named among the candidates the
                  seller is shown to check (the closest facts to a concern nothing answers)
  candidates      items named for the seller to judge, not as answers (references when none fits, the facts closest
                  to a concern nothing answers), and how many of them fit a concern (not counted as used, nor
                  as offered); candidates misleading: how many of them were marked as misleading
  invented        figures or names in the coaching found in neither the message nor the profile
  kind            macro-F1 on the sure items; accuracy where the coach did not ask first (the sure items of
                  the nine sets are classifier examples, so on them this is in-sample: bench/concern_kinds.py folds
                  gives the honest, leave-one-set-out figure)
  latency         warm offline coaching per message (wall time), p50 and p99
  not coached     messages in which the buyer asks not to be contacted again: nothing is coached or stated

Run: .venv/bin/python bench/relevance.py [SET ...]   (default: dev-a dev-b; heldout-c is the held-out set)
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.grounding import ungrounded  # noqa: E402
from bot.core.guidance import NotAnObjection  # noqa: E402
from bot.models import encoder  # noqa: E402
from bot.models.metrics import score  # noqa: E402

SETS = ROOT / "tests" / "data" / "concerns"


def _industry(text: str) -> str:
    """The first word of a writer's industry ("24/7 emergency veterinary hospital" → "emergency"), as our
    profile files an industry: one lower-case word."""
    return re.findall(r"[a-z][a-z_-]*", text.lower())[0]


def team_yaml(raw: dict, tags: dict[str, str] | None = None) -> tuple[dict, dict[str, dict[str, str]]]:
    """The writers' profile as our team.yaml, and each item id's markers ({"en", "es"}). `tags`: each fact's topic
    as a team would file it (tags.json, given by a reader who saw only the profile)."""
    markers = {}
    facts = []
    for fact in raw["facts"]:
        markers[fact["id"]] = fact["marker"]
        topic = (tags or {}).get(fact["id"])  # a fact the reader left untagged stays untagged
        facts.append({"en": fact["en"], "es": fact.get("es"), **({"topic": topic} if topic else {})})
    references = []
    for ref in raw.get("references", []):
        markers[ref["id"]] = ref["marker"]
        references.append({"customer": ref["customer"], "industry": _industry(ref["industry"]),
                           "description": ref["industry"],
                           "size": ref.get("size"), "result": ref["result"], "contact_ok": True,
                           **({"proves": {"en": ref["proves"]}} if ref.get("proves") else {})})
    competitors = []
    for comp in raw.get("competitors", []):
        markers[comp["id"]] = comp["marker"]
        competitors.append({"name": comp["name"], "en": comp["en"], "es": comp.get("es")})
    company = {"name": raw["company"]["name"], "offering": raw["company"]["offering"]}
    return {"company": company, "facts": facts, "references": references, "competitors": competitors}, markers


# lines naming profile items for the seller to judge, not as answers: references when none fits, and the
# facts closest to a concern nothing answers
_CANDIDATES = re.compile(r"^\W*(?:None of your references|Ninguna de tus referencias|Closest in your team profile|"
                         r"Lo más cercano en el perfil)")


def _has(text: str, marker: dict[str, str]) -> bool:
    return any(m and m.lower() in text.lower() for m in marker.values())


def measure(name: str, with_profile: bool = True) -> dict:
    from bot.core.config import load_settings
    from bot.services.coach import Coach

    folder = SETS / name
    raw = yaml.safe_load((folder / "profile.yaml").read_text(encoding="utf-8"))
    tags = json.loads((folder / "tags.json").read_text()) if (folder / "tags.json").is_file() else None
    profile, markers = team_yaml(raw, tags)
    rows = [json.loads(line) for line in (folder / "objections.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        if with_profile:
            (Path(tmp) / "team.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
        os.environ["COACH_PLAYBOOKS"] = tmp
        os.environ["COACH_DB"] = str(Path(tmp) / "coach.db")
        coach = Coach(load_settings())
        coach.coach(rows[0]["text"], offline=True)  # load everything first
        encoder.forget_queries()  # each message encoded afresh, as a new message would be
        counts = dict(concerns=0, fit=0, answers=0, unrelated=0, misleading=0, misleading_reassurance=0, reopened=0,
                      notes=0, notes_used=0, invented=0, candidates=0, candidates_fit=0, fit_seen=0,
                      candidates_misleading=0)
        words, times, truth, said, asked = [], [], [], [], []
        not_coached = 0
        for row in rows:
            start = time.perf_counter()
            try:
                guidance = coach.coach(row["text"], offline=True)
            except NotAnObjection:  # ("take me off your list": nothing is coached, nothing stated)
                times.append(time.perf_counter() - start)
                counts["answers"] += 1
                counts["concerns"] += sum(bool(c["fits"]) for c in row["concerns"]) if with_profile else 0
                not_coached += 1
                continue
            times.append(time.perf_counter() - start)
            # the references Assure names for the seller to judge when none fits ("None of your references is in
            # their industry. Closest…") are candidates, not answers: counted apart, neither as used nor as offered
            lines = [line for part in (guidance.align, guidance.clarify, guidance.assure)
                     for line in part.splitlines()]
            candidates = "\n".join(line for line in lines if _CANDIDATES.search(line))
            assure = "\n".join(line for line in guidance.assure.splitlines() if not _CANDIDATES.search(line))
            everything = "\n".join([line for line in lines if not _CANDIDATES.search(line)] + [guidance.talk_track])
            talk = guidance.talk_track
            fits = {i for c in row["concerns"] for i in c["fits"]}
            misleads = {i for c in row["concerns"] for i in c["misleads"]} - fits
            counts["answers"] += 1
            for concern in row["concerns"]:
                if concern["fits"] and with_profile:
                    counts["concerns"] += 1
                    used = any(_has(everything, markers[i]) for i in concern["fits"])
                    counts["fit"] += used
                    counts["fit_seen"] += used or any(_has(candidates, markers[i]) for i in concern["fits"])
            stated = {i for i in markers if _has(talk, markers[i])}
            counts["unrelated"] += bool(stated - fits - misleads)
            offered = {i for i in misleads if _has(talk + assure, markers[i])}
            counts["misleading"] += bool(offered)
            # (stated as what the profile says, with the requirement it may not meet named: not reassurance)
            counts["misleading_reassurance"] += bool({i for i in offered if not any(
                c["status"] == "unmet" and _has(c["fact"] or "", markers[i]) for c in guidance.concerns)})
            counts["candidates"] += sum(_has(candidates, markers[i]) for i in markers)
            counts["candidates_fit"] += sum(_has(candidates, markers[i]) for i in fits)
            counts["candidates_misleading"] += sum(_has(candidates, markers[i]) for i in misleads)
            after_opening = talk.split(". ", 1)[-1].lower()
            concern_words = " ".join(c["words"] for c in guidance.concerns).lower()
            counts["reopened"] += any(cue.lower() in after_opening and cue.lower() not in concern_words
                                      for a in row["accepted"] for cue in a["cues"])
            if row.get("note_marker"):
                counts["notes"] += 1
                # writers' markers may start with the note's bracket or dash, which the coaching drops
                counts["notes_used"] += row["note_marker"].strip(" [(—–-").lower() in everything.lower()
            sources = [row["text"], coach.playbooks.profile.all_text()]
            counts["invented"] += len(ungrounded(everything, sources))
            words.append(len(talk.split()))
            if row["sure"]:
                truth.append(row["kind"])
                said.append(guidance.label)
            asked.append((guidance.question is not None, guidance.label == row["kind"], row["sure"]))
    times.sort()
    kinds = score(truth, said) if truth else {"macro_f1": 0.0}
    answered = [right for asks, right, _ in asked if not asks]
    return {
        "set": name, "profile": "theirs" if with_profile else "shipped (empty)", "messages": len(rows),
        "fit_used": round(counts["fit"] / counts["concerns"], 3) if counts["concerns"] else None,
        "fit_used_or_candidate": round(counts["fit_seen"] / counts["concerns"], 3) if counts["concerns"] else None,
        "unrelated": round(counts["unrelated"] / counts["answers"], 3),
        "misleading": counts["misleading"], "misleading_as_reassurance": counts["misleading_reassurance"],
        "reopened": counts["reopened"],
        "notes_used": f"{counts['notes_used']}/{counts['notes']}", "invented": counts["invented"],
        "candidates_fitting": f"{counts['candidates_fit']}/{counts['candidates']}",
        "candidates_misleading": counts["candidates_misleading"],
        "talk_words_mean": round(sum(words) / len(words), 1), "talk_words_max": max(words),
        "kind_macro_f1_sure": kinds["macro_f1"],
        "accuracy_when_not_asking": round(sum(answered) / len(answered), 3) if answered else None,
        "asked_first": f"{sum(a for a, _, _ in asked)}/{len(asked)}", "not_coached": not_coached,
        "latency_ms_p50": round(1000 * times[len(times) // 2], 1),
        "latency_ms_p99": round(1000 * times[min(len(times) - 1, int(len(times) * 0.99))], 1),
    }


def main() -> None:
    names = sys.argv[1:] or ["dev-a", "dev-b"]
    for name in names:
        for with_profile in (True, False):
            print(json.dumps(measure(name, with_profile), ensure_ascii=False))


if __name__ == "__main__":
    main()
