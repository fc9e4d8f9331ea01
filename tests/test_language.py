"""bot/core/language.py: which of our languages to answer in."""

from bot.core.language import answer_language, majority_language, ours


def test_a_language_we_do_not_speak_is_answered_in_english():
    assert [ours(x) for x in ("en", "es", "other", "fr", None)] == ["en", "es", "en", "en", "en"]
    assert answer_language("¿Por qué es tan caro?") == "es"
    assert answer_language("Nous n'avons pas le budget pour cela cette année") == "en"


def test_the_majority_decides_and_a_tie_is_english():
    assert majority_language(["hola, ¿qué tal?", "es muy caro para nosotros", "fine"]) == "es"
    assert majority_language(["es muy caro para nosotros", "we need it by friday"]) == "en"
    assert majority_language([]) == "en"


def test_a_short_spanish_brush_off_is_answered_in_spanish():
    assert [answer_language(t) for t in ("nel, ahorita no", "ahora no, gracias", "mándame info")] == ["es"] * 3
    assert [answer_language(t) for t in ("No thanks", "not now", "Send me info")] == ["en"] * 3


def test_a_short_spanish_line_without_a_common_word_is_spanish_by_its_endings():
    """"No interesado." holds no word only Spanish uses; its ending tells (a blind reviewer found it answered in
    English). English words with such endings stay English."""
    assert [answer_language(t) for t in ("No interesado.", "No interesada, perdona", "Rápido, no.")] == ["es"] * 3
    assert [answer_language(t) for t in ("Not interested.", "We moved to Florida, no budget.",
                                         "No, the avocado season is on")] == ["en"] * 3
