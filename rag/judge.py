"""The learned answer model at run time, read from a plain file.

* **Choice.** For each candidate sentence, the probability that it holds the answer, from
  its features (``rag.features.SENTENCE_FEATURES``): a logistic regression. An English
  question has its own (where the file has one): its words meet the passages only
  through translations, so the same features mean something else.
* **Abstention.** For the question, the probability that the top passages answer it at
  all, from the best candidates and the question's grounding there
  (``rag.features.QUESTION_FEATURES``): gradient-boosted trees, shallow, since "a pin of
  the question is missing" matters only where the rest matches. An English question has
  its own (where the file has one), a logistic regression over the same features, each
  weight of the sign ``rag.features.QUESTION_SIGNS`` gives it: the trees, fitted mostly
  on Chinese questions, barely tell an English question about something the library
  lacks from one it answers. Below the file's threshold (one for
  English questions, one for the rest) the reply is "not found".
* **A follow-up read with its conversation.** Its choice adds a term for what the
  conversation tells (``rag.features.CONVERSATION_FEATURES``: the words the follow-up adds
  to the question before it, found in a sentence of a document the conversation quoted),
  fitted on conversations.
  Abstention reads no conversation feature.

The file (``answer_model.json`` beside this module) holds one such pair for passages read
with the embedding model and one for passages read by words alone; for each, the feature
names, their standardisation, weights and bias, and the threshold; and where the training
data came from. It is written by ``rag.learn`` (``rag train``) and is plain JSON: no pickle,
no code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from rag.features import CONVERSATION_FEATURES, QUESTION_FEATURES, SENTENCE_FEATURES

MODEL_FILE = Path(__file__).with_name("answer_model.json")
FORMAT = 2


class ModelProblem(RuntimeError):
    """The answer model's file is missing or unusable; the message names it."""


