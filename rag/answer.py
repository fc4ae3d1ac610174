"""Extractive answers: the best sentences of the top passages, each with its citation.

Nothing is generated: every sentence of an answer is copied from a cited passage. When
the passages lack the question's key terms, the answer says so instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.fuse import present, term_coverage
from rag.records import Hit
from rag.tokenize import normalize

MAX_ANSWER = 240
NOT_FOUND = "未在资料中找到答案。以下是最接近的段落，供参考。"

_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")
_CLAUSE = re.compile(r"[^，,、：:]*[，,、：:]?")
_ASKS_NUMBER = re.compile(
    r"多少|几[个家项次年位件种名倍天月]|多大|多高|多长|比例|比重|占比|排名|第几|规模|金额|"
    r"增长了|成效|成果|成绩|效果如何|how (many|much)|what (percentage|share|proportion)|rank",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_COUNTER = re.compile(r"(?:多少|几)([个家项次年位件种名倍天月条亿万元户人批版所只台座])")


@dataclass(frozen=True)
class Evidence:
    """The question's terms with their weights (IDF), for matching and abstention, and
    what kind of figure it asks for (``counter``: the measure word of 多少家, 几个 …)."""

    words: dict
    bigrams: dict[str, float]
    asks_number: bool
    counter: str = ""
    numbers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, question: str, words: dict, bigrams: dict[str, float]) -> Evidence:
        counter = _COUNTER.search(question)
        return cls(
            words,
            bigrams,
            asks_number(question),
            counter.group(1) if counter else "",
            frozenset(_NUMBER.findall(question)),
        )


def sentences(text: str) -> list[str]:
    """Split a passage into sentences, keeping end punctuation and closing quotes.

    >>> sentences("一是创新。二是开放！“三是改革。”")
    ['一是创新。', '二是开放！', '“三是改革。”']
    """
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _clip(sentence: str, ev: Evidence, limit: int) -> str:
    """The clauses of a long sentence around its best-matching clause, within ``limit``."""
    if len(sentence) <= limit:
        return sentence
    clauses = [c for c in _CLAUSE.findall(sentence) if c]
    scores = [_score(c, ev) for c in clauses]
    best = max(range(len(clauses)), key=lambda i: scores[i])
    lo = hi = best
    text = clauses[best][:limit]
    while True:
        grown = False
        for nxt in (hi + 1, lo - 1):
            if 0 <= nxt < len(clauses) and len(text) + len(clauses[nxt]) <= limit:
                lo, hi = min(lo, nxt), max(hi, nxt)
                text = "".join(clauses[lo : hi + 1])
                grown = True
        if not grown:
            return text


def _new_figures(text: str, ev: Evidence) -> list[re.Match]:
    """Numbers in normalised ``text`` that the question does not already state."""
    return [m for m in _NUMBER.finditer(text) if m.group() not in ev.numbers]


def _score(text: str, ev: Evidence) -> float:
    norm = normalize(text)
    score = term_coverage(ev.words, norm) + 0.5 * term_coverage(ev.bigrams, norm)
    if ev.asks_number:
        # A figure the question does not already state, best with the unit it asks for.
        new = _new_figures(norm, ev)
        if ev.counter and any(
            re.match(rf"\s*(?:多|余|\+)?[十百千万亿]*\s*{ev.counter}", norm[m.end() :]) for m in new
        ):
            score += 0.4
        elif new:
            score += 0.3
    return score


def asks_number(question: str) -> bool:
    """True when the question wants a figure.

    >>> asks_number("广州经开区的上市企业有多少家？"), asks_number("前海法务区是哪天启用的？")
    (True, False)
    """
    return bool(_ASKS_NUMBER.search(question))


def support(ev: Evidence, hits: list[Hit], top: int = 3) -> float:
    """How well the top passages support an answer (0–1): the mean of the best single
    passage's term coverage and the coverage of the top passages together. A question
    the documents do not answer misses its focus term (最低工资, a year) everywhere."""
    if not hits or not ev.words:
        return 0.0
    texts = [normalize(h.chunk.text) for h in hits[:top]]
    best = max(term_coverage(ev.words, t) for t in texts)
    return (best + term_coverage(ev.words, "".join(texts))) / 2


def should_abstain(ev: Evidence, hits: list[Hit], threshold: float = 0.5) -> bool:
    """Abstain when the top passages miss too much of the question's weight.

    >>> from rag.records import Chunk
    >>> hit = Hit(Chunk("a#0", "a", "t", "澳门贸促局一站式服务", 1, 1), 1.0, "lexical")
    >>> ev = Evidence({"澳门": 3.0, "最低工资": 8.0}, {}, False)
    >>> should_abstain(ev, [hit])
    True
    """
    return support(ev, hits) < threshold


def compose(ev: Evidence, hits: list[Hit], top: int = 3) -> tuple[str, tuple[tuple[int, str], ...]]:
    """Pick the best sentence (and a second one if it adds missing terms) from the first
    ``top`` passages; each is followed by its citation marker ``[n]``.

    Returns the answer text and the (passage number, sentence) pairs it quotes.
    """
    candidates = []
    for n, hit in enumerate(hits[:top], start=1):
        parts = sentences(hit.chunk.text)
        for j, sentence in enumerate(parts):
            following = parts[j + 1] if j + 1 < len(parts) else ""
            # A bare heading (二是培育三大产业集群。) restates the question, and a figure
            # often follows the sentence that names its subject (该项服务……收到292个……):
            # then the next sentence of the passage belongs to the answer.
            if following and (
                len(sentence) < 20
                or (
                    ev.asks_number
                    and not _new_figures(sentence, ev)
                    and _new_figures(following, ev)
                )
            ):
                sentence += following
            # The rank prior breaks ties towards the passage retrieval trusted most.
            candidates.append((_score(sentence, ev) + 0.05 * (top - n), n, sentence))
    if not candidates:
        return "", ()
    candidates.sort(key=lambda c: (-round(c[0], 6), len(c[2])))
    _, n, best = candidates[0]
    chosen = [(n, _clip(best, ev, MAX_ANSWER - 8))]
    covered = normalize(chosen[0][1])
    for _, m, s in candidates[1:6]:
        gain = term_coverage(
            {t: w for t, w in ev.words.items() if not present(t, covered)}, normalize(s)
        ) * (1 - term_coverage(ev.words, covered))
        used = sum(len(x) + 4 for _, x in chosen)
        if gain >= 0.2 and used + len(s) + 4 <= MAX_ANSWER and s not in chosen[0][1]:
            chosen.append((m, s))
            break
    text = "".join(f"{s}[{m}]" for m, s in chosen)
    return text, tuple(chosen)
