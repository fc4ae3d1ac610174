"""The Gradio app, launched for real: its API through gradio_client, its page in Chromium."""

import contextlib
import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT, SEEDS, launch_app

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with launch_app(tmp_path_factory.mktemp("app-index"), SEEDS) as (url, log):
        yield url
    assert "semantic search: off" in log.read_text()


def test_api_answers_with_citations(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    row = client.predict("深圳国际仲裁院有多少名仲裁员？", api_name="/ask")
    assert not row["abstained"] and "[1]" in row["answer"]
    p = row["passages"][0]
    assert set(p) == {"text", "source", "title", "lines", "score"}
    assert "1547名仲裁员" in p["text"] and p["source"].endswith(".txt")


def test_api_abstains_on_unanswerable_and_reports_empty(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    row = client.predict("北京冬奥会的吉祥物叫什么名字？", "lexical", 3, api_name="/ask")
    assert row["abstained"] and row["answer"].startswith("未在资料中找到答案")
    assert 1 <= len(row["passages"]) <= 3
    assert client.predict("  ", api_name="/ask")["error"].startswith("the question is empty")
    long = client.predict("问" * 2_001, api_name="/ask")
    assert long["error"].startswith("问题过长：共 2001 个字符") and long["passages"] == []


def _browser(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


@contextlib.contextmanager
def _page(url: str):
    """A Chromium page on the app, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page()
            page.goto(url)
            yield page
        finally:
            browser.close()


def _foreign(requests: list[str]) -> list[str]:
    return [
        u
        for u in requests
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
        and urlparse(u).hostname != "127.0.0.1"
    ]


def _ask(page, question: str):
    """Ask in the chat and wait for this question's own answer to be complete."""
    answers = page.locator("#chat details.sources")
    before = answers.count()
    page.fill("#question textarea", question)
    page.click("#send")
    answers.nth(before).wait_for(timeout=30_000)


def _passages(page) -> str:
    """The passage count the page's status line gives (``253 个段落``)."""
    return page.locator("#status").inner_text().split("共 ")[-1].strip()


def _upload(page, files, expect: str = "已加入资料库", timeout: int = 60_000):
    """Add ``files`` through the upload panel; wait until its status shows ``expect``."""
    page.get_by_text("添加文档").click()
    page.set_input_files("#upload input[type=file]", [str(f) for f in files])
    page.wait_for_timeout(1000)
    page.click("#add")
    page.locator("#upload-status").get_by_text(expect).wait_for(timeout=timeout)


@pytest.mark.browser
def test_browser_question_answer_sources_and_no_foreign_requests(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    requests = []
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1100, "height": 1000}, locale="zh-CN")
        page.on("request", lambda r: requests.append(r.url))
        page.goto(app_url)
        page.locator("#question textarea").wait_for()
        page.locator("#k input[type=number]").fill("2")
        page.locator("#k input[type=number]").press("Enter")
        _ask(page, "香港在全球营商环境中排名第几？")
        chat = page.locator("#chat")
        assert "[1]" in chat.inner_text() and "排名第3位" in chat.inner_text()
        page.locator("#chat details.sources summary").last.click()
        source = page.locator("#chat details.sources .source").first
        source.wait_for()
        assert "2023粤港澳大湾区民营经济发展环境创新案例" in source.inner_text()
        assert "香港在全球营商环境排名第3位" in source.inner_text()
        assert page.locator("#chat details.sources mark").count() >= 1
        # Show the question, the answer and the first sources rather than the list's end.
        assert page.locator("#chat details.sources .source").count() == 2
        shot = tmp_path / "screenshot.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        if os.environ.get("RAG_SCREENSHOT"):
            shutil.copy(shot, os.environ["RAG_SCREENSHOT"])
        browser.close()
    assert requests and not _foreign(requests), _foreign(requests)


@pytest.mark.browser
def test_browser_injected_document_shows_literally_and_fetches_nothing(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    evil = tmp_path / "注入测试.txt"
    evil.write_text(
        "恶意文档测试段落：珊瑚礁保护计划 <img src=x onerror=alert(1)> 以及 "
        "![](http://example.invalid/x.png) 均应原样显示。\n",
        encoding="utf-8",
    )
    requests, dialogs = [], []
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(app_url)
        _upload(page, [evil], timeout=30_000)
        # What was chosen is in the library now: the picker is empty again.
        page.wait_for_function(
            "() => !document.querySelector('#upload').textContent.includes('注入测试.txt')"
        )
        _ask(page, "珊瑚礁保护计划的恶意文档测试段落")
        page.locator("#chat details.sources summary").last.click()
        text = page.locator("#chat details.sources").last.inner_text()
        assert "<img src=x onerror=alert(1)>" in text
        assert "![](http://example.invalid/x.png)" in text
        assert page.locator("#chat img[src='x']").count() == 0
        page.wait_for_timeout(500)
        browser.close()
    assert not dialogs
    assert not _foreign(requests), _foreign(requests)


@pytest.mark.browser
def test_browser_upload_rejections_are_explained(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    bad = tmp_path / "fake.pdf"
    bad.write_bytes(b"PK\x03\x04 not really a pdf")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page()
        page.goto(app_url)
        _upload(page, [bad, empty], expect="不是有效的 PDF", timeout=30_000)
        status = page.locator("#upload-status")
        text = status.inner_text()
        assert (
            "未加入 fake.pdf：不是有效的 PDF 文件" in text and "未加入 empty.txt：文件为空" in text
        )
        assert "❌" not in text and "not a PDF" not in text
        red = status.locator(".upload-failed").first.evaluate("e => getComputedStyle(e).color")
        assert red == "rgb(185, 28, 28)"
        browser.close()


@pytest.mark.browser
def test_browser_a_long_paste_is_kept_whole_counted_and_refused(app_url):
    long = "背景资料。" * 500 + "深圳国际仲裁院有多少名仲裁员？"
    with _page(app_url) as page:
        box = page.locator("#question textarea")
        box.fill(long)
        page.locator("#question-length .over").wait_for(timeout=10_000)
        assert f"{len(long)} / 2000" in page.locator("#question-length").inner_text()
        page.click("#send")
        page.locator("#chat .message").last.get_by_text("问题过长").wait_for(timeout=30_000)
        assert box.input_value() == long


@pytest.mark.browser
def test_browser_a_broad_answer_lists_its_points_laid_out_alike(app_url):
    with _page(app_url) as page:
        _ask(page, "广州开发区在营商环境方面有哪些改革？")
        points = page.locator("#chat .message").last.locator("ol.points > li")
        # One list item a point (the old layout put points 2… inside the first item).
        assert points.count() >= 2
        boxes = [points.nth(i).bounding_box() for i in range(points.count())]
        assert len({round(b["x"]) for b in boxes}) == 1, boxes
        assert len({round(b["width"]) for b in boxes}) == 1, boxes
        texts = points.all_inner_texts()
        assert all(t.rstrip().endswith("]") and "<br>" not in t for t in texts), texts
        assert not any(t.lstrip()[:2] in {f"{n}." for n in range(1, 10)} for t in texts), texts
        # Whole sentences, never a piece of one cut with an ellipsis.
        assert not any(t.rstrip().rsplit("[", 1)[0].endswith("…") for t in texts), texts


def test_browser_overlapping_sources_are_one_entry_and_no_raw_score_is_shown(app_url):
    import re

    with _page(app_url) as page:
        _ask(page, "广州开发区在营商环境方面有哪些改革？")
        message = page.locator("#chat .message").last
        message.locator("details.sources summary").click()
        entries = message.locator("details.sources .source").all_inner_texts()
        spans = []
        for text in entries:
            file = re.search(r"seeds/\S+\.txt", text).group()
            first, last = (int(x) for x in re.search(r"第 (\d+)–(\d+) 行", text).groups())
            spans.append((file, first, last))
        # No two entries share lines of one file; a passage quoted twice is one entry.
        for i, (f, a, b) in enumerate(spans):
            assert not any(g == f and a <= d and c <= b for g, c, d in spans[i + 1 :]), spans
        assert any("][" in text.split("\n")[0] for text in entries), entries
        body = message.inner_text()
        assert re.search(r"把握：[高中低]", body) and "score" not in body


def test_app_module_sets_offline_flags_before_importing_gradio():
    source = Path(ROOT / "app.py").read_text(encoding="utf-8")
    assert source.index('GRADIO_ANALYTICS_ENABLED"] = "False"') < source.index("import gradio")
    assert "share=False" in source and "GoogleFont" not in source


def test_status_line_names_the_model_or_says_why_semantic_search_is_off():
    from types import SimpleNamespace

    from app import status_line

    def library(semantic, name, notices=(), vectors=None):
        embedder = SimpleNamespace(name=name) if name else None
        passages = SimpleNamespace(passage_count=lambda: 3)
        engine = SimpleNamespace(semantic=semantic, embedder=embedder, store=passages)
        return SimpleNamespace(engine=engine, notices=notices, vectors=vectors)

    on = status_line(library(True, "e5-small-q4"))
    assert on.startswith("语义检索已开启（e5-small-q4）") and "3 个段落" in on
    off = status_line(library(False, None, ("semantic search off: <b>no engine</b>",)))
    assert off.startswith("注意：语义检索未开启") and "<b>" not in off and "no engine" in off
    # Words, not an emoji: where no emoji font is installed, every emoji is the same box.
    assert "⚠" not in off
    # The first start: answering by keyword while the vectors are made, and how far.
    making = status_line(library(False, None, vectors=(312, 910)))
    assert making == "正在计算语义向量 312/910，现在以关键词检索作答 · 共 3 个段落"
    failed = ("语义向量计算失败：<模型>损坏",)
    off = status_line(library(False, None, failed))
    assert "仅使用关键词检索（语义向量计算失败：&#60;模型&#62;损坏）" in off


def test_browser_removing_an_upload_in_the_library_means_it_is_never_cited_again(app_url, tmp_path):
    doc = tmp_path / "月球科研站.txt"
    doc.write_text("月球科研站共有九十九名驻站研究员，负责月壤样品分析。\n", encoding="utf-8")
    question = "月球科研站有多少名驻站研究员？"
    with _page(app_url) as page:
        _upload(page, [doc])
        _ask(page, question)
        assert "九十九名驻站研究员" in page.locator("#chat .message").last.inner_text()

        page.get_by_role("tab", name="资料库").click()
        table = page.locator("#docs")
        table.get_by_text("月球科研站").first.wait_for(timeout=30_000)
        assert "上传" in table.inner_text() and "内置" in table.inner_text()
        page.locator("#remove-which input").click()
        page.get_by_role("option", name="月球科研站").click()
        page.click("#remove")  # not confirmed yet: nothing happens but a hint
        page.locator("#library-status").get_by_text("确认删除").wait_for(timeout=30_000)
        page.locator("#remove-sure input").check()
        page.click("#remove")
        page.locator("#library-status").get_by_text("已删除").wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        assert "月球科研站" not in table.inner_text()

        page.get_by_role("tab", name="问答").click()
        _ask(page, question)
        last = page.locator("#chat .message").last.inner_text()
        assert "未在资料中找到答案" in last and "九十九名" not in last.split("最接近的段落")[0]


def test_browser_a_citation_opens_its_document_at_the_cited_lines(app_url):
    with _page(app_url) as page:
        _ask(page, "深圳国际仲裁院有多少名仲裁员？")
        page.locator("#cited input").click()
        option = page.get_by_role("option").first
        label = option.inner_text()
        assert label.startswith("[1]") and "seeds/" in label
        option.click()
        viewer = page.locator("#viewer .viewer")
        viewer.wait_for(timeout=30_000)
        first, last = (int(x) for x in label.split("第 ")[1].split(" 行")[0].split("–"))
        cited = page.locator("#viewer .line.cited")
        numbers = [int(n) for n in cited.evaluate_all("els => els.map(e => e.dataset.line)")]
        assert numbers == list(range(first, last + 1))
        assert "1547" in "".join(cited.all_inner_texts()).replace(" ", "")
        assert page.locator("#viewer .line").count() > len(numbers)  # context around it

        # A click on a 来源 entry in the answer opens that passage too.
        page.locator("#chat details.sources summary").last.click()
        entry = page.locator("#chat details.sources .source").nth(1)
        source = entry.locator("code").inner_text()
        first = entry.inner_text().split("第 ")[1].split("–")[0]
        head = entry.locator("b").inner_text()
        entry.click()
        page.locator(f'#viewer .line.cited[data-line="{first}"]').wait_for(timeout=30_000)
        assert source in page.locator("#viewer").inner_text()
        # The 来源 list says which passage the viewer shows.
        chosen = page.locator("#cited input")
        page.wait_for_function(
            "h => document.querySelector('#cited input').value.startsWith(h)", arg=head
        )
        assert source in chosen.input_value() and f"第 {first}–" in chosen.input_value()


def test_browser_the_answer_can_be_copied_as_markdown_with_its_citations(app_url):
    with _page(app_url) as page:
        _ask(page, "深圳国际仲裁院有多少名仲裁员？")
        page.get_by_text("复制为 Markdown").click()
        export = page.locator("#export")
        export.get_by_text("**答：**").wait_for(timeout=30_000)
        # The box is named for what it holds, not for the widget.
        assert export.get_by_text("Markdown", exact=True).count() == 1
        assert export.get_by_text("Code", exact=True).count() == 0
        text = export.inner_text()
        assert "**问：** 深圳国际仲裁院有多少名仲裁员？" in text and "1547" in text
        assert "[1] 《" in text and "seeds/" in text and "行" in text


def test_api_reads_a_follow_up_against_its_history_and_refuses_a_bad_one(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    first = "深圳国际仲裁院有多少名仲裁员？"
    row = client.predict("其境外仲裁员占比是多少？", "hybrid", 5, [first], api_name="/ask")
    assert row["understood_as"] == "深圳国际仲裁院境外仲裁员占比是多少？"
    assert "36.78%" in row["answer"]
    alone = client.predict(first, "hybrid", 5, [], api_name="/ask")
    assert alone["understood_as"] == first
    bad = client.predict(first, "hybrid", 5, [1, 2], api_name="/ask")
    assert bad["error"].startswith("history must be a list")


def test_browser_a_follow_up_shows_how_it_was_understood(app_url):
    with _page(app_url) as page:
        _ask(page, "深圳国际仲裁院的仲裁员覆盖多少个国家和地区？")
        assert "理解为" not in page.locator("#chat .message").last.inner_text()
        _ask(page, "其境外仲裁员占比是多少？")
        last = page.locator("#chat .message").last.inner_text()
        assert "按上文理解为：深圳国际仲裁院境外仲裁员占比是多少？" in last
        assert "36.78%" in last


def test_a_question_over_the_limit_is_not_answered_and_stays_in_the_box(tiny_seeds, tmp_path):
    from app import chat_turn
    from rag.service import Library
    from rag.settings import Settings

    library = Library(
        Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical"), say=lambda _: None
    )
    long = "背景资料。" * 1_000 + "前海法务区哪天启用？"
    *_, (chat, box, _citations, export, asked) = chat_turn(library, long, [], "lexical", 5, [])
    assert box == long and asked == []
    question, reply = chat
    assert question["content"].endswith(f"…（共 {len(long)} 个字符）")
    assert len(question["content"]) < 120
    assert reply["content"].startswith("问题过长：共 5010 个字符，上限为 2000 个字符")
    assert "未在资料中找到答案" not in reply["content"]
    # A question within the limit is answered and the box is cleared.
    *_, (chat, box, _citations, export, asked) = chat_turn(
        library, "前海法务区哪天启用？", chat, "lexical", 5, asked
    )
    assert box == "" and asked == ["前海法务区哪天启用？"] and len(chat) == 4


def test_while_the_library_opens_every_control_says_so_and_keeps_what_was_given(
    tiny_seeds, tmp_path
):
    from types import SimpleNamespace

    import gradio as gr

    from app import Page
    from rag.service import Library
    from rag.settings import Settings

    page = Page(None)
    question = "前海法务区哪天启用？"
    *_, (chat, box, _citations, _export, asked) = page.respond(question, [], "lexical", 5, [])
    assert box == question and asked == [] and "正在建立索引" in chat[-1]["content"]
    assert "正在建立索引" in page.ask(question)["error"]
    status, rows, _choices, _digest = page.refresh(None)
    assert "正在建立索引" in status and rows == []
    new = tmp_path / "新文件.txt"
    new.write_text("河套深港科技创新合作区首批重大科研项目揭榜挂帅。", encoding="utf-8")
    note, picker = page.upload([str(new)], SimpleNamespace(username=None))
    assert "正在建立索引" in note and picker == gr.update()  # the files stay chosen
    assert page.show("[1] 标题 · seeds/tiny.txt 第 1–2 行") == ""
    # Once the library is set, the same page answers.
    page.library = Library(
        Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical"), say=lambda _: None
    )
    assert page.opening() is None
    *_, (chat, box, *_rest) = page.respond(question, chat, "lexical", 5, [])
    assert box == "" and "正在建立索引" not in chat[-1]["content"]
    assert "error" not in page.ask(question)


def test_the_page_is_served_before_the_library_opens_and_answers_once_it_is(tmp_path):
    import subprocess
    import sys

    from gradio_client import Client

    from tests.conftest import _free_port

    index, opening = tmp_path / "index", tmp_path / "opening-gate"
    port, log_path = _free_port(), tmp_path / "app.log"
    command = [sys.executable, "-m", "tests.gated_app", str(tmp_path / "vectors-gate")]
    command += ["--seeds", str(SEEDS), "--index", str(index), "--mode", "lexical"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "OPENING_GATE": str(opening)},
        )
    try:

        def logged(text: str) -> None:
            deadline = time.time() + 120
            while text not in log_path.read_text():
                assert proc.poll() is None and time.time() < deadline, log_path.read_text()
                time.sleep(0.2)

        logged("the page is up at")
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        row = client.predict("深圳国际仲裁院有多少名仲裁员？", api_name="/ask")
        assert "正在建立索引" in row["error"] and "serving on http" not in log_path.read_text()
        opening.touch()
        logged("serving on http")
        row = client.predict("深圳国际仲裁院有多少名仲裁员？", api_name="/ask")
        assert "1547" in row["answer"] and "error" not in row
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "Traceback" not in log_path.read_text()


def test_upload_status_lines_say_success_or_why_not_without_emoji(tiny_seeds, tmp_path):
    from app import upload_files
    from rag.service import Library
    from rag.settings import Settings

    library = Library(
        Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical"), say=lambda _: None
    )
    new, fake = tmp_path / "新文件.txt", tmp_path / "fake.pdf"
    new.write_text("河套深港科技创新合作区首批重大科研项目揭榜挂帅。", encoding="utf-8")
    fake.write_bytes(b"PK\x03\x04 not a pdf")
    ok, failed, _status = upload_files(library, [str(new), str(fake)]).split("\n\n")
    assert ok == '<span class="upload-ok">成功</span> 新文件.txt：已加入资料库'
    assert failed == '<span class="upload-failed">未加入</span> fake.pdf：不是有效的 PDF 文件'


def test_a_fresh_page_shows_the_library_as_another_process_and_rag_docs_left_it(
    tiny_seeds, tmp_path
):
    from app import library_view
    from rag.cli import main
    from rag.service import Library
    from rag.settings import Settings

    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical")
    served = Library(settings, say=lambda _: None)  # the app's, started first
    status, rows, target, seen = library_view(served)
    assert "共 3 个段落" in status and len(rows) == 3 and target["choices"] == []
    # Nothing changed: a page that shows this is sent nothing.
    assert library_view(served, seen)[:3] == ({"__type__": "update"},) * 3

    # Another process adds a document to the same index.
    other = Library(settings, say=lambda _: None)
    [added] = other.add_files([("星河.txt", "星河产业园共有八十八家入驻企业。".encode())])
    assert added.ok
    status, rows, target, seen = library_view(served, seen)
    assert "共 4 个段落" in status
    assert rows[-1][:4] == ["星河", "uploads/星河.txt", "上传", 1]
    assert [value for _, value in target["choices"]] == ["uploads/星河.txt"]
    assert "八十八家" in served.ask("星河产业园有多少家入驻企业？", mode="lexical").text

    # `rag docs remove` from the command line, while the app runs.
    index_args = ["--seeds", str(tiny_seeds), "--index", str(tmp_path / "ix"), "--mode", "lexical"]
    assert main(["docs", "remove", "星河.txt", *index_args]) == 0
    status, rows, target, seen = library_view(served, seen)
    assert "共 3 个段落" in status and len(rows) == 3 and target["choices"] == []
    assert served.ask("星河产业园有多少家入驻企业？", mode="lexical").abstained

    # And `rag docs add`.
    doc = tmp_path / "月湾.txt"
    doc.write_text("月湾码头每年接待三百万名旅客。\n", encoding="utf-8")
    assert main(["docs", "add", str(doc), *index_args]) == 0
    status, rows, target, _ = library_view(served, seen)
    assert "共 4 个段落" in status and rows[-1][1] == "uploads/月湾.txt"
    assert [value for _, value in target["choices"]] == ["uploads/月湾.txt"]


@pytest.mark.browser
def test_browser_an_upload_in_one_page_is_listed_and_removable_in_another(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    doc = tmp_path / "跨页测试.txt"
    doc.write_text("跨页测试园区共有七十七家孵化企业。\n", encoding="utf-8")
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            first = browser.new_page()
            first.goto(app_url)
            first.locator("#status").get_by_text("共 ").wait_for(timeout=30_000)
            before = _passages(first)
            _upload(first, [doc])
            # The status line is refreshed after the upload's own message: wait for it.
            first.wait_for_function(
                "(before) => !document.querySelector('#status').textContent.trim().endsWith(before)",
                arg=before,
                timeout=30_000,
            )
            count = _passages(first)
            first.get_by_role("tab", name="资料库").click()
            first.locator("#docs").get_by_text("跨页测试").first.wait_for(timeout=30_000)

            second = browser.new_page()
            second.goto(app_url)
            second.locator("#status").get_by_text(f"共 {count}").wait_for(timeout=30_000)
            second.get_by_role("tab", name="资料库").click()
            second.locator("#docs").get_by_text("跨页测试").first.wait_for(timeout=30_000)
            second.locator("#remove-which input").click()
            second.get_by_role("option", name="跨页测试").click()
            second.locator("#remove-sure input").check()
            second.click("#remove")
            second.locator("#library-status").get_by_text("已删除").wait_for(timeout=60_000)

            # The first page catches up on its own (its timer), without a reload.
            first.wait_for_function(
                "() => !document.querySelector('#docs').textContent.includes('跨页测试')",
                timeout=30_000,
            )
            assert "内置" in first.locator("#docs").text_content()
        finally:
            browser.close()


# On a fresh clone the page must answer before the vectors are made: here the model makes
# none until the test opens its gate, so an app that built first would never answer. The
# goal is 10 s on an idle 2-core machine (importing gradio takes about half); the bound
# leaves room for a shared, loaded one (20-40 s seen at load averages of 5-11).
FIRST_ANSWER_SECONDS = 60


@pytest.mark.browser
def test_browser_a_fresh_start_answers_by_keyword_at_once_then_switches_to_hybrid(tmp_path):
    from gradio_client import Client

    question = "深圳国际仲裁院有多少名仲裁员？"
    index, gate = tmp_path / "index", tmp_path / "gate"
    index.mkdir()
    start = time.monotonic()
    hybrid = ("--mode", "hybrid")
    with launch_app(index, SEEDS, *hybrid, program=("-m", "tests.gated_app", str(gate))) as (
        url,
        log,
    ):
        with _page(url) as page:
            # No vectors yet (the model waits for the gate): keyword search answers.
            status = page.locator("#status")
            status.get_by_text("正在计算语义向量 0/").wait_for(timeout=30_000)
            _ask(page, question)
            answered = time.monotonic() - start
            assert "1547" in page.locator("#chat .message").last.inner_text()
            assert "现在以关键词检索作答" in status.inner_text()
            assert answered < FIRST_ANSWER_SECONDS, f"first answer after {answered:.1f} s"
            client = Client(url, verbose=False)
            assert client.predict(question, api_name="/ask")["mode"] == "lexical"

            gate.touch()  # the vectors are made now; the page switches without a reload
            status.get_by_text("语义检索已开启").wait_for(timeout=120_000)
            _ask(page, question)
            assert "1547" in page.locator("#chat .message").last.inner_text()
            row = client.predict(question, api_name="/ask")
            assert row["mode"] == "hybrid" and "1547" in row["answer"]
        print(f"first answer after {answered:.1f} s, hybrid after {time.monotonic() - start:.1f} s")
    text = log.read_text()
    assert "keyword search now" in text and "Traceback" not in text
