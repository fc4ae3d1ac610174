"""Fuse lexical and dense rankings so that a weak model can only help.

Reciprocal-rank fusion gives the dense ranking a vote equal to BM25's whatever the model
is worth: with an English-only model on Chinese questions it buries good BM25 hits.
Here the dense vote is earned twice over:

* **per model** — ``trust`` (0–1) is the model's measured skill on this very corpus
  (``calibrate``: can it find a passage from a question-like clause of it?). A model
  that cannot read Chinese gets little or no say.
* **per question** — ``coverage`` (0–1) is how much of the question's weighted terms the
  best lexical passage contains. When BM25 already matches the question well, the dense
  vote shrinks; when the question is paraphrased or in another language, it grows.

The fused score of a passage is ``(1 - w) * lexical + w * dense`` with
``w = max_weight * trust * (1 - coverage)``, each side scaled to 0–1 over its own
candidates. With ``trust = 0`` the ranking is exactly BM25's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Ranking = Sequence[tuple[int, float]]


def dense_weight(trust: float, coverage: float, max_weight: float = 0.7) -> float:
    """How much say the dense ranking gets for one question.

    >>> dense_weight(1.0, 0.0), dense_weight(1.0, 1.0), dense_weight(0.0, 0.0)
    (0.7, 0.0, 0.0)
    """
    trust = min(max(trust, 0.0), 1.0)
    coverage = min(max(coverage, 0.0), 1.0)
    return max_weight * trust * (1.0 - coverage)


def _min_max(ranking: Ranking) -> dict[int, float]:
    """Cosine similarities of one model cluster in a narrow band: spread them to 0–1."""
    if not ranking:
        return {}
    scores = [s for _, s in ranking]
    hi, lo = max(scores), min(scores)
    if hi - lo < 1e-9:
        return {i: 1.0 for i, _ in ranking}
    return {i: (s - lo) / (hi - lo) for i, s in ranking}


def _from_zero(ranking: Ranking) -> dict[int, float]:
    """BM25 scores mean something on their own: scale by the best, so that a distant
    second stays distant."""
    top = max((s for _, s in ranking), default=0.0)
    return {i: (s / top if top > 0 else 0.0) for i, s in ranking}


def fuse(lexical: Ranking, dense: Ranking, weight: float, k: int) -> list[tuple[int, float, str]]:
    """Blend two rankings of (id, score), best first, into ``k`` (id, score, via) triples.

    >>> fuse([(1, 9.0), (2, 3.0)], [(2, 0.9), (3, 0.1)], weight=0.0, k=2)
    [(1, 1.0, 'lexical'), (2, 0.333333, 'lexical+dense')]
    """
    lex, den = _from_zero(lexical), _min_max(dense)
    if not lex:
        weight = 1.0
    elif not den:
        weight = 0.0
    fused = {}
    for i in lex.keys() | den.keys():
        score = (1.0 - weight) * lex.get(i, 0.0) + weight * den.get(i, 0.0)
        via = "+".join(name for name, side in (("lexical", lex), ("dense", den)) if i in side)
        fused[i] = (score, via)
    # Ties keep BM25's order, then the dense order.
    order = {i: r for r, (i, _) in enumerate(lexical)}
    base = len(order)
    for r, (i, _) in enumerate(dense):
        order.setdefault(i, base + r)
    ranked = sorted(fused.items(), key=lambda kv: (-kv[1][0], order[kv[0]]))
    return [(i, round(score, 6), via) for i, (score, via) in ranked[:k]]


def calibrate(
    queries: Sequence[str],
    targets: Sequence[int],
    search: Callable[[str], list[int]],
    floor: float = 0.5,
    ceiling: float = 0.9,
) -> tuple[float, float]:
    """A model's trust from its hit rate at finding ``targets[i]`` for ``queries[i]``.

    ``search`` returns the top ids for a query. A hit rate at or below ``floor`` earns no
    trust, at or above ``ceiling`` full trust, linear between. Returns (hit rate, trust).

    >>> calibrate(["a", "b"], [1, 2], lambda q: [1] if q == "a" else [9])
    (0.5, 0.0)
    """
    if not queries:
        return 0.0, 0.0
    hits = sum(1 for q, t in zip(queries, targets) if t in search(q)[:1])
    rate = hits / len(queries)
    trust = min(max((rate - floor) / (ceiling - floor), 0.0), 1.0)
    return round(rate, 4), round(trust, 4)
