"""The records that travel from ingestion to answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Document:
    """A cleaned source file. ``lines[i]`` is the 1-based source line of ``text[i]``."""

    source: str
    title: str
    text: str
    lines: tuple[int, ...]


@dataclass(frozen=True)
class NewDocument:
    """A document to add to the library: as cited (``uploads/NAME``, NAME its original
    name), its title, the text of its file and that text's content hash."""

    source: str
    title: str
    original: str
    content: str

    @property
    def name(self) -> str:
        return self.source.split("/", 1)[-1]


@dataclass(frozen=True)
class Chunk:
    """A passage that can be cited: its text and where it stands in its source file."""

    id: str
    source: str
    title: str
    text: str
    first_line: int
    last_line: int

    def to_dict(self) -> dict:
        return asdict(self)

    def shares_lines(self, other: Chunk) -> bool:
        """Whether this passage and ``other`` hold lines of one file in common."""
        return (
            self.source == other.source
            and self.first_line <= other.last_line
            and other.first_line <= self.last_line
        )

    @classmethod
    def from_dict(cls, d: dict) -> Chunk:
        return cls(
            id=str(d["id"]),
            source=str(d["source"]),
            title=str(d["title"]),
            text=str(d["text"]),
            first_line=int(d["first_line"]),
            last_line=int(d["last_line"]),
        )


@dataclass(frozen=True)
class Hit:
    """A chunk found by a search; ``via`` says which retriever(s) put it there."""

    chunk: Chunk
    score: float
    via: str


@dataclass(frozen=True)
class Answer:
    """What the assistant says: the answer text and the passages it cites (1-based markers)."""

    question: str
    text: str
    abstained: bool
    hits: tuple[Hit, ...]
    # (passage number, sentence) for every sentence quoted in ``text``
    quotes: tuple[tuple[int, str], ...] = ()
    # The question as answered: completed from the conversation when it was a follow-up.
    understood_as: str = ""
    # A numbered list of points (the answer to a broad question), not one or two sentences.
    listed: bool = False
    # The answer model's probability that the passages answer the question (rag.judge).
    confidence: float = 0.0
    # How the passages were found: "hybrid" (keywords and meaning) or "lexical" (keywords
    # only: asked so, or the vectors are not ready or not trusted on this corpus).
    mode: str = "lexical"

    def to_result(self, qid: str | None = None) -> dict:
        """One line of the batch results format (see README)."""
        row = {
            "question": self.question,
            "understood_as": self.understood_as or self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "confidence": self.confidence,
            "mode": self.mode,
            "passages": [
                {
                    "text": h.chunk.text,
                    "source": h.chunk.source,
                    "title": h.chunk.title,
                    "lines": [h.chunk.first_line, h.chunk.last_line],
                    "score": round(float(h.score), 4),
                }
                for h in self.hits
            ],
        }
        if qid is not None:
            row = {"id": qid, **row}
        return row


def refusal(reason: str, qid: str | None = None) -> dict:
    """A request that was not answered, in the shape of a result row, with ``error``
    saying why.

    >>> refusal("问题过长", "q1")
    {'id': 'q1', 'error': '问题过长', 'answer': '', 'abstained': True, 'passages': []}
    """
    row = {"error": reason, "answer": "", "abstained": True, "passages": []}
    return row if qid is None else {"id": qid, **row}


def place(chunk_id: str) -> tuple[str, int] | None:
    """A passage's document and its place there, from its id (``seeds/a.txt#3``); None
    for an id that says no place.

    >>> place("seeds/a.txt#3"), place("odd")
    (('seeds/a.txt', 3), None)
    """
    source, _, index = chunk_id.rpartition("#")
    return (source, int(index)) if index.isdigit() else None
