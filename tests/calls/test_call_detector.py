"""Issue #22, calls10: the learned sentence detector beside the cues (bot/calls/detector.py). Its weights load as
plain arrays, never pickle; it ranks an objection said without any cue word above a neutral discovery question, in
English and Spanish; and a sentence it is sure of counts as an objection even with no cue, while the cues' own
finds stay."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from bot.calls import detector as det
from bot.calls.finding import Likely, objections_in, resisting
from bot.calls.formats import Turn
from bot.calls.review import candidates
from bot.models import persist
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
    model = persist.load(path, det.Detector)
    assert model.vectors == "e5" and 0 < model.alone <= 1
    assert det.shipped() is not None


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
    said, asked = model.score([[objection], [question]])
    assert said[0] > asked[0] + 0.3
    assert asked[0] < model.alone


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
