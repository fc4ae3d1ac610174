"""Answer composition, and the packaged answer model's judgement on tiny corpora."""

from dataclasses import replace

import numpy as np
import pytest

from rag.answer import (
    MAX_ANSWER,
    NOT_FOUND,
    Candidate,
    Verdict,
    asks_broad,
    candidates,
    compose,
    compose_points,
    judge,
)
from rag.chunk import sentences
from rag.judge import default
from rag.query import Query, asks_number
from rag.records import Chunk, Hit


def _hit(text: str, n: int = 0, title: str = "标题") -> Hit:
    return Hit(Chunk(f"s#{n}", "seeds/s.txt", title, text, 1, 2), 1.0, "lexical")


def _verdict(pairs: list[tuple[int, str, float]]) -> Verdict:
    """A verdict with the chances given: compose is tested apart from the model."""
    cands = [Candidate(n, s, {}) for n, s, _ in pairs]
    return Verdict(cands, np.array([c for _, _, c in pairs]), 0.9, True)


def test_the_answer_quotes_the_likeliest_sentence_with_its_citation_marker():
    verdict = _verdict([(1, "广州扩大开放。", 0.1), (2, "目前经开区上市企业达88家。", 0.9)])
    text, quotes = compose(Query.of("经开区有多少家上市企业？"), verdict)
    assert text == "目前经开区上市企业达88家。[2]"
    assert quotes == ((2, "目前经开区上市企业达88家。"),)


def test_a_line_that_only_restates_the_question_is_never_the_answer():
    from rag.answer import candidates

    q = Query.of("《星河纪事》的作者林小舟是哪所大学的？")
    hit = _hit(
        "林小舟\n（作者系东海大学历史系教授）\n本书讲述了港口城市的百年变迁。", title="星河纪事"
    )
    byline = next(c for c in candidates(q, [hit]) if c.sentence == "林小舟")
    assert byline.features["novelty"] == 0.0
    verdict = Verdict([byline, *candidates(q, [hit])[1:]], np.array([0.9, 0.5, 0.1]), 0.9, True)
    text, quotes = compose(q, verdict)
    assert "东海大学" in text and all(s != "林小舟" for _, s in quotes)


def test_a_second_sentence_joins_only_when_the_model_is_torn():
    q = Query.of("大熊猫吃什么？")
    torn = _verdict([(1, "大熊猫主要吃竹子。", 0.6), (2, "它偶尔也吃竹鼠。", 0.4)])
    sure = _verdict([(1, "大熊猫主要吃竹子。", 0.9), (2, "它偶尔也吃竹鼠。", 0.35)])
    assert compose(q, torn)[0] == "大熊猫主要吃竹子。[1]它偶尔也吃竹鼠。[2]"
    assert compose(q, sure)[0] == "大熊猫主要吃竹子。[1]"


def test_a_year_question_answered_without_a_year_takes_the_sentence_before_that_says_it():
    said = [
        "1958年3月，青松县与白石县合并为松石县。",
        "同年9月，松石县的县城迁到白石镇。",
        "1962年，县城所在的白石镇修建了第一座水库。",
    ]
    cands = [Candidate(1, s, {}, span=(j, j)) for j, s in enumerate(said)]
    verdict = Verdict(cands, np.array([0.3, 0.9, 0.5]), 0.9, True)
    year = compose(Query.of("松石县的县城是哪一年迁到白石镇的？"), verdict)[0]
    # Side by side in the text, the two are one quotation in the text's order.
    assert year == f"{said[0]}{said[1]}[1]"
    # A question that asks the day, not the year, is answered as the model chooses.
    day = compose(Query.of("松石县的县城是什么时候迁到白石镇的？"), verdict)[0]
    assert day == f"{said[1]}{said[2]}[1]"
    # Across a paragraph, the likeliest sentence of the passage that says a year, not
    # the sentence after the best one that the model would have added.
    apart = [replace(cands[0], closes=True), *cands[1:]]
    sure = Verdict(apart, np.array([0.3, 0.9, 0.2]), 0.9, True)
    across = compose(Query.of("松石县的县城是哪一年迁到白石镇的？"), sure)[0]
    assert across == f"{said[1]}[1]{said[0]}[1]"


