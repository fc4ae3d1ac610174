"""A question, analysed once: every later stage (retrieval, fusion, abstention, answer
selection) reads this one record instead of taking the question apart again."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from rag import glossary
from rag.embed import clean_for_model
from rag.settings import MAX_QUESTION
from rag.tokenize import (
    CJK,
    STOPWORDS,
    bigrams,
    normalize,
    segment,
    strip_question_frames,
    words,
)

# A term is a word, or a tuple of alternatives (the translations of one English phrase).
Term = str | tuple[str, ...]

# An English question for a figure (how many, how heavy …); rag.features reads it too.
HOW_MUCH = r"how (?:many|much|long|old|far|big|tall|high|heavy|large|wide|deep|fast|often)"
_ASKS_NUMBER = re.compile(
    r"多少|几[个家项次年位件种名倍天月]|多大|多高|多长|比例|比重|占比|排名|第几|规模|金额|"
    rf"增长了|成效|成果|成绩|效果如何|{HOW_MUCH}|what (percentage|share|proportion)|rank",
    re.IGNORECASE,
)
_COUNTER = re.compile(r"(?:多少|几)([个家项次年位件种名倍天月条亿万元户人批版所只台座])")
# Measure words of a count (多少家, 几名): a question with one asks how many.
MEASURE_WORDS = "个家项次位件种名条户人批所只台座宗期"
_ASKS_COUNT = re.compile(rf"(?:多少|几)[{MEASURE_WORDS}]|how (?:many|much)", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class Query:
    """One question, ready for every stage.

    ``terms`` and ``bigrams`` map each content term to its weight (IDF) for evidence and
    abstention; ``tokens`` are what BM25 searches; ``counter`` is the measure word of a
    figure asked for (家 in 多少家); ``asks_count`` says the question asks how many;
    ``numbers`` are the figures the question itself states. ``own_text`` is the
    question's own text when ``text`` also holds the conversation's (a follow-up read in
    context): what is asked for (a time, a place, a figure in some unit) is read from it
    first.
    """

    text: str
    norm: str
    tokens: list[str]
    terms: dict[Term, float]
    bigrams: dict[str, float]
    asks_number: bool
    counter: str = ""
    asks_count: bool = False
    numbers: frozenset[str] = frozenset()
    years: frozenset[str] = frozenset()
    focus: str = ""
    max_idf: float = 0.0
    english: bool = False
    translations: list[tuple[str, ...]] = field(default_factory=list)
    own_text: str = ""

    @property
    def own_question(self) -> str:
        """The question's own words, without the conversation's."""
        return self.own_text or self.text

    @property
    def embed_text(self) -> str:
        """The text a model embeds: the question, capped and cleaned (see rag.embed).

        >>> Query.of("深圳\\x00有多少家？\\ud800").embed_text
        '深圳有多少家？'
        """
        return clean_for_model(self.text)

    @classmethod
    def of(
        cls,
        question: str,
        idf: Callable[[str], float] | None = None,
        max_idf: float = 0.0,
        frequency: Callable[[str], float] | None = None,
    ):
        """Analyse ``question``; ``idf`` weighs each term (a corpus's BM25 IDF; 1.0 when
        none is given). ``frequency`` (how many passages use a word) lets English words
        the glossary lacks be translated with the general dictionary (see rag.glossary);
        a word it renders only in words the corpus never uses weighs as a Chinese word the
        corpus never uses, and one it does not know says nothing either way.

        >>> q = Query.of("广州经开区累计设立了多少家外资企业？")
        >>> q.asks_number, q.counter, sorted(q.terms)[:3]
        (True, '家', ['企业', '外资', '外资企业'])
        >>> q = Query.of("廣州經開區有幾家外資企業？")
        >>> q.asks_number, q.counter, q.asks_count
        (True, '家', True)
        """
        idf = idf or (lambda _term: 1.0)
        # Callers refuse longer questions (rag.settings.check_length); the cap bounds
        # the work for a caller that did not, such as a search of a pasted text.
        question = question[:MAX_QUESTION]
        # The patterns are Simplified: a Traditional question (幾條, 叫什麼名字, 幾家) is
        # normalised first.
        simple = normalize(question)
        norm = strip_question_frames(simple)
        english = not CJK.search(norm)
        reading = glossary.read(question, frequency)
        translations = reading.rendered
        terms: dict[Term, float] = {}
        # What the library never says weighs in as a Chinese question's unused word does.
        for group in translations + reading.unused:
            terms[group] = max(idf(t) for t in group)
        content = words(norm)
        for w in content:
            weight = idf(w)
            # A lone Latin letter or digit is no evidence of anything.
            if w.isascii() and (len(w) < 2 or (english and max_idf and weight >= max_idf)):
                continue
            terms[w] = weight
        grams = bigrams(norm)
        if translations:
            extra = normalize(" ".join(t for group in translations for t in group))
            tokens = content + words(extra) + grams + bigrams(extra)
        else:
            tokens = content + grams
        counter = _COUNTER.search(simple)
        return cls(
            text=question,
            norm=norm,
            tokens=tokens,
            terms=terms,
            bigrams={b: idf(b) for b in grams},
            asks_number=bool(_ASKS_NUMBER.search(simple)),
            counter=counter.group(1) if counter else "",
            asks_count=bool(_ASKS_COUNT.search(simple)),
            numbers=frozenset(NUMBER.findall(question)),
            years=frozenset(YEAR.findall(unicodedata.normalize("NFKC", question))),
            focus=focus(simple),
            max_idf=max_idf,
            english=english,
            translations=translations,
        )


_WHAT_IS = ("是", "为")


def focus(norm: str) -> str:
    """The quantity a question asks the value of (…的X是多少): an answer must name it,
    or it gives some other figure of the same subject. Empty for other questions.

    >>> focus("广州经开区2024年的地区生产总值是多少？"), focus("国产化率为多少")
    ('生产总值', '国产化率')
    >>> focus("有多少家？")
    ''
    >>> focus("2023年高新技术企业认定数和有效数量分别是多少？")
    '数量'
    """
    parts = [w for w in segment(norm) if w.strip()]
    for i in range(len(parts) - 1, 1, -1):
        if parts[i] == "多少" and parts[i - 1] in _WHAT_IS:
            j = i - 2
            while j >= 0 and parts[j] in STOPWORDS:
                j -= 1
            if j < 0 or not CJK.search(parts[j]):
                return ""
            word = parts[j]
            # A one-character word (率, 数) names its quantity with the word before it.
            if len(word) < 2 and j > 0 and CJK.search(parts[j - 1]):
                word = parts[j - 1] + word
            return word if len(word) >= 2 else ""
    return ""


def asks_number(question: str) -> bool:
    """True when the question wants a figure.

    >>> asks_number("广州经开区的上市企业有多少家？"), asks_number("前海法务区是哪天启用的？")
    (True, False)
    >>> asks_number("廣州開發區有幾家外資企業？")
    True
    """
    return bool(_ASKS_NUMBER.search(normalize(question)))


def term_coverage(terms: dict[Term, float], text: str) -> float:
    """Weighted share of ``terms`` (term → weight) found in normalised ``text``; a tuple
    term is a set of alternatives, any of which counts.

    >>> term_coverage({"外资": 2.0, "最低工资": 6.0}, "累计设立外资企业超5200家")
    0.25
    >>> term_coverage({("国家", "全国"): 1.0}, "全国有178家国家高新区")
    1.0
    """
    total = sum(terms.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in terms.items() if present(t, text)) / total


def present(term: Term, text: str) -> bool:
    return term in text if isinstance(term, str) else any(t in text for t in term)
