"""Dense retrieval over sentences: each distinct sentence of the corpus is one unit vector
in a FAISS inner-product index, and a passage scores as its best sentence.

Sentences rather than whole passages are embedded because a question asks about one
fact, which one sentence states: a 300-character passage mixes several, and its single
vector matches none of them well. The same sentence vectors then let answer selection
and abstention compare the question with each candidate sentence at no extra cost.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rag.chunk import sentences
from rag.fuse import spread
from rag.scoring import best_sentence


def sentence_units(texts: list[str]) -> tuple[list[str], list[list[int]]]:
    """The distinct sentences of ``texts`` and, for each text, the rows of its sentences.

    >>> sentence_units(["甲。乙。", "乙。丙。"])
    (['甲。', '乙。', '丙。'], [[0, 1], [1, 2]])
    """
    rows: dict[str, int] = {}
    owned = [[rows.setdefault(s, len(rows)) for s in sentences(t)] for t in texts]
    return list(rows), owned


class DenseIndex:
    """Unit vectors of sentences, the sentences themselves, and which passages hold each."""

    FILE = "dense.faiss"
    UNITS = "units.json"

    def __init__(self, index, units: list[str], owned: list[list[int]]) -> None:
        self._index = index
        self.units = units
        self.row = {u: i for i, u in enumerate(units)}
        self.owners: list[list[int]] = [[] for _ in units]
        for chunk, rows in enumerate(owned):
            for r in rows:
                self.owners[r].append(chunk)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, units: list[str], owned: list[list[int]]) -> DenseIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index, units, owned)

    def vectors(self) -> np.ndarray:
        return self._index.reconstruct_n(0, len(self))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` passages whose best sentence is closest to ``query``, best first."""
        n = min(len(self), max(4 * k, 200))
        if n <= 0 or k <= 0:
            return []
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1)), n)
        found = (
            (self.owners[row] if row >= 0 else (), score) for row, score in zip(ids[0], scores[0])
        )
        return best_sentence(found, k)

    def similarity(self, query: np.ndarray, sentence: str) -> float | None:
        """Cosine of ``query`` and a corpus sentence, or None for a sentence not indexed."""
        row = self.row.get(sentence)
        if row is None:
            return None
        return float(self._index.reconstruct(row) @ query)

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(folder / self.FILE))
        (folder / self.UNITS).write_text(json.dumps(self.units, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path, texts: list[str]) -> DenseIndex:
        """Load the vectors of a build whose passages are ``texts``."""
        import faiss

        units = json.loads((folder / cls.UNITS).read_text(encoding="utf-8"))
        expected, owned = sentence_units(texts)
        if units != expected:
            raise ValueError("the sentence list does not match the passages")
        return cls(faiss.read_index(str(folder / cls.FILE)), units, owned)


class Meaning:
    """One question's meaning against the corpus sentences: computed once per question,
    read by retrieval, abstention and answer selection. ``store`` is where the sentence
    vectors live (see rag.backend).

    A question may be read in more than one wording (an English question, and the
    Chinese words its terms translate to): a sentence is as close as its closest reading.
    Passages are ranked by each reading on its own, each ranking's scores spread to 0–1,
    and the readings averaged. Taking each passage's closest reading instead let the
    translated words decide: they meet Chinese text with higher cosines than the English
    question does, and they are the cruder reading of the two.
    """

    def __init__(self, vectors: list[np.ndarray], store) -> None:
        self.vectors = vectors
        self.store = store

    def passages(self, k: int) -> list[tuple[str, float]]:
        if len(self.vectors) == 1:
            return self.store.vector(self.vectors[0], k)
        total: dict[str, float] = {}
        for vector in self.vectors:
            for passage, score in spread(self.store.vector(vector, k)).items():
                total[passage] = total.get(passage, 0.0) + score / len(self.vectors)
        return sorted(total.items(), key=lambda kv: -kv[1])[:k]

    def sentences(self, chunk) -> list[float]:
        """The cosine of the question and each sentence of ``chunk``, in order (0 for a
        sentence not indexed)."""
        per_reading = [self.store.closeness(v, chunk) for v in self.vectors]
        return [max(sims) for sims in zip(*per_reading)]
