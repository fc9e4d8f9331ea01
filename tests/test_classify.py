import json
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.resources import data_dir
from bot.core.taxonomy import LABELS
from bot.models.classify import examples_fingerprint, load_classifier
from bot.models.examples import read_example_dir, read_examples
from bot.models.metrics import score
from bot.services.evaluate import evaluate

HELDOUT = Path(__file__).resolve().parent.parent / "playbooks" / "heldout"
SHIPPED_EXAMPLES = data_dir("playbooks") / "examples" / "objections"


def test_shipped_examples_cover_each_label_in_both_languages():
    examples = read_example_dir(SHIPPED_EXAMPLES)
    for label in LABELS:
        assert sum(e.label == label for e in examples) >= 80, label
    spanish = [e for e in examples if any(w in e.text.lower().split() for w in ("que", "los", "para", "el"))]
    assert len(spanish) >= 150


def test_heldout_is_not_in_training():
    train = {e.text.strip().lower() for e in read_example_dir(SHIPPED_EXAMPLES)}
    held = [e for path in HELDOUT.glob("heldout_*.jsonl") for e in read_examples(path)]
    assert held and not [e.text for e in held if e.text.strip().lower() in train]


@pytest.mark.parametrize("name", ["heldout_en.jsonl", "heldout_es.jsonl"])
def test_heldout_macro_f1(settings, name):
    report = evaluate(HELDOUT / name, settings, progress=False)
    assert report["macro_f1"] >= 0.90, report


def test_confidence_is_calibrated_on_heldout(shared_coach):
    """Expected calibration error: mean |confidence - accuracy| over confidence bins, weighted."""
    held = [e for path in HELDOUT.glob("heldout_*.jsonl") for e in read_examples(path)]
    diagnoses = shared_coach.classifier.diagnose_many([e.text for e in held])
    bins: dict[int, list[tuple[float, bool]]] = {}
    for example, d in zip(held, diagnoses, strict=True):
        bins.setdefault(min(int(d.confidence * 5), 4), []).append((d.confidence, d.label == example.label))
    ece = sum(abs(sum(c for c, _ in b) / len(b) - sum(ok for _, ok in b) / len(b)) * len(b) for b in bins.values())
    assert ece / len(held) < 0.12


def _some_examples(folder: Path, count: int) -> Path:
    """The first `count` shipped examples (every kind among them) in a folder of their own: the cache's tests
    train on a few hundred, not on all of them."""
    folder.mkdir(exist_ok=True)
    rows = [e.__dict__ for e in read_example_dir(SHIPPED_EXAMPLES)]
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:count]))
    return folder


def test_model_is_cached_and_retrained_when_examples_change(tmp_path):
    examples = _some_examples(tmp_path / "examples", 200)
    cache = tmp_path / "cache"
    load_classifier(examples, cache)
    (first,) = cache.glob("classifier-*.npz")
    stamp = first.stat().st_mtime_ns
    load_classifier(examples, cache)
    assert first.stat().st_mtime_ns == stamp and len(list(cache.glob("*.npz"))) == 1
    _some_examples(examples, 201)
    load_classifier(examples, cache)
    assert len(list(cache.glob("*.npz"))) == 2


def test_a_corrupt_cache_file_is_rebuilt(tmp_path):
    examples = _some_examples(tmp_path / "examples", 400)
    cache = tmp_path / "cache"
    cache.mkdir()
    path = cache / f"classifier-{examples_fingerprint(read_example_dir(examples))}.npz"
    path.write_bytes(b"not a model")
    classifier = load_classifier(examples, cache)
    assert classifier.diagnose("I heard you only sell to banks").label in LABELS
    assert path.stat().st_size > 1000


