"""Where the library lives: what a store must answer and do, and the local folder store.

The engine owns the method (question analysis, fusion, abstention, answers); a store
returns candidates and the statistics that weigh them, lists the library's documents,
gives a document's file for the viewer, and adds and removes documents. Callers never
ask which store they hold. Two stores implement it: the local folder (``LocalStore``:
BM25 files and a FAISS index, loaded into the process, the files in the seed and upload
folders) and Milvus (``rag.milvus.MilvusStore``: one collection set that any number of
processes share, and that holds the documents' files too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from rag import store
from rag.chunk import cut_edges, sentences
from rag.dense import DenseIndex
from rag.lexical import LexicalIndex
from rag.records import Chunk, NewDocument

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class DocumentEntry:
    """One indexed document: its cited source, title and number of passages, when it was
    added (seconds since the epoch, 0 when unknown), the file it is stored under (a local
    upload's generated name) and its content hash (where the store keeps it)."""

    source: str
    title: str
    passages: int
    added: float = 0.0
    file: str = ""
    content: str = ""


class Store(Protocol):
    """What the engine asks of a store. Passages are named by their chunk ids."""

    #: the model's measured skill on this corpus (0–1, see rag.build); 0.0 without vectors.
    trust: float
    has_vectors: bool

    def refresh(self) -> bool:
        """Catch up with changes other processes made (once per question); False when
        this store cannot, because another build replaced it (load that one)."""
        ...

    def passage_count(self) -> int: ...

    def documents(self) -> list[DocumentEntry]:
        """The library: seeds first, then uploads, each in the order they came."""
        ...

    def original(self, source: str) -> str | None:
        """The text of the file a document was read from (what the viewer shows), or
        None when the library has no such document."""
        ...

    def holds(self, content: str) -> bool:
        """Whether a document with this content hash (rag.upload.content_hash) is in."""
        ...

    def add(self, docs: Sequence[NewDocument], embedder) -> list[NewDocument]:
        """Add documents (all or none); readers see each whole or not at all. Returns
        them as added (a shared store may have renamed one: 名字 (2).docx)."""
        ...

    def remove(self, source: str, embedder) -> bool:
        """Remove one document; False when there is none by that source."""
        ...

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
    """A build in the index folder (see rag.store), held in memory and never mutated: a
    write makes a new build, which ``refresh`` then reports."""

    def __init__(
        self,
        stored: store.Stored,
        lexical: LexicalIndex,
        dense: DenseIndex | None,
        settings=None,
    ) -> None:
        self.stored = stored
        self.chunks = stored.chunks
        self.lexical = lexical
        self.dense = dense
        self.settings = settings
        self.has_vectors = dense is not None
        self._row = {c.id: i for i, c in enumerate(self.chunks)}
        self._edges = cut_edges(self.chunks)
        dense_info = stored.manifest.get("dense") or {}
        self.trust = float(dense_info.get("trust", 0.0))

    def refresh(self) -> bool:
        """Whether this build is still the live one (one read of ``CURRENT``)."""
        if self.settings is None:
            return True
        return store.current_build(self.settings.index) == self.stored.folder

    def passage_count(self) -> int:
        return len(self.chunks)

    def documents(self) -> list[DocumentEntry]:
        counts: dict[str, int] = {}
        titles: dict[str, str] = {}
        for chunk in self.chunks:
            counts[chunk.source] = counts.get(chunk.source, 0) + 1
            titles.setdefault(chunk.source, chunk.title)
        out = []
        for source, n in counts.items():
            path = self.settings.resolve(source) if self.settings is not None else None
            added, file = 0.0, ""
            if path is not None and path.exists():
                added, file = path.stat().st_mtime, path.name
            out.append(DocumentEntry(source, titles[source], n, added, file))
        return out

    def original(self, source: str) -> str | None:
        from rag.ingest import UnreadableFile, decode

        if self.settings is None or source not in {c.source for c in self.chunks}:
            return None
        path = self.settings.resolve(source)
        if path is None or not path.is_file():
            return None
        try:
            return decode(path.read_bytes())
        except (OSError, UnreadableFile):
            return None

    def holds(self, content: str) -> bool:
        from rag.upload import known_hashes

        return content in known_hashes([self.settings.seeds, self.settings.uploads])

    def add(self, docs: Sequence[NewDocument], embedder) -> list[NewDocument]:
        """Write each upload into the upload folder, then build once; on failure the
        files are taken out again, so that the folder matches the live build."""
        from rag.upload import remove_upload, store_upload

        paths = []
        try:
            for new in docs:
                paths.append(store_upload(new, self.settings.uploads))
            self._build(embedder)
        except BaseException:
            for path in paths:
                if path.exists():
                    remove_upload(path)
            raise
        return list(docs)

    def remove(self, source: str, embedder) -> bool:
        """Delete an upload's file and build; on failure the file is put back."""
        from rag.upload import remember, remove_upload

        path = self.settings.resolve(source)
        if path is None or not path.is_file():
            return False
        backup = path.read_bytes()
        entry = remove_upload(path)
        try:
            self._build(embedder)
        except BaseException:
            path.write_bytes(backup)
            remember(path.parent, path.name, entry or None)
            raise
        return True

    def _build(self, embedder) -> None:
        from rag.build import build

        mode = "hybrid" if embedder is not None else "lexical"
        build(replace(self.settings, mode=mode), embedder, progress=False, say=lambda _: None)

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
