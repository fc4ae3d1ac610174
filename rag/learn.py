"""Fit the answer model (``rag train``): data in, a plain weights file out.

1. Make a fitting corpus and a validation corpus from the open-book datasets
   (``rag.learn_data``: disjoint articles, answerable, absent and held-out questions).
2. Index each exactly as the product does and, for every question, take the candidates
   the product would weigh (``rag.answer.candidates``: the sentences of the top 3
   passages). A candidate is right when it holds a gold answer.
3. Fit the choice model on the fitting corpus's answerable questions (an L2-regularised
   logistic regression on standardised features, Newton's method), then the abstention
   model on all its questions, answerable or not (gradient-boosted trees); numpy only.
   English questions get a choice model of their own, fitted on the English questions
   alone (XQuAD-dev's and the seed set's): the features are the same, what they mean is
   not (terms met through translations, cosines across languages). They get an
   abstention model of their own too, a logistic regression on their question rows
   (answerable, asked of articles not indexed, or of a paragraph held out), each weight
   held to the sign ``rag.features.QUESTION_SIGNS`` gives its feature.
4. Choose the thresholds on the validation corpus: the highest that refuses at most
   ``FALSE_REFUSALS`` of the questions the model answers right, for English questions
   and for the rest apart. Print the validation figures beside the rules' choice (the old
   ``_score`` alone), and write them into the file.
5. Fit what a conversation adds to a follow-up's choice on the tuning conversations about
   the seeds (``rag.learn_conversation``), with the models of 3 and 4.

Nothing from the test split (the open-book README's own articles) is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from rag.answer import TOP, candidates, question_features, sentence_matrix
from rag.engine import Engine, open_engine
from rag.evaluate import norm
from rag.features import QUESTION_FEATURES, QUESTION_SIGNS, SENTENCE_FEATURES
from rag.judge import AnswerModel, Logistic, ModelFile, Trees
from rag.learn_conversation import with_conversation
from rag.learn_data import SPLITS, Part, english_absent, prepare, prepare_english
from rag.settings import MODES, Settings

# The share of the validation questions answered right that the threshold may refuse.
FALSE_REFUSALS = 0.03
L2 = 1.0
# The abstention trees: shallow and few (the question-level data is about 1,500 rows).
TREE_DEPTH = 3
TREE_ROUNDS = 100
# A yes/no feature becomes a veto only when this many fitting questions hold it, and at
# most this share of them were answerable.
VETO_SUPPORT = 20
VETO_ANSWERABLE = 0.03
# Kinds of question with a choice model of their own, kept out of the common one: an
# English question meets the passages through translations, so its features mean
# something else. Abstention reads them all (with English questions about articles not
# indexed beside them: see ``english_absent``).
OWN_CHOICE = ("xquad-en",)
# The English choice model is fitted only with at least this many English questions.
ENGLISH_LEAST = 50


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    l2: float = L2,
    steps: int = 50,
    signs: np.ndarray | None = None,
) -> Logistic:
    """An L2-regularised logistic regression on standardised columns, by Newton's method.
    ``signs`` (+1, -1 or 0 per column) bounds the weights: a column marked +1 may only
    raise the log-odds, one marked -1 only lower them (an active set: a weight that
    would cross 0 is held there while the gradient pushes it across).

    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> m = fit_logistic(x, np.array([0, 0, 1, 1]), ("a",))
    >>> (m.probability(x) > 0.5).tolist()
    [False, False, True, True]
    >>> fit_logistic(x, np.array([0, 0, 1, 1]), ("a",), signs=np.array([-1])).weights.tolist()
    [0.0]
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    bound = np.append(np.zeros(x.shape[1]) if signs is None else np.asarray(signs, float), 0.0)
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    held = np.zeros(len(w), dtype=bool)

    def loss(v: np.ndarray) -> float:
        margin = z @ v
        return float(np.logaddexp(0.0, margin).sum() - y @ margin + 0.5 * penalty @ (v * v))

    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + penalty * w
        # A held weight is let go once the loss would fall by moving it the allowed way.
        released = held & (bound * grad < 0)
        held &= ~released
        free = ~held
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.zeros(len(w))
        step[free] = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
        # Halved until the loss falls (or the step is negligible): a step cut short at a
        # bound may overshoot.
        before, rate = loss(w), 1.0
        while True:
            moved = w - rate * step
            crossed = bound * moved < 0
            moved[crossed] = 0.0
            if loss(moved) <= before or rate < 1e-6:
                break
            rate /= 2
        change = np.abs(moved - w).max()
        w = moved
        held |= crossed
        if change < 1e-8 and not released.any():
            break
    return Logistic(names, mean, scale, w[:-1], float(w[-1]))


