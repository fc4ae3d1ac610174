from rag.glossary import translate
from rag.query import Query


def test_english_policy_phrases_get_chinese_terms_longest_first():
    groups = translate("How many foreign-invested enterprises are in the Greater Bay Area?")
    assert ("外资企业",) in groups
    assert ("大湾区", "粤港澳大湾区") in groups


def test_plurals_match_singular_entries():
    assert ("仲裁员",) in translate("the arbitrators")


def test_chinese_questions_get_no_translations_and_english_ones_search_chinese_tokens():
    assert Query.of("广州经开区的上市企业").translations == []
    tokens = Query.of("Hong Kong smart regulation").tokens
    assert "香港" in tokens
