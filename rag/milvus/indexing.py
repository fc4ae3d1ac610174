"""``rag index --store``: bring a Milvus store up to date with the seed folder (and a
local upload folder, where one is kept), and measure the model on it.

The corpus is read, hashed and judged stale by rag.corpus, as the local build does.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from rag.chunk import sentences
from rag.corpus import PIPELINE_VERSION, document_hash, read_sources, why_stale
from rag.milvus import reading, writing
from rag.milvus.schema import keyed, sentence_id
from rag.milvus.store import LAYOUT, MilvusStore
from rag.settings import SEEDS_LABEL
from rag.store import IndexProblem
from rag.upload import content_hash

# Passages the model is measured on: at most this many, drawn evenly from the whole
# library, so recalibrating holds a bounded number of sentence vectors in memory.
SAMPLE = 3000


def sync(
    settings,
    embedder=None,
    progress: bool = True,
    say: Callable[[str], None] = print,
    mirror: bool = False,
) -> MilvusStore:
    """Documents new or changed in the folders are (re)written, each on its own; with
    ``mirror`` (``rag index``), seed documents no longer in the seed folder are removed
    too. Uploads live in the store only and stay (``rag docs remove`` removes them). A
    store of another layout, pipeline, chunking or model is rebuilt whole. The model is
    calibrated when the store has no calibration yet or ``mirror`` changed the library.
    With ``mirror``, rows no document uses any more (a write or removal cut short) are
    deleted too."""
    store = MilvusStore.open(settings.store, settings.milvus_token)
    model = embedder.name if embedder is not None else None
    if store.exists():
        state = store.state
        why = (
            "it has an older layout"
            if state.get("layout") != LAYOUT
            else why_stale(state, settings, model)
        )
        if why:
            say(f"rebuilding the Milvus store {settings.store} ({why})")
            store.drop()
    if not store.exists():
        dim = len(embedder.embed(["维度"], kind="passage")[0]) if embedder is not None else None
        store.create(dim)
        state = {
            "layout": LAYOUT,
            "pipeline": PIPELINE_VERSION,
            "chunking": settings.chunk.to_dict(),
        }
        if dim:
            state["dense"] = {"model": model, "dim": dim}
        store.write_state(state)
    store.refresh()
    sources = read_sources(settings)
    indexed = store.hashes()
    changed = False
    if mirror:
        wanted = {s.document.source for s in sources}
        for source in sorted(set(indexed) - wanted):
            if source.startswith(f"{SEEDS_LABEL}/"):
                store.remove(source)
                changed = True
    chunking = settings.chunk.to_dict()
    todo = [
        s for s in sources if indexed.get(s.document.source) != document_hash(s.document, chunking)
    ]
    if todo and store.has_vectors and embedder is None:
        raise IndexProblem(
            f"the Milvus store {settings.store} holds vectors for model {store.model}: "
            f"add or change documents in hybrid mode ({len(todo)} waiting)"
        )
    # A sentence repeated across documents (editions, copies) is embedded once a run.
    known: dict[str, np.ndarray] = {}
    for n, source in enumerate(todo, start=1):
        if progress and store.has_vectors:
            say(f"[{n}/{len(todo)}] embedding {source.document.source}")
        store.write(
            source.document, source.original, content_hash(source.original), embedder, known
        )
        changed = True
    store.refresh()
    swept = writing.sweep(store.cols, store.stats.is_live) if mirror else 0
    if swept:
        say(f"deleted {swept} rows left by writes or removals that did not finish")
    if changed or swept:
        store.flush()
    store.refresh()
    dense = store.state.get("dense") or {}
    if embedder is not None and dense and ("trust" not in dense or (mirror and changed)):
        rate, trust = recalibrate(store, embedder)
        say(f"model {model}: self-retrieval {rate:.2f} here, trust {trust:.2f}")
        store.write_state({**store.state, "dense": {**dense, "calibration": rate, "trust": trust}})
    return store


def sample(store: MilvusStore, limit: int = SAMPLE, seed: int = 0) -> list[dict]:
    """Up to ``limit`` live passages drawn evenly (reservoir sampling) from the whole
    library, in library order; one page of rows in memory besides them."""
    rng = random.Random(seed)
    kept: list[dict] = []
    seen = 0
    for page in store.cols.pages("passages", reading.PASSAGE_FIELDS + ["version"]):
        for row in page:
            if not store.stats.is_live(row["doc"], row["version"]):
                continue
            seen += 1
            if len(kept) < limit:
                kept.append(row)
            else:
                j = rng.randrange(seen)
                if j < limit:
                    kept[j] = row
    order = {d.source: n for n, d in enumerate(store.documents())}
    kept.sort(key=lambda r: (order.get(r["doc"], len(order)), _number(r["id"])))
    return kept


def recalibrate(store: MilvusStore, embedder) -> tuple[float, float]:
    """The model's self-retrieval on a sample of the library (rag.build.calibrate_model):
    the whole library up to ``SAMPLE`` passages."""
    from rag.build import calibrate_model
    from rag.dense import DenseIndex, sentence_units

    rows = sample(store)
    chunks = [reading.chunk(r) for r in rows]
    units, owned = sentence_units([c.text for c in chunks])
    if not units:
        return 0.0, 0.0
    first: dict[str, str] = {}
    for c in chunks:
        for s in sentences(c.text):
            first.setdefault(s, keyed(sentence_id(c.source, s), store.stats.version(c.source)))
    found = store.cols.get("sentences", sorted(set(first.values())), ["key", "vector"])
    by_key = {r["key"]: np.asarray(r["vector"], dtype=np.float32) for r in found}
    matrix = np.stack([by_key[first[u]] for u in units])
    return calibrate_model(embedder, DenseIndex.build(matrix, units, owned), chunks)


def _number(chunk_id: str) -> int:
    tail = chunk_id.rsplit("#", 1)[-1]
    return int(tail) if tail.isdigit() else 0
