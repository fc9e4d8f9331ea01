"""How often a practice scenario built from the team profile gets a model answer that states the profile's fact on
the scenario's own topic (the coach's offline matching, as the scorecard's "Model answer" uses it).

Run: COACH_PLAYBOOKS=<folder with a team.yaml> python bench/practice_grounding.py   (default: the shipped example)
Prints, per language, the share of topic scenarios whose model answer holds their topic's fact, and for each other
one what its model answer says instead (another topic's fact, a [placeholder], or no fact).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bot.core.config import load_settings
from bot.core.guidance import Objection
from bot.core.resources import data_dir
from bot.models.classify import Diagnosis
from bot.services.coach import Coach
from bot.services.practice import Practice


def main() -> int:
    if not os.environ.get("COACH_PLAYBOOKS"):
        folder = Path(tempfile.mkdtemp())
        shutil.copy(data_dir("playbooks") / "team.example.yaml", folder / "team.yaml")
        os.environ["COACH_PLAYBOOKS"] = str(folder)
    os.environ.setdefault("COACH_DB", str(Path(tempfile.mkdtemp()) / "coach.db"))
    coach = Coach(load_settings())
    profile = coach.playbooks.profile
    practice = Practice(coach)
    for lang in ("en", "es"):
        hits = total = 0
        misses = []
        for scenario in practice.scenarios.values():
            facts = [f for f in profile.facts_for(scenario.topic or "") if lang == "en" or f.es]
            if not scenario.id.startswith("team-") or not facts:
                continue
            total += 1
            text = scenario.objection.en if lang == "en" else scenario.objection.es
            guidance = coach.offline_guidance(Objection.parse(text), Diagnosis(scenario.kind, 1.0,
                                                                               {scenario.kind: 1.0}), None,
                                              known_topic=scenario.topic)  # as the scorecard passes it
            wanted = [f.get(lang)[0] for f in facts]
            if any(w.rstrip(".")[-30:] in guidance.talk_track for w in wanted):
                hits += 1
            else:
                other = [f.topic for f in profile.facts if f.get(lang)[0].rstrip(".")[-30:] in guidance.talk_track]
                misses.append(f"{scenario.id}: " + (f"states the {', '.join(map(str, other))} fact instead" if other
                                                     else "a [placeholder]" if "[" in guidance.talk_track
                                                     else "no fact"))
        print(f"{lang}: {hits}/{total} topic scenarios have their topic's fact in the model answer")
        for miss in misses:
            print(f"  miss: {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
