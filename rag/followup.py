"""Follow-up questions: an elliptical question is completed from the conversation before
retrieval ("那深圳呢？" after "广州开发区有多少家外资企业？" → "深圳有多少家外资企业？").

Pure functions over text. Two shapes are completed, the two that users type:

* **the same question about something else** — "那X呢？", "X呢？", "其中X的呢？",
  "换成X呢？", "X又是多少？", "And X?", "What about X?": the subject of the previous
  question is replaced by X, or its year or period by another ("那2023年呢？");
* **a pronoun for the previous subject** — "它的投资额是多少？", "该区……", "其……",
  "What is its …?": the pronoun is replaced by that subject, when it can stand for it
  (该文件 for a title in 《》, 该区 for …区; not 该中心 for a platform) and both are in one
  language.

A question of any other shape stands on its own and is left exactly as it is (the
engine reads it with its conversation). The rest of the module reads pointers into a
list the previous answer gave or quoted from: ordinals (第三点, 倒数第二块, 中间那条,
下一条), items named by what they are about (交通网那条), and the lists themselves
(一是…二是…, （一）…, 甲、乙和丙三个方面).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rag.query import asks_number
from rag.tokenize import normalize, strip_question_frames, words

_ELLIPSIS = re.compile(
    # 那 is "then", not the 那 of 那篇 / 那份 (that article), which is part of what is named.
    r"^\s*(?:那么|那(?![篇份本])|而|还有|其中|至于)?\s*(?P<x>[^，,。？?！!]{1,24}?)\s*(?:的)?"
    r"(?:呢|又如何|又怎样|怎么样|情况如何)\s*[？?]?\s*$"
)
_ELLIPSIS_EN = re.compile(
    r"^\s*(?:and|what about|how about)\s+(?:the\s+)?(?P<x>[^?]{1,60}?)\s*\??\s*$", re.I
)
# Pronouns that stand for the previous question's subject (其 only as a pronoun: not 其中,
# 其他, 其实, 其余, 其次).
# The kinds a pronoun may name (该文件, 该市, 该平台): a document's, which a title in 《》
# is one of; a place's; and the others.
_DOCUMENTS = ("文件", "政策", "意见", "规划", "方案", "计划", "措施", "条例", "办法")
_PLACE_KINDS = ("区", "市", "地方")
_THING_KINDS = (*_DOCUMENTS, "平台", "项目", "企业", "机构", "公司", "集团", "部门", "中心", "服务")
_PRONOUN = re.compile(
    f"它们|它|该(?:{'|'.join(('区', '市', '园区', *_THING_KINDS))})|"
    r"这(?:份|个|项|一)(?:文件|政策|规划|方案|计划)|这个地方|这里|那里|其(?=[^中他实余次])"
)
_PRONOUN_EN = re.compile(r"\b(?:its|it|they|their)\b", re.I)
# What a question about something else says around it (换成横琴呢？, 佛山那边呢？).
_SWITCH_LEAD = re.compile(r"^(?:换成|换做|换到|改成|改为|如果是|要是|若是|假如是)")
_SWITCH_TAIL = re.compile(r"(?:那边|这边|那里|这里|那儿|这儿|的情况|情况)$")
# A year, a period of one (上半年, 1-10月, 12月31日), or both (2024年上半年).
_YEAR = r"(?:(?:19|20)\d{2}年|今年|去年|前年|明年)"
_PERIOD = (
    r"(?:上半年|下半年|前三季度|第?[一二三四]季度|"
    r"\d{1,2}(?:[-—~至到]\d{1,2})?月份?(?:\d{1,2}日)?)"
)
_WHEN = re.compile(f"(?P<year>{_YEAR})(?P<period>{_PERIOD})?|(?P<only>{_PERIOD})")
# A year of the calendar, as against 今年, 去年 (what a follow-up may carry over).
_CALENDAR_YEAR = re.compile(r"(?:19|20)\d{2}年")
# Openings that set a time or topic before the subject ("截至2024年，", "在审批上，").
_OPENING_WORD = re.compile(r"^(?:截至|截止|在|为了|对于|关于|按照|根据)")
_OPENING = re.compile(_OPENING_WORD.pattern + r"(?P<what>[^，,]{0,20})[，,]\s*")
# Where the subject ends: the first predicate or question word after it.
_PREDICATE = re.compile(
    r"有(?!限)|是|在|为|于|将|已|共|累计|一共|总共|多少|几|哪|什么|如何|怎么|能否|可以|要|"
    r"的[^，,]{0,12}[是有]|\s(?:have|has|is|are|was|were|did|does|do|had|will|can)\b"
)
# An English subject: the first run of capitalised words after the question word.
_EN_SUBJECT = re.compile(r"(?<=\s)(?P<s>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)*)")


# Word classes (jieba) that do not end a subject: verbs, particles, numbers and times,
# adverbs and adjectives left over from the predicate ("广州开发区2018年集聚了").
_TRAILING = ("v", "u", "m", "t", "q", "p", "d", "c", "a", "x")
_LEADING = ("m", "t", "q", "x", "p")
# Names of things a question can be about, as against one of their attributes.
_NAMES = r"区|市|省|县|镇|局|院|平台|公司|集团|银行|中心|委员会|协会|大学|园区"
_ENTITY_END = re.compile(f"(?:{_NAMES})$")
# Where a name ends inside a longer span (市 left out: 上市, 城市 are no names).
_NAME_END = re.compile(r"区|省|县|局|院|平台|公司|集团|银行|中心|委员会|协会|大学|园区")
_OPEN, _CLOSE = "“「《", "”」》"


def _trim(span: str) -> str:
    """The subject inside the span before a predicate: up to its first 的 (广州经开区的
    地区生产总值), or its last name ending (深圳地方征信平台 of 深圳地方征信平台服务企业
    融资), without trailing verbs or leading times and numbers."""
    import jieba.posseg

    span = span.split("的")[0]
    ends = list(_NAME_END.finditer(span))
    if ends:
        span = span[: ends[-1].end()]
    words = _without_tail([(w.word, w.flag) for w in jieba.posseg.lcut(span)], _TRAILING)
    while words and words[0][1].startswith(_LEADING) and words[0][0] not in _OPEN:
        words.pop(0)
    return "".join(w for w, _ in words)


def _without_tail(words: list[tuple[str, str]], flags: tuple[str, ...]) -> list[tuple[str, str]]:
    """(word, jieba flag) pairs without the trailing words tagged ``flags``; a verbal
    noun (vn) and a closing quote stay."""
    while (
        words
        and words[-1][1].startswith(flags)
        and words[-1][1] != "vn"
        and words[-1][0] not in _CLOSE
    ):
        words.pop()
    return words


def is_entity(text: str) -> bool:
    """True for a place, organisation or platform, False for an attribute of one.

    >>> is_entity("深圳"), is_entity("龙华区"), is_entity("政务事项")
    (True, True, False)
    """
    import jieba.posseg

    if text.isascii():
        return text[:1].isupper()
    if _ENTITY_END.search(text) or any(place in text for place in _places()):
        return True
    # Organisation and person names; jieba's place tag is too loose (上市 is one).
    return any(w.flag in ("nt", "nr", "nz") for w in jieba.posseg.lcut(text))


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Chinese place names the glossary knows (广州, 前海, 横琴 …): its two- and
    three-character renderings, not the single 区, 市, 省."""
    from rag.glossary import PLACES as NAMES

    return frozenset(zh for names in NAMES.values() for zh in names.split() if 2 <= len(zh) <= 3)


