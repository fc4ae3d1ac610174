"""The systems compared: this engine (lexical, hybrid) and the LangChain recipes."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bench import PEER_PACKAGES, REAL_VECTORS, SYSTEMS, TOP_K, BenchError

_QUIET = {"say": lambda _message: None}


class EngineSystem:
    """This engine, built and queried through its library API."""

    def __init__(self, mode: str, model: str | None, milvus: bool = False) -> None:
        self.mode = mode
        self.model = model
        self.milvus = milvus
        self.embedder = None
        self.engine = None
        self.notes = ["Milvus Lite store (a local .db file)"] if milvus else []

    def prepare(self) -> None:
        if self.mode == "hybrid":
            self.embedder = _embedder(self.model)

    def build(self, corpus: Path, work: Path) -> int:
        from rag.build import build
        from rag.engine import open_engine
        from rag.settings import Settings

        store = str(work / "milvus.db") if self.milvus else ""
        settings = Settings(seeds=corpus, index=work / "index", mode=self.mode, store=store)
        if self.milvus:
            from rag.milvus import sync

            sync(settings, self.embedder, progress=False, mirror=True, **_QUIET)
        else:
            build(settings, self.embedder, progress=False, **_QUIET)
        self.engine = open_engine(settings, self.embedder, progress=False, **_QUIET)
        if self.mode == "hybrid":
            trust = self.engine.trust
            self.notes.append(
                f"model trust {trust:.2f} (self-retrieval calibration); "
                + ("vectors never consulted, ranking = lexical" if trust == 0 else "fused")
            )
        return self.engine.store.passage_count()

    def search(self, question: str, k: int) -> list[str]:
        return [h.chunk.text for h in self.engine.search(question, k=k, mode=self.mode)]

    def add_one(self, times: int = 3) -> list[float]:
        """Seconds each of ``times`` uploads took to be added through the store's own
        writer (``Store.add``): a rebuild of the local folder, the document's rows alone
        on Milvus."""
        from rag.records import NewDocument
        from rag.upload import content_hash

        took = []
        for n in range(times):
            text = f"基准新增文件{n}\n\n横琴合作区本月新设{n + 7}家商事调解中心。\n"
            new = NewDocument(
                f"uploads/bench-{n}.txt", f"基准新增文件{n}", text, content_hash(text)
            )
            start = time.perf_counter()
            self.engine.store.add([new], self.embedder if self.mode == "hybrid" else None)
            took.append(time.perf_counter() - start)
        return took

    def answer(self, question: str, k: int) -> None:
        self.engine.ask(question, k=k, mode=self.mode)


class LangChainFaiss:
    """The common recipe: split the raw files, embed, FAISS (langchain-community)."""

    def __init__(self, model: str | None, random_vectors: bool) -> None:
        self.model = model
        self.random_vectors = random_vectors
        self.store = None
        self.notes = ["RecursiveCharacterTextSplitter(500, 50) on the raw files, IndexFlatL2"]

    def prepare(self) -> None:
        self.embeddings = LangChainEmbeddings(_embedder(self.model))

    def build(self, corpus: Path, work: Path) -> int:
        from rag.ingest import decode, source_files

        FAISS = _peer("langchain_community.vectorstores", "FAISS")
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
        files = source_files([corpus])
        docs = splitter.create_documents(
            [decode(p.read_bytes()) for p in files], [{"source": p.name} for p in files]
        )
        texts = [d.page_content for d in docs]
        metadatas = [d.metadata for d in docs]
        if self.random_vectors:
            dim = len(self.embeddings.embed_query("维度"))
            rng = np.random.default_rng(0)
            vectors = rng.standard_normal((len(texts), dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            self.store = FAISS.from_embeddings(
                list(zip(texts, vectors.tolist())), self.embeddings, metadatas=metadatas
            )
            self.notes.append(
                "random unit vectors: build time excludes encoding, answers are meaningless; "
                "queries are still encoded by the model"
            )
        else:
            self.store = FAISS.from_texts(texts, self.embeddings, metadatas=metadatas)
        return len(texts)

    def search(self, question: str, k: int) -> list[str]:
        return [d.page_content for d in self.store.similarity_search(question, k=k)]


class LangChainBM25:
    """LangChain's BM25Retriever (rank_bm25) with jieba tokens, over this engine's chunks."""

    def __init__(self) -> None:
        self.retriever = None
        self.notes = ["BM25Okapi over jieba.lcut tokens; build includes reading and chunking"]

    def prepare(self) -> None:
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()

    def build(self, corpus: Path, work: Path) -> int:
        import jieba

        BM25Retriever = _peer("langchain_community.retrievers", "BM25Retriever")
        from rag.chunk import chunk_documents
        from rag.ingest import read_folder

        texts = [c.text for c in chunk_documents(read_folder(corpus))]
        self.retriever = BM25Retriever.from_texts(texts, preprocess_func=jieba.lcut, k=TOP_K)
        return len(texts)

    def search(self, question: str, k: int) -> list[str]:
        self.retriever.k = k
        return [d.page_content for d in self.retriever.invoke(question)]


def _embedder(model: str | None):
    from rag.embed import load_embedder

    embedder, reason = load_embedder(model)
    if embedder is None:
        raise BenchError(reason)
    return embedder


class LangChainEmbeddings(Embeddings):
    """A LangChain ``Embeddings`` over this product's embedder, so that the LangChain
    recipe and this engine use the very same model.

    >>> import numpy as np
    >>> class Unit:
    ...     def embed(self, texts, kind="passage"):
    ...         return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)
    >>> [round(x, 4) for x in LangChainEmbeddings(Unit()).embed_query("问题")]
    [0.7071, 0.7071]
    """

    def __init__(self, embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), 8):
            out += self.embedder.embed(texts[start : start + 8], kind="passage").tolist()
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text], kind="query")[0].tolist()


def _peer(module: str, name: str):
    import importlib
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise BenchError(f"{module} is not installed; the peers need: {PEER_PACKAGES}") from exc


def make_system(name: str, scale: int, model: str | None):
    if name == "lexical":
        return EngineSystem("lexical", None)
    if name == "hybrid":
        return EngineSystem("hybrid", model)
    if name == "milvus":
        return EngineSystem("lexical", None, milvus=True)
    if name == "milvus-hybrid":
        return EngineSystem("hybrid", model, milvus=True)
    if name == "langchain-faiss":
        return LangChainFaiss(model, random_vectors=scale > REAL_VECTORS)
    if name == "langchain-bm25":
        return LangChainBM25()
    raise BenchError(f"unknown system {name!r}; choose from {', '.join(SYSTEMS)}")
