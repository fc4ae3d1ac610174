"""What a reader knows of the library: the live documents and the BM25 statistics they
make, kept without any shared counter.

Each document's row holds its own term counts (how many of its passages hold each term)
and its passage and token totals. A term's document frequency is the sum over the live
documents' rows, and so are the totals: a reader adds a document's counts when its row
appears and takes them away when it goes or names another version. Two writers never
read-modify-write the same row, so concurrent writers cannot lose an update.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

#: the fields of a document row a reader lists (all but its term counts)
LISTED = ["doc", "version", "title", "added", "passages", "tokens", "hash", "content"]


@dataclass(frozen=True)
class Live:
    """A live document as its row states it."""

    source: str
    version: str
    title: str
    added: int  # microseconds since the epoch
    passages: int
    tokens: int
    digest: str  # rag.corpus.document_hash: whether it is current
    content: str  # rag.upload.content_hash: whether an upload repeats it

    @classmethod
    def of(cls, row: dict) -> Live:
        return cls(
            row["doc"],
            row["version"],
            row["title"],
            int(row["added"]),
            int(row["passages"]),
            int(row["tokens"]),
            row["hash"],
            row["content"],
        )


def sparse(value) -> dict[int, float]:
    """A sparse vector as Milvus returns it (a dict, rows of one, or a scipy row).

    >>> sparse({"7": 2.0}), sparse([{3: 1.0}])
    ({7: 2.0}, {3: 1.0})
    """
    if isinstance(value, dict):
        return {int(k): float(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return sparse(value[0])
    try:
        coo = value.tocoo()
        return {int(k): float(v) for k, v in zip(coo.col, coo.data)}
    except AttributeError:
        return {}


class Statistics:
    """The live documents and their summed counts; ``update`` moves it to a new listing.
    Readers get consistent values: each update builds the new tables and swaps them in."""

    def __init__(self) -> None:
        self.live: dict[str, Live] = {}
        self.df: dict[int, int] = {}
        self.passages = 0
        self.tokens = 0
        self._counts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def update(self, listed: Iterable[dict], fetch: Callable[[list[str]], list[dict]]) -> None:
        """Catch up with ``listed`` (document rows without their counts); ``fetch`` reads
        whole rows (with ``terms``) of the documents named, as they are now."""
        with self._lock:
            wanted = {r["doc"]: r["version"] for r in listed}
            live = dict(self.live)
            counts = dict(self._counts)
            df = dict(self.df)
            for source, old in self.live.items():
                if wanted.get(source) != old.version:
                    keys, values = counts.pop(source)
                    _add(df, keys, -values)
                    del live[source]
            fresh = [s for s in wanted if s not in live]
            for row in fetch(fresh) if fresh else []:
                doc = Live.of(row)
                if doc.source in live:
                    continue
                terms = sparse(row["terms"])
                keys = np.fromiter(terms.keys(), dtype=np.int64, count=len(terms))
                values = np.fromiter(terms.values(), dtype=np.float64, count=len(terms))
                counts[doc.source] = (keys, values.astype(np.int64))
                _add(df, keys, counts[doc.source][1])
                live[doc.source] = doc
            self.df, self._counts, self.live = df, counts, live
            self.passages = sum(d.passages for d in live.values())
            self.tokens = sum(d.tokens for d in live.values())

    def version(self, source: str) -> str | None:
        doc = self.live.get(source)
        return doc.version if doc is not None else None

    def is_live(self, source: str, version: str) -> bool:
        doc = self.live.get(source)
        return doc is not None and doc.version == version


def _add(df: dict[int, int], keys: np.ndarray, values: np.ndarray) -> None:
    for key, value in zip(keys.tolist(), values.tolist()):
        n = df.get(key, 0) + value
        if n > 0:
            df[key] = n
        else:
            df.pop(key, None)
