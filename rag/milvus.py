"""The Milvus store: one set of collections shared by every process that answers.

``--store PATH.db`` runs Milvus Lite (the Milvus engine in-process, on a local file);
``--store http(s)://host:port`` talks to a Milvus standalone or cluster (token from
``RAG_MILVUS_TOKEN``). The engine's method does not change: the store only returns
candidates and the statistics that weigh them (see rag.backend).

Collections, named ``<prefix>_<part>``:

- ``passages``: one row per passage (id, source, title, text, lines, cut edges, token
  count, generation) with a sparse vector of its term frequencies under the engine's own
  Chinese tokenizer (``rag.tokenize``; a term is keyed by its CRC-32).
- ``sentences``: one row per distinct sentence of a document, with its dense vector and
  the passages that hold it; a passage scores as its best sentence, as in rag.dense.
- ``terms``: how many passages hold each term (document frequency).
- ``documents``: one row per document (title, passages, content hash).
- ``meta``: one row, the switch readers go by: the live generation, the documents being
  removed, passage and token totals, and the model's calibration.

BM25 statistics stay exact as documents come and go: adding a document raises the
document frequency of each of its terms by one and the totals by its passages and
tokens; removing one lowers them again. Nothing is stored pre-weighted, so nothing goes
stale: a keyword search takes candidates from Milvus by ``sum(idf × tf)`` and scores them
with BM25 (Lucene's variant, as bm25s) from the stored term frequencies, the passage
length and the current totals; the local store ranks the same way.

Readers see a document all at once or not at all: its rows are written under the next
generation, which searches filter out until the meta row names it live; a removal first
lists the document as hidden in the meta row, then deletes its rows. Writes are meant to
come from one writer at a time (the app serialises its own; run ``rag docs`` from one
place): two writers at once may lose a document-frequency update.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rag.backend import DocumentEntry, Ranking
from rag.chunk import chunk_documents, cut_edges, sentences
from rag.records import Chunk, Document
from rag.store import IndexProblem
from rag.tokenize import tokenize

PREFIX = "gba_rag"
TIMEOUT = 10.0
K1, B = 1.2, 0.75
# Candidates a keyword search takes from Milvus before BM25 scores them.
KEYWORD_POOL = 400
# Milvus needs a vector in every collection; bookkeeping rows carry this one.
_NIL = [0.0, 0.0]
_MAX_TEXT = 65535
# Names and titles: a limit in bytes, with room for 1,000 Chinese characters.
_SHORT = 4096
_TITLE = 1000
_PAGE = 1000


class StoreUnavailable(IndexProblem):
    """The Milvus store cannot be used; the message names it, in one line."""


def is_milvus(uri: str) -> bool:
    """True for a store URI that names Milvus rather than the local index folder.

    >>> is_milvus("/data/gba.db"), is_milvus("http://milvus:19530"), is_milvus("")
    (True, True, False)
    """
    return uri.endswith(".db") or uri.startswith(("http://", "https://"))


def term_key(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


def document_hash(doc: Document, settings: dict) -> str:
    """What an indexed document must match to be current: its content and the settings
    it was cut with."""
    data = json.dumps([doc.title, doc.text, doc.lines, settings], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def sentence_id(source: str, sentence: str) -> str:
    return f"{source}|{hashlib.sha1(sentence.encode('utf-8')).hexdigest()[:20]}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _quiet() -> None:
    """pymilvus logs every failure (StoreUnavailable says it in one line) and warns on
    every paged query against Milvus Lite."""
    import logging

    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    # Milvus Lite's in-process server logs each call its paged queries make that it does
    # not implement (AllocTimestamp); the client then falls back to its own clock.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)


def connect(uri: str, token: str = "", timeout: float = TIMEOUT):
    """A client for ``uri``, checked with one round trip; StoreUnavailable (one line,
    naming the URI) when the extra is missing or the store cannot be reached."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise StoreUnavailable(
            f"the Milvus store {uri} needs the milvus extra: pip install -e '.[milvus]'"
        ) from None
    _quiet()
    if uri.endswith(".db"):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        client = MilvusClient(uri=uri, token=token, timeout=timeout)
        client.list_collections(timeout=timeout)
    except Exception as exc:
        raise StoreUnavailable(f"cannot use the Milvus store {uri}: {_one_line(exc)}") from None
    return client


