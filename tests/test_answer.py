from dataclasses import replace

from rag.answer import MAX_ANSWER, NOT_FOUND, compose, should_abstain
from rag.chunk import sentences
from rag.query import Query, asks_number
from rag.records import Chunk, Hit


def _hit(text: str, n: int = 0) -> Hit:
    return Hit(Chunk(f"s#{n}", "seeds/s.txt", "标题", text, 1, 2), 1.0, "lexical")


def _query(question: str, terms: dict, bigrams: dict | None = None) -> Query:
    """The question's analysis with chosen term weights, as a corpus's IDF would give."""
    return replace(Query.of(question), terms=terms, bigrams=bigrams or {})


EV = _query("经开区有多少家上市企业？", {"经开区": 3.0, "上市": 4.0, "企业": 1.0}, {"上市": 4.0})


def test_answer_quotes_the_best_sentence_with_its_citation_marker():
    hits = [
        _hit("广州扩大开放。目前经开区上市企业达88家，居全国前列。", 0),
        _hit("经开区的企业服务很好。", 1),
    ]
    text, quotes = compose(EV, hits)
    assert text == "目前经开区上市企业达88家，居全国前列。[1]"
    assert quotes == ((1, "目前经开区上市企业达88家，居全国前列。"),)


def test_every_quoted_sentence_is_copied_from_its_passage():
    hits = [_hit("广州经开区上市企业达88家。另有科技企业两万家。", 0), _hit("经开区位于黄埔。", 1)]
    _, quotes = compose(EV, hits)
    for n, sentence in quotes:
        assert sentence in hits[n - 1].chunk.text


def test_long_sentences_are_clipped_to_the_answer_limit_around_the_match():
    filler = "，".join(["推动高质量发展"] * 60)
    hits = [_hit(f"{filler}，广州经开区上市企业达88家，{filler}。")]
    text, _ = compose(EV, hits)
    assert len(text) <= MAX_ANSWER and "上市企业达88家" in text


def test_number_questions_prefer_sentences_with_figures():
    hits = [_hit("经开区鼓励企业上市。经开区上市企业达88家。")]
    text, _ = compose(EV, hits)
    assert "88" in text


def test_a_date_is_not_the_count_a_question_asks_for():
    hits = [
        _hit("2024年10月，国家级经开区共有新的前进方向。", 0),
        _hit("目前，国家级经开区共有233家。", 1),
    ]
    text, _ = compose(Query.of("国家级经开区共有多少？"), hits)
    assert "233家" in text and "2024年" not in text
    # A question that asks for a date still gets one.
    text, _ = compose(Query.of("国家级经开区在多少年有新的前进方向？"), hits)
    assert "2024年10月" in text


def test_how_many_is_not_answered_by_a_sentence_without_a_figure():
    hits = [_hit("对于部分港资企业遇到的跨境融资难题，前海率先开展跨境征信试点。", 0)]
    assert compose(Query.of("前海有多少家港资企业？"), hits) == ("", ())
    assert compose(Query.of("How many Hong Kong firms are in Qianhai?"), hits) == ("", ())
    # A figure in Chinese numerals counts.
    hits = [_hit("前海已有九十九家港资企业落户，跨境融资更便利。", 0)]
    assert "九十九家" in compose(Query.of("前海有多少家港资企业？"), hits)[0]


def test_abstains_when_key_terms_are_missing():
    ev = _query("澳门的最低工资是多少？", {"澳门": 2.0, "最低工资": 8.0})
    assert should_abstain(ev, [_hit("澳门贸促局提供一站式服务。")])
    assert not should_abstain(EV, [_hit("广州经开区上市企业达88家。")])
    assert should_abstain(EV, [])
    assert "未在资料中找到答案" in NOT_FOUND


def test_sentence_split_keeps_closing_quotes():
    assert sentences("他说：“改革。”然后离开！") == ["他说：“改革。”", "然后离开！"]


def test_number_question_detection():
    assert asks_number("How many national high-tech zones are there in China?")
    assert not asks_number("深i企平台是什么时候上线的？")


def test_figure_in_the_next_sentence_completes_a_number_answer():
    ev = _query(
        "澳门贸促局的一站式服务有什么成效？",
        {"澳门": 2.0, "贸促局": 4.0, "一站式": 3.0, "服务": 1.0},
    )
    hits = [_hit("澳门贸促局提供投资者一站式服务。该项服务2023年首十月收到292个新投资计划。")]
    text, quotes = compose(ev, hits)
    assert "292个新投资计划" in text and text.startswith("澳门贸促局提供")
    assert quotes[0][1] in hits[0].chunk.text


