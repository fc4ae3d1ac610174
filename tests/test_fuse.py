from rag.fuse import calibrate, dense_weight, fuse
from rag.query import term_coverage

LEX = [(1, 12.0), (2, 8.0), (3, 7.5), (4, 2.0)]
DENSE = [(9, 0.91), (4, 0.90), (3, 0.52), (1, 0.50)]


def test_untrusted_model_leaves_the_lexical_ranking_untouched():
    w = dense_weight(trust=0.0, coverage=0.0)
    assert [i for i, *_ in fuse(LEX, DENSE, w, k=4)] == [1, 2, 3, 4]


def test_well_covered_question_keeps_lexical_order_even_with_a_trusted_model():
    w = dense_weight(trust=1.0, coverage=1.0)
    assert [i for i, *_ in fuse(LEX, DENSE, w, k=3)] == [1, 2, 3]


def test_trusted_model_lifts_passages_when_the_question_shares_few_words():
    w = dense_weight(trust=1.0, coverage=0.1)
    ranked = [i for i, *_ in fuse(LEX, DENSE, w, k=3)]
    assert ranked[0] == 4  # strong on both sides beats a lexical-only favourite
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
    targets = list(range(10))
    perfect = calibrate([str(i) for i in targets], targets, lambda q: [int(q)])
    useless = calibrate([str(i) for i in targets], targets, lambda q: [99])
    assert perfect == (1.0, 1.0) and useless == (0.0, 0.0)
