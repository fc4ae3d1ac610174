"""The answer model's features, on tiny corpora far from policy: a person, an animal, a game."""

import numpy as np

from rag.answer import candidates, question_features, sentence_matrix
from rag.features import (
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    asked_units,
    holds,
    holds_unit,
    missing_weight,
    novelty,
    wants,
)
from rag.query import Query
from rag.records import Chunk, Hit

PERSON = "孙中山"
PERSON_TEXT = "孙中山，1866年11月12日生于广东香山县。他少年时随兄长远赴檀香山求学，在那里接受西式教育。后来辛亥革命爆发。"
PANDA = "大熊猫"
PANDA_TEXT = "大熊猫是中国特有的熊科动物。它主要以竹子为食，每天要吃12到38公斤竹子。"
GAME = "塞尔达传说"
GAME_TEXT = "《塞尔达传说》是任天堂开发的动作冒险游戏。游戏的主角是林克。"


def _hit(title: str, text: str, n: int = 0) -> Hit:
    return Hit(Chunk(f"{title}#{n}", f"uploads/{title}.txt", title, text, 1, 1), 1.0, "lexical")


def _features(question: str, hits: list[Hit]) -> dict[str, dict[str, float]]:
    return {c.sentence: c.features for c in candidates(Query.of(question), hits)}


def test_what_a_question_asks_for_is_read_from_its_question_words():
    assert wants("孙中山是哪一年出生的？") == "time"
    assert wants("孫中山是哪一年出生的？") == "time"  # Traditional
    assert wants("《塞尔达传说》由谁设计？") == "person"
    assert wants("大熊猫生活在哪里？") == "place"
    assert wants("大熊猫每天吃多少公斤竹子？") == "number"
    assert wants("How old was Sun Yat-sen in 1911?") == "number"
    assert wants("How heavy is a giant panda?") == wants("How often does it eat?") == "number"
    assert wants("大熊猫吃什么？") == ""


def test_a_year_question_prefers_the_sentence_that_gives_a_time():
    f = _features("孙中山是哪一年出生的？", [_hit(PERSON, PERSON_TEXT)])
    born = next(v for s, v in f.items() if "1866" in s)
    school = next(v for s, v in f.items() if "檀香山" in s)
    assert born["type_match"] == 1.0 and born["type_miss"] == 0.0
    assert school["type_match"] == 0.0 and school["type_miss"] == 1.0


def test_holds_ignores_what_the_question_already_says():
    assert not holds("time", "1911年辛亥革命爆发", "1911年发生了什么")
    assert holds("number", "每天要吃12到38公斤竹子", "大熊猫每天吃多少竹子")
    assert holds("person", "游戏的主角是林克", "游戏的主角是谁")


def test_a_name_the_passages_never_mention_weighs_as_missing():
    q = Query.of("黄足笛鲷分布在哪一大洋区？", idf=lambda t: 6.0 if t in "黄足笛鲷" else 1.0)
    assert missing_weight(q, "红钻鱼分布于太平洋", 6.0) == 1.0
    assert missing_weight(q, "黄足笛鲷分布于印度洋", 6.0) < 1.0


def test_novelty_separates_an_answer_from_a_restatement():
    assert novelty("林克是主角", "主角是谁") > novelty("主角是谁", "主角是谁") == 0.0


def test_candidates_are_the_distinct_sentences_of_the_top_passages():
    hits = [_hit(PANDA, PANDA_TEXT, 0), _hit(PANDA, PANDA_TEXT, 1), _hit(GAME, GAME_TEXT, 2)]
    cands = candidates(Query.of("大熊猫吃什么？"), hits, top=3)
    texts = [c.sentence for c in cands]
    assert len(texts) == len(set(texts))
    assert {c.passage for c in cands} == {1, 3}  # passage 2 repeats passage 1
    for c in cands:
        assert c.sentence in hits[c.passage - 1].chunk.text or c.features["joined"]


def test_feature_rows_follow_the_declared_order():
    cands = candidates(Query.of("《塞尔达传说》是哪家公司开发的？"), [_hit(GAME, GAME_TEXT)])
    x = sentence_matrix(cands)
    assert x.shape == (len(cands), len(SENTENCE_FEATURES))
    assert np.isfinite(x).all()
    developer = next(i for i, c in enumerate(cands) if "任天堂" in c.sentence)
    assert x[developer, SENTENCE_FEATURES.index("terms")] > 0
    assert x[developer, SENTENCE_FEATURES.index("title_terms")] > 0


def test_a_sentence_about_another_place_is_marked():
    panda = "野生大熊猫如今主要生活在四川、陕西和甘肃的山林里。"
    bear = "北极熊则生活在北冰洋沿岸，包括加拿大北部的海冰上。"
    f = _features("北极熊生活在加拿大的哪些地方？", [_hit("动物", panda + bear)])
    assert f[panda]["other_place"] == 1.0 and f[bear]["other_place"] == 0.0