def subject(question: str) -> str:
    """The subject a question is about: the span before its predicate.

    >>> subject("广州开发区有多少家外资企业？")
    '广州开发区'
    >>> subject("截至2024年，深圳前海累计注册多少家港资企业？")
    '深圳前海'
    >>> subject("广州开发区2018年集聚了多少家科技企业？")
    '广州开发区'
    >>> subject("《关于新时代加快完善社会主义市场经济体制的意见》提出了几个关键领域的改革？")
    '《关于新时代加快完善社会主义市场经济体制的意见》'
    """
    body = _OPENING.sub("", question.strip())
    if body.isascii():
        m = _EN_SUBJECT.search(body)
        return m.group("s").strip() if m else ""
    # A document's title in 《》 is a subject however long it is, and whatever words it
    # holds (关于…).
    title = body[: body.find("》") + 1] if body.startswith("《") else ""
    if 2 < len(title) <= 40:
        return title
    m = _PREDICATE.search(body)
    span = _trim(body[: m.start()].strip(" ，,。？?")) if m else ""
    return span if 2 <= len(span) <= 24 else ""


def elliptical(question: str) -> bool:
    """Whether the question asks what was asked before of something else (那深圳呢？,
    要素市场化那份呢？, And Shenzhen?): its only words name that thing, with no
    predicate, question word or pronoun of their own.

    >>> [elliptical(q) for q in ("那深圳呢？", "And Shenzhen?", "要素市场化那份呢？")]
    [True, True, True]
    >>> [elliptical(q) for q in ("已经兑现了多少钱？", "几家呢？", "它们呢？", "那為什麼呢？")]
    [False, False, False, False]
    >>> elliptical("And how many?")
    False
    """
    question = normalize(question)
    for pattern in (_ELLIPSIS, _ELLIPSIS_EN):
        m = pattern.match(question)
        if m and not _PRONOUN.search(m.group("x")) and not _has_predicate(m.group("x")):
            return True
    return False


_EN_ASKS = re.compile(r"\b(?:how|what|when|where|which|who|whom|whose|why)\b", re.I)


def _has_predicate(text: str) -> bool:
    """Whether ``text`` holds a predicate or question word of its own: in Chinese, one
    that starts a word jieba does not read as a noun (几家, 为什么, 要 in 要怎么; not 要
    in 要素).

    >>> _has_predicate("要素市场化那份"), _has_predicate("几家"), _has_predicate("how many")
    (False, True, True)
    """
    import jieba.posseg

    if text.isascii():
        return bool(_PREDICATE.search(text) or _EN_ASKS.search(text))
    flags, at = {}, 0
    for w in jieba.posseg.lcut(text):
        flags[at] = w.flag
        at += len(w.word)
    return any(
        m.start() in flags and not flags[m.start()].startswith("n")
        for m in _PREDICATE.finditer(text)
    )


def understand(question: str, history: Sequence[str] = ()) -> str:
    """The question as it is meant in the conversation (oldest turn first in ``history``).

    >>> understand("那深圳呢？", ["广州开发区有多少家外资企业？"])
    '深圳有多少家外资企业？'
    >>> understand("它的投资额是多少？", ["广州开发区有多少家外资企业？"])
    '广州开发区的投资额是多少？'
    >>> understand("深圳有多少家外资企业？", ["广州开发区有多少家外资企业？"])
    '深圳有多少家外资企业？'
    >>> understand("那上市企业呢？", ["广州开发区有多少家外资企业？"])
    '广州开发区的上市企业有多少？'
    >>> understand("前海有多少名香港律师在那里执业？", ["广州开发区有多少家外资企业？"])
    '前海有多少名香港律师在那里执业？'
    >>> understand("那深圳龙华区呢？", ["在广州黄埔区，“免申即享”事项推出了几个？"])
    '在深圳龙华区，“免申即享”事项推出了几个？'
    >>> understand("And Shenzhen?", ["How many listed companies are there in Guangzhou?"])
    'How many listed companies are there in Shenzhen?'
    >>> understand("它有多少家企业？", ["What is the Qianhai Legal Service Zone?"])
    '它有多少家企业？'
    >>> understand("那2023年呢？", ["广州开发区2018年有多少家外资企业？"])
    '广州开发区2023年有多少家外资企业？'
    >>> understand("去年上半年的呢？", ["广州开发区有多少家外资企业？"])
    '广州开发区去年上半年有多少家外资企业？'
    >>> understand("换成横琴呢？", ["南沙的集群注册企业有多少家？"])
    '横琴的集群注册企业有多少家？'
    >>> understand("佛山那边呢？", ["深圳有多少家专精特新企业？"])
    '佛山有多少家专精特新企业？'
    >>> understand("净利润呢？", ["星辰科技2023年营收多少？"])
    '星辰科技2023年的净利润有多少？'
    """
    if not history or ordinal(question) is not None or relative(question):
        # Words that count into a list (下一项呢？, 第三点呢？) name no subject.
        return question
    previous = understand(history[-1], history[:-1])
    topic = subject(previous)
    if not topic or topic.isascii() != question.isascii():
        # A subject in another language than the question's is not written into it: the
        # question would be read in one language with a name in the other.
        return question
    for pattern in (_ELLIPSIS, _ELLIPSIS_EN):
        m = pattern.match(question)
        other = m.group("x").strip() if m else ""
        # 换成横琴呢？, 佛山那边呢？: the place is what is put in.
        if not other.isascii():
            other = _SWITCH_TAIL.sub("", _SWITCH_LEAD.sub("", normalize(other))) or other
        if _WHEN.fullmatch(other):
            return _another_time(previous, topic, other) or question
        # A question of its own that merely ends in 呢 has a predicate: not elliptical.
        if other and other != topic and not _PRONOUN.search(other) and not _PREDICATE.search(other):
            whole = phrase(previous)
            if "的" in other and whole and is_entity(other.split("的")[0]):
                # A thing with its owner (那前海的法务区呢？) takes the place of the one the
                # question asked about with its owner (横琴的琴澳国际法务集聚区).
                return previous.replace(whole, other, 1)
            if alike := alike_span(previous, other):
                # A document or body takes the place of the one of its kind.
                return previous.replace(alike, other, 1)
            if is_entity(other):
                # A place or body takes the place of the one the question named, even
                # when that one stood in its opening (在广州黄埔区，…事项推出了几个？).
                opening = _OPENING.match(previous.strip())
                named = opening.group("what").strip() if opening else ""
                if named and is_entity(named) and not is_entity(topic):
                    return previous.replace(named, other, 1)
                return previous.replace(topic, other, 1)
            if question.isascii():  # What about its tax revenue? → … Guangzhou tax revenue?
                return (
                    _PRONOUN_EN.sub(topic, question, count=1)
                    if _PRONOUN_EN.search(question)
                    else f"{question.rstrip(' ?')} of {topic}?"
                )
            # Another attribute of the same subject (那政务事项呢？), of the time the
            # previous question named (2023年上半年), where it named one calendar year.
            asks = "有多少" if asks_number(previous) else "是什么"
            return f"{_of_time(topic, previous, other)}的{other}{asks}？"
    other = _switched_to(question, previous)
    if other:
        # Another place or body asked the same of (深圳又是多少？, 龙华区有没有类似的？).
        return previous.replace(alike_span(previous, other) or topic, other, 1)
    pronoun = _PRONOUN_EN if question.isascii() else _PRONOUN
    # Found in the Simplified form (該 is 该), replaced in the question as typed.
    seen = normalize(question)
    m = pronoun.search(seen if len(seen) == len(question) else question)
    # A pronoun whose antecedent stands earlier in the question itself (南沙是怎么对它们
    # 进行监管的) refers to that, not to the conversation.
    if m and not _names_something(question[: m.start()]) and _agrees(m.group(), topic):
        meant = topic
        if m.group() in ("它", "它们", "其"):
            meant = named_thing(previous) or topic
        return question[: m.start()] + meant + question[m.end() :]
    return question


