"""English questions about what a library lacks, from XQuAD-dev (../shared/eval/open-book).

    python3 eval/make_xquad_held.py ../shared/eval/open-book/xquad-dev OUT

writes
* OUT/docs: the XQuAD-dev articles with a third of each article's paragraphs removed
  (seed 2026); OUT/{dev,test}-{en,zh}.jsonl: their questions, those whose answer was only
  in a removed paragraph with no keys (kind held-en / held-zh). "test" is the articles
  `rag train` never reads (2, 5, 8, 11, 14 in name order), "dev" the other eleven.
* OUT/absent-{dev,test}.jsonl: the same English questions with no keys, to be asked of a
  library without these articles (the open-book README corpus, say).

Measured as the README says: rag ask --batch OUT/test-en.jsonl with RAG_SEEDS=OUT/docs.
"""

import json
import random
import sys
from pathlib import Path


def main(src: Path, out: Path) -> None:
    (out / "docs").mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    texts = {}
    names = sorted(p.name for p in (src / "docs").glob("*.txt"))
    for name in names:
        paras = (src / "docs" / name).read_text(encoding="utf-8").split("\n\n")
        order = list(range(len(paras)))
        rng.shuffle(order)
        drop = set(order[: len(paras) // 3])
        kept = "\n\n".join(p for i, p in enumerate(paras) if i not in drop)
        (out / "docs" / name).write_text(kept, encoding="utf-8")
        texts[name] = kept
    test = {name for i, name in enumerate(names) if i % 3 == 2}
    rows = [json.loads(line) for line in (src / "questions.jsonl").open(encoding="utf-8")]
    every = "\n".join(texts.values())
    for part in ("dev", "test"):
        mine = [r for r in rows if (r["source"] in test) == (part == "test")]
        for lang in ("en", "zh"):
            with open(out / f"{part}-{lang}.jsonl", "w", encoding="utf-8") as f:
                for r in (r for r in mine if r["kind"] == f"xquad-{lang}"):
                    if not any(k in every for k in r["keys"]):
                        r = {**r, "keys": [], "kind": f"held-{lang}"}
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        with open(out / f"absent-{part}.jsonl", "w", encoding="utf-8") as f:
            for r in (r for r in mine if r["kind"] == "xquad-en"):
                row = {"id": r["id"], "kind": "en-absent", "question": r["question"]}
                f.write(json.dumps({**row, "keys": []}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
