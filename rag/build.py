"""Build an index: read → chunk → tokenize → embed → calibrate → commit (see rag.store)."""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rag import store
from rag.chunk import chunk_document, sentences
from rag.corpus import (
    PIPELINE_VERSION,
    CorpusFile,
    corpus_files,
    corpus_hash,
    no_documents,
    require_seeds,
    why_stale,
)
from rag.dense import DenseIndex, sentence_units
from rag.embed import Embedder
from rag.fuse import calibrate
from rag.lexical import LexicalIndex, PassageTokens, Tokens
from rag.records import Chunk, Document
from rag.settings import Settings
from rag.tokenize import tokenize_all

EMBED_BATCH = 8
# Sentences embedded between two saves of the work so far (store.save_embedded): about
# ten seconds of a laptop's embedding.
CHECKPOINT = 512
# Sentences taken as questions to measure a model on a corpus.
PROBES = 300
# The model's trust on the corpus is measured again (about ten seconds of embedding its
# probes) once the passages cut anew or dropped since it was last measured reach this
# share of those it was measured on; an upload that changes less keeps it.
REMEASURE_AFTER = 0.1


def say_on_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def index_text(chunk: Chunk) -> str:
    """What BM25 sees of a chunk: its title too, so document-level context can match."""
    return f"{chunk.title}\n{chunk.text}"


@dataclass(frozen=True)
class Prepared:
    """A build computed in memory, not yet written: see ``prepare`` and ``commit``."""

    chunks: list[Chunk]
    lexical: LexicalIndex
    dense: DenseIndex | None
    manifest: dict
    tokens: PassageTokens | None = None  # kept beside the build for the next one

    @property
    def corpus(self) -> str:
        """The fingerprint of the documents it was made from."""
        return self.manifest["corpus"]


def build(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    say: Callable[[str], None] = say_on_stderr,
) -> Path:
    """Build the index from the seed and upload folders and make it live."""
    return commit(settings, prepare(settings, embedder, progress, say))


def prepare(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    say: Callable[[str], None] = say_on_stderr,
    counted: Callable[[int, int], None] | None = None,
) -> Prepared:
    """Read, chunk, tokenize and (with an ``embedder``) embed and calibrate, all in
    memory: nothing is written, so a long embedding holds no lock and leaves no folder
    behind when it is stopped. ``counted(done, total)`` follows the embedding.

    When the live build was made from these very documents with these settings (a
    keyword build made to answer at once, say), its chunks and BM25 index are taken as
    they are and only the vectors are computed."""
    require_seeds(settings)
    # Taken before the files are read: a file added meanwhile makes the build stale
    # (and rebuilt), never a build that claims a document it lacks.
    corpus = corpus_hash(settings)
    # The live build, read once: what it holds that is still current is kept.
    live = _load(settings.index)
    reused = _live_keywords(live, settings, corpus)
    if reused is not None:
        chunks, lexical, documents, tokens, keys = reused
        changed = 0
    else:
        chunks, tokens, changed, keys = _tokenized(settings, _kept(live, settings), progress)
        documents = len(keys)
        lexical = LexicalIndex.of(tokens)
    dense, dense_info = None, None
    if embedder is not None:
        previous = _vectors_of(live, embedder)
        units, owned = sentence_units([c.text for c in chunks])
        saved = store.load_embedded(settings.index, embedder.name)
        for unit in units:
            key = store.sentence_key(unit)
            if unit not in previous and key in saved:
                previous[unit] = saved[key]

        def keep(done: list[str], made: np.ndarray) -> None:
            store.save_embedded(settings.index, embedder.name, done, made)

        vectors = embed_units(embedder, units, previous, progress, counted, keep)
        dense = DenseIndex.build(vectors, units, owned)
        measured = _measured(live, settings, embedder, changed)
        if measured is None:
            rate, trust = calibrate_model(embedder, dense, chunks)
            measured = {
                "calibration": rate,
                "trust": trust,
                "calibrated_on": len(chunks),
                "changed_since": 0,
            }
        say(
            f"model {embedder.name}: self-retrieval {measured['calibration']:.2f} here, "
            f"trust {measured['trust']:.2f}"
        )
        dense_info = {"model": embedder.name, "dim": dense.dim, **measured}
    manifest = {
        "format": store.FORMAT_VERSION,
        "pipeline": PIPELINE_VERSION,
        # What the build answers with: a "lexical" build has no vectors, whatever the
        # mode asked for; it is never taken for a hybrid one (see is_fresh).
        "mode": "hybrid" if dense is not None else "lexical",
        "corpus": corpus,
        "documents": documents,
        "chunks": len(chunks),
        "chunking": settings.chunk.to_dict(),
        "dense": dense_info,
        # Each file's key (CorpusFile.key) and the source it was read as: the next build
        # keeps the passages and tokens of a file whose key is unchanged, unread.
        "file_keys": keys,
    }
    return Prepared(chunks, lexical, dense, manifest, tokens)


