from dataclasses import replace

import pytest

import rag.build
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

    monkeypatch.setattr(rag.build, "read_documents", unread)
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
