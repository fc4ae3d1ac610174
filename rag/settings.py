"""Settings and request rules in one place: the CLI, the web UI and its API all read them.

Every environment variable the product honours is read here, and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunk import ChunkSettings
from rag.ingest import source_files, stored_file

MODES = ("hybrid", "lexical")
MAX_QUESTION = 2000
MAX_K = 10
# Earlier questions a follow-up is read against, most recent kept.
MAX_HISTORY = 10
# Labels that cited sources carry in place of a folder path: the same whatever directory
# the index is queried from (seeds/NAME for seed files, uploads/NAME for uploads).
SEEDS_LABEL = "seeds"
UPLOADS_LABEL = "uploads"


class BadRequest(ValueError):
    """A question, mode or passage count that cannot be used; the message says why."""


class QuestionTooLong(BadRequest):
    """A question over ``MAX_QUESTION`` characters. It is refused whole: answering the
    first part of a long paste would drop what it asks, often at the end."""

    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(
            f"问题过长：共 {length} 个字符，上限为 {MAX_QUESTION} 个字符。"
            f"请删去至少 {length - MAX_QUESTION} 个字符后再提问。"
        )


def check_length(question: str) -> str:
    """The question as given, or QuestionTooLong.

    >>> check_length("深圳？")
    '深圳？'
    >>> try:
    ...     check_length("啊" * 2001)
    ... except QuestionTooLong as exc:
    ...     print(exc)
    问题过长：共 2001 个字符，上限为 2000 个字符。请删去至少 1 个字符后再提问。
    """
    if len(question) > MAX_QUESTION:
        raise QuestionTooLong(len(question))
    return question


@dataclass(frozen=True)
class Settings:
    seeds: Path = Path("seeds")
    index: Path = Path("index")
    model: str | None = None
    mode: str = "hybrid"
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    # Where passages are kept: "" for the index folder, else a Milvus URI (see rag.milvus).
    store: str = ""
    milvus_token: str = field(default="", repr=False)
    # Who may use the app served off loopback (see rag.users); None: beside the index.
    users: Path | None = None

    @classmethod
    def from_env(
        cls,
        seeds: str | Path | None = None,
        index: str | Path | None = None,
        model: str | None = None,
        mode: str | None = None,
        env: Mapping[str, str] = os.environ,
        store: str | None = None,
        users: str | Path | None = None,
    ) -> Settings:
        """Flags first, then ``RAG_SEEDS``, ``RAG_INDEX``, ``RAG_MODEL``, ``RAG_MODE``,
        ``RAG_STORE`` (with ``RAG_MILVUS_TOKEN``), ``RAG_USERS``, then the defaults.

        >>> Settings.from_env(mode="lexical", env={"RAG_INDEX": "/tmp/i"}).index
        PosixPath('/tmp/i')
        """
        mode = mode or env.get("RAG_MODE") or "hybrid"
        if mode not in MODES:
            raise BadRequest(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        store = (store or env.get("RAG_STORE") or "").strip()
        if store and not (store.endswith(".db") or store.startswith(("http://", "https://"))):
            raise BadRequest(
                f"the store must be a Milvus Lite file (*.db) or http(s)://host:port, not {store!r}"
            )
        return cls(
            seeds=Path(seeds or env.get("RAG_SEEDS") or "seeds"),
            index=Path(index or env.get("RAG_INDEX") or "index"),
            model=model or env.get("RAG_MODEL") or None,
            mode=mode,
            store=store,
            milvus_token=env.get("RAG_MILVUS_TOKEN", ""),
            users=Path(users or env["RAG_USERS"]) if users or env.get("RAG_USERS") else None,
        )

    @property
    def milvus(self) -> bool:
        """True when passages are kept in Milvus rather than the index folder."""
        return bool(self.store)

    @property
    def users_file(self) -> Path:
        """The users file: ``--users`` / ``RAG_USERS``, else ``users.json`` in the index.

        >>> Settings(index=Path("/srv/index")).users_file
        PosixPath('/srv/index/users.json')
        """
        return self.users or self.index / "users.json"

    @property
    def uploads(self) -> Path:
        return self.index / "uploads"

    def files(self) -> list[Path]:
        return source_files([self.seeds, self.uploads])

    def folders(self) -> dict[str, Path]:
        """Corpus folders by the label their sources are cited with."""
        return {SEEDS_LABEL: self.seeds, UPLOADS_LABEL: self.uploads}

    def resolve(self, source: str) -> Path | None:
        """The file a cited source names, or None when it names no corpus file.

        >>> Settings(seeds=Path("/data/docs")).resolve("seeds/a.txt")
        PosixPath('/data/docs/a.txt')
        """
        label, _, name = source.partition("/")
        folder = self.folders().get(label)
        if folder is None or not name or "/" in name or name.startswith("."):
            return None
        # An upload is cited by its original name but stored under a generated one.
        return stored_file(folder, name)


def listen_address(
    host: str | None = None, port: int | None = None, env: Mapping[str, str] = os.environ
) -> tuple[str, int]:
    """Where the web UI serves: flags, then ``RAG_HOST`` / ``RAG_PORT``, then the local
    default.

    >>> listen_address(env={"RAG_PORT": "8000"})
    ('127.0.0.1', 8000)
    """
    host = host or env.get("RAG_HOST") or "127.0.0.1"
    raw = port if port is not None else env.get("RAG_PORT") or 7860
    try:
        port = int(raw)
    except ValueError:
        raise BadRequest(f"the port must be a number, not {raw!r}") from None
    if not 0 < port < 65536:
        raise BadRequest(f"the port must be from 1 to 65535, not {port}")
    return host, port


def check_history(history: object) -> list[str]:
    """Earlier questions of a conversation, oldest first: a list of strings (None is an
    empty conversation); the last ``MAX_HISTORY``, each cut to ``MAX_QUESTION``.

    >>> check_history(["广州开发区有多少家外资企业？", "  "])
    ['广州开发区有多少家外资企业？']
    """
    if history is None:
        return []
    if not isinstance(history, list) or not all(isinstance(t, str) for t in history):
        raise BadRequest("history must be a list of earlier questions (strings), oldest first")
    turns = [t.strip()[:MAX_QUESTION] for t in history if t.strip()]
    return turns[-MAX_HISTORY:]


def check_request(question: object, mode: object = "hybrid", k: object = 5) -> tuple[str, str, int]:
    """Validate one request as every front end must; ``k`` is clamped to 1–``MAX_K``; a
    question over ``MAX_QUESTION`` characters (once stripped) is QuestionTooLong.

    >>> check_request(" 深圳？ ", "lexical", "20")
    ('深圳？', 'lexical', 10)
    """
    if not isinstance(question, str) or not question.strip():
        raise BadRequest(
            'the question is empty: ask something, e.g. "广州经开区有多少家上市企业？"'
        )
    if mode not in MODES:
        raise BadRequest(f"mode must be one of {', '.join(MODES)}")
    try:
        k = int(k)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadRequest(f"k must be a whole number from 1 to {MAX_K}") from None
    return check_length(question.strip()), str(mode), min(max(k, 1), MAX_K)
