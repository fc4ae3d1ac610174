"""What a writer does to Milvus: write one document, remove one. No row is read,
changed and written back: a document's rows are new rows under a fresh version, and its
document row, written last, is its commit. A writer that dies before it leaves rows no
document row names, which no reader uses; ``sweep`` (run by ``rag index --store``)
deletes them, as those of a removal cut short.

A writer deletes no rows but its own and those of the version it replaced: two writers
of one document at once each keep the other's rows until the other has committed or
given up. An upload (``fresh``) never replaces a document: when another writer commits
one of the same name first, on another replica, or of a name that differs only in width
or case, the upload gives way (``NameTaken``) and is written again under a name of its
own."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter

import numpy as np

from rag.chunk import cut_edges, sentences
from rag.milvus.connection import Collections
from rag.milvus.schema import FILE_PART, NIL, TITLE, keyed, sentence_id, term_key
from rag.records import Chunk, Document
from rag.tokenize import tokenize


def passage_terms(chunk: Chunk) -> list[str]:
    """What BM25 sees of a passage (rag.build.index_text); a placeholder when nothing."""
    return tokenize(f"{chunk.title}\n{chunk.text}") or ["\x00"]


class NameTaken(Exception):
    """Another writer committed a document of this name while an upload was written."""


def _rivals(cols: Collections, source: str) -> list[dict]:
    """The documents whose names differ from ``source`` only in width or case
    (``Report.txt`` and ``ＲＥＰＯＲＴ.txt``), which no reader could tell apart: their
    ``doc``, ``version`` and ``added``. Reads the names of the documents in ``source``'s
    folder."""
    from rag.upload import name_key

    key = name_key(source)
    folder = source.rpartition("/")[0]
    expr = f"doc like {json.dumps(folder + '/%', ensure_ascii=False)}" if folder else ""
    return [
        row
        for row in cols.query("documents", ["doc", "version", "added"], expr)
        if row["doc"] != source and name_key(row["doc"]) == key
    ]


def _first(rivals: list[dict], added: int, version: str) -> bool:
    """Whether one of ``rivals`` was committed before a document committed at ``added``
    under ``version``: the later of two names that read alike gives way."""
    return any((r["added"], r["version"]) < (added, version) for r in rivals)


def _live(cols: Collections, source: str) -> str | None:
    """The version a document's row names, or None when there is no such document."""
    rows = cols.get("documents", [source], ["version"])
    return rows[0]["version"] if rows else None


def write(
    cols: Collections,
    doc: Document,
    original: str,
    chunks: list[Chunk],
    vectors: dict[str, np.ndarray] | None,
    digest: str,
    content: str,
    fresh: bool = False,
    version: str | None = None,
) -> str:
    """Write one document (new, or a new version of one) and commit it; return its
    version. Readers see the previous version, or none, until the document row is in.
    ``fresh``: an upload under a name no document had; NameTaken when one took it
    meanwhile, with nothing of this write left behind. ``version``: the one to write
    under (a fresh one when None), so that a caller can undo a write that failed late."""
    prior = _live(cols, doc.source)
    if fresh and (prior is not None or _rivals(cols, doc.source)):
        raise NameTaken(doc.source)
    version = version or new_version()
    owned = {"doc": doc.source, "version": version}
    edges = cut_edges(chunks)
    rows, df, tokens = [], Counter(), 0
    for c in chunks:
        tf = Counter(term_key(t) for t in passage_terms(c))
        df.update(tf.keys())
        tokens += sum(tf.values())
        head, tail = edges[c.id]
        rows.append(
            {
                "key": keyed(c.id, version),
                "id": c.id,
                **owned,
                "title": c.title[:TITLE],
                "text": c.text,
                "first_line": c.first_line,
                "last_line": c.last_line,
                "head": head,
                "tail": tail,
                "length": sum(tf.values()),
                "terms": {k: float(n) for k, n in tf.items()},
            }
        )
    cols.insert("passages", rows)
    if vectors is not None:
        holders: dict[str, list[str]] = {}
        for c in chunks:
            for s in sentences(c.text):
                ids = holders.setdefault(s, [])
                if c.id not in ids:
                    ids.append(c.id)
        rows = [
            {
                "key": keyed(sentence_id(doc.source, s), version),
                **owned,
                "owners": "\n".join(ids),
                "vector": np.asarray(vectors[s], dtype=np.float32).tolist(),
            }
            for s, ids in holders.items()
        ]
        cols.insert("sentences", rows)
    parts = [original[i : i + FILE_PART] for i in range(0, len(original), FILE_PART)] or [""]
    cols.insert(
        "files",
        [
            {"key": f"{keyed(doc.source, version)}#{n}", **owned, "part": n, "text": t, "v": NIL}
            for n, t in enumerate(parts)
        ],
    )
    commit = {
        **owned,
        "title": doc.title[:TITLE],
        "passages": len(chunks),
        "tokens": tokens,
        "hash": digest,
        "content": content,
        "terms": {k: float(n) for k, n in df.items()},
    }
    mine = f"version == {json.dumps(version)}"
    # The name is looked up last, right before the commit: the shorter the time between,
    # the less likely another writer commits it unseen.
    if fresh and _live(cols, doc.source) is not None:
        _delete_rows(cols, doc.source, mine)
        raise NameTaken(doc.source)
    # The time of adding is taken after every check: of two names that read alike, the
    # one committed first has the earlier time (on replicas whose clocks agree).
    commit["added"] = time.time_ns() // 1000
    cols.upsert("documents", [commit])
    changed(cols)
    winner = _live(cols, doc.source) or version
    if winner != version:
        # Another writer committed the same document after us: its version stands.
        _delete_rows(cols, doc.source, mine)
        if fresh:
            raise NameTaken(doc.source)
        return winner
    if fresh and _first(_rivals(cols, doc.source), commit["added"], version):
        # Another replica committed a name that reads the same (ABC.docx, abc.docx)
        # while this one wrote: the first stands, this upload is written again.
        if not remove(cols, doc.source, version):
            _delete_rows(cols, doc.source, mine)
        raise NameTaken(doc.source)
    if fresh and _live(cols, doc.source) != version:
        # Another upload of the name committed over this one after the check above.
        _delete_rows(cols, doc.source, mine)
        raise NameTaken(doc.source)
    if prior is not None and prior != version:
        _delete_rows(cols, doc.source, f"version == {json.dumps(prior)}")
    return version


