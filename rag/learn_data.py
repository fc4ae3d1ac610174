"""Training and validation corpora for the answer model, made from SQuAD-style files.

Two public Chinese reading-comprehension sets (CMRC 2018 trial, DRCD dev; see
``../shared/eval/open-book``) become the product's own task, as that folder's README does:
one ``.txt`` per article, questions that name the file their answer must be cited from.
Two kinds of question the documents do not answer are made as well:

* **absent**: asked of articles that were not indexed (another person, another fish);
* **held out**: asked of a paragraph removed from an article that *is* indexed, or of
  the one sentence that answered it, removed from its paragraph (CMRC's articles are one
  paragraph each). The rest of the article shares the question's subject and words, so
  these are the hard case: a library that talks about the thing but does not say what
  was asked;
* **perturbed**: an answerable question with one of its pins (a year or figure, a name)
  changed to one the article never mentions, as SQuAD 2.0 made its unanswerable
  questions: 孙中山1912年… becomes 孙中山1915年…, 南京 becomes another article's place.
  The rest of the question still matches its passage word for word.

Articles are shuffled with the README's seed (11) and then cut into disjoint ranges. The
README's own split (the first 100 CMRC and 40 DRCD articles, the next 80 and 50 for
absent questions) is left alone as the test split; fitting and validation use the rest.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from rag.evaluate import norm

SEED = 11
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]|20)\d\d(?!\d)")


@dataclass(frozen=True)
class Part:
    """Articles ``lo:hi`` of one dataset's shuffled list, indexed or only asked about."""

    file: str
    kind: str
    lo: int
    hi: int
    # "indexed": documents and their questions; "absent": questions only.
    role: str
    # Indexed: hold one paragraph out of each article of several. Absent: questions per article.
    hold_out: bool = False
    # Indexed: remove from each article the sentence that answers one of its questions.
    hold_sentence: bool = False
    per_article: int = 2
    # Indexed: one question in this many also gets a perturbed, unanswerable twin.
    perturb_every: int = 2


# Disjoint from the README's split: CMRC 0–180 and DRCD 0–90 (its indexed and absent
# articles) are never read here.
SPLITS: dict[str, tuple[Part, ...]] = {
    "fit": (
        Part("cmrc2018_trial.json", "cmrc", 180, 232, "indexed", hold_sentence=True),
        Part("drcd_dev.json", "drcd", 90, 200, "indexed", hold_out=True),
        Part("cmrc2018_trial.json", "cmrc", 232, 256, "absent", per_article=3),
        Part("drcd_dev.json", "drcd", 200, 250, "absent"),
    ),
    "val": (
        Part("drcd_dev.json", "drcd", 250, 330, "indexed", hold_out=True),
        Part("drcd_dev.json", "drcd", 330, 383, "absent"),
    ),
}


def _keys(qa: dict) -> list[str]:
    return sorted({a["text"].strip() for a in qa["answers"] if a["text"].strip()})


def articles(path: Path) -> list[dict]:
    """A dataset's articles in the README's shuffled order (make_ext.py, seed 11)."""
    arts = json.loads(path.read_text(encoding="utf-8"))["data"]
    random.Random(SEED).shuffle(arts)
    return arts


