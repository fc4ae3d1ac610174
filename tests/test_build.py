from dataclasses import replace

import pytest

import rag.build
import rag.corpus
import rag.tokenize
from rag import store
from rag.build import build, is_fresh
from rag.engine import open_engine
from rag.settings import Settings
from tests.conftest import QUIET


def test_a_hybrid_build_reuses_the_live_keyword_builds_chunks_and_says_its_mode(
    tiny_seeds, tmp_path, fake_embedder, monkeypatch
):
    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix")
    build(replace(settings, mode="lexical"), None, **QUIET)
    keyword = store.load(settings.index)
    assert keyword.manifest["mode"] == "lexical" and keyword.manifest["dense"] is None
    # Never taken for a hybrid build.
    assert is_fresh(keyword.manifest, settings, fake_embedder.name) is not None

    def unread(*_args):
        pytest.fail("the documents were read again")

    monkeypatch.setattr(rag.corpus.CorpusFile, "read", unread)
    build(settings, fake_embedder, **QUIET)
    hybrid = store.load(settings.index)
    assert hybrid.manifest["mode"] == "hybrid"
    assert hybrid.manifest["dense"]["model"] == fake_embedder.name
    assert hybrid.chunks == keyword.chunks and hybrid.folder != keyword.folder
    engine = open_engine(settings, embedder=fake_embedder, **QUIET)
    assert engine.semantic and engine.store.stored.folder == hybrid.folder


def test_a_fresh_index_folder_gets_its_keyword_build_from_a_process_started_ahead(
    tiny_seeds, tmp_path
):
    from rag.ahead import keywords_ahead, wait

    index = tmp_path / "ix"
    child = keywords_ahead(["--seeds", str(tiny_seeds), "--index", str(index), "--port", "1"])
    assert child is not None
    wait(child)
    assert child.returncode == 0
    built = store.load(index)
    assert built.manifest["mode"] == "lexical" and built.chunks
    # A folder with a build is the app's to open (a stale one keeps vectors to reuse).
    assert keywords_ahead(["--seeds", str(tiny_seeds), "--index", str(index)]) is None
    # Nothing to build ahead in a Milvus store, nor for flags that do not parse.
    milvus = ["--index", str(tmp_path / "other"), "--store", str(tmp_path / "m.db")]
    assert keywords_ahead(milvus) is None
    assert keywords_ahead(["--mode", "fast", "--index", str(tmp_path / "third")]) is None
    assert not (tmp_path / "third").exists()


class _Unplugged(Exception):
    """The machine went off in the middle of an embedding."""


def test_a_build_stopped_halfway_is_resumed_and_embeds_only_what_it_had_not(
    tiny_seeds, tmp_path, fake_embedder, monkeypatch
):
    from tests.conftest import FakeEmbedder

    for n in range(12):  # enough sentences for several saves
        (tiny_seeds / f"extra{n}.txt").write_text(
            "".join(f"第{n}篇第{i}句讲的是南沙的第{i * 7 + n}项改革。" for i in range(6)) + "\n",
            encoding="utf-8",
        )
    monkeypatch.setattr(rag.build, "CHECKPOINT", 16)
    monkeypatch.setattr(rag.build, "EMBED_BATCH", 4)
    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix")

    class Failing(FakeEmbedder):
        def __init__(self, after: int) -> None:
            super().__init__()
            self.left = after

        def embed(self, texts, kind="passage"):
            self.left -= len(texts)
            if self.left < 0:
                raise _Unplugged
            return super().embed(texts, kind)

    with pytest.raises(_Unplugged):
        build(settings, Failing(after=40), **QUIET)
    assert store.current_build(settings.index) is None  # nothing went live
    kept = store.load_embedded(settings.index, fake_embedder.name)
    assert len(kept) == 32  # two saves of 16; the 8 made after them are lost
    # Another model's vectors are never taken, and a damaged shard is passed over.
    assert store.load_embedded(settings.index, "another-model") == {}
    (settings.index / store.EMBEDDED / "broken.npz").write_bytes(b"not a zip")
    assert len(store.load_embedded(settings.index, fake_embedder.name)) == 32

    embedded: list[str] = []

    class Counting(FakeEmbedder):
        def embed(self, texts, kind="passage"):
            if kind == "passage":  # the model's calibration asks questions of its own
                embedded.extend(texts)
            return super().embed(texts, kind)

    build(settings, Counting(), **QUIET)
    hybrid = store.load(settings.index)
    resumed = rag.build.DenseIndex.load(hybrid.folder, [c.text for c in hybrid.chunks])
    assert len(embedded) == len(resumed.units) - 32
    assert not any(store.sentence_key(t) in kept for t in embedded)
    assert not (settings.index / store.EMBEDDED).exists()  # live now, so forgotten
    # The resumed build holds what one made in one go holds, and answers alike.
    whole = Settings(seeds=tiny_seeds, index=tmp_path / "whole")
    build(whole, FakeEmbedder(), **QUIET)
    one_go = store.load(whole.index)
    vectors = rag.build.DenseIndex.load(one_go.folder, [c.text for c in one_go.chunks])
    assert (vectors.vectors() == resumed.vectors()).all()
    a = open_engine(settings, embedder=FakeEmbedder(), **QUIET)
    b = open_engine(whole, embedder=FakeEmbedder(), **QUIET)
    question = "南沙的第17项改革是什么？"
    assert [h.chunk for h in a.ask(question).hits] == [h.chunk for h in b.ask(question).hits]


