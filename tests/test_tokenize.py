from rag.tokenize import STOPWORDS, bigrams, normalize, tokenize, words


def test_traditional_question_matches_simplified_text():
    trad = set(tokenize("前海深港國際法務區是哪一天宣佈啟用的？"))
    simp = set(tokenize("前海深港国际法务区于2022年1月4日宣布启用"))
    assert {"前海", "国际", "法务", "宣布", "启用"} <= trad & simp


def test_nfkc_and_lower_case():
    assert normalize("ＲＣＥＰ２０２３") == "rcep2023"
    assert normalize("⽅") == "方"


def test_question_words_and_punctuation_are_dropped():
    toks = words("广州经开区的上市企业有多少家？")
    assert "多少" not in toks and "的" not in toks and "？" not in toks
    assert {"广州", "经开区", "上市", "企业"} <= set(toks)
    assert "什么" in STOPWORDS


def test_bigrams_bridge_different_segmentations():
    assert "开区" in bigrams("广州经开区") and "开发" in bigrams("经济技术开发区")
    assert set(bigrams("集群注册")) == {"集群", "群注", "注册"}


def test_odd_unicode_does_not_crash():
    for text in ["", "🙂🙂🙂", "\x00\x1f\u202e", "\ud800abc", "a" * 5000, "，。！？"]:
        assert isinstance(tokenize(text), list)


def test_the_bm25_pass_gives_bm25s_own_scores_bit_for_bit():
    import bm25s
    import numpy as np

    from rag.lexical import LexicalIndex, Tokens
    from rag.tokenize import tokenize

    texts = [
        "大熊猫是中国特有的熊科动物，主要以竹子为食。",
        "野生大熊猫生活在四川、陕西和甘肃的山林，竹子竹子竹子。",
        "",  # a passage with no tokens at all
        "星河游戏公司成立于2009年，总部设在杭州。公司共有员工860人。",
    ] * 3
    tokens = Tokens()
    for text in texts:
        tokens.add(tokenize(text))
    passages = tokens.passages()
    ours = LexicalIndex.of(passages)
    vocab = {t: i for i, t in enumerate(passages.vocab)}
    empty = vocab.setdefault("\x00", len(vocab))
    ids = [row.tolist() or [empty] for row in passages.rows()]
    theirs = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    theirs.index((ids, vocab), show_progress=False)
    for part in ("data", "indices", "indptr"):
        assert np.array_equal(ours._bm25.scores[part], theirs.scores[part]), part
    assert ours._bm25.vocab_dict == theirs.vocab_dict
    query = tokenize("大熊猫吃竹子吗")
    assert ours.search(query, 5) == LexicalIndex(theirs).search(query, 5)
    assert ours.df("竹子") == 2 * 3


def test_written_cantonese_is_read_in_mandarin_and_mandarin_is_left_alone():
    from rag.tokenize import mandarin

    assert mandarin("佢而家有幾多間分店？") == "它现在有多少間分店？"
    assert mandarin("呢份文件喺邊年出嘅？") == "这份文件在哪年出的？"
    assert mandarin("呢度點樣申請？佢係咪免費㗎？") == "这里怎样申請？它是不是免費？"
    for plain in (
        "如何重点解决中小企业融资难问题？",
        "试点样板工程在哪里？",
        "周边度假区有几多家酒店？",
        "因而家庭收入增加了多少？",
        "深港邊境一带的海边一公里内有什么？",
        "兩者的關係是什麼？",
        "該條例的係數是多少？",
    ):
        assert mandarin(plain) == plain


def test_question_words_of_many_kinds_are_no_content_in_either_script():
    from rag.query import Query

    for question, content in (
        ("《塞尔达传说》是哪家公司开发的？", {"公司", "开发"}),
        ("孙中山享年几岁？", {"享年"}),
        ("这只熊猫叫什么名字？", {"熊猫"}),
        ("主要任务有几条？", {"任务"}),
        ("主要任務有幾條？", {"任务"}),
        ("這隻熊貓叫什麼名字？", {"熊猫"}),
    ):
        terms = {t for t in Query.of(question).terms if isinstance(t, str)}
        assert not terms & {"哪家", "几岁", "名字", "几条", "叫"}, (question, terms)
        assert content <= terms, (question, terms)
