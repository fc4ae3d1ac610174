"""Score batch results against questions with answer keys, the way the project's scorer
does: NFKC, all whitespace removed, a passage is relevant when it contains a key, an
answer counts when it contains a key and is at most 240 normalised characters, and a
cited passage is faithful when its text is found in the lines it cites."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from rag.settings import check_history

KINDS = ("fact", "num", "para", "trad", "en", "none")
MAX_ANSWER = 240
_WS = re.compile(r"\s+")


def norm(text: str | None) -> str:
    """The scorer's normal form: NFKC, no whitespace.

    >>> norm("累计 设立\\n外资企业 ５２００家")
    '累计设立外资企业5200家'
    """
    return _WS.sub("", unicodedata.normalize("NFKC", text or ""))


def read_questions(path: Path) -> tuple[list[dict], list[tuple[int, str]]]:
    """The usable lines of a JSONL question file, each with a string ``id`` (``line<n>``
    when absent), and the (line number, reason) of every line that is not usable."""
    rows, bad = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
                question = row.get("question")
                if not isinstance(question, str) or not question.strip():
                    raise ValueError('no "question" text')
                row["history"] = check_history(row.get("history"))
            except ValueError as exc:
                bad.append((n, str(exc)))
                continue
            row["id"] = str(row.get("id", f"line{n}"))
            rows.append(row)
    return rows, bad


def first_hit(passages: list[dict], keys: list[str]) -> int | None:
    """1-based rank of the first passage containing a (normalised) key, else None."""
    for rank, p in enumerate(passages[:10], start=1):
        text = norm(p.get("text", ""))
        if any(k in text for k in keys):
            return rank
    return None


def faithful(
    text: str, lines: list[str], first: int, last: int, window: int = 8, need: float = 0.95
) -> bool:
    """At least ``need`` of the passage's characters lie in ``window``-character runs found
    in ``lines[first-1:last]`` (normalised). Cleaning may rejoin lines or drop junk; invented
    text, another file or a wrong line range fails."""
    if not 1 <= first <= last <= len(lines):
        return False
    scope, t = norm("".join(lines[first - 1 : last])), norm(text)
    if len(t) < window:
        return bool(t) and t in scope
    covered = [False] * len(t)
    for i in range(len(t) - window + 1):
        if t[i : i + window] in scope:
            covered[i : i + window] = [True] * window
    return sum(covered) / len(t) >= need


def _citations(results: dict[str, dict], resolve: Callable[[str], Path | None]) -> float:
    """Share of the first five passages of every result that are faithful to their file."""
    files: dict[str, list[str] | None] = {}
    cited = ok = 0
    for r in results.values():
        for p in r.get("passages", [])[:5]:
            cited += 1
            source = p.get("source", "")
            if source not in files:
                path = resolve(source)
                try:
                    raw = path.read_text(encoding="utf-8", errors="replace") if path else None
                    files[source] = raw.splitlines(keepends=True) if raw is not None else None
                except OSError:
                    files[source] = None
            lines, span = files[source], p.get("lines") or [0, 0]
            ok += lines is not None and faithful(p.get("text", ""), lines, *map(int, span[:2]))
    return round(ok / cited, 3) if cited else 0.0


def score(
    questions: list[dict],
    results: dict[str, dict],
    resolve: Callable[[str], Path | None] | None = None,
) -> dict[str, dict]:
    """Metrics overall (``all``) and per kind; with ``resolve`` (a cited source → its
    file, e.g. ``Settings.resolve``) also ``citations_faithful``."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for q in questions:
        r = results.get(q["id"]) or {"passages": [], "answer": "", "abstained": True}
        keys = [norm(k) for k in q.get("keys", [])]
        for group in ("all", q.get("kind", "?")):
            g = sums[group]
            if not keys:
                g["n_none"] += 1
                g["abstain_ok"] += bool(r.get("abstained"))
                continue
            rank = first_hit(r.get("passages", []), keys)
            answer = norm(r.get("answer", ""))
            g["n"] += 1
            g["hit1"] += rank is not None and rank <= 1
            g["hit3"] += rank is not None and rank <= 3
            g["hit5"] += rank is not None and rank <= 5
            g["mrr"] += 1.0 / rank if rank else 0.0
            g["answer_hit"] += len(answer) <= MAX_ANSWER and any(k in answer for k in keys)
            g["false_abstain"] += bool(r.get("abstained"))
    out = {}
    for group, g in sums.items():
        row: dict[str, float] = {"n": int(g["n"])}
        if g["n"]:
            for m in ("hit1", "hit3", "hit5", "mrr", "answer_hit", "false_abstain"):
                row[m] = round(g[m] / g["n"], 3)
        if g["n_none"]:
            row["n_none"] = int(g["n_none"])
            row["abstain_ok"] = round(g["abstain_ok"] / g["n_none"], 3)
        out[group] = row
    if resolve is not None and "all" in out:
        out["all"]["citations_faithful"] = _citations(results, resolve)
    return out


def table(metrics: dict[str, dict]) -> str:
    cols = [
        "n",
        "hit1",
        "hit3",
        "hit5",
        "mrr",
        "answer_hit",
        "false_abstain",
        "n_none",
        "abstain_ok",
    ]
    lines = ["group".ljust(8) + "".join(c.rjust(14) for c in cols)]
    order = ["all"] + [k for k in KINDS if k in metrics] + sorted(set(metrics) - {"all", *KINDS})
    for group in order:
        row = metrics[group]
        lines.append(group.ljust(8) + "".join(str(row.get(c, "-")).rjust(14) for c in cols))
    if "citations_faithful" in metrics.get("all", {}):
        lines.append(f"citations_faithful {metrics['all']['citations_faithful']}")
    return "\n".join(lines)
