"""The answer model's file: round trip, and the one-line failures a user sees."""

import json

import numpy as np
import pytest

from rag import judge
from rag.cli import main
from rag.features import CONVERSATION_FEATURES, QUESTION_FEATURES, SENTENCE_FEATURES
from rag.learn_conversation import TUNING
from tests.conftest import lexical_settings


def test_the_packaged_model_says_its_features_and_training_data():
    model = judge.default()
    assert model.hybrid.sentence.names == SENTENCE_FEATURES
    assert model.lexical.question.names == QUESTION_FEATURES
    assert 0.0 < model.hybrid.threshold < 1.0
    assert "CMRC" in model.provenance["data"] and model.provenance["validation_figures"]
    # English questions are chosen for by a model of their own, fitted on XQuAD-dev.
    assert model.hybrid.english.names == SENTENCE_FEATURES and "XQuAD" in model.provenance["data"]
    # A follow-up's conversation adds a term to its choice, fitted on conversations and
    # checked on conversation files it was not fitted on.
    assert model.hybrid.conversation.names == CONVERSATION_FEATURES
    # ... kept in a mode only where it answered more follow-ups right on the files it was
    # not fitted on.
    for mode in ("hybrid", "lexical"):
        checked = model.provenance["conversation"]["validation_figures"][mode]
        kept = bool(model.pick(mode == "hybrid").conversation.weights.any())
        better = (
            checked["answered right with the term"] > checked["answered right without the term"]
        )
        assert kept == better
    assert set(model.provenance["conversation"]["files"]) == {f"{n}.jsonl" for n in TUNING}
    # ... and refused below a threshold of their own, chosen on English questions.
    assert 0.0 < model.hybrid.english_threshold < 1.0
    assert model.hybrid.threshold_for(True) == model.hybrid.english_threshold
    assert model.hybrid.threshold_for(False) == model.hybrid.threshold


def test_an_english_threshold_outside_zero_to_one_is_refused(tmp_path):
    data = judge.default().to_dict()
    data["lexical"]["english_threshold"] = 1.5
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(judge.ModelProblem, match="not a probability"):
        judge.load(path)


def test_the_weights_file_round_trips(tmp_path):
    model = judge.default()
    path = tmp_path / "m.json"
    model.save(path)
    again = judge.load(path)
    assert again.to_dict() == model.to_dict()
    rows = np.random.default_rng(0).random((5, len(QUESTION_FEATURES)))
    assert np.allclose(
        again.hybrid.question.probability(rows), model.hybrid.question.probability(rows)
    )


def test_one_question_at_a_time_walks_the_trees_to_the_same_logit_as_a_batch():
    trees = judge.default().hybrid.question
    rows = np.random.default_rng(1).random((40, len(QUESTION_FEATURES))) * 3 - 1
    batch = trees.logit(rows)  # vectorised over many rows
    one_by_one = np.concatenate([trees.logit(rows[i : i + 1]) for i in range(len(rows))])
    assert np.allclose(batch, one_by_one) and batch.std() > 0


