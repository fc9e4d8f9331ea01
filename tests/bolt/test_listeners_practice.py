"""`/objection practice` and "Try again", called directly with a mock `ack`, `client` and `respond`."""

from __future__ import annotations

import pytest

from bot.content.i18n import t
from bot.slack.listeners import messages, practice
from bot.slack.replies import notice
from tests.bolt.fakes import Context, Readers, action_body, command, event_body


@pytest.mark.parametrize(("text", "taken"), [("practice", True), ("practice price es", True),
                                             ("Practice skepticism", True), ("practise makes perfect", False),
                                             ("help", False)])
def test_the_matcher_takes_practice_and_leaves_the_rest_to_objection(text, taken):
    assert practice.is_practice(command(text)) is taken


def test_an_unknown_word_is_named_in_the_acknowledgement_in_the_language_asked_for(ack):
    practice.acknowledge(ack=ack, body=command("practice prices es"))
    assert ack.call_args.kwargs["text"].startswith(t("practice.unknown", "es", word="prices", usage="").strip())


def test_a_good_selection_is_acknowledged_as_being_set_up(ack):
    practice.acknowledge(ack=ack, body=command("practice skepticism es"))
    ack.assert_called_once_with(response_type="ephemeral", text=t("practice.setting_up", "es"))


def test_a_practice_starts_where_it_was_asked_and_only_its_seller_can_restart_it(client, respond, coaching_deps,
                                                                                  team):
    practice.start(body=command("practice skepticism", team=team), client=client, respond=respond,
                   deps=coaching_deps)
    (opening,) = client.chat_postMessage.call_args_list
    assert opening.kwargs["channel"] == "C1" and opening.kwargs["text"] == t("practice.title", "en")
    assert coaching_deps.store.is_practice_thread(team, "C1", "1.0")
    respond.assert_not_called()

    retry = {"action_id": "practice_retry", "value": "1.0"}
    intruder = action_body(retry, team=team, user="U2")
    practice.retry(body=intruder, action=retry, client=client, deps=coaching_deps)
    (refused,) = client.chat_postEphemeral.call_args_list
    assert refused.kwargs["user"] == "U2" and refused.kwargs["text"] == t("practice.only_owner", "en")

    practice.retry(body=action_body(retry, team=team), action=retry, client=client, deps=coaching_deps)
    again = client.chat_postMessage.call_args_list[1]
    assert again.kwargs["channel"] == "C1" and again.kwargs["thread_ts"] == "1.0"


def test_where_outsiders_read_the_practice_goes_to_the_sellers_dm(client, respond, coaching_deps, team):
    coaching_deps.audience = Readers("CEXT")
    practice.start(body=command("practice", team=team, channel="CEXT"), client=client, respond=respond,
                   deps=coaching_deps)
    (opening,) = client.chat_postMessage.call_args_list
    assert opening.kwargs["channel"] == "D-U1"
    assert coaching_deps.store.is_practice_thread(team, "D-U1", "1.0")  # its answers come in the DM's thread
    respond.assert_called_once_with(response_type="ephemeral", replace_original=False, text=notice("shared", "en"),
                                    blocks=None)


def test_someone_elses_answer_in_a_practice_thread_is_told_it_is_not_theirs(client, respond, coaching_deps, team):
    practice.start(body=command("practice skepticism", team=team), client=client, respond=respond,
                   deps=coaching_deps)
    answer = {"type": "message", "channel": "C1", "user": "U2", "text": "What would it take?", "ts": "2.0",
              "thread_ts": "1.0"}
    messages.reply_in_thread(body=event_body(answer, team=team), event=answer, context=Context(), client=client,
                             deps=coaching_deps)
    (note,) = client.chat_postEphemeral.call_args_list
    assert note.kwargs["user"] == "U2" and note.kwargs["text"] == t("practice.not_yours", "en")
    assert len(client.chat_postMessage.call_args_list) == 1  # the opening only: nothing scored, nothing coached


@pytest.mark.parametrize(("lang", "handled", "fix_start"), [("en", "You handled it", "Not handled yet. Take out"),
                                                           ("es", "Lo manejaste", "Todavía sin resolver. Quita")])
def test_a_practice_ending_on_a_pitfall_says_what_to_fix_in_slack(lang, handled, fix_start):
    import json

    from bot.services.practice import Step, Summary
    from bot.slack.practice import buyer_blocks

    fix = t("practice.fix.pitfall", lang, quote="Sign by Friday")
    summary = Summary(turns=3, scores=[0.75, 0.75, 0.75], handled=False, checks={}, focus="no_pitfalls", fix=fix)
    text = json.dumps(buyer_blocks(Step(buyer="…", turn=3, done=True, summary=summary), lang, "1.0"),
                      ensure_ascii=False)
    assert handled not in text and fix_start in text and "Sign by Friday" in text
