"""The scoring ideas every store shares: BM25 (Lucene's variant, as bm25s) and "a passage
scores as its best sentence". A store finds candidates its own way (bm25s arrays, FAISS,
Milvus); how a candidate is scored is written once, here."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

K1, B = 1.2, 0.75


def idf(df: int, n: int) -> float:
    """BM25's inverse document frequency (Lucene's, never negative) of a term held by
    ``df`` of ``n`` passages.

    >>> round(idf(1, 10), 3), round(idf(0, 10), 3)
    (1.992, 3.091)
    """
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def bm25(
    weights: Mapping[object, float],
    tf: Mapping[object, float],
    length: int,
    average: float,
    k1: float = K1,
    b: float = B,
) -> float:
    """One passage's BM25 score: ``weights`` maps each query term to its count in the
    query times its idf, ``tf`` each term to its count in the passage, ``length`` is the
    passage's tokens and ``average`` the corpus's mean.

    >>> round(bm25({"深圳": 2.0}, {"深圳": 1, "企业": 3}, 4, 4.0), 4)
    0.9091
    """
    norm = k1 * (1 - b + b * length / (average or 1.0))
    score = 0.0
    for term, weight in weights.items():
        f = tf.get(term, 0.0)
        if f:
            score += weight * f / (f + norm)
    return score


def idfs(df: np.ndarray, n: int) -> np.ndarray:
    """``idf`` for many terms at once.

    >>> idfs(np.array([1, 0]), 10).round(3).tolist()
    [1.992, 3.091]
    """
    return np.log(1 + (n - df + 0.5) / (df + 0.5))


def tf_parts(
    tf: np.ndarray, length: np.ndarray, average: float, k1: float = K1, b: float = B
) -> np.ndarray:
    """BM25's term-frequency part for many (term, passage) pairs at once: what ``bm25``
    multiplies each query term's weight by.

    >>> tf_parts(np.array([1.0]), np.array([4]), 4.0).round(4).tolist()
    [0.4545]
    """
    return tf / (tf + k1 * (1 - b + b * length / (average or 1.0)))


def best_sentence(found: Iterable[tuple[Iterable[str], float]], k: int) -> list[tuple[str, float]]:
    """Passages scored as their best sentence: ``found`` lists sentences best first, each
    as (the passages holding it, its score); the first ``k`` passages, best first.

    >>> best_sentence([(["p1", "p2"], 0.9), (["p2", "p3"], 0.8)], 2)
    [('p1', 0.9), ('p2', 0.9)]
    """
    best: dict[str, float] = {}
    for owners, score in found:
        for passage in owners:
            best.setdefault(passage, float(score))
    return sorted(best.items(), key=lambda kv: -kv[1])[:k]
