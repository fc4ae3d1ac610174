"""Command line: ``rag index``, ``rag ask``, ``rag eval``, ``rag bench``, ``rag train``,
``rag users``, ``rag download-model``.

Heavy imports live inside the commands, so ``rag --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rag.settings import MODES

# One rule for every command: bad input or usage exits 2, a failure to do the work 1.
EXIT_USAGE = 2
EXIT_FAILURE = 1


class UserError(Exception):
    """Bad input: printed as one line, exit code 2."""


class Failure(Exception):
    """The work could not be done: printed as one line, exit code 1."""


def _settings(args):
    """Settings from the flags and the environment; a missing seed folder is bad input."""
    from rag.settings import BadRequest, Settings

    try:
        settings = Settings.from_env(
            args.seeds, args.index, args.model, args.mode, store=getattr(args, "store", None)
        )
    except BadRequest as exc:
        raise UserError(str(exc)) from exc
    # A replica on Milvus answers from the store alone; only ``rag index`` reads seeds.
    if not settings.seeds.is_dir() and (
        not settings.milvus or getattr(args, "func", None) is cmd_index
    ):
        raise UserError(
            f"seed folder {settings.seeds} does not exist (give --seeds or set RAG_SEEDS)"
        )
    return settings


def cmd_index(args) -> int:
    from rag.build import build
    from rag.embed import load_embedder

    settings = _settings(args)
    embedder = None
    if settings.mode == "hybrid":
        embedder, reason = load_embedder(settings.model)
        if reason:
            print(reason, file=sys.stderr)
    start = time.perf_counter()
    if settings.milvus:
        from rag.milvus import sync

        say = lambda m: print(m, file=sys.stderr)  # noqa: E731
        store = sync(settings, embedder, progress=sys.stderr.isatty(), say=say, mirror=True)
        kind = "hybrid (BM25 + vectors)" if store.has_vectors else "lexical (BM25)"
        print(
            f"indexed {store.passage_count()} chunks from {len(store.documents())} documents, "
            f"{kind}, in {time.perf_counter() - start:.1f} s → {settings.store}"
        )
        return 0
    folder = build(settings, embedder, progress=sys.stderr.isatty())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    kind = "hybrid (BM25 + vectors)" if manifest["dense"] else "lexical (BM25)"
    print(
        f"indexed {manifest['chunks']} chunks from {manifest['documents']} documents, "
        f"{kind}, in {time.perf_counter() - start:.1f} s → {folder}"
    )
    return 0


def _check(question, mode: str, k: int) -> tuple[str, str, int]:
    from rag.settings import BadRequest, check_request

    try:
        return check_request(question, mode, k)
    except BadRequest as exc:
        raise UserError(str(exc)) from exc


def format_answer(answer, k: int) -> str:
    """Human-readable answer, how sure the model is, and the numbered citations (passages
    of one file that share lines once, as in the web UI)."""
    from rag.render import certainty, sources

    lines = []
    if answer.understood_as:
        lines.append(f"按上文理解为：{answer.understood_as}")
    lines += [f"答案：{answer.text}", f"把握：{certainty(answer.confidence)}", ""]
    lines.append("最接近的段落：" if answer.abstained else "来源：")
    for s in sources(answer, k):
        lines.append(f"{s.label} {s.title}")
        lines.append(f"    {s.source}  第 {s.first_line}–{s.last_line} 行")
        lines.extend("    " + line for line in s.text.splitlines() if line.strip())
    return "\n".join(lines)


def cmd_ask(args) -> int:
    if args.batch:
        return _ask_batch(args)
    if args.question is None:
        raise UserError("give a question, or --batch QUESTIONS.jsonl")
    text = sys.stdin.read() if args.question == "-" else args.question
    settings = _settings(args)
    question, mode, k = _check(text, settings.mode, args.k)
    from rag.engine import open_engine

    engine = open_engine(settings, progress=sys.stderr.isatty())
    answer = engine.ask(question, k=k, mode=mode)
    if args.json:
        print(json.dumps(answer.to_result(), ensure_ascii=False))
    else:
        print(format_answer(answer, args.k))
    return 0


def _answer_file(args, path: Path, out) -> tuple[list[dict], list[dict], int]:
    """Answer every good line of a JSONL question file, writing results to ``out``.

    Returns the questions read, the results written (a question too long to answer
    gets a row with ``error``) and the number of lines bad or not answered."""
    if not path.is_file():
        raise UserError(f"question file {path} does not exist")
    settings = _settings(args)
    _, mode, k = _check("?", settings.mode, args.k)
    from rag.engine import open_engine
    from rag.evaluate import read_questions
    from rag.records import refusal
    from rag.settings import QuestionTooLong

    questions, bad = read_questions(path)
    for n, reason in bad:
        print(f"{path}:{n}: skipped: {reason}", file=sys.stderr)
    engine = open_engine(settings, progress=sys.stderr.isatty())
    results, refused = [], 0
    for row in questions:
        try:
            answer = engine.ask(row["question"].strip(), k=k, mode=mode, history=row["history"])
            result = answer.to_result(row["id"])
        except QuestionTooLong as exc:
            # The row says why; the other questions are still answered.
            print(f"{path}: {row['id']}: not answered: {exc}", file=sys.stderr)
            result = refusal(str(exc), row["id"])
            refused += 1
        if out is not None:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        results.append(result)
    print(
        f"answered {len(results) - refused} questions, refused {refused} too long, "
        f"skipped {len(bad)} bad lines",
        file=sys.stderr,
    )
    return questions, results, len(bad) + refused


def _ask_batch(args) -> int:
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    try:
        _, _, skipped = _answer_file(args, Path(args.batch), out)
    finally:
        if out is not sys.stdout:
            out.close()
    return EXIT_FAILURE if skipped else 0


def cmd_eval(args) -> int:
    from rag.evaluate import score, table

    out = open(args.out, "w", encoding="utf-8") if args.out else None  # noqa: SIM115
    try:
        questions, results, skipped = _answer_file(args, Path(args.questions), out)
    finally:
        if out is not None:
            out.close()
    metrics = score(questions, {r["id"]: r for r in results}, resolve=_settings(args).resolve)
    print(json.dumps(metrics, ensure_ascii=False) if args.json else table(metrics))
    return EXIT_FAILURE if skipped else 0


def cmd_bench(args) -> int:
    # The benchmark is its own package beside ``rag``; no other command imports it.
    try:
        from bench.cli import BenchError, UsageError, run
    except ImportError as exc:
        raise Failure(f"the benchmark package is not installed ({exc}): pip install -e .") from exc
    try:
        return run(args)
    except UsageError as exc:
        raise UserError(str(exc)) from exc
    except BenchError as exc:
        raise Failure(str(exc)) from exc


def cmd_chat(args) -> int:
    """``rag chat``: a conversation in the terminal; follow-ups are read against the
    earlier questions. Line editing and history come from readline; Ctrl-D leaves."""
    import contextlib

    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (arrow keys and history for input())
    from rag.engine import open_engine
    from rag.settings import BadRequest, QuestionTooLong, check_request

    settings = _settings(args)
    engine = open_engine(settings, progress=sys.stderr.isatty())
    asked: list[str] = []
    prompt = "问题> " if sys.stdin.isatty() else ""
    while True:
        try:
            line = input(prompt)
        except EOFError:
            print()
            return 0
        try:
            question, mode, k = check_request(line, settings.mode, args.k)
        except QuestionTooLong as exc:
            print(exc, flush=True)
            continue
        except BadRequest:
            continue  # an empty line asks nothing
        answer = engine.ask(question, k=k, mode=mode, history=asked)
        asked.append(question)
        print(format_answer(answer, k), flush=True)
        print(flush=True)


def cmd_docs(args) -> int:
    """``rag docs list | add FILE… | remove NAME``: the library, as the web UI's 资料库."""
    from rag.service import Library, NotRemovable, read_upload

    settings = _settings(args)
    if args.action in ("add", "remove") and not args.names:
        what = "file" if args.action == "add" else "document name"
        raise UserError(f"rag docs {args.action} needs at least one {what}")
    library = Library(settings, say=lambda m: print(m, file=sys.stderr))
    if args.action == "list":
        for d in library.documents():
            kind = "upload" if d.upload else "seed"
            print(f"{d.source}\t{kind}\t{d.passages} passages\t{d.added}\t{d.title}")
        return 0
    if args.action == "add":
        files = []
        for name in args.names:
            if not Path(name).is_file():
                raise UserError(f"file {name} does not exist")
            files.append(read_upload(name))
        results = library.add_files(files)
        for r in results:
            print(f"{'added' if r.ok else 'rejected'}: {r.name}: {r.english}")
        return 0 if all(r.ok for r in results) else EXIT_FAILURE
    for name in args.names:
        try:
            doc = library.remove(name)
        except NotRemovable as exc:
            raise UserError(str(exc)) from exc
        print(f"removed: {doc.source} ({doc.title})")
    return 0