def test_two_sentences_side_by_side_are_quoted_as_the_text_has_them():
    # A crane's life story: the best sentence comes second in the text; the answer reads
    # in the text's order, one quotation with one marker, and quotes the best first.
    said = [
        "丹顶鹤每年十月离开扎龙湿地。",
        "它们飞往江苏盐城的海滩越冬。",
        "盐城保护区建于1983年。",
    ]
    cands = [Candidate(1, s, {}, span=(j, j)) for j, s in enumerate(said)]
    q = Query.of("丹顶鹤离开扎龙后去哪里越冬？")
    text, quotes = compose(q, Verdict(cands, np.array([0.45, 0.9, 0.05]), 0.9, True))
    assert text == f"{said[0]}{said[1]}[1]"
    assert quotes == ((1, said[1]), (1, said[0]))
    # Not side by side (another passage, or a sentence between): each with its marker.
    far = [cands[0], cands[2], Candidate(2, said[1], {}, span=(1, 1))]
    text, _ = compose(q, Verdict(far, np.array([0.45, 0.05, 0.9]), 0.9, True))
    assert text == f"{said[1]}[2]{said[0]}[1]"
    between = Verdict(cands, np.array([0.9, 0.05, 0.45]), 0.9, True)
    assert compose(q, between)[0] == f"{said[0]}[1]{said[2]}[1]"
    # What stands between them in the text stays: a space between English sentences. A
    # line break keeps them two quotations (a law's articles, one a line).
    storm = Query.of("What do magnetic storms create?")
    english = _hit("Do magnetic storms disturb the poles of the Earth? They also create auroras!")
    disturb, create = candidates(storm, [english])
    text, _ = compose(storm, Verdict([disturb, create], np.array([0.3, 0.9]), 0.9, True))
    assert text == f"{disturb.sentence} {create.sentence}[1]"
    assert text.startswith("Do magnetic storms") and " They also" in text
    law = _hit(
        "第一条 职工享有休息的权利，用人单位应当保证。\n第二条 加班须经职工本人同意，并支付报酬。"
    )
    asked = Query.of("加班要谁同意？")
    rest, overtime = candidates(asked, [law])
    text, _ = compose(asked, Verdict([rest, overtime], np.array([0.3, 0.9]), 0.9, True))
    assert text == f"{overtime.sentence}[1]{rest.sentence}[1]"


def test_a_sentence_beside_the_best_joins_when_the_model_gives_it_a_chance():
    storm = Query.of("磁暴会在地球的磁极附近创造出什么？")
    hit = _hit("磁暴会在地球的磁极附近造成强烈的扰动。\n它们也会创造出极光。")
    restating, after = candidates(storm, [hit])
    verdict = Verdict([restating, after], np.array([0.9, 0.25]), 0.9, True)
    # Across a line break the two stay two quotations, the best first.
    assert compose(storm, verdict)[0] == restating.sentence + "[1]" + after.sentence + "[1]"
    unlikely = Verdict([restating, after], np.array([0.9, 0.1]), 0.9, True)
    assert compose(storm, unlikely)[0] == restating.sentence + "[1]"
    # The sentence before it too (他 is named there); on a line of its own, it is a
    # quotation of its own, after the best one.
    q = Query.of("何人呼吁在繁殖季节立法禁止狩猎？")
    text = (
        "动物学家牛顿调查了当地的鸟类。\n他呼吁在繁殖季节立法禁止狩猎来保护动物。\n此后协会成立。"
    )
    named, calling, later = candidates(q, [_hit(text)])
    verdict = Verdict([named, calling, later], np.array([0.25, 0.9, 0.2]), 0.9, True)
    text, quotes = compose(q, verdict)
    assert text == calling.sentence + "[1]" + named.sentence + "[1]"
    assert quotes == ((1, calling.sentence), (1, named.sentence))
    # A sentence of another passage is no neighbour.
    apart = _verdict([(1, "大熊猫主要吃竹子。", 0.9), (2, "它偶尔也吃竹鼠。", 0.25)])
    assert compose(Query.of("大熊猫吃什么？"), apart)[0] == "大熊猫主要吃竹子。[1]"