def write_part(arts: list[dict], part: Part, out: Path) -> list[dict]:
    """Write the documents of ``part`` under ``out/docs`` and return its questions.

    A held-out paragraph's questions keep no keys, but are dropped when their answer
    still stands in what was kept of the article.
    """
    rng = random.Random(f"{part.kind}-{part.lo}")
    rows: list[dict] = []
    asked = [
        qa["question"] for a in arts[part.lo : part.hi] for p in a["paragraphs"] for qa in p["qas"]
    ]
    names = name_pool(asked)
    twist = random.Random(f"{part.kind}-{part.lo}-perturb")
    for i in range(part.lo, min(part.hi, len(arts))):
        art = arts[i]
        qas = [(j, qa) for j, p in enumerate(art["paragraphs"]) for qa in p["qas"] if _keys(qa)]
        if part.role == "absent":
            for _, qa in rng.sample(qas, min(part.per_article, len(qas))):
                rows.append(_row(qa, f"{part.kind}-absent", [], None))
            continue
        name = f"{part.kind}_{i:04d}.txt"
        paras = [p["context"].strip() for p in art["paragraphs"]]
        held = rng.randrange(len(paras)) if part.hold_out and len(paras) > 2 else None
        cut = None
        if part.hold_sentence and qas:
            cut, chosen = rng.choice(qas)
            if cut != held:
                paras[cut] = _without_sentence(paras[cut], _keys(chosen)[0])
        kept = [p for j, p in enumerate(paras) if j != held]
        docs = out / "docs"
        docs.mkdir(parents=True, exist_ok=True)
        body = art["title"].strip() + "\n\n" + "\n\n".join(kept) + "\n"
        (docs / name).write_text(body, encoding="utf-8")
        remaining = norm(body)
        for n, (j, qa) in enumerate(qas):
            still = any(norm(k) in remaining for k in _keys(qa))
            if j != held and still:
                rows.append(_row(qa, part.kind, _keys(qa), name))
                # Every other twin changes a name before a figure.
                first = (n // max(part.perturb_every, 1)) % 2 == 1
                changed = perturb(qa["question"].strip(), body, names, twist, first, paras[j])
                if part.perturb_every and n % part.perturb_every == 0 and changed:
                    rows.append(
                        {**_row(qa, f"{part.kind}-perturbed", [], None), "question": changed}
                    )
            elif not still and j in (held, cut):
                rows.append(_row(qa, f"{part.kind}-heldout", [], None))
    return rows


def _without_sentence(paragraph: str, key: str) -> str:
    """The paragraph without the sentence (or sentences) holding ``key``.

    >>> _without_sentence("甲生于1900年。甲是画家。", "1900年")
    '甲是画家。'
    """
    from rag.chunk import sentences

    return "".join(s for s in sentences(paragraph) if key not in s)


def perturb(
    question: str,
    article: str,
    names: dict[str, list[str]],
    rng: random.Random,
    names_first: bool = False,
    around: str | None = None,
) -> str:
    """The question with one pin that ``around`` (the text that answers it; the whole
    article unless given) states changed to one it does not: a figure changed, or a name
    swapped for another of the same kind (jieba: person, place, organisation, other proper
    noun): one the article names away from the answering text if it has one, else one
    from ``names``, which other articles' questions use. Empty when there is nothing to
    change.

    A changed year is, when the article has one, another year the article speaks of
    that the answering text lacks; any other figure is moved by a few units. Near misses
    the library does talk about teach what "nowhere in the library" alone cannot:
    2024年的产值 is not answered by 2023年的产值.

    >>> perturb("孙中山1912年就任什么职务？", "1912年孙中山就任临时大总统", {}, random.Random(0))
    '孙中山1915年就任什么职务？'
    >>> art = "1912年孙中山就任临时大总统。1921年他就任非常大总统。"
    >>> perturb("孙中山1912年就任什么职务？", art, {}, random.Random(0), around=art[:15])
    '孙中山1921年就任什么职务？'
    >>> perturb("孙中山生于哪里？", "孙中山生于香山", {"nr": ["林则徐"]}, random.Random(0))
    '林则徐生于哪里？'
    >>> art = "孙中山生于香山。林则徐生于福建。"
    >>> perturb("孙中山生于哪里？", art, {"nr": ["李鸿章"]}, random.Random(0), around=art[:8])
    '林则徐生于哪里？'
    """
    from rag.features import tagged_names

    text = norm(article)
    near = text if around is None else norm(around)
    # Names the article gives elsewhere come first: 香港 swapped for 澳门, which the
    # library speaks of but not here, is the near miss a reader meets.
    pool = {tag: [n for n in ns if n not in near] for tag, ns in names.items()}
    for w, tag in tagged_names(text):
        if w not in near:
            pool.setdefault(f"{tag} here", []).append(w)
    mine = [(w, tag) for w, tag in tagged_names(question) if w in near]
    mine = [(w, tag) for w, tag in mine if pool.get(f"{tag} here") or pool.get(tag)]
    figures = [m for m in re.finditer(r"\d+", question) if m.group() in near]
    if figures and not (names_first and mine):
        m = rng.choice(figures)
        old = m.group()
        elsewhere = sorted(set(_YEAR.findall(text)) - set(_YEAR.findall(near)))
        elsewhere = elsewhere if _YEAR.fullmatch(old) else []
        if elsewhere:
            new = rng.choice(elsewhere)
            return question[: m.start()] + new + question[m.end() :]
        value = int(old)
        for step in (3, -2, 5, 7, -4, 11):
            new = str(value + step)
            if new not in text and value + step >= 0:
                return question[: m.start()] + new + question[m.end() :]
        return ""
    if not mine:
        return ""
    old, tag = rng.choice(sorted(mine))
    others = sorted(set(pool.get(f"{tag} here") or pool[tag]))
    return question.replace(old, rng.choice(others), 1)


def name_pool(questions: list[str]) -> dict[str, list[str]]:
    """The names questions use, by kind (nr, ns, nt, nz), for ``perturb``."""
    from rag.features import tagged_names

    pool: dict[str, set[str]] = {}
    for q in questions:
        for w, tag in tagged_names(q):
            pool.setdefault(tag, set()).add(w)
    return {tag: sorted(ws) for tag, ws in pool.items()}


def _row(qa: dict, kind: str, keys: list[str], source: str | None) -> dict:
    row = {"id": f"{kind}-{qa['id']}", "kind": kind, "question": qa["question"].strip()}
    row["keys"] = keys
    if source:
        row["source"] = source
    return row


def seed_questions(dev: Path, seeds: Path, out: Path, half: int) -> list[dict]:
    """Half the seed dev set (lines ``half``, ``half + 2``, …), its documents copied into
    ``out/docs``, and a perturbed twin of every answerable question whose pin the
    passages around its answer do not state. The dev set's own unanswerable questions
    come as they are (kind "seed-none")."""
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    texts = []
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        (docs / f"seed_{path.name}").write_text(text, encoding="utf-8")
        texts.append(text)
    lines = dev.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()][half::2]
    names = name_pool([r["question"] for r in rows if r.get("keys")])
    twist = random.Random(f"seed-{half}-perturb")
    out_rows = []
    for r in rows:
        if not r.get("keys"):
            row = {"id": f"seed-{r['id']}", "kind": "seed-none", "question": r["question"]}
            out_rows.append({**row, "keys": []})
            continue
        out_rows.append(
            {"id": f"seed-{r['id']}", "kind": "seed", "question": r["question"], "keys": r["keys"]}
        )
        # What the documents say around the answer: the paragraphs that hold a key.
        around = "\n".join(
            p for t in texts for p in t.split("\n") if any(norm(k) in norm(p) for k in r["keys"])
        )
        # Two twins where it can: one with a figure changed, one with a name.
        whole = "\n".join(texts)
        twins = {
            perturb(r["question"], whole, names, twist, first, around) for first in (False, True)
        }
        for n, changed in enumerate(sorted(t for t in twins if t and around)):
            out_rows.append(
                {
                    "id": f"seed-perturbed-{n}-{r['id']}",
                    "kind": "seed-perturbed",
                    "question": changed,
                    "keys": [],
                }
            )
    return out_rows