def test_a_small_change_keeps_the_models_measure_and_a_large_one_takes_it_again(
    tiny_seeds, tmp_path
):
    from tests.conftest import FakeEmbedder

    probes: list[str] = []

    class Counting(FakeEmbedder):
        def embed(self, texts, kind="passage"):
            if kind == "query":  # only the measure of the model asks questions
                probes.extend(texts)
            return super().embed(texts, kind)

    for n in range(20):
        (tiny_seeds / f"more{n}.txt").write_text(
            f"第{n}号文件说明河套合作区的科研项目。项目共有{n + 3}个团队参与，成果显著。\n",
            encoding="utf-8",
        )
    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix")
    build(settings, Counting(), **QUIET)
    first = store.load(settings.index).manifest["dense"]
    assert probes and first["calibrated_on"] == len(store.load(settings.index).chunks)
    # One document more: under a tenth of the passages, the measure is kept as it was.
    probes.clear()
    (tiny_seeds / "added.txt").write_text("新增文件：横琴的口岸通关时间缩短。\n", encoding="utf-8")
    build(settings, Counting(), **QUIET)
    kept = store.load(settings.index).manifest["dense"]
    assert probes == [] and kept == {**first, "changed_since": 1}
    # Ten more: the passages have grown by over a tenth since the measure, so it is taken.
    for n in range(10):
        (tiny_seeds / f"late{n}.txt").write_text(
            f"补充材料{n}：南沙的跨境贸易便利化措施。\n", encoding="utf-8"
        )
    build(settings, Counting(), **QUIET)
    again = store.load(settings.index)
    assert probes and again.manifest["dense"]["calibrated_on"] == len(again.chunks)