def test_the_year_asked_is_told_apart_from_no_year_and_another_year():
    asked = "孙中山1912年就任了什么职务？"
    same = "1912年，孙中山就任中华民国临时大总统。"
    other = "1921年，孙中山在广州就任非常大总统。"
    none = "孙中山早年学医。"
    f = _features(asked, [_hit(PERSON, same + other + none)])
    assert f[same]["year_match"] == 1.0 and f[same]["year_conflict"] == 0.0
    assert f[other]["year_match"] == 0.0 and f[other]["year_conflict"] == 1.0
    # No year in the sentence: neither, as for a question that names none.
    assert f[none]["year_match"] == 0.0 and f[none]["year_conflict"] == 0.0
    assert _features("孙中山就任了什么职务？", [_hit(PERSON, same)])[same]["year_match"] == 0.0


def test_question_features_summarise_the_best_candidates():
    q = Query.of("大熊猫吃什么？")
    cands = candidates(q, [_hit(PANDA, PANDA_TEXT)])
    logits = np.arange(len(cands), dtype=float)
    qf = question_features(q, cands, logits, agree=True)
    assert list(qf) == list(QUESTION_FEATURES)
    assert qf["best_logit"] == logits.max() and qf["agree"] == 1.0
    assert qf["max_passage_terms"] == 1.0


def test_a_near_miss_shows_as_the_gap_to_the_best_passage_holding_every_pin():
    # The best sentence gives another city's figure; the passage that names the city and
    # the year asked about holds nothing as good.
    other = _hit("深圳", "2023年，深圳的企业实现营业收入18.6亿元。", 0)
    asked = _hit("珠海", "珠海在2023年举办了航展。", 1)
    q = Query.of("珠海2023年的营业收入是多少？")
    cands = candidates(q, [other, asked])
    logits = np.array([3.0 if "深圳" in c.sentence else 0.5 for c in cands])
    assert question_features(q, cands, logits, agree=False)["pinned_gap"] == -2.5
    # A passage beside the best one in its document names the city: a section names its
    # subject once, and the best sentence is not a near miss.
    section = [
        _hit("年报", "珠海在2023年举办了航展。", 0),
        _hit("年报", "2023年，企业实现营业收入18.6亿元。", 1),
    ]
    cands = candidates(q, section)
    logits = np.array([3.0 if "收入" in c.sentence else 0.5 for c in cands])
    assert question_features(q, cands, logits, agree=False)["pinned_gap"] == 0.0
    # Three passages away in the document is not beside it.
    section[0] = _hit("年报", "珠海在2023年举办了航展。", 4)
    cands = candidates(q, section)
    logits = np.array([3.0 if "收入" in c.sentence else 0.5 for c in cands])
    assert question_features(q, cands, logits, agree=False)["pinned_gap"] == -2.5
    # No passage holds both pins: as far below as the feature goes.
    cands = candidates(q, [other])
    assert question_features(q, cands, np.zeros(len(cands)), agree=False)["pinned_gap"] == -10
    # A question with no pins: every passage holds them all, and the best is one of them.
    q = Query.of("大熊猫吃什么？")
    cands = candidates(q, [_hit(PANDA, PANDA_TEXT)])
    logits = np.arange(len(cands), dtype=float)
    assert question_features(q, cands, logits, agree=False)["pinned_gap"] == 0.0


def test_a_how_many_question_is_matched_by_a_figure_in_its_unit():
    text = "野生大熊猫如今分布在四川、陕西和甘肃的六大山系，共有1864只。它每天要吃12到38公斤竹子。"
    feats = _features("大熊猫每天要吃多少公斤竹子？", [_hit(PANDA, text)])
    eats = next(f for s, f in feats.items() if "公斤" in s)
    other = next(f for s, f in feats.items() if "山系" in s)
    assert (eats["unit_match"], eats["unit_miss"]) == (1.0, 0.0)
    assert (other["unit_match"], other["unit_miss"]) == (0.0, 1.0)
    assert asked_units("任天堂有多少名员工？") == ("名",) and asked_units("林克是谁？") == ()
    assert holds_unit("公斤", "每天吃12到38kg竹子") and not holds_unit("名", "任天堂成立于1889年")


COMPANY = "星辰科技"
COMPANY_TEXT = (
    "星辰科技有限公司成立于2009年，总部位于深圳。\n公司现有员工约2300人。\n"
    "2023年，公司实现营业收入18.6亿元，净利润2.1亿元。"
)


def test_people_are_counted_in_any_of_their_measure_words():
    feats = _features("星辰科技有多少名员工？", [_hit(COMPANY, COMPANY_TEXT)])
    staff = next(f for s, f in feats.items() if "员工" in s)
    assert (staff["unit_match"], staff["type_match"]) == (1.0, 1.0)
    assert holds_unit("名", "共有30位专家") and holds_unit("位", "员工约2300人")
    # 人民币 and 位于 are no people; 第3位 is a rank.
    for text in ("投资5000万人民币", "它是唯一位于热带的园区", "排名第3位"):
        assert not holds_unit("名", text), text


