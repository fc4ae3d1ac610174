import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from rag import store
from rag.service import Library
from rag.settings import Settings
from tests.conftest import FakeEmbedder
from tests.test_upload import _docx

QUIET = {"say": lambda _: None}


def _library(seeds, tmp_path) -> Library:
    return Library(Settings(seeds=seeds, index=tmp_path / "ix", mode="lexical"), **QUIET)


def test_uploaded_docx_is_searchable_at_once_and_survives_a_restart(tiny_seeds, tmp_path):
    lib = _library(tiny_seeds, tmp_path)
    [result] = lib.add_files(
        [("河套.docx", _docx("河套深港科技创新合作区首批重大科研项目揭榜挂帅。"))]
    )
    assert result.ok, result.message
    answer = lib.ask("河套合作区的科研项目怎么组织？", k=3)
    assert answer.hits[0].chunk.title == "河套"
    # Cited by the name the user gave it, not the generated one it is stored under.
    assert answer.hits[0].chunk.source == "uploads/河套.docx"
    again = _library(tiny_seeds, tmp_path)
    assert len(again.engine.store.chunks) == len(lib.engine.store.chunks) == 4


def test_rejected_upload_leaves_the_index_as_it_was(tiny_seeds, tmp_path):
    lib = _library(tiny_seeds, tmp_path)
    before = lib.engine
    results = lib.add_files(
        [("x.pdf", b"PK\x03\x04zip"), ("a.txt", (tiny_seeds / "a.txt").read_bytes())]
    )
    assert [r.ok for r in results] == [False, False]
    assert results[0].message == "不是有效的 PDF 文件" and results[0].english == "not a PDF"
    assert results[1].message == "资料库中已有相同内容的文件"
    assert lib.engine is before


def test_questions_keep_answering_while_an_upload_is_indexed(tiny_seeds, tmp_path):
    lib = _library(tiny_seeds, tmp_path)
    with ThreadPoolExecutor(4) as pool:
        upload = pool.submit(
            lib.add_files, [("新.txt", "横琴粤澳深度合作区法律事务局打造法务集聚区。".encode())]
        )
        answers = list(
            pool.map(lambda _: lib.ask("澳门贸促局收到多少个新投资计划？", k=3), range(40))
        )
        assert upload.result()[0].ok
    assert all("292个新投资计划" in a.text for a in answers)


def test_a_removed_upload_is_never_cited_again_and_other_vectors_are_reused(
    tiny_seeds, tmp_path, fake_embedder
):
    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="hybrid")
    lib = Library(settings, embedder=fake_embedder, **QUIET)
    text = "月球科研站共有九十九名驻站研究员。"
    [added] = lib.add_files([("月球.txt", text.encode("utf-8"))])
    assert added.ok
    docs = {d.source: d for d in lib.documents()}
    [upload] = [d for d in docs.values() if d.upload]
    assert upload.title == "月球" and upload.passages == 1 and upload.added
    assert sum(not d.upload for d in docs.values()) == 3
    assert "九十九名" in lib.ask("月球科研站有多少名驻站研究员？", mode="lexical").text

    embedded = []
    original = fake_embedder.embed
    fake_embedder.embed = lambda texts, kind="passage": (
        (embedded.extend(texts) if kind == "passage" else None) or original(texts, kind)
    )
    removed = lib.remove("月球")  # by title; the file name and the source work too
    assert removed.source == upload.source and embedded == []
    assert upload.source not in {c.source for c in lib.engine.store.chunks}
    assert not settings.resolve(upload.source).exists()
    answer = lib.ask("月球科研站有多少名驻站研究员？", mode="lexical")
    assert answer.abstained and all(h.chunk.source != upload.source for h in answer.hits)


def test_seed_files_and_unknown_names_cannot_be_removed(tiny_seeds, tmp_path):
    from rag.service import NotRemovable

    lib = _library(tiny_seeds, tmp_path)
    before = lib.engine
    with pytest.raises(NotRemovable, match="read-only"):
        lib.remove("seeds/a.txt")
    with pytest.raises(NotRemovable, match="no such document"):
        lib.remove("nothing.txt")
    assert lib.engine is before and (tiny_seeds / "a.txt").exists()


def test_the_viewer_shows_a_cited_passage_in_its_file_and_refuses_other_ranges(
    tiny_seeds, tmp_path
):
    from rag.service import NotViewable

    lib = _library(tiny_seeds, tmp_path)
    hit = lib.ask("澳门贸促局收到多少个新投资计划？", mode="lexical").hits[0]
    c = hit.chunk
    view = lib.view(c.source, c.first_line, c.last_line)
    assert view.title == c.title and view.total == 2
    shown = dict(view.lines)
    assert "292个新投资计划" in "".join(shown[n] for n in range(c.first_line, c.last_line + 1))
    for source, first, last in [(c.source, 0, 1), (c.source, 2, 9), ("seeds/nope.txt", 1, 1)]:
        with pytest.raises(NotViewable):
            lib.view(source, first, last)
    with pytest.raises(NotViewable, match="no such document"):
        lib.view("../../etc/passwd", 1, 1)


