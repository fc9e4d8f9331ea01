import json
import re

import pytest

from bot.core.guidance import EmptyObjection, Objection
from bot.core.seller_questions import is_seller_question
from bot.core.taxonomy import LABELS
from bot.core.text import MAX_CHARS
from bot.services.coach import Coach
from bot.store import open_store

EXAMPLES = {
    "missing": "Honestly I don't know what your company does or why we'd need it.",
    "incomplete": "The $30k is clear, but does it include onboarding and training for our 60 reps?",
    "incorrect": "I heard your tool only works for big enterprises, we're a 40-person firm.",
    "skepticism": "Every vendor says we'll cut costs by 25%. How do I know we'll actually see that?",
    "major_concern": "The board froze all new spending during the restructuring, nothing gets signed now.",
}
PRESSURE = re.compile(
    r"deadline|expir|limited[- ]time|only this (week|month)|act now|before (friday|monday)|price goes up|"
    r"discount|descuento|fecha l[ií]mite|oferta|última oportunidad|solo esta semana",
    re.I,
)
PROMISE = re.compile(
    r"guarant|garantiz|garant[ií]a|100 ?%|we promise|you will definitely|prometemos|sin ning[uú]n riesgo", re.I
)


def _all_text(guidance) -> str:
    return "\n".join([guidance.align, guidance.clarify, guidance.assure, guidance.talk_track, guidance.question or ""])


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("text", [EXAMPLES["incorrect"], "La demo fue buena pero no sabemos qué incluye el precio."])
def test_each_kind_coaches_all_three_steps_without_pressure(shared_coach, label, text):
    guidance = shared_coach.coach(text, label=label)
    assert guidance.label == label
    for part in (guidance.align, guidance.clarify, guidance.assure, guidance.talk_track):
        assert len(part.split()) >= 5
    assert not PRESSURE.search(_all_text(guidance)), _all_text(guidance)


@pytest.mark.parametrize("lang_text", [EXAMPLES["skepticism"], "¿Cómo sé que de verdad vamos a ver ese retorno?"])
def test_skepticism_guidance_never_promises_guarantees(shared_coach, lang_text):
    guidance = shared_coach.coach(lang_text, label="skepticism")
    assert not PROMISE.search(_all_text(guidance)), _all_text(guidance)


@pytest.mark.parametrize("label", LABELS)
def test_clear_objections_are_diagnosed(shared_coach, label):
    assert shared_coach.diagnose(EXAMPLES[label]).label == label


def test_spanish_in_spanish_out(shared_coach):
    guidance = shared_coach.coach("El director financiero dice que ustedes cobran por usuario y eso no nos sirve.")
    assert guidance.language == "es"
    assert "sin conexión" in guidance.notes[0]
    playbook = shared_coach.playbooks[guidance.label]
    assert playbook.lines("align", "es")[0] in guidance.align
    topic = shared_coach.playbooks.topics[guidance.topic]
    assert topic.text("align", "es") in guidance.align and topic.text("check", "es") in guidance.clarify


def test_english_answer_says_it_is_the_offline_playbook(shared_coach):
    guidance = shared_coach.coach(EXAMPLES["missing"])
    assert guidance.language == "en" and guidance.source == "offline"
    assert "Offline playbook answer" in guidance.notes[0]


def test_other_languages_get_english_with_a_note(shared_coach):
    guidance = shared_coach.coach("Nous sommes très contents de notre fournisseur actuel, pourquoi changer ?")
    assert guidance.language == "en"
    assert any("English and Spanish" in note for note in guidance.notes)


def test_low_confidence_asks_a_diagnostic_question(shared_coach):
    # a vague line sits between kinds; the coach asks instead of guessing
    guidance = shared_coach.coach("they pushed back")
    assert guidance.confidence < 0.7
    assert guidance.question and "?" in guidance.question


def test_context_is_woven_into_align(shared_coach):
    guidance = shared_coach.coach(EXAMPLES["incorrect"], context="Acme, 40 seats, wants faster month-end close")
    assert "Acme, 40 seats" in guidance.align


@pytest.mark.parametrize("raw", ["", "   \n\t ", "\x00\x07\x1b"])
def test_empty_text_is_rejected(raw):
    with pytest.raises(EmptyObjection):
        Objection.parse(raw)


