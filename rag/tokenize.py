"""Chinese tokenization for BM25: one normalisation for documents and questions alike."""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

# Question words and function words: frequent in questions, absent from the evidence.
STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 等 也 都 而 并 对 为 于 以 将 把 被 从 到 由 向 给 让 其 之 这 那
    该 此 各 每 有 没有 个 家 项 种 中 上 下 里 内 外 又 还 就 才 只 很 更 最 已 已经 会 能 可
    可以 要 应 应该 吗 呢 吧 啊 么 什么 怎么 怎样 怎么样 如何 为何 为什么 哪 哪些 哪个 哪里
    哪儿 哪一 哪天 几 多少 多大 多久 谁 是否 是不是 请问 请 关于 方面 情况 主要 分别 一个
    一些 这些 那些 这个 那个 我们 你们 他们 它们 我 你 他 她 它 自己 通过 进行 有关 什么样
    具体 目前 其中 之一 以及 我国 the a an of to in on for and or is are was were be been
    being how many much what which who whom whose when where why does do did has have had
    there this that these those with by from as at it its into about can could should would
    will please tell me us 很多 对于 相比 其他 时候 何时 一文 一下 相关 这样 那样 当前
    """.split()
)

# Question frames: removed from questions before segmentation, since jieba's search mode
# would otherwise leave pieces such as 一年 (of 哪一年) that look like content.
_QUESTION_FRAMES = re.compile(
    r"哪一年|哪一天|哪一个|哪一种|哪一家|哪一位|哪几个|哪几项|哪几条|哪几点|哪几批|哪个|哪些|哪年|哪天|"
    r"哪里|哪家|哪位|哪所|哪座|哪条|哪种|哪类|叫什么名字|什么名字|叫什么|什么时候|什么样|"
    r"什么|多少|第几|占多大|多大|多长|多久|几个|几家|几项|几种|几年|几次|几条|几点钟|几点|几位|几名|"
    r"几所|几座|几批|几类|几岁|几成|几倍|怎么样|怎么|怎样|如何|为什么|为何|是否|有没有|请问|"
    r"一共|总共|分别|之处"
)
_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$")
# Chinese characters (CJK Unified Ideographs and Extension A): one definition for all.
HAN = "\u3400-\u4dbf\u4e00-\u9fff"
CJK = re.compile(f"[{HAN}]")
CJK_RUN = re.compile(f"[{HAN}]{{2,}}")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """NFKC, Traditional → Simplified, lower case: the form both sides are matched in.
    Cached: the answer path normalises the same passages' sentences for every question.

    >>> normalize("前海深港國際法務區 ＲＣＥＰ")
    '前海深港国际法务区 rcep'
    """
    return simplified(text).lower()


def simplified(text: str) -> str:
    """NFKC and Traditional → Simplified, with the case kept (an English name keeps the
    capital that says it is one).

    >>> simplified("前海深港國際法務區 Qianhai")
    '前海深港国际法务区 Qianhai'
    """
    text = unicodedata.normalize("NFKC", text)
    # Lone surrogates cannot be encoded for OpenCC; they carry no meaning anyway.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return _t2s().convert(text)


# Written Cantonese grammar words (a question typed in Hong Kong or Macao) and the
# Mandarin ones the documents use. Some are written only in Cantonese and are always read
# (佢, 嘅, 咗); the others are also pieces of Mandarin words (重点解决, 周边度假区, 因而家庭)
# and are read only in a question that has one of the first kind.
_CANTONESE_ONLY = {
    "佢哋": "他们",
    "佢地": "他们",
    "佢們": "他们",
    "佢": "它",
    "乜嘢": "什么",
    "乜野": "什么",
    "咩嘢": "什么",
    "咩野": "什么",
    "咩": "什么",
    "唔係": "不是",
    "係咪": "是不是",
    "嘅": "的",
    "咗": "了",
    "喺": "在",
    "冇": "没有",
    "唔": "不",
    "嗰": "那",
    "啲": "些",
    "畀": "给",
    "睇": "看",
    "搵": "找",
    "揾": "找",
}
_CANTONESE_TOO = {
    "幾多": "多少",
    "几多": "多少",
    "而家": "现在",
    "點樣": "怎样",
    "点样": "怎样",
    "點解": "为什么",
    "点解": "为什么",
    "邊度": "哪里",
    "边度": "哪里",
    "呢度": "这里",
    "定係": "还是",
}
_CANTONESE_WORD = re.compile("|".join(map(re.escape, sorted(_CANTONESE_ONLY, key=len)[::-1])))
_CANTONESE_ALSO = re.compile("|".join(map(re.escape, sorted(_CANTONESE_TOO, key=len)[::-1])))
# 係 is 是 except in 關係, 體係, 係數 and the like.
_CANTONESE_IS = re.compile(r"(?<![關关聯联體体派幹干維维])係(?![統统列數数])")
_CANTONESE_THIS = re.compile(r"呢(?=[個个啲些間间份條条項项])")
# 邊 is also 边 (a side: 周邊一帶, 旁邊位置); which only before a measure word (邊個, 邊年).
_CANTONESE_WHICH = re.compile(r"[邊边](?=[個个間间年條条種种樣样啲些])")
_CANTONESE_PARTICLE = re.compile(r"[㗎喎囉啩嘞咧]")


def mandarin(question: str) -> str:
    """A question typed in written Cantonese, with its grammar words in Mandarin (the
    documents' language): 佢 → 它, 係 → 是, 嘅 → 的, 幾多 → 多少, 乜嘢 → 什么. A
    Mandarin question comes back as it is.

    >>> mandarin("佢而家有幾多商事主體註冊咗？")
    '它现在有多少商事主體註冊了？'
    >>> mandarin("廣清經濟特別合作區係乜嘢？呢個園區喺邊度？")
    '廣清經濟特別合作區是什么？这個園區在哪里？'
    >>> mandarin("兩者的關係是什麼呢？"), mandarin("如何重点解决周边度假区的问题？")
    ('兩者的關係是什麼呢？', '如何重点解决周边度假区的问题？')
    """
    cantonese = bool(_CANTONESE_WORD.search(question) or _CANTONESE_IS.search(question))
    if not cantonese:
        return question
    text = _CANTONESE_ALSO.sub(lambda m: _CANTONESE_TOO[m.group()], question)
    text = _CANTONESE_WORD.sub(lambda m: _CANTONESE_ONLY[m.group()], text)
    text = _CANTONESE_IS.sub("是", text)
    text = _CANTONESE_THIS.sub("这", text)
    text = _CANTONESE_WHICH.sub("哪", text)
    return _CANTONESE_PARTICLE.sub("", text)


def segment(text: str) -> list[str]:
    """Words in order, covering the text (jieba's accurate mode).

    >>> segment("市场化改革")
    ['市场化', '改革']
    """
    return _jieba().lcut(text)


def word_count(word: str) -> int:
    """How many times jieba's dictionary counts ``word``; 0 for one it lacks.

    >>> word_count("城市") > 500, word_count("和浩汉")
    (True, 0)
    """
    return _jieba().dt.FREQ.get(word) or 0


def words(text: str) -> list[str]:
    """Content words of normalised text (jieba search mode), stopwords and punctuation out.

    >>> words("广州经开区累计设立了多少家外资企业？")
    ['广州', '经开区', '累计', '设立', '外资', '企业', '外资企业']
    """
    out = []
    for w in _jieba().lcut_for_search(text):
        w = w.strip()
        if w and w not in STOPWORDS and not _PUNCT_OR_SPACE.match(w):
            out.append(w)
    return out


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of every Chinese run: they match where jieba
    segments a question and a passage differently (经开区 / 经济技术开发区).

    >>> bigrams("集群注册")
    ['集群', '群注', '注册']
    """
    out = []
    for run in CJK_RUN.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def strip_question_frames(question: str) -> str:
    """Blank out the interrogative frame of a question, keeping its content.

    >>> strip_question_frames("香港精明规管计划是哪一年推出的？")
    '香港精明规管计划是 推出的？'
    """
    return _QUESTION_FRAMES.sub(" ", question)


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: content words plus character bigrams of the normalised text.

    >>> tokenize("澳門貿促局")
    ['澳门', '贸促局', '澳门', '门贸', '贸促', '促局']
    """
    norm = normalize(text)
    return words(norm) + bigrams(norm)


# Tokenizing is shared among several cores from this many texts (a keyword build of 100
# times the seeds has 25,000 passages), in batches of this many per worker call.
SHARED_FROM = 2000
TOKENIZE_BATCH = 64
WORKERS = 4


def tokenize_all(texts: list[str], shared_from: int = SHARED_FROM) -> Iterator[list[str]]:
    """The BM25 tokens of each text, in order: shared among this process's cores (up to
    ``WORKERS``) when there are at least ``shared_from`` texts, since jieba holds one core
    and a worker takes about a second to start. Close the iterator (``contextlib.closing``)
    when not reading it to the end: that stops the workers."""
    workers = min(_cores(), WORKERS)
    if len(texts) < shared_from or workers < 2:
        yield from map(tokenize, texts)
        return
    # Spawned, not forked: the app's process has threads running.
    spawn = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, spawn, _end_with_parent)
    try:
        yield from pool.map(tokenize, texts, chunksize=TOKENIZE_BATCH)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer
    than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _end_with_parent() -> None:
    """Make a tokenizing worker end when the process that started it ends: one that is
    killed cannot tell its workers, which would wait for work for ever."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