def test_a_neighbour_is_a_whole_sentence_next_to_the_best_and_never_repeats_it():
    q = Query.of("磁暴会在地球的磁极附近创造出什么？")

    def answer(text: str, chances: list[float], **kw) -> str:
        cands = candidates(q, [_hit(text)], **kw)
        return compose(q, Verdict(cands, np.array(chances[: len(cands)]), 0.9, True))[0]

    # Short sentences on one line are read two at a time (甲乙, 乙丙, 丙): the one after
    # 甲乙 is 丙, never 乙丙, which would quote 乙 twice.
    short = "磁暴会造成扰动。它们创造出极光。极光多为绿色。"
    assert answer(short, [0.9, 0.3, 0.25]) == "磁暴会造成扰动。它们创造出极光。极光多为绿色。[1]"
    # A sentence the conversation heard leaves a gap: what lies across it is not beside.
    lines = "磁暴会在地球的磁极附近造成强烈的扰动。\n它们也会创造出极光。\n极光多为绿色的光带。"
    heard = ("它们也会创造出极光。",)
    assert answer(lines, [0.9, 0.25], heard=heard) == "磁暴会在地球的磁极附近造成强烈的扰动。[1]"
    # Nor does a sentence cut at the passage's edge join, alone or taken along.
    cut = {"s#0": (False, True)}
    tail = "磁暴会在地球的磁极附近造成强烈的扰动。\n它们也会。创造出极光和其他的一些"
    assert answer(tail, [0.9, 0.3], cut=cut) == "磁暴会在地球的磁极附近造成强烈的扰动。[1]"


def test_a_neighbour_stays_in_the_paragraph_of_the_best_sentence():
    q = Query.of("员工辞职要提前几天通知？")
    law = (
        "第二十条 试用期工资不得低于约定工资的百分之八十。\n\n"
        "第三十七条 劳动者提前三十日以书面形式通知用人单位，可以解除劳动合同。"
        "劳动者在试用期内提前三日通知用人单位，可以解除劳动合同。"
    )
    wage, notice, probation = candidates(q, [_hit(law)])
    # The article before, across a blank line, is no neighbour however likely.
    verdict = Verdict([wage, notice, probation], np.array([0.3, 0.9, 0.25]), 0.9, True)
    assert compose(q, verdict)[0] == notice.sentence + probation.sentence + "[1]"
    verdict = Verdict([wage, notice, probation], np.array([0.3, 0.9, 0.1]), 0.9, True)
    assert compose(q, verdict)[0] == notice.sentence + "[1]"
    # Nor the article after one that ends its paragraph.
    q = Query.of("试用期工资最低是多少？")
    wage, notice, probation = candidates(q, [_hit(law)])
    verdict = Verdict([wage, notice, probation], np.array([0.9, 0.3, 0.1]), 0.9, True)
    assert compose(q, verdict)[0] == wage.sentence + "[1]"


