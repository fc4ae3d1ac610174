import json
import random

import pytest

from bench.corpus import latency_queries, perturb, synthesize
from bench.report import markdown, targets
from rag.cli import main
from rag.ingest import read_folder

MACHINE = {"cpu": "x", "cores": 2, "memory_gb": 1, "platform": "p", "python": "3", "date": "d"}


def test_perturbed_copies_differ_but_keep_text_and_size():
    text = "标题\n\n一是开放，共有12家企业。\n\n二是改革，\n\n分两段写成。\n\n三是创新，增长35.6%。"
    a, b = perturb(text, random.Random(1)), perturb(text, random.Random(2))
    assert a != text and b != text
    assert a.startswith("标题") and len(a) == len(text)
    assert "共有12家" not in a and "35.6%" not in a
    # A paragraph cut over two blocks moves as one.
    assert "二是改革，\n\n分两段写成。" in a


def test_synthetic_corpus_has_one_original_and_perturbed_copies(tiny_seeds, tmp_path):
    out = synthesize(tiny_seeds, 3, tmp_path / "corpus")
    names = sorted(p.name for p in out.iterdir() if p.name != "catalog.json")
    assert len(names) == 9
    originals = {p.name: p.read_text(encoding="utf-8") for p in tiny_seeds.iterdir()}
    for name, text in originals.items():
        assert (out / f"c000_{name}").read_text(encoding="utf-8") == text
        copies = {(out / f"c{i:03d}_{name}").read_text(encoding="utf-8") for i in (1, 2)}
        if any(ch.isdigit() for ch in text):  # c.md has no figure and one paragraph
            assert text not in copies and len(copies) == 2
    assert len(read_folder(out)) == 9


def test_latency_queries_start_with_the_questions_and_fill_up_from_documents(tiny_seeds):
    queries = latency_queries([{"question": "问一"}, {"question": "问二"}], tiny_seeds, 5)
    assert queries[:2] == ["问一", "问二"] and len(queries) == 5
    assert all(10 <= len(q) <= 60 for q in queries[2:])
    # A corpus this small runs out of clauses; queries then come round again.
    assert len(latency_queries([], tiny_seeds, 50)) == 50


def _run(system, scale, **figures):
    row = {"system": system, "scale": scale, "chunks": 10, "build_s": 1.0, "rss_mb": 100.0}
    row.update({"p50_ms": 1.0, "p95_ms": 1.0, "hit1": None, "hit5": None})
    return row | figures


def test_targets_are_checked_against_the_report():
    report = {
        "runs": [
            _run("lexical", 1, build_s=2.0, hit5=1.0),
            _run("hybrid", 1, build_s=70.0, hit1=0.5, answer_p95_ms=20.0),
            _run("langchain-faiss", 1, build_s=9.0, hit1=0.6),
            _run("lexical", 100, p95_ms=3.0, rss_mb=400.0),
            _run("langchain-bm25", 100, p95_ms=45.0),
        ]
    }
    lines = targets(report)
    assert lines[0].startswith("MISSED") and "15×" in lines[0]  # 45 / 3 < 20
    assert lines[1].startswith("met")  # RSS
    assert lines[2].startswith("met") and "20.0 ms" in lines[2]  # hybrid answer p95
    assert lines[3].startswith("MISSED") and "70.0 s" in lines[3]  # hybrid build > 60 s
    assert lines[4].startswith("met")  # lexical build 2 s <= 9 s
    assert lines[5].startswith("MISSED")  # hybrid hit1 0.5 is not above 0.6
    assert "need --scale 100" in targets({"runs": report["runs"][:3]})[0]


