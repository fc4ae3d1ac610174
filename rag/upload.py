"""Check user uploads and turn them into text files in the index's upload folder.

Every upload is untrusted: its name, its type and its content. A file is accepted only
when its bytes are what its suffix claims, it is within size limits, it has text, and its
text is not already in the library. Accepted text is written under a generated name, so
nothing can be written outside the upload folder; the catalog keeps the original name, which
is what the library shows and cites, made unique (``名字 (2).docx``) so that no two
uploads are shown alike, not even by width or case.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

from rag.ingest import CATALOG, UnreadableFile, decode, load_catalog, shown_name, source_files
from rag.records import NewDocument
from rag.settings import UPLOADS_LABEL

SUFFIXES = (".txt", ".md", ".pdf", ".docx")
MAX_BYTES = 20 * 1024 * 1024
_QUOTES = str.maketrans({'"': "＂", "'": "＇"})
# A .docx is a zip: refuse archives that inflate far beyond any real document.
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Rejected(ValueError):
    """An upload that cannot be added. The message says why in Chinese (for the web
    UI); ``english`` says the same for the command line.

    >>> str(Rejected("文件为空", "empty file")), Rejected("文件为空", "empty file").english
    ('文件为空', 'empty file')
    """

    def __init__(self, reason: str, english: str) -> None:
        super().__init__(reason)
        self.english = english


def safe_name(name: str) -> str:
    """A display name: the last path part, without control characters.

    >>> safe_name("../../etc/x\\x00.txt")
    'x.txt'
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:120] or "unnamed"


def name_key(name: str) -> str:
    """What two names are compared by: width and case do not count.

    >>> name_key("ＧＢＡ简介.DOCX") == name_key("gba简介.docx")
    True
    """
    return unicodedata.normalize("NFKC", name).casefold()


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``… before the suffix: the first that no name
    in ``taken`` matches by ``name_key``.

    >>> unique_name("名字.docx", {"名字.docx", "名字 (2).docx"})
    '名字 (3).docx'
    >>> unique_name("ABC.docx", {"abc.docx"})
    'ABC (2).docx'
    """
    keys = {name_key(t) for t in taken}
    path = Path(name)
    candidate, n = name, 1
    while name_key(candidate) in keys:
        n += 1
        candidate = f"{path.stem} ({n}){path.suffix}"
    return candidate


def extract_text(name: str, data: bytes) -> str:
    """The text of an uploaded file, or Rejected with the reason."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise Rejected(
            f"不支持的文件类型 {suffix or '（无后缀）'}，请上传 .txt、.md、.pdf 或 .docx 文件",
            f"unsupported type {suffix or '(no suffix)'}; use .txt .md .pdf .docx",
        )
    if not data:
        raise Rejected("文件为空", "empty file")
    if len(data) > MAX_BYTES:
        raise Rejected(
            f"文件超过 {MAX_BYTES // 2**20} MB", f"file larger than {MAX_BYTES // 2**20} MB"
        )
    if suffix in (".txt", ".md"):
        try:
            return decode(data)
        except UnreadableFile as exc:
            raise Rejected(
                "无法识别文本编码，仅支持 UTF-8 或 GB18030 文本", "not UTF-8 or GB18030 text"
            ) from exc
    if suffix == ".pdf":
        return _pdf_text(data)
    return _docx_text(data)


def _pdf_text(data: bytes) -> str:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise Rejected("不是有效的 PDF 文件", "not a PDF")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Rejected("PDF 已加密，无法读取", "encrypted PDF")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Rejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise Rejected("PDF 文件已损坏", "malformed PDF") from exc
    # Some fonts' ToUnicode maps give a NUL before every character ("\x00粤\x00港"): a
    # control character is never text, and a stored NUL would split words for search.
    return _CONTROL.sub("", text)


def _docx_text(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise Rejected("不是有效的 Word 文档", "not a .docx file") from exc
    unzipped = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unzipped > MAX_UNZIPPED or unzipped / packed > MAX_RATIO:
        raise Rejected(
            "Word 文档解压后异常巨大，疑似压缩炸弹，已拒绝", "suspicious archive, possible zip bomb"
        )
    if "word/document.xml" not in {i.filename for i in infos}:
        raise Rejected("不是有效的 Word 文档", "not a .docx file")
    from docx import Document

    try:
        doc = Document(io.BytesIO(data))
    except Exception as exc:
        raise Rejected("Word 文档已损坏", "malformed .docx") from exc
    return "\n".join(_docx_lines(doc))


def _docx_lines(doc) -> list[str]:
    """The document's lines in reading order: a paragraph a line, headings as "# 标题"
    (a heading has no full stop, and would otherwise run into its first paragraph), list
    items with a marker ("• 项目", "2. 项目") since Word keeps the marker out of the text,
    and a table row as "| 名称 | 数值 |" so that the cleaner keeps every row and cell apart.
    """
    from docx.table import Table

    lines: list[str] = []
    counters: dict[tuple[str, int], int] = {}
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_rows(block))
        else:
            lines.append(_heading_marker(block) + _list_marker(doc, block, counters) + block.text)
    return lines


