"""PLACEHOLDER for the merge: the App Home (Home tab) is written in another branch (wt-home), whose
bot/slack/home.py replaces this file. It exists only so bot/slack/assistant.py can dispatch `tab == "home"`."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.slack.posting import Deps

log = logging.getLogger(__name__)


def publish_home(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    log.info("Home tab opened by %s; the Home view is not built in this branch", user_id)
