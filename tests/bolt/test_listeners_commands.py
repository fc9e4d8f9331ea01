"""`/objection`'s listeners called directly: the acknowledgement with a mock `ack`, the work after it with a mock
`client` and `respond`."""

from __future__ import annotations

import json
from unittest.mock import Mock

from bot.content.i18n import t
from bot.core.guidance import EmptyObjection
from bot.slack.blocks import usage_blocks, usage_fallback
from bot.slack.listeners import commands
from bot.slack.replies import notice
from tests.bolt.fakes import Readers, command

OBJECTION = "Your price is 40% higher than the other vendor's, and our CFO will not sign that."


def test_help_is_answered_in_the_acknowledgement(ack, deps):
    commands.acknowledge(ack=ack, body=command("help"), deps=deps)
    ack.assert_called_once_with(response_type="ephemeral", text=usage_fallback("en"), blocks=usage_blocks("en"))


def test_ayuda_answers_in_spanish_when_the_locale_is_unknown(ack, deps):
    commands.acknowledge(ack=ack, body=command("ayuda"), deps=deps)
    assert ack.call_args.kwargs["text"] == usage_fallback("es")


def test_track_is_acknowledged_empty_and_the_deal_is_tracked_at_once(ack, deps):
    commands.acknowledge(ack=ack, body=command("track Globex pilot", channel="CDEAL"), deps=deps)
    ack.assert_called_once_with()  # the announcement follows, once it is known who reads the channel
    deal = deps.store.deal("T1", "CDEAL")
    assert deal["name"] == "Globex pilot" and deal["owner_id"] == "U1" and deal["status"] == "open"


def test_a_deal_subcommand_outside_a_deal_says_so(ack, deps):
    commands.acknowledge(ack=ack, body=command("owner <@U2>"), deps=deps)
    assert ack.call_args.kwargs["text"] == t("deal.not_a_deal", "en")


def test_owner_stage_and_close_change_the_channels_deal(ack, deps):
    deps.store.track_deal("T1", "C1", "", "Globex", "U1")
    for text in ("owner <@U2|ana>", "stage Negotiation", "close 2031-02-30", "close 2031-03-31"):
        commands.acknowledge(ack=ack, body=command(text), deps=deps)
    said = [call.kwargs["text"] for call in ack.call_args_list]
    assert said[2] == t("deal.bad_date", "en", value="2031-02-30")  # looks like a date, is none
    deal = deps.store.deal("T1", "C1")
    assert (deal["owner_id"], deal["stage"], deal["close_date"]) == ("U2", "Negotiation", "2031-03-31")


def test_an_objection_is_acknowledged_as_being_diagnosed_and_nothing_is_changed(ack, deps):
    commands.acknowledge(ack=ack, body=command(OBJECTION), deps=deps)
    ack.assert_called_once_with(response_type="ephemeral", text=t("ack.diagnosing", "en"))


def test_track_followed_by_a_sentence_is_coached_with_a_line_on_tracking(ack, deps):
    commands.acknowledge(ack=ack, body=command("track record? You've only been around two years"), deps=deps)
    text = ack.call_args.kwargs["text"]
    assert text.startswith(t("ack.diagnosing", "en")) and notice("coached_not_tracked", "en") in text
    assert deps.store.deal("T1", "C1") is None


def test_a_failure_before_the_acknowledgement_still_acknowledges_with_an_error(ack, deps):
    deps.store = Mock(cached_language=Mock(side_effect=RuntimeError("database is locked")))
    commands.acknowledge(ack=ack, body=command("help"), deps=deps)
    ack.assert_called_once_with(response_type="ephemeral", text=notice("error", "en"))


def test_an_objection_is_coached_in_the_channel(client, respond, coaching_deps, team):
    commands.run_subcommand(body=command(OBJECTION, team=team), client=client, respond=respond, deps=coaching_deps)
    (post,) = client.chat_postMessage.call_args_list
    assert post.kwargs["channel"] == "C1" and "coaching_actions" in json.dumps(post.kwargs["blocks"])
    respond.assert_not_called()  # nothing to tell: the coaching is there for all to see
    assert coaching_deps.store.thread(team, "C1", "1.0")["label"]


def test_where_outsiders_read_the_coaching_goes_to_the_sellers_dm(client, respond, coaching_deps, team):
    coaching_deps.audience = Readers("CEXT")
    commands.run_subcommand(body=command(OBJECTION, team=team, channel="CEXT"), client=client, respond=respond,
                            deps=coaching_deps)
    (post,) = client.chat_postMessage.call_args_list
    assert post.kwargs["channel"] == "D-U1"
    respond.assert_called_once_with(response_type="ephemeral", replace_original=False,
                                    text=notice("shared", "en"), blocks=None)


def test_nothing_to_coach_answers_with_the_usage(client, respond, deps):
    deps.coach.coach.side_effect = EmptyObjection("nothing to coach")
    commands.run_subcommand(body=command("thanks!"), client=client, respond=respond, deps=deps)
    respond.assert_called_once_with(response_type="ephemeral", text=usage_fallback("en"), blocks=usage_blocks("en"))
    client.chat_postMessage.assert_not_called()


def test_a_tracked_deal_is_announced_in_the_channel_or_only_to_the_asker_where_outsiders_read(client, respond, deps):
    deps.audience = Readers("CEXT")
    for channel in ("CDEAL", "CEXT"):
        deps.store.track_deal("T1", channel, "", "Globex", "U1")
        commands.run_subcommand(body=command("track Globex", channel=channel), client=client, respond=respond,
                                deps=deps)
    in_channel, only_you = (call.kwargs for call in respond.call_args_list)
    assert in_channel["response_type"] == "in_channel" and "Globex" in in_channel["text"]
    assert only_you["response_type"] == "ephemeral" and notice("only_you", "en") in only_you["text"]


def test_summary_of_a_channel_without_threads_says_so(client, respond, deps):
    client.conversations_history.return_value = {"messages": [{"ts": "1.0", "text": "no replies"}]}
    commands.run_subcommand(body=command("summary"), client=client, respond=respond, deps=deps)
    respond.assert_called_once_with(response_type="ephemeral", text=t("summary.no_threads", "en"))