def _heading_marker(paragraph) -> str:
    name = getattr(paragraph.style, "name", "") or ""
    if name == "Title":
        return "# "
    level = name.removeprefix("Heading ")
    return "#" * int(level) + " " if level != name and level.isdigit() else ""


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # A merged cell is listed once per grid column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell))
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return rows


def _cell_text(cell) -> str:
    from docx.table import Table

    parts = []
    for block in cell.iter_inner_content():
        if isinstance(block, Table):
            parts.extend(r.strip("| ") for r in _table_rows(block))
        else:
            parts.append(block.text)
    return " ".join(" ".join(p.split()) for p in parts if p.strip())


def _list_marker(doc, paragraph, counters: dict[tuple[str, int], int]) -> str:
    """ "• " for a bulleted paragraph, "N. " for a numbered one, "" for any other.

    Every numbering format (一、, a), i.) is written as digits: the words matter, not
    the style of the count."""
    num = _numbering(paragraph)
    if num is None:
        return ""
    num_id, level = num
    fmt = _number_format(doc, num_id, level)
    if fmt in ("bullet", "none"):
        return "• "
    for key in [k for k in counters if k[0] == num_id and k[1] > level]:
        del counters[key]
    counters[num_id, level] = counters.get((num_id, level), 0) + 1
    return f"{counters[num_id, level]}. "


def _numbering(paragraph) -> tuple[str, int] | None:
    # Numbering is set on the paragraph or inherited from its style ("List Bullet").
    for element in (paragraph._p, getattr(paragraph.style, "element", None)):
        ppr = getattr(element, "pPr", None)
        num_pr = getattr(ppr, "numPr", None)
        if num_pr is not None and num_pr.numId is not None:
            level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
            return str(num_pr.numId.val), int(level)
    return None


def _number_format(doc, num_id: str, level: int) -> str:
    try:
        numbering = doc.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return "bullet"
    abstract = numbering.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
    if not abstract:
        return "bullet"
    fmt = numbering.xpath(
        f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl[@w:ilvl="{level}"]'
        "/w:numFmt/@w:val"
    )
    return fmt[0] if fmt else "bullet"


def content_hash(text: str) -> str:
    """Same words, same hash: whitespace and Unicode forms do not matter."""
    norm = "".join(unicodedata.normalize("NFKC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def known_hashes(folders: list[Path]) -> set[str]:
    hashes = set()
    for path in source_files(folders):
        try:
            hashes.add(content_hash(decode(path.read_bytes())))
        except (UnreadableFile, OSError):
            continue
    return hashes


def prepare_upload(
    name: str, data: bytes, taken: set[str], known: Callable[[str], bool]
) -> NewDocument:
    """Validate one upload and name it: the document to add, cited as ``uploads/NAME``
    with NAME the original name made unique among ``taken`` (names shown and stored);
    Rejected when it is unreadable, empty, or ``known`` says its content is in the
    library already."""
    display = safe_name(name)
    text = extract_text(display, data)
    if not "".join(text.split()):
        raise Rejected("文件中没有可读取的文字，可能是扫描版 PDF", "no text found; a scanned PDF?")
    digest = content_hash(text)
    if known(digest):
        raise Rejected("资料库中已有相同内容的文件", "duplicate: same content already indexed")
    # A leading dot would hide the file and is refused as a cited name. Straight quotes
    # become full-width ones, which read the same: pymilvus quotes string keys itself
    # (chunk ids start with the name) and a quote inside one breaks its filters.
    plain = display.lstrip(".").translate(_QUOTES) or "unnamed"
    shown = unique_name(plain, taken)
    return NewDocument(f"{UPLOADS_LABEL}/{shown}", Path(display).stem, text, digest)


def store_upload(new: NewDocument, uploads: Path) -> Path:
    """Write an upload's text into the folder ``uploads`` under a generated name, with its
    original name and title in the catalog; return the stored path."""
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / f"{new.content[:16]}.txt"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(new.original, encoding="utf-8")
    tmp.replace(target)
    remember(uploads, target.name, {"title": new.title, "name": new.name})
    return target


def taken_names(uploads: Path) -> set[str]:
    """The names an upload folder's files are shown and stored by."""
    catalog = load_catalog(uploads)
    files = source_files([uploads])
    return {shown_name(p, catalog) for p in files} | {p.name for p in files}


def save_upload(name: str, data: bytes, uploads: Path, library: list[Path]) -> Path:
    """Validate one upload and store its text in ``uploads``; return the stored path.

    ``library`` lists the folders whose documents count for duplicate detection.
    """
    known = known_hashes([*library, uploads])
    new = prepare_upload(name, data, taken_names(uploads), known.__contains__)
    return store_upload(new, uploads)


def remove_upload(path: Path) -> dict:
    """Delete a stored upload and its catalog entry; return the entry, so that a caller
    can put it back with ``remember``."""
    path.unlink()
    return remember(path.parent, path.name, None)


def remember(uploads: Path, stored: str, entry: dict | None) -> dict:
    """Record (or, with ``entry`` None, forget) the catalog entry of a stored upload
    (``{"title": …, "name": …}``); return the entry it had."""
    path = uploads / CATALOG
    try:
        catalog = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        catalog = {}
    old = catalog.get(stored)
    if entry is None:
        catalog.pop(stored, None)
    else:
        catalog[stored] = entry
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(catalog, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return old if isinstance(old, dict) else {}
