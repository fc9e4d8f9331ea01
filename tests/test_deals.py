"""Deals without Slack (`coach deal …`) and from a CRM's export (`coach deal import`), on SQLite and PostgreSQL.

The exports in tests/data/crm/ are laid out as the tools write them (bot/services/crm_import.py names the sources): a
HubSpot deals export, a Salesforce opportunities report (Windows-1252, US dates, its footer), and a HubSpot export
with bad rows.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import bot.services.directory
from bot.cli import main
from bot.services.crm_import import ExportError, parse_amount, parse_date, read_export
from bot.services.deals import DealError, find_deal, import_export
from bot.services.directory import OfflineDirectory, SlackDirectory
from bot.store import Store

CRM = Path(__file__).resolve().parent / "data" / "crm"
HUBSPOT, SALESFORCE, MALFORMED = CRM / "hubspot_deals.csv", CRM / "salesforce_opportunities.csv", \
    CRM / "hubspot_deals_malformed.csv"
NOW = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_email_cache() -> None:
    bot.services.directory._EMAILS.clear()  # one process-wide cache: each test starts without the others' answers


class FakeDirectory:
    """Slack as a dict: emails, names and channel names to ids; every question is counted."""

    def __init__(self, team_id: str = "T1", emails: dict[str, str] | None = None, names: dict[str, str] | None = None,
                 channels: dict[str, str] | None = None):
        self.team_id, self.problem = team_id, None
        self.emails, self.names, self.channels = emails or {}, names or {}, channels or {}
        self.asked: list[str] = []

    @property
    def online(self) -> bool:
        return True

    def user_by_email(self, email: str) -> str | None:
        self.asked.append(email)
        return self.emails.get(email)

    def user_by_name(self, name: str) -> str | None:
        self.asked.append(name)
        return self.names.get(name)

    def channel_by_name(self, name: str) -> str | None:
        self.asked.append("#" + name)
        return self.channels.get(name.lstrip("#"))


NORTHWIND = FakeDirectory(emails={"ana@northwind.example": "UANA", "ben@northwind.example": "UBEN",
                                  "dana.whitfield@northwind.example": "UDANA"},
                          names={"Ben Okafor": "UBEN", "Dana Whitfield": "UDANA"},
                          channels={"deal-acme": "C0ACME001", "deal-ridge": "C0RIDGE01"})


def _import(store: Store, path: Path, directory: Any = None, team: str = "T1", **kw: Any):  # noqa: ANN202
    return import_export(store, directory or OfflineDirectory(team, "offline in the test"), team, read_export(path),
                         path, NOW, **kw)


def _deals(store: Store, team: str = "T1") -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in store.deals(team)}


# --- reading the exports ---

def test_a_hubspot_export_is_read_by_its_own_column_names():
    export = read_export(HUBSPOT)
    assert export.source == "hubspot" and export.bad == []
    assert export.columns == {
        "id": "Record ID", "name": "Deal Name", "stage": "Deal Stage", "amount": "Amount", "close_date": "Close Date",
        "owner": "Deal owner", "won": "Is Closed Won", "lost": "Is closed lost", "last_activity": "Last Activity Date",
        "channel": "Slack channel"}
    acme, globex, initech, umbrella, _ = export.deals
    assert (acme.external_id, acme.stage, acme.amount, acme.close_date, acme.owner_email, acme.channel,
            acme.outcome, acme.last_activity) == ("hubspot:18000000101", "Contract Sent", 48000.0, "2026-04-30",
                                                  "ana@northwind.example", "deal-acme", "open", "2026-03-20")
    assert (globex.outcome, globex.owner, globex.owner_email, globex.channel) == ("won", "Ben Okafor", None,
                                                                                  "C0GLOBEX1")
    assert initech.outcome == "lost" and umbrella.amount is None and umbrella.last_activity is None


def test_a_salesforce_report_is_read_in_its_encoding_dates_and_footer():
    export = read_export(SALESFORCE)
    assert export.source == "salesforce" and export.encoding == "cp1252" and export.bad == []
    assert [d.name for d in export.deals] == ["Ridge back lot overlay", "Cedar Lane sealcoat",
                                              "Maple Ridge Plaza mill & overlay", "Elm St driveway"]  # no footer
    ridge, cedar, maple, elm = export.deals
    assert (ridge.external_id, ridge.close_date, ridge.outcome, ridge.channel) == (
        "salesforce:0065g00000RidgeAAA", "2026-04-30", "open", "deal-ridge")
    assert (cedar.outcome, maple.outcome, maple.owner, maple.amount) == ("won", "lost", "Jürgen Maß", 95570.69)
    assert (elm.owner_email, elm.channel, elm.last_activity) == ("dana.whitfield@northwind.example", "C0ELMST01",
                                                                 None)


def test_bad_rows_are_named_by_their_line():
    export = read_export(MALFORMED)
    # line 2's description runs onto line 3, so the next row is line 4
    assert [(b.line, b.reason) for b in export.bad] == [
        (4, "no deal name (column 'Deal Name' is empty)"),
        (5, "column 'Amount': '12,5k' is not an amount"),
        (6, "column 'Close Date': '31/31/2026' is not a date (YYYY-MM-DD or MM/DD/YYYY)"),
        (7, "has 5 fields, the header has 10"),
        (8, "column 'Is Closed Won': 'maybe' is not true or false"),
        (9, "the same deal as line 2"),
    ]
    assert [(d.line, d.name) for d in export.deals] == [(2, "Wayne Enterprises, EMEA"), (10, "Hooli search")]


def test_a_file_that_is_no_deal_export_is_refused_whole(tmp_path):
    other = tmp_path / "contacts.csv"
    other.write_text("Record ID,First Name,Email\n1,Ana,ana@x.example\n", encoding="utf-8")
    with pytest.raises(ExportError, match=r"no 'Deal Name' \(HubSpot deals\) or 'Opportunity Name' \(Salesforce"):
        read_export(other)
    broken = tmp_path / "broken.csv"
    broken.write_text('Deal Name,Amount\n"Acme,100\n', encoding="utf-8")
    with pytest.raises(ExportError, match="line 2: the file stops being CSV here"):
        read_export(broken)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ExportError, match="empty"):
        read_export(tmp_path / "empty.csv")


@pytest.mark.parametrize(("raw", "value"), [("125000", 125000.0), ("$1,234.50", 1234.5), ("USD 95,570.69", 95570.69),
                                            ("1.234,50 €", 1234.5), ("1,5", 1.5), ("(500)", -500.0), ("", None)])
def test_amounts_as_crms_write_them(raw, value):
    assert parse_amount(raw) == value


def test_dates_as_crms_write_them():
    assert parse_date("2026-03-20 14:05") == parse_date("3/20/2026") == parse_date("3/20/2026 2:05 PM") == \
        parse_date("20/03/2026", day_first=True) == parse_date("20.03.2026") == "2026-03-20"
    with pytest.raises(ValueError, match="not a date"):
        parse_date("20/03/2026")  # US order unless told otherwise


# --- importing: created, then unchanged, then updated ---

def test_an_import_creates_deals_and_the_same_file_again_changes_nothing(store):
    first = _import(store, HUBSPOT, NORTHWIND)
    assert (len(first.created), len(first.updated), first.unchanged, first.bad, first.written) == (5, 0, 0, [], True)
    deals = _deals(store)
    acme = deals["Acme Logistics renewal"]
    assert (acme["owner_id"], acme["owner_email"], acme["channel"], acme["thread_ts"], acme["status"]) == (
        "UANA", "ana@northwind.example", "C0ACME001", "", "open")  # owner by email, channel by name
    globex = deals["Globex expansion"]
    assert (globex["owner_id"], globex["channel"], globex["status"], globex["closed_at"]) == (
        "UBEN", "C0GLOBEX1", "won", "2026-03-02T00:00:00+00:00")  # owner by name, channel by id
    umbrella = deals["Umbrella security review"]
    assert (umbrella["owner_id"], umbrella["channel"], umbrella["thread_ts"]) == (
        "Carla Ruiz", "", "hubspot:18000000104")  # no Slack match: kept as the CRM wrote it, no channel
    assert umbrella["last_activity_at"] == umbrella["created_at"] and acme["last_activity_at"].startswith("2026-03-20")
    assert any("'Carla Ruiz' kept as a name" in note for note in first.notes)
    assert [i["created"] for i in store.deal_imports("T1")] == [5]

    before = store.deals("T1")
    again = _import(store, HUBSPOT, NORTHWIND)
    assert (again.created, again.updated, again.unchanged, again.written) == ([], [], 5, False)
    assert store.deals("T1") == before and len(store.deal_imports("T1")) == 1  # not a row written
    offline = _import(store, HUBSPOT)  # no Slack this time: the owners matched before stay matched
    assert (offline.updated, offline.unchanged) == ([], 5) and store.deals("T1") == before


def test_a_newer_export_updates_only_what_changed(store, tmp_path):
    _import(store, HUBSPOT, NORTHWIND)
    newer = tmp_path / "hubspot_deals.csv"
    text = HUBSPOT.read_text(encoding="utf-8")
    text = text.replace('"Contract Sent","2026-04-30"', '"Closed Won","2026-03-21"').replace(
        '"48000","Sales Pipeline","2026-03-20 14:05","false"', '"51000","Sales Pipeline","2026-03-21 10:00","true"')
    newer.write_text(text, encoding="utf-8")
    result = _import(store, newer, NORTHWIND)
    ((deal, changed),) = result.updated
    assert deal["name"] == "Acme Logistics renewal" and result.unchanged == 4
    assert changed == ["amount", "close_date", "closed_at", "last_activity_at", "stage", "stage_changed_at", "status"]
    assert (deal["status"], deal["closed_at"], deal["amount"], deal["stage"]) == (
        "won", "2026-03-21T00:00:00+00:00", 51000.0, "Closed Won")


def test_a_salesforce_report_and_a_deal_tracked_before_in_slack_become_one(store):
    slack = store.track_deal("T1", "C0RIDGE01", "", "Ridge (Slack)", "UDANA")
    store.record_activity(slack["id"], "UDANA", "1774000000.000100")
    result = _import(store, SALESFORCE, NORTHWIND)
    assert len(result.created) == 3 and [d["id"] for d, _ in result.updated] == [slack["id"]]
    ridge = store.deal_by_id(slack["id"])
    assert (ridge["name"], ridge["external_id"], ridge["message_count"]) == (
        "Ridge back lot overlay", "salesforce:0065g00000RidgeAAA", 1)  # the Slack deal, now known to the CRM
    elm = store.deal_by_external_id("T1", "salesforce:0065g00000ElmStAAA")
    assert (elm["owner_id"], elm["channel"]) == ("UDANA", "C0ELMST01")  # the owner column held the email


def test_an_import_without_slack_keeps_the_slack_owner_of_a_deal_tracked_there(store):
    slack = store.track_deal("T1", "C0ELMST01", "", "Elm St (Slack)", "UDANA")
    _import(store, SALESFORCE)  # offline: the file's owner cannot be matched
    elm = store.deal_by_id(slack["id"])
    assert (elm["owner_id"], elm["owner_email"], elm["crm_owner"]) == (
        "UDANA", "dana.whitfield@northwind.example", "dana.whitfield@northwind.example")


def test_bad_rows_stop_the_whole_import_unless_skipped(store, capsys):
    result = _import(store, MALFORMED)
    assert [b.line for b in result.bad] == [4, 5, 6, 7, 8, 9] and not result.written
    assert store.deals("T1") == [] and store.deal_imports("T1") == []  # nothing half-imported

    assert main(["deal", "import", str(MALFORMED), "--team", "T1"]) == 2
    out = capsys.readouterr().out
    assert "6 bad row(s): nothing imported" in out and "line 7: has 5 fields, the header has 10" in out
    assert store.deals("T1") == []
    assert main(["deal", "import", str(MALFORMED), "--team", "T1", "--skip-bad"]) == 1
    assert sorted(_deals(store)) == ["Hooli search", "Wayne Enterprises, EMEA"]
    assert _deals(store)["Hooli search"]["status"] == "lost"


def test_a_row_whose_channel_is_another_deals_rolls_the_import_back(store):
    store.track_deal("T1", "C0GLOBEX1", "", "Globex in Slack", "UBEN")
    store.update_deal(store.deal("T1", "C0GLOBEX1")["id"], external_id="hubspot:999")  # the CRM's other deal
    result = _import(store, HUBSPOT, NORTHWIND)
    assert [(b.line, b.reason) for b in result.bad] == [
        (3, "its channel C0GLOBEX1 is already the deal 'Globex in Slack' (hubspot:999)")]
    assert (result.created, result.written) == ([], False) and len(store.deals("T1")) == 1


def test_a_dry_run_counts_and_writes_nothing(store, capsys):
    assert main(["deal", "import", str(SALESFORCE), "--team", "T1", "--dry-run"]) == 0
    assert "Dry run, nothing written. 4 would be created" in capsys.readouterr().out
    assert store.deals("T1") == []


def test_an_unknown_channel_name_is_a_bad_row_when_slack_answers(store):
    lost = FakeDirectory(emails=NORTHWIND.emails)  # Slack knows no #deal-acme
    result = _import(store, HUBSPOT, lost)
    assert [(b.line, b.reason) for b in result.bad] == [
        (2, "no channel #deal-acme that the app can see in workspace T1")]
    assert store.deals("T1") == []


# --- owners and channels in Slack ---

class FakeClient:
    def __init__(self, error: str | None = None):
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.error = error

    def _answer(self, method: str, data: dict[str, Any], **params: Any) -> dict[str, Any]:
        from slack_sdk.errors import SlackApiError

        self.calls.append((method, params))
        if self.error:
            raise SlackApiError(self.error, {"ok": False, "error": self.error})
        return data

    def users_lookupByEmail(self, email: str) -> dict[str, Any]:  # noqa: N802 (slack_sdk's name)
        from slack_sdk.errors import SlackApiError

        if email == "ana@northwind.example":
            return self._answer("users.lookupByEmail", {"ok": True, "user": {"id": "UANA"}}, email=email)
        self.calls.append(("users.lookupByEmail", {"email": email}))
        raise SlackApiError("users_not_found", {"ok": False, "error": "users_not_found"})

    def users_list(self, **params: Any) -> dict[str, Any]:
        page = {None: {"members": [{"id": "UBEN", "real_name": "Ben Okafor", "profile": {"display_name": "ben"}},
                                   {"id": "UOLD", "real_name": "Carla Ruiz", "deleted": True}],
                       "response_metadata": {"next_cursor": "p2"}},
                "p2": {"members": [{"id": "UCR1", "real_name": "Dana Whitfield"},
                                   {"id": "UCR2", "profile": {"display_name": "Dana Whitfield"}}]}}
        return self._answer("users.list", page[params.get("cursor")], **params)

    def conversations_list(self, **params: Any) -> dict[str, Any]:
        return self._answer("conversations.list", {"channels": [{"id": "C0ACME001", "name": "deal-acme"}]}, **params)


def test_slack_is_asked_once_per_email_and_names_must_be_unique():
    client = FakeClient()
    slack = SlackDirectory(client, "T1")  # type: ignore[arg-type]
    assert [slack.user_by_email(e) for e in ("ana@northwind.example", "ANA@northwind.example", "x@y.example",
                                             "x@y.example")] == ["UANA", "UANA", None, None]
    assert [m for m, _ in client.calls] == ["users.lookupByEmail", "users.lookupByEmail"]  # cached, misses too
    assert SlackDirectory(client, "T1").user_by_email("ana@northwind.example") == "UANA"  # shared cache
    assert SlackDirectory(client, "T2").user_by_email("ana@northwind.example") == "UANA"  # ...per workspace
    assert len(client.calls) == 3
    assert slack.user_by_name("ben okafor") == slack.user_by_name("BEN") == "UBEN"  # real or display name
    assert slack.user_by_name("Okafor") is None
    assert slack.user_by_name("Carla Ruiz") is None  # deactivated
    assert slack.user_by_name("Dana Whitfield") is None  # two people answer to it: no guess
    assert slack.channel_by_name("#Deal-Acme") == "C0ACME001" and slack.channel_by_name("deal-x") is None
    assert [m for m, _ in client.calls].count("users.list") == 2  # both pages, read once
    assert slack.online and slack.problem is None


def test_a_missing_scope_stops_the_lookups_and_says_which():
    client = FakeClient(error="missing_scope")
    slack = SlackDirectory(client, "T1")  # type: ignore[arg-type]
    assert slack.user_by_name("Ben Okafor") is None and not slack.online
    assert slack.problem == ("the app lacks the users:read scope (add it in the app's settings, or manifest.yml, "
                             "and reinstall)")
    assert slack.user_by_email("ana@northwind.example") is None and len(client.calls) == 1  # not asked again


def test_without_a_token_the_cli_keeps_emails_and_says_so(store, capsys):
    assert main(["deal", "import", str(HUBSPOT), "--team", "T1"]) == 0
    out = capsys.readouterr().out
    assert "5 created, 0 updated, 0 unchanged." in out
    assert "note: owner ana@northwind.example kept as an email: Slack was not asked (no SLACK_BOT_TOKEN)" in out
    assert "note: channel #deal-acme not matched (Slack was not asked: no SLACK_BOT_TOKEN)" in out
    assert _deals(store)["Acme Logistics renewal"]["owner_id"] == "ana@northwind.example"
    assert main(["deal", "import", str(HUBSPOT), "--team", "T1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["unchanged"], report["written"]) == ([], 5, False)


def test_a_token_of_another_workspace_is_not_used(store, monkeypatch):
    from bot.core.config import load_settings
    from bot.services.directory import directory_for

    class Client:
        BASE_URL = "https://slack.com/api/"

        def __init__(self, **kw: Any) -> None:
            self.retry_handlers: list[Any] = []

        def auth_test(self) -> dict[str, str]:
            return {"team_id": "T2"}

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setattr("slack_sdk.WebClient", Client)
    directory = directory_for(load_settings(), store, "T1")
    assert not directory.online and directory.problem == "SLACK_BOT_TOKEN is workspace T2's, not T1's"


# --- the command line ---

def test_a_deal_tracked_moved_along_and_closed_from_the_cli(store, capsys, monkeypatch):
    monkeypatch.setattr(bot.services.directory, "directory_for", lambda *a, **k: NORTHWIND)
    assert main(["deal", "track", "Acme", "renewal", "--owner", "ana@northwind.example", "--team", "T1",
                 "--close", "2026-04-30", "--amount", "48000"]) == 0
    assert "tracking in workspace T1, owner UANA" in capsys.readouterr().out
    assert main(["deal", "track", "Hooli", "--team", "T1"]) == 2
    assert "a new deal needs an owner" in capsys.readouterr().err
    assert main(["deal", "track", "Globex", "--owner", "UBEN", "--channel", "#deal-acme", "--team", "T1"]) == 0
    acme = find_deal(store, "T1", "acme RENEWAL")
    assert (acme["channel"], acme["thread_ts"], acme["external_id"], acme["owner_id"], acme["amount"]) == (
        "", "cli:acme renewal", "cli:acme renewal", "UANA", 48000.0)
    assert store.deal("T1", "C0ACME001")["name"] == "Globex"
    for args in (["stage", "acme renewal", "Negotiation"], ["close", f"#{acme['id']}", "2026-05-15"],
                 ["owner", "cli:acme renewal", "ben@northwind.example"]):
        assert main(["deal", *args, "--team", "T1"]) == 0
    acme = store.deal_by_id(acme["id"])
    assert (acme["stage"], acme["close_date"], acme["owner_id"]) == ("Negotiation", "2026-05-15", "UBEN")
    assert acme["stage_changed_at"]
    assert main(["deal", "won", "Acme renewal", "--on", "2026-05-20", "--team", "T1"]) == 0
    assert main(["deal", "lost", "C0ACME001", "--team", "T1"]) == 0
    assert store.deal_by_id(acme["id"])["closed_at"] == "2026-05-20T00:00:00+00:00"
    assert store.deal("T1", "C0ACME001")["status"] == "lost"
    capsys.readouterr()
    assert main(["deal", "list", "--team", "T1"]) == 0
    assert "No open deals in workspace T1" in capsys.readouterr().out
    assert main(["deal", "list", "--all", "--json", "--team", "T1"]) == 0
    assert [(d["name"], d["status"]) for d in json.loads(capsys.readouterr().out)] == [("Acme renewal", "won"),
                                                                                      ("Globex", "lost")]
    assert main(["deal", "stage", "Nope", "Won", "--team", "T1"]) == 2
    assert "no deal named 'Nope' in workspace T1" in capsys.readouterr().err


def test_the_cli_workspace_is_team_then_coach_team_then_local(store, monkeypatch, capsys):
    assert main(["deal", "track", "Acme", "--owner", "ana@x.example"]) == 0
    assert [d["team_id"] for d in store.deals("local")] == ["local"]
    monkeypatch.setenv("COACH_TEAM", "T7")
    assert main(["deal", "track", "Acme", "--owner", "ana@x.example"]) == 0
    assert len(store.deals("T7")) == 1
    monkeypatch.setenv("COACH_TEAM", "T 7")
    assert main(["deal", "list"]) == 2
    assert "COACH_TEAM must be a workspace id" in capsys.readouterr().err


def test_one_workspace_never_reaches_another_s_deals(store):
    _import(store, HUBSPOT, NORTHWIND, team="T1")
    _import(store, HUBSPOT, team="T2")  # the same file, another workspace: its own deals
    one, two = _deals(store, "T1"), _deals(store, "T2")
    assert len(one) == len(two) == 5 and not {d["id"] for d in one.values()} & {d["id"] for d in two.values()}
    assert two["Acme Logistics renewal"]["owner_id"] == "ana@northwind.example"  # T1's match is T1's alone
    other = two["Globex expansion"]["id"]
    with pytest.raises(DealError, match=f"no deal #{other} in workspace T1"):
        find_deal(store, "T1", f"#{other}")
    assert store.deal_by_external_id("T1", "hubspot:18000000101")["id"] == one["Acme Logistics renewal"]["id"]


def test_forgetting_a_workspace_takes_its_imports_and_deals_and_leaves_the_other(store):
    _import(store, HUBSPOT, team="T1")
    _import(store, SALESFORCE, team="T2")
    counts = store.forget_team("T1")
    assert counts["deals"] == 5 and counts["deal_imports"] == 1
    assert store.deals("T1") == [] and store.deal_imports("T1") == []
    assert len(store.deals("T2")) == 4 and len(store.deal_imports("T2")) == 1


def test_old_imports_are_pruned_with_the_rest(store):
    _import(store, HUBSPOT, team="T1")
    later = datetime(2030, 3, 1, tzinfo=UTC)  # long after the import (written at the real time)
    assert store.prune(later, retention_days=90, text_retention_days=90)["deal_imports"] == 1


def test_copy_of_an_export_imports_into_the_workspace_named(store, tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_TEAM", "T3")
    copy = tmp_path / "export.csv"
    shutil.copy(SALESFORCE, copy)
    assert main(["deal", "import", str(copy)]) == 0
    assert len(store.deals("T3")) == 4 and store.deal_imports("T3")[0]["file_name"] == "export.csv"
