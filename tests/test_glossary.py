from rag.dictionary import english_words, look_up
from rag.glossary import read, translate
from rag.query import Query

# How many passages use a word, as a corpus about the Bay Area's firms might say.
CORPUS = {"商业银行": 3, "银行": 9, "外资企业": 4, "企业": 40, "公司": 12, "信用风险": 1}


def frequency(word: str) -> int:
    return CORPUS.get(word, 0)


def test_place_names_come_from_the_glossary_longest_first():
    groups = translate("How many firms are in the Greater Bay Area and in Hong Kong?")
    assert ("大湾区", "粤港澳大湾区") in groups
    assert ("香港",) in groups
    assert ("湾区", "大湾区") not in groups


def test_other_words_come_from_the_dictionary_limited_to_words_the_corpus_uses():
    groups = translate("How many commercial banks lend to companies?", frequency)
    # The longest phrase the dictionary has wins over its parts, and only used words stay.
    assert ("商业银行",) in groups
    assert ("银行",) not in groups
    assert ("企业", "公司") in groups  # most used first
    assert translate("How many commercial banks lend to companies?") == []


def test_a_hyphenated_word_missing_from_the_dictionary_is_looked_up_whole_or_in_parts():
    assert ("信用风险",) in translate("credit-risk pool", frequency)
    assert ("银行",) in translate("bank-lending", frequency)


def test_an_agent_noun_the_dictionary_lacks_is_made_from_its_field():
    used = {"仲裁员": 3, "仲裁": 9, "投资者": 2}.get
    assert look_up(english_words("arbitrators"), lambda w: used(w, 0)) == (1, ("仲裁员",))
    assert look_up(english_words("investors"), lambda w: used(w, 0)) == (1, ("投资者",))


def test_a_place_is_found_by_its_bare_name_where_the_word_means_nothing_else():
    used = {"华沙": 2, "莱茵河": 5, "黄色": 1, "黄河": 3}.get
    count = lambda w: used(w, 0)  # noqa: E731
    # CC-CEDICT glosses them "Warsaw, capital of Poland" and "Rhine River".
    assert look_up(english_words("Warsaw"), count) == (1, ("华沙",))
    assert look_up(english_words("Rhine"), count) == (1, ("莱茵河",))
    assert look_up(english_words("Rhine River"), count) == (2, ("莱茵河",))
    # "yellow" has a sense of its own: the Yellow River does not become one.
    assert look_up(english_words("yellow"), count) == (1, ("黄色",))


def test_plurals_and_possessives_meet_the_dictionary_form():
    assert english_words("Macao's cities’ banks") == ["macao", "city", "bank"]
    assert look_up(english_words("banks"), frequency) == (1, ("银行",))
    assert look_up(english_words("the banks"), frequency) == (0, ())


def test_an_inflected_or_derived_word_meets_the_gloss_of_its_base_form():
    used = {"宗教": 4, "宣布": 2, "哲学": 3}.get
    count = lambda w: used(w, 0)  # noqa: E731
    assert look_up(english_words("religious"), count) == (1, ("宗教",))
    assert look_up(english_words("declared"), count) == (1, ("宣布",))
    assert look_up(english_words("philosophical"), count) == (1, ("哲学",))
    # A word the corpus never uses in any form stays untranslated.
    assert look_up(english_words("religious"), lambda w: 0) == (0, ())


def test_chinese_questions_get_no_translations_and_english_ones_search_chinese_tokens():
    assert Query.of("广州经开区的上市企业").translations == []
    tokens = Query.of("Hong Kong smart regulation").tokens
    assert "香港" in tokens


def test_an_adjective_of_a_country_meets_the_country_s_name():
    used = {"南非": 3, "意大利": 2, "南方": 9, "传媒": 5, "媒介": 4}.get
    count = lambda w: used(w, 0)  # noqa: E731
    # "South African" has no entry of its own; "South Africa" has.
    assert look_up(english_words("South African schools"), count) == (2, ("南非",))
    assert look_up(english_words("Italian"), count) == (1, ("意大利",))
    # Only to a proper name: "median" is no adjective of "media".
    assert look_up(english_words("median"), count) == (0, ())


def test_a_name_the_corpus_writes_with_one_character_otherwise_meets_it_by_its_pairs():
    # The corpus writes Aristotle 亚里士多德; CC-CEDICT has 亚里斯多德.
    corpus = "亚里士多德认为运动需要推动者。"
    pairs = {corpus[i : i + 2] for i in range(len(corpus) - 1)}
    count = lambda w: 1 if w in pairs or w in {"运动"} else 0  # noqa: E731
    n, words = look_up(english_words("Aristotle"), count)
    assert n == 1 and set(words) == {"亚里", "多德"}
    # A name none of whose pairs the corpus uses stays untranslated.
    assert look_up(english_words("Aristotle"), lambda w: 0) == (0, ())


def test_the_slot_a_question_asks_for_is_not_translated_as_a_word_the_answer_holds():
    used = {"年度": 5, "推出": 3, "计划": 4}.get
    count = lambda w: used(w, 0)  # noqa: E731
    groups = translate("What year did they launch the plan?", count)
    assert ("年度",) not in groups and any("推出" in g for g in groups)
    # Elsewhere "year" is a word of the question like any other, and a phrase it opens
    # is looked up whole.
    assert ("年度",) in translate("How did the plan change over the year?", count)
    zone = lambda w: 1 if w == "时区" else 0  # noqa: E731
    assert translate("What time zone is it in?", zone) == [("时区",)]


def test_what_the_library_never_says_counts_against_an_english_question():
    # "wage" is in the dictionary (工资), "bank" is used by the corpus, "frobnicate" is
    # in neither: only the first is evidence of something the library lacks.
    unused = read("What wage do banks frobnicate?", frequency).unused
    assert len(unused) == 1 and "工资" in unused[0]
    assert read("What wage do banks pay?").unused == []  # no corpus, no verdict
    query = Query.of(
        "What wage do banks pay?", idf=lambda w: 2.0 if frequency(w) else 9.0, frequency=frequency
    )
    wage = next(group for group in query.terms if "工资" in group)
    assert query.terms[wage] == 9.0 and wage not in query.translations
    # The library's renderings still lead retrieval; the unused ones add no token.
    assert "银行" in query.tokens and "工资" not in query.tokens


def test_a_phrase_the_dictionary_defines_counts_once_and_the_asked_slot_not_at_all():
    unused = read("What was the daily wage in what year?", frequency).unused
    assert unused == [("日薪",)]


def test_a_word_the_library_writes_as_it_is_is_not_missing_and_a_phrase_is_not_an_asked_slot():
    question = "How many iPhones were sold?"
    assert read(question, lambda w: 0).unused == [("爱疯", "苹果手机")]
    assert read(question, lambda w: 2 if w == "iphone" else 0).unused == []
    # "what time zone": the phrase 时区, not the asked slot's word.
    unused = read("What time zone is it in?", frequency).unused
    assert any("时区" in group for group in unused)
