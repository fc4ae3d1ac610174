"""What the engine reads from Milvus: keyword and vector candidates, passages, sentence
closeness and a document's file. Rows of a document are used only under the version its
document row names (``Statistics.live``): a document half written, or being replaced or
removed, is never seen."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

import numpy as np

from rag.chunk import sentences
from rag.milvus.connection import Collections
from rag.milvus.schema import keyed, sentence_id, term_key
from rag.milvus.statistics import Statistics, sparse
from rag.records import Chunk
from rag.scoring import bm25, idf

# Candidates a keyword search takes from Milvus before BM25 scores them.
KEYWORD_POOL = 400
PASSAGE_FIELDS = ["id", "doc", "title", "text", "first_line", "last_line", "head", "tail"]


def keyword(cols: Collections, stats: Statistics, tokens: list[str], k: int):
    """BM25 over candidates Milvus finds by ``sum(idf × tf)`` (see rag.scoring.bm25)."""
    counts = Counter(t for t in tokens if stats.df.get(term_key(t)))
    if not counts or k <= 0:
        return []
    n = stats.passages
    weights: dict[int, float] = {}
    for t, c in counts.items():
        key = term_key(t)
        weights[key] = weights.get(key, 0.0) + c * idf(stats.df.get(key, 0), n)
    found = cols.call(
        cols.client.search,
        cols.name("passages"),
        data=[weights],
        anns_field="terms",
        limit=max(KEYWORD_POOL, k),
        output_fields=["id", "doc", "version", "terms", "length"],
        search_params={"metric_type": "IP"},
    )
    average = stats.tokens / max(n, 1) or 1.0
    scored = []
    for hit in found[0] if found else []:
        row = hit.get("entity", hit)
        if not stats.is_live(row["doc"], row["version"]):
            continue
        score = bm25(weights, sparse(row["terms"]), int(row["length"]), average)
        if score > 0:
            scored.append((row["id"], score))
    scored.sort(key=lambda x: (-x[1], x[0]))
    return scored[:k]


def vector(cols: Collections, stats: Statistics, query: np.ndarray, k: int):
    """Sentences closest to ``query``, with the passages that hold each, best first."""
    found = cols.call(
        cols.client.search,
        cols.name("sentences"),
        data=[np.asarray(query, dtype=np.float32).tolist()],
        anns_field="vector",
        limit=max(4 * k, 200),
        output_fields=["owners", "doc", "version"],
        search_params={"metric_type": "IP"},
    )
    for hit in found[0] if found else []:
        row = hit["entity"]
        if stats.is_live(row["doc"], row["version"]):
            yield row["owners"].split("\n"), float(hit["distance"])


def passages(cols: Collections, stats: Statistics, ids: Sequence[str]) -> list[dict]:
    """The rows of the live passages named (any order); ids of no live document are
    left out."""
    keys = []
    for i in ids:
        version = stats.version(i.rpartition("#")[0])
        if version is not None:
            keys.append(keyed(i, version))
    return cols.get("passages", keys, PASSAGE_FIELDS) if keys else []


def chunk(row: dict) -> Chunk:
    return Chunk(
        row["id"], row["doc"], row["title"], row["text"], row["first_line"], row["last_line"]
    )


def closeness(cols: Collections, stats: Statistics, query: np.ndarray, passage: Chunk):
    """The cosine of ``query`` and each sentence of ``passage``, in order."""
    version = stats.version(passage.source)
    ids = [sentence_id(passage.source, s) for s in sentences(passage.text)]
    if version is None or not ids:
        return [0.0] * len(ids)
    rows = cols.get("sentences", [keyed(i, version) for i in set(ids)], ["key", "vector"])
    sims = {
        r["key"].rpartition("@")[0]: float(np.asarray(r["vector"], dtype=np.float32) @ query)
        for r in rows
    }
    return [sims.get(i, 0.0) for i in ids]


def original(cols: Collections, stats: Statistics, source: str) -> str | None:
    """The text of the file a live document was read from, or None."""
    version = stats.version(source)
    if version is None:
        return None
    expr = f"doc == {json.dumps(source, ensure_ascii=False)} and version == {json.dumps(version)}"
    rows = cols.query("files", ["part", "text"], expr)
    return "".join(r["text"] for r in sorted(rows, key=lambda r: r["part"]))
