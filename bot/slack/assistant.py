"""The coach's own conversation: the app's Messages tab (Slack's agent view) and the single `app_home_opened`
listener. Opening the Messages tab greets a seller once, with suggested prompts, in their Slack language; a
message there is coached like `/objection` (streamed with a model, see bot/slack/streaming.py), and replies
in its thread continue the coaching (bot/slack/messages.py). Opening the Home tab publishes the seller's or
manager's home (bot/slack/home.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import LANGUAGES, t
from bot.slack import practice
from bot.slack.audience import team_of
from bot.slack.blocks import unescape
from bot.slack.deps import Deps
from bot.slack.home import publish_home
from bot.slack.messages import continue_thread, has_files, written_by_a_person
from bot.slack.replies import Asker, ack_now, language_of, reported, user_language

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


def is_seller_dm(event: dict[str, Any]) -> bool:
    """A seller's own message in their DM with the app, new or in a thread, files attached or not (not an edit
    or a bot's post). In the DM every thread is the coach's: one Slack opened (the agent view threads
    conversations) is coached as well as one the coach started."""
    return event.get("channel_type") == "im" and written_by_a_person(event)


def register(app: App, deps: Deps) -> None:
    """Registered before bot/slack/messages.py: Bolt runs the first listener whose matchers take the event, so
    DMs come here and everything else there."""

    def coach_dm(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        text = unescape(event.get("text") or "")
        team_id = team_of(body)
        # replies go in the thread of the seller's message (or the thread it is in): the coaching continues there
        thread_ts = event.get("thread_ts") or event["ts"]
        if event.get("thread_ts") and practice.on_thread_message(deps, client, team_id, event, text):
            return  # an answer to the buyer in a practice thread (a practice moved to the DM), not an objection
        asker = Asker(client, event.get("user", ""), event["channel"], thread_ts, language=language_of(text))
        pointer = pointer_for(text)
        if pointer is not None:
            key, lang = pointer
            client.chat_postMessage(channel=asker.channel, thread_ts=asker.thread_ts, text=t(key, lang))
            return
        continue_thread(deps, asker, team_id, thread_ts, text, files=has_files(event))

    def on_home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = team_of(body), event.get("user", "")
        if event.get("tab") == "messages":
            greet(deps, client, team_id, user_id, event.get("channel", ""))
        elif event.get("tab") == "home":
            publish_home(deps, client, team_id, user_id)

    app.event("message", matchers=[is_seller_dm])(ack=ack_now, lazy=[reported(coach_dm)])
    # nobody asked anything by opening a tab: a failure is logged, not told
    app.event("app_home_opened")(ack=ack_now, lazy=[reported(on_home_opened, tell=False)])
