"""Org-wide installs end to end over HTTP (issue #19, item 12), on SQLite and PostgreSQL: an Enterprise Grid
install keeps its data under its enterprise id, never under team "", and its uninstall, which names only the
enterprise, forgets it.

The shapes are Slack's: an org-wide install's oauth.v2.access has `team: null`, `enterprise: {id}` and
`is_enterprise_install: true`; its events have `authorizations[0].team_id: null` with `is_enterprise_install:
true` (bolt-python's org-app fixtures), the envelope naming the workspace of the org the event came from; its
`app_uninstalled` carries only `enterprise_id`."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import install
from tests.e2e.standins import eventually

ORG, WORKSPACE = "E1", "T111"  # the organisation, and one workspace of it
OBJECTION = "Every vendor tells us we'll save 30%. How do I know we'll actually see that?"
TEAM_TABLES = ("coachings", "threads", "thread_turns", "uninstalls", "user_timezones")


def _org_envelope() -> dict:
    return {"team_id": WORKSPACE, "enterprise_id": ORG, "is_ext_shared_channel": False,
            "authorizations": [{"enterprise_id": ORG, "team_id": None, "user_id": "UBOT", "is_bot": True,
                                "is_enterprise_install": True}]}


def _team_keys(store, table: str) -> set[str]:
    return {r["team_id"] for r in store.db[table].rows}


def test_an_org_wide_install_keeps_its_data_under_the_enterprise_id(multi):
    bot, store = multi, multi.deps.store
    install(bot, ORG, "xoxb-org")
    assert store.installation(ORG, None)["is_enterprise_install"] is True

    # a mention in one of the org's workspaces, and /objection in it
    bot.event({"type": "app_mention", "channel": "C5", "user": "W1", "team": WORKSPACE, "ts": "50.2",
               "thread_ts": "50.1", "text": "<@UBOT> buyer says they have no idea how we even charge for this",
               "event_ts": "50.2"}, event_id="EvOrg1", team=WORKSPACE, envelope=_org_envelope())
    bot.command(OBJECTION, channel="C6", user="W1", team=WORKSPACE,
                fields={"enterprise_id": ORG, "enterprise_name": "Org", "is_enterprise_install": "true"})
    bot.slack.wait_for("chat.postMessage", 2)
    rows = eventually(lambda: len([r for r in store.coachings() if r["message_ts"]]) == 2 and store.coachings())
    assert {r["team_id"] for r in rows} == {ORG}
    assert {t for _, t in bot.slack.tokens if t.startswith("xoxb")} == {"xoxb-org"}
    assert eventually(lambda: store.thread(ORG, "C5", "50.1"))

    # the org uninstalls the app: Slack names only the enterprise
    body = {"token": "x", "enterprise_id": ORG, "api_app_id": "A1", "event": {"type": "app_uninstalled"},
            "type": "event_callback", "event_id": "EvOrgGone", "event_time": int(time.time())}
    assert bot.send(json.dumps(body), "application/json").status_code == 200
    assert eventually(lambda: store.installation(ORG, None) is None)
    assert eventually(lambda: ORG in _team_keys(store, "uninstalls"))
    for table in TEAM_TABLES:
        assert "" not in _team_keys(store, table), table

    # and once the retention period has passed, the prune forgets all of it
    counts = store.prune(datetime.now(UTC) + timedelta(days=91), 90, 90)
    assert counts["uninstalled_workspaces"] == 1
    assert store.coachings() == [] and store.thread(ORG, "C5", "50.1") is None
    assert _team_keys(store, "uninstalls") == set()
