"""``rag bench`` arguments: checked here, so that ``rag.cli`` never imports the benchmark."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import DEFAULT_MODEL, SYSTEMS, BenchError
from bench.report import markdown, plot
from bench.runner import run as run_all


class UsageError(ValueError):
    """Bad arguments: one line, exit code 2."""


def run(args) -> int:
    """``rag bench``: validate the arguments, run, write the reports; the exit code."""
    from rag.settings import Settings

    seeds = Settings.from_env(seeds=args.seeds).seeds
    if not seeds.is_dir():
        raise UsageError(f"seed folder {seeds} does not exist")
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        what = f"unknown system {unknown[0]!r}" if unknown else "no system given"
        raise UsageError(f"{what}: choose from {', '.join(SYSTEMS)}")
    if any(n < 1 for n in args.scale):
        raise UsageError("--scale takes positive whole numbers (copies of the seed documents)")
    if args.queries < 1:
        raise UsageError("--queries must be at least 1")
    for out in (args.json, args.md, args.png):
        if out and not Path(out).resolve().parent.is_dir():
            raise UsageError(f"cannot write {out}: its folder does not exist")
    questions: list[dict] = []
    if args.questions:
        if not Path(args.questions).is_file():
            raise UsageError(f"question file {args.questions} does not exist")
        from rag.evaluate import read_questions

        questions, bad = read_questions(Path(args.questions))
        if bad:
            n, reason = bad[0]
            raise BenchError(f"{args.questions}:{n}: {reason}")
    else:
        print("no question file: hit1/hit5 are not measured (give --questions)", file=sys.stderr)
    open_book = Path(args.open_book) if args.open_book else None
    if open_book is not None and not (
        (open_book / "docs").is_dir() and (open_book / "questions.jsonl").is_file()
    ):
        raise UsageError(f"{open_book} needs docs/ and questions.jsonl (see the open-book README)")
    report = run_all(
        seeds,
        args.scale,
        questions,
        n_queries=args.queries,
        model=args.model or DEFAULT_MODEL,
        systems=systems,
        say=lambda m: print(m, file=sys.stderr),
        open_book=open_book,
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    if args.md:
        Path(args.md).write_text(markdown(report), encoding="utf-8")
    if args.png:
        plot(report, Path(args.png))
    print(markdown(report))
    return 1 if any("error" in r for r in report["runs"]) else 0