def _of_time(topic: str, previous: str, other: str) -> str:
    """The subject of the previous question with the time it asked about, for another
    attribute of it (``other``) that names no time of its own. A time the subject ran
    into (星辰科技2023年营收) ends it. Only a single calendar year is carried (2023年,
    2023年上半年): a range, or 今年 and the like, is not.

    >>> _of_time("星辰科技2023年营", "星辰科技2023年上半年营收多少？", "净利润")
    '星辰科技2023年上半年'
    >>> _of_time("星辰科技", "2023年星辰科技营收多少？", "净利润")
    '2023年星辰科技'
    >>> _of_time("星辰科技", "星辰科技2018年到2023年营收增长了多少？", "净利润")
    '星辰科技'
    """
    inside = _WHEN.search(topic)
    owner = topic[: inside.start()] if inside and inside.start() else topic
    times = list(_WHEN.finditer(previous))
    if (
        len(times) != 1
        or _WHEN.search(other)
        or not _CALENDAR_YEAR.fullmatch(times[0].group("year") or "")
    ):
        return owner
    return times[0].group() + owner if times[0].start() == 0 else owner + times[0].group()


def _another_time(previous: str, topic: str, when: str) -> str:
    """The previous question asked of another year or period (``when``): in place of
    its own, a period alone keeping its year and a year alone its period; joined to the
    subject where it had none. "" for a question over a range of years, which says not
    which to replace.

    >>> _another_time("广州开发区2018年有多少家外资企业？", "广州开发区", "2023年")
    '广州开发区2023年有多少家外资企业？'
    >>> _another_time("广州开发区2023年的GDP是多少？", "广州开发区", "上半年")
    '广州开发区2023年上半年的GDP是多少？'
    >>> _another_time("截至2023年12月31日，深圳有多少家企业？", "深圳", "2024年")
    '截至2024年12月31日，深圳有多少家企业？'
    >>> _another_time("2018年到2023年新增了多少家企业？", "", "2024年")
    ''
    """
    asked = _WHEN.fullmatch(when)
    times = list(_WHEN.finditer(previous))
    if len([t for t in times if t.group("year")]) > 1:
        return ""
    if not times:
        return previous.replace(topic, topic + when, 1) if topic else ""
    held = times[0]
    year = asked.group("year") or held.group("year") or ""
    period = asked.group("period") or asked.group("only") or held.group("period") or ""
    if asked.group("year") and not (asked.group("period") or asked.group("only")):
        period = held.group("period") or ""
    return previous[: held.start()] + year + period + previous[held.end() :]


# How a body's name ends (…区, …院, …平台), 市 left out (上市, 城市 are no names).
_BODY_END = re.compile(f"(?:{_NAME_END.pattern})$")
# Words that ask the same of another subject (又是多少, 有没有类似的, 数字呢): one must be
# there, or a bare count (多少家？), and no other word of content.
_AGAIN = frozenset("数字 数据 数量 类似 对比 比较 同期 那边 这边 差不多 一样 同样".split())
_AGAIN_SAID = re.compile("又|也|" + "|".join(sorted(_AGAIN)))
_COUNT = re.compile(r"多少|几")


_DOCUMENT = re.compile(r"《[^》]+》|[^，,。？?：:《》]{2,12}?[那这][篇份]")
_DOCUMENT_END = re.compile(r"《[^》]+》$|[那这][篇份]$|文章$|报道$")
_CLAUSE_START = re.compile(r"[，,。；;：:？?！!]")


def alike_span(previous: str, other: str) -> str:
    """The words of the previous question that ``other`` takes the place of because it
    is the same kind of thing: a document for a document (经济日报那篇 for 《…》), a body
    for the body of the same ending (深圳地方征信平台 for 广州的“信易贷”平台, 国家高新区 for
    我国的国家级经济技术开发区), from where its clause starts; "" when there is none.

    >>> alike_span("广州的“信易贷”平台累计促成了多少融资放款？", "深圳地方征信平台")
    '广州的“信易贷”平台'
    >>> alike_span("我国的国家级经济技术开发区现在一共有多少家？", "国家高新区")
    '我国的国家级经济技术开发区'
    >>> alike_span("《创建引领之地》里提到多少个项目？", "经济日报那篇")
    '《创建引领之地》'
    >>> alike_span("在广州黄埔区，事项推出了几个？", "深圳龙华区")
    '广州黄埔区'
    >>> alike_span("深圳有多少家？", "广州")
    ''
    """
    if _DOCUMENT_END.search(other):
        found = _DOCUMENT.search(previous)
        return found.group().strip() if found else ""
    end = _BODY_END.search(other)
    at = previous.rfind(end.group()) if end else -1
    if at < 0:
        return ""
    stop = at + len(end.group())
    starts = [m.end() for m in _CLAUSE_START.finditer(previous, 0, at)]
    span = previous[starts[-1] if starts else 0 : stop].strip()
    opening = _OPENING_WORD.match(span)
    span = span[opening.end() :] if opening else span
    return span if span != other and len(span) >= 2 else ""


def _switched_to(question: str, previous: str) -> str:
    """The place or body a question names when it asks the same again of it and nothing
    else (深圳又是多少？, 深圳龙华区有没有类似的？, 深圳呢，多少家？): the previous question,
    asked of it. "" when the question says more, names no such thing (a place the
    glossary knows, alone or with a body's ending: 龙华区, 深圳国际仲裁院), or names one
    the previous question did.

    >>> _switched_to("深圳又是多少？", "广州开发区有多少家外资企业？")
    '深圳'
    >>> [_switched_to(q, "广州开发区有多少家外资企业？") for q in
    ...  ("深圳有多少名律师？", "深圳是什么？", "上市公司又有多少？", "澳门企业又有多少？")]
    ['', '', '', '']
    >>> _switched_to("龍華區又是多少？", "广州开发区有多少家外资企业？")
    '龙华区'
    """
    if question.isascii():
        return ""
    text = normalize(question)
    named = re.sub(r"[呢吧啊]$", "", subject(text))
    places = _places()
    known = named in places or (
        bool(_BODY_END.search(named)) and any(place in named for place in places)
    )
    if not named or named in normalize(previous) or not known:
        return ""
    rest = text.replace(named, " ", 1)
    if set(words(strip_question_frames(rest))) - _AGAIN:
        return ""
    return named if _AGAIN_SAID.search(rest) or _COUNT.search(rest) else ""