# A write takes seconds (a long document, minutes); rows of a version no document row
# names are taken for a dead writer's only when older than this.
DEAD_AFTER_S = 3600


def new_version() -> str:
    """A fresh version: the time it was made (milliseconds, hexadecimal, so that
    versions sort by age), then a random part.

    >>> a = new_version(); len(a), version_time(a) <= time.time()
    (20, True)
    """
    return f"{time.time_ns() // 1_000_000:012x}{uuid.uuid4().hex[:8]}"


def version_time(version: str) -> float:
    """When a version was made (seconds since the epoch); 0 for one of an older layout,
    which gave versions no time.

    >>> version_time("0190f0d1c3a5" + "ab12cd34") > 1.7e9, version_time("3f2a9c0d1e4b5a6c")
    (True, 0.0)
    """
    if len(version) != 20:
        return 0.0
    try:
        return int(version[:12], 16) / 1000
    except ValueError:
        return 0.0


def sweep(cols: Collections, is_live, now: float | None = None) -> int:
    """Delete the rows no reader uses: those of a version no document row names (a
    writer died, a removal was cut short), once older than ``DEAD_AFTER_S`` so that a
    write still under way is left alone. ``is_live(doc, version)`` says which rows are
    used. Reads every row's name, a page at a time; returns how many rows went."""
    cutoff = (time.time() if now is None else now) - DEAD_AFTER_S
    gone = 0
    for part in ("passages", "sentences", "files"):
        if not cols.has(part):  # a store without vectors has no sentences
            continue
        dead = [
            row["key"]
            for page in cols.pages(part, ["key", "doc", "version"])
            for row in page
            if not is_live(row["doc"], row["version"]) and version_time(row["version"]) < cutoff
        ]
        for start in range(0, len(dead), 200):
            keys = json.dumps(dead[start : start + 200], ensure_ascii=False)
            cols.delete(part, f"key in {keys}")
        gone += len(dead)
    return gone


def remove(cols: Collections, source: str, version: str | None = None) -> bool:
    """Remove a document: its row first (readers stop using it), then its other rows.
    With ``version``, only while that version is the live one (a writer undoing its own
    write leaves another writer's document of the same name alone)."""
    live = _live(cols, source)
    if live is None or (version is not None and live != version):
        return False
    quoted = json.dumps(source, ensure_ascii=False)
    cols.delete("documents", f"doc == {quoted}")
    changed(cols)
    _delete_rows(cols, source, f"version == {json.dumps(live)}")
    return True


def changed(cols: Collections) -> None:
    """Tell readers the library changed: a fresh token, overwritten, never read back."""
    row = {"key": "changed", "value": uuid.uuid4().hex, "v": NIL}
    cols.upsert("meta", [row])


def _delete_rows(cols: Collections, source: str, which: str) -> None:
    expr = f"doc == {json.dumps(source, ensure_ascii=False)} and {which}"
    for part in ("passages", "sentences", "files"):
        cols.delete(part, expr)
