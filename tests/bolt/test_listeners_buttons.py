"""The listeners of buttons, the shortcut and the app's lifecycle events, called directly with a mock `client`
and `respond`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.content.i18n import t
from bot.slack.listeners import actions, nudges, shortcuts, uninstalls
from bot.slack.replies import notice
from tests.bolt.fakes import action_body, event_body


def _coaching(deps, team: str = "T1", text: str = "Too expensive.") -> int:  # noqa: ANN001
    return deps.store.log_coaching(text=text, label="skepticism", topic="price", confidence=0.8, source="offline",
                                   team_id=team, user_id="U1", language="en")


def test_feedback_is_kept_and_thanked_for(client, respond, deps):
    coaching = _coaching(deps)
    body = action_body({"action_id": "feedback_helpful", "value": str(coaching)})
    actions.feedback(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    assert [(f["coaching_id"], f["kind"]) for f in deps.store.feedback()] == [(coaching, "helpful")]
    respond.assert_called_once_with(response_type="ephemeral", replace_original=False,
                                    text=t("feedback.thanks", "en"))


def test_a_button_for_another_workspaces_coaching_is_ignored(client, respond, deps):
    coaching = _coaching(deps, team="T2")
    body = action_body({"action_id": "feedback_not_helpful", "value": str(coaching)})
    actions.feedback(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    assert deps.store.feedback() == [] and respond.call_count == 0


def test_relabelling_a_coaching_whose_text_was_pruned_says_so(client, respond, deps):
    coaching = _coaching(deps, text="")
    deps.coach.settings.text_retention_days = 30
    body = action_body({"action_id": "relabel", "selected_option": {"value": f"{coaching}:incorrect"}})
    actions.relabel(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    respond.assert_called_once_with(response_type="ephemeral", replace_original=False,
                                    text=t("feedback.text_pruned", "en", days=30))
    deps.coach.coach.assert_not_called()


def test_snoozing_a_stalled_deal_from_the_weekly_dm(client, respond, deps):
    deal = deps.store.track_deal("T1", "CDEAL", "", "Globex", "U1")
    body = action_body({"action_id": "nudge_snooze", "value": str(deal["id"])}, channel="D1")
    nudges.on_button(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    assert deps.store.deal_by_id(deal["id"])["snoozed_until"]
    respond.assert_called_once_with(response_type="ephemeral", replace_original=False,
                                    text=t("nudge.snoozed", "en", name="Globex"))


def test_won_from_the_home_tab_is_told_by_the_refreshed_view_not_a_reply(client, respond, deps):
    deal = deps.store.track_deal("T1", "CDEAL", "", "Globex", "U1")
    body = action_body({"action_id": "nudge_won", "value": str(deal["id"])}, channel=None, response_url=False)
    nudges.on_button(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    assert deps.store.deal_by_id(deal["id"])["status"] == "won" and respond.call_count == 0


def test_coach_me_from_the_home_tab_opens_a_coaching_thread_in_the_dm(client, respond, deps):
    deal = deps.store.track_deal("T1", "CDEAL", "", "Globex", "U1")
    body = action_body({"action_id": "nudge_coach", "value": str(deal["id"])}, channel=None, response_url=False)
    nudges.on_button(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    client.conversations_open.assert_called_once_with(users="U1")
    (intro,) = client.chat_postMessage.call_args_list
    assert intro.kwargs["channel"] == "D-U1"
    assert "Globex" in deps.store.thread("T1", "D-U1", "1.0")["context"]


def test_a_nudge_button_for_another_workspaces_deal_is_ignored(client, respond, deps):
    deal = deps.store.track_deal("T2", "CDEAL", "", "Globex", "U1")
    body = action_body({"action_id": "nudge_lost", "value": str(deal["id"])})
    nudges.on_button(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    assert deps.store.deal_by_id(deal["id"])["status"] == "open" and client.method_calls == []


def test_the_summary_shortcut_says_when_the_thread_cannot_be_read(client, respond, deps):
    client.conversations_replies.side_effect = SlackApiError("not_in_channel", {"ok": False,
                                                                                "error": "not_in_channel"})
    body = {"type": "message_action", "callback_id": shortcuts.CALLBACK_ID, "team": {"id": "T1"},
            "user": {"id": "U1"}, "channel": {"id": "CNOPE"}, "message": {"ts": "5.0", "text": "kickoff"},
            "response_url": "https://hooks.example/shortcut"}
    shortcuts.summarize_thread(body=body, client=client, respond=respond, deps=deps)
    respond.assert_called_once_with(response_type="ephemeral", replace_original=False,
                                    text=notice("cannot_read", "en"), blocks=None)


def _uninstalled(deps) -> list[str]:  # noqa: ANN001
    """The workspaces whose data the next prune forgets (dry run: nothing is forgotten)."""
    return deps.store.forget_uninstalled(datetime.now(UTC) + timedelta(days=1), 0, dry_run=True)


def test_an_uninstall_forgets_the_tokens_and_starts_the_retention_clock(deps):
    deps.store.save_installation(None, "T1", "U9", {"bot_token": "xoxb-1"}, "2030-01-01T00:00:00+00:00")
    uninstalls.on_uninstalled(body=event_body({"type": "app_uninstalled"}), deps=deps)
    assert deps.store.installation(None, "T1") is None and deps.store.installation(None, "T1", "U9") is None
    assert _uninstalled(deps) == ["T1"]


def test_a_revoked_bot_token_is_an_uninstall_and_a_revoked_user_token_is_not(deps):
    deps.store.save_installation(None, "T1", "U9", {"bot_token": "xoxb-1"}, "2030-01-01T00:00:00+00:00")
    user_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U9"]}}
    uninstalls.on_tokens_revoked(body=event_body(user_only), event=user_only, deps=deps)
    assert deps.store.installation(None, "T1", "U9") is None and deps.store.installation(None, "T1")
    assert _uninstalled(deps) == []
    bot = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}
    uninstalls.on_tokens_revoked(body=event_body(bot), event=bot, deps=deps)
    assert deps.store.installation(None, "T1") is None and _uninstalled(deps) == ["T1"]
