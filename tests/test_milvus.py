"""The Milvus store, against Milvus Lite (no network): the same answers as the local
folder, live adds and removals, one collection shared by several processes, and a
failure that says so in one line.

Milvus Lite serves one ``.db`` file to one process. Several processes share a store
through a Milvus server; here that is Milvus Lite's own gRPC server (``milvus-lite
server``), reached at ``http://127.0.0.1:PORT`` exactly as a Milvus standalone would be.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from rag.corpus import PIPELINE_VERSION
from rag.engine import open_engine
from rag.evaluate import score
from rag.milvus import MilvusStore, StoreUnavailable, connect, sync
from rag.service import Library
from rag.settings import BadRequest, Settings
from rag.store import IndexProblem
from tests.conftest import QUIET, ROOT, SEEDS, _free_port

FOLLOWUPS = ROOT / "eval" / "followups.jsonl"


def _settings(seeds: Path, tmp_path: Path, store: str, mode: str = "hybrid") -> Settings:
    return Settings(seeds=seeds, index=tmp_path / "ix", mode=mode, store=store)


class _Remembered:
    """The bundled model, with the sentence vectors the session's local index already
    holds: a Milvus store of the seeds then takes seconds to fill, not half a minute."""

    def __init__(self, model, known: dict[str, np.ndarray]) -> None:
        self.model = model
        self.name = model.name
        self.known = known

    def embed(self, texts, kind="passage"):
        if kind == "passage" and all(t in self.known for t in texts):
            return np.stack([self.known[t] for t in texts])
        return self.model.embed(texts, kind=kind)


def _start_server(data: Path, port: int) -> subprocess.Popen:
    """Milvus Lite's gRPC server on ``data``, in its own process, once it answers."""
    log = open(data.parent / "server.log", "a")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data)]
        + ["--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.time() + 60
    while True:
        try:
            connect(f"http://127.0.0.1:{port}", timeout=2)
            return proc
        except StoreUnavailable:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError((data.parent / "server.log").read_text()) from None
            time.sleep(0.5)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Milvus server (Milvus Lite's gRPC server) in its own process."""
    port = _free_port()
    proc = _start_server(tmp_path_factory.mktemp("milvus-server") / "data", port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def _ask_all(engine, questions):
    return {
        q["id"]: engine.ask(q["question"], history=q.get("history", ())).to_result(q["id"])
        for q in questions
    }


def test_the_seeds_through_milvus_lite_answer_as_the_local_store(e5, e5_engine, tmp_path):
    questions = [json.loads(line) for line in FOLLOWUPS.read_text(encoding="utf-8").splitlines()]
    dense = e5_engine.store.dense
    embedder = _Remembered(e5, dict(zip(dense.units, dense.vectors())))
    settings = _settings(SEEDS, tmp_path, str(tmp_path / "gba.db"))
    milvus = open_engine(settings, embedder=embedder, **QUIET)
    assert milvus.semantic and milvus.trust == e5_engine.trust
    local, remote = _ask_all(e5_engine, questions), _ask_all(milvus, questions)
    a, b = score(questions, local)["all"], score(questions, remote)["all"]
    assert abs(a["hit1"] - b["hit1"]) <= 0.02 and abs(a["hit5"] - b["hit5"]) <= 0.02
    assert a["answer_hit"] == b["answer_hit"]
    same = sum(local[i]["answer"] == remote[i]["answer"] for i in local)
    assert same >= len(local) - 1


def test_keyword_ranking_matches_the_local_bm25(tiny_seeds, tmp_path):
    local = open_engine(_settings(tiny_seeds, tmp_path, "", "lexical"), **QUIET)
    milvus = open_engine(
        _settings(tiny_seeds, tmp_path, str(tmp_path / "m.db"), "lexical"), **QUIET
    )
    for question in ("澳门贸促局收到多少个新投资计划？", "前海法务区何时启用？", "集群注册"):
        want = [(h.chunk.id, round(h.score, 4)) for h in local.search(question, mode="lexical")]
        got = [(h.chunk.id, round(h.score, 4)) for h in milvus.search(question, mode="lexical")]
        assert got == want and want
        query = local.analyze(question)
        assert milvus.analyze(question).terms == query.terms


def test_an_added_document_is_answered_and_a_removed_one_never_cited(
    tiny_seeds, tmp_path, fake_embedder
):
    settings = _settings(tiny_seeds, tmp_path, str(tmp_path / "m.db"))
    lib = Library(settings, embedder=fake_embedder, say=QUIET["say"])
    store = lib.engine.store
    before = {t: store.df(t) for t in ("澳门", "研究员", "月球")}
    passages = store.passage_count()
    [added] = lib.add_files([("月球.txt", "月球科研站共有九十九名驻站研究员。".encode())])
    assert added.ok, added.message
    answer = lib.ask("月球科研站有多少名研究员？", k=3)
    source = answer.hits[0].chunk.source
    assert "九十九名" in answer.text and answer.hits[0].chunk.title == "月球"
    assert source.startswith("uploads/")
    store = lib.engine.store
    assert store.df("月球") == 1 and store.passage_count() == passages + 1
    assert lib.documents()[-1].source == source
    lib.remove("月球")
    answer = lib.ask("月球科研站有多少名研究员？", k=3)
    assert answer.abstained
    assert all(h.chunk.source != source for h in answer.hits)
    # The BM25 statistics are as before the document came.
    assert {t: store.df(t) for t in before} == before and store.passage_count() == passages
    # Only the new document was embedded; the seeds' vectors were not touched again.
    assert not (tmp_path / "ix" / "builds").exists()


def test_a_changed_or_deleted_file_is_reindexed_alone_by_rag_index(tiny_seeds, tmp_path):
    settings = _settings(tiny_seeds, tmp_path, str(tmp_path / "m.db"), "lexical")
    store = sync(settings, **QUIET, mirror=True)
    first = store.hashes()
    (tiny_seeds / "b.txt").write_text("澳门贸促局今年收到300个新投资计划。\n", encoding="utf-8")
    (tiny_seeds / "c.md").unlink()
    store = sync(settings, **QUIET, mirror=True)
    now = store.hashes()
    assert set(now) == {"seeds/a.txt", "seeds/b.txt"}
    assert now["seeds/a.txt"] == first["seeds/a.txt"] and now["seeds/b.txt"] != first["seeds/b.txt"]
    engine = open_engine(settings, **QUIET)
    assert "300个" in engine.ask("澳门贸促局收到多少个新投资计划？", mode="lexical").text


def test_rows_left_by_a_removal_cut_short_are_swept_by_rag_index_not_a_write_under_way(
    tiny_seeds, tmp_path, monkeypatch
):
    from rag.milvus import writing

    settings = _settings(tiny_seeds, tmp_path, str(tmp_path / "m.db"), "lexical")
    store = sync(settings, **QUIET, mirror=True)

    def rows(part: str, source: str) -> int:
        return len(store.cols.query(part, ["key"], f'doc == "{source}"'))

    assert rows("passages", "seeds/b.txt") and rows("files", "seeds/b.txt")
    # A removal that died after its commit (the document row) and before the rest.
    store.cols.delete("documents", 'doc == "seeds/b.txt"')
    (tiny_seeds / "b.txt").unlink()
    store.refresh()
    # Young rows may be a write still under way: left alone.
    assert writing.sweep(store.cols, store.stats.is_live) == 0
    assert rows("passages", "seeds/b.txt")
    # An hour on, they are a dead writer's: rag index deletes them, and only them.
    monkeypatch.setattr(writing, "DEAD_AFTER_S", 0)
    kept = rows("passages", "seeds/a.txt")
    store = sync(settings, **QUIET, mirror=True)
    assert rows("passages", "seeds/b.txt") == 0 and rows("files", "seeds/b.txt") == 0
    assert rows("passages", "seeds/a.txt") == kept
    engine = open_engine(settings, **QUIET)
    assert "2022年1月4日" in engine.ask("前海深港国际法务区何时启用？", mode="lexical").text


def test_two_processes_share_one_collection(server, tiny_seeds, tmp_path):
    settings = _settings(tiny_seeds, tmp_path, server, "lexical")
    here = Library(settings, say=QUIET["say"])
    doc = tmp_path / "横琴.txt"
    doc.write_text("横琴合作区共有七十七家澳资律所驻点。\n", encoding="utf-8")
    other = subprocess.run(
        [sys.executable, "-m", "rag", "docs", "add", str(doc), "--store", server]
        + ["--seeds", str(tiny_seeds), "--index", str(tmp_path / "other"), "--mode", "lexical"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert other.returncode == 0, other.stderr
    # This process never indexed the file: it lists and answers what the other one added.
    assert "uploads/横琴.txt" in [d.source for d in here.documents()]
    assert "七十七家" in here.ask("横琴合作区有多少家澳资律所？", mode="lexical").text
    [added] = here.add_files([("河套.txt", "河套合作区启动了九大产业园区。".encode())])
    assert added.ok
    seen = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "河套合作区启动了几大产业园区？", "--store", server]
        + ["--seeds", str(tiny_seeds), "--index", str(tmp_path / "other"), "--mode", "lexical"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert seen.returncode == 0 and "九大产业园区" in seen.stdout, seen.stderr


def test_questions_during_an_add_see_the_old_or_the_new_library(tiny_seeds, tmp_path):
    settings = _settings(tiny_seeds, tmp_path, str(tmp_path / "m.db"), "lexical")
    lib = Library(settings, say=QUIET["say"])
    question = "横琴法律事务局打造什么？"
    done = threading.Event()

    def ask(_):
        answers = []
        while not done.is_set():
            answers.append(lib.ask(question, mode="lexical", k=5))
        return answers

    with ThreadPoolExecutor(3) as pool:
        askers = [pool.submit(ask, n) for n in range(2)]
        [added] = lib.add_files([("新.txt", "横琴法律事务局打造法务集聚区。".encode())])
        done.set()
        answers = [a for f in askers for a in f.result()]
    assert added.ok and answers
    for a in answers:
        new = [h for h in a.hits if h.chunk.title == "新"]
        # A passage of the new document is whole when it is there at all.
        assert all(h.chunk.text == "横琴法律事务局打造法务集聚区。" for h in new)
    assert "法务集聚区" in lib.ask(question, mode="lexical").text


def test_an_unreachable_server_fails_in_one_line_within_ten_seconds(tiny_seeds, tmp_path):
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "深圳？", "--store", "http://127.0.0.1:9/"]
        + ["--seeds", str(tiny_seeds), "--index", str(tmp_path / "ix"), "--mode", "lexical"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    elapsed = time.perf_counter() - start
    assert run.returncode == 1 and elapsed < 10
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "http://127.0.0.1:9/" in lines[0], run.stderr


def test_a_wrong_store_or_a_missing_extra_is_one_clear_line(monkeypatch):
    with pytest.raises(BadRequest, match="Milvus Lite file"):
        Settings.from_env(store="gba.sqlite", env={})
    assert Settings.from_env(env={"RAG_STORE": "x.db"}).store == "x.db"
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    with pytest.raises(StoreUnavailable, match=r"pip install -e '\.\[milvus\]'"):
        connect("/tmp/never.db")


def test_keyword_mode_reads_a_store_with_vectors_but_does_not_add_to_it(
    tiny_seeds, tmp_path, fake_embedder
):
    store = str(tmp_path / "m.db")
    sync(_settings(tiny_seeds, tmp_path, store), fake_embedder, **QUIET)
    lexical = _settings(tiny_seeds, tmp_path, store, "lexical")
    assert "292个" in open_engine(lexical, **QUIET).ask("澳门贸促局收到多少个新投资计划？").text
    (tiny_seeds / "d.txt").write_text("河套合作区启动了九大产业园区。\n", encoding="utf-8")
    with pytest.raises(IndexProblem, match="add or change documents in hybrid mode"):
        open_engine(lexical, **QUIET)


def test_a_sentence_in_several_documents_is_embedded_once(tiny_seeds, tmp_path, fake_embedder):
    shared = "横琴粤澳深度合作区法律事务局打造法务集聚区。"
    for name in ("d.txt", "e.txt"):
        (tiny_seeds / name).write_text(f"{name}的开头各不相同。{shared}\n", encoding="utf-8")
    seen: list[str] = []

    class Counting(type(fake_embedder)):
        def embed(self, texts, kind="passage"):
            seen.extend(texts if kind == "passage" else [])
            return super().embed(texts, kind)

    sync(_settings(tiny_seeds, tmp_path, str(tmp_path / "m.db")), Counting(), **QUIET)
    assert seen.count(shared) == 1


def test_a_store_built_for_another_model_is_rebuilt(tiny_seeds, tmp_path, fake_embedder):
    settings = _settings(tiny_seeds, tmp_path, str(tmp_path / "m.db"))
    said = []
    sync(settings, fake_embedder, progress=False, say=said.append)
    other = type(fake_embedder)(name="model-b")
    store = sync(settings, other, progress=False, say=said.append)
    assert any("no vectors for model model-b" in m for m in said)
    assert store.model == "model-b" and store.passage_count() == 3
    assert isinstance(store, MilvusStore)


def test_an_upload_with_quotes_in_its_name_is_cited_by_it_and_removed(
    tiny_seeds, tmp_path, fake_embedder
):
    settings = _settings(tiny_seeds, tmp_path, str(tmp_path / "m.db"))
    lib = Library(settings, embedder=fake_embedder, say=QUIET["say"])
    # pymilvus breaks on a straight quote in a key: the name shows full-width ones.
    name, shown = "他说\"月球\" 'ok' (2).txt", "他说＂月球＂ ＇ok＇ (2).txt"
    [added] = lib.add_files([(name, "月球科研站共有九十九名驻站研究员。".encode())])
    assert added.ok and added.name == shown, added.message
    answer = lib.ask("月球科研站有多少名研究员？", k=3)
    assert answer.hits[0].chunk.source == f"uploads/{shown}"
    assert lib.remove(name).name == shown
    answer = lib.ask("月球科研站有多少名研究员？", k=3)
    assert all(h.chunk.source != f"uploads/{shown}" for h in answer.hits)
    assert not [d for d in lib.documents() if d.upload]


def _keyword_store(uri: str, tmp_path: Path) -> tuple[str, MilvusStore]:
    """The server's store emptied and set up for keyword search, with no seed folder:
    documents come only through ``add``."""
    uri = _empty(uri)
    settings = Settings(seeds=tmp_path / "none", index=tmp_path / "ix", mode="lexical", store=uri)
    store = MilvusStore.open(uri)
    store.create(None)
    store.write_state(
        {"layout": 2, "pipeline": PIPELINE_VERSION, "chunking": settings.chunk.to_dict()}
    )
    return uri, store


def _empty(uri: str) -> str:
    """The server's store dropped: each test below starts from nothing."""
    MilvusStore.open(uri).drop()
    return uri


ZHUHAI = (
    "珠海星河产业园简介\n\n"
    "珠海星河产业园位于横琴以北。\n"
    "园区现有入驻企业六十三家，其中澳资企业二十一家。\n"
    "园区管理处设在星河大道一号。\n"
)


def test_a_replica_without_folders_lists_cites_shows_and_removes_an_upload_of_another(
    server, tiny_seeds, tmp_path, fake_embedder
):
    uri = _empty(server)
    a = Settings(seeds=tiny_seeds, index=tmp_path / "a", store=uri)
    b = Settings(seeds=tmp_path / "no-seeds", index=tmp_path / "b", store=uri)
    sync(a, fake_embedder, **QUIET, mirror=True)  # rag index --store, once
    here = Library(a, embedder=fake_embedder, say=QUIET["say"])
    there = Library(b, embedder=fake_embedder, say=QUIET["say"])
    [added] = here.add_files([("珠海星河产业园简介.txt", ZHUHAI.encode())])
    assert added.ok, added.message
    source = "uploads/珠海星河产业园简介.txt"
    # Nothing was written to a folder: the store holds the upload, its name and file.
    assert not (tmp_path / "a" / "uploads").exists() and not (tmp_path / "b").exists()
    question = "珠海星河产业园有多少家澳资企业？"
    answer = there.ask(question, k=3)
    assert "二十一家" in answer.text and answer.hits[0].chunk.source == source
    [doc] = [d for d in there.documents() if d.upload]
    assert (doc.source, doc.title, doc.name) == (
        source,
        "珠海星河产业园简介",
        "珠海星河产业园简介.txt",
    )
    assert doc.added
    cited = answer.hits[0].chunk
    view = there.view(source, cited.first_line, cited.last_line, around=1)
    assert view.total == len(ZHUHAI.splitlines()) and view.title == "珠海星河产业园简介"
    assert any("澳资企业二十一家" in text for _, text in view.lines)
    assert there.remove("珠海星河产业园简介.txt").source == source
    assert here.ask(question, k=3).abstained
    assert not [d for d in here.documents() if d.upload]


def _expected_statistics(docs):
    """What a fresh local build of ``docs`` counts: each term's document frequency, the
    passages and their tokens."""
    from rag.build import index_text
    from rag.chunk import chunk_documents
    from rag.lexical import LexicalIndex
    from rag.tokenize import tokenize

    chunks = chunk_documents(docs)
    tokens = [tokenize(index_text(c)) or ["\x00"] for c in chunks]
    return LexicalIndex.build(tokens), len(chunks), sum(map(len, tokens)), tokens


def test_two_writers_adding_twenty_documents_each_lose_no_statistics(server, tmp_path):
    from rag.ingest import clean
    from rag.records import Document, NewDocument
    from rag.upload import content_hash

    uri, _ = _keyword_store(server, tmp_path)

    def text(writer: int, n: int) -> str:
        # Every document shares most words with the others: each add moves the same terms.
        return (
            f"横琴合作区第{writer}组第{n}号公告：澳门企业新增{n * 7 + writer}家，法务集聚区扩容。\n"
        )

    news = {
        w: [
            NewDocument(f"uploads/w{w}-{n}.txt", f"w{w}-{n}", text(w, n), content_hash(text(w, n)))
            for n in range(20)
        ]
        for w in (1, 2)
    }

    def write(w: int) -> None:
        store = MilvusStore.open(uri)  # its own client, as another replica
        store.refresh()
        for new in news[w]:
            store.add([new])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, (1, 2)))
    reader = MilvusStore.open(uri)
    reader.refresh()
    docs = [Document(n.source, n.title, *clean(n.original)) for w in (1, 2) for n in news[w]]
    lexical, passages, tokens, token_lists = _expected_statistics(docs)
    assert len(reader.documents()) == 40
    assert reader.passage_count() == passages and reader.stats.tokens == tokens
    terms = {t for toks in token_lists for t in toks}
    assert {t: reader.df(t) for t in terms} == {t: lexical.df(t) for t in terms}


def test_a_server_lost_mid_upload_shows_no_half_document_and_the_retry_succeeds(
    tiny_seeds, tmp_path, monkeypatch
):
    from rag.milvus.connection import Collections

    port, data = _free_port(), tmp_path / "server" / "data"
    data.parent.mkdir()
    proc = _start_server(data, port)
    uri = f"http://127.0.0.1:{port}"
    try:
        settings = _settings(tiny_seeds, tmp_path, uri, "lexical")
        lib = Library(settings, say=QUIET["say"])
        upsert = Collections.upsert

        def die_before_the_commit(self, part, rows):
            if part == "documents":  # passages and file written, the commit not yet
                proc.kill()
                proc.wait()
            return upsert(self, part, rows)

        monkeypatch.setattr(Collections, "upsert", die_before_the_commit)
        [lost] = lib.add_files([("月球.txt", "月球科研站共有九十九名驻站研究员。".encode())])
        assert not lost.ok and uri in lost.message
        monkeypatch.setattr(Collections, "upsert", upsert)
        proc = _start_server(data, port)
        again = Library(settings, say=QUIET["say"])
        question = "月球科研站有多少名研究员？"
        assert "uploads/月球.txt" not in [d.source for d in again.documents()]
        store = again.engine.store
        assert store.df("月球") == 0
        orphans = store.cols.query("passages", ["key"], 'doc == "uploads/月球.txt"')
        assert orphans  # written before the loss: there, and never seen
        assert all(h.chunk.source != "uploads/月球.txt" for h in again.ask(question).hits)
        [retry] = again.add_files([("月球.txt", "月球科研站共有九十九名驻站研究员。".encode())])
        assert retry.ok and retry.name == "月球.txt", retry.message
        assert "九十九名" in again.ask(question).text
        # The half-written rows are never seen, and rag index --store sweeps them once they
        # are a dead writer's (an hour on): one version of the document is left.
        from rag.milvus import writing

        store.refresh()
        later = time.time() + writing.DEAD_AFTER_S + 1
        assert writing.sweep(store.cols, store.stats.is_live, now=later) > 0
        rows = store.cols.query("passages", ["version"], 'doc == "uploads/月球.txt"')
        assert len({r["version"] for r in rows}) == 1 and len(rows) == 1
        assert "九十九名" in Library(settings, say=QUIET["say"]).ask(question).text
    finally:
        proc.kill()
        proc.wait()


def test_rag_ask_and_docs_remove_work_from_the_store_alone(server, tiny_seeds, tmp_path):
    uri = _empty(server)
    sync(_settings(tiny_seeds, tmp_path, uri, "lexical"), **QUIET, mirror=True)
    doc = tmp_path / "珠海星河产业园简介.txt"
    doc.write_text(ZHUHAI, encoding="utf-8")
    nowhere = ["--seeds", str(tmp_path / "no-seeds"), "--index", str(tmp_path / "no-index")]

    def rag(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "rag", *argv, "--store", uri, *nowhere, "--mode", "lexical"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )

    added = rag("docs", "add", str(doc))
    assert added.returncode == 0 and "added: 珠海星河产业园简介.txt" in added.stdout, added.stderr
    asked = rag("ask", "珠海星河产业园有多少家澳资企业？")
    assert asked.returncode == 0 and "二十一家" in asked.stdout, asked.stderr
    assert "uploads/珠海星河产业园简介.txt" in asked.stdout
    removed = rag("docs", "remove", "珠海星河产业园简介.txt")
    assert removed.returncode == 0, removed.stderr
    listed = rag("docs", "list")
    assert "seeds/a.txt" in listed.stdout and "珠海" not in listed.stdout
    assert not (tmp_path / "no-index").exists() and not (tmp_path / "no-seeds").exists()
    missing = rag("index")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1


@pytest.mark.browser
def test_browser_an_upload_in_one_app_is_cited_shown_and_removed_in_another(
    server, tiny_seeds, tmp_path
):
    from gradio_client import Client
    from playwright.sync_api import expect

    from tests.conftest import launch_app
    from tests.test_app import _ask, _page, _upload

    uri = _empty(server)
    sync(_settings(tiny_seeds, tmp_path, uri, "lexical"), **QUIET, mirror=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()  # B's own folder holds its log only: no seeds, no uploads
    doc = tmp_path / "珠海星河产业园简介.txt"
    doc.write_text(ZHUHAI, encoding="utf-8")
    question = "珠海星河产业园有多少家澳资企业？"
    source = "uploads/珠海星河产业园简介.txt"
    with (
        launch_app(tmp_path / "a", tiny_seeds, "--store", uri) as (a_url, _),
        launch_app(tmp_path / "b", tmp_path / "no-seeds", "--store", uri) as (b_url, _),
    ):
        with _page(a_url) as page:
            _upload(page, [doc])
        with _page(b_url) as page:
            _ask(page, question)
            assert "二十一家" in page.locator("#chat .message").last.inner_text()
            page.locator("#cited input").click()
            option = page.get_by_role("option").first
            assert source in option.inner_text()
            option.click()
            cited = page.locator("#viewer .line.cited")
            cited.first.wait_for(timeout=30_000)
            assert "澳资企业二十一家" in "".join(cited.all_inner_texts())

            page.get_by_role("tab", name="资料库").click()
            table = page.locator("#docs")
            expect(table).to_contain_text("珠海星河产业园简介", timeout=30_000)
            page.locator("#remove-which input").click()
            page.get_by_role("option", name=f"珠海星河产业园简介（{source}）").click()
            page.locator("#remove-sure input").check()
            page.click("#remove")
            page.locator("#library-status").get_by_text("已删除").wait_for(timeout=60_000)
            expect(table).not_to_contain_text("珠海星河产业园简介", timeout=30_000)
        row = Client(a_url, verbose=False).predict(question, "lexical", 3, api_name="/ask")
        assert row["abstained"] and all(p["source"] != source for p in row["passages"])
    assert not (tmp_path / "a" / "uploads").exists() and not (tmp_path / "no-seeds").exists()


def test_recalibration_holds_a_bounded_sample_of_the_library(tiny_seeds, tmp_path, fake_embedder):
    from rag.milvus import indexing as syncing

    for n in range(6):
        (tiny_seeds / f"extra{n}.txt").write_text(
            f"第{n}份补充材料。横琴合作区新增{n}家企业。\n", encoding="utf-8"
        )
    store = sync(_settings(tiny_seeds, tmp_path, str(tmp_path / "m.db")), fake_embedder, **QUIET)
    whole = syncing.sample(store)
    assert len(whole) == store.passage_count() == 9
    drawn = syncing.sample(store, limit=4)
    assert len(drawn) == 4 and {r["id"] for r in drawn} <= {r["id"] for r in whole}
    # In library order, whatever was drawn.
    order = [r["id"] for r in whole]
    assert [r["id"] for r in drawn] == sorted((r["id"] for r in drawn), key=order.index)
    rate, trust = syncing.recalibrate(store, fake_embedder)
    assert 0.0 <= trust <= 1.0 and 0.0 <= rate <= 1.0


def _users_cli(uri: str, *argv: str, password: str = "", index: Path | None = None):
    """``rag users … --store uri`` in its own process (``index``: its index folder)."""
    where = ["--index", str(index)] if index is not None else []
    return subprocess.run(
        [sys.executable, "-m", "rag", "users", *argv, "--store", uri, *where],
        input=password,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_replicas_sign_in_the_users_the_store_keeps(server, tmp_path):
    import asyncio

    from rag import users
    from rag.milvus.users import StoreUsers

    uri = server
    gone = StoreUsers.open(uri)
    for name in gone.read():
        gone.erase(name)
    password = "长城长城长城长城"
    added = _users_cli(
        uri,
        "add",
        "王芳",
        "--role",
        "editor",
        "--password-stdin",
        password=password + "\n",
        index=tmp_path / "ix",
    )
    assert added.returncode == 0 and f"to the Milvus store {uri}" in added.stdout, added.stderr
    assert not (tmp_path / "ix" / "users.json").exists()

    # Two replicas, each with its own connection: both sign her in, as an editor.
    a, b = users.SignIn(StoreUsers.open(uri)), users.SignIn(StoreUsers.open(uri))
    assert asyncio.run(a.attempt("王芳", password)) and b.role("王芳") == "editor"
    assert not asyncio.run(b.attempt("王芳", password[:-1]))
    # A library rebuilt from nothing keeps its users.
    MilvusStore.open(uri).drop()
    assert "王芳\teditor" in _users_cli(uri, "list").stdout

    removed = _users_cli(uri, "remove", "王芳")
    assert removed.returncode == 0, removed.stderr
    assert not asyncio.run(a.attempt("王芳", password)) and b.role("王芳") is None
    again = _users_cli(uri, "remove", "王芳")
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "no user" in again.stderr


def test_an_app_off_loopback_asks_for_the_users_of_its_store(server, tiny_seeds, tmp_path):
    import httpx
    from gradio_client import Client

    from rag.milvus.users import StoreUsers
    from tests.conftest import launch_app

    uri = _empty(server)
    sync(_settings(tiny_seeds, tmp_path, uri, "lexical"), **QUIET, mirror=True)
    book = StoreUsers.open(uri)
    for name in book.read():
        book.erase(name)
    added = _users_cli(uri, "add", "li", "--password-stdin", password="password-li\n")
    assert added.returncode == 0, added.stderr
    question = "前海法务区哪天启用？"
    (tmp_path / "replica").mkdir()
    with launch_app(
        tmp_path / "replica", tmp_path / "no-seeds", "--store", uri, "--host", "0.0.0.0"
    ) as (url, log):
        assert f"sign-in required: 1 users in the Milvus store {uri}" in log.read_text()
        assert httpx.post(f"{url}gradio_api/call/ask", json={"data": [question]}).status_code == 401
        client = Client(url, verbose=False, auth=("li", "password-li"))
        assert client.predict(question, api_name="/ask")["passages"]


def test_an_upgraded_replica_whose_store_has_no_users_signs_in_those_of_its_users_file(
    server, tiny_seeds, tmp_path
):
    import httpx

    from rag import users
    from rag.milvus.users import StoreUsers
    from tests.conftest import launch_app

    uri = _empty(server)
    sync(_settings(tiny_seeds, tmp_path, uri, "lexical"), **QUIET, mirror=True)
    book = StoreUsers.open(uri)
    for name in book.read():
        book.erase(name)
    users.add(tmp_path / "replica" / "users.json", "li", "reader", "password-li")
    with launch_app(
        tmp_path / "replica", tmp_path / "no-seeds", "--store", uri, "--host", "0.0.0.0"
    ) as (url, log):
        text = log.read_text()
        assert "sign-in required: 1 users in" in text and "users.json" in text
        assert f"users: {uri} has none" in text and "read-only" not in text
        assert httpx.get(f"{url}config").status_code == 401


def test_two_replicas_adding_documents_of_the_same_names_at_once_keep_both(server, tmp_path):
    from rag.ingest import clean
    from rag.records import Document, NewDocument
    from rag.upload import content_hash

    uri, _ = _keyword_store(server, tmp_path)

    def text(writer: int, n: int) -> str:
        return f"白鹭湖第{n}号公告（第{writer}版）：湿地公园新增观鸟点{n * 3 + writer}处。\n"

    news = {
        w: [
            NewDocument(f"uploads/公告{n}.txt", f"公告{n}", text(w, n), content_hash(text(w, n)))
            for n in range(8)
        ]
        for w in (1, 2)
    }
    together = threading.Barrier(2)

    def write(w: int) -> None:
        store = MilvusStore.open(uri)  # its own client, as another replica
        store.refresh()
        for new in news[w]:
            together.wait()  # both replicas add a document of this name at the same moment
            store.add([new])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, (1, 2)))
    reader = MilvusStore.open(uri)
    reader.refresh()
    entries = reader.documents()
    by_content = {e.content: e.source for e in entries}
    assert len(entries) == 16 and len(by_content) == 16  # nobody's upload was lost
    for n in range(8):
        names = sorted(e.source for e in entries if e.source.startswith(f"uploads/公告{n}"))
        assert names == [f"uploads/公告{n} (2).txt", f"uploads/公告{n}.txt"]
    for w in (1, 2):
        for new in news[w]:
            source = by_content[new.content]
            ids = [f"{source}#{i}" for i in range(3)]
            texts = "".join(c.text for c in reader.fetch(ids))
            assert f"第{w}版" in texts, source  # each name's passages are its own
    docs = [
        Document(by_content[n.content], n.title, *clean(n.original))
        for w in (1, 2)
        for n in news[w]
    ]
    lexical, passages, tokens, token_lists = _expected_statistics(docs)
    assert reader.passage_count() == passages and reader.stats.tokens == tokens
    terms = {t for toks in token_lists for t in toks}
    assert {t: reader.df(t) for t in terms} == {t: lexical.df(t) for t in terms}


def test_two_replicas_adding_names_that_differ_only_in_width_or_case_keep_them_apart(
    server, tmp_path
):
    from rag.records import NewDocument
    from rag.upload import content_hash, name_key

    uri, _ = _keyword_store(server, tmp_path)
    spelled = {1: "Note{}.txt", 2: "ＮＯＴＥ{}.TXT"}

    def new(writer: int, n: int) -> NewDocument:
        text = f"青松动物园第{n}号通知（第{writer}版）：熊猫馆新增饲养员{n * 3 + writer}名。\n"
        return NewDocument(f"uploads/{spelled[writer].format(n)}", "通知", text, content_hash(text))

    together = threading.Barrier(2)

    def write(w: int) -> None:
        store = MilvusStore.open(uri)  # its own client, as another replica
        store.refresh()
        for n in range(6):
            together.wait()  # both replicas add a name that reads the same at one moment
            store.add([new(w, n)])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, (1, 2)))
    reader = MilvusStore.open(uri)
    reader.refresh()
    entries = reader.documents()
    assert len({e.content for e in entries}) == len(entries) == 12  # nobody's upload was lost
    keys = [name_key(e.source) for e in entries]
    assert len(set(keys)) == 12, sorted(keys)  # no two names read alike
    for n in range(6):
        assert sorted(k for k in keys if k.startswith(f"uploads/note{n}")) == [
            f"uploads/note{n} (2).txt",
            f"uploads/note{n}.txt",
        ]


def test_an_upload_whose_name_another_replica_took_meanwhile_is_added_and_reported_renamed(
    server, tiny_seeds, tmp_path, monkeypatch
):
    from rag.records import NewDocument
    from rag.upload import content_hash

    uri = _empty(server)
    settings = _settings(tiny_seeds, tmp_path, uri, "lexical")
    lib = Library(settings, say=QUIET["say"])
    other = "星河产业园共有企业十家。\n"
    write = MilvusStore.write
    raced = []

    def another_replica_first(self, doc, *args, **kwargs):
        if doc.source == "uploads/园区.txt" and not raced:
            # Another replica commits a document of this name after this one chose it.
            raced.append(doc.source)
            MilvusStore.open(uri).add([NewDocument(doc.source, "园区", other, content_hash(other))])
        return write(self, doc, *args, **kwargs)

    monkeypatch.setattr(MilvusStore, "write", another_replica_first)
    [result] = lib.add_files([("园区.txt", "白鹭湖湿地公园共有观鸟点十二处。".encode())])
    assert result.ok and result.name == "园区 (2).txt", result.message
    sources = {d.source for d in lib.documents()}
    assert {"uploads/园区.txt", "uploads/园区 (2).txt"} <= sources
    assert "十二处" in lib.ask("白鹭湖湿地公园有多少个观鸟点？", mode="lexical").text


def test_undoing_a_failed_batch_leaves_a_document_another_writer_put_under_its_name(
    server, tmp_path, monkeypatch
):
    from rag.ingest import clean
    from rag.records import Document, NewDocument
    from rag.upload import content_hash

    uri, first = _keyword_store(server, tmp_path)
    mine, theirs = "白鹭湖公园共有观鸟点十二处。\n", "星河产业园共有企业十家。\n"
    batch = [
        NewDocument("uploads/园区.txt", "园区", mine, content_hash(mine)),
        NewDocument("uploads/失败.txt", "失败", "这一篇写不进去。\n", content_hash("失败")),
    ]
    write = MilvusStore.write

    def then_another_writer_then_a_failure(self, doc, *args, **kwargs):
        if doc.source == "uploads/失败.txt":
            # Meanwhile another writer replaced 园区.txt; then this batch fails.
            other = MilvusStore.open(uri)
            write(other, Document("uploads/园区.txt", "园区", *clean(theirs)), theirs, "x")
            raise RuntimeError("the server went away")
        return write(self, doc, *args, **kwargs)

    monkeypatch.setattr(MilvusStore, "write", then_another_writer_then_a_failure)
    with pytest.raises(RuntimeError):
        first.add(batch)
    reader = MilvusStore.open(uri)
    reader.refresh()
    assert [d.source for d in reader.documents()] == ["uploads/园区.txt"]
    assert "十家" in reader.fetch(["uploads/园区.txt#0"])[0].text