def _agrees(pronoun: str, topic: str) -> bool:
    """Whether a pronoun that says what it stands for (该中心, 这份文件) can stand for
    ``topic``: the topic is of that kind (该中心 for …仲裁中心, 该文件 for a 《》 title),
    or, for a place (该市, 该区, 这个地方), not named as a thing of another kind. Bare
    pronouns (它, 其, 这里) stand for anything.

    >>> _agrees("该文件", "《关于…的意见》"), _agrees("该区", "广州开发区"), _agrees("该市", "深圳")
    (True, True, True)
    >>> _agrees("该中心", "江门那个“深圳+江门”"), _agrees("该区", "深i企平台")
    (False, False)
    >>> _agrees("它", "江门")
    True
    """
    kind = re.sub(r"^(?:该|这[份个项一])", "", pronoun)
    if kind == pronoun or topic.endswith(kind):
        return True
    if kind in _DOCUMENTS:
        return topic[:1] == "《"
    if kind in _PLACE_KINDS:
        return not any(topic.endswith(other) for other in _THING_KINDS)
    return False


_QUOTED = re.compile(r"[“「《][^”」》]{1,20}[”」》]")


def named_thing(question: str) -> str:
    """A quoted name the subject owns, with its owner, when the question is about that
    (河套合作区的深港“联合政策包”是什么时候发布的？): 它 in the next question is the
    policy, not the district that owns it. "" when the question has no such name.

    >>> named_thing("河套合作区的深港“联合政策包”是什么时候发布的？")
    '河套合作区的深港“联合政策包”'
    >>> named_thing("广州开发区有多少家外资企业？"), named_thing("“深i企”平台是什么？")
    ('', '')
    """
    body = _OPENING.sub("", question.strip())
    m = _QUOTED.search(body)
    if not m or "的" not in body[: m.start()] or m.end() > 30:
        return ""
    return body[: m.end()] if _PREDICATE.match(body[m.end() :]) else ""


# A predicate, without the 的 that ends a subject's owner (as _PREDICATE has it).
_VERB = re.compile(_PREDICATE.pattern.replace(r"的[^，,]{0,12}[是有]|", ""))


def phrase(question: str) -> str:
    """The whole noun phrase a question asks about when it names an owner and the thing
    (横琴的琴澳国际法务集聚区是什么时候揭牌的？ → 横琴的琴澳国际法务集聚区); "" when it
    has no 的 before its predicate.

    >>> phrase("横琴的琴澳国际法务集聚区是什么时候揭牌的？"), phrase("广州开发区有多少家外资企业？")
    ('横琴的琴澳国际法务集聚区', '')
    >>> phrase("前海的人才政策提供了什么补贴？")
    '前海的人才政策'
    """
    import jieba.posseg

    body = _OPENING.sub("", question.strip())
    m = _VERB.search(body)
    span = body[: m.start()].strip(" ，,") if m else ""
    # A verb the predicate list lacks (提供了什么) is left at the end: taken off, with its 了.
    words = _without_tail([(w.word, w.flag) for w in jieba.posseg.lcut(span)], ("v", "u", "d"))
    span = "".join(w for w, _ in words)
    return span if "的" in span and len(span) <= 24 else ""


def _names_something(text: str) -> bool:
    """True when ``text`` (the start of a question) already names a place or body."""
    if text.isascii():
        return any(w[:1].isupper() for w in text.split()[1:])
    return bool(text.strip()) and is_entity(text) or any(p in text for p in _places())


# "第三点", "其中第二条", "排在第二位的", "第4个" — an ordinal into a list.
# "排第四的那个", "排在第二的": a place in the list the answer gave.
# The words a list's items are counted in (第三点, 中间那块, 交通网那条).
_PIECE = "(?:个|点|条|项|方面|种|类|部分|块|板块|维度|层面|环节)"
# Counted in pieces a word also uses (中间环节, 最后一块短板): only after 那 or 一.
_POINTED_PIECE = (
    r"(?:(?:那一?|一)?(?:个|点|条|项|方面|种)|(?:那一?|一)(?:块|板块|维度|层面|环节|类|部分))"
)
_ORDINAL = re.compile(
    rf"第\s*(?P<n>[一二两三四五六七八九十\d]{{1,2}})\s*"
    rf"(?:个?(?:方面|部分|板块|维度|层面|环节)|位|{_PIECE})|"
    r"排(?:在)?第\s*(?P<m>[一二两三四五六七八九十\d]{1,2})(?![季方批])"
)
_FIRST = re.compile(rf"头一{_PIECE}|最前面的(?:那)?一?{_PIECE}")
_LAST = re.compile(
    rf"最后(?:的)?{_POINTED_PIECE}|排(?:在)?最后|the last (?:one|point|item)",
    re.I,
)
_OTHER_SIDE = re.compile(r"另一方面|另一个方面|the other (?:one|side)", re.I)
_FROM_END = re.compile(rf"倒数第\s*(?P<n>[一二两三四五六七八九十\d]{{1,2}})\s*{_PIECE}?")
_MIDDLE = re.compile(rf"(?:最)?中间(?:的)?{_POINTED_PIECE}|the middle (?:one|point)", re.I)
# One item on from another (排第二那条后面挨着的, 下一条), or one back (前面那条, 上一条);
# not the turn before (上一个回答, 上一个问题).
_AFTER = re.compile(rf"(?:后面(?:紧?挨着的?|的?那?一?{_PIECE})|下一{_PIECE})(?!问|回答|答案)")
_BEFORE = re.compile(rf"(?:前面(?:紧?挨着的?|的?那?一?{_PIECE})|上一{_PIECE})(?!问|回答|答案)")
# ``ordinal``'s answer for the middle item of a list.
MIDDLE = 0
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ORDINAL_EN = re.compile(
    r"\bthe (first|second|third|fourth|fifth|sixth) (?:one|point|item|aspect|part|measure)s?\b",
    re.I,
)
_EN_NUMBERS = ("first", "second", "third", "fourth", "fifth", "sixth")


def chinese_number(text: str) -> int:
    """A small Chinese or Arabic number.

    >>> chinese_number("三"), chinese_number("十二"), chinese_number("二十"), chinese_number("7")
    (3, 12, 20, 7)
    """
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _DIGITS.get(tens, 1) * 10 + _DIGITS.get(ones, 0)
    return _DIGITS.get(text, 0)


