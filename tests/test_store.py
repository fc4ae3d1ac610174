import json
import pickle
from pathlib import Path

import pytest

from rag import store
from rag.build import build
from rag.engine import open_engine
from tests.conftest import QUIET, lexical_settings


def test_index_is_plain_files_with_a_manifest(tiny_seeds, tmp_path):
    folder = build(lexical_settings(tiny_seeds, tmp_path), **QUIET)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == store.FORMAT_VERSION
    assert manifest["chunks"] == 3 and manifest["documents"] == 3
    assert set(manifest["chunking"]) == {"size", "overlap", "separators"}
    assert len(manifest["corpus"]) == 64 and manifest["dense"] is None
    names = {p.name for p in folder.rglob("*") if p.is_file()}
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)


def test_interrupted_build_leaves_previous_index_live(tiny_seeds, tmp_path, monkeypatch):
    settings = lexical_settings(tiny_seeds, tmp_path)
    first = build(settings, **QUIET)
    (tiny_seeds / "d.txt").write_text("新增文件。", encoding="utf-8")

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "commit_build", boom)
    with pytest.raises(KeyboardInterrupt):
        build(settings, **QUIET)
    assert store.current_build(settings.index) == first
    assert [p for p in (settings.index / "builds").iterdir()] == [first]
    assert len(store.load(settings.index).chunks) == 3


def test_changed_seeds_trigger_a_rebuild(tiny_seeds, tmp_path):
    settings = lexical_settings(tiny_seeds, tmp_path)
    engine = open_engine(settings, **QUIET)
    assert len(engine.store.chunks) == 3
    (tiny_seeds / "d.txt").write_text(
        "横琴粤澳深度合作区法律事务局打造法务集聚区。", encoding="utf-8"
    )
    messages = []
    engine = open_engine(settings, progress=False, say=messages.append)
    assert len(engine.store.chunks) == 4
    assert any("documents changed" in m for m in messages)


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: (f / "manifest.json").write_text("{not json", encoding="utf-8"),
        lambda f: (f / "manifest.json").write_text('{"format": 999}', encoding="utf-8"),
        lambda f: (f / "chunks.jsonl").write_text('{"id": 1}\n', encoding="utf-8"),
        lambda f: (f / "chunks.jsonl").unlink(),
        lambda f: next((f / "bm25").glob("*.npy")).write_bytes(b"\x93NUMPY garbage"),
        lambda f: (f.parent.parent / "CURRENT").write_text("../../etc\n", encoding="utf-8"),
    ],
    ids=["bad-manifest", "other-format", "bad-chunks", "missing-chunks", "bad-bm25", "bad-pointer"],
)
def test_damaged_index_is_rebuilt_with_a_message(tiny_seeds, tmp_path, damage):
    settings = lexical_settings(tiny_seeds, tmp_path)
    damage(build(settings, **QUIET))
    messages = []
    engine = open_engine(settings, progress=False, say=messages.append)
    assert len(engine.store.chunks) == 3
    assert len(messages) == 1 and messages[0].startswith("building the index")


def test_pickles_in_the_index_folder_are_never_loaded(tiny_seeds, tmp_path):
    settings = lexical_settings(tiny_seeds, tmp_path)
    folder = build(settings, **QUIET)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    for name in ("chunks.pkl", "bm25/params.index.pkl", "dense.pkl"):
        (folder / name).write_bytes(pickle.dumps(Evil()))
    bm25_file = next((folder / "bm25").glob("data*.npy"))
    bm25_file.write_bytes(pickle.dumps(Evil()))
    engine = open_engine(settings, **QUIET)
    assert engine.ask("前海法务区哪天启用？", mode="lexical").hits
    assert not marker.exists()
