"""`rag train` end to end on a tiny SQuAD-style sample: a person, an animal, a game, a company."""

import json
import re

import numpy as np

from rag import judge
from rag.learn import L2, fit_logistic, fit_trees, train
from rag.learn_data import Part, perturb, write_part

ARTICLES = [
    (
        "孙中山",
        [
            "孙中山，1866年11月12日生于广东香山县。他早年在檀香山求学，后来在香港学医。",
            "1911年辛亥革命爆发，1912年孙中山在南京就任临时大总统。他于1925年在北京病逝。",
        ],
        [
            ("孙中山生于哪一年？", "1866年"),
            ("孙中山在哪里就任临时大总统？", "南京"),
            ("孙中山于哪一年病逝？", "1925年"),
        ],
    ),
    (
        "大熊猫",
        [
            "大熊猫是中国特有的熊科动物，主要栖息在四川、陕西和甘肃的山区。",
            "大熊猫以竹子为主食，成年大熊猫每天要吃十二到三十八公斤竹子。",
        ],
        [("大熊猫主要栖息在哪些省份？", "四川、陕西和甘肃"), ("大熊猫的主食是什么？", "竹子")],
    ),
    (
        "塞尔达传说",
        [
            "《塞尔达传说》是任天堂于1986年发行的动作冒险游戏，由宫本茂和手冢卓志设计。",
            "游戏的主角是一名叫林克的少年，他要从魔王加农手中救出塞尔达公主。",
        ],
        [
            ("《塞尔达传说》是哪一年发行的？", "1986年"),
            ("游戏的主角叫什么名字？", "林克"),
            ("林克要从谁手中救出公主？", "魔王加农"),
        ],
    ),
    (
        "腾讯",
        [
            "腾讯公司于1998年11月在深圳成立，创始人包括马化腾和张志东。",
            "腾讯的主要产品有即时通信软件QQ和微信，微信于2011年推出。",
        ],
        [("腾讯公司在哪座城市成立？", "深圳"), ("微信是哪一年推出的？", "2011年")],
    ),
    (
        "长城",
        [
            "长城是中国古代的军事防御工程，现存的明长城全长约八千八百公里。",
            "秦始皇统一六国后，把原来各国的长城连接起来，始有万里长城之称。",
        ],
        [("明长城全长约多少公里？", "八千八百公里"), ("哪位皇帝把各国长城连接起来？", "秦始皇")],
    ),
    (
        "黄河",
        [
            "黄河是中国第二长河，全长约五千四百六十四公里，发源于青海省巴颜喀拉山脉。",
            "黄河流经九个省区，最后在山东省东营市注入渤海。",
        ],
        [("黄河发源于哪里？", "青海省巴颜喀拉山脉"), ("黄河在哪里注入渤海？", "山东省东营市")],
    ),
]


def _squad(articles) -> dict:
    data = []
    for n, (title, paras, qas) in enumerate(articles):
        paragraphs = [{"context": p, "qas": []} for p in paras]
        for m, (q, a) in enumerate(qas):
            where = next(i for i, p in enumerate(paras) if a in p)
            paragraphs[where]["qas"].append(
                {"id": f"{n}-{m}", "question": q, "answers": [{"text": a, "answer_start": 0}]}
            )
        data.append({"title": title, "paragraphs": paragraphs})
    return {"data": data}


def test_perturbing_a_question_changes_a_pin_the_article_states():
    import random

    article = "1911年辛亥革命爆发，1912年孙中山在南京就任临时大总统。"
    changed = perturb("1912年孙中山在哪里就任临时大总统？", article, {}, random.Random(1))
    assert changed and changed != "1912年孙中山在哪里就任临时大总统？"
    figures = re.findall(r"\d+", changed)
    assert figures and all(f not in article for f in figures)  # a figure the article lacks
    assert perturb("他在哪里就任？", article, {}, random.Random(1)) == ""  # no pin to change


def test_a_held_out_paragraph_becomes_unanswerable_questions(tmp_path):
    arts = _squad([(t, p + ["第三段与问题无关。"], q) for t, p, q in ARTICLES])["data"]
    rows = write_part(arts, Part("x.json", "t", 0, 6, "indexed", hold_out=True), tmp_path)
    held = [r for r in rows if r["kind"] == "t-heldout"]
    assert held and all(r["keys"] == [] for r in held)
    docs = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "docs").iterdir()}
    assert len(docs) == 6


