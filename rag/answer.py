"""Extractive answers: the best sentences of the top passages, each with its citation.

Nothing is generated: every sentence of an answer is copied from a cited passage. When
the passages lack the question's key terms, the answer says so instead.
"""

from __future__ import annotations

import re

from rag.chunk import sentences
from rag.dense import Meaning
from rag.query import (
    MEASURE_WORDS,
    NUMBER,
    Query,
    elsewhere,
    mentions,
    present,
    term_coverage,
)
from rag.records import Hit
from rag.tokenize import normalize

MAX_ANSWER = 240
# Term support (0–1) above which the passages answer the question on words alone, and
# below which no closeness in meaning makes up for the missing terms.
SUPPORTED = 0.5
SUPPORTED_IN_OTHER_WORDS = 0.15
# What a sentence cut in half by the splitter loses against a whole one.
FRAGMENT_PENALTY = 0.3
# The longest point of a list answer to a broad question.
POINT = 52
NOT_FOUND = "未在资料中找到答案。以下是最接近的段落，供参考。"

# A heading: Markdown, or a short numbered point (二是…, （三）…, 四、…, 2. …).
_HEADING = re.compile(
    r"#|(?:[一二三四五六七八九十]+[是、]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．]\D).{,24}$"
)
_CLAUSE = re.compile(r"[^，,、：:]*[，,、：:]?")


def _clip(sentence: str, q: Query, limit: int) -> str:
    """The clauses of a long sentence around its best-matching clause, within ``limit``."""
    if len(sentence) <= limit:
        return sentence
    clauses = [c for c in _CLAUSE.findall(sentence) if c]
    scores = [_score(c, q) for c in clauses]
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


# A count in Chinese numerals (九十九家): a figure as much as one in digits.
_CHINESE_COUNT = re.compile(rf"[一二两三四五六七八九十百千万亿]+\s*[{MEASURE_WORDS}]")
_DATE = re.compile(r"\s*[年月日号]")


def _new_figures(text: str, q: Query) -> list[re.Match]:
    """Numbers in normalised ``text`` that the question does not already state; dates
    (2024年10月) count only for a question that asks for one (多少年, 几月)."""
    dates = q.counter in ("年", "月", "天")
    return [
        m
        for m in NUMBER.finditer(text)
        if m.group() not in q.numbers and (dates or not _DATE.match(text, m.end()))
    ]


def _score(text: str, q: Query) -> float:
    norm = normalize(text)
    score = term_coverage(q.terms, norm) + 0.5 * term_coverage(q.bigrams, norm)
    if q.asks_number:
        # A figure the question does not already state, best with the unit it asks for.
        new = _new_figures(norm, q)
        if q.counter and any(
            re.match(rf"\s*(?:多|余|\+)?[十百千万亿]*\s*{q.counter}", norm[m.end() :]) for m in new
        ):
            score += 0.4
        elif new:
            score += 0.3
    return score


def evidence(text: str, q: Query) -> float:
    """How well the best sentence of a passage answers ``q``: its share of the question's
    terms, and for a question asking a figure, whether it gives one (with its unit)."""
    return max((_score(s, q) for s in sentences(text)), default=0.0)


def support(q: Query, hits: list[Hit], top: int = 3) -> float:
    """How well the top passages support an answer (0–1): the mean of the best single
    passage's term coverage and the coverage of the top passages together. A question
    the documents do not answer misses its focus term (最低工资, a year) everywhere."""
    if not hits or not q.terms:
        return 0.0
    texts = [normalize(h.chunk.text) for h in hits[:top]]
    best = max(term_coverage(q.terms, t) for t in texts)
    return (best + term_coverage(q.terms, "".join(texts))) / 2


def should_abstain(
    q: Query,
    hits: list[Hit],
    meaning: Meaning | None = None,
    close: float = 1.0,
    agree: bool = False,
) -> bool:
    """Abstain when the top passages miss too much of the question's weight, unless the
    model finds that they say what the question asks in other words: some of the
    question's terms are still there, and either a sentence of them is at least ``close``
    to the question (calibrated per corpus, see rag.build) or the model and the keyword
    index, two independent retrievers, ``agree`` on the first passage.

    This gate is deliberately lenient: the 4-bit model's cosines are compressed (questions
    the documents answer in other words and questions they do not answer overlap at
    0.87–0.93), so answer selection refuses too: a sentence that does not name the
    quantity asked for, or is about another city or year, is never quoted (_candidates).

    >>> from rag.records import Chunk
    >>> hit = Hit(Chunk("a#0", "a", "t", "澳门贸促局一站式服务", 1, 1), 1.0, "lexical")
    >>> should_abstain(Query.of("澳门的最低工资是多少？"), [hit])
    True
    """
    found = support(q, hits)
    if found >= SUPPORTED:
        return False
    if meaning is None or found < SUPPORTED_IN_OTHER_WORDS:
        return True
    return not agree and max(meaning.closeness(h.chunk) for h in hits[:3]) < close