def _load(index_dir: Path) -> store.Stored | None:
    """The live build, or None when there is none or it cannot be read."""
    try:
        return store.load(index_dir)
    except Exception:
        return None


class Kept(NamedTuple):
    """What a build may keep of the live one: its passages and their tokens, each
    document's run of passages, and the source each file key was read as."""

    chunks: list[Chunk]
    tokens: PassageTokens
    spans: dict[str, tuple[int, int]]
    sources: dict[str, str]


def _tokenized(
    settings: Settings, kept: Kept | None, progress: bool
) -> tuple[list[Chunk], PassageTokens, int, dict[str, str]]:
    """The passages of the corpus, their BM25 tokens, how many passages changed (cut
    anew, or dropped from the live build), and each file's key with its source. A file
    whose key the live build knows (same bytes, name and catalog entry; same pipeline
    and chunking) is not read: its passages and tokens are kept. Only the others are
    read, cut and tokenized, so adding one document to a large library costs that
    document, hashing the files and a BM25 pass."""
    from collections import Counter

    from tqdm import tqdm

    plan: list[tuple[CorpusFile, str, str, tuple[int, int] | Document]] = []
    for f in corpus_files(settings):
        key = f.key
        source = kept.sources.get(key) if kept else None
        span = kept.spans.get(source) if source else None
        if span is not None:
            plan.append((f, key, source, span))
        elif (doc := f.read()) is not None:
            plan.append((f, key, doc.source, doc))
    if not plan:
        raise no_documents(settings)
    # Two files cited alike (a catalog that shows one by the other's name) are never
    # taken for one another: both are cut anew.
    twice = {source for source, n in Counter(p[2] for p in plan).items() if n > 1}
    parts: list[tuple[int, int] | list[Chunk]] = []
    keys: dict[str, str] = {}
    for f, key, source, part in plan:
        if isinstance(part, tuple) and source in twice:
            part = f.read()
            if part is None:
                continue
        parts.append(part if isinstance(part, tuple) else chunk_document(part, settings.chunk))
        keys[key] = source
    texts = [index_text(c) for part in parts if isinstance(part, list) for c in part]
    fresh = len(texts)
    chunks: list[Chunk] = []
    tokens = Tokens()
    quiet = not progress or not fresh
    bar = tqdm(total=fresh, desc="tokenizing", unit="chunk", disable=quiet)
    # Closed however the loop ends, so that no worker tokenizes on after an error.
    with bar, contextlib.closing(tokenize_all(texts)) as tokenized:
        for part in parts:
            if isinstance(part, list):
                for _ in part:
                    tokens.add(next(tokenized))
                    bar.update()
                chunks.extend(part)
            else:
                start, stop = part
                tokens.keep(kept.tokens, start, stop)
                chunks.extend(kept.chunks[start:stop])
    taken = sum(p[1] - p[0] for p in parts if isinstance(p, tuple))
    dropped = len(kept.chunks) - taken if kept else 0
    return chunks, tokens.passages(), fresh + dropped, keys


def _kept(live: store.Stored | None, settings: Settings) -> Kept | None:
    """What a build may keep of ``live``, when it was made with this pipeline and
    chunking and kept its tokens; else None."""
    if live is None or is_fresh(live.manifest, settings, None, corpus=False) is not None:
        return None
    keys = live.manifest.get("file_keys")
    try:
        tokens = PassageTokens.load(live.folder)
    except Exception:
        return None
    if not isinstance(keys, dict) or len(tokens) != len(live.chunks):
        return None
    # Each document's passages, when they are one run: a source whose passages are split
    # (two files cited alike) has none to keep.
    spans: dict[str, tuple[int, int]] = {}
    split: set[str] = set()
    for i, c in enumerate(live.chunks):
        start, stop = spans.get(c.source, (i, i))
        if stop != i:
            split.add(c.source)
        spans[c.source] = (start, i + 1)
    return Kept(live.chunks, tokens, {s: v for s, v in spans.items() if s not in split}, keys)