def test_a_request_over_the_limit_is_refused_with_its_length(tiny_seeds, tmp_path):
    from rag.settings import MAX_QUESTION, QuestionTooLong

    lib = _library(tiny_seeds, tmp_path)
    with pytest.raises(QuestionTooLong, match="共 2001 个字符"):
        lib.ask("前" * (MAX_QUESTION + 1))
    # Spaces around a question do not count against it.
    assert lib.ask("  前海法务区哪天启用？" + " " * MAX_QUESTION).hits


def test_an_upload_keeps_its_name_in_the_library_the_viewer_and_the_export(tiny_seeds, tmp_path):
    from rag.render import markdown_export

    lib = _library(tiny_seeds, tmp_path)
    name = "珠海星河产业园简介.docx"
    [result] = lib.add_files([(name, _docx("珠海星河产业园共有八十八家入驻企业。"))])
    assert result.ok and result.name == name
    [doc] = [d for d in lib.documents() if d.upload]
    assert (doc.source, doc.name, doc.title) == (f"uploads/{name}", name, "珠海星河产业园简介")
    assert doc.file.endswith(".txt") and doc.file != name
    answer = lib.ask("珠海星河产业园有多少家入驻企业？", k=3)
    hit = answer.hits[0].chunk
    assert f"，uploads/{name}，第" in markdown_export(answer, 3)
    # The viewer finds the stored file behind the name it is cited by.
    view = lib.view(hit.source, hit.first_line, hit.last_line)
    assert "八十八家" in "".join(line for _, line in view.lines)


def test_the_same_name_uploaded_twice_is_shown_twice_apart(tiny_seeds, tmp_path):
    lib = _library(tiny_seeds, tmp_path)
    results = lib.add_files(
        [("名字.txt", "第一份讲港珠澳大桥。".encode()), ("名字.txt", "第二份讲深中通道。".encode())]
    )
    assert [r.name for r in results] == ["名字.txt", "名字 (2).txt"]
    assert lib.remove("uploads/名字 (2).txt").name == "名字 (2).txt"
    assert [d.name for d in lib.documents() if d.upload] == ["名字.txt"]


def test_a_library_follows_another_writers_build_and_keeps_one_it_cannot_use_out(
    tiny_seeds, tmp_path
):
    from rag.chunk import ChunkSettings

    said = []
    served = Library(
        Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical"), say=said.append
    )
    said.clear()  # what its first build said
    held = served.engine
    assert served.catch_up() is held  # nothing changed: the same engine, nothing loaded
    other = _library(tiny_seeds, tmp_path)
    assert other.add_files([("星河.txt", "星河产业园共有八十八家入驻企业。".encode())])[0].ok
    assert "八十八家" in served.ask("星河产业园有多少家入驻企业？", mode="lexical").text
    assert served.engine is not held and not said

    # A writer with other chunk settings makes a build this one would not make: the
    # library says so once and keeps answering from what it holds.
    odd = Settings(
        seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical", chunk=ChunkSettings(100, 20)
    )
    held = served.engine
    assert (
        Library(odd, **QUIET)
        .add_files([("月湾.txt", "月湾码头每年接待三百万名旅客。".encode())])[0]
        .ok
    )
    for _ in range(3):
        assert "八十八家" in served.ask("星河产业园有多少家入驻企业？", mode="lexical").text
    assert served.engine is held
    assert len(said) == 1 and "the chunk settings changed" in said[0]


class GatedEmbedder(FakeEmbedder):
    """A fake model that embeds passages only once ``gate`` is open (the background build
    is observable), and remembers what it embedded; ``broken`` makes it fail."""

    def __init__(self, broken: str = "") -> None:
        super().__init__()
        self.gate = threading.Event()
        self.passages: list[str] = []
        self.broken = broken

    def embed(self, texts, kind="passage"):
        if kind == "passage":
            assert self.gate.wait(60), "the test never opened the gate"
            if self.broken:
                raise RuntimeError(self.broken)
            self.passages.extend(texts)
        return super().embed(texts, kind)


def _manifest(index) -> dict:
    from rag import store

    return store.load(index).manifest


def _background(seeds, tmp_path, embedder, said=None) -> Library:
    settings = Settings(seeds=seeds, index=tmp_path / "ix", mode="hybrid")
    say = said.append if said is not None else QUIET["say"]
    library = Library(settings, embedder=embedder, say=say, background=True)
    library.start_vectors()
    return library


