import json
import re
import subprocess
import sys

import pytest

from rag.cli import main
from tests.conftest import ROOT


@pytest.fixture
def index_args(tiny_seeds, tmp_path):
    return ["--seeds", str(tiny_seeds), "--index", str(tmp_path / "ix"), "--mode", "lexical"]


def test_index_command_reports_what_it_built(index_args, capsys):
    assert main(["index", *index_args]) == 0
    assert "indexed 3 chunks from 3 documents, lexical" in capsys.readouterr().out


def test_ask_prints_answer_and_numbered_citations(index_args, capsys):
    assert main(["ask", "前海深港国际法务区是哪天启用的？", *index_args]) == 0
    out = capsys.readouterr().out
    assert out.startswith("答案：前海深港国际法务区于2022年1月4日宣布启用。[1]")
    assert "[1] a\n" in out and "a.txt  第 1–2 行" in out


def test_batch_writes_one_result_line_per_good_question(index_args, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(
            [
                json.dumps({"id": "q1", "question": "澳门贸促局收到多少个新投资计划？"}),
                "{broken json",
                json.dumps({"id": "q2"}),
                json.dumps({"id": "q3", "question": "   "}),
                json.dumps({"id": "q4", "question": "南沙如何监管共用注册地址的企业？"}),
            ]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "r.jsonl"
    code = main(["ask", "--batch", str(questions), "--out", str(out), *index_args])
    assert code == 1  # some lines were bad
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q4"]
    assert "292个新投资计划" in rows[0]["answer"]
    for r in rows:
        assert set(r) == {
            "id",
            "question",
            "understood_as",
            "answer",
            "abstained",
            "confidence",
            "mode",
            "passages",
        }
        for p in r["passages"]:
            assert set(p) == {"text", "source", "title", "lines", "score"}
    err = capsys.readouterr().err
    assert ":2: skipped" in err and ":3: skipped" in err and ":4: skipped" in err


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_a_usage_error(index_args, question, capsys):
    assert main(["ask", question, *index_args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: the question is empty") and "\n" not in err


def test_odd_unicode_questions_do_not_crash(index_args, capsys):
    for q in ["🙂" * 50, "\x00\x07控制字符", "Mixed 中英 текст عربى", "<script>alert(1)</script>"]:
        assert main(["ask", q, *index_args, "--json"]) == 0
        json.loads(capsys.readouterr().out)


def test_missing_batch_file_and_seed_folder_are_one_line_errors(tmp_path, capsys):
    assert main(["ask", "--batch", str(tmp_path / "none.jsonl")]) == 2
    assert main(["index", "--seeds", str(tmp_path / "nowhere"), "--mode", "lexical"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("error: ") for line in err)


def test_cli_process_exits_cleanly_on_bad_input_and_refuses_long_questions(index_args):
    run = [sys.executable, "-m", "rag", "ask"]
    bad = subprocess.run([*run, " ", *index_args], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    long = subprocess.run(
        [*run, "-", *index_args, "--json"],
        input="澳门贸促局" * 20_000,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert long.returncode == 2 and "Traceback" not in long.stderr
    assert long.stderr.strip() == "error: 问题过长：共 100000 个字符，上限为 2000 个字符。" + (
        "请删去至少 98000 个字符后再提问。"
    )
    assert long.stdout == ""


def test_batch_answers_the_other_questions_and_marks_a_too_long_one(index_args, tmp_path):
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "long", "question": "啊" * 3_000 + "前海法务区哪天启用？"},
        {"id": "ok", "question": "前海法务区哪天启用？"},
    ]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["ask", "--batch", str(questions), "--out", str(out), *index_args]) == 1
    long, ok = [json.loads(line) for line in out.read_text().splitlines()]
    assert long["id"] == "long" and long["error"].startswith("问题过长：共 3010 个字符")
    assert long["answer"] == "" and long["passages"] == []
    assert ok["id"] == "ok" and "error" not in ok and ok["passages"]


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from rag.cli import build_parser; build_parser(); "
        "print(any(m in sys.modules for m in ('torch', 'faiss', 'gradio', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_the_runtime_never_imports_the_benchmark():
    code = "import sys, rag.cli, rag.engine, rag.service; print(any(m.startswith('bench') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        return int(exc.code)


@pytest.mark.parametrize(
    "argv, code",
    [
        (["ask", "  "], 2),
        (["ask"], 2),
        (["ask", "问题", "--mode", "semantic"], 2),
        (["bench", "--systems", "nope"], 2),
        (["bench", "--scale", "0"], 2),
        (["ask", "问题", "--index", "FILE"], 1),
    ],
    ids=["empty-question", "no-question", "bad-mode", "bad-system", "bad-scale", "failure"],
)
def test_one_exit_code_rule_bad_input_2_failure_1(argv, code, tiny_seeds, tmp_path, capsys):
    (tmp_path / "FILE").write_text("not a folder")
    argv = [str(tmp_path / a) if a == "FILE" else a for a in argv]
    if "--index" not in argv and argv[0] != "bench":
        argv += ["--index", str(tmp_path / "ix")]
    assert _exit_code([*argv, "--seeds", str(tiny_seeds)]) == code
    err = capsys.readouterr().err.strip().splitlines()
    # Our own messages are one line; argparse's end with one line naming the problem.
    assert err and "Traceback" not in "\n".join(err)
    assert err[-1].startswith("error: ") or "error: argument" in err[-1]
    if argv[0] == "bench":
        assert "choose from" in err[-1] or "--scale" in err[-1]


def test_docs_add_list_and_remove_an_upload(index_args, tmp_path, capsys):
    doc = tmp_path / "月球.txt"
    doc.write_text("月球科研站共有九十九名驻站研究员。", encoding="utf-8")
    assert main(["docs", "add", str(doc), *index_args]) == 0
    assert "added: 月球.txt" in capsys.readouterr().out
    assert main(["docs", "list", *index_args]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    uploads = [r for r in rows if r[1] == "upload"]
    assert len(rows) == 4 and len(uploads) == 1 and uploads[0][-1] == "月球"
    assert main(["docs", "remove", uploads[0][0], *index_args]) == 0
    assert "removed: uploads/" in capsys.readouterr().out
    assert main(["docs", "list", *index_args]) == 0
    assert "upload" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["docs", "remove", "seeds/a.txt"], "read-only"),
        (["docs", "remove", "nothing"], "no such document"),
        (["docs", "remove"], "needs at least one document name"),
        (["docs", "add", "/no/such/file.txt"], "does not exist"),
    ],
)
def test_docs_refuses_what_it_cannot_do_with_one_line(argv, message, index_args, capsys):
    assert main([*argv, *index_args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and message in err[-1]


def test_batch_lines_carry_history_and_results_say_how_they_were_understood(
    index_args, tmp_path, capsys
):
    lines = [
        {"id": "1", "question": "澳门贸促局提供什么服务？"},
        {
            "id": "2",
            "question": "它收到多少个新投资计划？",
            "history": ["澳门贸促局提供什么服务？"],
        },
        {"id": "3", "question": "它收到多少个新投资计划？", "history": "not a list"},
    ]
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), "utf-8")
    out = tmp_path / "r.jsonl"
    assert main(["ask", "--batch", str(qfile), "--out", str(out), *index_args]) == 1
    assert "q.jsonl:3: skipped" in capsys.readouterr().err
    rows = {r["id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert set(rows) == {"1", "2"}
    assert rows["1"]["understood_as"] == rows["1"]["question"]
    assert rows["2"]["understood_as"] == "澳门贸促局收到多少个新投资计划？"
    assert "292个新投资计划" in rows["2"]["answer"]


def test_rag_chat_follows_the_conversation_and_leaves_on_end_of_input(index_args):
    turns = "澳门贸促局提供什么服务？\n\n它收到多少个新投资计划？\n"
    out = subprocess.run(
        [sys.executable, "-m", "rag", "chat", *index_args],
        input=turns,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("答案：") == 2  # the empty line asks nothing
    assert "按上文理解为：澳门贸促局收到多少个新投资计划？" in out.stdout
    assert "292个新投资计划" in out.stdout.split("按上文理解为")[1]


def test_chat_says_a_question_is_too_long_and_answers_the_next(index_args, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("问" * 2_001 + "\n前海法务区哪天启用？\n"))
    assert main(["chat", *index_args]) == 0
    out = capsys.readouterr().out
    assert "问题过长：共 2001 个字符，上限为 2000 个字符" in out and "答案：" in out


def test_docs_add_prints_why_a_file_is_rejected_in_english(index_args, tmp_path, capsys):
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"PK\x03\x04 not a pdf")
    assert main(["docs", "add", str(fake), *index_args]) == 1
    assert "rejected: fake.pdf: not a PDF\n" in capsys.readouterr().out


def _add(index_args, path, text: str) -> None:
    """Add one file through the CLI; a .docx gets a real Word document."""
    from tests.test_upload import _docx

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".docx":
        path.write_bytes(_docx(text))
    else:
        path.write_text(text, encoding="utf-8")
    assert main(["docs", "add", str(path), *index_args]) == 0


def _listed(index_args, capsys) -> dict[str, list[str]]:
    """``rag docs list`` as {source: row}, uploads only."""
    capsys.readouterr()
    assert main(["docs", "list", *index_args]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    return {r[0]: r for r in rows if r[1] == "upload"}


def test_an_upload_is_listed_cited_and_removed_by_its_original_name(index_args, tmp_path, capsys):
    name = "珠海星河产业园简介.docx"
    _add(index_args, tmp_path / name, "珠海星河产业园共有八十八家入驻企业。")
    assert f"added: {name}" in capsys.readouterr().out
    assert list(_listed(index_args, capsys)) == [f"uploads/{name}"]
    assert main(["ask", "珠海星河产业园有多少家入驻企业？", *index_args]) == 0
    out = capsys.readouterr().out
    assert f"uploads/{name}" in out and not re.search(r"uploads/[0-9a-f]{16}\.txt", out)
    assert main(["docs", "remove", name, *index_args]) == 0
    assert f"removed: uploads/{name}" in capsys.readouterr().out
    assert _listed(index_args, capsys) == {}


def test_the_generated_stored_name_is_still_accepted_by_remove(index_args, tmp_path, capsys):
    _add(index_args, tmp_path / "月球.txt", "月球科研站共有九十九名驻站研究员。")
    [stored] = [p.name for p in (tmp_path / "ix" / "uploads").glob("*.txt")]
    assert stored != "月球.txt"
    assert main(["docs", "remove", stored, *index_args]) == 0
    assert _listed(index_args, capsys) == {}


def test_two_uploads_of_one_name_are_told_apart_and_each_removable(index_args, tmp_path, capsys):
    _add(index_args, tmp_path / "one" / "名字.docx", "第一份文件讲的是港珠澳大桥。")
    _add(index_args, tmp_path / "two" / "名字.docx", "第二份文件讲的是深中通道。")
    capsys.readouterr()
    assert sorted(_listed(index_args, capsys)) == ["uploads/名字 (2).docx", "uploads/名字.docx"]
    # Both carry the title 名字: removing by it would be a guess, so it is refused.
    assert main(["docs", "remove", "名字", *index_args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ambiguous" in err[0] and "名字 (2).docx" in err[0]
    assert main(["docs", "remove", "名字 (2).docx", *index_args]) == 0
    assert "removed: uploads/名字 (2).docx" in capsys.readouterr().out
    assert main(["ask", "第二份文件讲的是什么？", "--json", *index_args]) == 0
    cited = {p["source"] for p in json.loads(capsys.readouterr().out)["passages"]}
    assert "uploads/名字 (2).docx" not in cited
    assert list(_listed(index_args, capsys)) == ["uploads/名字.docx"]
    assert main(["docs", "remove", "名字.docx", *index_args]) == 0
    assert _listed(index_args, capsys) == {}


def test_names_that_differ_by_width_or_case_are_shown_apart_and_found_either_way(
    index_args, tmp_path, capsys
):
    _add(index_args, tmp_path / "one" / "GBA.txt", "第一份文件讲的是港珠澳大桥。")
    _add(index_args, tmp_path / "two" / "ｇｂａ.txt", "第二份文件讲的是深中通道。")
    capsys.readouterr()
    assert sorted(_listed(index_args, capsys)) == ["uploads/GBA.txt", "uploads/ｇｂａ (2).txt"]
    # Exact names first, then width and case do not count: gba.txt means GBA.txt alone.
    assert main(["docs", "remove", "gba.txt", *index_args]) == 0
    assert "removed: uploads/GBA.txt" in capsys.readouterr().out
    assert main(["docs", "remove", "GBA (2).TXT", *index_args]) == 0
    assert _listed(index_args, capsys) == {}


def test_removing_an_unknown_name_says_so_in_one_line(index_args, tmp_path, capsys):
    _add(index_args, tmp_path / "名字.docx", "第一份文件讲的是港珠澳大桥。")
    capsys.readouterr()
    assert main(["docs", "remove", "别的名字.docx", *index_args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such document" in err[0]
    assert list(_listed(index_args, capsys)) == ["uploads/名字.docx"]