def test_a_sentence_cut_at_a_passage_edge_never_joins_as_the_second():
    q = Query.of("前海为香港律师提供什么？")
    best = _hit("前海允许香港律师事务所与内地律师事务所联营。", 0)
    # The second passage ends mid-sentence; its short first sentence takes that cut one
    # along, which is no whole sentence either.
    edge = _hit("联营试点已经启动。务业合作区开展联营试点和其他", 1)
    cands = candidates(q, [best, edge], cut={"s#1": (False, True)})
    assert [(c.sentence, c.cut) for c in cands[1:]] == [
        ("联营试点已经启动。务业合作区开展联营试点和其他", True),
        ("务业合作区开展联营试点和其他", True),
    ]
    for torn in ([0.6, 0.5, 0.1], [0.6, 0.1, 0.5]):
        verdict = Verdict(cands, np.array(torn), 0.9, True)
        assert compose(q, verdict)[0] == best.chunk.text + "[1]"
    # Whole, the same sentence joins.
    whole = candidates(q, [best, edge])
    verdict = Verdict(whole, np.array([0.6, 0.5, 0.1]), 0.9, True)
    assert compose(q, verdict)[0] == best.chunk.text + "[1]" + whole[1].sentence + "[2]"


def test_a_second_sentence_that_holds_the_first_is_not_added_after_it():
    q = Query.of("星河游戏公司有多少员工？")
    first = "星河游戏公司目前共有员工860人。"
    verdict = _verdict([(1, first, 0.6), (1, "三是建设玩家社区。" + first, 0.5)])
    text, quotes = compose(q, verdict)
    assert text == first + "[1]" and len(quotes) == 1


def test_long_sentences_are_clipped_to_the_answer_limit_around_the_match():
    filler = "，".join(["推动高质量发展"] * 60)
    long = f"{filler}，广州经开区上市企业达88家，{filler}。"
    text, _ = compose(Query.of("经开区有多少家上市企业？"), _verdict([(1, long, 0.9)]))
    assert len(text) <= MAX_ANSWER and "上市企业达88家" in text


def test_a_broad_question_gets_distinct_points_from_different_passages():
    q = Query.of("大湾区营商环境有哪些改革？")
    assert asks_broad(q.text) and not asks_broad("广州高新区计划加快建设哪些地铁线路？")
    verdict = _verdict(
        [
            (1, "大湾区推行商事登记确认制改革，企业开办一日办结。", 0.8),
            (2, "大湾区推行商事登记确认制改革，企业开办一天办结。", 0.8),  # says the same
            (3, "大湾区营商环境改革推动跨境数据有序流动。", 0.7),
            (4, "大湾区营商环境怎样才算好？", 0.9),  # a question is no point
            (5, "大湾区实施包容审慎监管改革，轻微违法免罚。", 0.6),
            (6, "大湾区的天气很好。", 0.1),  # far below the best
        ]
    )
    text, quotes = compose_points(q, verdict)
    assert [n for n, _ in quotes] == [1, 3, 5]
    assert text.splitlines()[0].startswith("1. ") and text.splitlines()[-1].endswith("[5]")
    assert len(text) <= MAX_ANSWER


def test_broad_points_are_whole_sentences_from_passages_that_do_not_overlap():
    q = Query.of("大熊猫保护有哪些措施？")
    long = "保护区" + "，".join(["修建生态走廊连通破碎的栖息地"] * 8) + "。"
    endless = "，".join(["保护区修建生态走廊连通破碎的栖息地"] * 12) + "。"
    cands = [
        Candidate(1, long, {}),
        Candidate(1, "一是建立自然保护区。", {}),
        Candidate(2, "二是开展人工繁育。", {}),  # its passage shares lines with passage 1
        Candidate(3, long, {}),  # no short sentence here: the long one, whole
        Candidate(4, endless, {}),  # too long to list whole: no point, never a piece
    ]
    passages = (
        Chunk("a#0", "a.txt", "熊猫", "…", 1, 4),
        Chunk("a#1", "a.txt", "熊猫", "…", 3, 6),
        Chunk("b#0", "b.txt", "熊猫", "…", 1, 2),
        Chunk("c#0", "c.txt", "熊猫", "…", 1, 2),
    )
    verdict = Verdict(cands, np.array([0.9, 0.5, 0.8, 0.7, 0.6]), 0.9, True, passages)
    text, quotes = compose_points(q, verdict)
    assert [n for n, _ in quotes] == [1, 3]
    assert quotes == ((1, "一是建立自然保护区。"), (3, long))
    assert text.splitlines() == ["1. 一是建立自然保护区。[1]", f"2. {long}[3]"]


