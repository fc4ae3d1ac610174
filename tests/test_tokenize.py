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
