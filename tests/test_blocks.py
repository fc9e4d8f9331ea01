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