@dataclass(frozen=True)
class Logistic:
    """A logistic regression over named, standardised features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def logit(self, rows: np.ndarray) -> np.ndarray:
        """Log-odds for each row of raw feature values (columns in ``names`` order).

        >>> m = Logistic(("a",), np.zeros(1), np.ones(1), np.array([2.0]), -1.0)
        >>> m.logit(np.array([[0.0], [1.0]])).tolist()
        [-1.0, 1.0]
        """
        return ((rows - self.mean) / self.scale) @ self.weights + self.bias

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(rows)))

    def to_dict(self) -> dict:
        return {
            "features": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(float(self.bias), 6),
        }

    @classmethod
    def from_dict(cls, d: dict, expected: tuple[str, ...]) -> Logistic:
        names = tuple(d["features"])
        if names != expected:
            raise ValueError(f"its features are {list(names)}, this version reads {list(expected)}")
        arrays = [np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
        if any(a.shape != (len(names),) for a in arrays) or not all(
            np.isfinite(a).all() for a in arrays
        ):
            raise ValueError("its weights do not match its feature list")
        if (arrays[1] <= 0).any():
            raise ValueError("its feature scales must be positive")
        return cls(names, *arrays, float(d["bias"]))


def unfitted(names: tuple[str, ...]) -> Logistic:
    """A logistic term that adds nothing: every weight and the bias 0.

    >>> unfitted(("a", "b")).logit(np.ones((1, 2))).tolist()
    [0.0]
    """
    n = len(names)
    return Logistic(names, np.zeros(n), np.ones(n), np.zeros(n), 0.0)


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted regression trees over named features, giving a log-odds.

    Each tree is four parallel lists: the feature a node splits on (-1 at a leaf), its
    threshold (left when ``value <= threshold``), its children's node numbers, and the
    leaf's value. Node 0 is the root.
    """

    names: tuple[str, ...]
    base: float
    trees: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]

    def logit(self, rows: np.ndarray) -> np.ndarray:
        """Log-odds for each row of raw feature values (columns in ``names`` order).

        >>> leaf = np.array([-1, -1, -1])
        >>> stump = (np.array([0, -1, -1]), np.array([0.5, 0, 0]), np.array([1, -1, -1]),
        ...          np.array([2, -1, -1]), np.array([0.0, -1.0, 1.0]))
        >>> Trees(("a",), 0.0, (stump,)).logit(np.array([[0.0], [1.0]])).tolist()
        [-1.0, 1.0]
        """
        if len(rows) <= 4:
            # At run time one question is judged at a time: walking 100 small trees in
            # plain Python beats numpy's per-call overhead by two orders of magnitude.
            return np.array([self._walk(row) for row in np.asarray(rows, dtype=float).tolist()])
        total = np.full(len(rows), self.base)
        at = np.arange(len(rows))
        for feature, threshold, left, right, value in self.trees:
            node = np.zeros(len(rows), dtype=np.int64)
            while True:
                inner = feature[node] >= 0
                if not inner.any():
                    break
                f = feature[node[inner]]
                go_left = rows[at[inner], f] <= threshold[node[inner]]
                node[inner] = np.where(go_left, left[node[inner]], right[node[inner]])
            total += value[node]
        return total

    def _walk(self, row: list[float]) -> float:
        total = self.base
        for feature, threshold, left, right, value in self._plain:
            node = 0
            while feature[node] >= 0:
                node = left[node] if row[feature[node]] <= threshold[node] else right[node]
            total += value[node]
        return total

    @cached_property
    def _plain(self) -> tuple[tuple[list, ...], ...]:
        return tuple(tuple(part.tolist() for part in tree) for tree in self.trees)

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(rows)))

    def to_dict(self) -> dict:
        return {
            "features": list(self.names),
            "base": round(float(self.base), 6),
            "trees": [
                {
                    "feature": t[0].tolist(),
                    "threshold": [round(float(v), 6) for v in t[1]],
                    "left": t[2].tolist(),
                    "right": t[3].tolist(),
                    "value": [round(float(v), 6) for v in t[4]],
                }
                for t in self.trees
            ],
        }

    @classmethod
    def from_dict(cls, d: dict, expected: tuple[str, ...]) -> Trees:
        names = tuple(d["features"])
        if names != expected:
            raise ValueError(f"its features are {list(names)}, this version reads {list(expected)}")
        trees = []
        for t in d["trees"]:
            feature, left, right = (
                np.asarray(t[k], dtype=np.int64) for k in ("feature", "left", "right")
            )
            threshold, value = (np.asarray(t[k], dtype=np.float64) for k in ("threshold", "value"))
            n = len(feature)
            if any(len(a) != n for a in (threshold, left, right, value)) or n == 0:
                raise ValueError("a tree's lists differ in length")
            if feature.max() >= len(names) or not np.isfinite(value).all():
                raise ValueError("a tree names a feature it does not have")
            inner = feature >= 0
            children = np.concatenate([left[inner], right[inner]])
            if len(children) and (children.min() <= 0 or children.max() >= n):
                raise ValueError("a tree's node points outside it")
            # Nodes are written parent first: a child before its parent would be a loop.
            parents = np.flatnonzero(inner)
            if (left[inner] <= parents).any() or (right[inner] <= parents).any():
                raise ValueError("a tree's node points back to itself or up")
            trees.append((feature, threshold, left, right, value))
        return cls(names, float(d["base"]), tuple(trees))


