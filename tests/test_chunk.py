from pathlib import Path

from rag.chunk import ChunkSettings, chunk_document
from rag.ingest import clean, read_document
from rag.records import Document
from tests.conftest import faithful

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _doc(raw: str) -> Document:
    text, lines = clean(raw)
    return Document("seeds/t.txt", "标题", text, lines)


def test_chunks_respect_size_and_prefer_sentence_ends():
    sentence = "粤港澳大湾区持续优化营商环境，推动民营经济高质量发展。"
    doc = _doc("\n".join([sentence] * 20))
    chunks = chunk_document(doc, ChunkSettings(size=100, overlap=20))
    assert len(chunks) > 3
    assert all(len(c.text) <= 100 for c in chunks)
    assert all(c.text.endswith("。") for c in chunks)


def test_chunks_carry_source_title_and_line_range():
    raw = "".join(f"第{i}行的内容写在这里。\n" for i in range(1, 41))
    chunks = chunk_document(_doc(raw), ChunkSettings(size=60, overlap=0))
    for c in chunks:
        assert (c.source, c.title) == ("seeds/t.txt", "标题")
        first = int(c.text.split("行")[0].lstrip("第"))
        assert c.first_line == first
        assert f"第{c.last_line}行" in c.text
    assert chunks[-1].last_line == 40


def test_overlap_repeats_text_between_neighbours():
    doc = _doc("，".join(f"条款{i}" for i in range(200)) + "。")
    a, b = chunk_document(doc, ChunkSettings(size=80, overlap=30))[:2]
    assert a.text[-10:] in b.text


def test_every_seed_chunk_lies_inside_its_cited_lines():
    for path in sorted(SEEDS.glob("*.txt")):
        for c in chunk_document(read_document(path)):
            assert faithful(c.text, path, c.first_line, c.last_line), c.id


def test_a_title_or_heading_alone_joins_the_passage_it_heads():
    body = "蔡敏是台湾的电视节目主持人，以主持综艺节目闻名。" * 13
    section = "她后来转往电台工作，主持一档深夜音乐节目多年。" * 12
    raw = f"蔡敏\n\n{body}\n\n早年经历\n\n{section}\n"
    text, lines = clean(raw)
    doc = Document("uploads/蔡敏.txt", "蔡敏", text, lines)
    chunks = chunk_document(doc, ChunkSettings(size=300, overlap=0))
    assert chunks[0].text.startswith("蔡敏\n\n蔡敏是台湾") and chunks[0].first_line == 1
    assert not any(c.text in ("蔡敏", "早年经历") for c in chunks)
    path_text = raw.splitlines(keepends=True)
    for c in chunks:
        cited = "".join(path_text[c.first_line - 1 : c.last_line]).replace("\n", "")
        assert c.text.replace("\n", "") in cited


def test_a_heading_at_the_very_end_stays_a_passage_of_its_own():
    text, lines = clean("第一段写完了。\n\n附录\n")
    chunks = chunk_document(
        Document("seeds/t.txt", "t", text, lines), ChunkSettings(size=8, overlap=0)
    )
    assert chunks[-1].text == "附录"
