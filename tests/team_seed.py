"""A seeded workspace for the manager's team view (issue #24): sellers, deals won, lost and open, coachings in their
deal rooms, practice answers and feedback, written in bulk (one transaction, executemany), on either database.
Used by tests/test_team_view.py, the headless-Chromium report test and bench/team_view.py.

Each seller has a weak check (passed 25% of the time, the others 75%) and a kind of objection that comes up more
in the deals they lose, so "who to coach on what" has a known answer. Every coaching's text and every practice
reply holds SECRET, which no manager view may show.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.store import Store, stamp

SECRET = "Brontavia procurement hates the Quillmark clause"
CHECKS = ("align", "asks", "clarify", "assure", "no_pitfalls")
LABELS = ("missing", "incomplete", "incorrect", "skepticism", "major_concern")
TOPICS = ("price", "fit", "incumbent", "budget", "integration", None)


@dataclass
class Seeded:
    team_id: str
    sellers: list[str]
    weak_check: dict[str, str] = field(default_factory=dict)
    lose_kind: dict[str, str] = field(default_factory=dict)


def seed(store: Store, now: datetime, team_id: str = "T1", sellers: int = 30, deals: int = 500,
         coachings: int = 10_000, answers: int = 3_000, seed_value: int = 24) -> Seeded:
    rng = random.Random(seed_value)
    ids = [f"U{n:03d}" for n in range(1, sellers + 1)]
    out = Seeded(team_id, ids, {u: CHECKS[i % len(CHECKS)] for i, u in enumerate(ids)},
                 {u: LABELS[(i * 2) % len(LABELS)] for i, u in enumerate(ids)})
    deal_rows, deal_status, deal_owner = [], {}, {}
    for i in range(1, deals + 1):
        owner = ids[i % sellers]
        status = rng.choices(["open", "won", "lost"], [50, 28, 22])[0]
        last = now - timedelta(days=rng.expovariate(1 / 10))
        closed = stamp(now - timedelta(days=rng.uniform(0, 50))) if status != "open" else None
        deal_rows.append((team_id, f"C{i:05d}", "", f"Deal {i}", owner, status, stamp(last - timedelta(days=40)),
                          stamp(last), 3, "", closed))
        deal_status[i], deal_owner[i] = status, owner
    by_owner: dict[str, list[int]] = {}
    for deal_id, owner in deal_owner.items():
        by_owner.setdefault(owner, []).append(deal_id)
    coaching_rows = []
    for i in range(coachings):
        user = ids[i % sellers]
        deal_id = rng.choice(by_owner[user]) if by_owner.get(user) and rng.random() < 0.7 else None
        label = (out.lose_kind[user] if deal_id and deal_status[deal_id] == "lost" and rng.random() < 0.6
                 else rng.choice(LABELS))
        created = now - timedelta(days=rng.uniform(0, 60))
        coaching_rows.append((stamp(created), f"{SECRET} #{i}", label, rng.choice(TOPICS), 0.8, "en", "offline",
                              "slack", team_id, user, f"C{deal_id:05d}" if deal_id else f"D{user}"))
    answer_rows = []
    for i in range(answers):
        user = ids[i % sellers]
        checks = {c: (rng.random() < (0.25 if c == out.weak_check[user] else 0.75)) for c in CHECKS}
        if rng.random() < 0.3:
            checks["asks"] = None  # the check did not apply
        score = sum(1 for v in checks.values() if v) / sum(1 for v in checks.values() if v is not None)
        answer_rows.append((team_id, user, f"D{user}", f"{i}.0", "scenario", rng.choice(LABELS), "price", "en", 1,
                            json.dumps(checks), score, "offline", f"{SECRET} reply {i}",
                            stamp(now - timedelta(days=rng.uniform(0, 55)))))
    with store.transaction() as tx:
        tx.executemany(
            "INSERT INTO deals (team_id, channel, thread_ts, name, owner_id, status, created_at, last_activity_at, "
            "message_count, close_date, closed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", deal_rows)
        tx.executemany(
            "INSERT INTO coachings (created_at, text, label, topic, confidence, language, source, surface, team_id, "
            "user_id, channel) VALUES (?,?,?,?,?,?,?,?,?,?,?)", coaching_rows)
        tx.executemany(
            "INSERT INTO practice_answers (team_id, user_id, channel, thread_ts, scenario_id, kind, topic, lang, "
            "turn, checks, score, source, reply, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", answer_rows)
    return out
