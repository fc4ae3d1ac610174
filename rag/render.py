"""Render answers for the web UI. Document text is untrusted: everything taken from a
document or a file name is escaped for HTML *and* Markdown before it reaches the page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.records import Answer
from rag.settings import MAX_QUESTION

# A question echoed in the chat shows this many characters; a longer one is shortened.
ECHO = 80
# The question box shows a count from this many characters on.
NEAR = MAX_QUESTION * 4 // 5

# Characters that HTML or Markdown would interpret. Numeric entities display the same
# character, but no parser treats them as syntax: ![](http://…) stays text, no fetch.
_SPECIAL = set("&<>\"'`*_[](){}#!|~\\=$:")


def escape(text: str) -> str:
    """Escape untrusted text for a Markdown message that may contain HTML.

    >>> escape("<img src=x onerror=alert(1)>")
    '&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62;'
    >>> escape("![](http://example.invalid/x.png)")
    '&#33;&#91;&#93;&#40;http&#58;//example.invalid/x.png&#41;'
    """
    return "".join(f"&#{ord(c)};" if c in _SPECIAL else c for c in text)


def echo(question: str) -> str:
    """A question as the chat repeats it: escaped, a long one shortened with its length.

    >>> echo("深圳？")
    '深圳？'
    >>> echo("啊" * 100)[-13:]
    '啊…（共 100 个字符）'
    """
    if len(question) <= ECHO:
        return escape(question)
    return f"{escape(question[:ECHO])}…（共 {len(question)} 个字符）"


def length_hint(question: str) -> str:
    """What the question box says under it: nothing while the question is short, a
    count near the limit, and a warning past it.

    >>> length_hint("深圳？")
    ''
    >>> length_hint("啊" * 1900)
    '<small class="length near">1900 / 2000 个字符</small>'
    """
    n = len(question.strip())
    if n > MAX_QUESTION:
        return (
            f'<small class="length over">问题过长：{n} / {MAX_QUESTION} 个字符，'
            f"请删去至少 {n - MAX_QUESTION} 个字符后再提问。</small>"
        )
    if n >= NEAR:
        return f'<small class="length near">{n} / {MAX_QUESTION} 个字符</small>'
    return ""


def upload_status(results) -> str:
    """One line per uploaded file (``rag.service.UploadResult``): 成功 or 未加入 in its
    colour (a CSS class; no emoji, which some systems draw as the same box), the file
    name, and what happened or why not.

    >>> from rag.service import UploadResult
    >>> upload_status([UploadResult("<a>.pdf", False, "文件为空")])
    '<span class="upload-failed">未加入</span> &#60;a&#62;.pdf：文件为空'
    """
    lines = []
    for r in results:
        label = (
            '<span class="upload-ok">成功</span>'
            if r.ok
            else '<span class="upload-failed">未加入</span>'
        )
        lines.append(f"{label} {escape(r.name)}：{escape(r.message)}")
    return "\n\n".join(lines)


# A citation marker in an answer's text.
_MARKER = re.compile(r"(\[\d+\])")
_MARKDOWN = set("\\`*_[](){}<>#!|~")


def markdown_literal(text: str) -> str:
    r"""Untrusted text for a Markdown document that a reader pastes elsewhere: every
    character Markdown would read as syntax is backslash-escaped, line breaks become
    spaces, so a name stays one line of plain text.

    >>> print(markdown_literal("[点我](http://example.invalid).docx"))
    \[点我\]\(http://example.invalid\).docx
    """
    flat = " ".join(text.splitlines())
    return "".join(f"\\{c}" if c in _MARKDOWN else c for c in flat)


def _highlight(text: str, quotes: list[str]) -> str:
    """Escape a passage, marking the sentences the answer quotes."""
    spans = []
    for q in quotes:
        start = text.find(q)
        if start >= 0:
            spans.append((start, start + len(q)))
    spans.sort()
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def answer_text(answer: Answer) -> str:
    """The answer line: quoted sentences escaped, citation markers kept. A list of points
    is an HTML list, one item a point, so that every point is laid out alike (typed as
    ``1. …<br>2. …``, Markdown made the first point a list item and the others text
    inside it).

    >>> from rag.records import Chunk, Hit
    >>> hit = Hit(Chunk("a#0", "seeds/a.txt", "t", "甲。乙。", 1, 1), 1.0, "x")
    >>> points = ((1, "甲。"), (1, "乙。"))
    >>> answer_text(Answer("有哪些改革？", "", False, (hit,), points, listed=True))
    '<ol class="points"><li>甲。[1]</li><li>乙。[1]</li></ol>'
    """
    if answer.abstained:
        return escape(answer.text)
    if answer.listed:
        points = "".join(f"<li>{escape(s)}[{n}]</li>" for n, s in answer.quotes)
        return f'<ol class="points">{points}</ol>'
    # The text as composed (two sentences side by side are one quotation in the text's
    # order), the same as `rag ask` prints: the quotes escaped, the markers kept.
    return "".join(p if _MARKER.fullmatch(p) else escape(p) for p in _MARKER.split(answer.text))


def citation_label(entry: Source) -> str:
    """How a source is named in the viewer's list, and what a click on its 来源 entry
    asks the viewer for: ``[1][2] 标题 · seeds/a.txt 第 12–13 行``."""
    return (
        f"{entry.label} {entry.title} · {entry.source} 第 {entry.first_line}–{entry.last_line} 行"
    )


def cited_lines(label: str) -> tuple[str, int, int]:
    """The file and lines a ``citation_label`` names; ValueError when it names none.

    >>> cited_lines("[1][2] 标题 · 人物 · seeds/a.txt 第 12–13 行")
    ('seeds/a.txt', 12, 13)
    """
    m = re.fullmatch(r".* · (?P<source>.+?) 第 (?P<first>\d+)–(?P<last>\d+) 行", label.strip())
    if m is None:
        raise ValueError(f"no such source: {label[:80]}")
    return m.group("source"), int(m.group("first")), int(m.group("last"))


@dataclass(frozen=True)
class Source:
    """One entry of the 来源 list: the passages ``numbers`` (1-based, as the answer's
    ``[n]`` markers count them) of one file that share lines, shown as one."""

    numbers: tuple[int, ...]
    title: str
    source: str
    first_line: int
    last_line: int
    text: str

    @property
    def label(self) -> str:
        return "".join(f"[{n}]" for n in self.numbers)


def sources(answer: Answer, k: int) -> list[Source]:
    """The first ``k`` passages of an answer, those of one file that share lines merged
    into one entry (in the order of their first passage): the passages of a long
    section overlap, and one quoted twice is one source.

    >>> from rag.records import Chunk, Hit
    >>> hits = [Hit(Chunk(f"a#{i}", "a.txt", "t", text, first, last), 1.0, "x")
    ...         for i, (text, first, last) in enumerate([("甲乙丙。", 1, 2), ("丙。丁。", 2, 3),
    ...                                                  ("戊。", 5, 5)])]
    >>> [(s.label, s.first_line, s.last_line, s.text) for s in sources(
    ...     Answer("?", "", False, tuple(hits)), 5)]
    [('[1][2]', 1, 3, '甲乙丙。丁。'), ('[3]', 5, 5, '戊。')]
    """
    groups: list[list[int]] = []
    chunks = [h.chunk for h in answer.hits[:k]]
    for n, c in enumerate(chunks, start=1):
        home = next((g for g in groups if any(chunks[m - 1].shares_lines(c) for m in g)), None)
        if home is None:
            groups.append([n])
        else:
            home.append(n)
    out = []
    for g in groups:
        members = sorted((chunks[m - 1] for m in g), key=lambda c: (c.first_line, c.last_line))
        text = members[0].text
        for c in members[1:]:
            text = _joined(text, c.text)
        first = members[0]
        out.append(
            Source(
                tuple(g),
                first.title,
                first.source,
                min(c.first_line for c in members),
                max(c.last_line for c in members),
                text,
            )
        )
    return out


def _joined(a: str, b: str) -> str:
    """Two overlapping passages as one text: ``b`` from where ``a`` leaves off.

    >>> _joined("一二三四", "三四五"), _joined("一二三", "二"), _joined("一", "二")
    ('一二三四五', '一二三', '一\\n二')
    """
    if b in a:
        return a
    if a in b:
        return b
    for n in range(min(len(a), len(b)) - 1, 0, -1):
        if a.endswith(b[:n]):
            return a + b[n:]
    return f"{a}\n{b}"


def sources_html(answer: Answer, k: int) -> str:
    """A collapsible 来源 section listing the cited passages, those that overlap once."""
    quoted: dict[int, list[str]] = {}
    for n, s in answer.quotes:
        quoted.setdefault(n, []).append(s)
    items = []
    for entry in sources(answer, k):
        marks = [s for n in entry.numbers for s in quoted.get(n, [])]
        items.append(
            f'<div class="source" title="点击查看原文"><p><b>{entry.label} '
            f"{escape(entry.title)}</b><br><code>{escape(entry.source)}</code> · "
            f"第 {entry.first_line}–{entry.last_line} 行</p>"
            f'<blockquote class="passage">{_highlight(entry.text, marks)}</blockquote>'
            "</div>"
        )
    label = "最接近的段落" if answer.abstained else "来源"
    summary = f"<summary>{label}（{len(items)}）</summary>"
    return f'<details class="sources">{summary}{"".join(items)}</details>'


# How sure the answer model is, in words: 高 from this probability on, 中 from the next.
SURE = 0.75
FAIR = 0.4


def certainty(confidence: float) -> str:
    """The answer model's confidence as a reader says it.

    >>> certainty(0.9), certainty(0.5), certainty(0.1)
    ('高', '中', '低')
    """
    return "高" if confidence >= SURE else "中" if confidence >= FAIR else "低"


def message(answer: Answer, k: int) -> str:
    """The whole assistant message: how a follow-up was understood, the answer, how sure
    the model is, then the 来源 section."""
    parts = []
    if answer.understood_as:
        parts.append(
            f'<small class="understood">按上文理解为：{escape(answer.understood_as)}</small>'
        )
    parts.append(answer_text(answer))
    # The answer model's probability that the passages answer at all: quiet, for a reader
    # who wants to know how sure the assistant is.
    parts.append(f'<small class="confidence">把握：{certainty(answer.confidence)}</small>')
    parts.append(sources_html(answer, k))
    return "\n\n".join(parts)


def view_html(view) -> str:
    """A document around its cited lines (a ``rag.service.View``): numbered lines, the
    cited ones marked, everything escaped."""
    rows = []
    for n, line in view.lines:
        text = escape(line) or "&#160;"
        cited = view.first <= n <= view.last
        body = f"<mark>{text}</mark>" if cited else text
        rows.append(
            f'<div class="line{" cited" if cited else ""}" data-line="{n}">'
            f'<span class="ln">{n}</span> {body}</div>'
        )
    head = (
        f"<p><b>{escape(view.title)}</b><br><code>{escape(view.source)}</code> · "
        f"第 {view.first}–{view.last} 行（共 {view.total} 行）</p>"
    )
    return f'<div class="viewer">{head}{"".join(rows)}</div>'


def markdown_export(answer: Answer, k: int = 5) -> str:
    """The answer as Markdown to paste into a report: the quoted sentences with their
    ``[n]`` markers, then each cited source (title, file, lines). Plain text for the
    clipboard, shown in a code box, never rendered as HTML; titles and file names are
    Markdown-escaped, since the reader's editor will render them.

    >>> from rag.records import Chunk, Hit
    >>> hit = Hit(Chunk("a#0", "seeds/a.txt", "法务区", "法务区于2022年启用。", 3, 4), 1.0, "x")
    >>> print(markdown_export(Answer("何时启用？", "法务区于2022年启用。[1]", False, (hit,),
    ...       ((1, "法务区于2022年启用。"),))))
    **问：** 何时启用？
    <BLANKLINE>
    **答：** 法务区于2022年启用。[1]
    <BLANKLINE>
    [1] 《法务区》，seeds/a.txt，第 3–4 行
    """
    cited = sorted({n for n, _ in answer.quotes}) or range(1, min(k, len(answer.hits)) + 1)
    lines = [f"**问：** {answer.question}", "", f"**答：** {answer.text}", ""]
    if answer.abstained and answer.hits:
        lines.append("最接近的段落：")
    for n in cited:
        c = answer.hits[n - 1].chunk
        title, source = markdown_literal(c.title), markdown_literal(c.source)
        lines.append(f"[{n}] 《{title}》，{source}，第 {c.first_line}–{c.last_line} 行")
    return "\n".join(lines).rstrip()
