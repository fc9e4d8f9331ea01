"""Trained models are kept as data: features computed from the kept arrays equal scikit-learn's, a model read
back scores as the one trained, and bytes that are not a model of ours (a pickle, an archive of objects, a
decompression bomb, another kind of model) are refused unread."""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot.models import persist
from bot.models.classify import BlendModel, Model, NgramModel, ngram_pipeline, train_objections
from bot.models.linear import Tfidf, features
from bot.models.persist import ModelDataError

TEXTS = [
    "We're happy with our current vendor",
    "¿Eso incluye la formación? No lo tengo claro…",
    "budget frozen till Q3, talk in 2027",
    "I heard you only sell to <@U123|banks> https://example.com",
    "a",  # shorter than every character n-gram
    "",
    "🙂 ok",
    "Über-teuer! naïve façade\tspaces   and\nnewlines",
]
TRAIN = [
    ("We already use another tool and it works fine", 0), ("Our contract with them runs two more years", 0),
    ("Ya tenemos un proveedor y estamos contentos", 0), ("Never heard of you, what do you do?", 1),
    ("No sé qué hacen ustedes exactamente", 1), ("Who are you and why should I care?", 1),
    ("Does the price include training and support?", 2), ("¿El precio incluye la implementación?", 2),
    ("What does onboarding involve for our team?", 2),
]


@pytest.fixture(scope="module")
def pipeline():
    texts, y = [t for t, _ in TRAIN], np.array([label for _, label in TRAIN])
    return ngram_pipeline().fit(texts, y)


def test_features_equal_scikit_learns(pipeline) -> None:
    union = pipeline.steps[0][1]
    ours = features([Tfidf.fitted(v) for _, v in union.transformer_list], TEXTS)
    assert np.allclose(ours.toarray(), union.transform(TEXTS).toarray(), atol=1e-6)


def test_scores_equal_scikit_learns(pipeline) -> None:
    ours = NgramModel.fitted(pipeline).decision(TEXTS)
    assert np.allclose(ours, pipeline.decision_function(TEXTS), atol=1e-5)


def test_another_recipe_is_not_kept_as_data() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer().fit(["some words", "more words"])  # lower-cased, but not our normalising
    with pytest.raises(ValueError, match="recipe"):
        Tfidf.fitted(vectorizer)


def test_a_model_read_back_scores_as_trained(pipeline, tmp_path: Path) -> None:
    model = Model(NgramModel.fitted(pipeline), 0.7, ("incumbent", "missing", "incomplete"))
    persist.save(model, tmp_path / "m.npz")
    again = persist.load(tmp_path / "m.npz", Model)
    assert again.labels == model.labels and again.temperature == model.temperature
    assert np.allclose(again.probabilities(TEXTS), model.probabilities(TEXTS), rtol=0, atol=1e-12)


def test_an_objection_model_read_back_scores_as_trained(shared_coach) -> None:
    from bot.models.examples import objection_examples

    model = train_objections(objection_examples(shared_coach.playbooks.examples_dir)[::8])
    again = persist.loads(persist.dumps(model), BlendModel)
    assert again.trained_as == model.trained_as and again.labels == model.labels
    assert np.allclose(again.probabilities(TEXTS), model.probabilities(TEXTS), rtol=0, atol=1e-12)


def test_a_practice_move_model_read_back_scores_as_trained(shared_coach) -> None:
    from bot.models.moves import MoveModel
    from bot.services.score import Scorer

    model = Scorer(shared_coach).model
    again = persist.loads(persist.dumps(model), MoveModel)
    assert again.thresholds == model.thresholds and again.proof_kinds == model.proof_kinds
    texts = ["I hear you on the price.", "Would a pilot with two stores help?"]
    for check, scores in model.probabilities(texts, TEXTS[0]).items():
        assert np.allclose(again.probabilities(texts, TEXTS[0])[check], scores, rtol=0, atol=1e-12)


