from rag.records import Answer, Chunk, Hit
from rag.render import escape, message

EVIL = "<img src=x onerror=alert(1)> ![](http://example.invalid/x.png) [link](javascript:alert(1))"


def _answer(text: str, title: str = "标题") -> Answer:
    hit = Hit(Chunk("c#0", "index/uploads/e.txt", title, text, 3, 4), 0.9, "lexical")
    return Answer("问题", f"{text}[1]", False, (hit,), ((1, text),))


def test_escaped_text_has_no_html_or_markdown_syntax_left():
    out = escape(EVIL)
    for dangerous in ("<", ">", "![", "](", "[link]", "onerror="):
        assert dangerous not in out


def test_message_escapes_passages_titles_and_answer():
    html = message(_answer(EVIL, title="<script>alert(1)</script>"), k=5)
    assert "<img" not in html and "<script" not in html and "![" not in html
    assert "&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62;" in html
    assert "<details" in html and "来源" in html


def test_quoted_sentence_is_highlighted_and_lines_are_cited():
    html = message(_answer("香港在全球营商环境排名第3位。"), k=5)
    assert "<mark>香港在全球营商环境排名第3位。</mark>" in html
    assert "第 3–4 行" in html and "[1]" in html


def test_abstention_lists_nearest_passages():
    ans = _answer("澳门贸促局提供一站式服务。")
    ans = Answer("问题", "未在资料中找到答案。", True, ans.hits)
    html = message(ans, k=5)
    assert html.startswith("未在资料中找到答案") and "最接近的段落" in html


def test_the_viewer_escapes_document_text_and_marks_only_the_cited_lines():
    from rag.render import view_html
    from rag.service import View

    view = View(
        "uploads/x.txt", "<b>标题</b>", [(1, "前文"), (2, "<img src=x>引文"), (3, "后文")], 2, 2, 3
    )
    html = view_html(view)
    assert "<img" not in html and "<b>标题" not in html
    assert '<div class="line cited" data-line="2">' in html and html.count("<mark>") == 1
    assert "第 2–2 行（共 3 行）" in html


def test_markdown_export_lists_the_cited_sources_or_the_nearest_on_abstention():
    from rag.render import markdown_export

    hits = tuple(
        Hit(Chunk(f"s#{i}", f"seeds/{i}.txt", f"标题{i}", "正文。", i, i + 1), 1.0, "x")
        for i in (1, 2, 3)
    )
    quoted = Answer("问？", "正文。[2]", False, hits, ((2, "正文。"),))
    text = markdown_export(quoted)
    assert "[2] 《标题2》，seeds/2.txt，第 2–3 行" in text and "[1]" not in text
    declined = Answer("问？", "未在资料中找到答案。", True, hits)
    text = markdown_export(declined, k=2)
    assert "最接近的段落" in text and "[2] 《标题2》" in text and "[3]" not in text


def test_a_list_answer_is_rendered_one_list_item_a_point():
    from rag.render import answer_text

    hits = tuple(
        Hit(Chunk(f"s#{i}", "seeds/s.txt", "t", f"<b>第{i}点</b>。", 1, 1), 1.0, "x")
        for i in (1, 2)
    )
    quotes = ((1, "<b>第1点</b>。"), (2, "<b>第2点</b>。"))
    answer = Answer(
        "有哪些改革？",
        "1. <b>第1点</b>。[1]\n2. <b>第2点</b>。[2]",
        False,
        hits,
        quotes,
        listed=True,
    )
    html = answer_text(answer)
    # Each point its own item: no point is laid out as text inside another's item.
    assert html == (
        '<ol class="points"><li>&#60;b&#62;第1点&#60;/b&#62;。[1]</li>'
        "<li>&#60;b&#62;第2点&#60;/b&#62;。[2]</li></ol>"
    )


def test_the_message_says_quietly_how_sure_the_model_is():
    from dataclasses import replace

    html = message(replace(_answer("大熊猫主要吃竹子。"), confidence=0.874), k=5)
    assert '<small class="confidence">把握：高</small>' in html
    html = message(replace(_answer("大熊猫主要吃竹子。"), confidence=0.2), k=5)
    assert '<small class="confidence">把握：低</small>' in html
    assert "score" not in html and "0.9" not in html  # no raw scores


