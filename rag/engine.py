"""Build, open and query an index: the library that the CLI and the UI both call."""

from __future__ import annotations

import re
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag import glossary, store
from rag.answer import NOT_FOUND, Evidence, compose, should_abstain
from rag.chunk import ChunkSettings, chunk_documents
from rag.dense import (
    DenseIndex,
    Embedder,
    ModelUnavailable,
    SentenceTransformerEmbedder,
    resolve_model,
)
from rag.fuse import calibrate, dense_weight, fuse, term_coverage
from rag.ingest import fingerprint, read_folder, source_files
from rag.lexical import LexicalIndex
from rag.records import Answer, Chunk, Hit
from rag.tokenize import bigrams, normalize, strip_question_frames, tokenize, words

MODES = ("lexical", "hybrid")
# Bumped whenever tokenization or cleaning changes what an index contains.
PIPELINE_VERSION = 2
MAX_QUESTION = 2000
CANDIDATES = 50
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Settings:
    seeds: Path = Path("seeds")
    index: Path = Path("index")
    model: str | None = None
    mode: str = "hybrid"
    chunk: ChunkSettings = field(default_factory=ChunkSettings)

    @property
    def uploads(self) -> Path:
        return self.index / "uploads"

    def files(self) -> list[Path]:
        return source_files([self.seeds, self.uploads])


