"""Score batch results against questions with answer keys, the way the project's scorer
does: NFKC, all whitespace removed, a passage is relevant when it contains a key, an
answer counts when it contains a key and is at most 240 normalised characters."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

KINDS = ("fact", "num", "para", "trad", "en", "none")
MAX_ANSWER = 240
_WS = re.compile(r"\s+")


def norm(text: str | None) -> str:
    """>>> norm("累计 设立\\n外资企业 ５２００家")
    '累计设立外资企业5200家'
    """
    return _WS.sub("", unicodedata.normalize("NFKC", text or ""))


def first_hit(passages: list[dict], keys: list[str]) -> int | None:
    """1-based rank of the first passage containing a (normalised) key, else None."""
    for rank, p in enumerate(passages[:10], start=1):
        text = norm(p.get("text", ""))
        if any(k in text for k in keys):
            return rank
    return None


def score(questions: list[dict], results: dict[str, dict]) -> dict[str, dict]:
    """Metrics overall (``all``) and per kind."""
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
    return "\n".join(lines)