def ordinal(question: str) -> int | None:
    """Which item of a list a follow-up points to: 1-based, counted from the end when
    negative (-1 the last one), ``MIDDLE`` for the middle one, and 2 for 另一方面 (the
    other of two). None when it points to none.

    >>> ordinal("那第三点呢？"), ordinal("其中第二条具体是什么？"), ordinal("最后一个能做什么？")
    (3, 2, -1)
    >>> ordinal("另一方面呢？"), ordinal("What is the second one?")
    (2, 2)
    >>> [ordinal(q) for q in ("第一季度的产值？", "第三方机构有哪些？", "排名第一的是谁？")]
    [None, None, None]
    >>> ordinal("Who built China's first lab?") is None
    True
    >>> ordinal("排第四的那个问题是什么？"), ordinal("排在最后的那一项呢？")
    (4, -1)
    >>> ordinal("最後那個階段呢？")
    -1
    >>> ordinal("头一项关于土地的呢？")
    1
    >>> ordinal("倒数第二个展开说下"), ordinal("中间那条讲啥"), ordinal("倒数第一条呢")
    (-2, 0, -1)
    >>> ordinal("排第二那条后面挨着的是啥"), ordinal("倒数第二条的下一条")
    (3, -1)
    >>> ordinal("最后一项的下一项") is None, ordinal("你上一个回答的第二点能展开吗？")
    (True, 2)
    >>> ordinal("下一个五年规划的第一个目标是什么？"), ordinal("如何减少中间环节？")
    (1, None)
    """
    question = normalize(question)
    n, end = _counted_place(question)
    # A step counts after the item it steps from (排第二那条后面…), not before it (下一个
    # 五年规划的第一个目标).
    step = relative(question[end:]) if n is not None else 0
    return stepped(n, step) if step else n


def stepped(n: int, step: int) -> int | None:
    """Item ``n`` (as ``ordinal`` counts) moved ``step`` items on; None past either end
    of the list, or from the middle one, whose place the count of items decides.

    >>> stepped(2, 1), stepped(-2, 1), stepped(-1, 1), stepped(1, -1), stepped(MIDDLE, 1)
    (3, -1, None, None, None)
    """
    moved = n + step
    return moved if n != MIDDLE and moved * n > 0 else None


def relative(question: str) -> int:
    """+1 when a question points one item on (下一条, 后面挨着的), -1 one back (上一条),
    0 when neither.

    >>> relative("下一条呢？"), relative("前面那个呢？"), relative("后面还有什么？")
    (1, -1, 0)
    """
    question = normalize(question)
    if _AFTER.search(question):
        return 1
    return -1 if _BEFORE.search(question) else 0


def _counted_place(question: str) -> tuple[int | None, int]:
    """``ordinal`` before any step on or back, and where the words saying it end."""
    if m := _FROM_END.search(question):
        return -chinese_number(m.group("n")) or None, m.end()
    for pattern, place in ((_LAST, -1), (_MIDDLE, MIDDLE), (_OTHER_SIDE, 2), (_FIRST, 1)):
        if m := pattern.search(question):
            return place, m.end()
    if m := _ORDINAL.search(question):
        return chinese_number(m.group("n") or m.group("m")) or None, m.end()
    if m := _ORDINAL_EN.search(question):
        return _EN_NUMBERS.index(m.group(1).lower()) + 1, m.end()
    return None, 0


# An item pointed to by what it is about, not its number (交通网那条, 其中关于人才的那点).
_POINTER = re.compile(
    r"(?:其中)?(?:跟|和|与)?(?:关于|有关|讲|说|提到)?(?P<what>[^，,。？?！!、\s那这]{2,12}?)"
    r"(?:方面|相关|有关)?的?那一?(?:条|点|项|方面|块|板块|维度|层面|环节)"
)
# An item is named when it holds this share of the name's character pairs, and no other
# item holds half of them.
NAMED = 0.6
ALSO_NAMED = 0.5


def pair_share(name: str, text: str) -> float:
    """The share of ``name``'s character pairs (the name itself, for one character) that
    ``text`` holds: how far it speaks of the name, in other words than the name's own.

    >>> pair_share("交通网", "建综合交通网"), pair_share("资源优化", "资源的有效配置优化")
    (1.0, 0.6666666666666666)
    """
    pairs = {name[i : i + 2] for i in range(len(name) - 1)} or {name}
    return sum(p in text for p in pairs) / len(pairs)


def pointed(question: str) -> str:
    """What a follow-up names the list item it asks about by (normalised), or "".

    >>> pointed("交通网那条具体要推动哪些线路？"), pointed("其中关于人才的那点展开讲讲")
    ('交通网', '人才')
    >>> pointed("跟上市有关的那条怎么说？")
    '上市'
    >>> pointed("那条措施是谁负责的？"), pointed("第二条是什么？"), pointed("去年那个数字呢？")
    ('', '', '')
    """
    m = _POINTER.search(normalize(question))
    return m.group("what") if m else ""


def about(lists: Sequence[list[str]], what: str) -> tuple[int, str] | None:
    """The item of the first list that ``what`` names, with the index of that list: the
    only item holding most of its character pairs; failing that, of the pairs of its
    end (请问交通网: 交通网, 通网), the longest end that names one.

    >>> about([["一是修路；", "二是建综合交通网；", "三是引人才。"]], "请问交通网")
    (0, '二是建综合交通网；')
    >>> about([["一是广州修路；", "二是广州建桥。"]], "广州") is None
    True

    Named in several items, it is the one whose opening clause (its headline) names it:

    >>> about([["1. 培育企业，加大融资支持。", "2. 创新融资模式，设立银行。"]], "融资")
    (0, '2. 创新融资模式，设立银行。')
    """
    for start in range(max(len(what) - 1, 1)):
        end = what[start:]
        for i, found in enumerate(lists):
            shares = [pair_share(end, normalize(item)) for item in found]
            held = [item for item, share in zip(found, shares) if share >= ALSO_NAMED]
            if len(held) == 1 and max(shares) >= NAMED:
                return i, held[0]
            if len(held) > 1:
                headed = [
                    item
                    for item in held
                    if pair_share(end, normalize(_CLAUSE_END.split(item, maxsplit=1)[0])) >= NAMED
                ]
                # It names several: the one it heads, else none of them.
                return (i, headed[0]) if len(headed) == 1 else None
    return None


_CLAUSE_END = re.compile(r"[，,。；;：:！？!?]")


# Where an enumerated item begins, by family: 一是, （一）, 一、, 1. / 1、, ①, 第一，,
# 一方面 … 另一方面. The number of each marker is its group "n".
_FAMILIES = (
    r"(?<![之统唯同均])(?P<n>[一二三四五六七八九十]{1,2})是",
    r"(?<![之统唯同均不只])(?P<n>[一二三四五六七八九十]{1,2})要(?=[^求素点])",
    r"[（(](?P<n>[一二三四五六七八九十]{1,2})[）)]",
    r"[（(](?P<n>\d{1,2})[）)]",
    r"(?<![\d一二三四五六七八九十])(?P<n>[一二三四五六七八九十]{1,2})、",
    r"(?<![\d.])(?P<n>\d{1,2})[.、．](?!\d)",
    r"(?P<n>[①②③④⑤⑥⑦⑧⑨⑩])",
    r"第(?P<n>[一二三四五六七八九十]{1,2})[，,、]",
    r"(?P<n>一方面|另一方面)",
)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def _number(n: str) -> int:
    if n in _CIRCLED:
        return _CIRCLED.index(n) + 1
    if n.endswith("方面"):
        return 1 if n == "一方面" else 2
    return chinese_number(n)