def test_passages_of_one_file_that_share_lines_are_one_source_with_both_markers():
    a = Chunk("s#0", "seeds/s.txt", "标题", "甲句。乙句。", 12, 12)
    b = Chunk("s#1", "seeds/s.txt", "标题", "乙句。丙句。", 12, 13)
    c = Chunk("t#0", "seeds/t.txt", "别的", "丁句。", 12, 12)
    hits = tuple(Hit(x, 1.0, "x") for x in (a, b, c))
    answer = Answer("问？", "甲句。[1]丙句。[2]", False, hits, ((1, "甲句。"), (2, "丙句。")))
    html = message(answer, k=5)
    assert html.count('<div class="source"') == 2 and "来源（2）" in html
    assert "[1][2] 标题" in html and "第 12–13 行" in html and "[3] 别的" in html
    # Both quotes are marked in the merged text, which holds the overlap once.
    assert "<mark>甲句。</mark>乙句。<mark>丙句。</mark>" in html


def test_a_long_question_is_echoed_shortened_with_its_length_and_escaped():
    from rag.render import ECHO, echo

    shown = echo("<b>" + "问" * 2_000)
    assert shown.startswith("&#60;b&#62;问") and shown.endswith("…（共 2003 个字符）")
    assert len(shown) < ECHO + 40 and "<b>" not in shown
    assert echo("深圳？") == "深圳？"


def test_the_question_box_counts_near_the_limit_and_warns_past_it():
    from rag.render import length_hint

    assert length_hint("深圳有多少家企业？") == ""
    assert "1999 / 2000" in length_hint("问" * 1_999) and 'class="length near"' in length_hint(
        "问" * 1_999
    )
    over = length_hint("问" * 5_000)
    assert 'class="length over"' in over and "5000 / 2000" in over and "3000" in over


def test_upload_status_says_success_or_why_not_in_words_and_colour_without_emoji():
    from rag.render import upload_status
    from rag.service import UploadResult

    out = upload_status(
        [
            UploadResult("河套.docx", True, "已加入资料库", "indexed"),
            UploadResult("<img src=x onerror=alert(1)>.pdf", False, "不是有效的 PDF 文件"),
        ]
    )
    ok, failed = out.split("\n\n")
    assert ok == '<span class="upload-ok">成功</span> 河套.docx：已加入资料库'
    assert failed.startswith('<span class="upload-failed">未加入</span> &#60;img')
    assert failed.endswith("：不是有效的 PDF 文件") and "<img" not in failed
    assert not any(c in out for c in "✅❌⚠") and "indexed" not in out


def test_export_escapes_a_hostile_file_name_for_markdown():
    from rag.render import markdown_export

    hit = Hit(
        Chunk("c#0", "uploads/[点我](http://x.invalid)![](y).docx", "*标题*", "正文。", 1, 1),
        1.0,
        "x",
    )
    out = markdown_export(Answer("问", "正文。[1]", False, (hit,), ((1, "正文。"),)))
    cite = out.splitlines()[-1]
    assert "](" not in cite and "![" not in cite and "*标题*" not in cite
    assert "\\[点我\\]\\(http://x.invalid\\)" in cite


def test_the_chat_shows_the_answer_as_composed():
    # Two sentences side by side are one quotation in the text's order, though the best
    # one (the second) is the first quote: the chat shows what `rag ask` prints.
    from rag.render import answer_text

    hit = Hit(Chunk("c#0", "seeds/a.txt", "丹顶鹤", "甲地有鹤。鹤去乙地越冬。", 1, 1), 0.9, "x")
    quotes = ((1, "鹤去乙地越冬。"), (1, "甲地有鹤。"))
    answer = Answer("鹤去哪里越冬？", "甲地有鹤。鹤去乙地越冬。[1]", False, (hit,), quotes)
    assert answer_text(answer) == "甲地有鹤。鹤去乙地越冬。[1]"
    # The quotes are escaped as before; only the markers are left as they are.
    evil = Answer("问题", f"{EVIL}[1]", False, (hit,), ((1, EVIL),))
    assert answer_text(evil) == f"{escape(EVIL)}[1]"
