"""What the answer model sees: small named features of a question and a candidate sentence.

Every feature is generic: none names a place, a policy or a phrasing of these documents.
A candidate is one sentence of a top passage (it may take the sentence after it); its
features say how much of the question it and its passage hold (weighted by rarity), how
close it is in meaning, what retrieval thought of its passage, and whether it holds the
kind of thing the question asks for (a time, a figure in the unit asked, a person, a
place).

The question-level features (``QUESTION_FEATURES``) summarise the best candidates and the
question's grounding in the top passages: whether anything there answers at all is a
decision about the question, not about one sentence (``../shared/design``'s probe).
"""

from __future__ import annotations

import logging
import math
import re
from functools import lru_cache

from rag.query import HOW_MUCH, NUMBER, YEAR, Query, present, term_coverage
from rag.tokenize import CJK, CJK_RUN, HAN, normalize, word_count

# What a question asks for, from its question words (Simplified after normalisation).
_WANTS = (
    (
        "time",
        re.compile(
            r"哪一?年|何年|哪个?朝代?|什么朝代|什么时候|何时|哪一?天|哪日|几月|几号|几时|哪个?月|"
            r"什么年代|年份|日期|\bwhen\b|what (?:year|date|time|century|decade)|"
            r"which (?:year|date)",
            re.IGNORECASE,
        ),
    ),
    (
        "person",
        re.compile(
            r"谁|哪一?位|哪个人|什么人|何人|哪些人|\bwho(?:m|se)?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "place",
        re.compile(
            r"哪里|哪儿|何处|何地|什么地方|哪个?(?:国家|城市|省|州|地区|国|市|县|岛|洲)|哪座|哪国|"
            r"\bwhere\b|which (?:country|city|state|region|province|island|continent)",
            re.IGNORECASE,
        ),
    ),
    (
        "number",
        re.compile(
            r"多少|几[个家项次位件种名倍天月条人岁年只座部本场届所台]|多大|多高|多长|多久|多重|多远|"
            r"多深|多宽|比例|比重|占比|百分之|第几|排名|"
            rf"{HOW_MUCH}|"
            r"what (?:percentage|share|proportion|number)",
            re.IGNORECASE,
        ),
    ),
)

# A day is 号 only after a month: 7号线 is a metro line, not a date.
_TIME = re.compile(
    r"(?:\d{1,4}|[〇零一二两三四五六七八九十百千]+)\s*(?:年|月|日|世纪|年代)|月\s*\d{1,2}\s*号|"
    r"朝|时期|期间|初|末"
)
# A count in Chinese numerals, with what it counts (二十年, 三家), or a fraction (三分之二).
_FIGURE = re.compile(
    r"[一二两三四五六七八九十百千万亿]+\s*[个家项次位件种名倍天月条人岁年只座部本场届所台米公里吨元%]|"
    r"[一二两三四五六七八九十百千万]+分之[〇零一二两三四五六七八九十点]+"
)

# A transliterated foreign name (弗拉基米尔·佐利金): jieba rarely tags one as a person.
_FOREIGN = re.compile(f"[{HAN}]{{1,8}}[·•・][{HAN}]{{1,8}}")
# What pins a question to such a name: the name to its dot and the two characters after
# it. Taken whole, the name runs into the question's own words (亨利·德劳内在哪一年时去世),
# which no passage holds.
_FOREIGN_CORE = re.compile(f"[{HAN}]{{1,8}}[·•・][{HAN}]{{1,2}}")


def wants(question: str) -> str:
    """What a question asks for: "time", "person", "place", "number", or "" (a thing, a
    reason, a name of another kind).

    >>> wants("孙中山是哪一年出生的？"), wants("红钻鱼分布在哪里？"), wants("Who founded Nintendo?")
    ('time', 'place', 'person')
    >>> wants("熊猫一天吃多少竹子？"), wants("《塞尔达传说》的主角叫什么名字？")
    ('number', '')
    """
    question = normalize(question)
    for kind, pattern in _WANTS:
        if pattern.search(question):
            return kind
    return ""


@lru_cache(maxsize=20000)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's (word, part of speech) pairs; a corpus's sentences recur across questions."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return tuple((w.word, w.flag) for w in jieba.posseg.lcut(text))


def names(text: str, tag: str) -> set[str]:
    """Words of ``text`` that jieba tags as ``tag`` (nr a person, ns a place), two
    characters or more.

    >>> sorted(names("孙中山生于广东香山", "nr")), sorted(names("孙中山生于广东香山", "ns"))
    (['孙中山'], ['广东', '香山'])
    """
    return {w for w, f in _tagged(text) if f.startswith(tag) and len(w) >= 2}


def holds(kind: str, sentence: str, question: str) -> bool:
    """Whether a normalised sentence holds something of the ``kind`` asked for that the
    question does not already say.

    >>> holds("time", "孙中山于1866年出生", "孙中山是哪一年出生的")
    True
    >>> holds("person", "该游戏由张伟设计", "该游戏由谁设计")
    True
    >>> holds("place", "它生活在森林", "它生活在哪里")
    False
    >>> holds("time", "地铁7号线二期开工", "哪一年通车"), holds("time", "3月8号开通", "哪天开通")
    (False, True)
    >>> holds("number", "成立于2009年", "有多少员工"), holds("number", "员工约2300人", "有多少员工")
    (False, True)
    """
    if kind == "time":
        return any(m.group() not in question for m in _TIME.finditer(sentence))
    if kind == "number":
        return any(
            m.group() not in question and not _dates(m, sentence) for m in NUMBER.finditer(sentence)
        ) or any(m.group() not in question for m in _FIGURE.finditer(sentence))
    if kind == "person" and any(m.group() not in question for m in _FOREIGN.finditer(sentence)):
        return True
    if kind in ("person", "place"):
        tag = "nr" if kind == "person" else "ns"
        return any(w not in question for w in names(sentence, tag))
    return False


def _dates(figure: re.Match, sentence: str) -> bool:
    """Whether a figure in Arabic digits found in ``sentence`` is a year, month or day
    rather than a count: a year of four digits before 年, a month (1–12) before 月, a day
    before 日 or 号 right after a month. 30年, 3个月, 提前30日 and 7号线 count.

    >>> [_dates(m, "2009年3月8日起，提前30日") for m in NUMBER.finditer("2009年3月8日起，提前30日")]
    [True, True, True, False]
    """
    after = sentence[figure.end() :].lstrip()[:1]
    digits = figure.group()
    if len(digits) == 4 and YEAR.fullmatch(digits):
        return after == "年"
    if not digits.isdigit() or len(digits) > 2:
        return False
    if after == "月":
        return 1 <= int(digits) <= 12
    return after in ("日", "号") and sentence[: figure.start()].rstrip().endswith("月")


# Units a figure is counted in, for "how many <unit>" questions; each with the spellings
# that say the same (公里 = 千米 = km). A measure word is grammar, not corpus knowledge.
_UNIT_SPELLINGS = (
    ("平方公里", "平方千米", "km²", "km2"),
    ("平方米", "m²", "m2"),
    ("公里", "千米", "km"),
    ("厘米", "cm"),
    ("毫米", "mm"),
    ("公斤", "千克", "kg"),
    ("美元", "US$", "USD"),
    ("港元", "港币", "HK$", "HKD"),
    ("澳门元", "澳门币", "MOP"),
    ("人民币", "元"),
    # People are counted in any of these (not 人民币, 位于: see _NOT_A_UNIT).
    ("名", "人", "位"),
    # Money (多少钱) is counted in any currency.
    tuple("钱 元 人民币 美元 美金 港元 港币 澳门元 新台币 台币 欧元 日元 英镑 韩元".split()),
)
# A spelling of a unit that begins other words: 人民币, 位于.
_NOT_A_UNIT = {"人": "人(?!民币)", "位": "位(?!于)"}
_UNITS = sorted(
    {u for group in _UNIT_SPELLINGS for u in group if not u.isascii()}
    | set(
        "米 公顷 亩 吨 克 欧元 日元 英镑 元 宗 件 名 位 家 个 项 笔 次 人 岁 天 倍 条 座 所 台 辆 "
        "架 艘 种 只 部 本 场 届 间 户 套 份 支 批 期 轮 层 级 秒 分钟 小时 周 度 字".split()
    ),
    key=len,
    reverse=True,
)
_ASKED_UNIT = re.compile(rf"(?:多少|几)[万亿千百]*({'|'.join(_UNITS)})")
_ASKED_SHARE = re.compile(
    r"百分之(?:几|多少)|多少%|百分比|比例|比重|占比|几成|what percentage", re.IGNORECASE
)
_SHARE = re.compile(r"\d\s*%|百分之[〇零一二两三四五六七八九十百点\d]|[一二三四五六七八九十]成")
_COUNT = r"(?:\d|[〇零一二两三四五六七八九十百千万亿])[\d.,，]*\s*[万亿千百多余近约]*\s*"


def asked_units(question: str) -> tuple[str, ...]:
    """The units a "how many" question counts in ("%" for a share), in order; a question
    may ask for two (从几个方面提出了多少条举措). Empty when it asks for none.

    >>> asked_units("受理了多少宗仲裁案件？"), asked_units("总额是多少亿港元？")
    (('宗',), ('港元',))
    >>> asked_units("同比增长了百分之几？"), asked_units("熊猫吃什么？")
    (('%',), ())
    >>> asked_units("从几个方面总共提出了多少条举措？"), asked_units("占比多少？有多少家企业？")
    (('个', '条'), ('%', '家'))
    """
    share = ("%",) if _ASKED_SHARE.search(question) else ()
    return share + tuple(dict.fromkeys(_ASKED_UNIT.findall(question)))


def holds_unit(unit: str, sentence: str) -> bool:
    """Whether a normalised sentence gives a figure in ``unit`` (in any of its spellings).

    >>> holds_unit("宗", "已受理案件1200余宗"), holds_unit("宗", "共有129名调解员")
    (True, False)
    >>> holds_unit("公里", "全长约12km"), holds_unit("%", "同比增长6.5%")
    (True, True)
    >>> holds_unit("名", "员工约2300人"), holds_unit("名", "排名第3位")
    (True, False)
    >>> holds_unit("钱", "售价500新台币"), holds_unit("名", "投资5000万人民币")
    (True, False)
    """
    if unit == "%":
        return bool(_SHARE.search(sentence))
    spellings = next((g for g in _UNIT_SPELLINGS if unit in g), (unit,))
    either = "|".join(_NOT_A_UNIT.get(u, re.escape(u)) for u in spellings)
    # A figure read whole (not from its middle digit), and no ordinal (第3位).
    return bool(re.search(f"(?<![第\\d.]){_COUNT}(?:{either})", sentence, re.IGNORECASE))


def missing_weight(q: Query, text: str, max_idf: float) -> float:
    """The rarest question term missing from ``text``, as a share of the rarest possible
    weight: a name the passage never mentions is the mark of a question about something
    else.

    >>> q = Query.of("红钻鱼分布在哪里？", idf=lambda t: 5.0 if "钻" in t else 1.0)
    >>> missing_weight(q, "黄足笛鲷分布于印度洋", 5.0), missing_weight(q, "红钻鱼分布于太平洋", 5.0)
    (1.0, 0.0)
    """
    if max_idf <= 0:
        return 0.0
    missing = [w for t, w in q.terms.items() if not present(t, text)]
    return min(max(missing, default=0.0) / max_idf, 1.0)


_BOOK = re.compile(r"《([^》]{1,30})》")
_NAMED = ("nr", "ns", "nt", "nz")


def tagged_names(text: str) -> list[tuple[str, str]]:
    """(word, kind) for the names jieba tags in ``text``: nr a person, ns a place, nt an
    organisation, nz another proper noun; two characters or more.

    >>> tagged_names("孙中山生于广东")
    [('孙中山', 'nr'), ('广东', 'ns')]

    A name jieba barely knows (its dictionary is a corpus's own cut, with 和威尔 and 由威廉
    in it) may have taken the word before it along: a conjunction or preposition is no
    part of it. What is left is still found wherever the whole is.

    >>> tagged_names("莱恩和威尔资助了什么？")
    [('莱恩', 'nr'), ('威尔', 'nr')]
    """
    out = []
    for w, f in _tagged(text):
        if f.startswith(_NAMED) and len(w) >= 3 and w[0] in _GLUED and word_count(w) < _RARE:
            w = w[1:]
        if f.startswith(_NAMED) and len(w) >= 2:
            out.append((w, f[:2]))
    return out


# Conjunctions and prepositions jieba glues to the front of a name it made up, and how
# rarely its dictionary counts such a name: 同仁堂 and 和平区 are names; 和威尔 is seen six
# times.
_GLUED = frozenset("和与及由被把从向对跟同在将为")
_RARE = 10


# The kind of thing a question asks for, after its question word (哪一个城市, 什么国家):
# a common word jieba may tag as a place is what the answer is, not a name the passage
# must hold (哪一个纽伦堡带 names one).
_ASKED_KIND = re.compile("哪一?[个座所家位]?|什么|何")
# How often jieba's dictionary counts such a common word (城市, 都市, 国家) at least.
_COMMON = 500


def pins(question: str) -> frozenset[str]:
    """What pins a normalised question to one thing: its figures and years, the names
    jieba tags (a person, place, organisation, other proper noun) and titles in 《》. A
    passage that holds none of them is about something else, however many words it
    shares.

    >>> sorted(pins("孙中山1912年在南京就任什么职务？"))
    ['1912', '南京', '孙中山']
    >>> sorted(pins("《塞尔达传说》是哪家公司开发的？"))
    ['塞尔达', '塞尔达传说']
    >>> sorted(p for p in pins("亨利·德劳内在哪一年时去世？") if "·" in p)
    ['亨利·德劳']
    >>> sorted(pins("燕京是哪一个城市的旧名？")), sorted(pins("英国有哪一个纽伦堡带？"))
    (['燕京'], ['纽伦堡', '英国'])
    """
    found = set(NUMBER.findall(question)) | set(_BOOK.findall(question))
    found |= {m.group() for m in _FOREIGN_CORE.finditer(question)}
    after = [question[m.end() :] for m in _ASKED_KIND.finditer(question)]
    found |= {
        w
        for w, _ in tagged_names(question)
        if not (word_count(w) >= _COMMON and any(a.startswith(w) for a in after))
    }
    return frozenset(found)


def pins_missing(pinned: frozenset[str], text: str) -> float:
    """Share of a question's pins that normalised ``text`` lacks (0 when it has none).

    >>> pins_missing(frozenset({"孙中山", "1912"}), "1912年孙中山就任临时大总统")
    0.0
    >>> pins_missing(frozenset({"孙中山", "1912"}), "1866年孙中山生于香山")
    0.5
    """
    if not pinned:
        return 0.0
    return sum(p not in text for p in pinned) / len(pinned)


def year_conflict(years: frozenset[str], text: str) -> bool:
    """The question is pinned to a year that ``text`` lacks while it gives another: the
    same figure for another year is no answer.

    >>> year_conflict(frozenset({"2024"}), "2023年，地区生产总值超4300亿元")
    True
    >>> year_conflict(frozenset({"2023"}), "2023年，地区生产总值超4300亿元")
    False
    >>> year_conflict(frozenset({"2000"}), "22000年前，1998年")
    True
    """
    if not years or states_years(years, text):
        return False
    return bool(YEAR.search(text))


def states_years(years: frozenset[str], text: str) -> bool:
    """Whether ``text`` states every one of ``years`` as a year of its own (a year inside
    a longer figure, 20231, is none); true when there are none to state.

    >>> states_years(frozenset({"2023"}), "编号20231"), states_years(frozenset(), "")
    (False, True)
    """
    return years <= set(YEAR.findall(text))


def year_match(years: frozenset[str], text: str) -> bool:
    """The sentence itself states every year the question is pinned to (a year inside a
    longer figure, 20231, is none): with ``year_conflict`` it tells a sentence of the
    year asked from one that gives no year at all.

    >>> year_match(frozenset({"2023"}), "2023年1-8月，完成固定资产投资1370.4亿元")
    True
    >>> [year_match(y, "2022年，完成固定资产投资1920.9亿元") for y in
    ...  (frozenset({"2023"}), frozenset())]
    [False, False]
    >>> year_match(frozenset({"2023"}), "编号20231的项目")
    False
    """
    return bool(years) and states_years(years, text)


def unseen_run(q: Query) -> int:
    """The longest run of the question's character bigrams that no passage of the corpus
    holds: a name the library has never seen (珊瑚礁, 楼曾瑞) is a run of two or more,
    while a question worded differently from its passage leaves single unseen bigrams
    where its words meet.

    >>> q = Query.of("楼曾瑞生于哪一年？", idf=lambda t: 9.0 if t in ("楼曾", "曾瑞") else 1.0,
    ...              max_idf=9.0)
    >>> unseen_run(q)
    2
    """
    if q.max_idf <= 0:
        return 0
    best = 0
    for run in CJK_RUN.findall(q.norm):
        n = 0
        for i in range(len(run) - 1):
            n = n + 1 if q.bigrams.get(run[i : i + 2], 0.0) >= q.max_idf else 0
            best = max(best, n)
    return best


def novelty(sentence: str, question: str) -> float:
    """Share of a sentence's Chinese characters (or letters) that the question lacks: an
    answer adds something; a sentence that only restates the question does not.

    >>> novelty("长城有多长", "长城有多长"), novelty("长城全长两万公里", "长城有多长")
    (0.0, 0.625)
    """
    chars = [c for c in sentence if CJK.match(c) or c.isalnum()]
    if not chars:
        return 0.0
    asked = set(question)
    return sum(c not in asked for c in chars) / len(chars)


def length(sentence: str) -> float:
    """Length on a log scale, 1.0 at the longest answer (240 characters).

    >>> round(length("一" * 15), 2), round(length("一" * 240), 2)
    (0.51, 1.0)
    """
    return math.log1p(len(sentence)) / math.log1p(240)


def title_share(q: Query, title: str) -> float:
    """Weighted share of the question's terms in a document's title: is the question
    about what the document is about?

    >>> q = Query.of("大熊猫吃什么？")
    >>> title_share(q, "大熊猫"), title_share(q, "竹子")
    (0.75, 0.0)
    """
    return term_coverage(q.terms, title)


def untitled_share(q: Query, title: str, sentence: str) -> float:
    """Weighted share, in a sentence, of the question's terms its document's title lacks:
    in a document about the title's subject, a sentence may leave the subject out and
    still answer (本剧由…主演 in a document titled 《鳄鱼泪》). With every term in the
    title, the sentence's share of them all.

    >>> q = Query.of("《鳄鱼泪》是谁主演的？")
    >>> untitled_share(q, "鳄鱼泪", "本剧由潘志文领衔主演。")
    1.0
    >>> untitled_share(q, "鳄鱼泪", "主题曲《鳄鱼泪》由袁丽嫦原唱。")
    0.0
    """
    rest = {t: w for t, w in q.terms.items() if not present(t, title)}
    return term_coverage(rest or q.terms, sentence)


# The order of the weights in the model file; rag.judge checks the file says the same.
SENTENCE_FEATURES = (
    "rule",
    "terms",
    "bigrams",
    "passage_terms",
    "passage_bigrams",
    "missing",
    "close",
    "close_gap",
    "rule_gap",
    "passage_close",
    "inv_rank",
    "retrieval",
    "type_match",
    "type_miss",
    "neighbour",
    "type_near",
    "novelty",
    "length",
    "fragment",
    "heading",
    "joined",
    "focus_missing",
    "year_missing",
    "other_place",
    "pins_missing",
    "figures_missing",
    "year_conflict",
    "passage_pins_missing",
    "sentence_missing",
    "title_terms",
    "untitled_terms",
    "untitled_gap",
    "unit_match",
    "unit_miss",
    "english",
    "english_close",
    "year_match",
)

# What a follow-up read with its conversation adds to its choice (rag.judge): the share of
# the words it adds to the question before it (by weight) that a sentence of a document
# the previous answer quoted holds (rag.answer.conversation_matrix). (Whether the previous
# answer cited the sentence's passage was tried too: ranking already favours those
# passages, and the term chose no better for it on conversations not fitted on.)
CONVERSATION_FEATURES = ("added_terms",)

QUESTION_FEATURES = (
    "best_logit",
    "second_logit",
    "best_terms",
    "best_close",
    "best_type_match",
    "best_pins_missing",
    "best_figures_missing",
    "best_focus_missing",
    "best_year_conflict",
    "unseen_run",
    "best_other_place",
    "figures_nowhere",
    "unit_nowhere",
    "best_unit_miss",
    "best_missing",
    "min_passage_pins_missing",
    "pinned_gap",
    "max_passage_terms",
    "max_passage_bigrams",
    "min_missing",
    "max_close",
    "max_title_terms",
    "agree",
    "english",
    "wants_known",
)

# Which way each question feature may move the chance that the passages answer (+1 up, -1
# down, 0 either): a prior, not a fit. More of the question found, closer in meaning, the
# kind asked for held: never less likely; a pin, a figure or a unit missing: never more.
# English questions' abstention model is fitted under these signs: fitted on a few hundred
# XQuAD questions, it had learned some the wrong way round (the best sentence holding the
# kind of thing asked for made "not found" likelier).
QUESTION_SIGNS = {
    "best_logit": 1,
    "second_logit": 0,
    "best_terms": 1,
    "best_close": 1,
    "best_type_match": 1,
    "best_pins_missing": -1,
    "best_figures_missing": -1,
    "best_focus_missing": -1,
    "best_year_conflict": -1,
    "unseen_run": -1,
    "best_other_place": -1,
    "figures_nowhere": -1,
    "unit_nowhere": -1,
    "best_unit_miss": -1,
    "best_missing": -1,
    "min_passage_pins_missing": -1,
    "pinned_gap": 1,
    "max_passage_terms": 1,
    "max_passage_bigrams": 1,
    "min_missing": -1,
    "max_close": 1,
    "max_title_terms": 1,
    "agree": 1,
    "english": 0,
    "wants_known": 0,
}
