"""Synthetic corpora (N perturbed copies of the seeds) and the queries that are timed."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from bench import BenchError

_PARAGRAPH_END = re.compile(r"[。！？!?；;：:”」』）)]\s*$")
_NUMBER = re.compile(r"\d+")


def perturb(text: str, rng: random.Random) -> str:
    """A different document of the same size and style: paragraphs (runs of blank-line
    separated blocks up to a sentence end) shuffled after the first, every figure changed.

    >>> t = "标题\\n\\n甲段落，共有12家。\\n\\n乙段落。\\n\\n丙段落。"
    >>> p = perturb(t, random.Random(1))
    >>> "共有12家" in p, p.startswith("标题"), len(p) == len(t)
    (False, True, True)
    """
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for block in re.split(r"\n[ \t\u3000]*\n", text):
        current.append(block)
        if _PARAGRAPH_END.search(block):
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    head, rest = paragraphs[:1], paragraphs[1:]
    rng.shuffle(rest)
    out = "\n\n".join(b for p in head + rest for b in p)
    return _NUMBER.sub(lambda m: _other_number(m.group(), rng), out)


def _other_number(digits: str, rng: random.Random) -> str:
    """Another number with as many digits."""
    while True:
        new = str(rng.randint(1, 9) if len(digits) > 1 else rng.randint(0, 9))
        new += "".join(str(rng.randint(0, 9)) for _ in digits[1:])
        if new != digits:
            return new


def synthesize(seeds: Path, scale: int, dest: Path, seed: int = 0) -> Path:
    """Write ``scale`` copies of the seed documents to ``dest``: copy 0 as it is, the
    others perturbed. The catalog's titles are carried over, marked per copy."""
    from rag.ingest import decode, load_catalog, source_files

    files = source_files([seeds])
    if not files:
        raise BenchError(f"no .txt or .md documents in {seeds}")
    catalog = load_catalog(seeds)
    dest.mkdir(parents=True, exist_ok=True)
    out_catalog = {}
    for copy in range(scale):
        rng = random.Random(seed * 1_000_003 + copy)
        for path in files:
            text = decode(path.read_bytes())
            name = f"c{copy:03d}_{path.name}"
            (dest / name).write_text(text if copy == 0 else perturb(text, rng), encoding="utf-8")
            if path.name in catalog:
                entry = dict(catalog[path.name])
                if copy:
                    entry["title"] = f"{entry.get('title', path.stem)}（合成副本 {copy}）"
                out_catalog[name] = entry
    (dest / "catalog.json").write_text(
        json.dumps(out_catalog, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return dest


def latency_queries(questions: list[dict], seeds: Path, n: int, seed: int = 0) -> list[str]:
    """At least ``n`` queries: every question, then clauses drawn from the documents,
    repeated when there are too few."""
    from rag.chunk import sentences
    from rag.ingest import read_folder

    queries = [q["question"] for q in questions]
    pool = [
        s
        for doc in read_folder(seeds)
        for s in sentences(doc.text.replace("\n", ""))
        if 10 <= len(s) <= 60
    ]
    rng = random.Random(seed)
    while len(queries) < n and pool:
        queries.append(pool.pop(rng.randrange(len(pool))))
    # A small corpus runs out of clauses: then the same queries come round again.
    distinct = list(queries)
    while distinct and len(queries) < n:
        queries.extend(distinct[: n - len(queries)])
    return queries
