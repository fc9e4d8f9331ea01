"""Links in what a model writes (issue #19, item 13): a link is a claim whose host some input must name
(bot/core/grounding.py), and text shown before that check (a streamed draft) or after it failed (the note saying what
the model made up) shows no link at all."""

import pytest

from bot.core.grounding import Ungrounded, check_answer, claims, link_host, ungrounded, unlinked


def test_a_link_to_a_host_no_input_names_is_ungrounded():
    text = "Send them the case study at https://deals.example-offer.net/claim?ref=1 and ask what they think."
    assert ungrounded(text, ["Every vendor tells us we'll save money."]) == [
        "https://deals.example-offer.net/claim?ref=1"]
    with pytest.raises(Ungrounded):
        check_answer({"clarify": text}, "their site is acme.com")


def test_a_link_to_a_host_the_buyer_or_profile_names_is_grounded():
    sources = ["Their procurement page https://www.Globex.com/vendors says 30 days", "our docs: docs.acme.io"]
    assert ungrounded("Quote https://globex.com/vendors/terms back to them.", sources) == []
    assert ungrounded("Point them to www.docs.acme.io/sla, section SLA.", sources) == []
    assert ungrounded("Try https://globex.com.evil.net/x.", sources) == ["https://globex.com.evil.net/x"]


def test_links_are_whole_claims_and_end_where_the_sentence_does():
    assert claims("See (https://a.example/x?y=1), then www.b.example. Then 30 days.") == [
        "https://a.example/x?y=1", "www.b.example", "30"]
    assert link_host("HTTPS://WWW.Example.COM:8443/x") == "example.com"


def test_unlinked_leaves_a_host_nobody_can_click():
    shown = unlinked("Read [the case](https://evil.example/pay) or https://evil.example/pay, or www.evil.example.")
    assert shown == "Read [the case] (evil[.]example) or evil[.]example, or evil[.]example."
    assert "://" not in shown and "](" not in shown