@pytest.mark.parametrize(
    "content, says",
    [
        (None, "is missing"),
        ("{not json", "is unreadable"),
        ('{"format": 99}', "is damaged"),
        ('{"format": 2, "hybrid": {}}', "is damaged"),
        ('{"format": 1}', "this version reads 2"),
    ],
)
def test_a_missing_or_damaged_file_is_a_model_problem_naming_it(tmp_path, content, says):
    path = tmp_path / "answer_model.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(judge.ModelProblem, match=says) as err:
        judge.load(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_weights_for_other_features_are_refused(tmp_path):
    data = judge.default().to_dict()
    data["hybrid"]["sentence"]["features"] = ["something", "else"]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(judge.ModelProblem, match="features"):
        judge.load(path)


@pytest.mark.parametrize(
    "vetoes, says",
    [({"no_such_feature": 0.0}, "lacks"), ({"best_year_conflict": 0.99}, "below the threshold")],
)
def test_a_veto_must_name_a_feature_and_stay_below_the_threshold(tmp_path, vetoes, says):
    data = judge.default().to_dict()
    data["hybrid"]["vetoes"] = vetoes
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(judge.ModelProblem, match=says):
        judge.load(path)


def test_a_veto_that_holds_refuses_however_sure_the_trees_are():
    model = judge.default().hybrid
    sure = judge.AnswerModel(
        model.sentence,
        judge.Trees(QUESTION_FEATURES, 6.0, ()),
        model.threshold,
        {"best_year_conflict": 0.01},
    )
    row = dict.fromkeys(QUESTION_FEATURES, 0.0)
    assert sure.confidence(row) > 0.99
    assert sure.confidence({**row, "best_year_conflict": 1.0}) == 0.01


def test_a_tree_whose_node_points_back_up_is_refused_not_walked_forever(tmp_path):
    data = judge.default().to_dict()
    tree = data["hybrid"]["question"]["trees"][0]
    inner = next(i for i, f in enumerate(tree["feature"]) if f >= 0 and i > 0)
    tree["left"][inner] = inner  # a loop: the node is its own child
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(judge.ModelProblem, match="points back"):
        judge.load(path)


def test_a_tree_pointing_outside_itself_is_refused(tmp_path):
    data = judge.default().to_dict()
    tree = data["lexical"]["question"]["trees"][0]
    tree["left"] = [10_000 if v > 0 else v for v in tree["left"]]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(judge.ModelProblem, match="outside"):
        judge.load(path)


def test_the_cli_stops_with_one_line_when_the_model_file_is_damaged(
    tiny_seeds, tmp_path, monkeypatch, capsys
):
    broken = tmp_path / "answer_model.json"
    broken.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(judge, "MODEL_FILE", broken)
    judge.default.cache_clear()
    try:
        settings = lexical_settings(tiny_seeds, tmp_path)
        args = ["--seeds", str(settings.seeds), "--index", str(settings.index), "--mode", "lexical"]
        code = main(["ask", "深圳？", *args])
    finally:
        judge.default.cache_clear()
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.count("\n") == 0 and str(broken) in err and "Traceback" not in err


def test_english_questions_are_chosen_for_by_their_own_model_and_the_file_keeps_it(tmp_path):
    from dataclasses import replace

    from rag.answer import judge as judge_answer
    from rag.query import Query
    from rag.records import Chunk, Hit

    packaged = judge.default().lexical
    # An English choice model that prefers exactly what the common one ranks last.
    flipped = replace(packaged.sentence, weights=-packaged.sentence.weights)
    model = replace(packaged, english=flipped)
    assert model.chooser(english=True) is flipped
    assert model.chooser(english=False) is packaged.sentence
    assert replace(packaged, english=None).chooser(english=True) is packaged.sentence

    path = tmp_path / "m.json"
    judge.ModelFile(replace(packaged, english=None), model, {}).save(path)
    again = judge.load(path)
    assert again.hybrid.english is None
    assert np.allclose(again.lexical.english.weights, flipped.weights)

    text = (
        "The giant panda lives in Sichuan. 大熊猫生活在四川的山林里。它主要吃竹子，每天吃十几公斤。"
    )
    hits = [Hit(Chunk("d#0", "d.txt", "大熊猫", text, 1, 1), 1.0, "lexical")]
    for question in ("大熊猫主要吃什么？", "What does the giant panda eat?"):
        q = Query.of(question)
        common, own = judge_answer(q, hits, packaged), judge_answer(q, hits, model)
        # Whether the passages answer does not depend on the choice model used.
        assert own.confidence == common.confidence
        same = np.allclose(own.chances, common.chances)
        assert same != q.english


def test_english_questions_are_refused_by_their_own_abstention_model_and_the_file_keeps_it(
    tmp_path,
):
    from dataclasses import replace

    packaged = judge.default().hybrid
    # An English abstention model that is sure of nothing: bias far below zero.
    doubtful = judge.Logistic(
        QUESTION_FEATURES,
        np.zeros(len(QUESTION_FEATURES)),
        np.ones(len(QUESTION_FEATURES)),
        np.zeros(len(QUESTION_FEATURES)),
        -6.0,
    )
    trees = judge.Trees(QUESTION_FEATURES, 6.0, ())
    sure = replace(packaged, question=trees, vetoes={}, english_question=None)
    model = replace(sure, english_question=doubtful)
    row = dict.fromkeys(QUESTION_FEATURES, 0.0)
    assert model.confidence(row) > 0.99
    assert model.confidence({**row, "english": 1.0}) < 0.01
    # Without one, English questions are read by the common trees.
    assert sure.confidence({**row, "english": 1.0}) > 0.99

    path = tmp_path / "m.json"
    judge.ModelFile(model, sure, {}).save(path)
    again = judge.load(path)
    assert again.lexical.english_question is None
    assert again.hybrid.confidence({**row, "english": 1.0}) < 0.01