def fit_trees(
    x: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    depth: int = TREE_DEPTH,
    rounds: int = TREE_ROUNDS,
    rate: float = 0.1,
    min_leaf: int = 20,
    l2: float = 1.0,
    bins: int = 32,
) -> Trees:
    """Gradient boosting of depth-``depth`` trees on the log loss (Newton leaf values,
    splits among each feature's quantiles).

    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]] * 10)
    >>> m = fit_trees(x, np.array([0, 0, 1, 1] * 10), ("a",), min_leaf=5)
    >>> (m.probability(x[:4]) > 0.5).tolist()
    [False, False, True, True]
    """
    cuts = [
        np.unique(np.quantile(x[:, j], np.linspace(0, 1, bins + 1)[1:-1]))
        for j in range(x.shape[1])
    ]
    share = min(max(y.mean(), 1e-6), 1 - 1e-6)
    base = float(np.log(share / (1 - share)))
    f = np.full(len(x), base)
    trees = []
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-f))
        tree = _tree(x, p - y, p * (1 - p), cuts, depth, min_leaf, l2, rate)
        trees.append(tree)
        f = f + Trees(names, 0.0, (tree,)).logit(x)
    return Trees(names, base, tuple(trees))


def _tree(x, g, h, cuts, depth: int, min_leaf: int, l2: float, rate: float) -> tuple:
    """One regression tree on gradients ``g`` and curvatures ``h``, as Trees stores it."""
    nodes: list[list] = []

    def grow(idx: np.ndarray, level: int) -> int:
        me = len(nodes)
        gs, hs = g[idx].sum(), h[idx].sum()
        nodes.append([-1, 0.0, -1, -1, -rate * gs / (hs + l2)])
        if level == depth or len(idx) < 2 * min_leaf:
            return me
        best = (1e-6, -1, 0.0)
        for j, thresholds in enumerate(cuts):
            xj = x[idx, j]
            for t in thresholds:
                left = xj <= t
                n = left.sum()
                if n < min_leaf or len(idx) - n < min_leaf:
                    continue
                gl, hl = g[idx][left].sum(), h[idx][left].sum()
                gain = gl**2 / (hl + l2) + (gs - gl) ** 2 / (hs - hl + l2) - gs**2 / (hs + l2)
                if gain > best[0]:
                    best = (gain, j, float(t))
        _, j, t = best
        if j < 0:
            return me
        go_left = x[idx, j] <= t
        left_node = grow(idx[go_left], level + 1)
        right_node = grow(idx[~go_left], level + 1)
        nodes[me][:4] = [j, t, left_node, right_node]
        return me

    grow(np.arange(len(x)), 0)
    return tuple(
        np.array([n[k] for n in nodes], dtype=np.int64 if k in (0, 2, 3) else np.float64)
        for k in range(5)
    )