def _candidates(q: Query, hits: list[Hit], cut: dict | None, top: int) -> list:
    """(score, passage number, sentence) for every sentence of the first ``top``
    passages that may answer ``q``, best first."""
    candidates = []
    for n, hit in enumerate(hits[:top], start=1):
        # A question pinned to a year or a city is not answered by a passage about others
        # (the title counts: it often names the place a whole document is about).
        if not mentions(q, normalize(hit.chunk.text), normalize(hit.chunk.title)):
            continue
        parts = sentences(hit.chunk.text)
        head, tail = (cut or {}).get(hit.chunk.id, (False, False))
        for j, sentence in enumerate(parts):
            # A cut sentence, or a heading whose points the passage leaves to the next one.
            last = j == len(parts) - 1
            fragment = (j == 0 and head) or (last and tail)
            fragment = fragment or (last and bool(_HEADING.match(sentence)))
            following = parts[j + 1] if j + 1 < len(parts) else ""
            # A bare heading (二是培育三大产业集群。) restates the question, and a figure
            # often follows the sentence that names its subject (该项服务……收到292个……):
            # then the next sentence of the passage belongs to the answer.
            if following and (
                len(sentence) < 20
                or (q.asks_number and not _new_figures(sentence, q) and _new_figures(following, q))
            ):
                sentence += following
            # Another figure of the same subject is no answer to "what is its X".
            said = normalize(sentence)
            if (q.focus and q.focus not in said) or elsewhere(q, said):
                continue
            # "How many" is not answered by a sentence that gives no figure at all.
            if q.asks_count and not (_new_figures(said, q) or _CHINESE_COUNT.search(said)):
                continue
            # The rank prior breaks ties towards the passage retrieval trusted most.
            prior = 0.05 * (top - n) - (FRAGMENT_PENALTY if fragment else 0.0)
            candidates.append((_score(sentence, q) + prior, n, sentence))
    candidates.sort(key=lambda c: (-round(c[0], 6), len(c[2])))
    return candidates


def compose(
    q: Query, hits: list[Hit], cut: dict | None = None, top: int = 3
) -> tuple[str, tuple[tuple[int, str], ...]]:
    """Pick the best sentence (and a second one if it adds missing terms) from the first
    ``top`` passages; each is followed by its citation marker ``[n]``. ``cut`` says which
    passages begin or end on a sentence the splitter cut (see ``rag.chunk.cut_edges``):
    such a fragment is quoted only when nothing whole does better.

    Returns the answer text and the (passage number, sentence) pairs it quotes.
    """
    candidates = _candidates(q, hits, cut, top)
    if not candidates:
        return "", ()
    _, n, best = candidates[0]
    chosen = [(n, _clip(best, q, MAX_ANSWER - 8))]
    covered = normalize(chosen[0][1])
    for _, m, s in candidates[1:6]:
        gain = term_coverage(
            {t: w for t, w in q.terms.items() if not present(t, covered)}, normalize(s)
        ) * (1 - term_coverage(q.terms, covered))
        used = sum(len(x) + 4 for _, x in chosen)
        if gain >= 0.2 and used + len(s) + 4 <= MAX_ANSWER and s not in chosen[0][1]:
            chosen.append((m, s))
            break
    text = "".join(f"{s}[{m}]" for m, s in chosen)
    return text, tuple(chosen)


_BROAD = re.compile(
    r"哪些(?:改革|措施|举措|政策|做法|经验|成效|亮点|行动|创新|服务|支持)|"
    r"\b(?:what|which)\s+(?:reforms|measures|policies|steps|initiatives|actions|services)\b",
    re.IGNORECASE,
)


def asks_broad(question: str) -> bool:
    """True for a question that asks for several things (有哪些改革, what measures …).

    >>> asks_broad("大湾区营商环境有哪些改革？"), asks_broad("广州高新区计划加快建设哪些地铁线路？")
    (True, False)
    """
    return bool(_BROAD.search(normalize(question)))


def compose_points(
    q: Query, hits: list[Hit], cut: dict | None = None, top: int = 8, most: int = 5
) -> tuple[str, tuple[tuple[int, str], ...]]:
    """A short list for a broad question: the best sentence of each of the first ``top``
    passages, most relevant first, at most ``most`` points, no two alike, each with its
    ``[n]``, all within the answer limit. A list of one is an ordinary answer."""
    best_of: dict[int, tuple[float, str]] = {}
    for score, n, sentence in _candidates(q, hits, cut, top):
        best_of.setdefault(n, (score, sentence))
    if not best_of:
        return "", ()
    floor = 0.5 * max(score for score, _ in best_of.values())
    chosen: list[tuple[int, str]] = []
    used = 0
    for n in sorted(best_of):
        score, sentence = best_of[n]
        # A clipped clause ends on its comma; a question is no point made.
        point = _clip(sentence, q, POINT).rstrip("，,、：:；;")
        if sentence.rstrip("”’」』）)").endswith(("？", "?")):
            continue
        if score < floor or any(_alike(point, other) for _, other in chosen):
            continue
        if used + len(point) + 6 > MAX_ANSWER:
            break
        chosen.append((n, point))
        used += len(point) + 6
        if len(chosen) == most:
            break
    if len(chosen) == 1:
        return f"{chosen[0][1]}[{chosen[0][0]}]", tuple(chosen)
    return "\n".join(f"{i}. {s}[{n}]" for i, (n, s) in enumerate(chosen, 1)), tuple(chosen)


def _alike(a: str, b: str) -> bool:
    """Two sentences saying nearly the same thing: most of their character pairs shared."""
    pa = {a[i : i + 2] for i in range(len(a) - 1)}
    pb = {b[i : i + 2] for i in range(len(b) - 1)}
    return bool(pa and pb) and len(pa & pb) / min(len(pa), len(pb)) > 0.6