def xquad_questions(folder: Path, out: Path, part: int, parts: int = 3) -> list[dict]:
    """The English questions of XQuAD-dev (``folder``: docs/ and questions.jsonl, see
    ../shared/eval/open-book) about the articles whose place in name order is ``part``
    modulo ``parts``, their documents copied into ``out/docs``. Part 0 is for fitting, 1
    for validation; part 2 is never read here, so that the English figures can be
    reported on articles no step of training saw.

    One paragraph of each article (not its title line) is held out, as DRCD's are: the
    questions it answered keep no keys (kind ``xquad-en-heldout``), English questions
    about a subject the library holds, asking what it does not say."""
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    names = sorted(p.name for p in (folder / "docs").glob("*.txt"))
    mine = {name for i, name in enumerate(names) if i % parts == part}
    rng = random.Random(f"xquad-{part}-hold")
    kept = {}
    for name in sorted(mine):
        paras = (folder / "docs" / name).read_text(encoding="utf-8").split("\n\n")
        held = rng.randrange(1, len(paras)) if len(paras) > 2 else None
        body = "\n\n".join(p for j, p in enumerate(paras) if j != held)
        (docs / name).write_text(body, encoding="utf-8")
        kept[name] = norm(body)
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    rows = []
    for r in (json.loads(line) for line in lines if line.strip()):
        if r.get("source") not in mine or r.get("kind") != "xquad-en":
            continue
        if any(norm(k) in kept[r["source"]] for k in r["keys"]):
            rows.append(r)
        else:
            row = {"id": f"heldout-{r['id']}", "kind": "xquad-en-heldout"}
            rows.append({**row, "question": r["question"], "keys": []})
    return rows


