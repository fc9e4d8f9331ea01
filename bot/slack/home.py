"""The Home tab: a seller's deals and coachings, and for managers the team's view with a chart; refreshed when
something changes; and the weekly team report posted to COACH_REPORT_CHANNEL.

What to show comes from bot/services/report.py (no Slack there); this module lays it out in Block Kit and talks to
Slack.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cachetools import LRUCache, TLRUCache
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.content.i18n import t
from bot.services.nudges import week_of
from bot.services.outcomes import outcome_lines
from bot.services.report import (
    SellerHome,
    TeamReport,
    chart_alt_text,
    render_chart,
    report_lines,
    seller_home,
    team_report,
)
from bot.services.team_view import TeamView, change_lines, focus_text, long_date, seller_text
from bot.slack.blocks import deal_heading, deal_mention, escape, nudge_actions, split_text
from bot.slack.deps import Deps
from bot.slack.replies import user_language

log = logging.getLogger(__name__)
MAX_VIEW_BLOCKS = 100  # Slack's limit for a Home tab view
STALLED_SHOWN = 12  # stalled deals with their buttons; the weekly DM lists the rest
REFRESH_SECONDS = 30.0  # at most one refresh per user in this time
GROUP_TTL = 600.0  # seconds a manager user group's members are trusted
GROUP_RETRY_TTL = GROUP_TTL / 10  # members Slack would not tell (unknown: the seller's view) are asked again sooner
# user groups (per workspace) whose members one process remembers: COACH_MANAGERS names a few groups, times the
# workspaces installed; the bound keeps a process serving many workspaces from keeping every one for good
GROUPS_REMEMBERED = 1_000
# people whose Home tab is refreshed after a change: those who opened it since the process started, at most this
# many (the least recently seen beyond it get a fresh view when they next open the tab, as after a restart)
VIEWERS_REMEMBERED = 10_000
# Managers per COACH_MANAGERS value: one in a server; a few where tests build apps with different settings
MANAGER_LISTS_REMEMBERED = 8
REPORT_WEEKS = 8
SELLERS_SHOWN = 10  # per-seller rows on a manager's Home tab, most in need first; `coach report` has them all
ASSIGN_ACTION = "team_assign"  # a manager's "Assign practice"; value: "<seller>|<check>|<kind>"
START_ACTION = "assignment_start"  # the seller's "Start"; value: the assignment's id
_SLACK_USER = re.compile(r"[UW][A-Z0-9]+")
Block = dict[str, Any]


class Managers:
    """Who sees the team's view: the user ids in COACH_MANAGERS, and the members of its user groups (S…),
    read with usergroups.users.list and remembered for a few minutes."""

    def __init__(self, ids: tuple[str, ...], ttl: float = GROUP_TTL, retry_ttl: float = GROUP_RETRY_TTL,
                 timer: Callable[[], float] = time.monotonic):
        self.users = {i for i in ids if not i.startswith("S")}
        self.groups = [i for i in ids if i.startswith("S")]
        self.ttl, self.retry_ttl = ttl, retry_ttl
        # (team, group) -> (members, seconds trusted); Home tabs open on many threads at once, hence the lock
        self._members: TLRUCache[tuple[str, str], tuple[frozenset[str], float]] = TLRUCache(
            GROUPS_REMEMBERED, lambda _key, value, now: now + value[1], timer)
        self._lock = threading.Lock()

    def includes(self, client: WebClient, team_id: str, user_id: str) -> bool:
        return user_id in self.users or any(user_id in self._group(client, team_id, g) for g in self.groups)

    def _group(self, client: WebClient, team_id: str, group: str) -> frozenset[str]:
        with self._lock:
            known = self._members.get((team_id, group))
        if known is not None:
            return known[0]
        try:
            members = frozenset(client.usergroups_users_list(usergroup=group).get("users") or [])
            ttl = self.ttl
        except Exception as exc:  # noqa: BLE001  # unknown members see the seller's view; asked again soon
            log.warning("members of user group %s unknown (%s)", group, type(exc).__name__)
            members, ttl = frozenset(), self.retry_ttl
        with self._lock:
            self._members[(team_id, group)] = (members, ttl)
        return members


class Refresher:
    """Republishes a user's Home tab after a change, off the request thread and at most once per `interval`
    seconds per user (later changes within that time are folded into one trailing refresh). Only users who
    have opened the tab since this process started are refreshed: the others get a fresh view when they do."""

    def __init__(self, interval: float = REFRESH_SECONDS, size: int = VIEWERS_REMEMBERED):
        self.interval = interval
        # (team, user) -> when their tab was last published (time.monotonic()), for the VIEWERS_REMEMBERED
        # most recently seen; the timers and every listener thread use it, hence the lock
        self.viewers: LRUCache[tuple[str, str], float] = LRUCache(size)
        self._pending: set[tuple[str, str]] = set()  # a refresh is scheduled: bounded by the timers running
        self._lock = threading.Lock()

    def published(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self.viewers[(team_id, user_id)] = time.monotonic()

    def request(self, deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
        key = (team_id, user_id)
        with self._lock:
            last = self.viewers.get(key)
            if last is None or key in self._pending:
                return
            self._pending.add(key)
            wait = max(0.0, last + self.interval - time.monotonic())
        timer = threading.Timer(wait, self._run, (deps, client, team_id, user_id))
        timer.daemon = True
        timer.start()

    def _run(self, deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
        with self._lock:
            self._pending.discard((team_id, user_id))
        try:
            publish_home(deps, client, team_id, user_id)
        except Exception:  # a refresh nobody asked for: logged only
            log.exception("Home tab refresh for %s failed", user_id)


REFRESHER = Refresher()
_managers: LRUCache[tuple[str, ...], Managers] = LRUCache(MANAGER_LISTS_REMEMBERED)
_managers_lock = threading.Lock()
_upload_lock = threading.Lock()


def managers_of(deps: Deps) -> Managers:
    """The Managers of this app's COACH_MANAGERS, one per process: their user groups' members are remembered."""
    ids = deps.coach.settings.managers
    with _managers_lock:
        found = _managers.get(ids)
        if found is None:
            found = _managers[ids] = Managers(ids)
        return found


def refresh_home(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    """Something this user sees on the Home tab changed: republish it soon (never blocks the caller)."""
    REFRESHER.request(deps, client, team_id, user_id)


def _section(text: str) -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(text)]


def _titled(title: str, lines: list[str], lang: str) -> list[Block]:
    return _section(f"*{title}*\n" + ("\n".join(lines) if lines else f"_{t('report.nothing', lang)}_"))


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def assignment_blocks(assignments: list[dict[str, Any]], names: dict[str, str], lang: str) -> list[Block]:
    """What the seller's manager asked them to practise, each with its Start button."""
    blocks: list[Block] = []
    for a in assignments[:5]:
        what = focus_text(None, a.get("check_name"), a.get("kind"), lang, names)
        text = t("home.assignment", lang, what=what, by=a["assigned_by"], day=long_date(a["created_at"], lang))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]},
                       "accessory": {"type": "button", "action_id": START_ACTION, "value": str(a["id"]),
                                     "style": "primary",
                                     "text": {"type": "plain_text", "text": t("home.assignment_start", lang)}}})
    return [*blocks, {"type": "divider"}] if blocks else []