def test_a_held_out_sentence_leaves_its_question_unanswerable_and_the_rest_answerable(tmp_path):
    arts = _squad(ARTICLES)["data"]
    rows = write_part(arts, Part("x.json", "t", 0, 6, "indexed", hold_sentence=True), tmp_path)
    held = [r for r in rows if r["kind"] == "t-heldout"]
    assert len(held) >= 6 and all(r["keys"] == [] for r in held)
    docs = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "docs").iterdir()}
    answerable = [r for r in rows if r["kind"] == "t"]
    assert answerable and all(any(k in docs[r["source"]] for k in r["keys"]) for r in answerable)
    asked = {q: a for _, _, qas in ARTICLES for q, a in qas}
    assert all(asked[r["question"]] not in "".join(docs.values()) for r in held)
    # Each article keeps its title and the sentences that did not answer.
    assert all(len(text.split("\n\n")) >= 2 for text in docs.values())


def test_logistic_and_trees_fit_a_separable_sample():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] + 0.2 * x[:, 1] > 0).astype(float)
    assert ((fit_logistic(x, y, ("a", "b")).probability(x) > 0.5) == y).mean() > 0.95
    assert ((fit_trees(x, y, ("a", "b")).probability(x) > 0.5) == y).mean() > 0.95


def test_a_signed_fit_never_moves_the_odds_against_a_features_sign():
    # Both columns go with the positive class in this sample. Signed -1 (a prior the
    # sample contradicts), b may lower the odds or do nothing, never raise them.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.8 * x[:, 1] + 0.3 * rng.normal(size=400) > 0).astype(float)
    free = fit_logistic(x, y, ("a", "b"))
    signed = fit_logistic(x, y, ("a", "b"), signs=np.array([1, -1]))
    assert free.weights[1] > 0.5
    assert signed.weights[1] == 0.0 and signed.weights[0] > 0.5
    # The optimum under the bound, not a free fit clipped: the loss's gradient is 0 for
    # the free weight and the bias, and pushes the held weight across its bound.
    z = np.column_stack([(x - signed.mean) / signed.scale, np.ones(len(x))])
    w = np.append(signed.weights, signed.bias)
    grad = z.T @ (1 / (1 + np.exp(-(z @ w))) - y) + L2 * np.array([1.0, 1.0, 0.0]) * w
    assert abs(grad[0]) < 1e-6 and abs(grad[2]) < 1e-6 and grad[1] < 0
    clipped = np.clip(free.weights, [-np.inf, -np.inf], [np.inf, 0.0])
    assert not np.allclose(clipped, signed.weights, atol=1e-3)
    # Where the sample agrees with the signs, they change nothing.
    agreed = fit_logistic(x, y, ("a", "b"), signs=np.array([1, 1]))
    assert np.allclose(agreed.weights, free.weights, atol=1e-6)


def test_every_question_feature_has_a_sign():
    from rag.features import QUESTION_FEATURES, QUESTION_SIGNS

    assert set(QUESTION_SIGNS) == set(QUESTION_FEATURES)
    assert set(QUESTION_SIGNS.values()) <= {-1, 0, 1}


def test_training_runs_end_to_end_and_writes_a_loadable_model(tmp_path, fake_embedder):
    open_book = tmp_path / "open-book"
    open_book.mkdir()
    sample = json.dumps(_squad(ARTICLES), ensure_ascii=False)
    for name in ("a.json", "b.json"):
        (open_book / name).write_text(sample, encoding="utf-8")
    splits = {
        "fit": (
            Part("a.json", "a", 0, 4, "indexed", perturb_every=1),
            Part("a.json", "a", 4, 6, "absent"),
        ),
        "val": (Part("b.json", "b", 2, 6, "indexed"), Part("b.json", "b", 0, 2, "absent")),
    }
    # Conversations about a small library of their own, for the conversation term.
    library = tmp_path / "library"
    library.mkdir()
    (library / "星河游戏公司.txt").write_text(
        "星河游戏公司\n\n星河游戏公司成立于2009年，总部设在杭州。公司目前共有员工860人。\n",
        encoding="utf-8",
    )
    (library / "大熊猫.txt").write_text(
        "大熊猫\n\n大熊猫主要以竹子为食。野生大熊猫生活在四川的山林，寿命约二十年。\n",
        encoding="utf-8",
    )
    talks = []
    for n, (first, then, key) in enumerate(
        [
            ("星河游戏公司是哪一年成立的？", "目前共有多少名员工？", "860人"),
            ("大熊猫主要吃什么？", "它们生活在哪里？", "四川"),
            ("星河游戏公司的总部在哪里？", "有多少员工？", "860人"),
            ("大熊猫吃什么？", "寿命多长？", "二十年"),
        ]
    ):
        row = {"id": f"c{n}", "history": [first], "question": then, "keys": [key]}
        path = tmp_path / f"talk{n % 2}.jsonl"
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        talks.append(path)
    out = tmp_path / "answer_model.json"
    said = []
    figures = train(
        open_book,
        tmp_path / "work",
        out,
        splits,
        conversations=(library, sorted(set(talks))),
        embedder=fake_embedder,
        say=said.append,
    )
    model = judge.load(out)
    assert set(figures) == {"hybrid", "lexical"}
    assert "b not found" in figures["hybrid"] or "b-absent not found" in figures["hybrid"]
    assert 0.0 <= model.hybrid.threshold <= 1.0
    assert model.provenance["fit_questions"] > 0 and model.provenance["validation_questions"] > 0
    assert any("threshold" in line for line in said)
    # The follow-ups were read with their conversation and counted, file by file.
    conversation = model.provenance["conversation"]
    assert set(conversation["files"]) == {"talk0.jsonl", "talk1.jsonl"}
    assert conversation["validation_figures"]["hybrid"]["follow-ups"] > 0
    assert any("conversation term" in line for line in said)


