"""The collections a Milvus store is made of, and how their rows are keyed.

Every row of a document carries the document (``doc``: its cited source) and the
``version`` it was written under, a fresh token for each write of that document:

- ``passages``: one row per passage (key ``<chunk id>@<version>``): title, text, lines,
  whether the splitter cut its first/last sentence, token count, and a sparse vector of
  its term frequencies under the engine's own tokenizer (a term keyed by its CRC-32).
- ``sentences``: one row per distinct sentence of a document (key
  ``<doc>|<sha1>@<version>``), its dense vector and the passages that hold it.
- ``files``: the text of the file a document was read from (the viewer shows its lines),
  in parts (key ``<doc>@<version>#<n>``).
- ``documents``: one row per document (key ``doc``), written **last**: it names the live
  version, and holds the title, the original name's time of adding, the content hashes,
  the passage and token totals, and the document's term counts (how many of its passages
  hold each term) as a sparse vector. Its presence is the document's commit.
- ``meta``: the store's settings (pipeline, chunking, model and calibration) and a
  change token each writer overwrites after a commit.
"""

from __future__ import annotations

import hashlib
import zlib

from rag.milvus.connection import Collections

PARTS = ("passages", "sentences", "files", "documents", "meta")
MAX_TEXT = 65535  # bytes in a VARCHAR
SHORT = 4096  # names and titles: room for 1,000 Chinese characters
TITLE = 1000
# Characters of a file per ``files`` row: four bytes each at most.
FILE_PART = MAX_TEXT // 4 - 100
# Milvus needs a vector in every collection; bookkeeping rows carry this one.
NIL = [0.0, 0.0]


def term_key(term: str) -> int:
    """A term as a sparse-vector dimension.

    >>> term_key("深圳")
    1447268780
    """
    return zlib.crc32(term.encode("utf-8"))


def sentence_id(source: str, sentence: str) -> str:
    return f"{source}|{hashlib.sha1(sentence.encode('utf-8')).hexdigest()[:20]}"


def keyed(key: str, version: str) -> str:
    """A row's primary key: what it names, under the version it was written for."""
    return f"{key}@{version}"


def schema(key: str, *fields):
    """A collection's schema: a VARCHAR primary ``key``, then (name, type, options) each."""
    from pymilvus import DataType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field(key, DataType.VARCHAR, is_primary=True, max_length=SHORT)
    for name, kind, extra in fields:
        s.add_field(name, kind, **extra)
    return s


def make(cols: Collections, part: str, s, field: str, index: str, metric: str) -> None:
    """Create collection ``part`` with schema ``s`` and an index on ``field``."""
    params = cols.client.prepare_index_params()
    params.add_index(field_name=field, index_type=index, metric_type=metric)
    # Strong: a reader sees a commit as soon as the writer's call returned.
    cols.call(
        cols.client.create_collection,
        cols.name(part),
        schema=s,
        index_params=params,
        consistency_level="Strong",
    )


def create(cols: Collections, dim: int | None) -> None:
    """Create the collections (``dim``: the model's, or None for keyword search only)."""
    from pymilvus import DataType

    text = {"max_length": MAX_TEXT}
    short = {"max_length": SHORT}
    owned = (("doc", DataType.VARCHAR, short), ("version", DataType.VARCHAR, {"max_length": 64}))
    whole = {"max_length": 64}
    nil = ("v", DataType.FLOAT_VECTOR, {"dim": 2})
    make(
        cols,
        "passages",
        schema(
            "key",
            ("id", DataType.VARCHAR, short),
            *owned,
            ("title", DataType.VARCHAR, short),
            ("text", DataType.VARCHAR, text),
            ("first_line", DataType.INT64, {}),
            ("last_line", DataType.INT64, {}),
            ("head", DataType.BOOL, {}),
            ("tail", DataType.BOOL, {}),
            ("length", DataType.INT64, {}),
            ("terms", DataType.SPARSE_FLOAT_VECTOR, {}),
        ),
        "terms",
        "SPARSE_INVERTED_INDEX",
        "IP",
    )
    if dim:
        make(
            cols,
            "sentences",
            schema(
                "key",
                *owned,
                ("owners", DataType.VARCHAR, text),
                ("vector", DataType.FLOAT_VECTOR, {"dim": dim}),
            ),
            "vector",
            "FLAT",
            "IP",
        )
    make(
        cols,
        "files",
        schema("key", *owned, ("part", DataType.INT64, {}), ("text", DataType.VARCHAR, text), nil),
        "v",
        "FLAT",
        "L2",
    )
    make(
        cols,
        "documents",
        schema(
            "doc",
            ("version", DataType.VARCHAR, whole),
            ("title", DataType.VARCHAR, short),
            ("added", DataType.INT64, {}),
            ("passages", DataType.INT64, {}),
            ("tokens", DataType.INT64, {}),
            ("hash", DataType.VARCHAR, whole),
            ("content", DataType.VARCHAR, whole),
            ("terms", DataType.SPARSE_FLOAT_VECTOR, {}),
        ),
        "terms",
        "SPARSE_INVERTED_INDEX",
        "IP",
    )
    make(cols, "meta", schema("key", ("value", DataType.VARCHAR, text), nil), "v", "FLAT", "L2")


def exists(cols: Collections) -> bool:
    return cols.has("meta") and cols.has("documents")


def drop(cols: Collections) -> None:
    for part in PARTS:
        if cols.has(part):
            cols.call(cols.client.drop_collection, cols.name(part))


def load(cols: Collections) -> None:
    """Load the existing collections into memory (Milvus serves only loaded ones)."""
    for part in PARTS:
        if cols.has(part):
            cols.call(cols.client.load_collection, cols.name(part))


def flush(cols: Collections) -> None:
    """Seal what was written: Milvus searches rows still in growing segments by brute
    force (Milvus Lite: ~600 ms instead of ~80 ms a question at 2,500 passages)."""
    for part in PARTS:
        if cols.has(part):
            cols.call(cols.client.flush, cols.name(part))