class MilvusStore:
    """The engine's store on Milvus (see the module docstring)."""

    def __init__(self, client, uri: str, prefix: str = PREFIX, timeout: float = TIMEOUT) -> None:
        self.client = client
        self.uri = uri
        self.prefix = prefix
        self.timeout = timeout
        self._lock = threading.Lock()
        self._generation = -1
        self._state: dict = {}
        self._df: dict[str, int] | None = None  # loaded when first read after a change
        self._edges: dict[str, tuple[bool, bool]] = {}

    @classmethod
    def open(cls, uri: str, token: str = "", prefix: str = PREFIX) -> MilvusStore:
        store = cls(connect(uri, token), uri, prefix)
        store.load()
        return store

    PARTS = ("passages", "sentences", "terms", "documents", "meta")

    def load(self) -> None:
        """Load the existing collections into memory (Milvus serves only loaded ones)."""
        for part in self.PARTS:
            if self._call(self.client.has_collection, self.name(part)):
                self._call(self.client.load_collection, self.name(part))

    def name(self, part: str) -> str:
        return f"{self.prefix}_{part}"

    # --- what the engine reads ---------------------------------------------------------

    def refresh(self) -> dict:
        """The live state; term statistics are read again, when next needed, after any
        writer changed the store."""
        row = self._call(self.client.get, self.name("meta"), ids=["state"], output_fields=["value"])
        state = json.loads(row[0]["value"]) if row else {}
        generation = int(state.get("generation", 0))
        with self._lock:
            if generation != self._generation:
                self._df = None
                self._generation = generation
            self._state = state
        return state

    def _frequencies(self) -> dict[str, int]:
        df = self._df
        if df is None:
            with self._lock:
                if self._df is None:
                    self._df = self._load_df()
                df = self._df
        return df

    @property
    def state(self) -> dict:
        return self._state if self._generation >= 0 else self.refresh()

    @property
    def trust(self) -> float:
        return float((self.state.get("dense") or {}).get("trust", 0.0))

    @property
    def has_vectors(self) -> bool:
        return bool(self.state.get("dense"))

    @property
    def model(self) -> str | None:
        return (self.state.get("dense") or {}).get("model")

    def passage_count(self) -> int:
        return int(self.state.get("passages", 0))

    def _filter(self) -> str:
        state = self.state
        expr = f"gen <= {int(state.get('generation', 0))}"
        hidden = state.get("hidden") or []
        if hidden:
            expr += f" and doc not in {json.dumps(hidden, ensure_ascii=False)}"
        return expr

    def documents(self) -> list[DocumentEntry]:
        rows = self._query(self.name("documents"), ["doc", "title", "passages", "rank", "gen"])
        hidden = set(self.state.get("hidden") or [])
        live = int(self.state.get("generation", 0))
        rows = [r for r in rows if r["doc"] not in hidden and r["gen"] <= live]
        rows.sort(key=lambda r: r["rank"])
        return [DocumentEntry(r["doc"], r["title"], int(r["passages"])) for r in rows]

    def idf(self, term: str) -> float:
        return _idf(self._frequencies().get(term, 0), self.passage_count())

    def df(self, term: str) -> int:
        return self._frequencies().get(term, 0)

    @property
    def max_idf(self) -> float:
        return _idf(0, self.passage_count())

    def keyword(self, tokens: list[str], k: int) -> Ranking:
        """BM25 (Lucene's variant) over candidates Milvus finds by ``sum(idf × tf)``."""
        df = self._frequencies()
        counts = Counter(t for t in tokens if df.get(t))
        if not counts or k <= 0:
            return []
        weights = {t: n * self.idf(t) for t, n in counts.items()}
        query: dict[int, float] = {}
        for t, w in weights.items():
            query[term_key(t)] = query.get(term_key(t), 0.0) + w
        found = self._call(
            self.client.search,
            self.name("passages"),
            data=[query],
            anns_field="terms",
            limit=max(KEYWORD_POOL, k),
            filter=self._filter(),
            output_fields=["id", "terms", "length"],
            search_params={"metric_type": "IP"},
        )
        state = self.state
        avg = state.get("tokens", 0) / max(state.get("passages", 1), 1) or 1.0
        scored = []
        for hit in found[0] if found else []:
            entity = hit.get("entity", hit)
            tf = _sparse(entity["terms"])
            norm = K1 * (1 - B + B * int(entity["length"]) / avg)
            score = 0.0
            for t, w in weights.items():
                f = tf.get(term_key(t), 0.0)
                if f:
                    score += w * f / (f + norm)
            if score > 0:
                scored.append((entity["id"], score))
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:k]

    def vector(self, vector: np.ndarray, k: int) -> Ranking:
        if not self.has_vectors or k <= 0:
            return []
        found = self._call(
            self.client.search,
            self.name("sentences"),
            data=[np.asarray(vector, dtype=np.float32).tolist()],
            anns_field="vector",
            limit=max(4 * k, 200),
            filter=self._filter(),
            output_fields=["owners"],
            search_params={"metric_type": "IP"},
        )
        best: dict[str, float] = {}
        for hit in found[0] if found else []:
            for chunk in hit["entity"]["owners"].split("\n"):
                best.setdefault(chunk, float(hit["distance"]))
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]

    def fetch(self, ids: Sequence[str]) -> list[Chunk]:
        """The passages named that are still live, in the order given."""
        if not ids:
            return []
        fields = ["id", "doc", "title", "text", "first_line", "last_line", "head", "tail"]
        rows = self._call(
            self.client.get, self.name("passages"), ids=list(ids), output_fields=fields
        )
        by_id = {r["id"]: r for r in rows}
        out = []
        for i in ids:
            r = by_id.get(i)
            if r is None:
                continue
            self._edges[i] = (bool(r["head"]), bool(r["tail"]))
            out.append(Chunk(i, r["doc"], r["title"], r["text"], r["first_line"], r["last_line"]))
        if len(self._edges) > 10_000:
            self._edges.clear()
        return out

    def closeness(self, vector: np.ndarray, chunk: Chunk) -> list[float]:
        ids = [sentence_id(chunk.source, s) for s in sentences(chunk.text)]
        if not self.has_vectors or not ids:
            return [0.0] * len(ids)
        rows = self._call(
            self.client.get,
            self.name("sentences"),
            ids=list(set(ids)),
            output_fields=["id", "vector"],
        )
        sims = {r["id"]: float(np.asarray(r["vector"], dtype=np.float32) @ vector) for r in rows}
        return [sims.get(i, 0.0) for i in ids]

    def edges(self, chunks: Sequence[Chunk]) -> dict[str, tuple[bool, bool]]:
        missing = [c.id for c in chunks if c.id not in self._edges]
        if missing:
            self.fetch(missing)
        return {c.id: self._edges.get(c.id, (False, False)) for c in chunks}

    # --- what a writer does ------------------------------------------------------------

    def create(self, dim: int | None) -> None:
        """Create the collections (``dim``: the model's, or None for keyword search only)."""
        from pymilvus import DataType, MilvusClient

        def schema(key: str, *fields):
            s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
            s.add_field(key, DataType.VARCHAR, is_primary=True, max_length=_SHORT)
            for name, kind, extra in fields:
                s.add_field(name, kind, **extra)
            return s

        def make(part, s, field, index, metric):
            params = self.client.prepare_index_params()
            params.add_index(field_name=field, index_type=index, metric_type=metric)
            self._call(
                self.client.create_collection, self.name(part), schema=s, index_params=params
            )

        text = {"max_length": _MAX_TEXT}
        short = {"max_length": _SHORT}
        nil = ("v", DataType.FLOAT_VECTOR, {"dim": 2})
        make(
            "passages",
            schema(
                "id",
                ("doc", DataType.VARCHAR, short),
                ("title", DataType.VARCHAR, short),
                ("text", DataType.VARCHAR, text),
                ("first_line", DataType.INT64, {}),
                ("last_line", DataType.INT64, {}),
                ("head", DataType.BOOL, {}),
                ("tail", DataType.BOOL, {}),
                ("length", DataType.INT64, {}),
                ("gen", DataType.INT64, {}),
                ("terms", DataType.SPARSE_FLOAT_VECTOR, {}),
            ),
            "terms",
            "SPARSE_INVERTED_INDEX",
            "IP",
        )
        if dim:
            make(
                "sentences",
                schema(
                    "id",
                    ("doc", DataType.VARCHAR, short),
                    ("owners", DataType.VARCHAR, text),
                    ("gen", DataType.INT64, {}),
                    ("vector", DataType.FLOAT_VECTOR, {"dim": dim}),
                ),
                "vector",
                "FLAT",
                "IP",
            )
        make("terms", schema("term", ("df", DataType.INT64, {}), nil), "v", "FLAT", "L2")
        make(
            "documents",
            schema(
                "doc",
                ("title", DataType.VARCHAR, short),
                ("passages", DataType.INT64, {}),
                ("rank", DataType.INT64, {}),
                ("gen", DataType.INT64, {}),
                ("hash", DataType.VARCHAR, {"max_length": 64}),
                nil,
            ),
            "v",
            "FLAT",
            "L2",
        )
        make("meta", schema("key", ("value", DataType.VARCHAR, text), nil), "v", "FLAT", "L2")

    def exists(self) -> bool:
        return bool(self._call(self.client.has_collection, self.name("meta")))

    def drop(self) -> None:
        for part in self.PARTS:
            if self._call(self.client.has_collection, self.name(part)):
                self._call(self.client.drop_collection, self.name(part))
        self._generation = -1
        self._state = {}

    def write_state(self, state: dict) -> None:
        value = json.dumps(state, ensure_ascii=False)
        row = {"key": "state", "value": value, "v": _NIL}
        self._call(self.client.upsert, self.name("meta"), data=[row])
        self.refresh()

    def hashes(self) -> dict[str, str]:
        """Each indexed document's content hash (see ``document_hash``)."""
        return {r["doc"]: r["hash"] for r in self._query(self.name("documents"), ["doc", "hash"])}

    def add(
        self,
        doc: Document,
        chunks: list[Chunk],
        vectors: dict[str, np.ndarray] | None,
        digest: str,
    ) -> None:
        """Index one document's passages (and sentence vectors), then make it live."""
        state = dict(self.refresh())
        gen = int(state.get("generation", 0)) + 1
        edges = cut_edges(chunks)
        rows, df, tokens = [], Counter(), 0
        for c in chunks:
            toks = tokenize(f"{c.title}\n{c.text}") or ["\x00"]
            tf = Counter(toks)
            df.update(tf.keys())
            tokens += len(toks)
            sparse: dict[int, float] = {}
            for t, n in tf.items():
                sparse[term_key(t)] = sparse.get(term_key(t), 0.0) + float(n)
            head, tail = edges[c.id]
            rows.append(
                {
                    "id": c.id,
                    "doc": c.source,
                    "title": c.title[:_TITLE],
                    "text": c.text,
                    "first_line": c.first_line,
                    "last_line": c.last_line,
                    "head": head,
                    "tail": tail,
                    "length": len(toks),
                    "gen": gen,
                    "terms": sparse,
                }
            )
        self._insert("passages", rows)
        if vectors is not None:
            owners: dict[str, list[str]] = {}
            for c in chunks:
                for s in sentences(c.text):
                    owners.setdefault(s, [])
                    if c.id not in owners[s]:
                        owners[s].append(c.id)
            rows = [
                {
                    "id": sentence_id(doc.source, s),
                    "doc": doc.source,
                    "owners": "\n".join(ids),
                    "gen": gen,
                    "vector": np.asarray(vectors[s], dtype=np.float32).tolist(),
                }
                for s, ids in owners.items()
            ]
            self._insert("sentences", rows)
        self._bump_df(df, +1)
        rank = int(state.get("next_rank", 0))
        row = {
            "doc": doc.source,
            "title": doc.title[:_TITLE],
            "passages": len(chunks),
            "rank": rank,
            "gen": gen,
            "hash": digest,
            "v": _NIL,
        }
        self._call(self.client.upsert, self.name("documents"), data=[row])
        state.update(
            generation=gen,
            next_rank=rank + 1,
            passages=int(state.get("passages", 0)) + len(chunks),
            tokens=int(state.get("tokens", 0)) + tokens,
            documents=int(state.get("documents", 0)) + 1,
        )
        self.write_state(state)

    def remove(self, source: str) -> bool:
        """Remove one document: hidden from readers first, then its rows deleted."""
        state = dict(self.refresh())
        quoted = json.dumps(source, ensure_ascii=False)
        docs = self._call(
            self.client.get, self.name("documents"), ids=[source], output_fields=["passages"]
        )
        if not docs:
            return False
        state["hidden"] = sorted(set(state.get("hidden") or []) | {source})
        self.write_state(state)
        rows = self._query(self.name("passages"), ["title", "text", "length"], f"doc == {quoted}")
        df: Counter = Counter()
        for r in rows:
            df.update(set(tokenize(f"{r['title']}\n{r['text']}") or ["\x00"]))
        tokens = sum(int(r["length"]) for r in rows)
        for part in ("passages", "sentences"):
            if self._call(self.client.has_collection, self.name(part)):
                self._call(self.client.delete, self.name(part), filter=f"doc == {quoted}")
        self._bump_df(df, -1)
        self._call(self.client.delete, self.name("documents"), ids=[source])
        state = dict(self.refresh())
        state["hidden"] = [h for h in state.get("hidden") or [] if h != source]
        state.update(
            generation=int(state.get("generation", 0)) + 1,
            passages=max(int(state.get("passages", 0)) - len(rows), 0),
            tokens=max(int(state.get("tokens", 0)) - tokens, 0),
            documents=max(int(state.get("documents", 0)) - 1, 0),
        )
        self.flush()
        self.write_state(state)
        return True

    def flush(self) -> None:
        """Seal what was written: Milvus searches rows still in growing segments by brute
        force (Milvus Lite: ~600 ms instead of ~80 ms a question at 2,500 passages)."""
        for part in self.PARTS:
            if self._call(self.client.has_collection, self.name(part)):
                self._call(self.client.flush, self.name(part))

    def all_chunks(self) -> list[Chunk]:
        fields = ["id", "doc", "title", "text", "first_line", "last_line"]
        rows = self._query(self.name("passages"), fields)
        order = {d.source: n for n, d in enumerate(self.documents())}
        rows.sort(key=lambda r: (order.get(r["doc"], 1 << 30), _chunk_number(r["id"])))
        return [
            Chunk(r["id"], r["doc"], r["title"], r["text"], r["first_line"], r["last_line"])
            for r in rows
        ]

    def sentence_vectors(self) -> dict[str, np.ndarray]:
        rows = self._query(self.name("sentences"), ["id", "vector"])
        return {r["id"]: np.asarray(r["vector"], dtype=np.float32) for r in rows}

    # --- plumbing ----------------------------------------------------------------------

    def _call(self, method: Callable, *args, **kwargs):
        try:
            return method(*args, timeout=self.timeout, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(
                f"the Milvus store {self.uri} failed: {_one_line(exc)}"
            ) from None

    def _insert(self, part: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), _PAGE):
            self._call(self.client.insert, self.name(part), data=rows[start : start + _PAGE])

    def _query(self, collection: str, fields: list[str], expr: str = "") -> list[dict]:
        """Every row matching ``expr`` (all rows when empty), page by page."""
        try:
            it = self.client.query_iterator(
                collection,
                batch_size=_PAGE,
                filter=expr,
                output_fields=fields,
                timeout=self.timeout,
            )
            rows = []
            while True:
                page = it.next()
                if not page:
                    it.close()
                    return rows
                rows.extend(page)
        except Exception as exc:
            raise StoreUnavailable(
                f"the Milvus store {self.uri} failed: {_one_line(exc)}"
            ) from None

    def _load_df(self) -> dict[str, int]:
        return {r["term"]: int(r["df"]) for r in self._query(self.name("terms"), ["term", "df"])}

    def _bump_df(self, counts: Counter, sign: int) -> None:
        terms = list(counts)
        current: dict[str, int] = {}
        for start in range(0, len(terms), _PAGE):
            rows = self._call(
                self.client.get,
                self.name("terms"),
                ids=terms[start : start + _PAGE],
                output_fields=["df"],
            )
            current.update({r["term"]: int(r["df"]) for r in rows})
        upserts, gone = [], []
        for t, n in counts.items():
            df = current.get(t, 0) + sign * n
            if df > 0:
                upserts.append({"term": t, "df": df, "v": _NIL})
            elif t in current:
                gone.append(t)
        for start in range(0, len(upserts), _PAGE):
            self._call(self.client.upsert, self.name("terms"), data=upserts[start : start + _PAGE])
        if gone:
            self._call(self.client.delete, self.name("terms"), ids=gone)