@dataclass
class Collected:
    """The candidates of every question of one corpus, with their labels."""

    rows: list[np.ndarray] = field(default_factory=list)  # per question: candidate features
    right: list[np.ndarray] = field(default_factory=list)  # per question: holds a key
    agree: list[bool] = field(default_factory=list)
    answerable: list[bool] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    queries: list = field(default_factory=list)
    cands: list = field(default_factory=list)

    def extend(self, other: Collected) -> None:
        """Add another corpus's questions after these."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def collect(
    engine: Engine, questions: list[dict], mode: str = "hybrid", progress: bool = False
) -> Collected:
    """Run retrieval as ``Engine.ask`` does in ``mode`` for a question that asks for one
    thing (the top ``TOP`` passages) and keep each question's candidates."""
    from tqdm import tqdm

    out = Collected()
    for row in tqdm(questions, desc=f"{mode} candidates", unit="question", disable=not progress):
        query = engine.analyze(row["question"])
        meaning = engine.meaning(query, mode)
        hits, agree = engine.rank(query, 10, meaning)
        cut = engine.store.edges([h.chunk for h in hits[:TOP]])
        cands = candidates(query, hits, cut, meaning, TOP)
        keys = [norm(k) for k in row.get("keys") or []]
        out.rows.append(sentence_matrix(cands))
        out.right.append(np.array([any(k in norm(c.sentence) for k in keys) for c in cands]))
        out.agree.append(agree)
        out.answerable.append(bool(keys))
        out.kinds.append(row.get("kind", ""))
        out.queries.append(query)
        out.cands.append(cands)
    return out


def question_rows(data: Collected, choice: Logistic) -> np.ndarray:
    rows = []
    for q, cands, x, agree in zip(data.queries, data.cands, data.rows, data.agree):
        logits = choice.logit(x) if len(cands) else np.zeros(0)
        qf = question_features(q, cands, logits, agree)
        rows.append([qf[f] for f in QUESTION_FEATURES])
    return np.array(rows, dtype=np.float64)


def vetoes(
    qx: np.ndarray,
    qy: np.ndarray,
    names: tuple[str, ...] = QUESTION_FEATURES,
    least: int = VETO_SUPPORT,
    most: float = VETO_ANSWERABLE,
) -> dict[str, float]:
    """The yes/no question features after which (nearly) nothing was answerable: held by
    at least ``least`` questions, of which at most a share ``most`` were answerable.
    Each maps to that share.

    >>> x = np.array([[1.0, 0.0]] * 30 + [[0.0, 1.0]] * 30 + [[0.0, 0.0]] * 40)
    >>> y = np.array([0.0] * 30 + [1.0] * 30 + [1.0] * 40)
    >>> vetoes(x, y, ("a", "b"), least=20)
    {'a': 0.0}
    >>> y[0] = 1.0  # one of the 30 was answerable after all
    >>> vetoes(x, y, ("a", "b"), least=20), vetoes(x, y, ("a", "b"), least=20, most=0.05)
    ({}, {'a': 0.033333})
    """
    out = {}
    for name, column in zip(names, qx.T):
        held = column > 0.5
        if not np.isin(column, (0.0, 1.0)).all() or held.sum() < least:
            continue
        share = qy[held].mean()
        if share <= most:
            out[name] = round(float(share), 6)
    return out


def fit(train: Collected) -> AnswerModel:
    """Both models and the vetoes on one corpus's candidates; the threshold is set
    later (``calibrate``)."""
    common = [i for i, k in enumerate(train.kinds) if k not in OWN_CHOICE]
    choice = fit_logistic(*_choice_rows(train, common), SENTENCE_FEATURES)
    english = [i for i, q in enumerate(train.queries) if q.english]
    english_choice = None
    if sum(train.answerable[i] for i in english) >= ENGLISH_LEAST:
        english_choice = fit_logistic(*_choice_rows(train, english), SENTENCE_FEATURES)
    qx = question_rows(train, choice)
    qy = np.array(train.answerable, dtype=np.float64)
    abstain = fit_trees(qx, qy, QUESTION_FEATURES)
    english_abstain = None
    if english_choice is not None and len(english) > sum(train.answerable[i] for i in english):
        signs = np.array([QUESTION_SIGNS[f] for f in QUESTION_FEATURES], dtype=float)
        english_abstain = fit_logistic(qx[english], qy[english], QUESTION_FEATURES, signs=signs)
    return AnswerModel(
        choice, abstain, 0.5, vetoes(qx, qy), english_choice, english_question=english_abstain
    )