def test_money_is_counted_in_any_currency():
    feats = _features("星辰科技去年赚了多少钱？", [_hit(COMPANY, COMPANY_TEXT)])
    income = next(f for s, f in feats.items() if "净利润" in s)
    staff = next(f for s, f in feats.items() if "员工" in s)
    assert (income["unit_match"], staff["unit_match"]) == (1.0, 0.0)
    for text in ("融资5000万美元", "售价500新台币", "罚款2万元"):
        assert holds_unit("钱", text), text


def test_a_date_is_no_count_and_a_count_of_days_or_months_is():
    feats = _features("星辰科技有多少名员工？", [_hit(COMPANY, COMPANY_TEXT)])
    founded = next(f for s, f in feats.items() if "成立" in s)
    assert (founded["unit_match"], founded["type_match"]) == (0.0, 0.0)
    for dated in ("公司于3月8日上市", "公司12月开业", "公司成立于2009年"):
        assert not holds("number", dated, "公司有多少员工"), dated
    for counted in ("公司已成立30年", "应提前30日通知", "试用期为3个月", "须获得三分之二多数通过"):
        assert holds("number", counted, "要多少"), counted


def test_a_question_asking_two_counts_is_matched_by_a_figure_in_either_unit():
    text = (
        "大熊猫保护区分为三大片区，共设立了67个保护站。保护区内有1864只野生大熊猫。它们以竹子为食。"
    )
    feats = _features("保护区设立了多少个保护站，有多少只野生大熊猫？", [_hit(PANDA, text)])
    for word in ("保护站", "野生"):
        found = next(f for s, f in feats.items() if word in s)
        assert (found["unit_match"], found["unit_miss"]) == (1.0, 0.0)
    assert feats["它们以竹子为食。"]["unit_miss"] == 1.0


def test_no_figure_in_the_asked_unit_anywhere_is_a_question_level_signal():
    q = Query.of("《塞尔达传说》一共卖出了多少套？")
    cands = candidates(q, [_hit(GAME, GAME_TEXT)])
    qf = question_features(q, cands, np.zeros(len(cands)), agree=False)
    assert qf["unit_nowhere"] == 1.0
    q = Query.of("大熊猫每天要吃多少公斤竹子？")
    cands = candidates(q, [_hit(PANDA, PANDA_TEXT)])
    assert question_features(q, cands, np.zeros(len(cands)), agree=False)["unit_nowhere"] == 0.0


def test_a_sentence_that_leaves_out_the_titles_subject_still_covers_the_rest():
    text = "《鳄鱼泪》是香港丽的电视的电视剧，1978年首播。本剧由潘志文、张玛莉领衔主演。"
    feats = _features("《鳄鱼泪》是谁主演的？", [_hit("鳄鱼泪", text)])
    cast = next(f for s, f in feats.items() if "领衔主演" in s)
    aired = next(f for s, f in feats.items() if "首播" in s)
    assert cast["untitled_terms"] > aired["untitled_terms"]
    assert cast["untitled_gap"] == 0.0 and aired["untitled_gap"] < 0.0


def test_a_foreign_name_pins_the_question_without_the_words_after_it():
    # 亨利·德劳内 runs straight into the question's own words; the name is what a passage
    # must hold, not 亨利·德劳内在哪一年时. Another name with the same surname is still
    # not grounded.
    from rag.features import pins, pins_missing
    from rag.tokenize import normalize

    pinned = pins(normalize("亨利·德勞內在哪一年時去世?"))
    assert pins_missing(pinned, normalize("法國足協秘書長亨利·德勞內於1955年去世。")) == 0.0
    assert pins_missing(pinned, normalize("美國出版商亨利·盧斯於1967年去世。")) > 0.0


def test_a_name_jieba_glued_to_the_word_before_it_still_pins_the_question():
    # jieba reads 莱恩和威尔 as 莱恩 / 和威尔: the passage names 本杰明·威尔, never 和威尔.
    from rag.features import pins, pins_missing
    from rag.tokenize import normalize

    pinned = pins(normalize("莱恩和威尔资助了什么？"))
    passage = "特斯拉与两位商人罗伯特·莱恩和本杰明·威尔合作，他们资助了一家电力照明公司。"
    assert pins_missing(pinned, passage) == 0.0
    assert pins_missing(pinned, "罗伯特·莱恩资助了一家电力照明公司。") > 0.0


def test_the_kind_a_question_asks_for_is_no_pin():
    # 城市 after 哪一个 is what the answer is (jieba tags it a place); a name there is a pin.
    from rag.features import pins, pins_missing
    from rag.tokenize import normalize

    passage = normalize("燕京大学，简称燕大，校名源自于北京昔名——燕京。")
    assert pins_missing(pins(normalize("燕京是哪一個城市的舊名?")), passage) == 0.0
    assert "纽伦堡" in pins(normalize("英國有哪一個紐倫堡帶?"))
