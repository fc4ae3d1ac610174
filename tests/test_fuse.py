import pytest

from rag.fuse import calibrate, dense_weight, fuse, spread
from rag.query import term_coverage

LEX = [(1, 12.0), (2, 8.0), (3, 7.5), (4, 6.0)]
DENSE = [(9, 0.91), (4, 0.90), (3, 0.52), (1, 0.50)]
LEX_ORDER = [i for i, _ in LEX]


def test_untrusted_model_leaves_the_lexical_ranking_untouched():
    w = dense_weight(trust=0.0)
    assert w == 0.0
    assert [i for i, *_ in fuse(LEX, DENSE, w, k=4)] == [1, 2, 3, 4]


def test_trusted_model_lifts_a_passage_strong_on_both_sides_and_adds_unseen_ones():
    w = dense_weight(trust=1.0)
    ranked = [i for i, *_ in fuse(LEX, DENSE, w, k=5)]
    assert ranked.index(4) < LEX_ORDER.index(4)  # moved up by the model
    assert ranked[0] == 1  # a clear BM25 favourite keeps its place
    assert 9 in ranked  # a passage BM25 never saw can enter


def test_fusion_reports_which_retriever_found_each_passage():
    vias = {i: via for i, _, via in fuse(LEX, DENSE, 0.5, k=10)}
    assert vias[1] == "lexical+dense" and vias[2] == "lexical" and vias[9] == "dense"


def test_one_sided_input_uses_that_side_alone():
    assert [i for i, *_ in fuse([], DENSE, 0.0, k=2)] == [9, 4]
    assert [i for i, *_ in fuse(LEX, [], 0.9, k=2)] == [1, 2]


def test_term_coverage_is_weighted_and_accepts_alternatives():
    assert term_coverage({"外资": 1.0, "企业": 3.0}, "外资企业") == 1.0
    assert term_coverage({"外资": 1.0, "最低工资": 3.0}, "外资企业") == 0.25
    assert term_coverage({("国家", "全国"): 2.0}, "全国") == 1.0
    assert term_coverage({}, "任何") == 0.0


def test_calibration_maps_hit_rate_to_trust():
    assert calibrate(0.0) == (0.0, 0.0)
    assert calibrate(0.14)[1] == 0.0  # an English-only model on the seeds (MiniLM: 0.14)
    assert calibrate(0.40)[1] == 1.0  # the bundled multilingual model on the seeds (0.40)
    assert 0.0 < calibrate(0.25)[1] < 1.0


class _Sentences:
    """A store whose dense ranking is fixed per reading (the vector's first component)."""

    def __init__(self, rankings):
        self.rankings = rankings

    def vector(self, vector, k):
        return self.rankings[int(vector[0])][:k]


def test_two_readings_are_averaged_so_the_higher_cosines_of_one_do_not_decide():
    import numpy as np

    from rag.dense import Meaning

    # Reading 0 (the English question) puts "a" first; reading 1 (translated words) meets
    # every passage with higher cosines and puts "b" first, "a" a close second.
    store = _Sentences(
        {0: [("a", 0.82), ("c", 0.80), ("b", 0.78)], 1: [("b", 0.93), ("a", 0.92), ("c", 0.70)]}
    )
    meaning = Meaning([np.array([0.0]), np.array([1.0])], store)
    ranked = meaning.passages(3)
    assert [p for p, _ in ranked] == ["a", "b", "c"]
    # Taking each passage's closest reading would have put "b" first.
    assert max(s for _, s in store.rankings[1]) > max(s for _, s in store.rankings[0])


def test_spread_maps_a_ranking_onto_zero_to_one():
    assert spread([("x", 0.8), ("y", 0.7), ("z", 0.6)]) == pytest.approx(
        {"x": 1.0, "y": 0.5, "z": 0.0}
    )
    assert spread([("x", 0.5)]) == {"x": 1.0}
