"""A live library for long-running front ends: questions from many users at once,
uploads validated and named here, then added, listed, shown and removed through the
store (rag.backend), whichever it is.

The store may have other writers (``rag docs add`` while the app runs, another replica):
before it answers or lists, a library asks its store to catch up (one read of the index
folder's ``CURRENT`` pointer, or of a Milvus store's change token). A local build it does
not hold that went live is loaded whole; questions asked meanwhile are answered from the
engine held until then."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag import store
from rag.build import commit, prepare
from rag.corpus import corpus_hash
from rag.engine import Engine, load_live, open_at_once, open_engine
from rag.records import Answer
from rag.settings import UPLOADS_LABEL, Settings, check_history, check_request
from rag.upload import Rejected, name_key, prepare_upload, safe_name

# How much lower the background embedding runs than the rest (a nice increment).
BACKGROUND_NICE = 10


@dataclass(frozen=True)
class UploadResult:
    """What became of one upload: ``message`` in Chinese for the web UI, ``english`` the
    same for the command line."""

    name: str
    ok: bool
    message: str
    english: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    """One document of the library as its manager sees it."""

    source: str  # as cited: seeds/NAME or uploads/NAME, NAME as the user named the file
    title: str
    upload: bool  # uploads can be removed; seed files are read-only
    passages: int
    added: str  # when the file was last written, local time
    file: str = ""  # the name it is stored under: generated for uploads

    @property
    def name(self) -> str:
        return self.source.split("/", 1)[-1]


@dataclass(frozen=True)
class View:
    """A stretch of a source file around a cited passage."""

    source: str
    title: str
    lines: list[tuple[int, str]]  # (line number, text), 1-based
    first: int  # the cited lines
    last: int
    total: int  # lines in the file


class NotViewable(ValueError):
    """A document or line range that cannot be shown; says why in one line."""


class NotRemovable(ValueError):
    """A removal that cannot be done (a seed file, an unknown name); says why in one line."""


class Library:
    """The library a front end serves. With ``background`` (the web app), a library
    whose vectors are missing answers by keyword at once, and a thread makes them once
    ``start_vectors`` is called; without (``rag docs``), it builds first, as ``rag ask``
    does."""

    def __init__(
        self,
        settings: Settings,
        embedder=None,
        say: Callable[[str], None] = print,
        background: bool = False,
    ):
        self.settings = settings
        self._say = say
        # Held by a write, or by a reader loading a build another writer made live.
        self._write_lock = threading.Lock()
        self._refused: Path | None = None  # a live build this process could not use
        # While vectors are made in the background: (sentences embedded, to embed), (0, 0)
        # until they are counted; None when nothing is being made.
        self.vectors: tuple[int, int] | None = None
        self._making: threading.Thread | None = None
        if background and settings.mode == "hybrid" and not settings.milvus:
            self._engine, self._embedder, known = open_at_once(settings, embedder, say)
        else:
            self._engine = open_engine(settings, embedder=embedder, say=say)
            self._embedder = self._engine.embedder
        self.notices = self._engine.notices
        if self._embedder is None:
            # Without a model, rebuilds after uploads must not try to load it again.
            self.settings = replace(settings, mode="lexical")
        elif not self._engine.semantic:
            self.vectors = (0, 0)
            self._making = threading.Thread(
                target=self._make_vectors, args=(known,), name="vectors", daemon=True
            )

    def start_vectors(self) -> None:
        """Start making the missing vectors in the background (see ``_make_vectors``), once.
        The app calls it when its page is up: the embedding would slow the start down."""
        with self._write_lock:
            if self._making is not None and self._making.ident is None:
                self._making.start()

    def warm_up(self) -> None:
        """Ask one question and drop the answer: the tokenizer, the converter between
        scripts and the answer model load now (a second or more), not with the user's
        first question. Never fails: a real question reports what is wrong."""
        with contextlib.suppress(Exception):
            self.engine.ask("粤港澳大湾区是什么？")

    @property
    def engine(self) -> Engine:
        """The engine over the library as it is now (see ``catch_up``)."""
        return self.catch_up()

    def catch_up(self) -> Engine:
        """Load the build live in the index folder when it is not the one held, that is,
        when another writer changed the library; return the engine to use. Cheap when
        nothing changed: the store's own refresh (one read of ``CURRENT``, or of the
        shared store's change token). Never waits: while this process writes (its own
        build goes live when done) or another thread loads, the engine held is returned.
        A build this process cannot use (another pipeline version or model) is said once
        and the engine held is kept."""
        engine = self._engine
        if engine.store.refresh():
            return engine
        live = store.current_build(self.settings.index)
        if live is None or live == self._refused:
            return engine
        if not self._write_lock.acquire(blocking=False):
            return engine
        try:
            self._reload()
            return self._engine
        finally:
            self._write_lock.release()

    def _reload(self) -> None:
        """Hold the store as it is now (under the write lock): a store that cannot catch
        up in place is replaced by the build live in the index folder."""
        engine = self._engine
        if engine.store.refresh():
            return
        live = store.current_build(self.settings.index)
        if live is None or live == self._refused:
            return
        try:
            self._engine = self._load_current()
        except store.IndexProblem as exc:
            self._refused = live
            self._say(f"not loading the index {live.name} another writer made: {exc}")

    def _load_live(self) -> Engine:
        """The build live in the folder as an engine (the write lock held). While vectors
        are being made, a build without them is used for its keywords; one with them (made
        by another writer) ends the wait."""
        try:
            engine = load_live(self.settings, self._embedder, self.notices)
        except store.IndexProblem:
            if self.vectors is None:
                raise
            return load_live(replace(self.settings, mode="lexical"), None, self.notices)
        self.vectors = None  # if vectors were being made: they are here; the thread stops
        return engine

    def _load_current(self) -> Engine:
        """``_load_live``, again when another writer replaced the build while it was read
        (and dropped the one being read)."""
        for _ in range(3):
            live = store.current_build(self.settings.index)
            try:
                return self._load_live()
            except store.IndexProblem:
                if store.current_build(self.settings.index) == live:
                    raise
        return self._load_live()

    def _make_vectors(self, known: dict[str, np.ndarray]) -> None:
        """Embed the library in the background, then swap in the hybrid engine.

        The embedding holds no lock (``rag.build.prepare`` computes in memory), so uploads
        go on meanwhile, each made keyword-searchable at once (see ``_reindex``). Under
        the write lock the result is committed only when it was made from the documents
        as they are now; else it starts again, embedding only sentences not seen yet. A
        failure leaves the library answering by keyword and says why. ``known``: the
        vectors of a build it replaced, by sentence."""
        _yield_cpu()
        embedder = _Remembered(self._embedder, known)
        try:
            while True:
                prepared = prepare(
                    self.settings, embedder, progress=False, say=self._say, counted=self._count
                )
                with self._write_lock:
                    if self.vectors is None:  # another writer's hybrid build is loaded
                        return
                    if prepared.corpus != corpus_hash(self.settings):
                        continue  # documents came or went meanwhile
                    commit(self.settings, prepared)
                    self._engine = self._load_current()
                    if self._engine.semantic:
                        return
                    # Another writer's keyword build (new documents) replaced it at once.
        except _Stopped:
            return
        except Exception as exc:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            with self._write_lock:
                self.vectors = None
                self._embedder = None
                self.settings = replace(self.settings, mode="lexical")
                self.notices = (*self.notices, f"语义向量计算失败：{why}")
            self._say(f"semantic search off: making the vectors failed ({why}); keywords only")

    def wait_for_vectors(self, timeout: float | None = None) -> bool:
        """Wait until the background build of the vectors ended (made, not needed, or
        failed: see ``notices``); False when it is still running after ``timeout``, or
        was never started."""
        if self._making is None:
            return True
        if self._making.ident is None:
            return False
        self._making.join(timeout)
        return not self._making.is_alive()

    def _count(self, done: int, total: int) -> None:
        """Progress of the background embedding; stops it when it is no longer needed."""
        if self.vectors is None:
            raise _Stopped
        self.vectors = (done, total)

    def ask(self, question: str, mode: str = "hybrid", k: int = 5, history=None) -> Answer:
        """Answer one request (``history``: earlier questions, oldest first); BadRequest
        (one line) when it cannot be used as given."""
        question, mode, k = check_request(question, mode, k)
        turns = check_history(history)
        engine = self.engine  # one snapshot for the whole question
        return engine.ask(question, k=k, mode=mode, history=turns)

    def add_files(self, files: list[tuple[str, bytes]]) -> list[UploadResult]:
        """Validate uploads and add them to the store, all in one write. Nothing already
        indexed is touched by a rejected file."""
        results, ready = [], []
        with self._write_lock:
            self._reload()
            passages = self._engine.store
            docs = passages.documents()
            taken = {d.source.split("/", 1)[-1] for d in docs if _is_upload(d.source)}
            taken |= {d.file for d in docs if d.file}
            contents: set[str] = set()
            for name, data in files:
                try:
                    new = prepare_upload(
                        name, data, taken, lambda c: c in contents or passages.holds(c)
                    )
                except Rejected as exc:
                    results.append(UploadResult(safe_name(name), False, str(exc), exc.english))
                    continue
                ready.append(new)
                taken.add(new.name)
                contents.add(new.content)
                # The name it is shown by, which may carry a " (2)" to tell it apart.
                results.append(UploadResult(new.name, True, "已加入资料库", "indexed"))
            if ready:
                try:
                    added = passages.add(ready, self._engine.embedder)
                    self._reload()
                    # The names they were added by: a store shared with other replicas
                    # renames one whose name another took meanwhile (名字 (2).docx).
                    renamed = {new.name: done.name for new, done in zip(ready, added)}
                    results = [
                        replace(r, name=renamed.get(r.name, r.name)) if r.ok else r for r in results
                    ]
                except Exception as exc:
                    # The store adds all or none: the library is as it was; say why.
                    why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    results = [
                        UploadResult(r.name, False, f"索引失败：{why}", f"indexing failed: {why}")
                        if r.ok
                        else r
                        for r in results
                    ]
        return results

    def documents(self) -> list[DocumentInfo]:
        """Every indexed document: seeds first, then uploads, each in file order."""
        out = []
        for doc in self.engine.store.documents():
            added = time.strftime("%Y-%m-%d %H:%M", time.localtime(doc.added)) if doc.added else ""
            upload = _is_upload(doc.source)
            out.append(DocumentInfo(doc.source, doc.title, upload, doc.passages, added, doc.file))
        return out

    def view(self, source: str, first: int, last: int, around: int = 8) -> View:
        """The lines ``first``–``last`` of an indexed document with ``around`` lines of
        context each side, read from the store (a local file, or Milvus)."""
        passages = self.engine.store
        titles = {d.source: d.title for d in passages.documents()}
        text = passages.original(source) if source in titles else None
        if text is None:
            raise NotViewable(f"资料库中没有 {source!r}（no such document）")
        lines = text.splitlines()
        if not 1 <= first <= last <= len(lines):
            raise NotViewable(
                f"第 {first}–{last} 行超出文件范围（the file has {len(lines)} lines）"
            )
        lo, hi = max(1, first - around), min(len(lines), last + around)
        shown = [(n, lines[n - 1]) for n in range(lo, hi + 1)]
        return View(source, titles[source], shown, first, last, len(lines))

    def remove(self, name: str) -> DocumentInfo:
        """Remove an uploaded document, named by its source (uploads/NAME), its name (the
        original file name), the generated name it is stored under, or its title. A
        local store re-indexes, reusing the vectors of the passages that stay; Milvus
        deletes the document's rows. NotRemovable (one line) when the name is unknown, a
        seed's or ambiguous."""
        doc = find_upload(self.documents(), name)
        with self._write_lock:
            removed = self._engine.store.remove(doc.source, self._engine.embedder)
            self._reload()
        if not removed:
            raise NotRemovable(f"{doc.source!r} 已不在资料库中（already removed）")
        return doc


