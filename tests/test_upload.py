import io
import zipfile

import pytest

from rag.upload import MAX_BYTES, Rejected, extract_text, safe_name, save_upload


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