def test_control_characters_are_stripped():
    assert Objection.parse("We\x00 are\x1b happy\u202e here").text == "We are happy here"


def test_long_text_is_cut_on_a_word_boundary(shared_coach):
    raw = ("We are worried about the migration of our ledger " * 200).strip()
    objection = Objection.parse(raw)
    assert objection.truncated and len(objection.text) <= MAX_CHARS
    assert raw.startswith(objection.text) and raw[len(objection.text)] == " "
    guidance = shared_coach.coach(raw)
    assert any(f"first {MAX_CHARS} characters" in note for note in guidance.notes)


def test_every_coaching_is_logged(settings):
    store = open_store(settings)
    Coach(settings, store).coach(EXAMPLES["skepticism"], surface="test")
    (row,) = store.coachings()
    assert row["text"] == EXAMPLES["skepticism"]
    assert row["label"] in LABELS and 0 < row["confidence"] <= 1
    assert row["source"] == "offline" and row["surface"] == "test" and row["created_at"]


def test_cli_ask_json(settings, cli):
    result = cli("ask", EXAMPLES["incomplete"], "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    fields = {"label", "confidence", "language", "align", "clarify", "assure", "talk_track", "question", "source",
              "topic", "concerns", "accepted", "seller_notes"}
    assert set(data) == fields
    assert data["source"] == "offline" and data["label"] in LABELS
    assert len(open_store(settings).coachings()) == 1


def test_cli_ask_readable(cli):
    result = cli("ask", EXAMPLES["skepticism"], "--context", "Globex renewal")
    assert result.returncode == 0, result.stderr
    for heading in ("Diagnosis:", "Align", "Clarify", "Assure", "Say it like this", "Offline playbook answer"):
        assert heading in result.stdout


@pytest.mark.parametrize("args", [["ask"], ["ask", "   "], ["ask", "\x07\x1b"]])
def test_cli_ask_without_text_prints_usage_and_logs_nothing(settings, args, cli):
    result = cli(*args)
    assert result.returncode == 2
    assert "usage: coach ask" in result.stderr
    assert not settings.db_path.exists() or open_store(settings).coachings() == []


def test_cli_eval_json_and_bad_file(tmp_path, cli):
    good = tmp_path / "few.jsonl"
    good.write_text("\n".join(json.dumps({"text": t, "label": label}) for label, t in EXAMPLES.items()))
    result = cli("eval", str(good), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 5 and set(report) == {"n", "accuracy", "macro_f1", "per_label", "confusion", "items"}
    assert set(report["per_label"]["missing"]) == {"precision", "recall", "f1", "support"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "nope"}\n')
    result = cli("eval", str(bad))
    assert result.returncode == 2 and "bad.jsonl:1" in result.stderr


SELLER_QUESTIONS = [
    "what if they push back on references?",
    "  How do I respond when the CFO says it's too expensive?",
    '"Should I offer a pilot first?"',
    "Any tips for the security review?",
    "What should I say to the board?",
    "Can I mention the Globex case to them?",
    "¿qué le digo si me pide referencias?",
    "¿Qué hago si no contesta en una semana?",
    "¡¿Cómo le respondo a esto?!",
    "  ¿Y si me pide un descuento?",
    "«¿Debería ofrecerle un piloto?»",
    "¿Puedo mencionar el caso de Initech?",
    "¿Cómo abordo al director financiero?",
    "¿Algún consejo para la reunión con compras?",
]
BUYER_QUESTIONS = [
    "How do I know we'll actually see those savings?",
    "Can I cancel any time if it doesn't work for us?",
    "What about the data we already have in the old system?",
    "Should I be worried about being locked in?",
    "Do I need a separate licence for each site?",
    "¿Y ustedes cuánto tiempo llevan en el mercado?",
    "¿Y si no funciona con nuestro ERP?",
    "¿Puedo cancelar cuando quiera?",
    "¿Cómo sé que de verdad vamos a ver ese ahorro?",
    "¿Debería preocuparme por la seguridad de los datos?",
    "  «¿Qué pasa si el proyecto se retrasa?»",
]


@pytest.mark.parametrize("text", SELLER_QUESTIONS)
def test_seller_questions_are_answered_not_coached(text):
    assert is_seller_question(text)


@pytest.mark.parametrize("text", BUYER_QUESTIONS)
def test_buyer_questions_stay_objections(text):
    assert not is_seller_question(text)
