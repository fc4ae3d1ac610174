"""Lists in a conversation: the lists an answer gave or quoted from, and the words that
point into them.

A follow-up may count into the list the previous answer came from (第三点, 倒数第二块,
中间那条, 下一条, the second one), or name an item by what it is about (交通网那条). Pure
functions over text: the pointer read from the question (``ordinal``, ``relative``,
``pointed``), the lists read from a passage (``enumerated``: 一是…二是…, （一）…, 1. …, ①…;
``inline``: 甲、乙和丙三个方面; ``semicolon_items``), and the item picked (``pick``,
``about``). ``rag.conversation`` puts them together; ``rag.followup`` completes the questions
that name no item.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.tokenize import normalize

# "第三点", "其中第二条", "排在第二位的", "第4个" — an ordinal into a list.
# "排第四的那个", "排在第二的": a place in the list the answer gave.
# The words a list's items are counted in (第三点, 中间那块, 交通网那条).
_PIECE = "(?:个|点|条|项|件|方面|种|类|部分|块|板块|维度|层面|环节)"
# Counted in pieces a word also uses (中间环节, 最后一块短板): only after 那 or 一.
_POINTED_PIECE = (
    r"(?:(?:那一?|一)?(?:个|点|条|项|件|方面|种)|(?:那一?|一)(?:块|板块|维度|层面|环节|类|部分))"
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
    >>> ordinal("头一项关于土地的呢？"), ordinal("头一件怎么做的？"), ordinal("最后一件事呢？")
    (1, 1, -1)
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
# ... or, with neither, three or more parts before 等 and what they are (存在甲、乙、丙等问题).
_SORTS = re.compile(
    r"(?P<run>[^、，,。；;：:！？!?]+(?:、[^、，,。；;：:！？!?]+){2,}?)等(?P<side>[\u4e00-\u9fff]{1,4})"
)
_JOINED = re.compile(r"以及|和|及|与")
_LEAD = re.compile(r"^.*(?:从|涵盖|包括|围绕|聚焦|覆盖|分为|优化为?|精简为|壮大|存在|面临)")


def counted(sentence: str) -> tuple[list[str], str]:
    """A list run in before the count of its items, between 从 and 等方面, or of three
    or more parts before 等 (甲、乙、丙等问题), and the first four characters of what its
    items are (方面, 维度提出): ([], "") when there is
    none, or the count does not match.

    >>> counted("《措施》从政策支持、发展环境、法治环境和社会氛围四个维度提出20条措施。")
    (['政策支持', '发展环境', '法治环境', '社会氛围'], '维度提出')
    >>> counted("该区在发展中聚焦人工智能、新能源和集成电路与半导体三大新兴产业")
    (['人工智能', '新能源', '集成电路与半导体'], '新兴产业')
    >>> counted("涵盖人工智能、新能源等六大领域")
    ([], '')
    >>> counted("政策要从重构体系、强化统筹和创新模式等方面发力。")
    (['重构体系', '强化统筹', '创新模式'], '方面')
    >>> counted("企业存在融资难、人才短缺、创新能力不足等问题。")
    (['融资难', '人才短缺', '创新能力不足'], '问题')
    """
    for m in _COUNTED.finditer(sentence):
        n = chinese_number(m.group("n"))
        parts = m.group("run").split("、")
        if len(parts) + 1 == n:
            parts[-1:] = _JOINED.split(parts[-1], maxsplit=1)
        parts[0] = _LEAD.sub("", parts[0])
        if len(parts) == n and (items := _items(parts)):
            return items, (m.group("kind") or m.group("side"))[:4]
    for m in _SIDES.finditer(sentence):
        *parts, last = m.group("run").split("、")
        joined = _JOINED.split(last, maxsplit=1)
        parts += joined if all(len(part) >= 2 for part in joined) else [last]
        if items := _items(parts):
            return items, m.group("side")
    for m in _SORTS.finditer(sentence):
        parts = m.group("run").split("、")
        parts[0] = _LEAD.sub("", parts[0])
        if items := _items(parts):
            return items, m.group("side")
    return [], ""


def _items(parts: list[str]) -> list[str]:
    """The parts of a list run into a sentence as its items, quotes stripped; [] when
    one is empty or too long to be an item."""
    parts = [part.strip(' “”"') for part in parts]
    return parts if all(0 < len(part) <= INLINE_ITEM for part in parts) else []


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

    A quote of the whole sentence opens the list as its first item does.

    >>> semicolon_items(text, "他提出三方面建议：加强产业链融通；开展产学研合作；加大基金投资。")
    ['加强产业链融通；', '开展产学研合作；', '加大基金投资。']
    >>> semicolon_items("甲；乙：丙；丁；戊。", "甲；乙：丙；丁；戊。")
    ['丙；', '丁；', '戊。']
    """
    opening = re.match(rf".*?{_LIST_COLON.pattern}[^；;]*[；;]", quoted)
    quoted = opening.group() if opening else quoted
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
