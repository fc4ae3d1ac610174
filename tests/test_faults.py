"""Faults: a build killed part-way, indexes from other versions or models, missing seed
files, a full disk or an unwritable index folder. The previous index always survives."""

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import synthesize
from rag import store
from rag.build import build
from rag.cli import main
from rag.engine import open_engine
from rag.lexical import LexicalIndex
from rag.settings import Settings
from tests.conftest import QUIET, ROOT, SEEDS, FakeEmbedder, lexical_settings

QUESTION = "前海深港国际法务区哪一天宣布启用？"


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a running process has used (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """The processes a running process started, and theirs (Linux)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [d for c in map(int, children) for d in (c, *_descendants(c))]


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time a process and the processes it started have used (a keyword build
    tokenizes in workers of its own)."""
    total = 0.0
    for p in (pid, *_descendants(pid)):
        with contextlib.suppress(OSError, IndexError):  # ended meanwhile
            total += _cpu_seconds(p)
    return total


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its parent does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _state(index):
    """What a reader sees: the live build and every file in it, with its bytes."""
    live = store.current_build(index)
    return live, {p: p.read_bytes() for p in sorted(live.rglob("*")) if p.is_file()}


def test_build_killed_part_way_leaves_the_previous_index_live(tiny_seeds, tmp_path):
    settings = lexical_settings(tiny_seeds, tmp_path)
    first = build(settings, **QUIET)
    before = _state(settings.index)
    extra = synthesize(SEEDS, 16, tmp_path / "extra")  # enough text for a build of seconds
    for path in extra.glob("*.txt"):
        shutil.copy(path, tiny_seeds / path.name)

    child = subprocess.Popen(
        [sys.executable, "-m", "rag", "index", "--mode", "lexical"]
        + ["--seeds", str(tiny_seeds), "--index", str(settings.index)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # A build computes in memory and writes its folder only at the end: it is killed
    # while it computes (it has read and is tokenizing the documents).
    deadline = time.time() + 120
    workers: set[int] = set()
    while _tree_cpu_seconds(child.pid) < 3:
        assert child.poll() is None, "the build finished before it could be killed"
        assert time.time() < deadline
        workers.update(_descendants(child.pid))
        time.sleep(0.01)
    workers.update(_descendants(child.pid))
    assert workers or (os.cpu_count() or 1) < 2, "the build tokenized in no worker"
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    # Its tokenizing workers do not outlive it.
    deadline = time.time() + 30
    while any(Path(f"/proc/{w}").exists() and _alive(w) for w in workers):
        assert time.time() < deadline, "a worker outlived the killed build"
        time.sleep(0.05)
    assert not list((settings.index / "builds").glob("*.partial")), "nothing half-written"
    # What a build killed while writing its folder leaves behind.
    debris = settings.index / "builds" / "20260101T000000-killed.partial"
    debris.mkdir()
    (debris / store.CHUNKS).write_text("{", encoding="utf-8")

    # The previous build is untouched and still the live one.
    assert _state(settings.index) == before
    for path in extra.glob("*.txt"):
        (tiny_seeds / path.name).unlink()
    messages = []
    engine = open_engine(settings, progress=False, say=messages.append)
    assert messages == [] and engine.store.stored.folder == first
    assert "2022年1月4日" in engine.ask(QUESTION, mode="lexical").text

    # With the new files back, the next start notices, rebuilds and clears the debris.
    for path in extra.glob("*.txt"):
        shutil.copy(path, tiny_seeds / path.name)
    engine = open_engine(settings, progress=False, say=messages.append)
    assert any("documents changed" in m for m in messages)
    assert len(engine.store.chunks) > 100
    assert not list((settings.index / "builds").glob("*.partial"))


def test_index_built_with_another_model_is_rebuilt_for_this_one(tiny_seeds, tmp_path):
    settings = Settings(seeds=tiny_seeds, index=tmp_path / "index", mode="hybrid")
    build(settings, FakeEmbedder(name="model-a"), **QUIET)
    messages = []
    engine = open_engine(settings, FakeEmbedder(name="model-b"), False, messages.append)
    assert engine.store.stored.manifest["dense"]["model"] == "model-b"
    assert messages[0].endswith("(it has no vectors for model model-b)")


def test_index_from_another_pipeline_version_is_rebuilt(tiny_seeds, tmp_path):
    import json

    settings = lexical_settings(tiny_seeds, tmp_path)
    manifest_path = build(settings, **QUIET) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(json.dumps(manifest | {"pipeline": 0}), encoding="utf-8")
    messages = []
    open_engine(settings, progress=False, say=messages.append)
    why = "it was built by another version of the pipeline"
    assert messages == [f"building the index in {settings.index} ({why})"]


def test_a_deleted_seed_file_is_noticed_and_no_longer_cited(tiny_seeds, tmp_path):
    settings = lexical_settings(tiny_seeds, tmp_path)
    open_engine(settings, **QUIET)
    (tiny_seeds / "a.txt").unlink()
    messages = []
    engine = open_engine(settings, progress=False, say=messages.append)
    assert len(messages) == 1 and "documents changed" in messages[0]
    assert not any(c.source.endswith("a.txt") for c in engine.store.chunks)
    assert engine.ask(QUESTION, mode="lexical").abstained


@pytest.mark.parametrize(
    "command", [["ask", "问题"], ["index"], ["eval", "q.jsonl"], ["ask", "--batch", "q.jsonl"]]
)
def test_a_missing_seed_folder_is_bad_input_for_every_command(command, tmp_path, capsys):
    (tmp_path / "q.jsonl").write_text('{"id": "1", "question": "问题"}\n', encoding="utf-8")
    missing = tmp_path / "gone"
    command = [c if c != "q.jsonl" else str(tmp_path / c) for c in command]
    code = main([*command, "--seeds", str(missing), "--index", str(tmp_path / "ix")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert err == f"error: seed folder {missing} does not exist (give --seeds or set RAG_SEEDS)"


def _fail_with(err: int):
    def fail(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    return fail


@pytest.mark.parametrize(
    "where, err",
    [
        ("lexical", errno.ENOSPC),  # disk full while the keyword index is written
        ("pointer", errno.ENOSPC),  # disk full at the very swap of CURRENT
        ("folder", errno.EACCES),  # the index folder is not writable
        ("folder", errno.EROFS),  # ... or on a read-only file system
    ],
)
def test_write_failures_leave_the_previous_index_untouched(
    where, err, tiny_seeds, tmp_path, monkeypatch, capsys
):
    settings = lexical_settings(tiny_seeds, tmp_path)
    build(settings, **QUIET)
    before = _state(settings.index)
    (tiny_seeds / "d.txt").write_text("横琴粤澳深度合作区打造法务集聚区。", encoding="utf-8")
    target = {
        "lexical": (LexicalIndex, "save"),
        "pointer": (store.os, "replace"),
        "folder": (store.tempfile, "mkdtemp"),
    }[where]
    if where == "pointer":  # the build folder's own rename must still work
        real = os.replace
        monkeypatch.setattr(
            store.os,
            "replace",
            lambda a, b: _fail_with(err)() if str(b).endswith("CURRENT") else real(a, b),
        )
    else:
        monkeypatch.setattr(*target, _fail_with(err))

    code = main(
        ["index", "--seeds", str(tiny_seeds), "--index", str(settings.index), "--mode", "lexical"]
    )
    out = capsys.readouterr().err.strip()
    assert code == 1 and out == f"error: {os.strerror(err)}"
    assert _state(settings.index) == before
    assert [p for p in (settings.index / "builds").iterdir()] == [before[0]]
    assert not list(settings.index.glob(".CURRENT.*"))


def test_a_really_unwritable_index_folder_changes_nothing():
    """No injection: the index folder is made read-only and a forked build tries to write
    there (as the unprivileged user ``nobody`` when the tests run as root, who would
    otherwise write anyway)."""
    import tempfile

    from tests.conftest import TINY

    root = Path(tempfile.mkdtemp(prefix="rag-readonly-"))
    root.chmod(0o755)
    try:
        seeds = root / "seeds"
        seeds.mkdir()
        for name, text in TINY.items():
            (seeds / name).write_text(text, encoding="utf-8")
        settings = Settings(seeds=seeds, index=root / "index", mode="lexical")
        build(settings, **QUIET)
        before = _state(settings.index)
        (seeds / "d.txt").write_text("横琴粤澳深度合作区打造法务集聚区。", encoding="utf-8")
        for folder in (settings.index, settings.index / "builds"):
            folder.chmod(0o555)  # r-x for everyone

        pid = os.fork()
        if pid == 0:  # the child: drop privileges, try to build, report by exit code
            code = 1
            try:
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                build(settings, **QUIET)
                code = 0
            except PermissionError:
                code = 13
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 13
        assert _state(settings.index) == before
        assert [p for p in (settings.index / "builds").iterdir()] == [before[0]]
    finally:
        for folder in root.rglob("*"):
            if folder.is_dir():
                folder.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)


def test_an_index_path_that_is_a_file_is_a_one_line_error(tiny_seeds, tmp_path, capsys):
    blocker = tmp_path / "index"
    blocker.write_text("not a folder", encoding="utf-8")
    code = main(["index", "--seeds", str(tiny_seeds), "--index", str(blocker), "--mode", "lexical"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.startswith("error: ") and "\n" not in err
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_failed_upload_index_keeps_serving_and_says_why(tiny_seeds, tmp_path, monkeypatch):
    from rag.service import Library

    library = Library(lexical_settings(tiny_seeds, tmp_path), say=lambda _: None)
    live = library.engine
    monkeypatch.setattr(LexicalIndex, "save", _fail_with(errno.ENOSPC))
    [result] = library.add_files([("new.txt", "横琴法务集聚区新设调解中心。".encode())])
    assert not result.ok and "No space left on device" in result.message
    assert library.engine is live
    assert not list((tmp_path / "index" / "uploads").glob("*.txt"))
    assert "2022年1月4日" in library.ask(QUESTION, mode="lexical").text
