"""Read source files and repair the damage PDF extraction left in them.

Cleaning is a pure function from raw text to ``(text, lines)``, where ``lines[i]`` is
the 1-based source line of ``text[i]``: every later stage can cite line ranges exactly.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from rag.records import Document
from rag.tokenize import CJK, HAN

SUFFIXES = (".txt", ".md")
CATALOG = "catalog.json"

# Kangxi radicals, CJK radical supplements and compatibility ideographs look like ordinary
# characters (南⽅⽇报 uses U+2F45) but match nothing; NFKC maps them to the real ones.
# Only these ranges are folded in displayed text, so full-width punctuation survives.
_LOOKALIKE_RANGES = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
_TERMINAL = set("。！？!?；;…：:")
_CLOSERS = set("”’」』）)】》\"'")
_HEADING = re.compile(
    r"^(#+\s|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、](?!\d)\s*\S)"
)
# A list item starts its own line: "- 项目", "• item", "1) …", "(2) …", "（3）…", "a. …", "①…".
_LIST_ITEM = re.compile(
    r"^([-*+]\s+\S|[•·●○◦▪▫■□◆◇►▶✓✔➢–]\s*\S|[(（]?\d{1,3}[)）]\s*\S|[a-zA-Z][.)]\s+\S|[①-⑳])"
)
# Letter-spaced Chinese, as some PDFs set titles and justified lines: 产 业 体 系.
_SPACED_CHAR = f"[{HAN}，。、；：！？“”《》（）]"
_LETTER_SPACED = re.compile(f"{_SPACED_CHAR}(?:[ \u3000]{{1,2}}{_SPACED_CHAR}){{2,}}")
# A word, number or figure with the punctuation around it ("(Hong", "2.96%", "U.S.,",
# "（万人）"); debris glues letters to symbols that text seldom uses (f=g#$%h&ijkl).
_WORD = re.compile(r"(?=.*[^\W_])(?!.*[=^`~\\{}|<>])(?!.*[\W_]{4})\S+")
# Tokens that are neither words nor debris: list bullets, table rules, signs (§ 3, © 2024).
_MARKS = frozenset("-*+•·|–—§©®&/€£¥$")


class UnreadableFile(ValueError):
    """A file whose bytes are not text in an encoding we recognise."""


def _lookalike_table() -> dict[int, str]:
    table = {}
    for lo, hi in _LOOKALIKE_RANGES:
        for cp in range(lo, hi + 1):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if len(folded) == 1 and folded != chr(cp):
                table[cp] = folded
    return table


_LOOKALIKES = _lookalike_table()


def fold_lookalikes(text: str) -> str:
    """Replace radical and compatibility look-alikes by ordinary characters.

    >>> fold_lookalikes("南⽅⽇报，")
    '南方日报，'
    """
    return text.translate(_LOOKALIKES)


def _keep_char(ch: str) -> bool:
    if ch == "\ufffd":
        return False
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")


def _ascending_pairs(s: str) -> int:
    # Glyph-ID debris shows runs of consecutive code points: "!\"#$%", "ijkl", "6789".
    return sum(1 for a, b in zip(s, s[1:]) if ord(b) == ord(a) + 1 and not a.isdigit())


def reads_as_words(line: str) -> bool:
    """True when a line is made of words and figures, as text in any Latin script is.

    Debris has words too ("ijkl"), but glued to symbols, so nearly every token is words
    only in real text. A one- or two-token line must also lack debris's alphabet runs.

    >>> reads_as_words("Hong Kong is a special administrative region of China.")
    True
    >>> reads_as_words("0015 f=g#$%h&ijkl()6789"), reads_as_words("60%。")
    (False, True)
    """
    tokens = [t for t in line.split() if t not in _MARKS]
    if not tokens or "\ufffd" in line:
        return False
    words = sum(1 for t in tokens if _WORD.fullmatch(t))
    if words < 0.8 * len(tokens):
        return False
    return len(tokens) >= 3 or _ascending_pairs("".join(tokens)) < 3


def is_junk(line: str) -> bool:
    """True for binary debris from a broken PDF font map, False for real text.

    >>> is_junk("0015 f=g#$%h&ijkl()6789"), is_junk("2.83倍、2.46倍。"), is_junk("Café au lait")
    (True, False, False)
    """
    s = "".join(line.split())
    if not s:
        return False
    cjk = len(CJK.findall(s))
    if cjk / len(s) >= 0.5 or reads_as_words(line):
        return False
    if "\ufffd" in s or any("\u0080" <= c <= "\u00ff" and c not in "·°×÷" for c in s):
        return True
    symbols = sum(1 for c in s if c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    runs = _ascending_pairs(s)
    return cjk / len(s) < 0.1 and (symbols / len(s) >= 0.25 or runs >= 3)


def unspace(line: str) -> str:
    """Rejoin letter-spaced Chinese (three characters or more); other spaces stay.

    >>> unspace("第 一 章 总 则"), unspace("是我国首批 14个 国家级 经开区")
    ('第一章总则', '是我国首批 14个 国家级 经开区')
    """
    return _LETTER_SPACED.sub(lambda m: "".join(m.group().split()), line)


def _stands_alone(line: str) -> bool:
    # List items and table rows ("| 名称 | 数值 |") are lines of their own, never wrapped.
    return bool(_LIST_ITEM.match(line)) or line.startswith("|")


def _ends_sentence(line: str) -> bool:
    s = line.rstrip()
    while s and s[-1] in _CLOSERS:
        s = s[:-1]
    # A full stop ends an English sentence; after a digit it may be a cut decimal (1920.).
    return bool(s) and (s[-1] in _TERMINAL or s[-1] == "." and not s[-2:-1].isdigit())


def _joiner(prev: str, nxt: str) -> str:
    # Latin words cut at a line end need their space back; Chinese needs none.
    if prev[-1:].isascii() and prev[-1:].isalnum() and nxt[:1].isascii() and nxt[:1].isalnum():
        return " "
    return ""


_SHORT_END = re.compile(r"^[^，,。；;]{1,8}[。；;]")


def continues(line: str, following: str) -> bool:
    """True when a heading-like line goes on in the next line: a word runs across the
    break (……金融资源市场 / 化，精准服务……), or the next line opens with a few characters
    that end a sentence (……跨境研发统合 / 需求。探索……), which a new paragraph never does.

    >>> continues("2. 推动数字、专利和金融资源市场", "化，精准服务中小企业。")
    True
    >>> continues("3.市场体制引进人才，跨境研发统合", "需求。探索市场导向科技体制")
    True
    >>> continues("（一）百年变局叠加世纪疫情", "新一轮科技革命和产业变革蓄势待发")
    False
    """
    return bool(_SHORT_END.match(following)) or _splits_a_word(line, following)


def _splits_a_word(line: str, following: str) -> bool:
    from rag.tokenize import segment

    head, tail = line[-4:], following[:4]
    edge = 0
    for word in segment(head + tail):
        if edge < len(head) < edge + len(word):
            return True
        edge += len(word)
    return False


def clean(raw: str) -> tuple[str, tuple[int, ...]]:
    """Repair extraction damage; return the text and the source line of each character.

    Lines cut every few characters are rejoined into paragraphs, blank spacer lines and
    binary junk lines are dropped, look-alike radicals are folded, letter-spaced Chinese
    is closed up, and paragraphs are separated by a blank line. List items and table rows
    keep a line each.

    >>> text, lines = clean("社会主义市场经济体制是中国特色\\n\\n社会主义的重大理论。\\n")
    >>> text, lines[0], lines[-1]
    ('社会主义市场经济体制是中国特色社会主义的重大理论。', 1, 3)
    """
    rows: list[tuple[int, str]] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        # A tab separates cells or columns: a space keeps their words apart.
        s = fold_lookalikes(line.replace("\t", " "))
        # Printable text holds no control or unassigned character: only U+FFFD goes.
        s = s.replace("\ufffd", "") if s.isprintable() else "".join(filter(_keep_char, s))
        s = unspace(s.strip())
        if s and not is_junk(line):
            rows.append((number, s))
    if not rows:
        return "", ()
    long_rows = [len(s) for _, s in rows if len(s) >= 8]
    width = statistics.median(long_rows) if long_rows else 0

    parts: list[str] = []
    owners: list[int] = []
    prev = ""
    for number, s in rows:
        if prev:
            wrapped = (
                not _ends_sentence(prev)
                and len(prev) >= 0.6 * width
                and not _HEADING.match(s)
                and not _stands_alone(s)
                and not prev.startswith("|")
                and (not _HEADING.match(prev) or continues(prev, s))
            )
            sep = _joiner(prev, s) if wrapped else "\n\n"
            parts.append(sep)
            owners.extend([owners[-1]] * len(sep))
        parts.append(s)
        owners.extend([number] * len(s))
        prev = s
    return "".join(parts), tuple(owners)


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030; raise UnreadableFile otherwise.

    >>> decode("粤港澳".encode("gb18030"))
    '粤港澳'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("neither UTF-8 nor GB18030") from exc
    # GB18030 accepts many byte soups; real Chinese text is mostly common characters.
    printable = sum(1 for c in text if c.isprintable() or c.isspace())
    if not text or printable / len(text) < 0.9:
        raise UnreadableFile("neither UTF-8 nor GB18030")
    return text


def guess_title(text: str, fallback: str) -> str:
    """A title from the text: the first heading or short line, else ``fallback``. A name
    of two characters is a title too (an article about 蔡敏 starts 蔡敏); a line of
    figures or marks is not.

    >>> guess_title("广州开发区：创建高质量发展引领之地\\n\\n在中国国家级……", "003")
    '广州开发区：创建高质量发展引领之地'
    >>> guess_title("棱柱\\n\\n棱柱是几何学中的一种多面体。", "cmrc_0000")
    '棱柱'
    >>> guess_title("12\\n\\n正文在这里。", "note")
    'note'
    """
    for para in text.split("\n\n")[:8]:
        s = para.strip().lstrip("#").strip()
        if 2 <= len(s) <= 60 and not _ends_sentence(s) and any(c.isalpha() for c in s):
            return s
    return fallback


def load_catalog(folder: Path) -> dict:
    path = folder / CATALOG
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        warn(f"ignoring {path}: not valid JSON ({exc})")
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def shown_name(path: Path, catalog: dict) -> str:
    """The name a file is shown and cited by: the original name of an upload, kept in
    the catalog beside the generated one it is stored under, else the file's own name.

    >>> shown_name(Path("f88aa659.txt"), {"f88aa659.txt": {"name": "珠海星河产业园简介.docx"}})
    '珠海星河产业园简介.docx'
    """
    name = (catalog.get(path.name) or {}).get("name")
    return name if isinstance(name, str) and name else path.name


def stored_file(folder: Path, name: str) -> Path:
    """The file in ``folder`` shown as ``name`` (see ``shown_name``); ``folder / name``
    when no catalog entry claims that name."""
    for stored, entry in load_catalog(folder).items():
        if entry.get("name") == name and "/" not in stored and not stored.startswith("."):
            return folder / stored
    return folder / name


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def read_document(path: Path, catalog: dict | None = None, label: str = "seeds") -> Document:
    """Read and clean one file; raise UnreadableFile when it is not text. Its source is
    ``label/NAME``: the label of its corpus folder, not a path, so citations are the same
    whatever directory the index is read from; NAME is the name the catalog shows it by
    (an upload's original name), else the file's own."""
    raw = decode(path.read_bytes())
    text, lines = clean(raw)
    catalog = catalog or {}
    title = catalog.get(path.name, {}).get("title") or guess_title(text, path.stem)
    name = shown_name(path, catalog)
    return Document(source=f"{label}/{name}", title=title, text=text, lines=lines)


def source_files(folders: Iterable[Path]) -> list[Path]:
    """The text files an index is built from, in a stable order."""
    files: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            files.extend(
                p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in SUFFIXES
            )
    return files


def read_folder(folder: Path, label: str = "seeds") -> list[Document]:
    """Every readable document in ``folder``, cited as ``label/NAME``; unreadable ones are
    skipped with a warning."""
    catalog = load_catalog(folder)
    docs = (read_or_skip(path, catalog, label) for path in source_files([folder]))
    return [doc for doc in docs if doc is not None]


def read_or_skip(path: Path, catalog: dict, label: str) -> Document | None:
    """``read_document``, or None with a warning for a file that is not text or holds
    none after cleaning."""
    try:
        doc = read_document(path, catalog, label)
    except (UnreadableFile, OSError) as exc:
        warn(f"skipped {path}: {exc}")
        return None
    if not doc.text:
        warn(f"skipped {path}: no text after cleaning")
        return None
    return doc


def fingerprint(files: Iterable[Path]) -> str:
    """A hash of the files' names and bytes: the index is stale when it changes."""
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode("utf-8") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
