from pathlib import Path

import pytest

from rag.ingest import (
    UnreadableFile,
    clean,
    decode,
    fold_lookalikes,
    guess_title,
    is_junk,
    read_document,
    read_folder,
)


def test_lines_cut_inside_sentences_are_rejoined():
    raw = "社会主义市场经济体制是中国特色\n\n社会主义的重大理论和实践创新，是社会\n\n主义基本经济制度的重要组成部分。\n"
    text, _ = clean(raw)
    assert (
        text
        == "社会主义市场经济体制是中国特色社会主义的重大理论和实践创新，是社会主义基本经济制度的重要组成部分。"
    )


def test_short_heading_lines_stay_separate_paragraphs():
    raw = "一、背景与意义\n\n新一轮科技革命和产业变革蓄势待发，同时，国际格局的演进正在提\n\n速换挡，进入动荡变革期。\n"
    text, _ = clean(raw)
    assert text.split("\n\n") == [
        "一、背景与意义",
        "新一轮科技革命和产业变革蓄势待发，同时，国际格局的演进正在提速换挡，进入动荡变革期。",
    ]


def test_latin_words_cut_at_line_end_keep_their_space():
    text, _ = clean("the Smart Regulator programme was launched in\n\n2007 by the government\n")
    assert "launched in 2007" in text


def test_kangxi_lookalikes_fold_but_fullwidth_punctuation_stays():
    assert fold_lookalikes("南⽅⽇报，“精明规管”。") == "南方日报，“精明规管”。"
    text, _ = clean("普华永道中国\n\n南⽅⽇报\n")
    assert "南方日报" in text


@pytest.mark.parametrize(
    "line",
    ["0015 f=g#$%h&ijkl()6789", "!\"#$%&'()*+,-./1234*1254", "SáQÛ[\\bcS\ufffddÛ\ufffdV)ef"],
)
def test_binary_junk_lines_are_dropped(line):
    assert is_junk(line)
    text, _ = clean(f"第一段正文。\n\n{line}\n\n第二段正文。\n")
    assert text == "第一段正文。\n\n第二段正文。"


@pytest.mark.parametrize(
    "line", ["2.83倍、2.46倍。", "（Be the Smart Regulator）而开展。", "RCEP", "- 上市企业达88家"]
)
def test_real_text_is_not_junk(line):
    assert not is_junk(line)


def test_every_character_maps_to_its_source_line():
    raw = "标题行\n\n第一段的前半\n第一段的后半，继续写完。\n\n\n第二段。\n"
    text, lines = clean(raw)
    assert len(text) == len(lines)
    source = raw.splitlines()
    for ch, n in zip(text, lines):
        if ch.strip():
            assert ch in source[n - 1]
    assert lines[text.index("第二段")] == 7


def test_doubled_title_layers_do_not_break_cleaning():
    raw = "从产业园区向科技创从产业园区向科技创新园区转变新园区转变\n\n————\n\n正文第一句。\n"
    text, lines = clean(raw)
    assert "正文第一句。" in text
    assert len(text) == len(lines)


def test_decode_accepts_bom_and_gb18030_and_rejects_binary():
    assert decode("\ufeff粤港澳".encode()) == "粤港澳"
    assert decode("粤港澳大湾区".encode("gb18030")) == "粤港澳大湾区"
    with pytest.raises(UnreadableFile):
        decode(bytes(range(256)) * 8)


def test_undecodable_file_is_skipped_with_one_warning(tmp_path: Path, capsys):
    (tmp_path / "good.txt").write_text("粤港澳大湾区营商环境。", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(bytes(range(128, 256)) * 20)
    docs = read_folder(tmp_path)
    assert [Path(d.source).name for d in docs] == ["good.txt"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.txt" in err[0]


def test_catalog_gives_title_and_unlisted_file_gets_one_from_text(tmp_path: Path):
    (tmp_path / "catalog.json").write_text(
        '{"x.txt": {"title": "正式标题", "publication": "南方日报", "date": "2023-12"}}',
        encoding="utf-8",
    )
    (tmp_path / "x.txt").write_text("正文。", encoding="utf-8")
    body = "广州开发区集国家级经济技术开发区和高新技术产业开发区等多功能区优势于一体。"
    (tmp_path / "y.txt").write_text(f"广州开发区：创建引领之地\n\n{body}\n", encoding="utf-8")
    docs = {d.source: d for d in read_folder(tmp_path, "uploads")}
    assert docs["uploads/x.txt"].title == "正式标题"
    assert docs["uploads/y.txt"].title == "广州开发区：创建引领之地"
    assert guess_title("只有一句完整的话。", "fallback") == "fallback"


def test_seed_files_clean_without_junk_or_lookalikes():
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    doc = read_document(seeds / "002_1fa4e1f28ef495bf.txt")
    assert "南方日报" in doc.text and "\u2f45" not in doc.text
    assert "ijkl" not in doc.text and "\ufffd" not in doc.text
    assert len(doc.lines) == len(doc.text)


def test_a_numbered_heading_that_wraps_is_rejoined_and_a_real_heading_is_not():
    raw = (
        "2. 推动数字、专利和金融资源市场\n化，精准服务中小企业。\n"
        "（一）百年变局叠加世纪疫情\n新一轮科技革命和产业变革蓄势待发。\n"
        "投资1920.9亿元，投资总额位居全国经开\n区第一。\n"
    )
    text, lines = clean(raw)
    assert "金融资源市场化，精准服务" in text
    assert "世纪疫情\n\n新一轮" in text
    # A decimal figure at a line start is no numbered heading.
    assert "全国经开区第一" in text
    assert lines[text.index("化，精准")] == 2