def test_a_first_start_answers_by_keyword_at_once_then_by_meaning_without_a_restart(
    tiny_seeds, tmp_path
):
    model = GatedEmbedder()
    lib = _background(tiny_seeds, tmp_path, model)
    # No vectors yet: a real keyword build is live, and says so.
    assert lib.vectors is not None and not lib.engine.semantic
    assert _manifest(tmp_path / "ix")["mode"] == "lexical"
    answer = lib.ask("澳门贸促局收到多少个新投资计划？", k=3)
    assert "292个新投资计划" in answer.text and answer.mode == "lexical"
    keyword = lib.engine

    model.gate.set()
    assert lib.wait_for_vectors(60)
    assert lib.vectors is None and lib.engine is not keyword and lib.engine.semantic
    manifest = _manifest(tmp_path / "ix")
    assert manifest["mode"] == "hybrid" and manifest["dense"]["model"] == model.name
    answer = lib.ask("澳门贸促局收到多少个新投资计划？", k=3)
    # The fake model's vectors are hashes: whether the answer model, fitted on real
    # vectors, is sure enough to answer from them is not this test's question.
    assert "292个新投资计划" in answer.hits[0].chunk.text and answer.mode == "hybrid"
    # A restart finds the hybrid build ready: nothing is made again.
    again = _background(tiny_seeds, tmp_path, GatedEmbedder())
    assert again.engine.semantic and again.vectors is None


def test_an_upload_during_the_background_build_is_found_by_keyword_at_once_then_by_meaning(
    tiny_seeds, tmp_path
):
    model = GatedEmbedder()
    lib = _background(tiny_seeds, tmp_path, model)
    # The upload does not wait for the vectors (the gate is still shut).
    [added] = lib.add_files([("月球.txt", "月球科研站共有九十九名驻站研究员。".encode())])
    assert added.ok and lib.vectors is not None
    answer = lib.ask("月球科研站有多少名驻站研究员？", k=3)
    assert "九十九名" in answer.text and answer.mode == "lexical"

    model.gate.set()
    assert lib.wait_for_vectors(60) and lib.engine.semantic
    answer = lib.ask("月球科研站有多少名驻站研究员？", k=3)
    assert "九十九名" in answer.text and answer.mode == "hybrid"
    assert lib.engine.store.dense.similarity(
        model.embed(["月球科研站共有九十九名驻站研究员。"], kind="query")[0],
        "月球科研站共有九十九名驻站研究员。",
    )
    # The build made before the upload was not thrown away whole: each sentence was
    # embedded once.
    assert len(model.passages) == len(set(model.passages))


def test_a_failed_background_build_keeps_keyword_answers_and_says_why(tiny_seeds, tmp_path):
    said = []
    model = GatedEmbedder(broken="模型文件损坏")
    lib = _background(tiny_seeds, tmp_path, model, said)
    model.gate.set()
    assert lib.wait_for_vectors(60)
    assert lib.vectors is None and not lib.engine.semantic
    assert any("语义向量计算失败：模型文件损坏" in n for n in lib.notices)
    assert any("making the vectors failed (模型文件损坏)" in m for m in said)
    answer = lib.ask("澳门贸促局收到多少个新投资计划？", k=3)
    assert "292个新投资计划" in answer.text and answer.mode == "lexical"
    # Later uploads are indexed by keyword, without trying the model again.
    [added] = lib.add_files([("月球.txt", "月球科研站共有九十九名驻站研究员。".encode())])
    assert added.ok and "九十九名" in lib.ask("月球科研站有多少名驻站研究员？").text
    assert model.passages == []


def test_a_restart_during_the_background_build_answers_by_keyword_at_once(tiny_seeds, tmp_path):
    first = GatedEmbedder()
    _background(tiny_seeds, tmp_path, first)
    build = store.current_build(tmp_path / "ix")
    second = GatedEmbedder()
    lib = _background(tiny_seeds, tmp_path, second)
    # The keyword build the first start made is used as it is, not made again.
    assert store.current_build(tmp_path / "ix") == build and lib.vectors is not None
    assert "292个新投资计划" in lib.ask("澳门贸促局收到多少个新投资计划？", k=3).text
    first.gate.set()
    second.gate.set()
    assert lib.wait_for_vectors(60), lib.notices
    assert lib.engine.semantic, (lib.notices, lib.vectors, store.current_build(tmp_path / "ix"))


def test_another_writers_hybrid_build_ends_the_background_build(tiny_seeds, tmp_path):
    said = []
    model = GatedEmbedder()
    served = _background(tiny_seeds, tmp_path, model, said)
    assert served.vectors is not None
    said.clear()  # what its keyword build said
    # `rag docs add` in another process: it builds first, vectors and all.
    other = Library(
        Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="hybrid"),
        embedder=FakeEmbedder(),
        **QUIET,
    )
    assert other.add_files([("星河.txt", "星河产业园共有八十八家入驻企业。".encode())])[0].ok
    answer = served.ask("星河产业园有多少家入驻企业？", k=3)
    assert "八十八家" in answer.text and answer.mode == "hybrid"
    assert served.vectors is None and served.engine.semantic
    live = store.current_build(tmp_path / "ix")
    model.gate.set()
    assert served.wait_for_vectors(60)
    # Its own build stopped: the other writer's stays live, no failure was said.
    assert store.current_build(tmp_path / "ix") == live and not said
