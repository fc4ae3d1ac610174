"""An index is a folder of plain files plus a manifest; builds are swapped in atomically.

Layout of the index folder::

    index/
      CURRENT                 name of the live build (replaced atomically)
      .writing                locked while a build is written and made live
      builds/<name>/          manifest.json, chunks.jsonl, bm25/, dense.faiss (hybrid)
      embedded/               sentence vectors of a build not finished yet (.npz shards)
      uploads/                documents added by users (kept across rebuilds)

A build is written to a fresh folder and only then named in ``CURRENT``: a build that is
interrupted leaves the previous one live, and the vectors it had made wait in
``embedded/`` for the next one, which embeds only the rest. Nothing is pickled; nothing
is executed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.records import Chunk

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
LEXICAL = "bm25"
POINTER = "CURRENT"
LOCK = ".writing"
EMBEDDED = "embedded"


class IndexProblem(RuntimeError):
    """The index cannot be used as it is; the message says why, in one line."""


@dataclass(frozen=True)
class Stored:
    """A loaded build: its folder, manifest and chunks."""

    folder: Path
    manifest: dict
    chunks: list[Chunk]


def write_chunks(folder: Path, chunks: list[Chunk]) -> None:
    with open(folder / CHUNKS, "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")


def read_chunks(folder: Path) -> list[Chunk]:
    chunks = []
    with open(folder / CHUNKS, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            try:
                chunks.append(Chunk.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise IndexProblem(f"{folder / CHUNKS} line {n} is damaged") from exc
    return chunks


def new_build_folder(index_dir: Path) -> Path:
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    return Path(tempfile.mkdtemp(prefix=f"{stamp}-", suffix=".partial", dir=builds))


@contextlib.contextmanager
def writing(index_dir: Path):
    """Held while a build is written and made live. Writers in other processes (an app
    making its vectors, ``rag docs add``) take turns: none drops a build that another has
    just made live, or one it is writing, as older."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a") as f:
        try:
            import fcntl
        except ImportError:  # not POSIX: the lock is only this process's own
            yield
            return
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def commit_build(index_dir: Path, partial: Path, manifest: dict) -> Path:
    """Finish a build: write its manifest, name it in CURRENT, drop older builds."""
    (partial / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    final = partial.with_suffix("")
    os.replace(partial, final)
    try:
        _write_atomic(index_dir / POINTER, final.name + "\n")
    except BaseException:
        # CURRENT still names the previous build; this one was never live.
        shutil.rmtree(final, ignore_errors=True)
        raise
    for old in (index_dir / "builds").iterdir():
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_build(index_dir: Path) -> Path | None:
    """The live build folder, or None when there is none yet."""
    pointer = index_dir / POINTER
    if not pointer.is_file():
        return None
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    folder = index_dir / "builds" / name
    if not name or "/" in name or "\\" in name or name.startswith(".") or not folder.is_dir():
        return None
    return folder


def load(index_dir: Path) -> Stored:
    """Read the live build's manifest and chunks; raise IndexProblem when unusable."""
    folder = current_build(index_dir)
    if folder is None:
        raise IndexProblem(f"no index in {index_dir}")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexProblem(f"the index manifest in {folder} is missing or damaged") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise IndexProblem(
            f"the index in {index_dir} has format {manifest.get('format')!r}, "
            f"this version reads {FORMAT_VERSION}"
            if isinstance(manifest, dict)
            else f"the index manifest in {folder} is damaged"
        )
    try:
        chunks = read_chunks(folder)
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexProblem(f"the chunk records in {folder} are missing or damaged") from exc
    if len(chunks) != manifest.get("chunks"):
        raise IndexProblem(f"the index in {folder} is incomplete")
    return Stored(folder, manifest, chunks)


def sentence_key(text: str) -> str:
    """What ``embedded/`` files a sentence's vector under."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def save_embedded(index_dir: Path, model: str, units: list[str], vectors: np.ndarray) -> None:
    """Keep vectors a build has made so far, one new shard for each call, so that a
    build stopped halfway (the app closed, the machine off) is resumed, not started
    again. Best effort: a shard that cannot be written only costs that work again."""
    folder = index_dir / EMBEDDED
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".npz")
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                model=np.array(model),
                keys=np.array([sentence_key(u) for u in units]),
                vectors=np.asarray(vectors, dtype=np.float32),
            )
        os.replace(tmp, folder / Path(tmp).name[1:])
    except OSError:
        pass


def load_embedded(index_dir: Path, model: str) -> dict[str, np.ndarray]:
    """The vectors ``save_embedded`` kept for ``model``, by ``sentence_key``; a damaged
    shard or one of another model is passed over."""
    out: dict[str, np.ndarray] = {}
    for path in sorted((index_dir / EMBEDDED).glob("[!.]*.npz")):
        try:
            with np.load(path, allow_pickle=False) as saved:
                keys, vectors = saved["keys"], saved["vectors"]
                if str(saved["model"]) != model or vectors.ndim != 2 or len(keys) != len(vectors):
                    continue
                out.update(zip(keys.tolist(), vectors))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            continue
    return out


def drop_embedded(index_dir: Path) -> None:
    """Forget the kept vectors: a build with vectors went live and holds them."""
    shutil.rmtree(index_dir / EMBEDDED, ignore_errors=True)
