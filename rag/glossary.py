"""An English → Chinese bridge for questions asked in English.

BM25 cannot match an English question against Chinese text. English words become the
Chinese words a general dictionary (``rag.dictionary``, CC-CEDICT) gives for them and the
corpus uses: dictionary-based query translation, the classic cross-language retrieval
method, which works for uploaded documents too. The dictionary barely knows the Greater
Bay Area's own names (Huangpu, Qianhai, high-tech zone), so those are listed here.

A hand-made list of this corpus's policy vocabulary used to sit here as well. Measured on
the dev set with the dictionary in place, it lifted no kind of question in hybrid mode
(English hit1 0.69 without it, 0.62 with it) and one English question in keyword mode;
being written for five documents, it was removed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from rag import dictionary
from rag.dictionary import english_words

# English place and zone names → Chinese; also what rag.followup counts as a place.
# Longer phrases win over their parts.
PLACES: dict[str, str] = {
    "greater bay area": "大湾区 粤港澳大湾区",
    "bay area": "湾区 大湾区",
    "guangdong-hong kong-macao": "粤港澳",
    "guangdong hong kong macao": "粤港澳",
    "guangdong": "广东 广东省",
    "hong kong": "香港",
    "macao": "澳门",
    "macau": "澳门",
    "guangzhou": "广州",
    "shenzhen": "深圳",
    "zhuhai": "珠海",
    "foshan": "佛山",
    "dongguan": "东莞",
    "zhongshan": "中山",
    "jiangmen": "江门",
    "huizhou": "惠州",
    "zhaoqing": "肇庆",
    "huangpu": "黄埔",
    "huangpu district": "黄埔区",
    "nansha": "南沙",
    "qianhai": "前海",
    "hengqin": "横琴",
    "hetao": "河套",
    "luohu": "罗湖",
    "longhua": "龙华",
    "pearl river delta": "珠三角",
    "china": "中国 我国 全国",
    "chinese": "中国",
    "national": "国家 全国 国家级",
    "nationwide": "全国",
    "province": "省",
    "provincial": "省",
    "city": "市 城市",
    "cities": "城市",
    "district": "区",
    "economic and technological development zone": "经济技术开发区 经开区",
    "economic and technological development zones": "经济技术开发区 经开区",
    "economic development zone": "经济开发区 经开区",
    "development zone": "开发区",
    "development zones": "开发区",
    "high-tech zone": "高新区",
    "high-tech zones": "高新区",
    "high tech zone": "高新区",
    "high-tech industrial development zone": "高新技术产业开发区 高新区",
    "free trade zone": "自贸区 自由贸易试验区",
    "pilot free trade zone": "自由贸易试验区 自贸区",
    "cooperation zone": "合作区",
    "demonstration zone": "示范区",
    "knowledge city": "知识城",
    "science city": "科学城",
    "biological island": "生物岛",
    "bio-island": "生物岛",
    "international legal service zone": "国际法务区",
    "legal services zone": "法务区",
}


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[list[str], tuple[str, ...]]]:
    """(stemmed words, Chinese terms) of every entry, longest phrase first."""
    entries = [(english_words(phrase), tuple(zh.split())) for phrase, zh in PLACES.items()]
    return sorted(entries, key=lambda e: -len(e[0]))


# What a question asks for after "what" or "which" (what year, in which month): the slot
# the answer fills, not a word the answer holds (2007年 says no 年度).
_ASKED_SLOT = frozenset("year date day month century decade time".split())


def _asked(words: list[str], i: int) -> bool:
    """Whether ``words[i]`` is the slot a question asks for (what year), not part of a
    longer phrase (what time zone: the caller looks those up first).

    >>> _asked(["what", "year", "did", "they", "launch"], 1), _asked(["the", "year"], 1)
    (True, False)
    """
    return words[i] in _ASKED_SLOT and i > 0 and words[i - 1] in ("what", "which")


class English(NamedTuple):
    """How an English question meets the library's Chinese words."""

    # Each phrase's Chinese renderings that the library uses, longest phrase first.
    rendered: list[tuple[str, ...]]
    # The renderings of words the dictionary knows but the library never uses (minimum
    # wage → 最低工资 in a library that never says it): what the question asks about
    # that the library lacks, as a Chinese question's unused word is.
    unused: list[tuple[str, ...]]


def translate(
    question: str, frequency: Callable[[str], float] | None = None
) -> list[tuple[str, ...]]:
    """For each English phrase of ``question``, its Chinese renderings, longest phrase
    first: the place names above, or, given how many passages use a word (``frequency``), the
    general dictionary's words that the corpus uses (``rag.dictionary``) where it has
    a longer phrase.

    >>> translate("How many national high-tech zones are there in China?")
    [('国家', '全国', '国家级'), ('高新区',), ('中国', '我国', '全国')]
    """
    return read(question, frequency).rendered


def read(question: str, frequency: Callable[[str], float] | None = None) -> English:
    """``question``'s phrases rendered in the library's words (``translate``), and its
    words the dictionary renders only in words the library never uses.

    >>> used = {"澳门": 3}.get
    >>> read("What is the minimum wage in Macao?", lambda w: used(w, 0))
    English(rendered=[('澳门',)], unused=[('最低点', '最低限度'), ('工资', '工钱')])
    """
    tokens = english_words(question)
    found: list[tuple[str, ...]] = []
    unused: list[tuple[str, ...]] = []
    i = unused_until = 0
    while i < len(tokens):
        n, zh = next(((len(w), z) for w, z in _phrases() if tokens[i : i + len(w)] == w), (0, ()))
        if frequency is not None:
            m, general = dictionary.look_up(tokens[i:], frequency)
            if m > n:
                n, zh = m, general
        if n == 1 and _asked(tokens, i):
            i += 1
            continue
        if n:
            found.append(zh)
            i += n
        elif "-" in tokens[i]:
            # A hyphenated word known to neither as a whole (credit-risk): its parts.
            tokens[i : i + 1] = [dictionary.stem(p) for p in tokens[i].split("-") if p]
        else:
            # A phrase the dictionary defines but the library never uses, once (not
            # again for each of its words); not a word the library writes as it is
            # (iPhone in a Chinese text), nor the slot a question asks for.
            m, zh = dictionary.defined(tokens[i:]) if frequency is not None else (0, ())
            written = frequency is not None and frequency(tokens[i]) > 0
            if m and i >= unused_until and not written and not (m == 1 and _asked(tokens, i)):
                unused.append(zh)
                unused_until = i + m
            i += 1
    return English(found, unused)
