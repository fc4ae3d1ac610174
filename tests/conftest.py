"""Shared fixtures: tiny Chinese corpora, a deterministic fake embedder, no network."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

TINY = {
    "a.txt": "前海深港国际法务区于2022年1月4日宣布启用。\n法务区集聚了仲裁、调解和律师事务所。\n",
    "b.txt": "澳门贸易投资促进局提供投资者一站式服务。\n2023年首十月共收到292个新投资计划。\n",
    "c.md": "# 南沙集群注册\n\n南沙区首创集群注册信用风险监管，对共用一个注册地址的企业精准画像。\n",
}


# Builds and opens in tests: no progress bars, no messages.
QUIET = {"progress": False, "say": lambda _: None}


def titled_library(folder: Path, articles):
    """A keyword engine over ``articles`` ((title, text) pairs), each a file
    ``TITLE.txt`` that opens with its title, in ``folder``."""
    from rag.engine import open_engine

    docs = folder / "docs"
    docs.mkdir()
    for title, text in articles:
        (docs / f"{title}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    return open_engine(lexical_settings(docs, folder), **QUIET)


def lexical_settings(seeds: Path, tmp_path: Path, **kw):
    """Keyword-only settings with the index under ``tmp_path``."""
    from rag.settings import Settings

    return Settings(seeds=seeds, index=tmp_path / "index", mode="lexical", **kw)


class FakeEmbedder:
    """Bag-of-characters vectors: texts sharing characters are close. Deterministic."""

    def __init__(self, dim: int = 64, name: str = "fake-embedder") -> None:
        self.name = name
        self.dim = dim
        self.calls = 0

    def embed(self, texts, kind="passage"):
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text:
                h = int.from_bytes(hashlib.md5(ch.encode()).digest()[:4], "little")
                out[row, h % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


@pytest.fixture
def tiny_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def seeds_engine(tmp_path_factory):
    """A lexical engine over the real seed documents, built once per test session."""
    from rag.engine import open_engine
    from rag.settings import Settings

    index = tmp_path_factory.mktemp("seeds-index")
    settings = Settings(seeds=SEEDS, index=index, mode="lexical")
    return open_engine(settings, progress=False, say=lambda _: None)


@pytest.fixture(scope="session")
def e5():
    """The bundled model (about 6 sentences a second on 2 cores: share what it embeds)."""
    from rag.embed import BundledE5

    return BundledE5()


@pytest.fixture(scope="session")
def e5_engine(tmp_path_factory, e5):
    """The seeds indexed with real vectors, built once per session (about 35 s)."""
    from rag.engine import open_engine
    from rag.settings import Settings

    index = tmp_path_factory.mktemp("seeds-e5")
    return open_engine(Settings(seeds=SEEDS, index=index), embedder=e5, **QUIET)


def faithful(text: str, path: Path, first: int, last: int) -> bool:
    """The scorer's citation check against one file."""
    from rag.evaluate import faithful as check

    return check(text, path.read_text(encoding="utf-8").splitlines(keepends=True), first, last)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def launch_app(index: Path, seeds: Path, *args: str, program: tuple[str, ...] = ("app.py",)):
    """Run ``app.py`` (lexical mode unless ``args`` give ``--mode``) in its own process;
    yield its URL and log file. ``program``: what runs it (``-m tests.gated_app GATE``)."""
    port = _free_port()
    log_path = index / "app.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, *program, "--seeds", str(seeds), "--index", str(index)]
            + ["--mode", "lexical", "--port", str(port), *args],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            deadline = time.time() + 120
            while True:
                if proc.poll() is not None:
                    raise RuntimeError("app exited: " + log_path.read_text())
                # The page is up before the library is open: "serving on http" says both are.
                if "serving on http" in log_path.read_text(encoding="utf-8", errors="replace"):
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                if time.time() > deadline:
                    raise RuntimeError("app did not start: " + log_path.read_text())
                time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/", log_path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