def seller_blocks(home: SellerHome, names: dict[str, str], lang: str,
                  assignments: list[dict[str, Any]] | None = None) -> list[Block]:
    blocks: list[Block] = [*assignment_blocks(assignments or [], names, lang), _header(t("home.deals_header", lang))]
    for entry in home.stalled[:STALLED_SHOWN]:
        deal = entry.deal
        body = "\n".join((deal_heading(deal, lang),
                          *(f"• {escape(r.text)}" for r in entry.reasons),
                          t("nudge.next_move", lang, move=escape(entry.next_step))))
        blocks += [*_section(body)[:2], nudge_actions(str(deal["id"]), lang)]
    if len(home.stalled) > STALLED_SHOWN:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": t("home.more_deals", lang, count=len(home.stalled) - STALLED_SHOWN)}]})
    if home.quiet:
        deals = ", ".join(deal_mention(d) for d in home.quiet[:40])
        blocks += _section(t("home.quiet_deals", lang, deals=deals))[:2]
    if not home.stalled and not home.quiet:
        blocks += _section(t("home.no_deals", lang))
    blocks += [{"type": "divider"}, _header(t("home.coachings_header", lang))]
    lines = []
    for c in home.coachings:
        feedback = t(f"home.feedback.{c['feedback'] or 'none'}", lang)
        topic = names.get(c["topic"] or "none", c["topic"] or "")
        lines.append(f"• {c['created_at'][:10]} · *{names.get(c['label'], c['label'])}* · {topic} · {feedback}")
    blocks += _section("\n".join(lines) if lines else t("home.no_coachings", lang))
    if home.practice is not None:
        practice = [t("report.practice_line", lang, check=t(f"practice.check.{r['check']}", lang), passed=r["passed"],
                      attempts=r["attempts"], rate=f"{r['passed'] / r['attempts']:.0%}" if r["attempts"] else "–")
                    for r in home.practice]
        blocks += [{"type": "divider"}, _header(t("home.practice_header", lang)),
                   *_section("\n".join(practice) if practice else t("home.no_practice", lang))]
    if home.calls is not None:
        calls = [t("report.practice_line", lang, check=t(f"practice.check.{r['check']}", lang), passed=r["passed"],
                   attempts=r["attempts"], rate=f"{r['passed'] / r['attempts']:.0%}" if r["attempts"] else "–")
                 for r in home.calls["checks"]]
        intro = t("home.calls_intro", lang, calls=home.calls["calls"], answers=home.calls["answers"])
        blocks += [{"type": "divider"}, _header(t("home.calls_header", lang)), *_section("\n".join([intro, *calls]))]
    return blocks


