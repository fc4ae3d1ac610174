"""Who may change the library in the app: loopback open, off loopback read-only or
signed in (readers ask, editors also add and remove). See rag.users."""

import io
from types import SimpleNamespace

import pytest

from rag import users
from tests.conftest import TINY, launch_app


@pytest.fixture
def library(tiny_seeds, tmp_path):
    from rag.service import Library
    from rag.settings import Settings

    settings = Settings(seeds=tiny_seeds, index=tmp_path / "ix", mode="lexical")
    return Library(settings, say=lambda _: None)


def _elem_ids(demo) -> set[str]:
    return {b.elem_id for b in demo.blocks.values() if getattr(b, "elem_id", None)}


def _handler(demo, name: str):
    return next(f.fn for f in demo.fns.values() if f.name == name)


CONTROLS = {"upload", "add", "remove", "remove-which", "remove-sure"}


def test_read_only_page_has_no_upload_or_remove_controls_and_says_so(library):
    from app import Page, build_ui

    assert _elem_ids(build_ui(Page(library, users.OPEN))) >= CONTROLS
    demo = build_ui(Page(library, users.READ_ONLY))
    assert not CONTROLS & _elem_ids(demo) and "read-only" in _elem_ids(demo)
    assert {f.name for f in demo.fns.values()}.isdisjoint({"upload", "remove"})


def test_the_upload_handler_refuses_a_reader_and_changes_nothing(library, tmp_path):
    from app import NOT_ALLOWED, upload_files

    new = tmp_path / "新文件.txt"
    new.write_text("河套深港科技创新合作区首批重大科研项目揭榜挂帅。", encoding="utf-8")
    before = [d.source for d in library.documents()]
    refused = upload_files(library, [str(new)], users.may_edit(users.SIGN_IN, "reader"))
    assert refused == NOT_ALLOWED and "编辑者" in refused
    assert [d.source for d in library.documents()] == before


def test_signed_in_handlers_check_the_role_server_side(library, tmp_path):
    from app import NOT_ALLOWED, Page, build_ui

    path = tmp_path / "users.json"
    users.add(path, "li", "reader", "password-li")
    users.add(path, "wang", "editor", "password-wang")
    demo = build_ui(Page(library, users.SIGN_IN, users.SignIn(path)))
    new = tmp_path / "新文件.txt"
    new.write_text("河套深港科技创新合作区首批重大科研项目揭榜挂帅。", encoding="utf-8")
    upload, remove = _handler(demo, "upload"), _handler(demo, "remove")
    reader, editor = SimpleNamespace(username="li"), SimpleNamespace(username="wang")
    status, picker = upload([str(new)], reader)
    assert status == NOT_ALLOWED and picker is not None  # left as chosen, not cleared
    assert remove("uploads/新文件.txt", True, reader)[0] == NOT_ALLOWED
    status, picker = upload([str(new)], editor)
    assert "已加入资料库" in status and picker is None
    assert remove("uploads/新文件.txt", True, reader)[0] == NOT_ALLOWED
    assert "uploads/新文件.txt" in [d.source for d in library.documents()]
    assert remove("uploads/新文件.txt", True, editor)[0].startswith("已删除")


def _seeds(folder):
    """The tiny corpus in ``folder``, and an empty index folder beside it."""
    (folder.parent / "index").mkdir(exist_ok=True)
    folder.mkdir()
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_off_loopback_a_damaged_users_file_stops_the_app_with_one_line(tmp_path, capsys):
    from app import main

    seeds = _seeds(tmp_path / "seeds")
    bad = tmp_path / "users.json"
    bad.write_text('{"version": 1, "users": [{"name": "li"}]', encoding="utf-8")
    args = ["--seeds", str(seeds), "--index", str(tmp_path / "index"), "--mode", "lexical"]
    assert main([*args, "--host", "0.0.0.0", "--users", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: users file {bad} is damaged") and err.count("\n") == 1


def test_off_loopback_without_users_starts_read_only_and_says_so(tmp_path):
    from gradio_client import Client

    seeds = _seeds(tmp_path / "seeds")
    with launch_app(tmp_path / "index", seeds, "--host", "0.0.0.0") as (url, log):
        row = Client(url, verbose=False).predict("前海法务区哪天启用？", api_name="/ask")
        assert "2022年1月4日" in row["answer"]
        lines = [line for line in log.read_text().splitlines() if line.startswith("read-only:")]
        assert len(lines) == 1 and "rag users add" in lines[0]


def test_on_loopback_a_users_file_changes_nothing(tmp_path):
    from gradio_client import Client

    seeds = _seeds(tmp_path / "seeds")
    users.add(tmp_path / "index" / "users.json", "li", "reader", "password-li")
    with launch_app(tmp_path / "index", seeds) as (url, log):
        assert (
            "2022年1月4日" in Client(url, verbose=False).predict("前海法务区哪天启用？")["answer"]
        )
        assert "read-only" not in log.read_text() and "sign-in" not in log.read_text()


def test_off_loopback_with_users_the_ask_api_needs_credentials(tmp_path, monkeypatch):
    from gradio_client import Client

    seeds = _seeds(tmp_path / "seeds")
    path = tmp_path / "etc" / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("password-li\n"))
    from rag.cli import main

    assert main(["users", "add", "li", "--password-stdin", "--users", str(path)]) == 0
    with launch_app(tmp_path / "index", seeds, "--host", "0.0.0.0", "--users", str(path)) as (
        url,
        log,
    ):
        import httpx

        call = httpx.post(f"{url}gradio_api/call/ask", json={"data": ["前海法务区哪天启用？"]})
        assert call.status_code == 401
        assert httpx.get(f"{url}config").status_code == 401
        with pytest.raises(ValueError, match="Could not login"):
            Client(url, verbose=False, auth=("li", "password-LI"))
        client = Client(url, verbose=False, auth=("li", "password-li"))
        row = client.predict("前海法务区哪天启用？", api_name="/ask")
        assert "2022年1月4日" in row["answer"]
        assert f"sign-in required: 1 users in {path}" in log.read_text()


@pytest.mark.browser
def test_browser_a_reader_sees_no_upload_or_remove_controls_an_editor_does(tmp_path):
    from tests.test_app import _page

    seeds = _seeds(tmp_path / "seeds")
    path = tmp_path / "index" / "users.json"
    users.add(path, "li", "reader", "password-li")
    users.add(path, "wang", "editor", "password-wang")
    with launch_app(tmp_path / "index", seeds, "--host", "0.0.0.0") as (url, _log):
        for name, password, editor in (
            ("li", "password-li", False),
            ("wang", "password-wang", True),
        ):
            with _page(url) as page:
                page.get_by_text("请登录").wait_for(timeout=30_000)
                page.locator("input").nth(0).fill(name)
                page.locator("input[type=password]").fill(password)
                page.keyboard.press("Enter")
                page.locator("#signed-in").get_by_text(f"已登录：{name}").wait_for(timeout=30_000)
                assert ("编辑者" if editor else "读者") in page.locator("#signed-in").inner_text()
                assert page.get_by_text("添加文档").count() == int(editor)
                page.get_by_role("tab", name="资料库").click()
                page.locator("#docs").wait_for(timeout=30_000)
                assert page.locator("#remove").count() == int(editor)
                page.get_by_role("tab", name="问答").click()
                page.click("#sign-out")
                page.get_by_text("请登录").wait_for(timeout=30_000)
