"""BM25 over Chinese tokens (bm25s), built once and persisted as plain files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from rag.scoring import idf as _idf


class LexicalIndex:
    """BM25 scores for token lists; token lists come from ``rag.tokenize.tokenize``."""

    def __init__(self, bm25) -> None:
        self._bm25 = bm25
        self._vocab: dict[str, int] = bm25.vocab_dict
        n = int(bm25.scores["num_docs"])
        self.num_docs = n
        # Document frequencies, for answer selection and abstention: a term absent from
        # the corpus weighs as much as the rarest one.
        indptr = np.asarray(bm25.scores["indptr"])
        df = np.diff(indptr)
        self._df = {t: int(df[i]) for t, i in self._vocab.items() if i < len(df)}
        self._idf = {t: _idf(f, n) for t, f in self._df.items()}
        self.max_idf = _idf(0, n)

    @classmethod
    def build(
        cls, token_lists: Iterable[list[str]], k1: float = 1.2, b: float = 0.75
    ) -> LexicalIndex:
        """Index token lists, each turned into ids as it arrives: a corpus of 25k chunks
        then holds one string per distinct token, not one per occurrence."""
        import bm25s

        vocab: dict[str, int] = {}
        # An empty token list would break bm25s; a placeholder token matches nothing real.
        ids = [[vocab.setdefault(t, len(vocab)) for t in toks or ["\x00"]] for toks in token_lists]
        bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        bm25.index((ids, vocab), show_progress=False)
        return cls(bm25)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self.max_idf)

    def df(self, term: str) -> int:
        """How many passages hold ``term`` (0 for a term the corpus never uses)."""
        return self._df.get(term, 0)

    def search(self, tokens: list[str], k: int) -> list[tuple[int, float]]:
        """Best ``k`` (chunk index, score) pairs with a positive score, best first."""
        ids = [self._vocab[t] for t in tokens if t in self._vocab]
        if not ids or k <= 0:
            return []
        scores = self._bm25.get_scores(ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        # allow_pickle stays False: an index folder is data, never code.
        return cls(bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False))
