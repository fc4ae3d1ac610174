"""Reaching Milvus: one client per store, every call with a timeout, every failure one
line that names the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rag.store import IndexProblem

PREFIX = "gba_rag"
TIMEOUT = 10.0
# Rows written or read per call.
PAGE = 1000
# pymilvus pings an idle connection every 10 s; a server that allows fewer pings (Milvus
# Lite's gRPC server: one in 5 minutes) answers with GOAWAY too_many_pings, which gRPC
# logs on stderr before it reconnects. The connection is checked when it is used instead:
# one dropped while idle (by a NAT between replica and server) fails the next call, once.
GRPC_OPTIONS = {"grpc.keepalive_permit_without_calls": False}


class StoreUnavailable(IndexProblem):
    """The Milvus store cannot be used; the message names it, in one line."""


def is_milvus(uri: str) -> bool:
    """True for a store URI that names Milvus rather than the local index folder.

    >>> is_milvus("/data/gba.db"), is_milvus("http://milvus:19530"), is_milvus("")
    (True, True, False)
    """
    return uri.endswith(".db") or uri.startswith(("http://", "https://"))


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _quiet() -> None:
    """pymilvus logs every failure (StoreUnavailable says it in one line) and warns on
    every paged query against Milvus Lite."""
    import logging

    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    # Milvus Lite's in-process server logs each call its paged queries make that it does
    # not implement (AllocTimestamp); the client then falls back to its own clock.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    # Milvus Lite logs a traceback when its .db file is held by another process before
    # the call fails; StoreUnavailable says so in one line.
    logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)


def connect(uri: str, token: str = "", timeout: float = TIMEOUT):
    """A client for ``uri``, checked with one round trip; StoreUnavailable (one line,
    naming the URI) when the extra is missing or the store cannot be reached."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise StoreUnavailable(
            f"the Milvus store {uri} needs the milvus extra: pip install -e '.[milvus]'"
        ) from None
    _quiet()
    if uri.endswith(".db"):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        client = MilvusClient(uri=uri, token=token, timeout=timeout, grpc_options=GRPC_OPTIONS)
        client.list_collections(timeout=timeout)
    except Exception as exc:
        raise StoreUnavailable(f"cannot use the Milvus store {uri}: {one_line(exc)}") from None
    return client


class Collections:
    """The store's collections (``<prefix>_<part>``) on one client: calls with a timeout,
    paged writes and reads, failures as StoreUnavailable."""

    def __init__(self, client, uri: str, prefix: str = PREFIX, timeout: float = TIMEOUT):
        self.client = client
        self.uri = uri
        self.prefix = prefix
        self.timeout = timeout

    def name(self, part: str) -> str:
        return f"{self.prefix}_{part}"

    def call(self, method: Callable, *args, **kwargs):
        try:
            return method(*args, timeout=self.timeout, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(f"the Milvus store {self.uri} failed: {one_line(exc)}") from None

    def has(self, part: str) -> bool:
        return bool(self.call(self.client.has_collection, self.name(part)))

    def insert(self, part: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), PAGE):
            self.call(self.client.insert, self.name(part), data=rows[start : start + PAGE])

    def upsert(self, part: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), PAGE):
            self.call(self.client.upsert, self.name(part), data=rows[start : start + PAGE])

    def get(self, part: str, ids: list[str], fields: list[str]) -> list[dict]:
        rows: list[dict] = []
        for start in range(0, len(ids), PAGE):
            page = ids[start : start + PAGE]
            rows += self.call(self.client.get, self.name(part), ids=page, output_fields=fields)
        return rows

    def delete(self, part: str, expr: str) -> None:
        if self.has(part):
            self.call(self.client.delete, self.name(part), filter=expr)

    def pages(self, part: str, fields: list[str], expr: str = ""):
        """Every row matching ``expr`` (all rows when empty), a page at a time: memory
        holds one page, whatever the collection's size."""
        try:
            it = self.client.query_iterator(
                self.name(part),
                batch_size=PAGE,
                filter=expr,
                output_fields=fields,
                timeout=self.timeout,
            )
            while True:
                page = it.next()
                if not page:
                    it.close()
                    return
                yield page
        except Exception as exc:
            raise StoreUnavailable(f"the Milvus store {self.uri} failed: {one_line(exc)}") from None

    def query(self, part: str, fields: list[str], expr: str = "") -> list[dict]:
        return [row for page in self.pages(part, fields, expr) for row in page]
