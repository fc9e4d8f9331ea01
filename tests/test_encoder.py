"""bot/models/encoder.py: the bounded cache of encoded queries."""

from __future__ import annotations

import numpy as np
from cachetools import LRUCache

from bot.models import encoder


def test_a_batch_larger_than_the_cache_comes_back_whole(monkeypatch):
    """Texts cached before the call may be evicted while the batch's new texts are stored: each still comes
    back, in order."""
    monkeypatch.setattr(encoder, "_queries", LRUCache(maxsize=3))
    monkeypatch.setattr(encoder, "_encoded_queries",
                        lambda texts: np.array([[float(len(t))] for t in texts], dtype=np.float32))
    encoder.queries(["a", "bb"])
    texts = ["a", "bb", "ccc", "dddd", "eeeee", "a"]
    assert encoder.queries(texts).ravel().tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 1.0]
