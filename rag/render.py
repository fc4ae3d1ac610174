"""Render answers for the web UI. Document text is untrusted: everything taken from a
document or a file name is escaped for HTML *and* Markdown before it reaches the page."""

from __future__ import annotations

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
    return "".join(f"{escape(s)}[{n}]" for n, s in answer.quotes)


def view_key(source: str, first: int, last: int) -> str:
    """What the viewer is asked for: ``source|first|last``."""
    return f"{source}|{first}|{last}"


def sources_html(answer: Answer, k: int) -> str:
    """A collapsible 来源 section listing the cited passages."""
    quoted: dict[int, list[str]] = {}
    for n, s in answer.quotes:
        quoted.setdefault(n, []).append(s)
    items = []
    for n, hit in enumerate(answer.hits[:k], start=1):
        c = hit.chunk
        items.append(
            f'<div class="source" title="点击查看原文"><p><b>[{n}] {escape(c.title)}</b><br>'
            f"<code>{escape(c.source)}</code> · 第 {c.first_line}–{c.last_line} 行 · "
            f"score {hit.score:.3f}</p>"
            f'<blockquote class="passage">{_highlight(c.text, quoted.get(n, []))}</blockquote>'
            "</div>"
        )
    label = "最接近的段落" if answer.abstained else "来源"
    summary = f"<summary>{label}（{len(items)}）</summary>"
    return f'<details class="sources">{summary}{"".join(items)}</details>'


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
    parts.append(f'<small class="confidence">把握 {answer.confidence:.0%}</small>')
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
