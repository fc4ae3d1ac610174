"""Fit what a conversation adds to a follow-up's choice (``rag train --conversations``).

A follow-up read with its conversation (``rag.conversation``) is judged by the answer
model like any question, and its choice adds a term of its own
(``rag.features.CONVERSATION_FEATURES``: the words the follow-up adds to the question
before it, found in a sentence of a document the previous answer quoted). The term is
fitted here:

1. Ask every follow-up of the conversation files (their ``history`` first) of an engine
   over the seeds whose model has no conversation term yet, and keep the candidates of
   each follow-up read with its conversation: their choice log-odds, their conversation
   features, and whether each holds a gold key.
2. Fit the term's weights by a conditional logit over each follow-up's candidates, with
   the choice log-odds as a fixed offset (L2 ``L2``): what the conversation says beyond
   what the sentence's own features say. No bias: a term shared by every candidate of a
   question changes no choice.
3. Say how well it does on conversations it was not fitted on: fitted on half the
   files, the share of follow-ups whose best candidate holds a key, and the share whose
   answer (written as the product writes it from the chances) holds one, are read on
   the other half, and the other way round, beside the same shares without the term. A
   mode whose answers the term does not improve there keeps a term that adds nothing.

The files fitted on are the repository's tuning conversations (``TUNING``); the test
files (``*-test*``, ``-switch``, ``-test2``, ``-test3``) are never read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag.answer import (
    asks_broad,
    compose,
    compose_points,
    conversation_matrix,
    conversation_shift,
)
from rag.engine import WATCHER, Engine, Judged
from rag.evaluate import MAX_ANSWER, norm
from rag.features import CONVERSATION_FEATURES
from rag.judge import AnswerModel, Logistic, unfitted
from rag.tokenize import mandarin

L2 = 1.0
# The conversation files in eval/ that may be fitted on; the rest of eval/ is for tests.
TUNING = (
    "conversations",
    "conversations-new",
    "conversations-heldout",
    "followups",
    "conversations-lists",
    "conversations-lists2",
    "conversations-fresh4",
    "conversations-fresh5",
    "conversations-fresh6",
    "conversations-fresh7",
    "conversations-switch2",
    "conversations-switch3",
    "conversations-switch4",
    "conversations-wider",
)
# Written beside them and kept for the figures that are reported: never fitted on.
TESTS = (
    "conversations-lists-test",
    "conversations-test2",
    "conversations-test3",
    "conversations-fresh4-test",
    "conversations-fresh5-test",
    "conversations-switch",
    "conversations-fresh6-test",
    "conversations-fresh7-test",
    "conversations-switch4-test",
    "conversations-wider2-test",
    "conversations-fresh8-test",
    "conversations-people-test",
)


@dataclass(frozen=True, eq=False)
class FollowUp:
    """The candidates of one follow-up read with its conversation."""

    file: str
    logits: np.ndarray  # the choice model's log-odds, without the conversation term
    rows: np.ndarray  # CONVERSATION_FEATURES per candidate
    right: np.ndarray  # holds a gold key
    # The answer the product gives from given chances of the candidates, and the keys
    # (normalised) a right answer holds.
    answer: Callable[[np.ndarray], str]
    keys: tuple[str, ...]

    def answered_right(self, term: Logistic | None) -> bool:
        """Whether the answer given with the term (or without it: None) holds a key and
        is no longer than an answer may be (as ``rag.evaluate`` scores it), the term read
        as ``rag.answer.judge`` reads it."""
        logits = self.logits
        if term is not None and len(logits):
            logits = logits + conversation_shift(term, self.rows)
        text = norm(self.answer(1.0 / (1.0 + np.exp(-logits))))
        return len(text) <= MAX_ANSWER and any(k in text for k in self.keys)


def collect(engine: Engine, files: list[Path], mode: str) -> list[FollowUp]:
    """Ask every follow-up of ``files`` in ``mode`` and keep the candidates of its last
    reading with its conversation (a follow-up answered otherwise, by a list or as a
    question of its own, gives none; the earlier turns it re-asks give none either)."""
    seen: list[Judged] = []
    out = []
    token = WATCHER.set(seen.append)
    try:
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line) if line.strip() else {}
                keys = [norm(k) for k in row.get("keys") or []]
                if not keys or not row.get("history"):
                    continue
                seen.clear()
                given = engine.ask(row["question"], k=5, mode=mode, history=row["history"])
                asked = mandarin(row["question"])
                mine = [j for j in seen if j.follow is not None and j.question == asked]
                if not mine or not mine[-1].verdict.candidates:
                    continue
                judged = mine[-1]
                verdict, follow = judged.verdict, judged.follow
                cands = verdict.candidates
                # The term adds nothing while it is collected: the chances are the
                # choice model's own.
                p = np.clip(verdict.chances, 1e-12, 1 - 1e-12)
                write = _writer(judged)
                if write(verdict.chances) != given.text:
                    # The conversation gave another answer than this reading's (the
                    # question read alone, an item of a list): the term does not change it.
                    write = lambda _chances, text=given.text: text  # noqa: E731
                out.append(
                    FollowUp(
                        path.stem,
                        np.log(p) - np.log1p(-p),
                        conversation_matrix(cands, judged.hits, follow),
                        np.array([any(k in norm(c.sentence) for k in keys) for c in cands]),
                        write,
                        tuple(keys),
                    )
                )
    finally:
        WATCHER.reset(token)
    return out


def _writer(judged: Judged) -> Callable[[np.ndarray], str]:
    """How ``Engine.answer_query`` writes the answer of ``judged`` from given chances."""
    query, verdict = judged.query, judged.verdict
    write = compose_points if asks_broad(query.text) else compose

    def answer(chances: np.ndarray) -> str:
        return write(query, replace(verdict, chances=chances))[0] if verdict.answered else ""

    return answer


def fit_term(followups: list[FollowUp], l2: float = L2, steps: int = 50) -> Logistic:
    """The conversation term's weights, by a conditional logit with the choice log-odds
    as offset, over the follow-ups one of whose candidates holds a key (Newton's method).

    >>> right = FollowUp("f", np.zeros(2), np.array([[1.0], [0.0]]), np.array([True, False]),
    ...                  lambda chances: "", ())
    >>> bool(fit_term([right] * 5).weights[0] > 0)
    True
    """
    use = [f for f in followups if f.right.any()]
    n = len(CONVERSATION_FEATURES)
    w = np.zeros(n)
    for _ in range(steps):
        grad, hess = l2 * w, l2 * np.eye(n)
        for f in use:
            s = f.logits + f.rows @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            target = f.right / f.right.sum()
            grad = grad + f.rows.T @ (p - target)
            hess = hess + f.rows.T @ (np.diag(p) - np.outer(p, p)) @ f.rows
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Logistic(CONVERSATION_FEATURES, np.zeros(n), np.ones(n), w, 0.0)


def _chosen(f: FollowUp, term: Logistic | None) -> bool:
    """Whether the candidate with the highest log-odds, with the conversation term or
    without it (None), holds a key (the choice alone: compose also sets aside sentences
    that only restate the question)."""
    return bool(f.right[np.argmax(f.logits + (term.logit(f.rows) if term else 0.0))])


def cross_checked(followups: list[FollowUp]) -> dict[str, float]:
    """Choice and answers on the files not fitted on: the files split in two halves
    (alternately, in name order), each half's figures read with the term fitted on the
    other. Choice counts the follow-ups one of whose candidates holds a key; answers,
    every follow-up."""
    files = sorted({f.file for f in followups})
    halves = [set(files[0::2]), set(files[1::2])]
    chose = [0, 0]
    answered = [0, 0]
    for held in halves:
        test = [f for f in followups if f.file in held]
        term = fit_term([f for f in followups if f.file not in held])
        for n, used in enumerate((None, term)):
            chose[n] += sum(_chosen(f, used) for f in test if f.right.any())
            answered[n] += sum(f.answered_right(used) for f in test)
    some = sum(bool(f.right.any()) for f in followups)
    share = lambda n, of: round(n / max(of, 1), 3)  # noqa: E731
    return {
        "follow-ups": len(followups),
        "follow-ups with a right candidate": some,
        "choice without the term": share(chose[0], some),
        "choice with the term": share(chose[1], some),
        "answered right without the term": share(answered[0], len(followups)),
        "answered right with the term": share(answered[1], len(followups)),
    }


def with_conversation(
    models: dict[str, AnswerModel],
    engine_for: Callable[[dict[str, AnswerModel]], Engine],
    files: list[Path],
    say: Callable[[str], None] = print,
) -> tuple[dict[str, AnswerModel], dict]:
    """Each mode's model with its conversation term fitted on ``files``, and the term's
    provenance (its files with their SHA-256, its validation figures). ``engine_for``
    opens the seeds' engine over given models. A test file is refused."""
    tests = [f.name for f in files if f.stem in TESTS]
    if tests:
        raise ValueError(f"{', '.join(tests)}: test conversations are never fitted on")
    engine = engine_for(models)
    fitted, figures = {}, {}
    for mode, model in models.items():
        followups = collect(engine, files, mode)
        figures[mode] = checked = cross_checked(followups)
        fitted[mode] = replace(model, conversation=kept_term(followups, checked))
        weights = fitted[mode].conversation.weights.round(3).tolist()
        say(f"{mode}: conversation term {weights}; {checked}")
    seeds = hashlib.sha256()
    for doc in sorted(engine.store.documents(), key=lambda d: d.source):
        seeds.update(f"{doc.source}\n{engine.store.original(doc.source) or ''}\n".encode())
    provenance = {
        "data": "the follow-ups of the tuning conversations in this repository's eval/,"
        " written for it; its test conversations are never read",
        "files": {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files},
        "documents": seeds.hexdigest(),
        "l2": L2,
        "validation_figures": figures,
    }
    return fitted, provenance


def kept_term(followups: list[FollowUp], checked: dict[str, float]) -> Logistic:
    """The term fitted on every follow-up where it answered more of them right on the
    files it was not fitted on (``cross_checked``), else one that adds nothing: a better
    choice that the answers do not show (a second sentence that held the key already)
    is no gain.

    >>> right = FollowUp("f", np.zeros(2), np.array([[1.0], [0.0]]), np.array([True, False]),
    ...                  lambda chances: "", ())
    >>> better = {"answered right without the term": 0.5, "answered right with the term": 0.6}
    >>> bool(kept_term([right] * 4, better).weights[0] > 0)
    True
    >>> kept_term([right] * 4, {**better, "answered right with the term": 0.5}).weights.tolist()
    [0.0]
    """
    if checked["answered right with the term"] > checked["answered right without the term"]:
        return fit_term(followups)
    return unfitted(CONVERSATION_FEATURES)
