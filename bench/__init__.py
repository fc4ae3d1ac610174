"""``rag bench``: this engine side by side with the recipes users would otherwise pick.

Systems, all run on the same machine in one go:

- ``lexical``: this engine, BM25 only;
- ``hybrid``: this engine with an embedding model (the bundled e5-small-q4 by default);
- ``langchain-faiss``: the common recipe, ``RecursiveCharacterTextSplitter(500, 50)`` on the
  raw files and FAISS through langchain-community, with the **same** model through a
  LangChain ``Embeddings`` adapter, so the comparison is like for like;
- ``langchain-bm25``: LangChain's ``BM25Retriever`` (rank_bm25) with jieba tokens over this
  engine's chunks.

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

SYSTEMS = ("lexical", "hybrid", "langchain-faiss", "langchain-bm25")
# Measured at every scale (hybrid up to REAL_VECTORS copies); the others only at scale 1.
SCALED = ("lexical", "hybrid", "langchain-bm25", "langchain-faiss")
REAL_VECTORS = 10
LABELS = {
    "lexical": "(1) this engine, lexical",
    "hybrid": "(2) this engine, hybrid",
    "langchain-faiss": "(3) LangChain splitter + FAISS",
    "langchain-bm25": "(4) LangChain BM25Retriever + jieba",
}
DEFAULT_MODEL = "e5-small-q4"
TOP_K = 5
WARMUP = 5
PEER_PACKAGES = "pip install -e '.[bench]'"


class BenchError(RuntimeError):
    """The benchmark cannot run as asked; the message says why, in one line."""
