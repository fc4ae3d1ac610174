"""Fuse lexical and dense rankings so that a weak model can only help.

Reciprocal-rank fusion gives the dense ranking a vote equal to BM25's whatever the model
is worth: with an English-only model on Chinese questions it buries good BM25 hits.
Here the dense vote is earned: ``trust`` (0–1) is the model's measured skill on this very
corpus (see ``rag.build``: with one sentence of a passage as the question and that
sentence hidden, does the model still find the passage through the sentences around
it?). A model that cannot read Chinese gets no say.

The fused score of a passage is ``(1 - w) * lexical + w * dense`` with
``w = 0.3 * trust``, each side scaled to 0–1 over its own candidates; BM25 keeps the
larger say because on these documents exact terms (names, figures) decide most
questions, and the model lifts the passages that say the same in other words. With
``trust = 0`` the ranking is exactly BM25's.
"""

from __future__ import annotations

from collections.abc import Sequence

Ranking = Sequence[tuple[int, float]]


def dense_weight(trust: float, max_weight: float = 0.3) -> float:
    """How much say the dense ranking gets: ``max_weight`` for a model fully trusted on
    this corpus, nothing for one that is not.

    >>> dense_weight(1.0), dense_weight(0.5), dense_weight(0.0)
    (0.3, 0.15, 0.0)
    """
    return max_weight * min(max(trust, 0.0), 1.0)


def spread(ranking: Ranking) -> dict[int, float]:
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
    lex, den = _from_zero(lexical), spread(dense)
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


def calibrate(rate: float, floor: float = 0.2, ceiling: float = 0.35) -> tuple[float, float]:
    """A model's trust from its hit rate on the corpus's own probe (see rag.build): at or
    below ``floor`` no trust, at or above ``ceiling`` full trust, linear between.
    Returns (hit rate, trust).

    >>> calibrate(0.14), calibrate(0.275), calibrate(0.4)
    ((0.14, 0.0), (0.275, 0.5), (0.4, 1.0))
    """
    trust = min(max((rate - floor) / (ceiling - floor), 0.0), 1.0)
    return round(rate, 4), round(trust, 4)
