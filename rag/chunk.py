"""Split cleaned documents into citable chunks (langchain-text-splitters)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.records import Chunk, Document

# Paragraph, then sentence ends, then clause commas: a chunk never cuts a sentence
# while a coarser break is available.
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")
# A line this short with no sentence end is a heading (see ``_headings_joined``).
HEADING_MAX = 60
_SENTENCE_END = re.compile(r"[。！？；!?;.…][”’」』）)\]]*$")
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "!", "?", ";", "，", ",", "、", " ", ""]


@dataclass(frozen=True)
class ChunkSettings:
    size: int = 300
    overlap: int = 80

    def to_dict(self) -> dict:
        return {"size": self.size, "overlap": self.overlap, "separators": SEPARATORS}


def chunk_document(doc: Document, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    """Cut a document into chunks of at most ``settings.size`` characters, with a heading
    line joined in front of the chunk it heads (``_headings_joined``).

    Each chunk keeps its source, title and first/last source line.

    >>> from rag.ingest import clean
    >>> text, lines = clean("第一句话。\\n第二句话。\\n")
    >>> doc = Document("seeds/a.txt", "示例", text, lines)
    >>> [(c.text, c.first_line, c.last_line) for c in chunk_document(doc)]
    [('第一句话。\\n\\n第二句话。', 1, 2)]
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        chunk_size=settings.size,
        chunk_overlap=settings.overlap,
        keep_separator="end",
        strip_whitespace=True,
    )
    spans = []
    cursor = 0
    for piece in splitter.split_text(doc.text):
        start = doc.text.find(piece, cursor)
        if start < 0:  # splitter output is always a substring; be safe anyway
            start = doc.text.find(piece)
        if start < 0 or not piece.strip():
            continue
        spans.append((start, start + len(piece)))
        cursor = start + 1
    chunks = []
    for start, end in _headings_joined(doc.text, spans):
        chunks.append(
            Chunk(
                id=f"{doc.source}#{len(chunks)}",
                source=doc.source,
                title=doc.title,
                text=doc.text[start:end],
                first_line=doc.lines[start],
                last_line=doc.lines[end - 1],
            )
        )
    return chunks


def _headings_joined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a chunk that is only a heading (one whole short line, no sentence end) to the
    chunk after it: a title or section heading alone is no passage to cite, and the section
    it heads is what it is about.

    The joined chunk may pass the chunk size by the heading: the passage under it is cut
    to size as any other, and cutting it shorter to make room moves every boundary after
    a title. A clause the splitter cut at a comma is no heading: it is not a line.

    >>> text = "蔡敏\\n\\n蔡敏是台湾的主持人。"
    >>> [text[a:b] for a, b in _headings_joined(text, [(0, 2), (4, 14)])]
    ['蔡敏\\n\\n蔡敏是台湾的主持人。']
    >>> text = "蔡敏是主持人，也是歌手"
    >>> [text[a:b] for a, b in _headings_joined(text, [(0, 7), (7, 11)])]
    ['蔡敏是主持人，', '也是歌手']
    """
    joined: list[tuple[int, int]] = []
    held = None
    for start, end in spans:
        if held is not None and held < start:
            start = held
        held = None
        piece = text[start:end].strip()
        if _is_heading(text, start, end, piece):
            held = start
            continue
        joined.append((start, end))
    if held is not None:
        joined.append((held, spans[-1][1]))
    return joined


def _is_heading(text: str, start: int, end: int, piece: str) -> bool:
    whole_line = text[start - 1 : start] in ("", "\n") and text[end : end + 1] in ("", "\n")
    short = len(piece) <= HEADING_MAX and "\n" not in piece
    return whole_line and short and not _SENTENCE_END.search(piece)


def chunk_documents(docs: list[Document], settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    return [c for doc in docs for c in chunk_document(doc, settings)]


def sentences(text: str) -> list[str]:
    """Split a passage into sentences, keeping end punctuation and closing quotes.

    >>> sentences("一是创新。二是开放！“三是改革。”")
    ['一是创新。', '二是开放！', '“三是改革。”']
    """
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


_ENDS = "。！？；!?;…”’」』）)\n"


def cut_edges(chunks: list[Chunk]) -> dict[str, tuple[bool, bool]]:
    """For each chunk id, whether its first and its last sentence were cut by the
    splitter rather than ended by the text: such fragments make poor answers.

    >>> a = Chunk("d#0", "d", "t", "第一句。第二句的前半", 1, 1)
    >>> b = Chunk("d#1", "d", "t", "第二句的前半，后半。", 1, 1)
    >>> cut_edges([a, b])
    {'d#0': (False, True), 'd#1': (True, False)}
    """
    edges = {}
    for i, chunk in enumerate(chunks):
        prev = chunks[i - 1] if i and chunks[i - 1].source == chunk.source else None
        head = False
        if prev is not None:
            at = prev.text.find(chunk.text[:12])
            before = prev.text[at - 1] if at > 0 else "\n" if at == 0 else prev.text[-1:]
            head = bool(before) and before not in _ENDS
        tail = bool(chunk.text) and chunk.text[-1] not in _ENDS
        edges[chunk.id] = (head, tail)
    return edges
