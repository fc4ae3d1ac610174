"""Follow-up questions are completed from the conversation; others are left alone."""

import pytest

from rag.followup import subject, understand

PREVIOUS = ["广州开发区有多少家外资企业？"]


@pytest.mark.parametrize(
    ("question", "meant"),
    [
        ("那深圳呢？", "深圳有多少家外资企业？"),
        ("其中黄埔区的呢？", "黄埔区有多少家外资企业？"),
        ("它的投资额是多少？", "广州开发区的投资额是多少？"),
        ("该区有多少家上市企业？", "广州开发区有多少家上市企业？"),
        ("那上市企业呢？", "广州开发区的上市企业有多少？"),
    ],
)
def test_elliptical_questions_are_completed_from_the_previous_one(question, meant):
    assert understand(question, PREVIOUS) == meant


@pytest.mark.parametrize(
    "question",
    [
        "深圳有多少家外资企业？",
        "前海有多少名香港律师在那里执业？",  # 那里 is 前海, named in the question
        "很多公司共用一个注册地址，南沙是怎么对它们进行监管的？",
        "广州开发区有多少家上市企业呢？",  # ends in 呢 but asks in full
        "其他城市呢",  # 其他 is no pronoun; nothing to complete it with either
        "How many listed companies are there?",
    ],
)
def test_questions_that_stand_on_their_own_are_left_exactly_as_they_are(question):
    if question == "其他城市呢":
        assert understand(question, []) == question
        return
    assert understand(question, PREVIOUS) == question


def test_the_conversation_is_followed_turn_by_turn_and_english_too():
    turns = ["广州开发区有多少家外资企业？", "那深圳呢？"]
    assert understand("它的投资额是多少？", turns) == "深圳的投资额是多少？"
    english = ["How many listed companies are there in Guangzhou?"]
    assert understand("And Shenzhen?", english) == (
        "How many listed companies are there in Shenzhen?"
    )
    assert understand("What about its tax revenue?", english) == (
        "What about Guangzhou tax revenue?"
    )


def test_subject_is_the_named_thing_not_its_attribute():
    assert subject("深圳地方征信平台服务企业融资超过多少？") == "深圳地方征信平台"
    assert subject("广州经开区的地区生产总值有多少？") == "广州经开区"
    assert subject("“深i企”平台接入了多少个政府工作部门？") == "“深i企”平台"


def test_a_question_names_its_own_subject_unless_a_pronoun_stands_for_it():
    from rag.followup import names_own_subject

    assert not names_own_subject("该公司有多少员工？") and names_own_subject("孙中山生于哪里？")


def test_it_stands_for_the_quoted_name_the_subject_owns_and_this_district_for_the_owner():
    previous = ["白鹭区的“绿芽计划”是哪一年推出的？"]
    assert understand("它一共资助了多少家企业？", previous) == (
        "白鹭区的“绿芽计划”一共资助了多少家企业？"
    )
    assert understand("该区有多少家企业？", previous) == "白鹭区有多少家企业？"
    assert understand("那黑石区呢？", previous) == "黑石区的“绿芽计划”是哪一年推出的？"


def test_a_thing_with_its_owner_takes_the_place_of_the_thing_asked_about_with_its_owner():
    previous = ["东湖区的白鹭公园是哪一年开放的？"]
    assert understand("那西湖区的樱花园呢？", previous) == "西湖区的樱花园是哪一年开放的？"
    assert understand("那西湖区呢？", previous) == "西湖区的白鹭公园是哪一年开放的？"


def test_pronouns_that_name_a_place_stand_for_any_place_and_are_found_in_traditional():
    from rag.followup import understand

    assert understand("该市有多少律师？", ["深圳有多少家外资企业？"]) == "深圳有多少律师？"
    assert understand("这个地方有多少律师？", ["南沙有多少家外资企业？"]) == "南沙有多少律师？"
    assert understand("该区有多少律师？", ["深i企平台有哪些功能？"]) == "该区有多少律师？"
    history = ["《清溪河保护条例》禁止哪些行为？"]
    assert understand("該條例是哪年施行的？", history) == "《清溪河保护条例》是哪年施行的？"


def test_a_follow_up_that_only_names_another_place_asks_it_the_same():
    from rag.followup import understand

    asked = ["广州开发区有多少家外资企业？"]
    assert understand("深圳又是多少？", asked) == "深圳有多少家外资企业？"
    assert understand("龍華區有沒有類似的？", asked) == "龙华区有多少家外资企业？"
    assert understand("横琴的数字呢，多少家？", asked) == "横琴有多少家外资企业？"
    # Asking something of its own, it is a question of its own.
    for own in ("深圳有多少名律师？", "深圳是什么？", "前海在哪里？"):
        assert understand(own, asked) == own
    # Kinds of bodies and things are no place (上市公司, 澳门企业, 上市).
    for kind in ("上市公司又有多少？", "澳门企业又有多少？", "上市的呢，有几家？"):
        assert understand(kind, asked) == kind