def test_xquad_english_questions_come_by_thirds_of_the_articles(tmp_path):
    from rag.learn_data import xquad_questions

    folder = tmp_path / "xquad"
    (folder / "docs").mkdir(parents=True)
    rows = []
    for i in range(6):
        name = f"xquad_{i:02d}.txt"
        (folder / "docs" / name).write_text(f"文章{i}\n\n第{i}篇的内容。\n", encoding="utf-8")
        for lang in ("en", "zh"):
            rows.append(
                {
                    "id": f"xquad-{lang}-{i}",
                    "kind": f"xquad-{lang}",
                    "question": "?",
                    "keys": ["内容"],
                    "source": name,
                }
            )
    (folder / "questions.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    seen = {}
    for part in (0, 1):
        out = tmp_path / f"part{part}"
        got = xquad_questions(folder, out, part)
        assert all(r["kind"] == "xquad-en" for r in got)
        seen[part] = {r["source"] for r in got}
        assert seen[part] == {p.name for p in (out / "docs").iterdir()}
    assert seen == {0: {"xquad_00.txt", "xquad_03.txt"}, 1: {"xquad_01.txt", "xquad_04.txt"}}


def test_english_questions_become_absent_ones_where_the_corpus_lacks_their_answer(tmp_path):
    from rag.learn_data import english_absent

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("腾讯\n\n腾讯公司于1998年在深圳成立。\n", encoding="utf-8")
    rows = [
        {"id": "1", "kind": "xquad-en", "question": "Where was Tencent founded?", "keys": ["深圳"]},
        {"id": "2", "kind": "xquad-en", "question": "What do pandas eat?", "keys": ["竹子"]},
    ]
    got = english_absent(rows, docs)
    assert got == [
        {"id": "absent-2", "kind": "xquad-en-absent", "question": "What do pandas eat?", "keys": []}
    ]


def test_the_english_corpus_holds_the_common_corpus_beside_its_own_articles(tmp_path):
    from rag.learn_data import prepare_english

    xquad = tmp_path / "xquad"
    (xquad / "docs").mkdir(parents=True)
    (xquad / "docs" / "xquad_00.txt").write_text("亚马逊雨林\n\n雨林很大。\n", encoding="utf-8")
    row = {"id": "e0", "kind": "xquad-en", "question": "How big?", "keys": ["很大"]}
    (xquad / "questions.jsonl").write_text(
        json.dumps({**row, "source": "xquad_00.txt"}) + "\n", encoding="utf-8"
    )
    common = tmp_path / "common"
    common.mkdir()
    (common / "cmrc_0001.txt").write_text("腾讯\n\n腾讯在深圳。\n", encoding="utf-8")
    folder = prepare_english(xquad, tmp_path / "work", "fit", beside=common)
    assert sorted(p.name for p in (folder / "docs").iterdir()) == ["cmrc_0001.txt", "xquad_00.txt"]
    asked = [json.loads(line) for line in (folder / "questions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in asked] == ["e0"]


def test_train_names_the_conversation_files_it_lacks_in_one_line(tmp_path, capsys):
    from rag.cli import main

    for name in ("cmrc2018_trial.json", "drcd_dev.json"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    (tmp_path / "eval").mkdir()
    folder = str(tmp_path / "eval")
    code = main(
        [
            "train",
            "--open-book",
            str(tmp_path),
            "--dev",
            "",
            "--xquad",
            "",
            "--conversations",
            folder,
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "conversations.jsonl" in err and "--conversations ''" in err
    assert "\n" not in err and "Traceback" not in err


def test_every_conversation_file_is_either_fitted_on_or_kept_for_tests():
    from pathlib import Path

    from rag.learn_conversation import TESTS, TUNING

    # fresh*.jsonl are single questions about the seeds, not conversations.
    files = {p.stem for p in Path("eval").glob("*.jsonl") if not p.stem.startswith("fresh")}
    assert files == set(TUNING) | set(TESTS) and not set(TUNING) & set(TESTS)


def test_a_test_conversation_is_never_fitted_on(tmp_path):
    import pytest

    from rag.learn_conversation import with_conversation

    path = tmp_path / "conversations-switch.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="never fitted on"):
        with_conversation({}, lambda models: None, [path])


def test_the_term_is_checked_on_the_half_of_the_files_it_was_not_fitted_on():
    from rag.learn_conversation import FollowUp, cross_checked

    # In every file the right sentence holds the added words and the choice model
    # prefers the other one: the term fitted on either half puts the right one first,
    # and the answer, written from the likelier sentence, then holds the key.
    def followup(name):
        return FollowUp(
            name,
            np.array([0.0, 0.5]),
            np.array([[1.0], [0.0]]),
            np.array([True, False]),
            lambda chances: "860人" if chances[0] > chances[1] else "2009年",
            ("860人",),
        )

    followups = [followup(f"f{i}") for i in range(4) for _ in range(3)]
    checked = cross_checked(followups)
    assert checked == {
        "follow-ups": 12,
        "follow-ups with a right candidate": 12,
        "choice without the term": 0.0,
        "choice with the term": 1.0,
        "answered right without the term": 0.0,
        "answered right with the term": 1.0,
    }


def test_one_paragraph_of_each_xquad_article_is_held_out_and_its_questions_lose_their_keys(
    tmp_path,
):
    from rag.learn_data import xquad_questions

    folder = tmp_path / "xquad"
    (folder / "docs").mkdir(parents=True)
    paragraphs = ["标题行", "甲段说红色。", "乙段说蓝色。", "丙段说绿色。"]
    (folder / "docs" / "xquad_00.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    colours = ["红色", "蓝色", "绿色"]
    rows = [
        {
            "id": c,
            "kind": "xquad-en",
            "question": "Which colour?",
            "keys": [c],
            "source": "xquad_00.txt",
        }
        for c in colours
    ]
    (folder / "questions.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    got = xquad_questions(folder, tmp_path / "out", 0)
    kept = (tmp_path / "out" / "docs" / "xquad_00.txt").read_text(encoding="utf-8")
    # The title line stays; one paragraph of the three is gone, with its question's key.
    assert kept.startswith("标题行") and kept.count("\n\n") == 2
    held = [r for r in got if r["kind"] == "xquad-en-heldout"]
    assert len(held) == 1 and held[0]["keys"] == [] and held[0]["id"].startswith("heldout-")
    gone = next(c for c in colours if c not in kept)
    assert held[0]["id"] == f"heldout-{gone}"
    assert sorted(r["id"] for r in got if r["keys"]) == sorted(set(colours) - {gone})


def test_thresholds_spare_right_answers_not_wrong_ones(monkeypatch):
    import rag.learn as learn
    from rag.features import SENTENCE_FEATURES
    from rag.query import Query

    # Forty answerable questions whose confidence climbs with their place; the model's
    # choice is wrong for the first twenty: refusing those costs nothing.
    data = learn.Collected()
    for i in range(40):
        data.queries.append(Query.of(f"问题{i}"))
        data.rows.append(np.zeros((1, len(SENTENCE_FEATURES))))
        data.right.append(np.array([i >= 20]))
        data.answerable.append(True)
        data.kinds.append("drcd")
        data.agree.append(False)
        data.cands.append([])
    monkeypatch.setattr(learn, "confidences", lambda _m, d: (np.arange(len(d.queries)) + 1) / 41)
    threshold, english = learn.calibrate(judge.default().hybrid, data)
    assert english is None
    # Every wrong choice may be refused; no right one is (3% of 20 rounds down to none).
    assert threshold == 21 / 41
    # With no right answer to spare, the answerable questions are spared instead.
    data.right = [np.array([False])] * 40
    assert learn.calibrate(judge.default().hybrid, data)[0] == 2 / 41
