"""Weekly nudges in Slack: the Messenger that DMs owners, and the in-process scheduler (the nudge buttons are
bot/slack/listeners/nudges.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.content.i18n import t
from bot.services.nudges import StalledDeal, run_nudges
from bot.slack.blocks import nudge_blocks
from bot.slack.deps import Deps
from bot.slack.home import post_report
from bot.slack.posting import open_dm
from bot.slack.replies import fetch_profile
from bot.store import Store

log = logging.getLogger(__name__)
METADATA_TYPE = "coach_nudge"


class SlackMessenger:
    """Delivers nudges as DMs tagged with message metadata, so a crashed run can find what it sent."""

    def __init__(self, client: WebClient):
        self.client = client

    def profile(self, team_id: str, user_id: str) -> tuple[str, str]:
        return fetch_profile(self.client, user_id)

    def send(self, team_id: str, owner_id: str, week: str, deals: list[StalledDeal],
             lang: str = "en") -> tuple[str, str]:
        channel = open_dm(self.client, owner_id)
        response = self.client.chat_postMessage(
            channel=channel,
            blocks=nudge_blocks(deals, week, lang),
            text=t("nudge.fallback", lang, count=len(deals)),
            metadata={"event_type": METADATA_TYPE, "event_payload": {"team_id": team_id, "week": week}},
        )
        return channel, response["ts"]

    def find_sent(self, team_id: str, owner_id: str, week: str, since: datetime) -> tuple[str, str] | None:
        channel = open_dm(self.client, owner_id)
        history = self.client.conversations_history(channel=channel, oldest=str(since.timestamp()), limit=100,
                                                    include_all_metadata=True)
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_TYPE and payload.get("week") == week:
                return channel, message["ts"]
        return None


def nudge_once(deps: Deps, client: WebClient, team_id: str, now: datetime | None = None, *,
               dry_run: bool = False, due_only: bool = False) -> list[Any]:
    settings = deps.coach.settings
    return run_nudges(deps.store, deps.coach.playbooks, SlackMessenger(client), now or datetime.now(UTC),
                      settings.stall_days, team_id, dry_run=dry_run, due_only=due_only, day=settings.nudge_day,
                      hour=settings.nudge_hour, pace=settings.nudge_pace)


def installed_clients(store: Store, like: WebClient) -> list[tuple[str, WebClient]]:
    """Every workspace installed through OAuth, each with a client on its own bot token (and `like`'s API URL
    and retry handlers), for the scheduled jobs and `coach nudge`."""
    from bot.slack.installations import StoreInstallationStore

    installs = StoreInstallationStore(store)
    found = []
    for row in store.installed_teams():
        bot = installs.find_bot(enterprise_id=row["enterprise_id"] or None, team_id=row["team_id"])
        if bot:
            # an org-wide install (no team) keeps its data under its enterprise id, as its requests do
            workspace = row["team_id"] or row["enterprise_id"]
            found.append((workspace, WebClient(token=bot.bot_token, base_url=like.base_url,
                                               retry_handlers=like.retry_handlers)))
    return found


TICK_LEASE = timedelta(minutes=55)  # SQLite only: a tick whose process died frees the lock before the next hour


def nudge_tick(deps: Deps, client: WebClient, team_id: str, now: datetime | None = None) -> list[Any] | None:
    """The hourly tick: nudge the owners who are due, on one process at a time across every replica on this
    database. None when another process holds the tick (it will do the sending)."""
    with deps.store.exclusive("weekly-nudges", TICK_LEASE) as mine:
        if not mine:
            log.info("weekly nudges: another process is running this tick")
            return None
        return nudge_once(deps, client, team_id, now, due_only=True)


def start_scheduler(deps: Deps, app: App) -> Any:
    """Every hour, nudge the owners whose own local time has reached the nudge day and hour this week; every
    day, prune what is past its retention (bot/store/base.py holds the rules)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    oauth = deps.coach.settings.oauth_enabled
    single = None if oauth else (app.client.auth_test()["team_id"], app.client)

    def workspaces() -> list[tuple[str, WebClient]]:
        """Each workspace with its own token: the one of SLACK_BOT_TOKEN, or every OAuth install."""
        return [single] if single else installed_clients(deps.store, app.client)

    def tick() -> None:
        for team_id, client in workspaces():
            outcomes = nudge_tick(deps, client, team_id) or []
            sent = sum(o.status in ("sent", "reconciled") for o in outcomes)
            if sent:
                log.info("weekly nudges: %s: %d sent", team_id, sent)

    scheduler = BackgroundScheduler(timezone="UTC")
    # hourly, because "Monday 09:00" comes round at a different UTC hour for each owner's time zone
    scheduler.add_job(tick, CronTrigger(minute=0), id="weekly-nudges", max_instances=1, coalesce=True)

    def prune() -> None:
        settings = deps.coach.settings
        with deps.store.exclusive("daily-prune", TICK_LEASE) as mine:
            if not mine:
                return  # another replica is pruning
            # the one prune `coach prune` runs too: uninstalled workspaces included
            counts = deps.store.prune(datetime.now(UTC), settings.retention_days, settings.text_retention_days)
        log.info("daily prune: %s", ", ".join(f"{step} {n}" for step, n in counts.items() if n) or "nothing old")

    # daily at 03:30 UTC, and once a minute after start, so a server restarted more often than daily still prunes
    scheduler.add_job(prune, CronTrigger(hour=3, minute=30), id="daily-prune", max_instances=1, coalesce=True,
                      next_run_time=datetime.now(UTC) + timedelta(minutes=1))
    if deps.coach.settings.report_channel:
        settings = deps.coach.settings

        def report() -> None:
            for team_id, client in workspaces():
                status = post_report(deps, client, team_id)
                if status != "claimed":  # the later hours of the day find it already posted
                    log.info("weekly team report: %s: %s", team_id, status)

        # on the nudge day, hourly from the nudge hour (UTC): the week's claim makes it one post across workers,
        # and a failed post is given back and tried again the next hour
        scheduler.add_job(report, CronTrigger(day_of_week=settings.nudge_day, hour=f"{settings.nudge_hour}-23",
                                              minute=5),
                          id="weekly-report", max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler
