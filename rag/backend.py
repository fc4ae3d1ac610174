"""Where an engine's passages live: what a store must answer, and the local folder store.

The engine owns the method (question analysis, fusion, abstention, answers); a store only
returns candidates and the statistics that weigh them. Two stores implement it: the
local folder (``LocalStore``: BM25 files and a FAISS index, loaded into the process) and
Milvus (``rag.milvus.MilvusStore``: one collection set shared by any number of processes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag import store
from rag.chunk import cut_edges, sentences
from rag.dense import DenseIndex
from rag.lexical import LexicalIndex
from rag.records import Chunk

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class DocumentEntry:
    """One indexed document: its cited source, title and number of passages."""

    source: str
    title: str
    passages: int


class Store(Protocol):
    """What the engine asks of a store. Passages are named by their chunk ids."""

    #: the model's measured skill on this corpus (0–1, see rag.build); 0.0 without vectors.
    trust: float
    has_vectors: bool

    def refresh(self) -> object:
        """Catch up with changes other processes made (once per question)."""
        ...

    def passage_count(self) -> int: ...

    def documents(self) -> list[DocumentEntry]: ...

    def idf(self, term: str) -> float: ...

    def df(self, term: str) -> int: ...

    @property
    def max_idf(self) -> float: ...

    def keyword(self, tokens: list[str], k: int) -> Ranking:
        """BM25 over the passages, best ``k`` with a positive score."""
        ...

    def vector(self, vector: np.ndarray, k: int) -> Ranking:
        """The ``k`` passages whose best sentence is closest to ``vector``."""
        ...

    def fetch(self, ids: Sequence[str]) -> list[Chunk]:
        """The passages named, in the order given."""
        ...

    def closeness(self, vector: np.ndarray, chunk: Chunk) -> list[float]:
        """The cosine of ``vector`` and each sentence of ``chunk``, in order (0 for a
        sentence without a vector)."""
        ...

    def edges(self, chunks: Sequence[Chunk]) -> dict[str, tuple[bool, bool]]:
        """Whether each passage begins and ends on a sentence the splitter cut."""
        ...


class LocalStore:
    """A build in the index folder (see rag.store), held in memory; never mutated."""

    def __init__(
        self, stored: store.Stored, lexical: LexicalIndex, dense: DenseIndex | None
    ) -> None:
        self.stored = stored
        self.chunks = stored.chunks
        self.lexical = lexical
        self.dense = dense
        self.has_vectors = dense is not None
        self._row = {c.id: i for i, c in enumerate(self.chunks)}
        self._edges = cut_edges(self.chunks)
        dense_info = stored.manifest.get("dense") or {}
        self.trust = float(dense_info.get("trust", 0.0))

    def refresh(self) -> None:
        """A local build never changes: a new one is a new store."""

    def passage_count(self) -> int:
        return len(self.chunks)

    def documents(self) -> list[DocumentEntry]:
        counts: dict[str, int] = {}
        titles: dict[str, str] = {}
        for chunk in self.chunks:
            counts[chunk.source] = counts.get(chunk.source, 0) + 1
            titles.setdefault(chunk.source, chunk.title)
        return [DocumentEntry(s, titles[s], n) for s, n in counts.items()]

    def idf(self, term: str) -> float:
        return self.lexical.idf(term)

    def df(self, term: str) -> int:
        return self.lexical.df(term)

    @property
    def max_idf(self) -> float:
        return self.lexical.max_idf

    def keyword(self, tokens: list[str], k: int) -> Ranking:
        return [(self.chunks[i].id, s) for i, s in self.lexical.search(tokens, k)]

    def vector(self, vector: np.ndarray, k: int) -> Ranking:
        if self.dense is None:
            return []
        return [(self.chunks[i].id, s) for i, s in self.dense.search(vector, k)]

    def fetch(self, ids: Sequence[str]) -> list[Chunk]:
        """The passages with these ids, in order; an id the store lacks is left out."""
        return [self.chunks[self._row[i]] for i in ids if i in self._row]

    def closeness(self, vector: np.ndarray, chunk: Chunk) -> list[float]:
        parts = sentences(chunk.text)
        if self.dense is None:
            return [0.0] * len(parts)
        return [self.dense.similarity(vector, s) or 0.0 for s in parts]

    def edges(self, chunks: Sequence[Chunk]) -> dict[str, tuple[bool, bool]]:
        return {c.id: self._edges.get(c.id, (False, False)) for c in chunks}
