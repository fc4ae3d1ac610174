from rag.glossary import expand, translate


def test_english_policy_phrases_get_chinese_terms_longest_first():
    groups = translate("How many foreign-invested enterprises are in the Greater Bay Area?")
    assert ("外资企业",) in groups
    assert ("大湾区", "粤港澳大湾区") in groups


def test_plurals_match_singular_entries():
    assert ("仲裁员",) in translate("the arbitrators")


def test_chinese_questions_are_left_alone():
    assert expand("广州经开区的上市企业") == "广州经开区的上市企业"
    assert "香港" in expand("Hong Kong smart regulation")