def test_sentence_split_keeps_closing_quotes():
    assert sentences("他说：“改革。”然后离开！") == ["他说：“改革。”", "然后离开！"]
    assert "未在资料中找到答案" in NOT_FOUND


def test_number_question_detection():
    assert asks_number("How many national high-tech zones are there in China?")
    assert not asks_number("深i企平台是什么时候上线的？")


def test_a_heading_takes_the_sentence_after_it():
    hit = _hit("二是培育三大产业集群。广州开发区以新一代信息技术等三大集群为主。")
    cands = candidates(Query.of("广州开发区培育哪三大产业集群？"), [hit])
    assert cands[0].sentence == hit.chunk.text and cands[0].features["joined"] == 1.0


def test_a_sentence_that_opens_a_quotation_takes_the_rest_of_it():
    said = "词典这样解释“暴发户”：“指出身卑微却迅速致富的人。多含贬义。”"
    before = "“暴发户”是一个常见的汉语词语，多用于口语和报刊文章之中。"
    hit = _hit(before + said + "这个词语最早见于清代的笔记小说。", title="暴发户")
    cands = [c.sentence for c in candidates(Query.of("词典怎样解释暴发户？"), [hit])]
    assert said in cands
    # A quotation closed in its own sentence takes nothing.
    assert before in cands


def test_a_line_of_its_own_takes_nothing_from_the_next_line_and_every_candidate_is_quoted():
    hit = _hit("任天堂\n\n京都\n\n任天堂是日本的游戏公司，1889年创立于京都。", title="游戏公司")
    cands = candidates(Query.of("任天堂创立于哪一年？"), [hit])
    assert all(c.sentence in hit.chunk.text for c in cands)
    assert not any(c.features["joined"] for c in cands)
    assert "任天堂是日本的游戏公司，1889年创立于京都。" in [c.sentence for c in cands]


def test_a_sentence_cut_by_the_splitter_is_marked_as_a_fragment():
    cut, whole = _hit("经开区上市企业达88家，居全国", 0), _hit("经开区上市企业达88家。", 1)
    edges = {cut.chunk.id: (False, True)}
    cands = candidates(Query.of("经开区有多少家上市企业？"), [cut, whole], edges)
    assert [c.features["fragment"] for c in cands] == [1.0, 0.0]


# --- the packaged model, reading by words alone (no vectors) ---------------------------

ZOO = [
    (
        "大熊猫",
        "大熊猫是中国特有的熊科动物，被誉为国宝。大熊猫主要以竹子为食，每天要吃十几公斤竹子。",
    ),
    ("孙中山", "孙中山，名文，1866年11月12日生于广东香山县翠亨村。他是中国近代民主革命的先行者。"),
    (
        "塞尔达传说",
        "《塞尔达传说》是任天堂于1986年发行的动作冒险游戏。游戏的主角是一名叫林克的少年。",
    ),
]


@pytest.fixture(scope="module")
def zoo_engine(tmp_path_factory):
    from tests.conftest import titled_library

    return titled_library(tmp_path_factory.mktemp("zoo"), ZOO)


def test_a_year_question_is_answered_with_the_sentence_that_gives_the_year(zoo_engine):
    answer = zoo_engine.ask("孙中山是哪一年出生的？", mode="lexical")
    assert not answer.abstained and "1866年" in answer.text


def test_a_question_about_someone_the_library_lacks_is_refused(zoo_engine):
    # It shares words with a passage about someone else (生于): that is shown, not quoted.
    answer = zoo_engine.ask("楼曾瑞生于哪一年？", mode="lexical")
    assert answer.abstained and answer.text == NOT_FOUND
    assert answer.hits and answer.hits[0].chunk.title == "孙中山"