@dataclass(frozen=True)
class AnswerModel:
    """Choice, abstention, and the abstention threshold (a probability), for one way of
    reading the passages: with the embedding model's closeness, or by words alone.

    ``vetoes`` maps a yes/no question feature to the share of the fitting data's
    questions with it that were answerable, for the features the training script found
    to be near-certain refusals (a year the best sentence contradicts). Such a feature
    is rare, so shallow trees seldom split on it; where it holds, the question is not
    answered, and its confidence is no more than that share.
    """

    sentence: Logistic
    question: Trees
    threshold: float
    vetoes: dict[str, float] = field(default_factory=dict)
    # Choice for English questions. Abstention reads ``sentence``'s logits for every
    # question, so its probability keeps its meaning whichever chooser answers.
    english: Logistic | None = None
    # The threshold for English questions, chosen on English questions alone: their
    # features, met through translations, are weaker, and one threshold for both would
    # spend the refusals allowed on English questions that deserve an answer.
    english_threshold: float | None = None
    # Abstention for English questions (rows of QUESTION_FEATURES); only beside an
    # ``english_threshold``, which is calibrated on its probabilities.
    english_question: Logistic | None = None
    # What a follow-up's conversation adds to its choice's log-odds (rows of
    # CONVERSATION_FEATURES); nothing until ``rag train`` fits it on conversations.
    conversation: Logistic = field(default_factory=lambda: unfitted(CONVERSATION_FEATURES))

    def chooser(self, english: bool) -> Logistic:
        """The choice model for a question in English or not."""
        return self.english if english and self.english is not None else self.sentence

    def threshold_for(self, english: bool) -> float:
        """The confidence below which a question in English or not is refused."""
        if english and self.english_threshold is not None:
            return self.english_threshold
        return self.threshold

    def confidence(self, row: dict[str, float]) -> float:
        """P(answered) for one question's features, capped by any veto that holds.

        >>> trees = Trees(QUESTION_FEATURES, 2.0, ())
        >>> m = AnswerModel(None, trees, 0.5, {"best_year_conflict": 0.02})
        >>> row = dict.fromkeys(QUESTION_FEATURES, 0.0)
        >>> round(m.confidence(row), 3), m.confidence({**row, "best_year_conflict": 1.0})
        (0.881, 0.02)
        """
        x = np.array([[row[f] for f in QUESTION_FEATURES]])
        english = row["english"] > 0.5 and self.english_question is not None
        p = float((self.english_question if english else self.question).probability(x)[0])
        held = [share for name, share in self.vetoes.items() if row[name] > 0.5]
        return min([p, *held])

    def to_dict(self) -> dict:
        return {
            "sentence": self.sentence.to_dict(),
            "question": self.question.to_dict(),
            "threshold": round(float(self.threshold), 6),
            "vetoes": {k: round(float(v), 6) for k, v in self.vetoes.items()},
            **({"english": self.english.to_dict()} if self.english is not None else {}),
            **(
                {"english_threshold": round(float(self.english_threshold), 6)}
                if self.english_threshold is not None
                else {}
            ),
            **(
                {"english_question": self.english_question.to_dict()}
                if self.english_question is not None
                else {}
            ),
            "conversation": self.conversation.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> AnswerModel:
        threshold = float(d["threshold"])
        english_threshold = d.get("english_threshold")
        english_threshold = None if english_threshold is None else float(english_threshold)
        for value in (threshold, english_threshold):
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"threshold {value} is not a probability")
        vetoes = {str(k): float(v) for k, v in (d.get("vetoes") or {}).items()}
        unknown = sorted(set(vetoes) - set(QUESTION_FEATURES))
        if unknown:
            raise ValueError(f"it vetoes on features this version lacks: {unknown}")
        lowest = min(threshold, threshold if english_threshold is None else english_threshold)
        if any(not 0.0 <= v < lowest for v in vetoes.values()):
            raise ValueError("a veto's share must be a probability below the threshold")
        english = d.get("english")
        english_question = d.get("english_question")
        return cls(
            Logistic.from_dict(d["sentence"], SENTENCE_FEATURES),
            Trees.from_dict(d["question"], QUESTION_FEATURES),
            threshold,
            vetoes,
            Logistic.from_dict(english, SENTENCE_FEATURES) if english is not None else None,
            english_threshold,
            (
                Logistic.from_dict(english_question, QUESTION_FEATURES)
                if english_question is not None
                else None
            ),
            Logistic.from_dict(d["conversation"], CONVERSATION_FEATURES),
        )


@dataclass(frozen=True)
class ModelFile:
    """The two models of the file (``hybrid``: with vectors; ``lexical``: without, where
    every closeness feature is 0) and where their training data came from."""

    hybrid: AnswerModel
    lexical: AnswerModel
    provenance: dict

    def pick(self, dense: bool) -> AnswerModel:
        return self.hybrid if dense else self.lexical

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "hybrid": self.hybrid.to_dict(),
            "lexical": self.lexical.to_dict(),
            "provenance": self.provenance,
        }

    def save(self, path: Path) -> None:
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        path.write_text(text + "\n", encoding="utf-8")


def load(path: Path = MODEL_FILE) -> ModelFile:
    """Read a model file; ModelProblem (one line naming the file) when it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelProblem(
            f"answer model {path} is missing (reinstall the package, or run `rag train`)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelProblem(
            f"answer model {path} is unreadable ({exc.__class__.__name__})"
        ) from None
    try:
        if data.get("format") != FORMAT:
            raise ValueError(f"it is format {data.get('format')!r}, this version reads {FORMAT}")
        return ModelFile(
            AnswerModel.from_dict(data["hybrid"]),
            AnswerModel.from_dict(data["lexical"]),
            dict(data.get("provenance") or {}),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ModelProblem(f"answer model {path} is damaged: {exc}") from None


@lru_cache(maxsize=1)
def default() -> ModelFile:
    """The packaged model, read once per process."""
    return load(MODEL_FILE)
