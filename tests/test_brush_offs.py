"""Brush-offs: the guidance says the line hides the real resistance and gives questions to uncover it."""

import pytest

from bot.content.playbooks import load_brush_offs
from bot.content.schema import PlaybookError
from bot.core.guidance import Objection

CASES = [
    ("en", "Send me something by email and I'll have a look.", "send_info", "hides the real resistance"),
    ("en", "Honestly we need to think about it.", "think_it_over", "hides the real resistance"),
    ("en", "It is not really a priority for us.", "not_priority", "hides the real resistance"),
    ("es", "Lo tengo que hablar con mi socia antes.", "ask_someone", "esconde el motivo real"),
    ("es", "Está carísimo, la verdad.", "too_expensive", "esconde el motivo real"),
    # the buyer says they will be the ones to get in touch
    ("en", "Thanks for coming by, we'll phone you when we're ready.", "will_call", "hides the real resistance"),
    ("es", "Muchas gracias, ya le llamaremos nosotros.", "will_call", "esconde el motivo real"),
]


@pytest.mark.parametrize("lang,text,brush_off,says", CASES)
def test_offline_guidance_for_a_brush_off(shared_coach, lang, text, brush_off, says):
    d = shared_coach.diagnose(text)
    assert d.brush_off == brush_off, d
    guidance = shared_coach.offline_guidance(Objection.parse(text), d, None)
    assert guidance.language == lang and guidance.question and says in guidance.question
    for question in shared_coach.brush_offs[brush_off].lines("questions", lang):
        assert question in guidance.question


def test_the_prompt_carries_the_brush_off_and_its_questions(shared_coach):
    text = "Honestly we need to think about it."
    objection, d = Objection.parse(text), shared_coach.diagnose(text)
    prompt = shared_coach.prompt(objection, d, None, None, "en")
    assert "reads as a brush-off" in prompt.user and "usually hides the real resistance" in prompt.user
    assert shared_coach.brush_offs["think_it_over"].lines("questions", "en")[0] in prompt.user
    assert "brush-off" in prompt.system
    sure = shared_coach.diagnose("We signed a three-year deal with another vendor in June.")
    assert "reads as a brush-off" not in shared_coach.prompt(objection, sure, None, None, "en").user


def test_a_sure_diagnosis_asks_nothing(shared_coach):
    text = "We signed a three-year deal with another vendor in June."
    guidance = shared_coach.offline_guidance(Objection.parse(text), shared_coach.diagnose(text), None)
    assert guidance.question is None


def test_close_kinds_are_asked_about_by_name(shared_coach):
    from bot.models.classify import Diagnosis

    d = Diagnosis("skepticism", 0.4, {"skepticism": 0.4, "incomplete": 0.3, "missing": 0.05, "incorrect": 0.05,
                                      "major_concern": 0.2}, asks_first=True, in_play=("skepticism", "incomplete"))
    question = shared_coach.diagnostic_question(d, "en")
    assert "skepticism" in question and "incomplete" in question.lower() and "missing" not in question.lower()


def test_brush_offs_yaml_is_validated(tmp_path):
    (tmp_path / "brush_offs.yaml").write_text(
        "think_it_over:\n  name: {en: Think, es: Pensar}\n  kinds: [grumpy]\n"
        "  questions: {en: ['What would help?'], es: ['¿Qué ayudaría?']}\n")
    with pytest.raises(PlaybookError, match=r"brush_offs.yaml: think_it_over: field 'kinds[.0-9]*'.*grumpy"):
        load_brush_offs(tmp_path)


def test_every_brush_off_has_english_and_spanish_questions():
    for name, b in load_brush_offs().items():
        assert b.lines("questions", "en") and b.lines("questions", "es"), name