def test_every_result_carries_the_model_confidence(zoo_engine):
    known = zoo_engine.ask("大熊猫主要吃什么？", mode="lexical")
    unknown = zoo_engine.ask("黄足笛鲷分布在哪一大洋区？", mode="lexical")
    assert "竹子" in known.text
    assert 0.0 <= unknown.confidence < known.confidence <= 1.0
    assert known.to_result()["confidence"] == known.confidence


def test_judge_refuses_when_there_is_nothing_to_read():
    verdict = judge(Query.of("大熊猫吃什么？"), [], default().lexical)
    assert not verdict.answered and verdict.candidates == []


def test_a_broad_question_about_what_was_done_lists_no_plans_one_about_plans_does():
    plan = "接下来，公司将继续扩建苏州工厂，并开拓东南亚市场。"
    pairs = [
        (1, plan, 0.9),
        (2, "公司去年推行弹性工作制，员工可在家办公两天。", 0.8),
        (3, "公司实行季度奖金制度，按业绩发放奖金。", 0.7),
    ]
    done, _ = compose_points(Query.of("远航公司有哪些改革举措？"), _verdict(pairs))
    assert plan not in done and "弹性工作制" in done and "季度奖金" in done
    ahead, _ = compose_points(Query.of("远航公司接下来有哪些举措？"), _verdict(pairs))
    assert plan in ahead
    # Asked in Traditional characters, a question about plans is one still, and a plan
    # written in them is one.
    ahead, _ = compose_points(Query.of("遠航公司接下來有哪些舉措？"), _verdict(pairs))
    assert plan in ahead
    written = [(1, "接下來，公司將繼續擴建蘇州工廠。", 0.9), *pairs[1:]]
    done, _ = compose_points(Query.of("遠航公司有哪些改革舉措？"), _verdict(written))
    assert "蘇州工廠" not in done and "弹性工作制" in done


def test_an_english_sentence_or_the_yes_to_a_yes_no_question_is_not_taken_for_a_restatement():
    english = "It offers free office space to young entrepreneurs."
    question = "What measures did the zone introduce to support young entrepreneurs from abroad?"
    verdict = _verdict([(1, english, 0.9)])
    assert compose(Query.of(question), verdict)[0] == english + "[1]"
    yes = "前海设立了国际仲裁院。"
    assert (
        compose(Query.of("前海是否设立了国际仲裁院？"), _verdict([(1, yes, 0.9)]))[0] == yes + "[1]"
    )
    assert compose(Query.of("前海设立了国际仲裁院在哪里？"), _verdict([(1, yes, 0.9)]))[0] == ""
    traditional = compose(Query.of("前海設立了國際仲裁院嗎？"), _verdict([(1, yes, 0.9)]))
    assert traditional[0] == yes + "[1]"


def test_plans_are_listed_when_nothing_else_answers_a_broad_question():
    pairs = [(1, "下一步，公司将扩建苏州工厂。", 0.9), (2, "今后公司将开拓东南亚市场。", 0.8)]
    text, quotes = compose_points(Query.of("远航公司有哪些改革举措？"), _verdict(pairs))
    assert len(quotes) == 2 and "苏州工厂" in text


def test_an_english_question_is_pinned_by_the_places_of_its_chinese_rendering():
    used = {"中山": 2, "得分": 3, "广东": 5, "珠海": 4}.get
    hit = _hit("广东发布2022年数字政府评估结果，珠海市综合得分为95.1分。")
    asked = {}
    for question in ("What score did Zhongshan get in Guangdong?", "What score did Zhuhai get?"):
        q = Query.of(question, frequency=lambda w: used(w, 0))
        asked[question] = candidates(q, [hit])[0].features
    # Zhongshan (中山) is not the place the sentence scores; Zhuhai (珠海) is.
    zhongshan, zhuhai = asked.values()
    assert zhongshan["pins_missing"] == 0.5 and zhuhai["pins_missing"] == 0.0


