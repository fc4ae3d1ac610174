"""Property-based tests: cleaning, tokenizing and chunking take any Unicode without an
exception, and every chunk's line range points inside its source."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.chunk import HEADING_MAX, ChunkSettings, chunk_document
from rag.ingest import UnreadableFile, clean, decode
from rag.query import Query
from rag.records import Document
from rag.tokenize import normalize, tokenize

# Every code point, lone surrogates and control characters included, mixed with the
# characters policy documents are made of.
ANY_CHAR = st.characters(exclude_categories=[])
POLICY_CHAR = st.sampled_from("粤港澳大湾区前海南沙横琴營商環境改革，。；：“”（）\n\n 0123456789%")
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"])
TEXT = st.lists(st.one_of(ANY_CHAR, POLICY_CHAR, LINE_BREAKS), max_size=1500).map("".join)
CHUNKING = st.builds(ChunkSettings, size=st.integers(20, 400), overlap=st.integers(0, 19))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _chunks(raw: str, chunking: ChunkSettings):
    text, lines = clean(raw)
    doc = Document("seeds/x.txt", "标题", text, lines)
    return text, chunk_document(doc, chunking)


@FAST
@given(TEXT, CHUNKING)
@example("0000000000,0000000000", ChunkSettings(size=20, overlap=0))
@example("标题\n" + "正文" * 30, ChunkSettings(size=20, overlap=5))
def test_chunks_of_any_text_cite_lines_inside_their_source(raw, chunking):
    text, chunks = _chunks(raw, chunking)
    n_lines = len(raw.splitlines())
    for c in chunks:
        assert 1 <= c.first_line <= c.last_line <= n_lines
        assert c.text.strip() and c.text in text
        # Only a heading line joined in front may take a chunk past its size.
        heading, newline, body = c.text.partition("\n")
        assert len(c.text) <= chunking.size or (
            newline and len(heading) <= HEADING_MAX and len(body.strip()) <= chunking.size
        )


@FAST
@given(TEXT)
def test_cleaning_keeps_a_source_line_for_every_character(raw):
    text, lines = clean(raw)
    assert len(lines) == len(text)
    assert list(lines) == sorted(lines)
    assert all(1 <= n <= len(raw.splitlines()) for n in lines)
    # Nothing unprintable survives cleaning, whatever came in.
    assert not any(0xD800 <= ord(ch) <= 0xDFFF or ch == "\x00" for ch in text)


@FAST
@given(TEXT)
def test_tokenizing_any_text_gives_clean_tokens(raw):
    tokens = tokenize(raw)
    assert all(t and t == t.strip() for t in tokens)
    query = Query.of(raw)
    assert all(t and t == t.strip() for t in query.tokens)
    # What a model is fed can always be encoded and holds no control characters.
    query.embed_text.encode("utf-8")
    assert not any(ord(ch) < 0x20 and ch not in "\t\n" for ch in query.embed_text)
    assert normalize(normalize(raw)) == normalize(raw)


@FAST
@given(st.binary(max_size=2000))
def test_decoding_any_bytes_gives_text_or_a_clear_refusal(data):
    try:
        assert isinstance(decode(data), str)
    except UnreadableFile as exc:
        assert "UTF-8" in str(exc)


@pytest.mark.parametrize(
    "raw",
    [
        "澳" * 100_000,  # one 100k-character line
        "，。！？" * 25_000,  # only punctuation
        "\ud800\udfff孤立代理项\x00\x1f\x7f控制字符\n" * 50,
        "English مرحبا Русский 粤港澳 🙂" * 2_000,
        "\n" * 10_000,
    ],
    ids=["100k-line", "punctuation", "surrogates-controls", "mixed-scripts", "blank-lines"],
)
def test_extreme_documents_chunk_within_their_lines(raw):
    text, chunks = _chunks(raw, ChunkSettings())
    n_lines = len(raw.splitlines())
    assert all(1 <= c.first_line <= c.last_line <= n_lines for c in chunks)
    assert all(len(c.text) <= ChunkSettings().size for c in chunks)
    for c in chunks[:50]:
        tokenize(c.text)
