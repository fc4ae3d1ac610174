"""大湾区政策问答 — the Gradio UI. It only draws; the work is done by ``rag``.

python app.py [--host 127.0.0.1] [--port 7860] [--mode hybrid|lexical] [--model M]
              [--users FILE]

Off loopback it asks who you are (see rag.users): readers ask, editors also add and
remove documents; without a users file it is read-only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time

# Offline means offline: these must be set before gradio (or huggingface_hub) is imported.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

# A fresh clone's keyword index is built in another process while gradio loads.
_AHEAD = None
if __name__ == "__main__":
    from rag.ahead import keywords_ahead

    _AHEAD = keywords_ahead(sys.argv[1:])

import gradio as gr  # noqa: E402

from rag import render, users  # noqa: E402
from rag.records import refusal  # noqa: E402
from rag.service import DocumentInfo, Library, NotViewable, read_upload  # noqa: E402
from rag.settings import (  # noqa: E402
    MAX_K,
    MODES,
    BadRequest,
    QuestionTooLong,
    Settings,
    listen_address,
)
from rag.upload import MAX_BYTES  # noqa: E402

EXAMPLES = [
    "广州经开区累计设立了多少家外资企业？",
    "前海深港國際法務區是哪一天宣佈啟用的？",
    "深圳国际仲裁院有多少名仲裁员？",
    "How many listed companies does the Guangzhou development zone have?",
]
CSS = """
.sources summary { cursor: pointer; font-weight: 600; }
.sources .passage { white-space: normal; border-left: 3px solid #c7d2fe; padding-left: .6em; }
.sources mark { background: #fde68a; }
.sources .source { cursor: pointer; }
#view-request { display: none; }
.viewer { max-height: 420px; overflow-y: auto; font-size: .92em; }
.viewer .line { white-space: pre-wrap; }
.viewer .ln { color: #9ca3af; display: inline-block; min-width: 3em; text-align: right; }
.viewer mark { background: #fde68a; }
#question-length .near { color: #b45309; }
#question-length .over { color: #b91c1c; font-weight: 600; }
#upload-status .upload-ok { color: #15803d; font-weight: 600; }
#upload-status .upload-failed { color: #b91c1c; font-weight: 600; }
"""
# A click on a 来源 entry asks the viewer for that passage: its name in the 来源 list,
# made of what the entry shows (the chat strips data attributes), goes into the hidden
# #view-request box, whose input event runs `open_clicked` on the server.
OPEN_SOURCE_JS = """
() => {
  document.addEventListener("click", (event) => {
    const entry = event.target.closest("#chat .sources .source");
    const box = document.querySelector("#view-request textarea");
    const head = entry?.querySelector("b")?.textContent;
    const file = entry?.querySelector("code")?.textContent;
    const lines = entry?.querySelector("p")?.textContent.match(/第 (\\d+)–(\\d+) 行/);
    if (!head || !file || !lines || !box) return;
    // The entry's name in the 来源 list (render.citation_label).
    box.value = `${head} · ${file} 第 ${lines[1]}–${lines[2]} 行`;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    // Scroll once the viewer shows this passage, not before (at most 10 s).
    const cited = `第 ${lines[1]}–${lines[2]} 行`;
    let tries = 0;
    const scroll = () => {
      const shown = document.querySelector("#viewer .viewer p")?.textContent || "";
      if (shown.includes(file) && shown.includes(cited)) {
        document.querySelector("#viewer").scrollIntoView({ behavior: "smooth" });
      } else if (++tries < 100) {
        setTimeout(scroll, 100);
      }
    };
    scroll();
  });
}
"""
# How often an open page checks for changes made elsewhere (another browser, rag docs).
REFRESH_SECONDS = 5
# System fonts only: a web font would be a request leaving the machine.
THEME = gr.themes.Soft(
    font=["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"],
)


def status_line(library: Library) -> str:
    engine = library.engine
    count = engine.store.passage_count()
    if engine.semantic:
        name = render.escape(engine.embedder.name)
        return f"语义检索已开启（{name}）· 共 {count} 个段落"
    if library.vectors is not None:
        # The first start, or documents added before the vectors were done.
        done, total = library.vectors
        step = f"正在计算语义向量 {done}/{total}" if total else "正在准备语义检索"
        return f"{step}，现在以关键词检索作答 · 共 {count} 个段落"
    reason = "；".join(render.escape(n) for n in library.notices)
    reason = reason or "已选择关键词检索模式 --mode lexical"
    return f"注意：语义检索未开启，仅使用关键词检索（{reason}）。· 共 {count} 个段落"


# Shown where the upload and remove controls would be, and said in place of doing it.
READ_ONLY_NOTE = (
    "只读模式：本服务未设置用户，只能提问和查看原文，不能添加或删除文档。"
    "管理员可用 `rag users add` 添加编辑者后重启。"
)
NOT_ALLOWED = "未执行：只有编辑者（editor）可以添加或删除文档。"
# Said while the library opens (a fresh clone's keyword index is built meanwhile).
OPENING = "资料库正在建立索引（已用 {seconds} 秒），请稍候。"


def read_only_line(host: str, where: str, store: str = "") -> str:
    """What the app says on stderr when it starts read-only (``where``: the users book;
    ``store``: the Milvus store, whose users ``rag users`` then manages)."""
    flag = f" --store {store}" if store else ""
    return (
        f"read-only: serving on {host} without users ({where} has none): "
        "anyone can ask, nobody can add or remove documents; add users with "
        f"`rag users add NAME --role editor{flag}` and restart"
    )


def legacy_line(path: str, store: str) -> str:
    """What the app says on stderr when its store has no users and its users file has."""
    return (
        f"users: {store} has none, so the users in {path} sign in; add them to the store "
        f"with `rag users add NAME --store {store}` so that every replica shares them"
    )


LIBRARY_HEADERS = ["标题", "文件", "类型", "段落数", "添加时间"]


def _library_rows(docs: list[DocumentInfo]) -> list[list]:
    return [[d.title, d.source, "上传" if d.upload else "内置", d.passages, d.added] for d in docs]


def _uploads(docs: list[DocumentInfo]) -> list[tuple[str, str]]:
    """(label, value) pairs of the documents that can be removed."""
    return [(f"{d.title}（{d.source}）", d.source) for d in docs if d.upload]


def library_view(library: Library, seen: str | None = None):
    """The status line, the 资料库 rows and the removable uploads as the library is now,
    another tab's, browser's or ``rag docs``' changes included, and a digest of them.
    Returns (status, rows, dropdown update, digest); when the digest is ``seen``, the page
    already shows all this and nothing is sent (a refresh would reset a table's scroll)."""
    docs = library.documents()
    status, rows, choices = status_line(library), _library_rows(docs), _uploads(docs)
    digest = hashlib.sha256(repr((status, rows, choices)).encode("utf-8")).hexdigest()
    if digest == seen:
        return gr.update(), gr.update(), gr.update(), seen
    return status, rows, gr.update(choices=choices), digest


def _citations(answer, k: int) -> list[tuple[str, str]]:
    """(label, value) of each source of an answer (overlapping passages once), for the
    viewer's list."""
    return [(label, label) for label in map(render.citation_label, render.sources(answer, k))]


def chat_turn(library: Library, message: str, history: list, mode: str, k: float, asked):
    """Answer in the chat; ``asked`` holds this conversation's earlier questions, as
    typed, so that a follow-up is read against them. Yields (chat, question box,
    citations, export, asked). A question that cannot be asked stays in the box."""
    history = list(history or [])
    asked = list(asked or [])
    keep = gr.update()
    if not message or not message.strip():
        history.append({"role": "assistant", "content": "请输入问题。"})
        yield history, "", keep, keep, asked
        return
    try:
        answer = library.ask(message, mode=mode, k=k, history=asked)
    except QuestionTooLong as exc:
        # Shown beside the question it refuses; the whole text stays in the box to edit.
        history.append({"role": "user", "content": render.echo(message.strip())})
        history.append({"role": "assistant", "content": render.escape(str(exc))})
        yield history, message, keep, keep, asked
        return
    except BadRequest as exc:
        history.append({"role": "assistant", "content": render.escape(str(exc))})
        yield history, message, keep, keep, asked
        return
    asked.append(message.strip())
    k = int(k)
    history.append({"role": "user", "content": render.echo(message.strip())})
    # The answer is whole when it is found (quoted, not generated): shown at once, not
    # played out as if it were being written.
    history.append({"role": "assistant", "content": render.message(answer, k)})
    citations = gr.update(choices=_citations(answer, k), value=None)
    yield history, "", citations, render.markdown_export(answer, k), asked


def upload_files(library: Library, files, allowed: bool = True) -> str:
    """Add uploads to the library; one status line per file, then the library's.
    ``allowed`` is whether the user may change the library (``users.may_edit``)."""
    if not allowed:
        return NOT_ALLOWED
    if not files:
        return "请选择要上传的文件。"
    results = library.add_files([read_upload(f) for f in files])
    return render.upload_status(results) + f"\n\n{status_line(library)}"


class Page:
    """What the page's controls do, on the live library. ``access`` is ``users.access``
    of the host served on; ``sign_in`` (a ``users.SignIn``) gives a signed-in user's
    role when it is ``users.SIGN_IN``. Every handler that changes the library checks
    the role itself, whatever the page shows.

    ``library`` is None while it opens (the page is served first, see ``main``): until
    it is set, each control says so, and nothing the user typed or chose is lost."""

    def __init__(self, library: Library | None, access: str = users.OPEN, sign_in=None) -> None:
        self.library = library
        self.access = access
        self.sign_in = sign_in
        self.since = time.monotonic()

    def opening(self) -> str | None:
        """What to say in place of an answer while the library opens; None once it is open."""
        if self.library is not None:
            return None
        return OPENING.format(seconds=int(time.monotonic() - self.since))

    def editor(self, request: gr.Request | None) -> bool:
        name = getattr(request, "username", None)
        role = self.sign_in.role(name) if self.sign_in is not None and name else None
        return users.may_edit(self.access, role)

    def respond(self, message: str, history: list, mode: str, k: float, asked: list | None):
        if note := self.opening():
            # The question stays in the box, to send again once the library is open.
            chat = [*(history or []), {"role": "assistant", "content": note}]
            yield chat, message, gr.update(), gr.update(), asked or []
            return
        yield from chat_turn(self.library, message, history, mode, k, asked)

    def show(self, cited: str | None):
        """The document around a citation chosen in 查看原文."""
        if not cited or self.library is None:
            return ""
        try:
            source, first, last = render.cited_lines(cited)
            return render.view_html(self.library.view(source, first, last))
        except (ValueError, NotViewable) as exc:
            return f"<p>{render.escape(str(exc).splitlines()[0])}</p>"

    def open_clicked(self, clicked: str | None):
        """A 来源 entry clicked in the chat: the 来源 list names it, and its change
        fills the viewer (``show``), as a choice made in the list does."""
        return gr.update(value=clicked or None)

    def upload(self, files, request: gr.Request):
        # Once the files are read, the picker is emptied: each is in the library now, or
        # the status says why not. Refused unread (no right to add), they stay chosen.
        allowed = self.editor(request)
        if allowed and (note := self.opening()):
            return note, gr.update()
        return upload_files(self.library, files, allowed), None if allowed else gr.update()

    def refresh(self, seen: str | None):
        if note := self.opening():
            return note, [], gr.update(choices=[]), None
        return library_view(self.library, seen)

    def refresh_read_only(self, seen: str | None):
        status, rows, _, digest = self.refresh(seen)
        return status, rows, digest

    def remove(self, name: str | None, sure: bool, request: gr.Request):
        """Remove an upload after the user ticked the confirmation; a hint keeps the
        user's choices as they are."""
        if not self.editor(request):
            return NOT_ALLOWED, gr.update(), gr.update(), False
        if note := self.opening():
            return note, gr.update(), gr.update(), gr.update()
        if not name or not sure:
            hint = "请先选择要删除的文档。" if not name else "请勾选“确认删除”后再删除。"
            return hint, gr.update(), gr.update(), gr.update()
        try:
            doc = self.library.remove(name)
            message = f"已删除：{render.escape(doc.title)}（{render.escape(doc.source)}）"
        except Exception as exc:  # NotRemovable, or a re-index that failed: say why
            message = f"未删除：{render.escape(str(exc).splitlines()[0])}"
        docs = self.library.documents()
        return message, _library_rows(docs), gr.update(choices=_uploads(docs), value=None), False

    def reveal(self, request: gr.Request):
        """Who is signed in, and the controls an editor may use (sign-in only)."""
        ok = self.editor(request)
        role = "编辑者" if ok else "读者"
        who = f"已登录：{render.escape(request.username or '')}（{role}）"
        visible = gr.update(visible=True)
        return gr.update(value=who, visible=True), visible, *[gr.update(visible=ok)] * 2

    def ask(
        self, question: str, mode: str = "hybrid", k: int = 10, history: list[str] | None = None
    ) -> dict:
        """Answer a question; ``history`` lists the earlier questions of the conversation,
        oldest first. Returns one line of the batch results format (with
        ``understood_as``), or the same shape with an ``error`` when the request is not
        usable."""
        if note := self.opening():
            return refusal(note)
        try:
            return self.library.ask(question, mode=mode, k=k, history=history).to_result()
        except BadRequest as exc:
            return refusal(str(exc))


def build_ui(page: Page) -> gr.Blocks:
    """The page: its layout, and which control runs which of ``page``'s handlers.
    Read-only, the upload and remove controls are not drawn at all; with sign-in they
    are drawn hidden and shown to editors."""
    access = page.access
    changes = access != users.READ_ONLY

    with gr.Blocks(title="大湾区政策问答") as demo:
        gr.Markdown(
            "## 大湾区政策问答 · GBA Policy Q&A\n每句回答都附原文出处；资料中没有的，会直接说明。"
        )
        # The library's views are filled in when a page loads (see library_view), never
        # here: values given at build time would be the library as it was at start-up.
        status = gr.Markdown(elem_id="status")
        if not changes:
            gr.Markdown(READ_ONLY_NOTE, elem_id="read-only")
        if access == users.SIGN_IN:
            with gr.Row():
                signed_in = gr.Markdown(visible=False, elem_id="signed-in")
                # A link-button: Markdown links open a new tab, where signing out is lost.
                sign_out = gr.Button(
                    "退出", link="logout", size="sm", visible=False, elem_id="sign-out"
                )
        # Hidden until the page knows the user is an editor (sign-in only).
        controls = access == users.OPEN
        asked = gr.State([])
        shown = gr.State(None)  # digest of the library as this page shows it
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chat = gr.Chatbot(label="对话", height=640, elem_id="chat", buttons=["copy"])
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="输入问题，例如：广州经开区累计设立了多少家外资企业？",
                        show_label=False,
                        scale=8,
                        elem_id="question",
                    )
                    send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                # No max_length on the box: the browser would cut a long paste silently.
                # The count shows near the limit; a longer question is refused whole.
                length = gr.HTML(elem_id="question-length")
                with gr.Row():
                    mode = gr.Radio(list(MODES), value="hybrid", label="检索模式")
                    k = gr.Slider(1, MAX_K, value=5, step=1, label="来源段落数", elem_id="k")
                gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                if changes:
                    with gr.Accordion(
                        "添加文档（.txt .md .pdf .docx，每个 ≤ 20 MB）",
                        open=False,
                        visible=controls,
                    ) as adding:
                        files = gr.File(file_count="multiple", label="选择文件", elem_id="upload")
                        add = gr.Button("加入资料库", elem_id="add")
                        upload_status = gr.Markdown(elem_id="upload-status")
                with gr.Accordion("复制为 Markdown（上一条回答及其出处）", open=False):
                    export = gr.Code(
                        label="Markdown",
                        language="markdown",
                        interactive=False,
                        wrap_lines=True,
                        buttons=["copy"],
                        elem_id="export",
                    )
                with gr.Accordion("查看原文（选择上一条回答的来源）", open=True):
                    # An entry of an earlier answer, clicked in the chat, is shown too.
                    cited = gr.Dropdown([], label="来源", elem_id="cited", allow_custom_value=True)
                    request = gr.Textbox(elem_id="view-request", show_label=False, container=False)
                    viewer = gr.HTML(elem_id="viewer")

            with gr.Tab("资料库", id="library"):
                docs = gr.Dataframe(
                    headers=LIBRARY_HEADERS,
                    datatype="str",
                    interactive=False,
                    elem_id="docs",
                )
                if changes:
                    with gr.Row(visible=controls) as removing:
                        target = gr.Dropdown(
                            [], label="要删除的上传文档", scale=4, elem_id="remove-which"
                        )
                        sure = gr.Checkbox(
                            label="确认删除（不可撤销）", scale=2, elem_id="remove-sure"
                        )
                        drop = gr.Button("删除", variant="stop", scale=1, elem_id="remove")
                    library_status = gr.Markdown(elem_id="library-status")

        quiet = {"show_progress": "hidden", "queue": False, "api_visibility": "private"}
        for trigger in (box.submit, send.click):
            trigger(
                page.respond,
                [box, chat, mode, k, asked],
                [chat, box, cited, export, asked],
                api_visibility="private",
            )
        box.change(
            render.length_hint,
            box,
            length,
            trigger_mode="always_last",
            show_progress="hidden",
            queue=False,
            api_visibility="private",
        )
        chat.clear(lambda: [], None, asked, api_visibility="private")
        cited.change(page.show, cited, viewer, api_visibility="private")
        request.change(page.open_clicked, request, cited, api_visibility="private")
        if changes:
            views = [status, docs, target, shown]
            add.click(
                page.upload,
                files,
                [upload_status, files],
                concurrency_limit=1,
                concurrency_id="upload",
                api_visibility="private",
            ).then(page.refresh, shown, views, **quiet)
            drop.click(
                page.remove,
                [target, sure],
                [library_status, docs, target, sure],
                concurrency_limit=1,
                concurrency_id="upload",
                api_visibility="private",
            ).then(page.refresh, shown, views, **quiet)
            # On every page load, and every few seconds for changes made elsewhere.
            demo.load(page.refresh, shown, views, **quiet)
            gr.Timer(REFRESH_SECONDS).tick(page.refresh, shown, views, **quiet)
        else:
            views = [status, docs, shown]
            demo.load(page.refresh_read_only, shown, views, **quiet)
            gr.Timer(REFRESH_SECONDS).tick(page.refresh_read_only, shown, views, **quiet)
        if access == users.SIGN_IN:
            demo.load(
                page.reveal,
                None,
                [signed_in, sign_out, adding, removing],
                api_visibility="private",
            )
        gr.api(page.ask, api_name="ask")
    return demo


def parse_args(argv=None) -> argparse.Namespace:
    from rag.cli import library_flags

    p = argparse.ArgumentParser(description="大湾区政策问答 web UI (offline)")
    p.add_argument("--host", help="default: $RAG_HOST or 127.0.0.1")
    p.add_argument("--port", type=int, help="default: $RAG_PORT or 7860")
    library_flags(p)
    p.add_argument(
        "--users",
        help="who may sign in off loopback (default: $RAG_USERS; else, with --store, the "
        "store's users; else users.json in the index folder); manage them with `rag users`",
    )
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env(
            args.seeds, args.index, args.model, args.mode, store=args.store, users=args.users
        )
        host, port = listen_address(args.host, args.port)
        # Off loopback, who may sign in: the users file, or the Milvus store's users.
        book = None if users.is_loopback(host) else users.book(settings)
        known = book.read() if book is not None else {}
        if book is not None and not known and not isinstance(book, users.UsersFile):
            # Before the store kept users, a replica on one read its users file: an
            # upgraded office keeps signing in the people it had.
            legacy = users.UsersFile(settings.users_file)
            if earlier := legacy.read():
                print(legacy_line(legacy.where, settings.store), file=sys.stderr, flush=True)
                book, known = legacy, earlier
    except (BadRequest, users.UsersProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    access = users.access(host, bool(known))
    sign_in = users.SignIn(book) if access == users.SIGN_IN else None
    if access == users.READ_ONLY:
        shared = "" if isinstance(book, users.UsersFile) else settings.store
        print(read_only_line(host, book.where, shared), file=sys.stderr, flush=True)
    elif sign_in is not None:
        print(f"sign-in required: {len(known)} users in {book.where}", flush=True)
    from rag.ahead import wait
    from rag.judge import ModelProblem
    from rag.store import IndexProblem

    # The page is served first and says it is opening while the library opens: on a
    # fresh clone its keyword index is still being built (see rag.ahead), which takes
    # half a minute for a library a hundred times the seeds.
    page = Page(None, access, sign_in)
    demo = build_ui(page)
    demo.queue(default_concurrency_limit=4, max_size=64)
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        max_file_size=MAX_BYTES,
        footer_links=["api"],
        theme=THEME,
        css=CSS,
        js=OPEN_SOURCE_JS,
        quiet=True,
        auth=sign_in.attempt if sign_in else None,
        auth_message="大湾区政策问答：请登录。" if sign_in else None,
        prevent_thread_lock=True,
    )
    print(f"opening the library; the page is up at http://{host}:{port}", flush=True)
    wait(_AHEAD)
    try:
        # Answers at once by keyword; the vectors are made in the background.
        library = Library(settings, say=lambda m: print(m, file=sys.stderr), background=True)
    except (IndexProblem, ModelProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        demo.close(verbose=False)
        return 1
    page.library = library
    semantic = "on" if library.engine.semantic else "off (keyword search only)"
    if library.vectors is not None:
        semantic = "keyword search now; the vectors are being made in the background"
    print(f"semantic search: {semantic}")
    print(f"serving on http://{host}:{port}", flush=True)
    # What the first question loads is loaded now, while the user reads the page; then
    # the vectors are made.
    library.warm_up()
    library.start_vectors()
    demo.block_thread()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