def test_eval_file_with_unknown_label_names_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "label": "missing"}\n{"text": "meh", "label": "grumpy"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: unknown label 'grumpy'"):
        evaluate(bad, load_settings(), progress=False)


def test_score_counts_precision_recall_and_confusion():
    report = score(["missing", "missing", "incorrect"], ["missing", "incorrect", "incorrect"])
    assert report["accuracy"] == pytest.approx(0.6667)
    assert report["per_label"]["missing"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert report["per_label"]["incorrect"]["precision"] == 0.5
    assert report["confusion"]["missing"]["incorrect"] == 1
    assert report["macro_f1"] == pytest.approx((0.6667 + 0.6667) / 2, abs=1e-3)


def test_word_vectors_know_every_word_of_the_shipped_examples():
    """Else the table is stale: rebuild it with `python -m bot.models.word_vectors` after adding examples."""
    from bot.models.examples import objection_examples
    from bot.models.word_vectors import shipped, words_of

    table = shipped()
    unknown = {w for e in objection_examples(SHIPPED_EXAMPLES) for w in words_of(e.text) if w not in table.index}
    assert not unknown, sorted(unknown)[:10]


def test_the_concern_set_examples_are_the_writers_sure_items_and_nothing_else():
    """playbooks/examples/objections/concern_sets.jsonl is written by bench/concern_kinds.py: each line one sure
    message of a concern set, with its writer's kind, the seller's note taken off; no unsure message, and no set
    that is not in the bench's list (a new held-out set stays out of training)."""
    from bot.core.guidance import Objection

    root = Path(__file__).resolve().parent.parent
    shipped = [json.loads(line) for line in (SHIPPED_EXAMPLES / "concern_sets.jsonl").read_text().splitlines()]
    expected = []
    for name in sorted({row["voice"].split(":", 1)[1] for row in shipped}):
        for line in (root / "tests" / "data" / "concerns" / name / "objections.jsonl").read_text().splitlines():
            row = json.loads(line) if line.strip() else None
            if row and row["sure"]:
                expected.append((Objection.parse(row["text"]).text, row["kind"]))
    assert sorted((row["text"], row["label"]) for row in shipped) == sorted(expected)
    assert {row["voice"] for row in shipped} == {f"concern-set:{name}" for name in (
        "dev-a", "dev-b", "dev-e", "dev-f", "dev-g", "dev-h", "heldout-c", "heldout-d", "heldout-e", "heldout-f",
        "heldout-g")}


def test_word_vectors_put_related_words_close_across_languages():
    import numpy as np

    from bot.models.word_vectors import shipped

    table = shipped()
    vendor, supplier, proveedor, banana = table.embed(["vendor", "supplier", "proveedor", "banana"])
    assert min(vendor @ supplier, vendor @ proveedor) > vendor @ banana
    assert np.allclose(table.embed(["integracion"]), table.embed(["integración"]))  # accents dropped in chat
    assert not table.embed(["🙂 123"]).any()  # no word: no direction, the n-grams decide


def test_a_model_trained_by_another_version_is_retrained(tmp_path, shared_coach):
    import dataclasses

    from bot.models import persist
    from bot.models.classify import cached_objection_classifier
    from bot.models.examples import objection_examples

    examples = objection_examples(SHIPPED_EXAMPLES)[:60]
    first = cached_objection_classifier(examples, tmp_path).model
    [cached] = tmp_path.glob("objections-*.npz")
    persist.save(dataclasses.replace(first, trained_as="an-older-recipe|an-older-table"), cached)
    again = cached_objection_classifier(examples, tmp_path).model
    assert again.trained_as == first.trained_as


def test_every_unsure_example_names_a_known_brush_off():
    from bot.content.playbooks import load_brush_offs
    from bot.models.examples import read_unsure

    names = list(load_brush_offs())
    rows = [u for path in (SHIPPED_EXAMPLES.parent / "unsure").glob("*.jsonl") for u in read_unsure(path, names)]
    assert len(rows) >= 100 and {u.brush_off for u in rows} == set(names)


def test_unsure_row_with_unknown_brush_off_names_the_line(tmp_path):
    from bot.models.examples import read_unsure

    bad = tmp_path / "u.jsonl"
    bad.write_text('{"text": "hmm", "brush_off": "think_it_over", "plausible": ["skepticism"]}\n'
                   '{"text": "meh", "brush_off": "shrug", "plausible": ["skepticism"]}\n')
    with pytest.raises(ValueError, match=r"u.jsonl:2: unknown brush_off 'shrug'"):
        read_unsure(bad, ["think_it_over"])


def test_a_brush_off_asks_first_about_the_kinds_it_hides(shared_coach):
    from bot.content.playbooks import load_brush_offs

    for text in ("Let me mull it over with a coffee and I'll come back to you", "Lo pienso y te escribo"):
        d = shared_coach.diagnose(text)
        assert d.asks_first and d.brush_off == "think_it_over", (text, d)
        assert set(d.in_play) == set(load_brush_offs()["think_it_over"].kinds)


def test_a_clear_objection_is_answered_without_asking(shared_coach):
    for text in ("Who even are you? I've never come across your company.", "¿El soporte técnico está incluido?"):
        d = shared_coach.diagnose(text)
        assert not d.asks_first and d.brush_off is None and d.in_play == (d.label,), (text, d)


def test_eval_json_lists_each_item(tmp_path, settings):
    from bot.cli import main

    path = tmp_path / "few.jsonl"
    path.write_text('{"text": "No budget until the new fiscal year, sorry.", "label": "major_concern"}\n'
                    '{"text": "Maybe, let me think about it.", "label": "skepticism"}\n')
    report = evaluate(path, settings, progress=False)
    assert {"n", "accuracy", "macro_f1", "per_label", "confusion"} <= set(report)
    first, second = report["items"]
    assert set(first) == {"text", "label", "predicted", "confidence", "asks_first"}
    assert first["text"].startswith("No budget") and first["label"] == "major_concern"
    assert first["predicted"] == "major_concern" and first["asks_first"] is False
    assert second["asks_first"] is True
    assert main(["eval", str(path), "--json"]) == 0


def test_the_incorrect_kind_is_shifted_down_by_its_calibration(shared_coach, monkeypatch):
    """"Incorrect" is said far more often than writers mean it: its odds against every other label are lowered by
    exactly `INCORRECT_SHIFT`, and nothing else moves."""
    import math

    from bot.models import classify

    model = shared_coach.classifier.model
    text = ["Our techs carry old Android phones from 2017, does the app run on those?"]
    shifted = model.probabilities(text)[0]
    shift = classify.INCORRECT_SHIFT
    monkeypatch.setattr(classify, "INCORRECT_SHIFT", 0.0)
    plain = model.probabilities(text)[0]
    wrong, a, b = (model.labels.index(k) for k in ("incorrect", "incomplete", "major_concern"))
    assert shift < 0
    assert math.log(shifted[wrong] / shifted[a]) == pytest.approx(math.log(plain[wrong] / plain[a]) + shift, abs=1e-6)
    assert math.log(shifted[a] / shifted[b]) == pytest.approx(math.log(plain[a] / plain[b]), abs=1e-6)


@pytest.mark.parametrize("text", [
    "Honestly the job board in the workshop does everything we need, I don't see what would change.",
    "Los pedidos los apunto en un cuaderno desde hace años y nunca se ha perdido ninguno, no veo la necesidad.",
])
def test_a_buyer_whose_own_way_works_sees_no_need(shared_coach, text):
    """What they do today by hand works for them, and it is no vendor of ours: no need seen (missing), said
    without asking first."""
    diagnosis = shared_coach.diagnose(text)
    assert diagnosis.label == "missing" and not diagnosis.asks_first, diagnosis