def test_a_question_pinned_to_a_year_or_city_is_not_answered_about_others():
    hits = [_hit("2023年，广州经开区实现地区生产总值超4300亿元。", 0)]
    assert compose(Query.of("广州经开区2023年的地区生产总值是多少？"), hits)[0]
    assert compose(Query.of("广州经开区2024年的地区生产总值是多少？"), hits) == ("", ())
    assert compose(Query.of("中山市2023年的地区生产总值是多少？"), hits) == ("", ())


def test_what_is_its_x_is_answered_only_by_a_sentence_naming_x():
    hits = [
        _hit("2024年以来，广州经开区共签约引进35个外资项目，协议投资额约213亿元。", 0),
        _hit("广州经开区的整机国产化率达到60%。", 1),
    ]
    question = Query.of("广州经开区2024年的地区生产总值是多少？")
    assert question.focus == "生产总值"
    assert compose(question, hits[:1]) == ("", ())
    text, _ = compose(Query.of("广州经开区的整机国产化率是多少？"), hits)
    assert text == "广州经开区的整机国产化率达到60%。[2]"


def test_a_sentence_about_another_city_does_not_answer_for_the_one_asked_about():
    hits = [
        _hit(
            "香港位居全球营商环境领先前列，多项经验值得大湾区学习。澳门非博彩业占本地生产总值约六成。",
            0,
        )
    ]
    assert compose(Query.of("香港的本地生产总值是多少？"), hits) == ("", ())
    text, _ = compose(Query.of("澳门的本地生产总值是多少？"), hits)
    assert "约六成" in text


def test_places_count_in_the_compound_forms_the_documents_use():
    hits = [_hit("截至目前，已有74名港澳律师在前海执业。", 0)]
    text, _ = compose(Query.of("前海有多少名香港、澳门律师在那里执业？"), hits)
    assert "74名港澳律师" in text


def test_agreeing_retrievers_answer_a_question_asked_in_other_words():
    hit = _hit("广州开发区累计设立外资企业超5200家。")
    q = Query.of("广州开发区前后开了多少家外商投资的公司？")

    class Far:
        def closeness(self, chunk):
            return 0.0

    assert should_abstain(q, [hit], Far(), close=0.9)
    assert not should_abstain(q, [hit], Far(), close=0.9, agree=True)
    # Without a model there is no second opinion to agree with.
    assert should_abstain(q, [hit], None, close=0.9, agree=True)


def test_a_sentence_cut_by_the_splitter_loses_to_a_whole_one():
    cut = _hit("经开区上市企业达88家，居全国", 0)
    whole = _hit("经开区上市企业达88家。", 1)
    edges = {cut.chunk.id: (False, True)}
    text, quotes = compose(EV, [cut, whole], edges)
    assert quotes[0] == (2, "经开区上市企业达88家。")
    assert compose(EV, [cut, whole])[1][0][0] == 1  # without the edges, rank decides


def test_a_numbered_heading_ending_a_passage_loses_to_the_passage_that_goes_on():
    question = Query.of("广州开发区要培育的三大世界级产业集群是什么？")
    ending = _hit(
        "接下来广州开发区将加速推动产业集群质量变革、效率变革。二是培育三大世界级产业集群。", 0
    )
    going_on = _hit("二是培育三大世界级产业集群。广州开发区以建设新一代信息技术等三大集群为主。", 1)
    text, quotes = compose(question, [ending, going_on])
    assert quotes[0][0] == 2 and "新一代信息技术" in quotes[0][1]
    # In the middle of a passage the same heading is quoted with what follows it.
    text, quotes = compose(question, [going_on])
    assert quotes[0] == (1, going_on.chunk.text)


def test_a_broad_question_gets_distinct_points_from_different_passages():
    from rag.answer import asks_broad, compose_points

    q = Query.of("大湾区营商环境有哪些改革？")
    assert asks_broad(q.text) and not asks_broad("广州高新区计划加快建设哪些地铁线路？")
    hits = [
        _hit("大湾区推行商事登记确认制改革，企业开办一日办结。", 0),
        _hit("大湾区推行商事登记确认制改革，企业开办一天办结。", 1),  # says the same
        _hit("大湾区营商环境改革推动跨境数据有序流动。", 2),
        _hit("大湾区营商环境怎样才算好？", 3),  # a question is no point
        _hit("大湾区实施包容审慎监管改革，轻微违法免罚。", 4),
    ]
    text, quotes = compose_points(q, hits)
    assert [n for n, _ in quotes] == [1, 3, 5]
    assert text.splitlines()[0].startswith("1. ") and text.splitlines()[-1].endswith("[5]")
    assert len(text) <= MAX_ANSWER
    for n, sentence in quotes:
        assert sentence in hits[n - 1].chunk.text