def items(text: str) -> list[str]:
    """The enumerated items of a passage, each as it stands in the text, in order: the
    longest run of one kind of marker numbered 1, 2, 3 …; [] when none has two.

    >>> items("下一步将从三方面发力。一是优化营商环境；二是扩大开放；三是培育人才。")
    ['一是优化营商环境；', '二是扩大开放；', '三是培育人才。']
    >>> items("三、战略定位 大熊猫（一）吃竹子（二）爱睡觉")
    ['（一）吃竹子', '（二）爱睡觉']
    >>> items("2023年增长5.2%。")
    []
    """
    return enumerated(text)[1]


_SENTENCE_END = re.compile(r"[。！？!?](?:[”’」』）)])?")
_ENDED = re.compile(_SENTENCE_END.pattern + r"\s*$")
# A sentence that opens with one of these closes the list before it.
_CLOSING = re.compile(r"(?<=[。！？!?])\s*(?:此外|另外|除此之外|总之|总的来看|总体来看|综上)")


def enumerated(
    text: str,
    after: int = 0,
    family: int | None = None,
    least: int | None = None,
    sentences: int = 0,
) -> tuple[int, list[str]]:
    """``items``, with the family of marker that numbers them; or, with ``after`` (the
    items a passage before this one gave), the items that go on from there in that
    ``family``: a list may run over several passages, and one item is enough to go on.
    A list is at least ``least`` items long (default: two, or one going on).
    ``sentences``: how many sentences the longest of those earlier items ran to.

    >>> enumerated("二是扩大开放。三是培育人才；四是守住底线。", after=2, family=0)
    (0, ['三是培育人才；', '四是守住底线。'])
    >>> enumerated("三、其他事项。", after=2, family=0)
    (0, [])
    >>> enumerated("五是协同不足。“链上共同体”尚未形成。\\n\\n三、定位", after=4, family=0)
    (0, ['五是协同不足。“链上共同体”尚未形成。'])
    >>> enumerated("一方面是节地。推动工业上楼。另一方面是节能。建设配电网。此外，其他。")[1]
    ['一方面是节地。推动工业上楼。', '另一方面是节能。建设配电网。']
    >>> enumerated("上接。二是修路。三是修学校。建教学楼。此外，老街办美食节。", 1, 0, sentences=2)
    (0, ['二是修路。', '三是修学校。建教学楼。'])
    >>> enumerated("上接。二是修学校。建教学楼。此外，老街办美食节。", 1, 0)
    (0, ['二是修学校。建教学楼。'])
    >>> enumerated("一是扩大开放。"), enumerated("一是扩大开放。", least=1)
    ((0, []), (0, ['一是扩大开放。']))
    """
    best: list[tuple[int, int]] = []
    kind = family if family is not None else -1
    for number, marker in enumerate(_FAMILIES):
        if family is not None and number != family:
            continue
        run: list[tuple[int, int]] = []
        for m in re.finditer(marker, text):
            n = _number(m.group("n"))
            if n == after + 1:
                run = [(m.start(), m.end())]
            elif run and n == after + len(run) + 1:
                run.append((m.start(), m.end()))
            if len(run) > len(best):
                best, kind = list(run), number
    if len(best) < (least or (1 if after else 2)):
        return kind, []
    found = []
    for i, (start, _) in enumerate(best):
        end = best[i + 1][0] if i + 1 < len(best) else len(text)
        item = text[start:end].strip()
        if i + 1 < len(best):
            found.append(item)
            continue
        paragraph = item.split("\n")[0].strip()
        if start == 0 or text[:start].rstrip(" \t\u3000")[-1:] == "\n":
            # The last item of a list set out one per paragraph is its paragraph ...
            item = paragraph
        elif stops := list(_SENTENCE_END.finditer(paragraph)):
            # ... and of a list within a paragraph, runs on for as many sentences as the
            # longest item before it (here or, by ``sentences``, in an earlier passage);
            # going on from a passage whose items were all cut by its end, to the end of
            # the paragraph or a sentence that closes the list (此外，…); else to the end
            # of its sentence.
            longest = max(sentences, *map(sentence_count, found), 0)
            if not longest and after:
                closing = _CLOSING.search(paragraph)
                longest = sum(stop.end() <= closing.start() for stop in stops) if closing else 0
                longest = longest or len(stops)
            item = paragraph[: stops[min(max(longest, 1), len(stops)) - 1].end()]
        found.append(item)
    return kind, found


def sentence_count(text: str) -> int:
    """How many sentences ``text`` holds (a piece without an end counts as one).

    >>> sentence_count("一是修路。路长五公里。"), sentence_count("二是建桥"), sentence_count("")
    (2, 1, 0)
    """
    ends = len(_SENTENCE_END.findall(text))
    return ends + bool(_SENTENCE_END.sub("", text).strip() and not _ENDED.search(text))


def continuation(text: str, following: str, most: int) -> str:
    """What ``following`` (the next passage, which starts by repeating the end of
    ``text``) adds to the paragraph ``text`` ends with: up to that paragraph's end, the
    next enumerated item or ``most`` sentences; "" when the paragraph ends with
    ``text``, or the two passages share nothing to join them by.

    >>> continuation("一是修路。二是建桥，", "二是建桥，桥长两公里。三是引人才。", 2)
    '桥长两公里。'
    >>> continuation("一是修路。二是建桥，", "二是建桥，桥长两公里。此外，还办了马拉松。", 1)
    '桥长两公里。'
    >>> continuation("一是修路。", "一是修路。\\n\\n其他事项。", 3), continuation("甲。", "乙。", 3)
    ('', '')
    """
    size = next(
        (n for n in range(min(len(text), len(following)), 0, -1) if text.endswith(following[:n])),
        0,
    )
    rest = following[size:] if size and most > 0 else ""
    if rest[:1].isspace():
        return ""
    rest = rest.split("\n")[0]
    starts = [m.start() for marker in _FAMILIES for m in re.finditer(marker, rest)]
    rest = rest[: min(starts)] if starts else rest
    stops = list(_SENTENCE_END.finditer(rest))
    return rest[: stops[most - 1].end()] if len(stops) >= most else rest


def without_ordinal(question: str) -> str:
    """The question with the words that point into a list taken out (normalised): what
    is left says what it asks of the item.

    >>> without_ordinal("头一项关于土地的，具体打算怎么搞？")
    '关于土地的,具体打算怎么搞?'
    >>> without_ordinal("那第三点呢？")
    '那呢?'
    """
    question = normalize(question)
    pointers = (
        _AFTER,
        _BEFORE,
        _FROM_END,
        _LAST,
        _MIDDLE,
        _OTHER_SIDE,
        _FIRST,
        _ORDINAL,
        _ORDINAL_EN,
        _POINTER,
    )
    for pattern in pointers:
        question = pattern.sub("", question)
    return question


