"""A live library for long-running front ends: questions from many users at once,
uploads added one at a time, the engine swapped whole so readers never see half an index."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rag.build import build
from rag.engine import Engine, open_engine
from rag.records import Answer
from rag.settings import Settings, check_request
from rag.upload import Rejected, safe_name, save_upload


@dataclass(frozen=True)
class UploadResult:
    name: str
    ok: bool
    message: str


class Library:
    def __init__(self, settings: Settings, embedder=None, say: Callable[[str], None] = print):
        self.settings = settings
        self._say = say
        self._engine: Engine = open_engine(settings, embedder=embedder, say=say)
        self.notices = self._engine.notices
        if not self._engine.semantic:
            # Without a model, rebuilds after uploads must not try to load it again.
            self.settings = replace(settings, mode="lexical")
        self._write_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        return self._engine

    def ask(self, question: str, mode: str = "hybrid", k: int = 5) -> Answer:
        """Answer one request; BadRequest (one line) when it cannot be used as given."""
        question, mode, k = check_request(question, mode, k)
        engine = self._engine  # one snapshot for the whole question
        return engine.ask(question, k=k, mode=mode)

    def add_files(self, files: list[tuple[str, bytes]]) -> list[UploadResult]:
        """Validate, store and index uploads; the index is rebuilt once for all of them.
        Nothing already indexed is touched by a rejected file."""
        results, stored = [], []
        with self._write_lock:
            for name, data in files:
                display = safe_name(name)
                try:
                    path = save_upload(name, data, self.settings.uploads, [self.settings.seeds])
                except Rejected as exc:
                    results.append(UploadResult(display, False, str(exc)))
                    continue
                stored.append(path)
                results.append(UploadResult(display, True, "已加入资料库（indexed）"))
            if stored:
                try:
                    self._reindex()
                except Exception as exc:
                    # The live index is the previous one, untouched: take the files back
                    # out so that the folder matches it, and say why.
                    for path in stored:
                        path.unlink(missing_ok=True)
                    why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    results = [
                        UploadResult(r.name, False, f"索引失败，未加入（indexing failed: {why}）")
                        if r.ok
                        else r
                        for r in results
                    ]
        return results

    def _reindex(self) -> None:
        embedder = self._engine.embedder
        build(self.settings, embedder, progress=False, say=self._say)
        self._engine = open_engine(self.settings, embedder=embedder, progress=False, say=self._say)


def read_upload(path: str | Path) -> tuple[str, bytes]:
    path = Path(path)
    return path.name, path.read_bytes()