def _yield_cpu() -> None:
    """Lower this thread's CPU priority, and that of the worker threads a model starts
    from it (they inherit it): questions and page loads go first, the embedding takes
    what is left. Linux only, where a priority belongs to a thread."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.nice(BACKGROUND_NICE)


class _Stopped(Exception):
    """The background embedding is no longer needed."""


class _Remembered:
    """An embedder that embeds each text once: a background build started again after an
    upload embeds only the new sentences. ``known``: passage vectors already made."""

    def __init__(self, embedder, known: dict[str, np.ndarray]) -> None:
        self.name = embedder.name
        self._embedder = embedder
        self._seen = {("passage", text): vector for text, vector in known.items()}

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if (kind, t) not in self._seen]
        if todo:
            vectors = self._embedder.embed(todo, kind=kind)
            self._seen.update(zip(((kind, t) for t in todo), vectors))
        if not texts:
            return self._embedder.embed(texts, kind=kind)
        return np.stack([self._seen[(kind, t)] for t in texts])


def _is_upload(source: str) -> bool:
    return source.startswith(f"{UPLOADS_LABEL}/")


def find_upload(docs: list[DocumentInfo], name: str) -> DocumentInfo:
    """The one upload ``name`` means: names that match exactly first, then names that
    match whatever the width or case (``名字.DOCX`` finds ``名字.docx``); NotRemovable
    when none does, when only seed files do, or when more than one upload does."""

    def names(d: DocumentInfo) -> tuple[str, ...]:
        return (d.source, d.name, d.file, d.title)

    matches = [d for d in docs if name in names(d)] if name.strip() else []
    if not matches:
        key = name_key(name)
        matches = [d for d in docs if key in {name_key(n) for n in names(d) if n}]
    if not matches:
        raise NotRemovable(f"没有名为 {name!r} 的文档（no such document; see rag docs list）")
    uploads = [d for d in matches if d.upload]
    if not uploads:
        raise NotRemovable(f"{name!r} 是内置资料，不能删除（seed files are read-only）")
    if len(uploads) > 1:
        which = "、".join(d.name for d in uploads)
        raise NotRemovable(
            f"{name!r} 对应多个文档：{which}（ambiguous; remove by one of these names）"
        )
    return uploads[0]


def read_upload(path: str | Path) -> tuple[str, bytes]:
    path = Path(path)
    return path.name, path.read_bytes()
