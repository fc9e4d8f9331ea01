"""Issue #22, calls10: the learned sentence detector beside the cues (bot/calls/detector.py), a cascade of a
word-vector detector and an e5 one. Its weights load as plain arrays, never pickle; a sentence the word-vector
prefilter drops, or the cues already flag, never reaches e5 (counted on a wrapped encoder), in English and Spanish;
it ranks an objection said without any cue word above a neutral discovery question; and a sentence it is sure of
counts as an objection even with no cue, while the cues' own finds stay."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from bot.calls import detector as det
from bot.calls.finding import Likely, objections_in, resisting, resisting_flags, sentences
from bot.calls.formats import Turn
from bot.calls.review import candidates
from bot.models import encoder, persist
from bot.models.persist import ModelDataError

# objections with no cue word of the grammar (checked below), and neutral discovery questions
UNCUED = [
    "What I still don't have is how the app handles drivers who share one phone between two vans.",
    "Signing a three-year deal before we know whether we keep the county contract is a big risk for us.",
    "Firmar tres años antes de saber si renovamos el contrato con el ayuntamiento es mucho riesgo para nosotros.",
    "Lo que todavía no tengo es cómo maneja la app a los repartidores que comparten un teléfono entre dos "
    "furgonetas.",
]
NEUTRAL = [
    "How many people are on your dispatch team today?",
    "What does a normal week look like for your dispatchers?",
    "¿Cuántas personas usan el sistema hoy?",
    "¿Cómo es una semana normal para sus despachadores?",
]


def test_the_shipped_weights_load_without_pickle():
    path = persist.shipped_dir() / det.FILE
    with np.load(path, allow_pickle=False) as archive:  # plain arrays only: a pickled object would raise here
        assert all(archive[name].dtype != object for name in archive.files)
        assert {"words_coef", "e5_coef"} <= set(archive.files)  # both detectors' weights
    model = persist.load(path, det.Cascade)
    assert isinstance(model.words, det.Detector) and isinstance(model.e5, det.Detector)
    assert model.words.vectors == "words" and model.e5.vectors == "e5"
    assert 0 < model.prefilter < model.alone <= 1
    assert det.shipped() is not None


def test_a_finder_that_does_not_load_is_said_in_the_log(tmp_path, monkeypatch, caplog):
    """A model file this version cannot read (here, a single detector where the cascade should be) leaves the
    review with the cues alone: an operator reads why in the log rather than finding lower recall by chance."""
    model = det.shipped()
    assert model is not None
    persist.save(model.e5, tmp_path / det.FILE)
    monkeypatch.setattr(persist, "shipped_dir", lambda: tmp_path)
    det.shipped.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="bot.models.persist"):
            assert det.shipped() is None
    finally:
        det.shipped.cache_clear()
    assert "cues alone" in caplog.text and det.FILE in caplog.text


def test_a_cascade_must_read_word_vectors_first():
    model = det.shipped()
    assert model is not None
    swapped = det.Cascade(model.e5, model.words, model.prefilter, model.alone)
    with pytest.raises(ModelDataError):
        persist.loads(persist.dumps(swapped), det.Cascade)
    assert persist.loads(persist.dumps(model), det.Cascade).prefilter == model.prefilter


@pytest.fixture
def encoded(monkeypatch):
    """Every text the e5 encoder is asked for, whether or not it is cached."""
    asked: list[str] = []
    real = encoder.queries

    def counting(texts):
        asked.extend(texts)
        return real(texts)

    monkeypatch.setattr(encoder, "queries", counting)
    return asked


# a turn per language: a neutral line the word-vector detector drops, a cue-flagged objection, an uncued one
TURNS = {
    "en": ["Thanks, that was helpful.", "The price is too high for us.", UNCUED[0]],
    "es": ["Gracias, muy útil.", "El precio es demasiado alto para nosotros.", UNCUED[2]],
}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_sentence_the_prefilter_drops_never_reaches_e5(lang, encoded):
    model = det.shipped()
    assert model is not None
    neutral, cued, uncued = TURNS[lang]
    turns = [[neutral], [cued], [uncued]]
    flagged = [resisting_flags(turn) for turn in turns]
    assert flagged == [[False], [True], [False]]
    words = model.words.score_some(turns, [(0, 0), (2, 0)])
    assert words[0] < model.prefilter <= words[1]
    scores = model.score(turns, flagged)
    assert neutral not in encoded and cued not in encoded  # dropped by the prefilter; flagged by the cues
    assert uncued in encoded
    assert scores[0] == [0.0] and scores[1] == [0.0] and scores[2][0] > 0.3


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_cap_sends_only_the_likeliest_sentences_to_e5(lang, encoded):
    model = det.shipped()
    assert model is not None
    capped = det.Cascade(model.words, model.e5, 0.0, model.alone, cap=1)
    neutral, _, uncued = TURNS[lang]
    scores = capped.score([[neutral], [uncued]])
    assert encoded == [uncued] and scores[0] == [0.0] and scores[1][0] > 0.3


def test_without_the_prefilter_every_sentence_reaches_e5(encoded):
    model = det.shipped()
    assert model is not None
    everything = det.Cascade(model.words, model.e5, 0.0, model.alone)
    turns = [[neutral, uncued] for neutral, _, uncued in TURNS.values()]
    everything.score(turns)
    assert set(encoded) >= {sentence for turn in turns for sentence in turn}  # the counting wrapper sees them


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_review_sends_no_cue_flagged_or_dropped_sentence_to_e5(lang, encoded):
    model = det.shipped()
    assert model is not None
    neutral, cued, uncued = TURNS[lang]
    turns = [Turn("Ana", "Tell me about your team."), Turn("Dana", f"{neutral} {cued}"), Turn("Ana", "Sure."),
             Turn("Dana", uncued)]
    found = candidates(turns, ["ours", "buyer", "ours", "buyer"], model)
    assert cued in [c.quote for c in found]
    assert not {neutral, cued} & set(encoded) and uncued in encoded
    assert sentences(f"{neutral} {cued}") == [neutral, cued]


def test_a_pickle_is_refused():
    buffer = io.BytesIO()
    pickle.dump({"coef": [0.0]}, buffer)
    with pytest.raises(ModelDataError):
        persist.loads(buffer.getvalue(), det.Detector)


def test_a_detector_trained_on_other_features_is_refused():
    model = det.Detector(np.zeros(3, dtype=np.float32), 0.0, 0.9)
    data = persist.dumps(model)
    with pytest.raises(ModelDataError):  # three weights, while the features number 2 x 384 + marks
        persist.loads(data, det.Detector)


@pytest.mark.parametrize("sentence", UNCUED)
def test_the_uncued_objections_carry_no_cue(sentence):
    assert resisting(sentence) == []


@pytest.mark.parametrize(("objection", "question"), list(zip(UNCUED, NEUTRAL, strict=True)))
def test_an_uncued_objection_scores_above_a_discovery_question(objection, question):
    model = det.shipped()
    assert model is not None
    said, asked = model.e5.score_some([[objection], [question]], [(0, 0), (1, 0)])
    assert said > asked + 0.3
    assert model.score([[objection], [question]])[0][0] == pytest.approx(said)  # the prefilter lets it through
    assert asked < model.alone


@pytest.mark.parametrize("text", [
    "We run forty trucks out of two depots. " + UNCUED[0],
    "Tenemos cuarenta camiones en dos almacenes. " + UNCUED[2],
])
def test_a_sentence_the_detector_is_sure_of_is_an_objection_without_a_cue(text):
    assert objections_in(text) == []  # the cues alone find nothing
    found = objections_in(text, likely=Likely([0.2, 0.95], alone=0.9))
    assert [f.quote for f in found] == [text.split(". ", 1)[1]]


def test_what_the_cues_find_stays_and_a_defused_sentence_does_not_count():
    text = "The price is too high for us. No worries, that makes sense."
    found = objections_in(text, likely=Likely([0.1, 0.99], alone=0.9))
    assert [f.quote for f in found] == ["The price is too high for us."]


@pytest.mark.parametrize("question", NEUTRAL)
def test_a_neutral_discovery_question_is_no_candidate_with_the_shipped_detector(question):
    turns = [Turn("Ana", "Thanks for joining. Tell me about your team."), Turn("Dana", question)]
    assert candidates(turns, ["ours", "buyer"], det.shipped()) == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_cap_counts_the_sentence_before_that_e5_encodes_too(lang, encoded):
    model = det.shipped()
    assert model is not None
    neutral, _, uncued = TURNS[lang]
    turns = [[neutral, uncued]]
    assert det.Cascade(model.words, model.e5, model.prefilter, model.alone, cap=1).chosen(turns) == []
    assert encoded == []  # the uncued sentence and the one before it are two encodings: over the cap
    scores = det.Cascade(model.words, model.e5, model.prefilter, model.alone, cap=2).score(turns)
    assert scores[0][0] == 0.0 and scores[0][1] > 0.3  # the dropped sentence is read as context, never scored
    assert sorted(encoded) == sorted([neutral, uncued])
