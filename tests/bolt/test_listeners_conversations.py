"""The listeners of conversations called directly: messages and @mentions in channels, the app's DM, and the
App Home's tabs opened."""

from __future__ import annotations

import pytest

from bot.content.i18n import t
from bot.slack import assistant as messages_tab
from bot.slack.listeners import app_home, assistant, messages
from bot.slack.replies import notice
from tests.bolt.fakes import Context, event_body


def message(text: str, *, channel: str = "C1", ts: str = "5.0", thread_ts: str | None = None, **fields: str) -> dict:
    event = {"type": "message", "channel": channel, "user": "U1", "text": text, "ts": ts, **fields}
    return {**event, "thread_ts": thread_ts} if thread_ts else event


def test_a_persons_message_in_a_deal_room_is_the_deals_activity(deps):
    deal = deps.store.track_deal("T1", "CDEAL", "", "Globex", "U1")
    messages.record_activity(body=event_body({}), event=message("any news?", channel="CDEAL", ts="1999999999.5"),
                             deps=deps)
    messages.record_activity(body=event_body({}), event=message("bot", channel="CDEAL", bot_id="B1"), deps=deps)
    assert deps.store.deal_by_id(deal["id"])["message_count"] == 1


def test_a_reply_that_mentions_the_app_is_left_to_the_mention_and_other_threads_to_people(client, deps):
    mentioned = message("<@UBOT> and now?", thread_ts="1.0")
    messages.reply_in_thread(body=event_body(mentioned), event=mentioned, context=Context(), client=client, deps=deps)
    other = message("see you tomorrow", thread_ts="1.0")  # no coaching thread there
    messages.reply_in_thread(body=event_body(other), event=other, context=Context(), client=client, deps=deps)
    assert client.method_calls == []


def test_a_mention_tracks_its_thread_as_a_deal_and_says_so_there(client, deps):
    event = message("<@UBOT> track Globex pilot", ts="7.0", thread_ts="1.0")
    messages.on_mention(body=event_body(event), event=event, context=Context(), client=client, deps=deps)
    assert deps.store.deal("T1", "C1", "1.0")["name"] == "Globex pilot"
    (reply,) = client.chat_postMessage.call_args_list
    assert reply.kwargs["thread_ts"] == "1.0" and "Globex pilot" in reply.kwargs["text"]


def test_a_mention_asking_for_a_summary_of_an_empty_thread_says_it_is_empty(client, deps):
    event = message("<@UBOT> summarise", ts="7.0", thread_ts="1.0")
    messages.on_mention(body=event_body(event), event=event, context=Context(), client=client, deps=deps)
    client.conversations_replies.assert_called_once()
    (reply,) = client.chat_postMessage.call_args_list
    assert reply.kwargs["text"] == notice("empty_thread", "en") and reply.kwargs["thread_ts"] == "1.0"


@pytest.mark.parametrize(("event", "dm"), [
    ({"channel_type": "im", "user": "U1", "text": "hi"}, True),
    ({"channel_type": "im", "user": "U1", "subtype": "file_share"}, True),
    ({"channel_type": "im", "bot_id": "B1", "text": "our own post"}, False),
    ({"channel_type": "im", "user": "U1", "subtype": "message_changed"}, False),
    ({"channel_type": "channel", "user": "U1", "text": "hi"}, False),
])
def test_the_dm_matcher_takes_a_sellers_own_messages_only(event, dm):
    assert assistant.is_seller_dm(event) is dm


def test_a_suggested_prompt_that_is_no_objection_gets_a_pointer_not_coaching(client, deps):
    event = message(t("dm.prompt.stalled_message", "es"), channel="D1", channel_type="im")
    assistant.coach_dm(body=event_body(event), event=event, client=client, deps=deps)
    client.chat_postMessage.assert_called_once_with(channel="D1", thread_ts="5.0", text=t("dm.stalled", "es"))
    deps.coach.coach.assert_not_called()


def test_opening_the_messages_tab_greets_once(client, deps):
    opened = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages"}
    for _ in range(2):
        app_home.on_home_opened(body=event_body(opened), event=opened, client=client, deps=deps)
    (greeting,) = client.chat_postMessage.call_args_list
    assert greeting.kwargs["channel"] == "D1" and greeting.kwargs["text"] == t("dm.greeting", "en")
    (prompts,) = client.assistant_threads_setSuggestedPrompts.call_args_list
    assert prompts.kwargs["prompts"] == messages_tab.suggested_prompts("en")


def test_opening_the_home_tab_publishes_it(client, deps, monkeypatch):
    published = []
    monkeypatch.setattr(app_home, "publish_home", lambda *args: published.append(args))
    opened = {"type": "app_home_opened", "user": "U1", "tab": "home"}
    app_home.on_home_opened(body=event_body(opened), event=opened, client=client, deps=deps)
    assert published == [(deps, client, "T1", "U1")]
