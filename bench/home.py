"""Publishing the Home tab for a workspace of 500 deals and 10,000 coachings, against the local Slack stand-in.
Prints the time of each view (a seller's; a manager's with the chart rendered and uploaded; a manager's again,
the day's chart reused) and the query plans of the reads. Target: within 1 s.

Run: .venv/bin/python bench/home.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.standins import SlackStandIn  # noqa: E402

DEALS, COACHINGS, SELLERS = 500, 10_000, 25
NOW = datetime.now(UTC)
LABELS = ("missing", "incomplete", "incorrect", "skepticism", "major_concern")
TOPICS = ("price", "fit", "incumbent", "budget", "integration", None)


def populate(store) -> None:  # noqa: ANN001
    from bot.store import stamp

    rng = random.Random(13)
    db = store.db
    with db.conn:
        for i in range(1, DEALS + 1):
            last = NOW - timedelta(days=rng.expovariate(1 / 10))
            db.execute("INSERT INTO deals (team_id, channel, thread_ts, name, owner_id, status, created_at, "
                       "last_activity_at, message_count, close_date) VALUES (?, ?, '', ?, ?, ?, ?, ?, 0, '')",
                       ["T1", f"C{i:05d}", f"Deal {i}", f"U{i % SELLERS:03d}",
                        rng.choices(["open", "won", "lost"], [80, 12, 8])[0], stamp(last - timedelta(days=30)),
                        stamp(last)])
            if rng.random() < 0.4:
                db.execute("INSERT INTO summaries (team_id, channel, thread_ts, deal_id, created_at, obstacles, "
                           "objections, stalled, next_step) VALUES ('T1', ?, '1.0', ?, ?, ?, '[]', 0, 'x')",
                           [f"C{i:05d}", i, stamp(last), '["consensus", "politics"]'])
        for i in range(1, COACHINGS + 1):
            db.execute("INSERT INTO coachings (created_at, text, label, confidence, language, source, surface, "
                       "team_id, user_id, topic, channel) VALUES (?, 'what they said', ?, 0.8, 'en', 'offline', "
                       "'slack', 'T1', ?, ?, ?)",
                       [stamp(NOW - timedelta(days=rng.uniform(0, 90))), rng.choice(LABELS),
                        f"U{i % SELLERS:03d}", rng.choice(TOPICS), f"C{rng.randint(1, DEALS):05d}"])
            if rng.random() < 0.3:
                db.execute("INSERT INTO feedback (coaching_id, team_id, user_id, kind, created_at) VALUES "
                           "(?, 'T1', ?, ?, ?)", [i, f"U{i % SELLERS:03d}", rng.choice(["helpful", "not_helpful"]),
                                                  stamp(NOW - timedelta(days=rng.uniform(0, 50)))])


def manager_workspace() -> tuple[SlackStandIn, Any, Any]:
    """A fresh SQLite workspace whose manager is UMGR, talking to a local Slack stand-in: (stand-in, settings,
    the Slack adapter's dependencies)."""
    folder = Path(tempfile.mkdtemp())
    slack = SlackStandIn()
    os.environ.update(COACH_DB=str(folder / "coach.db"), COACH_MANAGERS="UMGR", SLACK_BOT_TOKEN="xoxb-bench",
                      SLACK_API_URL=slack.api_url)
    from bot.core.config import load_settings
    from bot.slack.app import make_deps

    settings = load_settings()
    return slack, settings, make_deps(settings)


def main() -> None:
    from bot.slack.app import web_client
    from bot.slack.home import publish_home

    slack, settings, deps = manager_workspace()
    populate(deps.store)
    client = web_client(settings)
    slack.locales["UMGR"] = "en-US"
    seller = []
    for user in ("U001", "U002", "U003", "U004", "U005"):
        start = time.perf_counter()
        publish_home(deps, client, "T1", user)
        seller.append(time.perf_counter() - start)
    start = time.perf_counter()
    publish_home(deps, client, "T1", "UMGR")
    first = time.perf_counter() - start
    again = []
    for _ in range(5):
        start = time.perf_counter()
        publish_home(deps, client, "T1", "UMGR")
        again.append(time.perf_counter() - start)
    views = slack.of("views.publish")
    print(f"{DEALS} deals, {COACHINGS:,} coachings, {SELLERS} sellers; {len(views)} views published, "
          f"{len(slack.of('files.getUploadURLExternal'))} chart upload(s), "
          f"largest view {max(len(v['view']['blocks']) for v in views)} blocks")
    print(f"seller's Home tab:                 median {statistics.median(seller) * 1000:.0f} ms, "
          f"max {max(seller) * 1000:.0f} ms (first includes users.info)")
    print(f"manager's, chart rendered+uploaded: {first * 1000:.0f} ms")
    print(f"manager's, the day's chart reused:  median {statistics.median(again) * 1000:.0f} ms, "
          f"max {max(again) * 1000:.0f} ms")
    worst = max(first, *seller, *again)
    print(f"target 1 s: {'met' if worst < 1 else 'MISSED'} (worst {worst * 1000:.0f} ms)")
    store = deps.store
    since = (NOW - timedelta(weeks=8)).date().isoformat()
    for name, sql, params in [
        ("recent_coachings_of", "SELECT id FROM coachings c WHERE c.team_id = ? AND c.user_id = ? ORDER BY c.id "
         "DESC LIMIT 10", ["T1", "U001"]),
        ("resistance_by_day", "SELECT substr(created_at, 1, 10), label, topic, count(*) FROM coachings WHERE "
         "team_id = ? AND created_at >= ? GROUP BY 1, 2, 3", ["T1", since]),
        ("open_deals_of", "SELECT * FROM deals WHERE team_id = ? AND owner_id = ? AND status = 'open'",
         ["T1", "U001"]),
        ("feedback_counts", "SELECT kind, count(*) FROM feedback WHERE team_id = ? AND created_at >= ? GROUP BY kind",
         ["T1", since]),
    ]:
        plan = "; ".join(row[3] for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())
        print(f"  {name}: {plan}")
    slack.close()


if __name__ == "__main__":
    main()