def english_absent(rows: list[dict], docs: Path) -> list[dict]:
    """English questions (``xquad_questions``) as questions about articles not indexed,
    to be asked of the corpus in ``docs``: those whose answer appears nowhere there,
    with no keys and kind ``xquad-en-absent``.

    Without them, every English question the model learns from is answerable, and it
    would learn that English is always answered; with them, an English question is
    refused as a Chinese one is, for what the library lacks.
    """
    texts = [norm(p.read_text(encoding="utf-8")) for p in sorted(docs.glob("*.txt"))]
    out = []
    for r in rows:
        if r["keys"] and not any(norm(k) in text for k in r["keys"] for text in texts):
            row = {"id": f"absent-{r['id']}", "kind": "xquad-en-absent"}
            out.append({**row, "question": r["question"], "keys": []})
    return out


def prepare_english(xquad: Path, out: Path, split: str, beside: Path | None = None) -> Path:
    """Make ``out/<split>-english``: a corpus of its own of XQuAD-dev articles and their
    English questions (``xquad_questions``; part 0 for "fit", 1 for "val"), kept apart
    so that the other corpora, and what is fitted on them, stay as they are. The
    documents in ``beside`` (the split's common corpus) join it: five articles alone
    make retrieval easier, and the features kinder, than any real library."""
    folder = out / f"{split}-english"
    rows = xquad_questions(xquad, folder, 0 if split == "fit" else 1)
    for path in sorted(beside.glob("*.txt")) if beside is not None else ():
        (folder / "docs" / path.name).write_text(path.read_text(encoding="utf-8"), "utf-8")
    with open(folder / "questions.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return folder


def prepare(
    open_book: Path,
    out: Path,
    split: str,
    splits: dict[str, tuple[Part, ...]] = SPLITS,
    seed_dev: tuple[Path, Path] | None = None,
) -> Path:
    """Make ``out/<split>/docs`` and ``out/<split>/questions.jsonl``; returns the folder.
    ``seed_dev`` (the dev questions, the seed documents) adds half the dev set: the even
    lines to "fit", the odd ones to "val"."""
    folder = out / split
    cache: dict[str, list[dict]] = {}
    rows: list[dict] = []
    for part in splits[split]:
        if part.file not in cache:
            cache[part.file] = articles(open_book / part.file)
        rows += write_part(cache[part.file], part, folder)
    if seed_dev is not None:
        rows += seed_questions(*seed_dev, folder, 0 if split == "fit" else 1)
    with open(folder / "questions.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return folder
