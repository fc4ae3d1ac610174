"""Build an index: read → chunk → tokenize → embed → calibrate → commit (see rag.store)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag import store
from rag.chunk import chunk_documents
from rag.dense import DenseIndex, Embedder
from rag.fuse import calibrate
from rag.ingest import fingerprint, read_folder
from rag.lexical import LexicalIndex
from rag.records import Chunk
from rag.settings import SEEDS_LABEL, UPLOADS_LABEL, Settings
from rag.tokenize import tokenize

# Bumped whenever tokenization, cleaning or source labels change what an index contains.
PIPELINE_VERSION = 3
EMBED_BATCH = 16


def say_on_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def index_text(chunk: Chunk) -> str:
    """What BM25 sees of a chunk: its title too, so document-level context can match."""
    return f"{chunk.title}\n{chunk.text}"


def require_seeds(settings: Settings) -> None:
    if not settings.seeds.is_dir():
        raise store.IndexProblem(
            f"seed folder {settings.seeds} does not exist (give --seeds or set RAG_SEEDS)"
        )


def build(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    say: Callable[[str], None] = say_on_stderr,
) -> Path:
    """Build the index from the seed and upload folders and make it live."""
    from tqdm import tqdm

    require_seeds(settings)
    docs = read_folder(settings.seeds, SEEDS_LABEL)
    if settings.uploads.is_dir():
        docs += read_folder(settings.uploads, UPLOADS_LABEL)
    if not docs:
        raise store.IndexProblem(f"no readable .txt or .md documents in {settings.seeds}")
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
            vectors = _embed_chunks(embedder, chunks, previous, progress)
            dense = DenseIndex.build(vectors)
            dense.save(partial)
            rate, trust = _calibrate(embedder, dense, chunks)
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
            "corpus": fingerprint(settings.files()),
            "documents": len(docs),
            "chunks": len(chunks),
            "chunking": settings.chunk.to_dict(),
            "dense": dense_info,
        }
        return store.commit_build(settings.index, partial, manifest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def is_fresh(manifest: dict, settings: Settings, model: str | None) -> str | None:
    """None when the stored index matches the corpus and settings, else why not."""
    if manifest.get("pipeline") != PIPELINE_VERSION:
        return "it was built by another version of the pipeline"
    if manifest.get("chunking") != settings.chunk.to_dict():
        return "the chunk settings changed"
    if manifest.get("corpus") != fingerprint(settings.files()):
        return "the documents changed"
    if model is not None and (manifest.get("dense") or {}).get("model") != model:
        return f"it has no vectors for model {model}"
    return None


def _previous_vectors(index_dir: Path, embedder: Embedder) -> dict[str, np.ndarray]:
    """Vectors of the live build, by chunk text, so unchanged chunks are not re-embedded."""
    try:
        old = store.load(index_dir)
        if (old.manifest.get("dense") or {}).get("model") != embedder.name:
            return {}
        vectors = DenseIndex.load(old.folder).vectors()
    except Exception:
        return {}
    return {c.text: v for c, v in zip(old.chunks, vectors)}


def _embed_chunks(embedder: Embedder, chunks: list[Chunk], previous: dict, progress: bool):
    from tqdm import tqdm

    todo = [i for i, c in enumerate(chunks) if c.text not in previous]
    fresh = {}
    with tqdm(total=len(todo), desc="embedding", unit="chunk", disable=not progress) as bar:
        for start in range(0, len(todo), EMBED_BATCH):
            ids = todo[start : start + EMBED_BATCH]
            fresh.update(zip(ids, embedder.embed([chunks[i].text for i in ids], kind="passage")))
            bar.update(len(ids))
    return np.stack([fresh[i] if i in fresh else previous[c.text] for i, c in enumerate(chunks)])


def _calibrate(embedder: Embedder, dense: DenseIndex, chunks: list[Chunk]) -> tuple[float, float]:
    """Measure how well the model finds a chunk from one clause of it (see rag.fuse)."""
    from rag.answer import sentences

    step = max(1, len(chunks) // 100)
    queries, targets = [], []
    for i in range(0, len(chunks), step):
        cands = [s for s in sentences(chunks[i].text) if 12 <= len(s) <= 80]
        if cands:
            queries.append(cands[len(cands) // 2])
            targets.append(i)
    if not queries:
        return 0.0, 0.0
    qv = embedder.embed(queries, kind="query")
    found = {q: [i for i, _ in dense.search(v, 1)] for q, v in zip(queries, qv)}
    return calibrate(queries, targets, found.__getitem__)