def test_a_rebuild_tokenizes_only_changed_documents_and_ranks_as_a_build_from_scratch(
    tiny_seeds, tmp_path, monkeypatch
):
    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical")
    build(settings, None, **QUIET)
    (tiny_seeds / "d.txt").write_text(
        "星河游戏公司成立于2009年，总部设在杭州，员工860人。\n", encoding="utf-8"
    )
    (tiny_seeds / "a.txt").write_text(
        "前海深港国际法务区于2022年1月4日宣布启用，集聚了仲裁机构。\n", encoding="utf-8"
    )
    (tiny_seeds / "b.txt").unlink()
    tokenized: list[str] = []
    real = rag.tokenize.tokenize
    monkeypatch.setattr(rag.tokenize, "tokenize", lambda text: tokenized.append(text) or real(text))
    read: list[str] = []
    reader = rag.corpus.CorpusFile.read
    monkeypatch.setattr(
        rag.corpus.CorpusFile, "read", lambda f: read.append(f.path.name) or reader(f)
    )
    build(settings, None, **QUIET)
    # Only the new and the edited document were read and tokenized; c.md kept its tokens.
    assert sorted(read) == ["a.txt", "d.txt"]
    assert len(tokenized) == 2 and all("南沙" not in t for t in tokenized)
    scratch = Settings(seeds=tiny_seeds, index=tmp_path / "scratch", mode="lexical")
    build(scratch, None, **QUIET)
    a, b = open_engine(settings, **QUIET), open_engine(scratch, **QUIET)
    assert [c.id for c in a.store.chunks] == [c.id for c in b.store.chunks]
    for question in ("前海法务区哪天启用？", "南沙集群注册", "星河游戏公司有多少员工？", "澳门"):
        tokens = a.analyze(question).tokens
        assert a.store.keyword(tokens, 10) == b.store.keyword(tokens, 10)
        assert a.store.idf(tokens[0]) == b.store.idf(tokens[0])
    # A removed document's words are gone from the vocabulary, as in a fresh build.
    assert a.store.df("澳门") == b.store.df("澳门") == 0


def test_two_files_cited_alike_are_never_kept_for_one_another(tiny_seeds, tmp_path):
    import json

    # A hand-edited catalog shows b.txt by a.txt's name: two documents, one source.
    (tiny_seeds / "catalog.json").write_text(json.dumps({"b.txt": {"name": "a.txt"}}))
    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical")
    scratch = Settings(seeds=tiny_seeds, index=tmp_path / "scratch", mode="lexical")
    build(scratch, None, **QUIET)
    for _ in range(3):
        build(settings, None, **QUIET)
        (tiny_seeds / "more.txt").write_text(f"{_}：新增的说明。\n", encoding="utf-8")
    build(scratch, None, **QUIET)
    ids = [c.id for c in store.load(settings.index).chunks]
    assert ids == [c.id for c in store.load(scratch.index).chunks]


def test_a_title_edited_in_the_catalog_alone_makes_the_index_stale_and_is_cited_anew(
    tiny_seeds, tmp_path
):
    import json

    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical")
    catalog = tiny_seeds / "catalog.json"
    catalog.write_text(json.dumps({"a.txt": {"title": "法务区简介"}}), encoding="utf-8")
    build(settings, None, **QUIET)
    assert is_fresh(store.load(settings.index).manifest, settings, None) is None
    catalog.write_text(json.dumps({"a.txt": {"title": "前海法务区介绍"}}), encoding="utf-8")
    assert is_fresh(store.load(settings.index).manifest, settings, None) == "the documents changed"
    engine = open_engine(settings, **QUIET)
    hit = engine.search("前海深港国际法务区哪天启用？", 1, mode="lexical")[0]
    assert hit.chunk.title == "前海法务区介绍"


def test_many_passages_are_tokenized_on_several_cores_into_the_same_tokens(monkeypatch):
    import rag.tokenize
    from rag.tokenize import tokenize, tokenize_all

    texts = [f"第{i}段：廣州開發區累計設立外資企業{i}家，Hong Kong 投資者。" for i in range(40)]
    monkeypatch.setattr(rag.tokenize, "_cores", lambda: 2)
    pools = []
    real = rag.tokenize.ProcessPoolExecutor
    monkeypatch.setattr(
        rag.tokenize, "ProcessPoolExecutor", lambda *a, **kw: pools.append(a[0]) or real(*a, **kw)
    )
    shared = list(tokenize_all(texts, shared_from=10))
    assert pools == [2] and shared == [tokenize(t) for t in texts]
    # Too few to be worth a worker's start: tokenized here.
    assert list(tokenize_all(texts[:3], shared_from=10)) == [tokenize(t) for t in texts[:3]]
    assert len(pools) == 1
    # Closed after the first: the workers are stopped, the rest is never read.
    from contextlib import closing

    with closing(tokenize_all(texts * 50, shared_from=10)) as stopped:
        assert next(stopped) == tokenize(texts[0])
    assert len(pools) == 2
