"""The Milvus store: the engine's ``Store`` (rag.backend) on a set of collections that
any number of processes share, with the library's documents, names and files in it."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from rag.backend import DocumentEntry, NewDocument, Ranking
from rag.chunk import ChunkSettings, chunk_documents, sentences
from rag.corpus import document_hash
from rag.dense import sentence_units
from rag.ingest import clean
from rag.milvus import reading, schema, writing
from rag.milvus.connection import Collections, StoreUnavailable, connect
from rag.milvus.statistics import LISTED, Statistics
from rag.records import Chunk, Document
from rag.scoring import best_sentence, idf
from rag.store import IndexProblem

# Bumped when the collections' layout changes: a store of another layout is rebuilt.
LAYOUT = 2
# How often an upload is renamed when other replicas take its name meanwhile.
NAME_TRIES = 5


class MilvusStore:
    """The engine's store on Milvus (see rag.milvus.schema for what is kept where)."""

    def __init__(self, cols: Collections) -> None:
        self.cols = cols
        self.uri = cols.uri
        self.stats = Statistics()
        self._state: dict | None = None
        self._seen: str | None = None  # the change token the listing was read after
        self._edges: dict[str, tuple[bool, bool]] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, uri: str, token: str = "") -> MilvusStore:
        store = cls(Collections(connect(uri, token), uri))
        schema.load(store.cols)
        return store

    # --- the store's settings and what readers go by -------------------------------------

    def refresh(self) -> bool:
        """Catch up with what any writer committed: one read of the meta rows, and a
        listing of the documents when one changed."""
        if not self._state and not self.exists():
            self._state = {}
            return True
        # Once the store is known to exist, a question costs this one call.
        rows = self.cols.get("meta", ["state", "changed"], ["key", "value"])
        values = {r["key"]: r["value"] for r in rows}
        self._state = json.loads(values.get("state") or "{}")
        token = values.get("changed", "")
        if token != self._seen or self._seen is None:
            with self._lock:
                # Listed after the token was read: a commit after it changes it again.
                listed = self.cols.query("documents", ["doc", "version"])
                self.stats.update(
                    listed, lambda ids: self.cols.get("documents", ids, [*LISTED, "terms"])
                )
                self._seen = token
        return True

    @property
    def state(self) -> dict:
        if self._state is None:
            self.refresh()
        return self._state or {}

    def write_state(self, state: dict) -> None:
        """The store's settings (pipeline, chunking, model, calibration): written by
        ``rag index`` only."""
        value = json.dumps(state, ensure_ascii=False)
        self.cols.upsert("meta", [{"key": "state", "value": value, "v": schema.NIL}])
        self._state = state

    def exists(self) -> bool:
        return schema.exists(self.cols)

    def create(self, dim: int | None) -> None:
        schema.create(self.cols, dim)

    def drop(self) -> None:
        schema.drop(self.cols)
        self.stats = Statistics()
        self._state, self._seen = None, None

    def flush(self) -> None:
        schema.flush(self.cols)

    @property
    def trust(self) -> float:
        return float((self.state.get("dense") or {}).get("trust", 0.0))

    @property
    def has_vectors(self) -> bool:
        return bool(self.state.get("dense"))

    @property
    def model(self) -> str | None:
        return (self.state.get("dense") or {}).get("model")

    @property
    def chunking(self) -> ChunkSettings:
        stated = self.state.get("chunking") or {}
        default = ChunkSettings()
        return ChunkSettings(
            stated.get("size", default.size), stated.get("overlap", default.overlap)
        )

    # --- what the engine reads -----------------------------------------------------------

    def passage_count(self) -> int:
        return self.stats.passages

    def documents(self) -> list[DocumentEntry]:
        """Seeds first, then uploads, each in the order they were added."""
        docs = sorted(
            self.stats.live.values(),
            key=lambda d: (not d.source.startswith("seeds/"), d.added, d.source),
        )
        return [
            DocumentEntry(d.source, d.title, d.passages, d.added / 1e6, content=d.content)
            for d in docs
        ]

    def original(self, source: str) -> str | None:
        return reading.original(self.cols, self.stats, source)

    def holds(self, content: str) -> bool:
        return any(d.content == content for d in self.stats.live.values())

    def hashes(self) -> dict[str, str]:
        """Each live document's hash (rag.corpus.document_hash)."""
        return {s: d.digest for s, d in self.stats.live.items()}

    def df(self, term: str) -> int:
        return self.stats.df.get(schema.term_key(term), 0)

    def idf(self, term: str) -> float:
        return idf(self.df(term), self.stats.passages)

    @property
    def max_idf(self) -> float:
        return idf(0, self.stats.passages)

    def keyword(self, tokens: list[str], k: int) -> Ranking:
        return reading.keyword(self.cols, self.stats, tokens, k)

    def vector(self, vector: np.ndarray, k: int) -> Ranking:
        if not self.has_vectors or k <= 0:
            return []
        return best_sentence(reading.vector(self.cols, self.stats, vector, k), k)

    def fetch(self, ids: Sequence[str]) -> list[Chunk]:
        """The live passages named, in the order given."""
        by_id = {r["id"]: r for r in reading.passages(self.cols, self.stats, ids)}
        if len(self._edges) > 10_000:
            self._edges.clear()
        out = []
        for i in ids:
            if i in by_id:
                self._edges[i] = (bool(by_id[i]["head"]), bool(by_id[i]["tail"]))
                out.append(reading.chunk(by_id[i]))
        return out

    def closeness(self, vector: np.ndarray, chunk: Chunk) -> list[float]:
        if not self.has_vectors:
            return [0.0] * len(sentences(chunk.text))
        return reading.closeness(self.cols, self.stats, vector, chunk)

    def edges(self, chunks: Sequence[Chunk]) -> dict[str, tuple[bool, bool]]:
        missing = [c.id for c in chunks if c.id not in self._edges]
        if missing:
            self.fetch(missing)
        return {c.id: self._edges.get(c.id, (False, False)) for c in chunks}

    # --- what a writer does --------------------------------------------------------------

    def write(
        self,
        doc: Document,
        original: str,
        content: str,
        embedder=None,
        known=None,
        fresh: bool = False,
        version: str | None = None,
    ) -> None:
        """Chunk, embed (only sentences not in ``known``, which gains them) and write one
        document, replacing the version live before (``fresh``: an upload, which replaces
        nothing; see ``writing.write``)."""
        if self.has_vectors and embedder is None:
            # Passages without vectors would be invisible to every hybrid reader.
            raise IndexProblem(
                f"the Milvus store {self.uri} holds vectors for model {self.model}: "
                "add or change documents in hybrid mode"
            )
        chunks = chunk_documents([doc], self.chunking)
        vectors = None
        if self.has_vectors:
            from rag.build import embed_units

            known = {} if known is None else known
            units, _ = sentence_units([c.text for c in chunks])
            vectors = dict(zip(units, embed_units(embedder, units, known, progress=False)))
            known.update(vectors)
        digest = document_hash(doc, self.chunking.to_dict())
        writing.write(self.cols, doc, original, chunks, vectors, digest, content, fresh, version)

    def add(self, docs: Sequence[NewDocument], embedder=None) -> list[NewDocument]:
        """Add documents, each written on its own: only their rows, nothing of the
        library is read again. All or none: documents written before a failure are
        removed again. Returns them as added: an upload whose name another replica took
        meanwhile is added as 名字 (2).docx, as one replica names two uploads of one name."""
        added: list[tuple[NewDocument, str]] = []
        known: dict[str, np.ndarray] = {}
        tried: set[str] = {new.name for new in docs}
        try:
            for first in docs:
                text, lines = clean(first.original)
                new = first
                for _ in range(NAME_TRIES):
                    doc = Document(new.source, new.title, text, lines)
                    version = writing.new_version()
                    # Undone with the rest if anything fails from here, even late.
                    added.append((new, version))
                    try:
                        self.write(doc, new.original, new.content, embedder, known, True, version)
                        break
                    except writing.NameTaken:
                        added.pop()
                        tried.add(new.name)
                        new = self._renamed(first, tried)
                else:
                    raise IndexProblem(f"no free name for {first.name} in {self.uri}")
        except BaseException:
            for new, version in added:
                try:
                    writing.remove(self.cols, new.source, version)
                except StoreUnavailable:
                    break
            raise
        self.refresh()
        return [new for new, _ in added]

    def _renamed(self, new: NewDocument, tried: set[str]) -> NewDocument:
        """The upload under the first name from its own that no document of the store
        has now and that was not ``tried``."""
        from rag.settings import UPLOADS_LABEL
        from rag.upload import unique_name

        prefix = f"{UPLOADS_LABEL}/"
        self.refresh()
        taken = {e.source[len(prefix) :] for e in self.documents() if e.source.startswith(prefix)}
        return replace(new, source=prefix + unique_name(new.name, taken | tried))

    def remove(self, source: str, embedder=None) -> bool:
        """Remove one document: readers stop using it at once, then its rows go
        (``embedder`` is not needed: nothing is embedded again)."""
        removed = writing.remove(self.cols, source)
        self.refresh()
        return removed