class WritesAFile:
    """Unpickling this writes a file: what a crafted cache file or database row would do under pickle."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (self.path, "ran"))


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_a_pickle_is_refused_unread(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(ModelDataError):
        persist.loads(pickle.dumps(WritesAFile(marker)), Model)
    assert not marker.exists()


def test_an_archive_of_pickled_objects_is_refused_unread(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    crafted = _npz(**{"meta.json": np.array([WritesAFile(marker)], dtype=object)})
    with pytest.raises(ModelDataError):
        persist.loads(crafted, Model)
    assert not marker.exists()


def test_a_decompression_bomb_is_refused_before_it_is_unpacked() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.json.npy", b"\0" * (persist.MAX_UNPACKED_BYTES + 1))
    with pytest.raises(ModelDataError, match="unpacks"):
        persist.loads(buffer.getvalue(), Model)


@pytest.mark.parametrize("data", [b"", b"not a model", b"PK\x03\x04broken", _npz(x=np.zeros(3))])
def test_bytes_that_are_no_model_are_a_clean_error(data: bytes) -> None:
    with pytest.raises(ModelDataError):
        persist.loads(data, Model)


def test_another_kind_of_model_or_a_damaged_one_is_a_clean_error(pipeline) -> None:
    model = Model(NgramModel.fitted(pipeline), 1.0, ("a", "b", "c"))
    with pytest.raises(ModelDataError, match="not a 'objections'"):
        persist.loads(persist.dumps(model), BlendModel)
    with zipfile.ZipFile(io.BytesIO(persist.dumps(model))) as archive:
        kept = {name: archive.read(name) for name in archive.namelist() if not name.endswith(".coef.npy")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in kept.items():
            archive.writestr(name, content)
    with pytest.raises(ModelDataError):
        persist.loads(buffer.getvalue(), Model)


@pytest.mark.slow  # trains three models from scratch, twice: `pytest -q -m slow` (.ci/run)
def test_crafted_cache_files_run_nothing_and_are_rebuilt(tmp_path: Path, shared_coach, monkeypatch) -> None:
    """Every cache the coach reads: a pickle put in place of a model file is refused and the model retrained."""
    from bot.models.classify import load_classifier

    monkeypatch.setattr(persist, "shipped_dir", lambda: tmp_path / "nothing shipped")
    from bot.models.moves import load_move_model, replies_dir
    from bot.models.topics import load_topic_detector

    cache, marker = tmp_path / "cache", tmp_path / "ran"
    playbooks = shared_coach.playbooks
    load_classifier(playbooks.obstacle_examples_dir, cache, labels=("none", *_obstacles()), field="kind")
    load_topic_detector(playbooks.topic_examples_dir, cache, {})
    replies = replies_dir(shared_coach.settings.playbooks_dir)
    load_move_model(replies, cache)
    files = sorted(cache.glob("*.npz"))
    assert len(files) == 3
    for path in files:
        path.write_bytes(pickle.dumps(WritesAFile(marker)))
    load_classifier(playbooks.obstacle_examples_dir, cache, labels=("none", *_obstacles()), field="kind")
    load_topic_detector(playbooks.topic_examples_dir, cache, {})
    load_move_model(replies, cache)
    assert not marker.exists()
    for path in files:
        persist.load(path, persist_kind(path))  # rebuilt as data


def _obstacles() -> tuple[str, ...]:
    from bot.core.taxonomy import OBSTACLE_KINDS

    return tuple(OBSTACLE_KINDS)


def persist_kind(path: Path) -> type:
    from bot.models.moves import MoveModel

    return MoveModel if path.name.startswith("practice-moves") else Model


def test_the_shipped_models_are_built_from_the_shipped_examples(tmp_path: Path) -> None:
    """Else they are stale: rebuild them with `python -m bot.models build` after editing examples or a recipe.
    A fresh install trains nothing: every model comes from the shipped folder, the cache stays empty."""
    from bot.core.config import Settings, load_settings
    from bot.services.coach import Coach
    from bot.services.score import Scorer
    from bot.services.summarize import Summarizer

    coach = Coach(Settings(**{**load_settings().__dict__, "cache_dir": tmp_path / "cache", "playbooks_dir": None,
                              "db_path": tmp_path / "coach.db"}))
    summarizer = Summarizer(coach)
    for load in (lambda: coach.classifier, lambda: coach.topic_detector, lambda: summarizer.obstacle_detector,
                 lambda: summarizer.stall_detector, lambda: Scorer(coach).model):
        load()
    assert not list((tmp_path / "cache").glob("*.npz")), "stale shipped models: run `python -m bot.models build`"
