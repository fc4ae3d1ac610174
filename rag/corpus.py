"""The corpus an index is made of, read once for every store: the seed and upload
folders' documents, what each was read from, and the hashes that say whether an index
is current. The local build (rag.build) and the Milvus sync (rag.milvus.indexing) both read
it here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rag.ingest import CATALOG, decode, fingerprint, load_catalog, read_or_skip, source_files
from rag.records import Document
from rag.settings import Settings
from rag.store import IndexProblem

# Bumped whenever tokenization, cleaning or source labels change what an index contains.
PIPELINE_VERSION = 8


@dataclass(frozen=True)
class Source:
    """A document of the corpus and the text of the file it was cleaned from (what the
    viewer shows, line by line)."""

    document: Document
    original: str


def require_seeds(settings: Settings) -> None:
    if not settings.seeds.is_dir():
        raise IndexProblem(
            f"seed folder {settings.seeds} does not exist (give --seeds or set RAG_SEEDS)"
        )


@dataclass(frozen=True)
class CorpusFile:
    """A file of the corpus, not read yet: its folder's label and catalog say how it is
    cited and titled."""

    path: Path
    label: str
    catalog: dict

    @property
    def key(self) -> str:
        """What the file is read from: its label, name, catalog entry and bytes. A file
        with the same key reads as the same document (with the same pipeline)."""
        entry = json.dumps(self.catalog.get(self.path.name), ensure_ascii=False, sort_keys=True)
        h = hashlib.sha256(f"{self.label}\0{self.path.name}\0{entry}\0".encode())
        h.update(self.path.read_bytes())
        return h.hexdigest()

    def read(self) -> Document | None:
        """The document, or None (with a warning) when the file holds no readable text."""
        return read_or_skip(self.path, self.catalog, self.label)


def corpus_files(settings: Settings) -> list[CorpusFile]:
    """The seed folder's files, then the upload folder's, each in file order."""
    require_seeds(settings)
    out = []
    for label, folder in settings.folders().items():
        if folder.is_dir():
            catalog = load_catalog(folder)
            out += [CorpusFile(path, label, catalog) for path in source_files([folder])]
    return out


def no_documents(settings: Settings) -> IndexProblem:
    return IndexProblem(f"no readable .txt or .md documents in {settings.seeds}")


def read_documents(settings: Settings) -> list[Document]:
    """The seed folder's documents, then the upload folder's, each in file order;
    IndexProblem when there are none."""
    docs = [doc for f in corpus_files(settings) if (doc := f.read()) is not None]
    if not docs:
        raise no_documents(settings)
    return docs


def read_sources(settings: Settings) -> list[Source]:
    """``read_documents`` with each file's own text beside its document."""
    out = []
    for doc in read_documents(settings):
        path = settings.resolve(doc.source)
        out.append(Source(doc, decode(path.read_bytes()) if path is not None else doc.text))
    return out


def document_hash(doc: Document, chunking: dict) -> str:
    """What an indexed document must match to be current: its content and the settings
    it was cut with."""
    data = json.dumps([doc.title, doc.text, doc.lines, chunking], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def corpus_hash(settings: Settings) -> str:
    """The hash of every corpus file's name and bytes, and of the catalogs that title
    and name them: a local index is stale when it changes (a title edited in
    ``catalog.json`` alone is cited anew)."""
    catalogs = [f / CATALOG for f in settings.folders().values() if (f / CATALOG).is_file()]
    return fingerprint([*settings.files(), *catalogs])


def why_stale(
    recorded: dict, settings: Settings, model: str | None, corpus: str | None = None
) -> str | None:
    """None when an index recorded as ``recorded`` (its pipeline, chunking, model and,
    when ``corpus`` is given, corpus hash) matches these settings, else why not."""
    if recorded.get("pipeline") != PIPELINE_VERSION:
        return "it was built by another version of the pipeline"
    if recorded.get("chunking") != settings.chunk.to_dict():
        return "the chunk settings changed"
    if corpus is not None and recorded.get("corpus") != corpus:
        return "the documents changed"
    if model is not None and (recorded.get("dense") or {}).get("model") != model:
        return f"it has no vectors for model {model}"
    return None