def team_blocks(report: TeamReport, file_id: str | None) -> list[Block]:
    lang = report.lang
    lines = report_lines(report)
    blocks: list[Block] = [_header(t("home.team_header", lang, weeks=len(report.weeks)))]
    if report.team is not None:  # who to coach on what first: what a manager acts on
        blocks += [*seller_rows(report.team), {"type": "divider"}]
    if file_id:
        blocks.append({"type": "image", "slack_file": {"id": file_id}, "alt_text": chart_alt_text(report),
                       "title": {"type": "plain_text", "text": t("home.chart_title", lang)}})
    # the same numbers as text: for screen readers, and where the image does not load
    blocks += _titled(t("report.kinds", lang), [f"• {line}" for line in lines["kinds"]], lang)
    blocks += _titled(t("report.topics", lang), [f"• {line}" for line in lines["topics"]], lang)
    blocks += _titled(t("report.weeks", lang), lines["weeks"], lang)
    blocks += _titled(t("report.obstacles", lang), [f"• {line}" for line in lines["obstacles"]], lang)
    stalled = [f"• <@{owner}>: {n}" for owner, n in report.stalled_by_owner.items()]
    blocks += _titled(t("report.stalled", lang), stalled, lang)
    if report.practice is not None:
        blocks += _titled(t("report.practice", lang), lines["practice"], lang)
    if report.calls is not None:
        blocks += _titled(t("report.calls", lang), lines["calls"], lang)
    blocks += _titled(t("report.feedback", lang), lines["feedback"], lang)
    if report.outcomes is not None:  # win rates, each with its sample size
        blocks += _section("\n".join(outcome_lines(report.outcomes, report.name, lang)))[:3]
    return blocks


def who(user_id: str) -> str:
    """A seller as Slack shows them: a mention for a Slack user id, else the CRM's name, escaped."""
    return f"<@{user_id}>" if _SLACK_USER.fullmatch(user_id) else escape(user_id)


def seller_rows(view: TeamView) -> list[Block]:
    """Who to coach on what: the week's change, then a row per seller (most in need first, SELLERS_SHOWN of
    them), each with "Assign practice" where there is something to assign and it is not assigned already."""
    lang = view.lang
    blocks: list[Block] = [_header(t("team.header", lang, weeks=view.weeks, since=long_date(view.since, lang))),
                           *_section("\n".join(change_lines(view)))]
    if not view.sellers:
        return [*blocks, *_section(t("team.empty", lang))]
    for seller in view.sellers[:SELLERS_SHOWN]:
        text = "\n".join(seller_text(view, seller, who(seller.user_id)))[:3000]
        block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
        check, kind = seller.suggestion()
        taken = {(a.get("check_name") or None, a.get("kind") or None) for a in seller.assignments}
        if (check or kind) and (check, kind) not in taken and _SLACK_USER.fullmatch(seller.user_id):
            block["accessory"] = {"type": "button", "action_id": ASSIGN_ACTION,
                                  "value": f"{seller.user_id}|{check or ''}|{kind or ''}",
                                  "text": {"type": "plain_text", "text": t("team.assign_button", lang)}}
        blocks.append(block)
    if len(view.sellers) > SELLERS_SHOWN:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": t("team.more", lang, count=len(view.sellers) - SELLERS_SHOWN)}]})
    return blocks