def _read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input for scripts, else typed twice
    without echo. Never a command-line argument, where ``ps`` and shell history see it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the two passwords differ; nothing was changed")
    return first


def cmd_users(args) -> int:
    """``rag users list | add NAME [--role R] [--password-stdin] | remove NAME``: in the
    users file, or with ``--store`` (and no users file named) in the Milvus store."""
    from rag import users
    from rag.settings import BadRequest, Settings

    try:
        settings = Settings.from_env(index=args.index, users=args.users, store=args.store)
    except BadRequest as exc:
        raise UserError(str(exc)) from exc
    if args.action != "list" and not args.name:
        raise UserError(f"rag users {args.action} needs a user name")
    try:
        book = users.book(settings)
        if args.action == "list":
            for user in sorted(book.read().values(), key=lambda u: u.name):
                print(f"{user.name}\t{user.role}")
            return 0
        if args.action == "remove":
            user = users.remove(book, args.name)
            print(f"removed {user.name} ({user.role}) from {book.where}")
            return 0
        user = users.add(book, args.name, args.role, _read_password(args.password_stdin))
    except users.UsersProblem as exc:
        raise UserError(str(exc)) from exc
    print(f"added {user.name} ({user.role}) to {book.where}")
    return 0


def cmd_train(args) -> int:
    """``rag train``: refit the answer model from the open-book data (see rag.learn)."""
    from rag.learn import train
    from rag.learn_conversation import TUNING

    open_book = Path(args.open_book)
    if (
        not (open_book / "cmrc2018_trial.json").is_file()
        or not (open_book / "drcd_dev.json").is_file()
    ):
        raise UserError(f"{open_book} lacks cmrc2018_trial.json and drcd_dev.json")
    seed_dev = None
    if args.dev:
        dev, seeds = Path(args.dev), Path(args.seeds or "seeds")
        if not dev.is_file() or not seeds.is_dir():
            raise UserError(f"give an existing --dev file and --seeds folder ({dev}, {seeds})")
        seed_dev = (dev, seeds)
    xquad = Path(args.xquad) if args.xquad else None
    if xquad is not None and not (xquad / "questions.jsonl").is_file():
        raise UserError(f"{xquad} lacks questions.jsonl (give --xquad '' to train without it)")
    conversations = None
    if args.conversations:
        folder = Path(args.conversations)
        files = [folder / f"{name}.jsonl" for name in TUNING]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            lacking = ", ".join(missing)
            raise UserError(f"{folder} lacks {lacking} (give --conversations '' for none)")
        seeds = Path(args.seeds or "seeds")
        if not seeds.is_dir():
            raise UserError(f"the conversations ask about --seeds {seeds}, not a folder")
        conversations = (seeds, files)
    train(
        open_book,
        Path(args.work),
        Path(args.out),
        seed_dev=seed_dev,
        xquad=xquad,
        conversations=conversations,
        model_name=args.model,
        progress=sys.stderr.isatty(),
    )
    print(f"wrote {args.out}")
    return 0


