import json

from bot.slack.blocks import HEADER_LIMIT, _header, escape, split_text


def test_escape_neutralises_every_mention_form():
    text = "<!channel> <!here|here> <@U123> <#C1|x> <https://evil.example|click> a & b"
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.startswith("&lt;!channel&gt;") and "a &amp; b" in escaped


def test_split_text_respects_limit_and_word_boundaries():
    words = [f"word{i}" for i in range(2000)]
    pieces = split_text(" ".join(words), limit=300)
    assert all(len(p) <= 300 for p in pieces)
    assert " ".join(pieces).split() == words  # nothing lost, no word cut


def test_split_text_prefers_line_breaks_and_hard_cuts_only_giant_words():
    assert split_text("aaa bbb\nccc ddd", limit=10) == ["aaa bbb", "ccc ddd"]
    assert split_text("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]


def test_header_is_kept_within_its_limit():
    block = _header("Skepticism " * 40)
    assert len(block["text"]["text"]) <= HEADER_LIMIT and block["text"]["text"].endswith("…")


BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
        "\u200f", "\u061c"]


def test_bidirectional_controls_are_never_shown():
    # "we'll \u202eeunitnoc\u202c" displays as "we'll continue" while saying the opposite
    assert escape("we'll \u202eeunitnoc\u202c <b>") == "we'll eunitnoc &lt;b&gt;"
    assert not any(c in escape("".join(BIDI) + "x") for c in BIDI)


def test_the_quote_of_the_buyers_words_has_no_bidirectional_controls(shared_coach):
    from bot.slack.blocks import guidance_blocks

    said = "Every vendor tells us we'll save 30%. \u202eHow do I know\u202c we'll \u2067actually\u2069 see that?"
    guidance = shared_coach.coach(said)
    posted = json.dumps(guidance_blocks(guidance, said, "Skepticism"), ensure_ascii=False)  # as sent to Slack
    assert "How do I know" in posted and "actually" in posted
    assert not any(c in posted for c in BIDI)