def nouns(text: str) -> set[str]:
    """The nouns of ``text`` (jieba's n*, vn and Latin words), two characters or more.

    >>> sorted(nouns("最后一项交通方面的目标是什么？"))
    ['交通', '方面', '目标']
    """
    import jieba.posseg

    return {
        w.word
        for w in jieba.posseg.lcut(text)
        if len(w.word) >= 2 and (w.flag.startswith("n") or w.flag in ("vn", "eng"))
    }


# A count a sentence gives of what it lists (有5项主要任务, 三大方面, 分为四个阶段).
_STATED = re.compile(
    r"(?:有|共|分为|包括|从|以下|提出|列出)[^。；;]{0,30}?"
    r"(?<![\d.])(?P<n>[二两三四五六七八九十]|\d)\s*"
    r"(?:项|个(?![月人])|大(?![批量])|点|条|方面|种|类|部分|阶段|步)"
)


def stated_count(sentence: str) -> int:
    """How many items a sentence says its list has, or 0.

    >>> stated_count("广州高新区提出创建示范区，有5项主要任务。")
    5
    >>> stated_count("从协同共治、技术创新、资源优化三大方面入手")
    3
    >>> stated_count("2023年营收增长5%。")
    0
    """
    m = _STATED.search(sentence)
    return chinese_number(m.group("n")) if m else 0


# Where a list run into a sentence begins: after a colon, 分别是 / 分别为 or 包括; and
# the longest part of it that counts as an item.
INLINE_ITEM = 40
_INLINE = re.compile(r"(?:[：:]|分别[是为]|包括)(?P<run>[^。；;：:！？!?]+)")


# A list run in before the count of its items (从甲、乙和丙三个方面, 涵盖甲、乙等六大领域):
# the last part joined by 和 / 及 / 与 when the count says so, the words leading into the
# first taken off; after the count, what the items are.
_COUNTED = re.compile(
    r"(?P<run>(?:[^、，,。；;：:！？!?]+、)+[^、，,。；;：:！？!?]+?)等?"
    r"(?<![\d.])(?P<n>[二两三四五六七八九十]|\d{1,2})\s*"
    r"(?:(?:个|大|项|类|种|条)(?P<kind>[\u4e00-\u9fff]{1,8})|"
    r"(?P<side>方面|维度|领域|层面|环节|板块|流程|部分|阶段|类别|任务|功能))"
)
# ... or, without a count, between 从 and the side they are of (从甲、乙、丙等方面).
_SIDES = re.compile(
    r"从(?P<run>[^从、，,。；;：:！？!?]+(?:、[^、，,。；;：:！？!?]+?)+?)等?的?"
    r"(?P<side>方面|维度|领域|层面|环节|角度)"
)
_JOINED = re.compile(r"以及|和|及|与")
_LEAD = re.compile(r"^.*(?:从|涵盖|包括|围绕|聚焦|覆盖|分为|优化为?|精简为|壮大)")


def counted(sentence: str) -> tuple[list[str], str]:
    """A list run in before the count of its items, or between 从 and 等方面, and the
    first four characters of what its items are (方面, 维度提出): ([], "") when there is
    none, or the count does not match.

    >>> counted("《措施》从政策支持、发展环境、法治环境和社会氛围四个维度提出20条措施。")
    (['政策支持', '发展环境', '法治环境', '社会氛围'], '维度提出')
    >>> counted("该区在发展中聚焦人工智能、新能源和集成电路与半导体三大新兴产业")
    (['人工智能', '新能源', '集成电路与半导体'], '新兴产业')
    >>> counted("涵盖人工智能、新能源等六大领域")
    ([], '')
    >>> counted("政策要从重构体系、强化统筹和创新模式等方面发力。")
    (['重构体系', '强化统筹', '创新模式'], '方面')
    """
    for m in _COUNTED.finditer(sentence):
        n = chinese_number(m.group("n"))
        parts = m.group("run").split("、")
        if len(parts) + 1 == n:
            parts[-1:] = _JOINED.split(parts[-1], maxsplit=1)
        parts[0] = _LEAD.sub("", parts[0])
        parts = [part.strip(' “”"') for part in parts]
        if len(parts) == n and all(0 < len(part) <= INLINE_ITEM for part in parts):
            return parts, (m.group("kind") or m.group("side"))[:4]
    for m in _SIDES.finditer(sentence):
        *parts, last = m.group("run").split("、")
        joined = _JOINED.split(last, maxsplit=1)
        parts += joined if all(len(part) >= 2 for part in joined) else [last]
        parts = [part.strip(' “”"') for part in parts]
        if all(0 < len(part) <= INLINE_ITEM for part in parts):
            return parts, m.group("side")
    return [], ""


def is_bare(item: str) -> bool:
    """Whether a list item is only a name (资源优化 of 从甲、乙、资源优化三大方面), not a
    sentence that says something.

    >>> is_bare("资源优化"), is_bare("三是优化营商环境。")
    (True, False)
    """
    return len(item) <= INLINE_ITEM and not re.search(r"[。；;！？!?，,]", item)


def names_item(quote: str, item: str) -> bool:
    """Whether a quote speaks of a bare item: it holds most (``NAMED``) of its character
    pairs, and is not the list that names it beside the others (甲、乙和丙).

    >>> names_item("该服务为资源的有效配置优化提供服务。", "资源优化")
    True
    >>> names_item("从协同共治、技术创新、资源优化三大方面", "资源优化")
    False
    >>> names_item("企业数量增长很快。", "资源优化")
    False
    """
    quote, item = normalize(quote), normalize(item)
    if re.search(f"{re.escape(item)}[、和与及]|[、和与及]{re.escape(item)}", quote):
        return False
    return pair_share(item, quote) >= NAMED


_ASKED_KIND = re.compile(
    r"(?:哪(?![里儿])|几)[几些一二两三四五六七八九十\d]*[个大项类种条]?(?P<what>[\u4e00-\u9fff]{2})"
)


def asked_kind(question: str) -> str:
    """The two characters that say what a question asks to have counted out (方面 in
    从哪几个方面…？, 战略 in 做大哪几个战略性新兴产业？), or "".

    >>> asked_kind("从哪几个方面帮助企业？"), asked_kind("做大哪几个战略性新兴产业？")
    ('方面', '战略')
    >>> asked_kind("从哪三个方面入手？"), asked_kind("哪两大方面？"), asked_kind("哪里有？")
    ('方面', '方面', '')
    """
    m = _ASKED_KIND.search(normalize(question))
    return m.group("what") if m else ""


def asks_for(kind: str, question: str) -> bool:
    """Whether a question asks for items of ``kind`` (what ``counted`` says they are):
    it shares a character pair with it.

    >>> asks_for("新兴产业", "壮大哪三大产业？"), asks_for("维度提出", "分为哪几个方面？")
    (True, False)
    """
    return any(kind[i : i + 2] in question for i in range(len(kind) - 1))