def test_a_place_named_bare_takes_the_place_of_the_place_alone_keeping_the_time_and_the_thing():
    # Tourism, not policy: the time and what is counted stay.
    assert (
        understand("那澳门呢？", ["珠海2023年接待游客多少人次？"]) == "澳门2023年接待游客多少人次？"
    )
    # Asked in Traditional characters, the place is found in its Simplified form.
    assert (
        understand("那東莞呢？", ["廣州2023年接待遊客多少人次？"]) == "东莞2023年接待遊客多少人次？"
    )
    asked = ["东莞12345营商环境专线2023年上半年的企业满意度是多少？"]
    assert (
        understand("珠海那边呢？", asked) == "珠海12345营商环境专线2023年上半年的企业满意度是多少？"
    )
    # A body, not a place, takes the place of the whole subject; a place that heads a
    # name of its own (广州开发区) is replaced whole.
    assert understand("深圳国际仲裁院呢？", asked).startswith("深圳国际仲裁院2023年上半年")
    assert understand("那深圳呢？", ["广州开发区2018年有多少家外资企业？"]).startswith("深圳2018年")
    # A place with its scope (全省, 整个) is a place named bare, the scope kept.
    tourism = ["珠海2023年接待游客多少人次？"]
    assert understand("廣東全省呢？", tourism) == "广东全省2023年接待游客多少人次？"
    assert understand("放到整个澳门呢？", tourism) == "整个澳门2023年接待游客多少人次？"


def test_what_the_subject_belongs_to_takes_the_place_of_the_whole_subject():
    # A company, not policy: the whole of which the subject is a part replaces it all.
    staff = ["星河集团深圳分公司有多少名员工？"]
    assert understand("那整个星河集团呢？", staff) == "整个星河集团有多少名员工？"
    # A scope with no place or body in it replaces nothing.
    assert understand("整个呢？", staff) != "整个有多少名员工？"
    # What stands in brackets is part of the subject; 看 closes the switch as 那边 does.
    visits = ["广州开发区（黄埔区）累计接待游客多少人次？"]
    assert understand("放到广州全市看呢？", visits) == "广州全市累计接待游客多少人次？"
    # Read in Simplified: 現在 is "now", no predicate that ends the subject early.
    assert understand("整個澳門呢？", ["氹仔舊城區現在每年接待多少遊客？"]) == (
        "整个澳门現在每年接待多少遊客？"
    )


def test_a_place_named_bare_takes_the_place_of_the_one_place_named_after_the_thing():
    asked = ["免申即享事项在龙华区一共有多少项？"]
    assert understand("黄埔呢？", asked) == "免申即享事项在黄埔一共有多少项？"
    asked = ["12345热线处理企业诉求的满意度，东莞能到多少？"]
    assert understand("珠海呢？", asked) == "12345热线处理企业诉求的满意度，珠海能到多少？"
    # A place is a word of its own: 深圳 of 深圳市场监管局 is no 深圳市, and an ending named
    # in the follow-up is not written twice.
    asked = ["免申即享事项在深圳市场监管局有多少项？"]
    assert understand("那东莞呢？", asked) == "免申即享事项在东莞市场监管局有多少项？"
    assert understand("那深圳市呢？", ["广州市2023年GDP是多少？"]) == "深圳市2023年GDP是多少？"


def test_an_opening_then_is_no_part_of_the_subject_a_follow_up_names():
    from rag.followup import names_own_subject

    # jieba reads 那港企 as a place 那港: the question would stand alone, read without
    # the conversation it continues. 那坡县 is a county's name.
    assert not names_own_subject("那港企那边贷款拿了多少？")
    assert names_own_subject("那港企在前海贷款拿了多少？")
    assert names_own_subject("那坡县有多少家企业？")


def test_a_thing_asked_the_same_of_takes_the_place_of_the_one_of_its_kind():
    # A platform for a platform, a zone for a zone, a document for a document: not the
    # owner or the country before it.
    assert understand("深圳地方征信平台呢？", ["广州的“信易贷”平台累计促成了多少融资放款？"]) == (
        "深圳地方征信平台累计促成了多少融资放款？"
    )
    assert understand(
        "国家高新区又有多少家？", ["我国的国家级经济技术开发区现在一共有多少家？"]
    ) == ("国家高新区现在一共有多少家？")
    assert understand("经济日报那篇呢？", ["《动物园年报》里提到多少只熊猫？"]) == (
        "经济日报那篇里提到多少只熊猫？"
    )


def test_the_that_of_that_article_stays_with_what_it_names():
    # 那篇 is "that article": its 那 is not the "then" a follow-up may open with.
    previous = ["《动物园年报》里提到多少只熊猫？"]
    assert understand("那篇海洋馆的报道呢？", previous) == "那篇海洋馆的报道里提到多少只熊猫？"
