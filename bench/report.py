"""The report: one-line summaries, the issue's targets, a Markdown table and a plot."""

from __future__ import annotations

from pathlib import Path

from bench import LABELS, OPEN_BOOK, PEER_PACKAGES, TOP_K, WARMUP, BenchError


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
    hybrid1 = _find(runs, "hybrid", 1)
    if hybrid1 and "answer_p95_ms" in hybrid1:
        out.append(
            f"{_mark(hybrid1['answer_p95_ms'] <= 50)} whole answer p95 in hybrid mode at scale "
            f"1: {hybrid1['answer_p95_ms']} ms (target ≤ 50 ms)"
        )
        out.append(
            f"{_mark(hybrid1['build_s'] <= 60)} hybrid build with vectors at scale 1: "
            f"{hybrid1['build_s']} s (target ≤ 60 s)"
        )
    ours1, faiss1 = _find(runs, "lexical", 1), _find(runs, "langchain-faiss", 1)
    if ours1 and faiss1:
        out.append(
            f"{_mark(ours1['build_s'] <= faiss1['build_s'])} build at scale 1: "
            f"(1) {ours1['build_s']} s vs (3) {faiss1['build_s']} s (target: (1) ≤ (3))"
        )
    hybrid0, faiss0 = _find(runs, "hybrid", OPEN_BOOK), _find(runs, "langchain-faiss", OPEN_BOOK)
    if hybrid0 and faiss0 and hybrid0["hit1"] is not None and faiss0["hit1"] is not None:
        out.append(
            f"{_mark(hybrid0['hit1'] > faiss0['hit1'])} open-book hit1 with the same model: "
            f"(2) {hybrid0['hit1']} vs (3) {faiss0['hit1']} (target: (2) > (3))"
        )
    if hybrid1 and faiss1 and hybrid1["hit1"] is not None and faiss1["hit1"] is not None:
        out.append(
            f"{_mark(hybrid1['hit1'] > faiss1['hit1'])} dev hit1 with the same model: "
            f"(2) {hybrid1['hit1']} vs (3) {faiss1['hit1']} (target: (2) > (3))"
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
        scale = "open-book" if r["scale"] == OPEN_BOOK else r["scale"]
        lines.append(f"| {label} | {scale} | " + " | ".join(map(str, cells)) + " |")
        where = "open-book" if r["scale"] == OPEN_BOOK else f"scale {r['scale']}"
        if r.get("answer_hit") is not None:
            notes.append(
                f'- {label}, open-book: answer_hit {r["answer_hit"]}, false "not found" '
                f"{r['false_abstain']}, absent questions refused {r.get('abstain_ok', '–')}"
            )
        if r.get("answer_p50_ms") is not None:
            notes.append(
                f"- {label}, {where}: whole answers (retrieval + extraction) "
                f"p50 {r['answer_p50_ms']} ms, p95 {r['answer_p95_ms']} ms"
            )
        if r.get("add_ms") is not None:
            notes.append(f"- {label}, {where}: adding one document (median of 3) {r['add_ms']} ms")
        if r.get("notes"):
            notes.append(f"- {label}, {where}: {r['notes']}")
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
        "- open-book (with `--open-book DIR`): Wikipedia articles no one here wrote and "
        "questions people asked of them (CMRC 2018, DRCD), as the open-book README builds "
        "them; this engine also answers them, absent questions included (see the notes).",
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
