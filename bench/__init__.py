"""``rag bench``: this engine side by side with the recipes users would otherwise pick.

Systems, all run on the same machine in one go:

- ``lexical``: this engine, BM25 only;
- ``hybrid``: this engine with an embedding model (the bundled e5-small-q4 by default);
- ``langchain-faiss``: the common recipe, ``RecursiveCharacterTextSplitter(500, 50)`` on the
  raw files and FAISS through langchain-community, with the **same** model through a
  LangChain ``Embeddings`` adapter, so the comparison is like for like;
- ``langchain-bm25``: LangChain's ``BM25Retriever`` (rank_bm25) with jieba tokens over this
  engine's chunks;
- ``milvus``, ``milvus-hybrid``: this engine, lexical and hybrid, with its passages in a
  Milvus Lite store (``--store PATH.db``) instead of the index folder.

Each (system, scale) runs in its own Python process, so its peak RSS is its own. At
scale N > 1 the corpus is N copies of the seeds, each but the first perturbed (paragraphs
shuffled, figures changed). Up to ``REAL_VECTORS`` copies both systems with a model embed
for real; beyond, the FAISS recipe indexes random unit vectors and says so in its notes,
and this engine's hybrid mode is not run, because encoding that many passages on a
2-core CPU takes hours.

The package is split by job: ``corpus`` (synthetic scale-up), ``systems`` (this engine
and its peers), ``runner`` (one process per measured run) and ``report`` (tables, targets,
plot). Nothing in ``rag`` imports it.
"""

from __future__ import annotations

SYSTEMS = ("lexical", "hybrid", "langchain-faiss", "langchain-bm25", "milvus", "milvus-hybrid")
# Measured at every scale (the hybrid ones up to REAL_VECTORS copies).
SCALED = SYSTEMS
REAL_VECTORS = 10
LABELS = {
    "lexical": "(1) this engine, lexical",
    "hybrid": "(2) this engine, hybrid",
    "langchain-faiss": "(3) LangChain splitter + FAISS",
    "langchain-bm25": "(4) LangChain BM25Retriever + jieba",
    "milvus": "(5) this engine, lexical, Milvus Lite",
    "milvus-hybrid": "(6) this engine, hybrid, Milvus Lite",
}
# The open-book run (``--open-book``): documents no one here wrote, with answerable and
# absent questions; recorded with this scale.
OPEN_BOOK = 0
OPEN_BOOK_SYSTEMS = ("lexical", "hybrid", "langchain-faiss", "langchain-bm25")
DEFAULT_MODEL = "e5-small-q4"
TOP_K = 5
WARMUP = 5
PEER_PACKAGES = "pip install -e '.[bench]'"


class BenchError(RuntimeError):
    """The benchmark cannot run as asked; the message says why, in one line."""