def chart_file(deps: Deps, client: WebClient, report: TeamReport, upload: bool = True) -> str | None:
    """The chart's Slack file id: uploaded once per workspace, day and language, then reused. None when the
    upload fails (the view then shows the numbers as text only), or when it is not uploaded yet and `upload` is
    off."""
    day = report.generated_at[:10]
    if not upload:
        return deps.store.home_chart(report.team_id, day, report.lang)
    with _upload_lock:  # two managers opening the tab at once upload one chart
        file_id = deps.store.home_chart(report.team_id, day, report.lang)
        if file_id:
            return file_id
        try:
            uploaded = client.files_upload_v2(content=render_chart(report), filename=f"resistance-{day}.png",
                                              title=t("home.chart_title", report.lang), alt_txt=chart_alt_text(report))
            file_id = uploaded["file"]["id"]
        except Exception as exc:  # noqa: BLE001  # the numbers are in the text too
            log.warning("chart upload failed (%s); Home tab without the image", type(exc).__name__)
            return None
        deps.store.save_home_chart(report.team_id, day, report.lang, file_id)
        return file_id


def home_view(deps: Deps, client: WebClient, team_id: str, user_id: str, now: datetime | None = None,
              upload_chart: bool = True) -> tuple[View, bool]:
    """The Home tab of one user, validated with slack_sdk's models and within Slack's 100 blocks, and whether
    it lacks the manager's chart only because the day's chart is not uploaded yet (`upload_chart` off)."""
    now = now or datetime.now(UTC)
    lang = user_language(deps.store, team_id, user_id, client)
    coach = deps.coach
    names = {**coach.kind_names(lang), **{k: pb.text("name", lang) for k, pb in coach.playbooks.topics.items()},
             "none": t("report.no_topic", lang)}
    stall_days = coach.settings.stall_days
    blocks: list[Block] = []
    chart_pending = False
    if managers_of(deps).includes(client, team_id, user_id):
        report = team_report(deps.store, coach.playbooks, team_id, now, stall_days, REPORT_WEEKS, lang)
        file_id = chart_file(deps, client, report, upload_chart)
        chart_pending = file_id is None and not upload_chart
        blocks += [*team_blocks(report, file_id), {"type": "divider"}]
    mine = seller_blocks(seller_home(deps.store, coach.playbooks, team_id, user_id, now, stall_days, lang), names,
                         lang, deps.store.open_assignments(team_id, user_id))
    view = View(type="home", blocks=(blocks + mine)[:MAX_VIEW_BLOCKS])
    view.validate_json()
    return view, chart_pending


def publish_home(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    """Build and publish this user's Home tab (views.publish). A manager's first view of the day is published
    with its numbers at once, then again with the chart once it is drawn and uploaded (about a second)."""
    view, chart_pending = home_view(deps, client, team_id, user_id, upload_chart=False)
    client.views_publish(user_id=user_id, view=view.to_dict())
    if chart_pending:
        view, _ = home_view(deps, client, team_id, user_id)
        client.views_publish(user_id=user_id, view=view.to_dict())
    REFRESHER.published(team_id, user_id)


def post_report(deps: Deps, client: WebClient, team_id: str, now: datetime | None = None) -> str:
    """Post this week's team report (the chart and its numbers) to COACH_REPORT_CHANNEL, once per week.

    Returns "posted", "shared" (people outside the workspace read the channel: never posted there), "claimed"
    (already posted this week) or "off" (no channel set)."""
    channel = deps.coach.settings.report_channel
    if not channel:
        return "off"
    if deps.audience.outsiders_can_read(client, team_id, channel):
        log.warning("COACH_REPORT_CHANNEL %s is shared outside the workspace; the weekly report was not posted",
                    channel)
        return "shared"
    now = now or datetime.now(UTC)
    week, _ = week_of(now, "UTC")
    if not deps.store.claim_report(team_id, channel, week):
        return "claimed"
    report = team_report(deps.store, deps.coach.playbooks, team_id, now, deps.coach.settings.stall_days, REPORT_WEEKS)
    lines = report_lines(report)
    text = "\n".join([f"*{t('report.title', report.lang, weeks=len(report.weeks))}*", *lines["weeks"],
                      *lines["feedback"]])
    try:
        client.files_upload_v2(channel=channel, content=render_chart(report), filename=f"resistance-{week}.png",
                               title=t("report.fallback", report.lang, week=week), alt_txt=chart_alt_text(report),
                               initial_comment=text)
    except Exception:
        deps.store.release_report(team_id, channel, week)  # not posted: the next run tries again
        raise
    return "posted"
