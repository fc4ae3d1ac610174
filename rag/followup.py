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

A question of any other shape stands on its own and is left exactly as it is
(``rag.conversation`` reads it with its conversation). The rest of the module says how a
question leans on its conversation: whether it names a subject of its own, names
something not heard before, or holds a word that stands for something said before (它,
该文件, 上述).
Pointers into a list the previous answer gave (第三点, 交通网那条) are ``rag.lists``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rag.lists import ordinal, relative
from rag.query import asks_number
from rag.tokenize import normalize, segment, simplified, strip_question_frames, words

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
_SWITCH_LEAD = re.compile(r"^(?:换成|换做|换到|改成|改为|放到|放在|如果是|要是|若是|假如是)")
# The scope a place is named with (广东全省, 整个广州市): the place is what it replaces.
_SCOPE = re.compile(r"^(?:整个|全(?![省市区国]))|(?<=.)(?:全省|全市|全区)$")
_SWITCH_TAIL = re.compile(r"(?:那边|这边|那里|这里|那儿|这儿|的情况|情况|来看|看)$")
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
# A polite opening (请问) is no part of what a question names.
_POLITE = re.compile(r"^(?:请问|請問|想问一下|想問一下|想问|想問)")
_OPENING = re.compile(_OPENING_WORD.pattern + r"(?P<what>[^，,]{0,20})[，,]\s*")
# Where the subject ends: the first predicate or question word after it.
_PREDICATE = re.compile(
    r"有(?!限)|是|(?<![现現正])在|为|于|将|已|共|累计|一共|总共|多少|几|哪|什么|如何|怎么|能否|可以|要|"
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
# What may follow a place's name and leave it a place (龙华区, 南沙新区, 横琴粤澳深度合作区).
_PLACE_END = re.compile(r"(?:新区|片区|合作区|特区|区|市|省|县|镇)")
# Where a name ends inside a longer span (市 left out: 上市, 城市 are no names).
_NAME_END = re.compile(r"区|省|县|局|院|平台|公司|集团|银行|中心|委员会|协会|大学|园区")
_OPEN, _CLOSE = "“「《", "”」》"
_BRACKETED = re.compile(r"（[^（）]*）|\([^()]*\)")


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
    >>> subject("广州开发区（黄埔区）累计发布了多少个事项？")
    '广州开发区（黄埔区）'
    >>> subject("南沙自貿片區現在有多少家企業？")
    '南沙自貿片區'
    >>> subject("《关于新时代加快完善社会主义市场经济体制的意见》提出了几个关键领域的改革？")
    '《关于新时代加快完善社会主义市场经济体制的意见》'
    """
    simple = simplified(question)
    if simple != question and len(simple) == len(question):
        # Read in Simplified, as jieba knows the words, and given back as typed.
        span = subject(simple)
        at = simple.find(span) if span else -1
        return question[at : at + len(span)] if at >= 0 else span
    body = _OPENING.sub("", question.strip())
    if body.isascii():
        m = _EN_SUBJECT.search(body)
        return m.group("s").strip() if m else ""
    # A document's title in 《》 is a subject however long it is, and whatever words it
    # holds (关于…).
    title = body[: body.find("》") + 1] if body.startswith("《") else ""
    if 2 < len(title) <= 40:
        return title
    # What stands in brackets (广州开发区（黄埔区）) is part of the subject.
    m = _PREDICATE.search(_BRACKETED.sub(lambda b: "□" * len(b.group()), body))
    span = _trim(body[: m.start()].strip(" ，,。？?")) if m else ""
    for left, right in ("（）", "()"):
        if span.count(left) > span.count(right) and body.startswith(span + right):
            span += right
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
    >>> understand("那东莞呢？", ["珠海2022年数字政府评估综合得了多少分"])
    '东莞2022年数字政府评估综合得了多少分'
    >>> understand("廣東全省呢？", ["深圳2023年市场主体总量突破多少？"])
    '广东全省2023年市场主体总量突破多少？'
    >>> understand("放到整个广州市呢？", ["广州经开区有多少家高新技术企业？"])
    '整个广州市有多少家高新技术企业？'
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
            core = _SCOPE.sub("", other)
            if core and core != normalize(topic) and normalize(topic).startswith(core):
                # What the subject belongs to (整个深圳国际仲裁院 after 深圳国际仲裁院江门中心)
                # takes the place of the whole subject.
                return previous.replace(topic, other, 1)
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
                named = topic
                if _bare_place(core):
                    # A place named bare (东莞) takes the place of a place: the one the
                    # subject opens with (珠海 of 珠海2022年数字政府评估综合), or, when the
                    # subject names none (免申即享事项在龙华区…), the one place the question
                    # names after it. Anything else takes the place of the subject.
                    # Found in the Simplified form (龍華區 is 龙华区), replaced as typed.
                    seen, looked = normalize(previous), normalize(topic)
                    if len(seen) == len(previous) and len(looked) == len(topic):
                        elsewhere = set(_places_in(seen))
                        alone = not _places_in(looked) and len(elsewhere) == 1
                        place = elsewhere.pop() if alone else _named_first(looked)
                        at = seen.find(place)
                        named = previous[at : at + len(place)] if at >= 0 else topic
                return previous.replace(named, other, 1)
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


# What a question may name a person by (the author, the chair): 他 or 她 in the question
# after it stands for them. Each is a word of its own for jieba (副|院长, 科技|工作者).
_ROLES = frozenset(
    "作者 创始人 创办人 董事长 总裁 总经理 首席执行官 负责人 发言人 主席 院长 会长 社长 行长 局长 "
    "市长 区长 省长 部长 主任 书记 校长 所长 厂长 科长 处长 教授 研究员".split()
)


def person_meant(question: str, history: Sequence[str]) -> str:
    """The question with its 他 or 她 read as the person the question before it in
    ``history`` (as understood) named by their role, with whom they serve
    (普华永道亚太及中国主席; 那篇文章的作者, when the role opens its own clause); "" when
    the question has no such pronoun (其他, 他们 and 排他性 are none), says whom it means
    before it, or the question before named no one by role.

    >>> person_meant("他觉得香港能带来什么？", ["普华永道亚太及中国主席是谁？"])
    '普华永道亚太及中国主席觉得香港能带来什么？'
    >>> person_meant("他之前在哪当过领导？", ["那篇讲产业体系的文章，作者现在什么职务？"])
    '那篇讲产业体系的文章的作者之前在哪当过领导？'
    >>> person_meant("他說了什麼？", ["請問研究院的常務副院長是誰？"])
    '研究院的常務副院長說了什麼？'
    >>> chair = ["普华永道亚太及中国主席是谁？"]
    >>> [person_meant(q, chair) for q in ("其他城市呢？", "他们呢？", "排他性条款呢？")]
    ['', '', '']
    >>> person_meant("他是哪年出生的？", ["科技工作者有多少人？"])
    ''
    """
    if not history or question.isascii() or _ELLIPSIS.match(question):
        return ""
    at = _word_at(question, ("他", "她"))
    if at is None or _names_something(question[: at[0]]):
        return ""
    previous = understand(history[-1], history[:-1])
    role = _word_at(previous, _ROLES, last=True)
    if role is None:
        return ""
    start, end = role
    who = _clause_to(previous, start, end)
    if who == previous[start:end]:
        # 作者 opens its clause: whose author the clause before says (那篇文章，作者…).
        before = previous[:start].rstrip(" ，,。；;：:")
        owner = _clause_to(before, len(before), len(before)) if before else ""
        who = f"{owner}的{who}" if owner else who
    return question[: at[0]] + who + question[at[1] :]


def _word_at(text: str, wanted, last: bool = False) -> tuple[int, int] | None:
    """Where in ``text`` jieba cuts a word of ``wanted`` (the first, or the last); read
    in Simplified, found in the text as typed. None when there is none, or when the
    Simplified form is not as long.

    >>> _word_at("其他人和他", ("他",)), _word_at("科技工作者", ("作者",))
    ((4, 5), None)
    """
    seen = normalize(text)
    if len(seen) != len(text):
        return None
    found, at = None, 0
    for word in segment(seen):
        if word in wanted:
            found = (at, at + len(word))
            if not last:
                return found
        at += len(word)
    return found


def _named_first(topic: str) -> str:
    """The place a subject opens with, when what follows it in the subject is no name of
    its own (珠海 of 珠海2022年数字政府评估综合, 东莞 of 东莞12345营商环境专线): what
    another place, named bare, takes the place of, the rest staying. The subject itself
    when it is one name as a whole (广州开发区, 深圳前海, 深圳地方征信平台, 广州塔) or opens
    with no place.

    >>> [_named_first(t) for t in ("珠海2022年数字政府评估综合", "东莞12345专线", "广州市2023年")]
    ['珠海', '东莞', '广州市']
    >>> [_named_first(t) for t in ("广州开发区", "深圳前海", "深圳地方征信平台", "广州塔")]
    ['广州开发区', '深圳前海', '深圳地方征信平台', '广州塔']
    """
    places = _places_in(topic)
    place = places[0] if places and topic.startswith(places[0]) else ""
    rest = topic[len(place) :]
    # One character more is part of the name (广州塔, 深圳港), not something of the place's.
    if not place or len(rest) < 2 or _ENTITY_END.search(topic) or _place_rest(rest):
        return topic
    return place


def _places_in(text: str) -> list[str]:
    """The places the glossary knows that ``text`` names as words of their own, with the
    ending that keeps them places (龙华区), in order: 深圳 of 深圳市场监管局 (not 深圳市),
    none of 中山大学 or 广州塔.

    >>> _places_in("事项在龙华区有多少项"), _places_in("深圳市场监管局"), _places_in("中山大学")
    (['龙华区'], ['深圳'], [])
    """
    cuts, at = {0}, 0
    for word in segment(text):
        at += len(word)
        cuts.add(at)
    found = []
    for m in _placed().finditer(text):
        bare = m.start() + len(_opening_place(m.group()))
        end = m.end() if m.end() in cuts else bare
        if m.start() in cuts and end in cuts:
            found.append(text[m.start() : end])
    return found


@lru_cache(maxsize=1)
def _placed() -> re.Pattern:
    """A place the glossary knows, with the ending that keeps it a place (龙华区)."""
    names = "|".join(sorted(_places(), key=len, reverse=True))
    return re.compile(f"(?:{names})(?:{_PLACE_END.pattern})?")


def _opening_place(text: str) -> str:
    """The longest place name the glossary knows that ``text`` opens with, or ""."""
    return max((p for p in _places() if text.startswith(p)), key=len, default="")


def _place_rest(rest: str) -> bool:
    """Whether what follows a place name keeps it a place: nothing, an ending (龙华区),
    or another place inside it (深圳前海)."""
    return not rest or bool(_PLACE_END.fullmatch(rest)) or bool(_opening_place(rest))


def _bare_place(text: str) -> bool:
    """A place and nothing else (东莞, 龙华区, 深圳前海), as against a body of one
    (深圳国际仲裁院).

    >>> [_bare_place(t) for t in ("东莞", "龙华区", "深圳前海", "深圳国际仲裁院")]
    [True, True, True, False]
    """
    place = _opening_place(text)
    return bool(place) and _place_rest(text[len(place) :])


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
    span = _clause_to(previous, at, at + len(end.group()))
    return span if span != other and len(span) >= 2 else ""


def _clause_to(text: str, start: int, stop: int) -> str:
    """``text`` from the start of the clause that holds ``text[start:stop]`` to
    ``stop``, without the word that opens the clause (在, 关于, 请问).

    >>> _clause_to("请问在广州黄埔区，事项推出了几个？", 3, 8), _clause_to("甲，关于乙丙", 5, 6)
    ('广州黄埔区', '乙丙')
    """
    starts = [m.end() for m in _CLAUSE_START.finditer(text, 0, start)]
    span = text[starts[-1] if starts else 0 : stop].strip()
    while opening := _OPENING_WORD.match(span) or _POLITE.match(span):
        span = span[opening.end() :]
    return span


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
    return bool(named_anew(question, heard))


def named_anew(question: str, heard: str) -> list[str]:
    """What a question names that ``heard`` does not, in its normalised (Simplified,
    lower-case) form.

    >>> named_anew("那東莞呢？", "珠海的企业满意度是多少？")
    ['东莞']
    >>> named_anew("广州经开区的情况呢？", "广州市有多少家高新技术企业？")
    ['经开区']
    >>> named_anew("What about Shenzhen?", "How many firms are in Guangzhou?")
    ['shenzhen']
    >>> named_anew("那它呢？", "广州市有多少家高新技术企业？")
    []
    """
    heard = normalize(heard)
    # jieba reads names best in Simplified (那東莞呢？ gives it none); an English name is
    # known by its capital, so the case is kept until the names are found.
    named = dict.fromkeys(normalize(w) for w in _named(simplified(question)))
    return [w for w in named if w not in heard]


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
    >>> names_own_subject("那東莞呢？"), names_own_subject("那东莞呢？")
    (True, True)
    """
    # Names are read in Simplified, as jieba knows them (it finds none in 那東莞呢？).
    return not leans(question) and bool(_named(simplified(question)))
