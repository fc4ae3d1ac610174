"""Build an index: read → chunk → tokenize → embed → calibrate → commit (see rag.store)."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag import store
from rag.chunk import chunk_documents, sentences
from rag.corpus import PIPELINE_VERSION, corpus_hash, read_documents, why_stale
from rag.dense import DenseIndex, sentence_units
from rag.embed import Embedder
from rag.fuse import calibrate
from rag.lexical import LexicalIndex
from rag.records import Chunk
from rag.settings import Settings
from rag.tokenize import tokenize

EMBED_BATCH = 8
# Sentences taken as questions to measure a model on a corpus.
PROBES = 300


def say_on_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def index_text(chunk: Chunk) -> str:
    """What BM25 sees of a chunk: its title too, so document-level context can match."""
    return f"{chunk.title}\n{chunk.text}"


def build(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    say: Callable[[str], None] = say_on_stderr,
) -> Path:
    """Build the index from the seed and upload folders and make it live."""
    from tqdm import tqdm

    docs = read_documents(settings)
    chunks = chunk_documents(docs, settings.chunk)
    previous = _previous_vectors(settings.index, embedder) if embedder else {}
    partial = store.new_build_folder(settings.index)
    try:
        store.write_chunks(partial, chunks)
        (partial / store.LEXICAL).mkdir()
        lexical = LexicalIndex.build(
            tokenize(index_text(c))
            for c in tqdm(chunks, desc="tokenizing", unit="chunk", disable=not progress)
        )
        lexical.save(partial / store.LEXICAL)
        dense_info = None
        if embedder is not None:
            units, owned = sentence_units([c.text for c in chunks])
            vectors = embed_units(embedder, units, previous, progress)
            dense = DenseIndex.build(vectors, units, owned)
            dense.save(partial)
            rate, trust = calibrate_model(embedder, dense, chunks)
            say(f"model {embedder.name}: self-retrieval {rate:.2f} here, trust {trust:.2f}")
            dense_info = {
                "model": embedder.name,
                "dim": dense.dim,
                "calibration": rate,
                "trust": trust,
            }
        manifest = {
            "format": store.FORMAT_VERSION,
            "pipeline": PIPELINE_VERSION,
            "corpus": corpus_hash(settings),
            "documents": len(docs),
            "chunks": len(chunks),
            "chunking": settings.chunk.to_dict(),
            "dense": dense_info,
        }
        return store.commit_build(settings.index, partial, manifest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def is_fresh(
    manifest: dict, settings: Settings, model: str | None, corpus: bool = True
) -> str | None:
    """None when the stored index matches the corpus and settings, else why not;
    ``corpus=False`` leaves the documents unchecked."""
    return why_stale(manifest, settings, model, corpus_hash(settings) if corpus else None)


def _previous_vectors(index_dir: Path, embedder: Embedder) -> dict[str, np.ndarray]:
    """Vectors of the live build, by sentence, so unchanged sentences are not re-embedded."""
    try:
        old = store.load(index_dir)
        if (old.manifest.get("dense") or {}).get("model") != embedder.name:
            return {}
        dense = DenseIndex.load(old.folder, [c.text for c in old.chunks])
    except Exception:
        return {}
    return dict(zip(dense.units, dense.vectors()))


def embed_units(embedder: Embedder, units: list[str], previous: dict, progress: bool):
    from tqdm import tqdm

    todo = [i for i, u in enumerate(units) if u not in previous]
    fresh = {}
    with tqdm(total=len(todo), desc="embedding", unit="sentence", disable=not progress) as bar:
        for start in range(0, len(todo), EMBED_BATCH):
            ids = todo[start : start + EMBED_BATCH]
            fresh.update(zip(ids, embedder.embed([units[i] for i in ids], kind="passage")))
            bar.update(len(ids))
    if not units:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([fresh[i] if i in fresh else previous[u] for i, u in enumerate(units)])


def calibrate_model(
    embedder: Embedder, dense: DenseIndex, chunks: list[Chunk]
) -> tuple[float, ...]:
    """Measure whether the model understands this corpus (see rag.fuse): take one sentence
    of a passage as a question and hide that very sentence; is one of the three sentences
    the model finds closest a neighbour of it in that passage? Surface overlap cannot do
    this, meaning can. Returns (hit rate, trust)."""
    step = max(1, len(chunks) // PROBES)
    queries, targets = [], []
    for i in range(0, len(chunks), step):
        parts = sentences(chunks[i].text)
        cands = [s for s in parts if 12 <= len(s) <= 80]
        if cands and len(parts) > 1:
            queries.append(cands[len(cands) // 2])
            targets.append(i)
    if not queries:
        return 0.0, 0.0
    vectors = dense.vectors()
    qv = embedder.embed(queries, kind="query")
    # Sentences alike but for their figures (another year's edition of a document) count
    # as one: hidden together with the question, found together as a neighbour.
    shape = [re.sub(r"\d+", "#", u) for u in dense.units]
    rows_of: dict[str, list[int]] = {}
    for row, key in enumerate(shape):
        rows_of.setdefault(key, []).append(row)
    hits = 0
    for n, target in enumerate(targets):
        sims = vectors @ qv[n]
        hidden = shape[dense.row[queries[n]]]
        sims[rows_of[hidden]] = -np.inf
        neighbours = {shape[dense.row[s]] for s in sentences(chunks[target].text)} - {hidden}
        hits += any(shape[r] in neighbours for r in np.argsort(-sims)[:3])
    return calibrate(hits / len(targets))