def commit(settings: Settings, prepared: Prepared) -> Path:
    """Write a prepared build to a fresh folder and make it live (see rag.store)."""
    with store.writing(settings.index):
        partial = store.new_build_folder(settings.index)
        try:
            store.write_chunks(partial, prepared.chunks)
            (partial / store.LEXICAL).mkdir()
            prepared.lexical.save(partial / store.LEXICAL)
            if prepared.tokens is not None:
                prepared.tokens.save(partial)
            if prepared.dense is not None:
                prepared.dense.save(partial)
            live = store.commit_build(settings.index, partial, prepared.manifest)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        if prepared.dense is not None:
            store.drop_embedded(settings.index)
        return live


def _live_keywords(
    live: store.Stored | None, settings: Settings, corpus: str
) -> tuple[list[Chunk], LexicalIndex, int, PassageTokens | None, dict] | None:
    """The chunks, BM25 index, document count, kept tokens (None when it has none) and
    file keys of ``live`` when it was made from the documents ``corpus`` names with
    these settings; else None (build them anew)."""
    if live is None or is_fresh(live.manifest, settings, None, corpus=False) is not None:
        return None
    if live.manifest.get("corpus") != corpus:
        return None
    try:
        lexical = LexicalIndex.load(live.folder / store.LEXICAL)
    except Exception:
        return None
    if lexical.num_docs != len(live.chunks):
        return None
    try:
        tokens = PassageTokens.load(live.folder)
    except Exception:
        tokens = None
    keys = live.manifest.get("file_keys")
    documents = int(live.manifest.get("documents", 0))
    return live.chunks, lexical, documents, tokens, keys if isinstance(keys, dict) else {}


def is_fresh(
    manifest: dict, settings: Settings, model: str | None, corpus: bool = True
) -> str | None:
    """None when the stored index matches the corpus and settings, else why not;
    ``corpus=False`` leaves the documents unchecked."""
    return why_stale(manifest, settings, model, corpus_hash(settings) if corpus else None)


def _measured(
    live: store.Stored | None, settings: Settings, embedder: Embedder, changed: int
) -> dict | None:
    """The live build's measure of the model (calibration, trust, the passage count it
    was taken on and the passages changed since) when it is of this model, pipeline and
    chunking, and the passages changed since, with the ``changed`` of this build, are
    fewer than ``REMEASURE_AFTER`` of those it was taken on; else None (measure it
    again)."""
    manifest = live.manifest if live is not None else {}
    dense = manifest.get("dense") or {}
    on, since = dense.get("calibrated_on"), dense.get("changed_since")
    if dense.get("model") != embedder.name or "trust" not in dense:
        return None
    if not isinstance(on, int) or on <= 0 or not isinstance(since, int):
        return None
    if is_fresh(manifest, settings, None, corpus=False) is not None:
        return None
    if since + changed >= REMEASURE_AFTER * on:
        return None
    return {
        "calibration": dense["calibration"],
        "trust": dense["trust"],
        "calibrated_on": on,
        "changed_since": since + changed,
    }


def previous_vectors(index_dir: Path, embedder: Embedder) -> dict[str, np.ndarray]:
    """Vectors of the live build, by sentence, so unchanged sentences are not re-embedded."""
    return _vectors_of(_load(index_dir), embedder)


def _vectors_of(live: store.Stored | None, embedder: Embedder) -> dict[str, np.ndarray]:
    if live is None or (live.manifest.get("dense") or {}).get("model") != embedder.name:
        return {}
    try:
        dense = DenseIndex.load(live.folder, [c.text for c in live.chunks])
    except Exception:
        return {}
    return dict(zip(dense.units, dense.vectors()))


def embed_units(
    embedder: Embedder,
    units: list[str],
    previous: dict,
    progress: bool,
    counted: Callable[[int, int], None] | None = None,
    keep: Callable[[list[str], np.ndarray], None] | None = None,
):
    """The vectors of ``units``, embedding only those not in ``previous``; ``keep`` is
    given the new ones every ``CHECKPOINT`` sentences."""
    from tqdm import tqdm

    todo = [i for i, u in enumerate(units) if u not in previous]
    fresh = {}
    unkept: list[int] = []
    if counted is not None:
        counted(0, len(todo))
    with tqdm(total=len(todo), desc="embedding", unit="sentence", disable=not progress) as bar:
        for start in range(0, len(todo), EMBED_BATCH):
            ids = todo[start : start + EMBED_BATCH]
            fresh.update(zip(ids, embedder.embed([units[i] for i in ids], kind="passage")))
            unkept += ids
            if keep is not None and len(unkept) >= CHECKPOINT:
                keep([units[i] for i in unkept], np.stack([fresh[i] for i in unkept]))
                unkept = []
            bar.update(len(ids))
            if counted is not None:
                counted(min(start + EMBED_BATCH, len(todo)), len(todo))
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
