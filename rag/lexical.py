"""BM25 over Chinese tokens (bm25s), built once and persisted as plain files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from rag.scoring import idf as _idf
from rag.scoring import idfs, tf_parts


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
        tokens = Tokens()
        for toks in token_lists:
            tokens.add(toks)
        return cls.of(tokens.passages(), k1, b)

    @classmethod
    def of(cls, passages: PassageTokens, k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        """Index the passages' tokens as they are kept (``PassageTokens``): bm25s's
        "lucene" BM25, its score matrix computed with whole-array operations (``scores``)
        rather than bm25s's loop over passages, several times faster on a large library,
        where every upload makes this pass."""
        import bm25s

        vocab = {t: i for i, t in enumerate(passages.vocab)}
        ids = passages.ids.astype(np.int64)
        lengths = np.diff(passages.offsets)
        if (lengths == 0).any():
            # An empty passage holds a placeholder token, which no query has.
            empty = vocab.setdefault("\x00", len(vocab))
            rows = [row if len(row) else np.array([empty]) for row in passages.rows()]
            ids = np.concatenate(rows).astype(np.int64)
            lengths = np.array([len(row) for row in rows], np.int64)
        bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        bm25.scores = scores(ids, lengths, len(vocab), k1, b)
        # As bm25s's own index(): an empty token after the others, and the ids it knows.
        vocab.setdefault("", len(vocab))
        bm25.vocab_dict = vocab
        bm25.unique_token_ids_set = set(vocab.values())
        bm25.nonoccurrence_array = None
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


def scores(ids: np.ndarray, lengths: np.ndarray, terms: int, k1: float, b: float) -> dict:
    """bm25s's score matrix for passages given as one array of token ids (``lengths``
    of them each): for every term a passage holds, ``idf * tf / (tf + k1 * (1 - b + b *
    length / average length))`` with Lucene's ``idf = ln(1 + (N - df + 0.5) / (df +
    0.5))``, stored by term (CSC: ``indptr`` over ``terms``, passage ``indices``, ``data``).

    >>> m = scores(np.array([0, 1, 1, 2]), np.array([2, 2]), 3, 1.2, 0.75)
    >>> m["indptr"].tolist(), m["indices"].tolist(), m["num_docs"]
    ([0, 1, 3, 4], [0, 0, 1, 1], 2)
    """
    n = len(lengths)
    passage = np.repeat(np.arange(n, dtype=np.int64), lengths)
    pairs, tf = np.unique(ids * n + passage, return_counts=True)  # by term, then passage
    term, where = np.divmod(pairs, n)
    df = np.bincount(term, minlength=terms)
    # Rounded as bm25s rounds: idf kept in float32, the rest worked in float64.
    idf = idfs(df, n).astype(np.float32).astype(np.float64)
    average = lengths.mean() if n else 0.0
    data = (idf[term] * tf_parts(tf, lengths[where], average, k1, b)).astype(np.float32)
    indptr = np.zeros(terms + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return {"data": data, "indices": where.astype(np.int32), "indptr": indptr, "num_docs": n}


class PassageTokens:
    """Each passage's BM25 tokens, as ids into ``vocab``: kept beside a build so that the
    next one tokenizes only the documents that changed (tokenizing is most of a keyword
    build). A plain ``.npz`` file: the ids, where each passage's start, and the
    vocabulary as JSON text."""

    FILE = "tokens.npz"

    def __init__(self, vocab: list[str], ids: np.ndarray, offsets: np.ndarray) -> None:
        self.vocab = vocab
        self.ids = ids
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def rows(self, start: int = 0, stop: int | None = None):
        """The id arrays of passages ``start`` to ``stop`` (not included)."""
        stop = len(self) if stop is None else stop
        for i in range(start, stop):
            yield self.ids[self.offsets[i] : self.offsets[i + 1]]

    def save(self, folder: Path) -> None:
        vocab = np.frombuffer(json.dumps(self.vocab, ensure_ascii=False).encode("utf-8"), np.uint8)
        np.savez(folder / self.FILE, ids=self.ids, offsets=self.offsets, vocab=vocab)

    @classmethod
    def load(cls, folder: Path) -> PassageTokens:
        with np.load(folder / cls.FILE, allow_pickle=False) as data:
            vocab = json.loads(data["vocab"].tobytes().decode("utf-8"))
            return cls(vocab, data["ids"].astype(np.int32), data["offsets"].astype(np.int64))


class Tokens:
    """Passage tokens gathered one passage at a time, tokenized anew or kept from an
    earlier build (``keep``), into one vocabulary of the tokens still in use.

    >>> old = Tokens(); old.add(["港澳", "合作"]); old.add(["前海"])
    >>> new = Tokens(); new.keep(old.passages(), 1, 2); new.add(["合作", "南沙"])
    >>> kept = new.passages()
    >>> [[kept.vocab[i] for i in row] for row in kept.rows()]
    [['前海'], ['合作', '南沙']]
    """

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._rows: list[np.ndarray] = []
        self._maps: dict[PassageTokens, np.ndarray] = {}

    def add(self, tokens: list[str]) -> None:
        vocab = self.vocab
        self._rows.append(np.array([vocab.setdefault(t, len(vocab)) for t in tokens], np.int32))

    def keep(self, old: PassageTokens, start: int, stop: int) -> None:
        """Take passages ``start`` to ``stop`` of an earlier build as they were."""
        remap = self._maps.setdefault(old, np.full(len(old.vocab), -1, np.int32))
        for row in old.rows(start, stop):
            for i in np.unique(row[remap[row] < 0]):
                remap[i] = self.vocab.setdefault(old.vocab[i], len(self.vocab))
            self._rows.append(remap[row])

    def passages(self) -> PassageTokens:
        lengths = np.array([len(r) for r in self._rows], np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        ids = np.concatenate(self._rows) if self._rows else np.zeros(0, np.int32)
        return PassageTokens(list(self.vocab), ids.astype(np.int32), offsets)