def test_a_yes_no_follow_up_may_be_answered_by_a_sentence_that_restates_its_conversation():
    from rag.answer import _ranked

    said = "珠海市自2019年起设有覆盖全市的12345政务服务热线。"
    hit = Hit(
        Chunk("a#0", "a", "政务服务", said + "热线平均办理时长为2.96天。", 1, 1), 1.0, "lexical"
    )
    cands = candidates(Query.of("珠海的政务热线怎么样？"), [hit])
    chances = [0.9 if c.sentence == said else 0.2 for c in cands]
    verdict = Verdict(cands, np.array(chances), 0.9, True)
    # An English follow-up read with the Chinese question before it: its text is both,
    # and whether it is answered yes or no is read from its own words.
    before = "珠海市自2019年起设有覆盖全市的12345政务服务热线吗？"

    def follow_up(own: str) -> Query:
        return replace(Query.of(own), text=f"{before} {own}", own_text=own)

    kept = [c.sentence for _, c in _ranked(verdict, follow_up("Is it still open?"))]
    assert kept[0] == said
    # A follow-up that is not answered yes or no is not answered by restating the question
    # before it.
    asked = follow_up("How long does it take?")
    assert said not in [c.sentence for _, c in _ranked(verdict, asked)]


def test_a_line_that_introduces_a_list_is_quoted_with_the_items_under_it(tmp_path):
    from tests.conftest import titled_library

    engine = titled_library(
        tmp_path,
        [
            (
                "星河产业园",
                "星河产业园位于金湾区，2021年开园，园区共有入驻企业136家，从业人员约一万二千人。\n"
                "园区以产业链招商为主线，重点培育三大主导产业：\n"
                "- 集成电路设计\n"
                "- 生物医药\n"
                "- 新能源材料\n"
                "园区管委会设在金湾区，负责园区的规划建设和日常管理工作，并为入驻企业提供服务。",
            ),
            ("大熊猫", "大熊猫是中国特有的熊科动物，主要以竹子为食，生活在四川和陕西的山林。"),
        ],
    )
    listed = engine.ask("星河产业园的主导产业有哪些？", mode="lexical")
    assert "三大主导产业：" in listed.text, listed.text
    assert all(item in listed.text for item in ("集成电路设计", "生物医药", "新能源材料"))
    # What follows the list is no item of it.
    assert "管委会" not in listed.text, listed.text


def test_a_sentence_that_announces_a_list_is_read_to_its_end():
    # A colon announces the list and a semicolon ends only its first item: the sentence
    # is one candidate to its full stop. Semicolons with no colon before them still part
    # sentences.
    split = "2012年，星河食品公司拆分成两家公司：一家名为星河烘焙，主营面包；另一家名为星河咖啡，主营饮料。此后股价上涨。"
    said = [
        c.sentence for c in candidates(Query.of("星河食品公司拆分成哪两家公司？"), [_hit(split)])
    ]
    assert said[0] == split.removesuffix("此后股价上涨。"), said
    # A time or a score is no colon that announces; nor does a list run over a line break.
    for text in (
        "会议于上午10:30在市政府礼堂召开；议程共有两项；先讨论预算。",
        "主队在第二节比赛中凭借两次快攻以3:1取得领先；客队有两名主力球员受伤离场。",
        "园区的发展目标包括以下两项：产业规模持续扩大；\n创新能力明显增强。",
    ):
        said = [c.sentence for c in candidates(Query.of("会议议程是什么？"), [_hit(text)])]
        assert said[0].startswith(text[: text.index("；") + 1]), said
        assert text.split("；")[-1].strip() not in said[0], said
    plain = "大熊猫在野外主要以高山上生长的各种竹子为食；它们偶尔也吃竹鼠等小型动物。"
    said = [c.sentence for c in candidates(Query.of("大熊猫吃什么？"), [_hit(plain)])]
    assert said[0] == "大熊猫在野外主要以高山上生长的各种竹子为食；", said
