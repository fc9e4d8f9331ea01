"""How a trained model is kept: one `.npz` file of arrays plus a JSON description, never pickle.

The same bytes go to a cache file, to the shipped models folder and, for a workspace's learned model, to the
database. Loading reads arrays with `allow_pickle=False` and rebuilds the model from named fields, so bytes that
are not a model of ours (a pickle, a crafted archive, another version's model) raise `ModelDataError` and run
nothing.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

import numpy as np

from bot.models import progress
from bot.models.linear import Linear, Tfidf

log = logging.getLogger(__name__)

FORMAT = "resistance-coach/model-v1"
_META = "meta.json"
# Far above any model of ours (the largest unpacks to about 40 MB), far below what would exhaust memory: a
# small crafted archive that unpacks to gigabytes is refused before it is read.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024


class ModelDataError(ValueError):
    """Bytes that are not a model of ours, or not one this version of the coach reads."""


class Arrays:
    """The named arrays of one model file: models put theirs while saving and get them back while loading."""

    def __init__(self, arrays: dict[str, np.ndarray] | None = None):
        self.arrays: dict[str, np.ndarray] = arrays or {}

    def put(self, name: str, array: np.ndarray) -> str:
        if name in self.arrays or name == _META:
            raise ValueError(f"array {name!r} is saved twice")
        self.arrays[name] = np.ascontiguousarray(array)
        return name

    def get(self, name: Any, kind: str) -> np.ndarray:
        """The array saved under `name`, which must hold numbers of this kind ("f" float, "i" integer, "u")."""
        array = self.arrays.get(name) if isinstance(name, str) else None
        if array is None or array.dtype.kind != kind:
            raise ModelDataError(f"the model file has no {kind!r} array {name!r}")
        return array

    def put_json(self, name: str, value: Any) -> str:
        return self.put(name, np.frombuffer(json.dumps(value, ensure_ascii=False).encode("utf-8"), dtype=np.uint8))

    def get_json(self, name: Any) -> Any:
        return json.loads(self.get(name, "u").tobytes().decode("utf-8"))


def tfidf_data(vectorizer: Tfidf, arrays: Arrays, name: str) -> dict[str, Any]:
    terms = sorted(vectorizer.vocabulary, key=vectorizer.vocabulary.__getitem__)
    return {"analyzer": vectorizer.analyzer, "ngram_range": list(vectorizer.ngram_range),
            "terms": arrays.put_json(f"{name}.terms", terms),
            "idf": arrays.put(f"{name}.idf", vectorizer.idf.astype(np.float32))}


def tfidf_from(data: dict[str, Any], arrays: Arrays) -> Tfidf:
    terms = arrays.get_json(data["terms"])
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise ModelDataError("a vocabulary must be a list of terms")
    low, high = (int(n) for n in data["ngram_range"])
    return Tfidf(str(data["analyzer"]), (low, high), {t: i for i, t in enumerate(terms)},
                 arrays.get(data["idf"], "f"))


def linear_data(linear: Linear, arrays: Arrays, name: str) -> dict[str, Any]:
    return {"coef": arrays.put(f"{name}.coef", linear.coef.astype(np.float32)),
            "intercept": arrays.put(f"{name}.intercept", linear.intercept.astype(np.float32))}


def linear_from(data: dict[str, Any], arrays: Arrays, width: int | None = None) -> Linear:
    linear = Linear(arrays.get(data["coef"], "f"), arrays.get(data["intercept"], "f"))
    if width is not None and linear.width != width:
        raise ModelDataError(f"coefficients for {linear.width} features, but the features number {width}")
    return linear


class Persistable(Protocol):
    MODEL_KIND: str  # names the model's type in its file (a class attribute)

    def to_data(self, arrays: Arrays) -> dict[str, Any]: ...

    @classmethod
    def from_data(cls, data: dict[str, Any], arrays: Arrays) -> Self: ...


M = TypeVar("M", bound=Persistable)


def dumps(model: Persistable) -> bytes:
    arrays = Arrays()
    meta = {"format": FORMAT, "kind": model.MODEL_KIND, "model": model.to_data(arrays)}
    buffer = io.BytesIO()
    contents: dict[str, Any] = {**arrays.arrays,
                                _META: np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)}
    np.savez_compressed(buffer, **contents)
    return buffer.getvalue()


def loads(data: bytes, kind: type[M]) -> M:
    """The model these bytes hold, if they are a model of this kind saved by `dumps`; else ModelDataError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ModelDataError("the model file unpacks to more than any model of ours")
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = Arrays(arrays).get_json(_META)
    except ModelDataError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, UnicodeDecodeError, KeyError) as exc:
        raise ModelDataError(f"not a model file of this coach ({exc.__class__.__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelDataError("not a model file of this coach (unknown format)")
    if meta.get("kind") != kind.MODEL_KIND:
        raise ModelDataError(f"the file holds a {meta.get('kind')!r} model, not a {kind.MODEL_KIND!r} one")
    arrays.pop(_META)
    try:
        return kind.from_data(meta["model"], Arrays(arrays))
    except ModelDataError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ModelDataError(f"the {kind.MODEL_KIND} model file is incomplete ({exc.__class__.__name__})") from None


def save(model: Persistable, path: Path) -> None:
    """Write the model to `path` whole: written beside it, then renamed, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(dumps(model))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path, kind: type[M]) -> M:
    """The model saved at `path`; OSError when there is none, ModelDataError when it is not one of ours."""
    return loads(path.read_bytes(), kind)


def shipped_dir() -> Path:
    """Where the package keeps the models built from its own examples (`python -m bot.models build`)."""
    from bot.core.resources import data_dir

    return data_dir("playbooks") / "models"


def shipped_or_none(name: str, kind: type[M], without: str, rebuild: str) -> M | None:
    """The model shipped as `name`, or None when it is absent or not one this version reads: said in the log
    (`without`: what the coach falls back to; `rebuild`: the command that rebuilds it), since the fallback is
    weaker and an operator should read why rather than find out by chance."""
    path = shipped_dir() / name
    try:
        return load(path, kind)
    except (OSError, ValueError) as exc:
        log.warning("%s: %s was not loaded (%s); rebuild it with `%s`", without, name, exc, rebuild)
        return None


def trained(name: str, kind: type[M], cache_dir: Path, train: Callable[[], M], what: str,
            check: Callable[[M], M] = lambda model: model) -> M:
    """The model saved as `name` (a file name carrying the digest of its examples and recipe): the shipped one,
    else the one in the cache folder, else trained now (saying so, see bot/models/progress.py) and kept in the
    cache folder. `check` may refuse a loaded model with ValueError (trained by another version): retrained."""
    for folder in (shipped_dir(), cache_dir):
        try:
            return check(load(folder / name, kind))
        except (OSError, ValueError):  # none there, not ours, or from another version
            continue
    with progress.step(f"training the {what} (first use only; kept in {cache_dir})"):
        model = train()
    save(model, cache_dir / name)
    return model