def inline(sentence: str) -> list[str]:
    """The items of a list run into a sentence: the parts between 、 after a colon,
    分别是 or 包括, up to the clause's end (…分为四个阶段：甲、乙、丙、丁，…), or before
    a count that says how many there are (从甲、乙和丙三个方面); [] when there are not
    two, a part is too long to be an item, or the count does not match.

    >>> inline("评估分为三个阶段：识别方案、分析环境、总结结果，避免不合理的规管。")
    ['识别方案', '分析环境', '总结结果']
    >>> inline("《措施》从政策支持、发展环境、法治环境和社会氛围四个维度提出20条措施。")
    ['政策支持', '发展环境', '法治环境', '社会氛围']
    >>> inline("公司的创始人是林小舟。"), inline("主要包括研发中心。")
    ([], [])
    """
    for m in _INLINE.finditer(sentence):
        run = re.split(r"[，,]", m.group("run"), maxsplit=1)[0]
        parts = [part.strip() for part in run.split("、")]
        if len(parts) >= 2 and all(0 < len(part) <= INLINE_ITEM for part in parts):
            return parts
    return counted(sentence)[0]


# The longest clause a list parted by semicolons may have as an item.
CLAUSE_ITEM = 60
# The colon that opens such a list (not one between the figures of a time, 10:30).
_LIST_COLON = re.compile(r"(?<!\d)[：:](?!\d)")
_LINE_OR_SENTENCE_END = re.compile(_SENTENCE_END.pattern + r"|\n")


def semicolon_items(text: str, quoted: str) -> list[str]:
    """The items of a list that the ``quoted`` sentence opens in ``text``: set out after
    its colon and parted by semicolons up to the sentence's end (建议：加强甲；开展乙；加大
    丙。), each as it stands; [] when the quote opens no such list, or the sentence ends
    past the text (a passage cut short) or at a line break before the list does.

    >>> text = "他提出三方面建议：加强产业链融通；开展产学研合作；加大基金投资。其后。"
    >>> semicolon_items(text, "他提出三方面建议：加强产业链融通；")
    ['加强产业链融通；', '开展产学研合作；', '加大基金投资。']
    >>> semicolon_items(text, "其后。"), semicolon_items("甲：乙。", "甲：乙。")
    ([], [])
    >>> semicolon_items("建议：加强甲；开展乙；加大丙\\n\\n二、其他。", "建议：加强甲；")
    []
    >>> semicolon_items("会议于10:30召开；议程两项；", "会议于10:30召开；")
    []
    """
    at = text.find(quoted)
    colons = list(_LIST_COLON.finditer(quoted))
    if at < 0 or not colons or not quoted.rstrip().endswith(("；", ";")):
        return []
    start = at + colons[-1].end()
    end = _LINE_OR_SENTENCE_END.search(text, start)
    if end is None or end.group() == "\n":
        return []
    run = text[start : end.end()]
    found = [m.group().strip() for m in re.finditer(r"[^；;]+[；;]?", run)]
    found = [item for item in found if item.strip("；;。")]
    if len(found) < 2 or any(len(item) > CLAUSE_ITEM for item in found):
        return []
    return found


def pick(lists: Sequence[list[str]], n: int) -> tuple[int, str] | None:
    """The ``n``-th item (as ``ordinal`` counts) of the first list long enough, with the
    index of that list; the middle one only of a list that has one.

    >>> pick([["甲"], ["一是甲", "二是乙", "三是丙"]], 2), pick([["一是甲", "二是乙"]], -1)
    ((1, '二是乙'), (0, '二是乙'))
    >>> pick([["一是甲"]], 3), pick([["一是甲", "二是乙", "三是丙"]], -3)
    (None, (0, '一是甲'))
    >>> pick([["一是甲", "二是乙"], ["甲", "乙", "丙"]], MIDDLE)
    (1, '乙')
    """
    for i, found in enumerate(lists):
        if n == MIDDLE and len(found) >= 3 and len(found) % 2:
            return i, found[len(found) // 2]
        if 1 <= n <= len(found) or 1 <= -n <= len(found):
            return i, found[n - 1 if n > 0 else n]
    return None


# Words that stand for something said before: a question with one leans on its context.
_STANDS_FOR = re.compile(
    r"它|他|她|其(?=[^中他实余次])|该|此(?=[项举次])|上述|前者|后者|对方|"
    r"[那这]一?(?:条|点|项|块|方面)|"
    r"\b(?:it|its|they|their|them|he|she|his|her)\b",
    re.I,
)


def names_new(question: str, heard: str) -> bool:
    """Whether a question names something (a name jieba tags, a title in 《》, a quoted
    term, a place) that ``heard``, the conversation so far, does not: a new subject,
    not a pointer into the list just given.

    >>> heard = "广州的若干措施分成哪几个维度？从政策支持、发展环境四个维度提出20条措施。"
    >>> names_new("第三个维度下面有哪些举措？", heard), names_new("深圳的第三个项目是什么？", heard)
    (False, True)
    >>> names_new("第五个挑战里哪种“共同体”还没有形成？", "五是产业链上共同体尚未形成。")
    False
    """
    heard = normalize(heard).lower()
    return any(normalize(w).lower() not in heard for w in _named(question))


def _named(question: str) -> list[str]:
    """What a question names: in English, its capitalised words after the first; in
    Chinese, the names jieba tags, titles in 《》, quoted terms and places.

    >>> _named("深圳的《若干措施》里“免申即享”是什么？")
    ['深圳', '若干措施', '免申即享', '深圳']
    >>> _named("那港企贷款拿了多少？"), _named("那坡县有多少家企业？")
    ([], ['那坡县'])
    """
    from rag.features import tagged_names

    if question.isascii():
        return [w.strip("?,.!\"'") for w in question.split()[1:] if w[:1].isupper()]
    named = [w for w, _ in tagged_names(question)]
    # An opening 那 (then) is no part of a name: jieba reads 那港企 as the place 那港
    # (那坡县 is a name).
    if named and named[0][0] == "那" and question.lstrip().startswith(named[0]):
        named = named if is_entity(named[0]) else named[1:]
    named += [a or b for a, b in re.findall(r"《([^》]+)》|“([^”]{2,})”", question)]
    return named + [p for p in _places() if p in question]


def leans(question: str) -> bool:
    """Whether a question holds a word that stands for something said before (它, 该文件,
    他, 上述): it cannot have moved on to a subject of its own.

    >>> leans("该文件是哪年发布的？"), leans("深圳有多少家外资企业？")
    (True, False)
    >>> leans("跟上市有关的那条呢？")
    True
    """
    return bool(_STANDS_FOR.search(normalize(question)))


def names_own_subject(question: str) -> bool:
    """Whether a question says what it is about: it names a person, place, organisation
    or other proper noun, or a title, and does not lean on a pronoun.

    >>> names_own_subject("前海有多少名香港律师执业？"), names_own_subject("它是哪天出台的？")
    (True, False)
    >>> names_own_subject("是哪个部门推动的？")
    False
    >>> names_own_subject("How many lawyers work in Qianhai?")
    True
    """
    return not leans(question) and bool(_named(question))
