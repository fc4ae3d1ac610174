"""The Milvus store: one set of collections shared by every process that answers, and
that holds the whole library (passages, vectors, documents, their names and files).

``--store PATH.db`` runs Milvus Lite (the Milvus engine in-process, on a local file);
``--store http(s)://host:port`` talks to a Milvus standalone or cluster (token from
``RAG_MILVUS_TOKEN``). The engine's method does not change: the store returns
candidates and the statistics that weigh them (see rag.backend).

Its parts: ``connection`` (reaching Milvus), ``schema`` (the collections), ``statistics``
(the live documents and their BM25 statistics), ``reading``, ``writing``, ``store`` (the
``Store`` interface over them) and ``indexing`` (``rag index --store``: ``sync``).
"""

from rag.milvus.connection import StoreUnavailable, connect, is_milvus
from rag.milvus.indexing import sync
from rag.milvus.store import MilvusStore

__all__ = ["MilvusStore", "StoreUnavailable", "connect", "is_milvus", "sync"]