def cmd_download_model(args) -> int:
    from rag.embed import download_model, resolve_model

    path = download_model(resolve_model(args.name))
    print(f"model {args.name} is cached at {path}; it now loads without network")
    return 0


def library_flags(p: argparse.ArgumentParser) -> None:
    """The flags that say which library to use, and how: the same for every command and
    for the web app (``app.py``)."""
    p.add_argument("--seeds", help="folder of .txt/.md documents (default: $RAG_SEEDS or seeds)")
    p.add_argument("--index", help="index folder (default: $RAG_INDEX or index)")
    p.add_argument(
        "--model",
        default=None,
        help="embedding model: hub name or local folder (default: $RAG_MODEL "
        "or the bundled e5-small-q4)",
    )
    p.add_argument(
        "--store",
        help="keep passages in Milvus: a Milvus Lite file (PATH.db) or http(s)://host:port "
        "(default: $RAG_STORE, else the index folder)",
    )
    p.add_argument(
        "--mode",
        choices=MODES,
        help="hybrid = BM25 + vectors (default, or $RAG_MODE); lexical = BM25 only",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag",
        description="Offline question answering with cited sources over GBA policy documents.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build the index from the documents")
    library_flags(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question with cited passages")
    p.add_argument(
        "question",
        nargs="?",
        help="the question (Chinese or English); - reads it from standard input",
    )
    p.add_argument("--batch", help="JSONL file of {id, question} lines")
    p.add_argument("--out", help="with --batch: write results here (default: stdout)")
    p.add_argument("-k", type=int, default=None, help="passages to return")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    library_flags(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="answer questions with keys and print hit@k, MRR, answers")
    p.add_argument("questions", help="JSONL of {id, kind, question, keys}")
    p.add_argument("--out", help="also write the per-question results (batch format)")
    p.add_argument("-k", type=int, default=10, help="passages per question")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    library_flags(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="time and score this engine against LangChain recipes")
    p.add_argument(
        "--scale",
        type=int,
        nargs="+",
        default=[1, 10, 100],
        help="corpus sizes, in copies of the seed documents (default: 1 10 100)",
    )
    p.add_argument("--json", help="write the report as JSON here")
    p.add_argument("--md", help="write the report as a Markdown table here")
    p.add_argument("--png", help="plot build time and latency against corpus size here")
    p.add_argument(
        "--questions",
        help="JSONL with keys, for hit1/hit5",
    )
    p.add_argument("--queries", type=int, default=200, help="timed queries per run (≥ 200)")
    p.add_argument(
        "--open-book",
        help="also run on an open-book folder (docs/, questions.jsonl, absent.jsonl)",
    )
    p.add_argument(
        "--systems",
        default="lexical,hybrid,langchain-faiss,langchain-bm25,milvus,milvus-hybrid",
        help="comma-separated subset of the six systems (see bench/__init__.py)",
    )
    p.add_argument("--seeds", help="folder of .txt/.md documents (default: $RAG_SEEDS or seeds)")
    p.add_argument(
        "--model",
        default=None,
        help="model for (2), (3) and (6) (default: the bundled e5-small-q4)",
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("chat", help="a conversation in the terminal (follow-ups understood)")
    p.add_argument("-k", type=int, default=5, help="passages to show per answer")
    library_flags(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("docs", help="list, add or remove the documents of the library")
    p.add_argument("action", choices=("list", "add", "remove"))
    p.add_argument(
        "names",
        nargs="*",
        help="add: files; remove: an upload's name, source, stored file name or title",
    )
    library_flags(p)
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("users", help="who may sign in to the app served off loopback")
    p.add_argument("action", choices=("list", "add", "remove"))
    p.add_argument("name", nargs="?", help="add, remove: the user name")
    p.add_argument(
        "--role",
        choices=("reader", "editor"),
        default="reader",
        help="add: a reader asks; an editor also adds and removes documents (default: reader)",
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="add: read the password from one line of standard input (for scripts)",
    )
    p.add_argument("--index", help="index folder (default: $RAG_INDEX or index)")
    p.add_argument(
        "--users",
        help="users file (default: $RAG_USERS; else, with --store, the store itself; else "
        "users.json in the index folder)",
    )
    p.add_argument(
        "--store",
        help="Milvus store whose replicas share these users (default: $RAG_STORE)",
    )
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("train", help="refit the answer model from the open-book datasets")
    p.add_argument(
        "--open-book",
        default="../shared/eval/open-book",
        help="folder with cmrc2018_trial.json and drcd_dev.json",
    )
    p.add_argument(
        "--dev",
        default="../shared/eval/dev.jsonl",
        help="seed questions with keys, half fitted and half for validation ('' for none)",
    )
    p.add_argument(
        "--seeds", help="the documents --dev and --conversations ask about (default: seeds)"
    )
    p.add_argument(
        "--xquad",
        default="../shared/eval/open-book/xquad-dev",
        help="XQuAD-dev folder: English questions for the English choice model ('' for none)",
    )
    p.add_argument(
        "--conversations",
        default="eval",
        help="folder of the tuning conversation files about the seeds, for what a "
        "conversation adds to a follow-up's choice ('' for none)",
    )
    p.add_argument("--work", default="/tmp/rag-train", help="where corpora and indexes go")
    p.add_argument(
        "--out", default=str(Path(__file__).with_name("answer_model.json")), help="weights file"
    )
    p.add_argument("--model", default=None, help="embedding model (default: the bundled one)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("download-model", help="fetch a hub model once, on a connected machine")
    p.add_argument("name", help="hub name, e.g. intfloat/multilingual-e5-small")
    p.set_defaults(func=cmd_download_model)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "k", 0) is None:
        args.k = 10 if getattr(args, "batch", None) or args.json else 5
    from rag.embed import ModelUnavailable
    from rag.judge import ModelProblem
    from rag.store import IndexProblem

    try:
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (Failure, IndexProblem, ModelUnavailable, ModelProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted; the previous index is still in place", file=sys.stderr)
        return 130
