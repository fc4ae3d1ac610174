import io
import zipfile
from pathlib import Path

import pytest

from rag.ingest import load_catalog, read_document
from rag.upload import MAX_BYTES, Rejected, extract_text, safe_name, save_upload

# From Debian's fonts-noto-cjk, which `make test` installs (the browser-deps target).
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _docx(text: str) -> bytes:
    from docx import Document

    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph(text)
    doc.save(buf)
    return buf.getvalue()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    buf = io.BytesIO()
    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    w.write(buf)
    return buf.getvalue()


def test_docx_text_is_extracted():
    assert "横琴粤澳深度合作区" in extract_text("a.docx", _docx("横琴粤澳深度合作区法律事务局"))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("x.exe", b"MZ", "不支持的文件类型"),
        ("x.txt", b"", "文件为空"),
        ("x.txt", b"a" * (MAX_BYTES + 1), "超过 20 MB"),
        ("x.txt", bytes(range(128, 256)) * 10, "无法识别文本编码"),
        ("x.pdf", b"PK\x03\x04 this is a zip", "不是有效的 PDF"),
        ("x.pdf", b"%PDF-1.7\n garbage", "PDF 文件已损坏"),
        ("x.docx", b"not a zip", "不是有效的 Word 文档"),
    ],
)
def test_bad_uploads_are_rejected_with_a_reason(name, data, reason):
    with pytest.raises(Rejected, match=reason):
        extract_text(name, data)


def test_encrypted_pdf_is_rejected():
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf())))
    w.encrypt("secret")
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(Rejected, match="加密"):
        extract_text("x.pdf", buf.getvalue())


def test_zip_bomb_disguised_as_docx_is_rejected():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(Rejected, match="压缩炸弹"):
        extract_text("x.docx", buf.getvalue())


def test_hostile_names_cannot_escape_the_upload_folder(tmp_path):
    uploads = tmp_path / "uploads"
    for i, name in enumerate(["../../x.txt", "a/b/..\\..\\c.txt", "evil\x00\x1b[31m.txt"]):
        path = save_upload(name, f"第{i}份文件的正文内容。".encode(), uploads, [])
        assert path.parent == uploads
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".txt")
    assert not (tmp_path / "x.txt").exists() and not (tmp_path.parent / "x.txt").exists()
    assert safe_name("evil\x00\x1b[31m.txt") == "evil[31m.txt"


def test_duplicate_content_is_rejected(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "s.txt").write_text("粤港澳大湾区 营商环境", encoding="utf-8")
    with pytest.raises(Rejected, match="已有相同内容"):
        save_upload("copy.txt", "粤港澳大湾区营商环境\n".encode(), tmp_path / "up", [seeds])
    save_upload("new.txt", "全新的内容。".encode(), tmp_path / "up", [seeds])
    with pytest.raises(Rejected, match="已有相同内容"):
        save_upload("again.md", "全新的内容。".encode(), tmp_path / "up", [seeds])


def test_blank_pdf_has_no_text_and_is_rejected(tmp_path):
    with pytest.raises(Rejected, match="没有可读取的文字"):
        save_upload("blank.pdf", _pdf(), tmp_path / "up", [])


def test_a_rejection_says_why_in_chinese_alone_and_in_english_for_the_cli():
    with pytest.raises(Rejected) as refused:
        extract_text("x.exe", b"MZ")
    assert str(refused.value) == "不支持的文件类型 .exe，请上传 .txt、.md、.pdf 或 .docx 文件"
    assert refused.value.english == "unsupported type .exe; use .txt .md .pdf .docx"


def _read_back(tmp_path: Path, name: str, data: bytes) -> str:
    """The cleaned text of an upload, as the index reads it."""
    uploads = tmp_path / "uploads"
    stored = save_upload(name, data, uploads, [])
    return read_document(stored, load_catalog(uploads), "uploads").text


def test_a_docx_keeps_paragraphs_list_items_and_every_table_cell(tmp_path):
    from docx import Document

    doc = Document()
    doc.add_heading("粤港澳大湾区概况", 1)
    doc.add_paragraph("Hong Kong is a special administrative region of China.")
    doc.add_paragraph("大湾区包括香港、澳门两个特别行政区和广东省九个城市。")
    bullets = ["横琴粤澳深度合作区", "前海深港现代服务业合作区", "南沙粤港澳全面合作示范区"]
    for item in bullets:
        doc.add_paragraph(item, style="List Bullet")
    steps = ["提交申请材料", "窗口受理审核"]
    for item in steps:
        doc.add_paragraph(item, style="List Number")
    cells = [
        ["城市", "常住人口（万人）", "Area (km²)"],
        ["香港", "750", "1106"],
        ["澳门", "68", "33"],
    ]
    table = doc.add_table(rows=3, cols=3)
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_paragraph("表格之后的正文段落。")
    buf = io.BytesIO()
    doc.save(buf)

    text = _read_back(tmp_path, "概况.docx", buf.getvalue())
    paras = text.split("\n\n")
    assert paras[:3] == [
        "# 粤港澳大湾区概况",
        "Hong Kong is a special administrative region of China.",
        "大湾区包括香港、澳门两个特别行政区和广东省九个城市。",
    ]
    assert paras[3:8] == [*(f"• {b}" for b in bullets), "1. 提交申请材料", "2. 窗口受理审核"]
    assert paras[8:11] == ["| " + " | ".join(row) + " |" for row in cells]
    assert paras[11] == "表格之后的正文段落。"


def test_a_merged_table_cell_is_read_once(tmp_path):
    from docx import Document

    doc = Document()
    table = doc.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "粤港澳大湾区主要城市"
    for c, value in enumerate(["广州", "深圳", "珠海"]):
        table.cell(1, c).text = value
    buf = io.BytesIO()
    doc.save(buf)
    assert extract_text("t.docx", buf.getvalue()).splitlines() == [
        "| 粤港澳大湾区主要城市 |",
        "| 广州 | 深圳 | 珠海 |",
    ]


def _cjk_pdf() -> bytes:
    from fpdf import FPDF

    assert CJK_FONT.is_file(), f"{CJK_FONT} is missing: install fonts-noto-cjk (make browser-deps)"
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("noto", fname=str(CJK_FONT))
    pdf.set_font("noto", size=12)
    for line in [
        "粤港澳大湾区营商环境建设取得显著成效，市场主体",
        "数量持续增长。",
        "Hong Kong is a special administrative region of China.",
    ]:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    # A letter-spaced title: each character set on its own, as justified PDFs do.
    for ch in "第一章总则":
        pdf.cell(w=12, text=ch)
    pdf.ln()
    pdf.cell(text="- 横琴粤澳深度合作区", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="- 前海深港现代服务业合作区", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_a_pdf_with_chinese_english_and_letter_spaced_lines_is_read_whole(tmp_path):
    data = _cjk_pdf()
    raw = extract_text("a.pdf", data)
    assert "\x00" not in raw
    assert "第 一 章 总 则" in raw  # pypdf sees the letter spacing ...
    text = _read_back(tmp_path, "营商环境.pdf", data)
    assert text.split("\n\n") == [  # ... and the cleaner closes it up.
        "粤港澳大湾区营商环境建设取得显著成效，市场主体数量持续增长。",
        "Hong Kong is a special administrative region of China.",
        "第一章总则",
        "- 横琴粤澳深度合作区",
        "- 前海深港现代服务业合作区",
    ]