@pytest.mark.model
@pytest.mark.slow
def test_bench_command_runs_every_system_and_writes_its_reports(tiny_seeds, tmp_path, capsys):
    qfile = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "1",
            "kind": "num",
            "question": "澳门贸促局收到多少个新投资计划？",
            "keys": ["292个"],
        },
        {"id": "2", "kind": "fact", "question": "法务区何时启用？", "keys": ["2022年1月4日"]},
    ]
    qfile.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    out = {ext: tmp_path / f"bench.{ext}" for ext in ("json", "md", "png")}
    code = main(
        ["bench", "--scale", "1", "11", "--seeds", str(tiny_seeds), "--questions", str(qfile)]
        + ["--queries", "20", "--json", str(out["json"]), "--md", str(out["md"])]
        + ["--png", str(out["png"])]
    )
    assert code == 0, capsys.readouterr().err
    report = json.loads(out["json"].read_text(encoding="utf-8"))
    runs = {(r["system"], r["scale"]): r for r in report["runs"]}
    assert set(runs) == {
        ("lexical", 1),
        ("hybrid", 1),
        ("langchain-faiss", 1),
        ("langchain-bm25", 1),
        ("milvus", 1),
        ("milvus-hybrid", 1),
        ("lexical", 11),
        ("langchain-faiss", 11),
        ("langchain-bm25", 11),
        ("milvus", 11),
    }  # beyond 10 copies hybrid is not run and the FAISS recipe gets random vectors
    for row in report["runs"]:
        assert row["queries"] >= 20 and 0 < row["p50_ms"] <= row["p95_ms"]
        assert row["build_s"] > 0 and row["rss_mb"] > 0
    assert runs[("lexical", 1)]["hit5"] == 1.0
    assert runs[("lexical", 11)]["hit5"] is None
    assert "random unit vectors" in runs[("langchain-faiss", 11)]["notes"]
    assert "random unit vectors" not in runs[("langchain-faiss", 1)]["notes"]
    assert runs[("hybrid", 1)]["hit5"] == 1.0 and "trust 1.00" in runs[("hybrid", 1)]["notes"]
    # The same engine on Milvus Lite finds the same passages.
    assert runs[("milvus-hybrid", 1)]["hit1"] == runs[("hybrid", 1)]["hit1"]
    assert runs[("milvus", 1)]["hit5"] == 1.0 and "Milvus Lite" in runs[("milvus", 11)]["notes"]
    assert runs[("lexical", 11)]["chunks"] == 11 * runs[("lexical", 1)]["chunks"]
    # Adding one document is timed for this engine on both stores, not for the recipes.
    assert all(runs[(s, n)]["add_ms"] > 0 for s in ("lexical", "milvus") for n in (1, 11))
    assert "add_ms" not in runs[("langchain-bm25", 1)]
    assert report["machine"]["cores"] >= 1
    assert "| (1) this engine, lexical | 1 |" in out["md"].read_text(encoding="utf-8")
    assert out["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--systems", "elastic"], "unknown system 'elastic'"),
        (["--scale", "0"], "--scale takes positive"),
        (["--questions", "missing.jsonl"], "missing.jsonl does not exist"),
        (["--json", "no/such/folder/x.json"], "its folder does not exist"),
    ],
)
def test_bench_bad_input_is_one_line_and_exit_2(args, message, tiny_seeds, capsys):
    assert main(["bench", "--seeds", str(tiny_seeds), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_a_failing_run_is_reported_not_raised(tmp_path):
    from bench.runner import Job, run_job

    row = run_job(Job("lexical", 1, str(tmp_path / "nowhere"), str(tmp_path / "w"), None, ["问"]))
    assert row["system"] == "lexical" and "seed folder" in row["error"]
    assert "failed: " in markdown({"machine": MACHINE | {"packages": {}}, "runs": [row]})


def test_the_open_book_run_answers_and_refuses_beside_a_peer(tmp_path, capsys):
    folder = tmp_path / "ob"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "panda.txt").write_text(
        "大熊猫\n\n大熊猫是中国特有的熊科动物，主要以竹子为食，每天要吃十几公斤竹子。\n", "utf-8"
    )
    (folder / "docs" / "game.txt").write_text(
        "塞尔达传说\n\n《塞尔达传说》是任天堂于1986年发行的动作冒险游戏。\n", "utf-8"
    )
    asked = [
        {"id": "a", "kind": "t", "question": "大熊猫以什么为食？", "keys": ["竹子"]},
        {"id": "b", "kind": "t", "question": "《塞尔达传说》是哪一年发行的？", "keys": ["1986年"]},
    ]
    absent = [{"id": "c", "kind": "t-absent", "question": "楼曾瑞生于哪一年？", "keys": []}]
    for name, rows in (("questions.jsonl", asked), ("absent.jsonl", absent)):
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
        (folder / name).write_text(text, "utf-8")
    out = tmp_path / "bench.json"
    code = main(
        ["bench", "--scale", "1", "--systems", "lexical,langchain-bm25", "--queries", "3"]
        + ["--seeds", str(folder / "docs"), "--open-book", str(folder), "--json", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    report = json.loads(out.read_text("utf-8"))
    runs = {(r["system"], r["scale"]): r for r in report["runs"]}
    ours, peer = runs[("lexical", 0)], runs[("langchain-bm25", 0)]
    assert ours["hit5"] == 1.0 and peer["hit5"] is not None
    assert ours["answer_hit"] == 1.0 and ours["abstain_ok"] == 1.0
    assert "answer_hit" not in peer
    # The report names the open-book runs so in its notes too, not "scale 0".
    from bench.report import markdown

    text = markdown(report)
    assert "scale 0" not in text and "lexical, open-book: whole answers" in text


def test_an_open_book_folder_without_questions_is_one_line_and_exit_2(tiny_seeds, tmp_path, capsys):
    args = ["--seeds", str(tiny_seeds), "--open-book", str(tmp_path)]
    assert main(["bench", *args]) == 2
    assert "needs docs/ and questions.jsonl" in capsys.readouterr().err