def index_text(chunk: Chunk) -> str:
    """What BM25 sees of a chunk: its title too, so document-level context can match."""
    return f"{chunk.title}\n{chunk.text}"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def build(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    say: Callable[[str], None] = _say,
) -> Path:
    """Build the index from the seed and upload folders and make it live."""
    from tqdm import tqdm

    _require_seeds(settings)
    docs = read_folder(settings.seeds)
    if settings.uploads.is_dir():
        docs += read_folder(settings.uploads)
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
            say(
                f"model {embedder.name}: self-retrieval {rate:.2f} on this corpus, "
                f"trust {trust:.2f}"
            )
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
            "files": [p.name for p in settings.files()],
            "documents": len(docs),
            "chunks": len(chunks),
            "chunking": settings.chunk.to_dict(),
            "dense": dense_info,
        }
        return store.commit_build(settings.index, partial, manifest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _require_seeds(settings: Settings) -> None:
    if not settings.seeds.is_dir():
        raise store.IndexProblem(
            f"seed folder {settings.seeds} does not exist (give --seeds or set RAG_SEEDS)"
        )


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
    batch = 64
    for start in tqdm(
        range(0, len(todo), batch), desc="embedding", unit="batch", disable=not progress
    ):
        ids = todo[start : start + batch]
        fresh.update(zip(ids, embedder.embed([chunks[i].text for i in ids], kind="passage")))
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


class Engine:
    """A loaded index, ready for concurrent questions (it is never mutated)."""

    def __init__(
        self,
        stored: store.Stored,
        lexical: LexicalIndex,
        dense: DenseIndex | None = None,
        embedder: Embedder | None = None,
        notices: tuple[str, ...] = (),
    ) -> None:
        self.stored = stored
        self.chunks = stored.chunks
        self.lexical = lexical
        self.dense = dense
        self.embedder = embedder
        self.notices = notices
        self.trust = float((stored.manifest.get("dense") or {}).get("trust", 0.0))
        self._embed_lock = threading.Lock()

    @property
    def semantic(self) -> bool:
        return self.dense is not None and self.embedder is not None

    def evidence(self, question: str) -> Evidence:
        """The question's weighted terms. English phrases count through their glossary
        translations; English words the corpus never uses say nothing either way."""
        norm = normalize(strip_question_frames(question))
        english = not _CJK.search(norm)
        terms: dict = {}
        for group in glossary.translate(question):
            terms[group] = max(self.lexical.idf(t) for t in group)
        for w in words(norm):
            idf = self.lexical.idf(w)
            # A lone Latin letter or digit is no evidence of anything.
            if w.isascii() and (len(w) < 2 or (english and idf >= self.lexical.max_idf)):
                continue
            terms[w] = idf
        grams = {b: self.lexical.idf(b) for b in bigrams(norm)}
        return Evidence.of(question, terms, grams)

    def search(
        self, question: str, k: int = 10, mode: str = "hybrid", evidence: Evidence | None = None
    ) -> list[Hit]:
        """Ranked passages; ``evidence`` is the question's, when the caller has it."""
        question = question[:MAX_QUESTION]
        expanded = glossary.expand(question)
        tokens = tokenize(strip_question_frames(expanded))
        lexical = self.lexical.search(tokens, max(CANDIDATES, k))
        weight = 0.0
        dense: list[tuple[int, float]] = []
        if mode == "hybrid" and self.semantic and self.trust > 0:
            ev = evidence or self.evidence(question)
            top = normalize(self.chunks[lexical[0][0]].text) if lexical else ""
            weight = dense_weight(self.trust, term_coverage(ev.words, top))
            if weight > 0:
                with self._embed_lock:
                    qv = self.embedder.embed([question], kind="query")[0]
                dense = self.dense.search(qv, max(CANDIDATES, k))
        ranked = fuse(lexical, dense, weight, k)
        return [Hit(self.chunks[i], score, via) for i, score, via in ranked]

    def ask(self, question: str, k: int = 10, mode: str = "hybrid") -> Answer:
        """Answer a question with cited passages, or abstain."""
        notice = ""
        if len(question) > MAX_QUESTION:
            notice = f"问题过长，只使用前 {MAX_QUESTION} 个字符 (question truncated)"
            question = question[:MAX_QUESTION]
        ev = self.evidence(question)
        hits = self.search(question, k=k, mode=mode, evidence=ev)
        text, quotes = ("", ()) if should_abstain(ev, hits) else compose(ev, hits)
        if not text:
            return Answer(question, NOT_FOUND, True, tuple(hits), (), notice)
        return Answer(question, text, False, tuple(hits), quotes, notice)


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


def load_embedder(settings: Settings) -> tuple[Embedder | None, str]:
    """The configured embedder, or None and a one-line reason when it is unavailable."""
    if settings.mode != "hybrid":
        return None, ""
    try:
        return SentenceTransformerEmbedder(resolve_model(settings.model)), ""
    except ModelUnavailable as exc:
        return None, f"semantic search off: {exc}; answering with keyword search only"


def open_engine(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    say: Callable[[str], None] = _say,
) -> Engine:
    """Load the index, rebuilding it first when it is missing, stale or damaged.

    ``embedder`` overrides the configured model (tests pass a fake); in lexical mode
    none is loaded at all.
    """
    _require_seeds(settings)
    notices = []
    if embedder is None and settings.mode == "hybrid":
        embedder, reason = load_embedder(settings)
        if reason:
            notices.append(reason)
            say(reason)
    model = embedder.name if embedder is not None else None
    for attempt in (1, 2):
        try:
            stored = store.load(settings.index)
            why = is_fresh(stored.manifest, settings, model)
        except store.IndexProblem as exc:
            stored, why = None, str(exc)
        if why is None:
            try:
                return _open(stored, embedder, tuple(notices))
            except store.IndexProblem as exc:
                why = str(exc)
        if attempt == 2:
            raise store.IndexProblem(f"index still unusable after a rebuild: {why}")
        say(f"building the index in {settings.index} ({why})")
        build(settings, embedder, progress=progress, say=say)
    raise AssertionError("unreachable")


def _open(stored: store.Stored, embedder: Embedder | None, notices: tuple[str, ...]) -> Engine:
    try:
        lexical = LexicalIndex.load(stored.folder / store.LEXICAL)
    except Exception as exc:
        raise store.IndexProblem(f"the keyword index in {stored.folder} is damaged") from exc
    if lexical.num_docs != len(stored.chunks):
        raise store.IndexProblem(f"the keyword index in {stored.folder} is incomplete")
    dense = None
    if embedder is not None:
        try:
            dense = DenseIndex.load(stored.folder)
        except Exception as exc:
            raise store.IndexProblem(f"the vector index in {stored.folder} is damaged") from exc
        if len(dense) != len(stored.chunks):
            raise store.IndexProblem(f"the vector index in {stored.folder} is incomplete")
    return Engine(stored, lexical, dense, embedder, notices)