def _sparse(value) -> dict[int, float]:
    """A sparse vector as Milvus returns it (a dict, or rows of one) as {key: value}."""
    if isinstance(value, dict):
        return {int(k): float(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return _sparse(value[0])
    try:  # a scipy sparse row
        coo = value.tocoo()
        return {int(k): float(v) for k, v in zip(coo.col, coo.data)}
    except AttributeError:
        return {}


def _chunk_number(chunk_id: str) -> int:
    tail = chunk_id.rsplit("#", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _idf(df: int, n: int) -> float:
    import math

    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def sync(
    settings,
    embedder=None,
    progress: bool = True,
    say: Callable[[str], None] = print,
    mirror: bool = False,
) -> MilvusStore:
    """Bring the Milvus store up to date with the seed and upload folders: documents new
    or changed are (re)indexed, each on its own; with ``mirror``, documents no longer in
    the folders are removed too (``rag index``; an app only adds, so that replicas with
    different upload folders never remove each other's documents). A store built by
    another pipeline, chunking or model is rebuilt whole. The model is calibrated on
    the corpus when the store has no calibration yet or ``mirror`` changed it."""
    from rag.build import PIPELINE_VERSION, _calibrate, _embed_units, require_seeds
    from rag.dense import DenseIndex, sentence_units
    from rag.ingest import read_folder
    from rag.settings import SEEDS_LABEL, UPLOADS_LABEL

    require_seeds(settings)
    store = MilvusStore.open(settings.store, settings.milvus_token)
    chunking = settings.chunk.to_dict()
    model = embedder.name if embedder is not None else None
    if store.exists():
        state = store.refresh()
        dense = state.get("dense") or {}
        why = (
            "it was built by another version of the pipeline"
            if state.get("pipeline") != PIPELINE_VERSION
            else "the chunk settings changed"
            if state.get("chunking") != chunking
            else f"it has no vectors for model {model}"
            if model is not None and dense.get("model") != model
            else None
        )
        if why:
            say(f"rebuilding the Milvus store {settings.store} ({why})")
            store.drop()
    if not store.exists():
        dim = len(embedder.embed(["维度"], kind="passage")[0]) if embedder is not None else None
        store.create(dim)
        state = {"generation": 0, "pipeline": PIPELINE_VERSION, "chunking": chunking}
        if dim:
            state["dense"] = {"model": model, "dim": dim}
        store.write_state(state)
    docs = read_folder(settings.seeds, SEEDS_LABEL)
    if settings.uploads.is_dir():
        docs += read_folder(settings.uploads, UPLOADS_LABEL)
    if not docs:
        raise IndexProblem(f"no readable .txt or .md documents in {settings.seeds}")
    indexed = store.hashes()
    wanted = {d.source for d in docs}
    changed = False
    if mirror:
        for source in sorted(set(indexed) - wanted):
            store.remove(source)
            changed = True
    todo = [d for d in docs if indexed.get(d.source) != document_hash(d, chunking)]
    vectors_on = embedder is not None and store.has_vectors
    # A sentence repeated across documents (editions, copies) is embedded once a run.
    embedded: dict[str, np.ndarray] = {}
    if todo and store.has_vectors and embedder is None:
        # Passages without vectors would be invisible to every hybrid reader.
        raise IndexProblem(
            f"the Milvus store {settings.store} holds vectors for model {store.model}: "
            f"add or change documents in hybrid mode ({len(todo)} waiting)"
        )
    for n, doc in enumerate(todo, start=1):
        if doc.source in indexed:
            store.remove(doc.source)
        chunks = chunk_documents([doc], settings.chunk)
        vectors = None
        if vectors_on:
            units, _ = sentence_units([c.text for c in chunks])
            if progress:
                say(f"[{n}/{len(todo)}] embedding {doc.source}")
            vectors = dict(zip(units, _embed_units(embedder, units, embedded, progress)))
            embedded.update(vectors)
        store.add(doc, chunks, vectors, document_hash(doc, chunking))
        changed = True
    if changed:
        store.flush()
    state = store.refresh()
    calibrated = "trust" in (state.get("dense") or {})
    if vectors_on and (not calibrated or (mirror and changed)):
        chunks = store.all_chunks()
        by_id = store.sentence_vectors()
        units, owned = sentence_units([c.text for c in chunks])
        first = {}
        for c in chunks:
            for s in sentences(c.text):
                first.setdefault(s, c.source)
        matrix = np.stack([by_id[sentence_id(first[u], u)] for u in units])
        rate, trust = _calibrate(embedder, DenseIndex.build(matrix, units, owned), chunks)
        say(f"model {model}: self-retrieval {rate:.2f} here, trust {trust:.2f}")
        state = dict(state)
        state["dense"] = {**state["dense"], "calibration": rate, "trust": trust}
        store.write_state(state)
    return store