def _choice_rows(data: Collected, among: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The candidates of the answerable questions ``among``, and whether each is right."""
    use = [i for i in among if data.answerable[i] and len(data.rows[i])]
    x = np.vstack([data.rows[i] for i in use])
    y = np.concatenate([data.right[i] for i in use]).astype(np.float64)
    return x, y


def confidences(model: AnswerModel, data: Collected) -> np.ndarray:
    """The model's confidence for each question of ``data``, vetoes included."""
    rows = question_rows(data, model.sentence)
    return np.array([model.confidence(dict(zip(QUESTION_FEATURES, r))) for r in rows])


def chose_right(model: AnswerModel, data: Collected) -> np.ndarray:
    """For each question of ``data``, whether the model's choice holds its answer (False
    for a question with none)."""
    return np.array(
        [
            bool(len(x) and right[np.argmax(model.chooser(q.english).logit(x))])
            for q, x, right in zip(data.queries, data.rows, data.right)
        ]
    )


def calibrate(model: AnswerModel, val: Collected) -> tuple[float, float | None]:
    """The highest thresholds that refuse at most ``FALSE_REFUSALS`` of the validation
    questions the model answers right: one for questions not in English, and one for
    English questions (None with fewer than ``ENGLISH_LEAST`` of those answered right).

    An answerable question whose chosen sentence is wrong is no loss when refused: the
    reply would have quoted the wrong sentence. Counting those as false refusals held the
    English threshold down, where a third of the choices are wrong, and English questions
    about what the library lacks were answered."""
    p = confidences(model, val)
    right = chose_right(model, val)
    answerable = np.array(val.answerable, dtype=bool)
    english = np.array([q.english for q in val.queries], dtype=bool)

    def highest(language: np.ndarray) -> float:
        # With no right answer to spare (a toy corpus), the answerable questions.
        among = right & language if (right & language).any() else answerable & language
        held = np.sort(p[among])
        allowed = int(np.floor(FALSE_REFUSALS * len(held)))
        return float(held[allowed]) if len(held) else 0.5

    own = (right & english).sum() >= ENGLISH_LEAST
    return highest(~english), highest(english) if own else None


def figures(model: AnswerModel, data: Collected) -> dict[str, float]:
    """Per-kind figures of one corpus: how often the model's best candidate holds the
    answer (and the rules' best, for comparison), false refusals, absent refused."""
    thresholds = [model.threshold_for(q.english) for q in data.queries]
    answered = confidences(model, data) >= np.array(thresholds)
    out: dict[str, float] = {}
    groups: dict[str, list[int]] = {}
    for i, kind in enumerate(data.kinds):
        groups.setdefault(kind, []).append(i)
    rule = SENTENCE_FEATURES.index("rule")
    right = chose_right(model, data)
    for kind, idx in sorted(groups.items()):
        if data.answerable[idx[0]]:
            best = [bool(right[i]) for i in idx]
            rules = [
                bool(len(data.rows[i]) and data.right[i][np.argmax(data.rows[i][:, rule])])
                for i in idx
            ]
            out[f"{kind} choice"] = round(float(np.mean(best)), 3)
            out[f"{kind} choice by rules"] = round(float(np.mean(rules)), 3)
            out[f"{kind} answered right"] = round(float(np.mean(np.array(best) & answered[idx])), 3)
            out[f"{kind} false not found"] = round(float(np.mean(~answered[idx])), 3)
        else:
            out[f"{kind} not found"] = round(float(np.mean(~answered[idx])), 3)
        out[f"{kind} questions"] = len(idx)
    return out


def _engine(folder: Path, embedder, mode: str, model_name: str | None) -> Engine:
    """An engine over a prepared corpus, indexed once (the index is kept in ``folder``)."""
    settings = Settings(seeds=folder / "docs", index=folder / "index", mode=mode, model=model_name)
    return open_engine(settings, embedder, progress=False, say=lambda _: None, answers=False)


def _questions(folder: Path) -> list[dict]:
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def train(
    open_book: Path,
    work: Path,
    out: Path,
    splits: dict[str, tuple[Part, ...]] = SPLITS,
    seed_dev: tuple[Path, Path] | None = None,
    xquad: Path | None = None,
    conversations: tuple[Path, list[Path]] | None = None,
    embedder=None,
    model_name: str | None = None,
    say: Callable[[str], None] = print,
    progress: bool = False,
) -> dict[str, dict[str, float]]:
    """Fit on ``splits["fit"]``, choose the thresholds on ``splits["val"]``, write both
    models (with vectors, and by words alone) to ``out``; returns the validation figures.
    ``seed_dev`` (questions, documents) adds half the seed dev set to each side;
    ``xquad`` (the XQuAD-dev folder) English questions about a third of its articles;
    ``conversations`` (a folder of documents, and conversation files about them) fits
    what a conversation adds to a follow-up's choice (``rag.learn_conversation``)."""
    from rag.embed import load_embedder

    if embedder is None:
        embedder, reason = load_embedder(model_name)
        if reason:
            raise RuntimeError(reason)
    data: dict[tuple[str, str], Collected] = {}
    for split in ("fit", "val"):
        folder = prepare(open_book, work, split, splits, seed_dev)
        engine = _engine(folder, embedder, "hybrid", model_name)
        say(f"{split}: {engine.store.passage_count()} passages, trust {engine.trust:.2f}")
        questions = _questions(folder)
        english = None
        if xquad is not None:
            english = prepare_english(xquad, work, split, beside=folder / "docs")
        if english is not None:
            # Asked of the common corpus, whose articles are others: English questions
            # the library does not answer.
            questions += english_absent(_questions(english), folder / "docs")
        for mode in MODES:
            data[split, mode] = collect(engine, questions, mode, progress)
        if english is not None:
            # A corpus of its own: the common corpora stay as they are without it.
            engine = _engine(english, embedder, "hybrid", model_name)
            for mode in MODES:
                data[split, mode].extend(collect(engine, _questions(english), mode, progress))
    models, result = {}, {}
    for mode in MODES:
        model = fit(data["fit", mode])
        threshold, english = calibrate(model, data["val", mode])
        # A veto must refuse: one whose share reaches a threshold would say nothing.
        lowest = min(threshold, threshold if english is None else english)
        kept = {f: share for f, share in model.vetoes.items() if share < lowest}
        # An English abstention model is read only against a threshold chosen on it.
        models[mode] = replace(
            model,
            threshold=threshold,
            vetoes=kept,
            english_threshold=english,
            english_question=model.english_question if english is not None else None,
        )
        result[mode] = figures(models[mode], data["val", mode])
        say(
            f"{mode}: threshold {threshold:.3f} (English {english}); "
            f"validation {json.dumps(result[mode])}"
        )
    conversation = {}
    if conversations is not None:
        folder, files = conversations

        def engine_for(fitted: dict[str, AnswerModel]) -> Engine:
            settings = Settings(seeds=folder, index=work / "conversations-index", model=model_name)
            opened = open_engine(
                settings, embedder, progress=False, say=lambda _: None, answers=False
            )
            model = ModelFile(fitted["hybrid"], fitted["lexical"], {})
            return Engine(opened.store, opened.embedder, opened.notices, model=model)

        models, conversation = with_conversation(models, engine_for, files, say)
    provenance = {
        "data": "CMRC 2018 trial and DRCD dev (CC BY-SA), via rag.learn_data"
        + (", and the seed dev set (even lines fit, odd lines validation)" if seed_dev else "")
        + (
            "; English choice and abstention: XQuAD-dev's English questions (articles 0, 3,"
            " 6, ... in name order fit, 1, 4, 7, ... validation, the rest never read; one"
            " paragraph of each held out), also asked of the common corpora as questions"
            " about articles not indexed"
            if xquad
            else ""
        ),
        "fit": [part.__dict__ for part in splits["fit"]],
        "validation": [part.__dict__ for part in splits["val"]],
        "fit_questions": len(data["fit", "hybrid"].kinds),
        "validation_questions": len(data["val", "hybrid"].kinds),
        "embedder": getattr(embedder, "name", None),
        "right_answers_refused_at_most": FALSE_REFUSALS,
        "l2": L2,
        "validation_figures": result,
        "conversation": conversation or "not fitted: the term adds nothing",
    }
    ModelFile(models["hybrid"], models["lexical"], provenance).save(out)
    return result
