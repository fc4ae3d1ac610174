"""Lists in a conversation (rag.lists): the words that point into a list, and the lists a
text sets out."""

from rag.lists import items, ordinal


def test_an_ordinal_counts_into_a_list():
    assert ordinal("其中第二条具体是什么？") == 2 and ordinal("第二批名单有哪些企业？") is None


def test_an_ordinal_word_inside_a_name_counts_nothing():
    assert [ordinal(q) for q in ("第三方机构？", "第二产业占比？", "排名第一的是谁？")] == [
        None
    ] * 3


def test_enumerated_items_are_read_whole():
    assert items("（一）创新；（二）开放；（三）共享。") == [
        "（一）创新；",
        "（二）开放；",
        "（三）共享。",
    ]
