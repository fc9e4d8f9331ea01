"""The coach's own conversation: the app's Messages tab (Slack's agent view). Opening it greets a seller once,
with suggested prompts, in their Slack language; the prompts that are no buyer objection are answered with a
short pointer. A message there is coached like `/objection` (bot/slack/listeners/assistant.py)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.content.i18n import t
from bot.core.language import LANGUAGES
from bot.slack.deps import Deps
from bot.slack.replies import user_language

log = logging.getLogger(__name__)
# (title, the message a click sends) of each suggested prompt
PROMPTS = (("dm.prompt.coach", "dm.prompt.coach_message"), ("dm.prompt.practise", "dm.prompt.practise_message"),
           ("dm.prompt.stalled", "dm.prompt.stalled_message"), ("dm.prompt.summarise", "dm.prompt.summarise_message"))
# suggested prompts answered with a pointer rather than coached (their text is no buyer objection)
_POINTERS = {"dm.prompt.stalled_message": "dm.stalled", "dm.prompt.summarise_message": "dm.summarise",
             "dm.prompt.practise_message": "dm.practise"}


def suggested_prompts(lang: str) -> list[dict[str, str]]:
    return [{"title": t(title, lang), "message": t(message, lang)} for title, message in PROMPTS]


def pointer_for(text: str) -> tuple[str, str] | None:
    """The catalogue key answering a suggested prompt's message, and the message's language, if `text` is one."""
    said = text.strip().lower()
    for message, key in _POINTERS.items():
        for lang in LANGUAGES:
            if said == t(message, lang).lower():
                return key, lang
    return None


def greet(deps: Deps, client: WebClient, team_id: str, user_id: str, channel: str) -> None:
    """The first time a seller opens the Messages tab: a short greeting and the suggested prompts."""
    if not deps.store.claim_greeting(team_id, user_id):
        log.info("already greeted %s; not again", user_id)
        return
    lang = user_language(deps.store, team_id, user_id, client)
    greeting = t("dm.greeting", lang)
    try:
        client.chat_postMessage(channel=channel, text=greeting,
                                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": greeting}}])
    except Exception:
        deps.store.release_greeting(team_id, user_id)  # the next open greets instead
        raise
    try:
        client.assistant_threads_setSuggestedPrompts(channel_id=channel, title=t("dm.prompts_title", lang),
                                                     prompts=suggested_prompts(lang))
    except SlackApiError as exc:  # the greeting says what to do; the prompts are a shortcut
        log.info("no suggested prompts in %s (%s)", channel, exc.response.get("error"))
