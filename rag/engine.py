"""Open an index and answer questions: the library that the CLI and the UI both call."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag import judge as answer_model
from rag import store
from rag.answer import NOT_FOUND, asks_broad, compose, compose_points, evidence, judge
from rag.backend import LocalStore, Store
from rag.build import build, is_fresh, require_seeds, say_on_stderr
from rag.dense import DenseIndex, Meaning
from rag.embed import Embedder, load_embedder
from rag.followup import understand
from rag.fuse import dense_weight, fuse
from rag.lexical import LexicalIndex
from rag.query import Query
from rag.records import Answer, Hit
from rag.settings import Settings, check_length

CANDIDATES = 50
# The first passages of the fused ranking are reordered by how well their best sentence
# answers the question (rag.answer.evidence), with this weight against the fused score
# (0–1): a passage that states the asked figure with its unit moves up past one that
# only shares the words. Dev set, default mode: hit1 0.902 -> 0.922 (0.912–0.922 for
# weights 0.05–0.2), and in keyword mode 0.833 -> 0.843.
RERANK = 10
EVIDENCE_WEIGHT = 0.1
# Passages whose sentences are candidate answers: the first three, or eight for a broad
# question answered with a list of points.
TOP = 3
BROAD_TOP = 8


class Engine:
    """A question-answering engine over one store (see rag.backend), ready for
    concurrent questions: it holds no per-question state."""

    def __init__(
        self,
        passages: Store,
        embedder: Embedder | None = None,
        notices: tuple[str, ...] = (),
        model: answer_model.ModelFile | None = None,
    ) -> None:
        self.store = passages
        self.embedder = embedder
        self.notices = notices
        self._model = model

    @property
    def model(self) -> answer_model.ModelFile:
        """The learned answer model (rag.judge), the packaged one unless given. A missing
        or damaged file raises ModelProblem: there is no silent fall back to rules."""
        if self._model is None:
            self._model = answer_model.default()
        return self._model

    @property
    def trust(self) -> float:
        return self.store.trust

    @property
    def semantic(self) -> bool:
        return self.store.has_vectors and self.embedder is not None

    def analyze(self, question: str) -> Query:
        """The question as every stage reads it, weighed by this corpus's IDF (as the
        store stands now: a shared store may have changed since the last question)."""
        s = self.store
        s.refresh()
        return Query.of(question, s.idf, s.max_idf, s.df)

    def meaning(self, query: Query, mode: str = "hybrid") -> Meaning | None:
        """How close the question is to each corpus sentence, when the model is trusted."""
        if mode != "hybrid" or not self.semantic or self.trust <= 0:
            return None
        texts = [query.embed_text]
        if query.english and query.translations:
            # The model matches Chinese to Chinese far better than English to Chinese
            # (cosines 0.78–0.82 for any English question): the question is also read
            # as the Chinese words its terms translate to (dev set, English: hit1 0.69
            # -> 0.77).
            texts.append(" ".join(group[0] for group in query.translations))
        return Meaning(list(self.embedder.embed(texts, kind="query")), self.store)

    def search(
        self,
        question: str | Query,
        k: int = 10,
        mode: str = "hybrid",
        meaning: Meaning | None = None,
    ) -> list[Hit]:
        """Ranked passages for a question (text, or a Query already analysed)."""
        query = question if isinstance(question, Query) else self.analyze(question)
        if meaning is None:
            meaning = self.meaning(query, mode)
        return self._rank(query, k, meaning)[0]

    def _rank(self, query: Query, k: int, meaning: Meaning | None) -> tuple[list[Hit], bool]:
        """Fused hits, and whether both retrievers put the same passage first."""
        lexical = self.store.keyword(query.tokens, max(CANDIDATES, k))
        dense = meaning.passages(max(CANDIDATES, k)) if meaning else []
        ranked = fuse(lexical, dense, dense_weight(self.trust) if meaning else 0.0, max(k, RERANK))
        agree = bool(lexical and dense and lexical[0][0] == dense[0][0])
        # A store shared with a writer may have dropped a passage since it was ranked.
        found = {c.id: c for c in self.store.fetch([i for i, _, _ in ranked])}
        hits = [Hit(found[i], score, via) for i, score, via in ranked if i in found]
        head = [
            Hit(h.chunk, round(h.score + EVIDENCE_WEIGHT * evidence(h.chunk.text, query), 6), h.via)
            for h in hits[:RERANK]
        ]
        head.sort(key=lambda h: -h.score)
        return (head + hits[RERANK:])[:k], agree

    def ask(
        self, question: str, k: int = 10, mode: str = "hybrid", history: Sequence[str] = ()
    ) -> Answer:
        """Answer a question with cited passages, or abstain; a follow-up is completed
        from the earlier questions in ``history`` (oldest first) before retrieval. A
        question over ``MAX_QUESTION`` characters raises QuestionTooLong: never answer
        part of a question as if it were the whole."""
        check_length(question)
        understood = understand(question, history)
        query = self.analyze(understood)
        meaning = self.meaning(query, mode)
        hits, agree = self._rank(query, k, meaning)
        broad = asks_broad(understood)
        top = BROAD_TOP if broad else TOP
        cut = self.store.edges([h.chunk for h in hits[:top]])
        model = self.model.pick(dense=meaning is not None)
        verdict = judge(query, hits, model, cut, meaning, agree, top)
        text, quotes = "", ()
        if verdict.answered:
            text, quotes = (compose_points if broad else compose)(query, verdict)
        said = understood if understood != question else ""
        confidence = round(verdict.confidence, 4)
        if not text:
            return Answer(question, NOT_FOUND, True, tuple(hits), (), "", said, False, confidence)
        # compose_points numbers its points only when there are several.
        listed = broad and len(quotes) > 1
        return Answer(question, text, False, tuple(hits), quotes, "", said, listed, confidence)


def open_engine(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    say: Callable[[str], None] = say_on_stderr,
    answers: bool = True,
) -> Engine:
    """Load the index, rebuilding it first when it is missing, stale or damaged.

    ``embedder`` overrides the configured model (tests pass a fake); in lexical mode
    none is loaded at all. The answer model is read first, so that a damaged one stops
    everything at once; ``answers=False`` skips it (``rag train`` makes it).
    """
    if answers:
        answer_model.default()
    require_seeds(settings)
    notices = []
    if embedder is None and settings.mode == "hybrid":
        embedder, reason = load_embedder(settings.model)
        if reason:
            notices.append(reason)
            say(reason)
    if settings.milvus:
        from rag.milvus import sync

        passages = sync(settings, embedder, progress=progress, say=say)
        return Engine(passages, embedder if passages.has_vectors else None, tuple(notices))
    try:
        return _load(settings, embedder, tuple(notices))
    except store.IndexProblem as exc:
        say(f"building the index in {settings.index} ({exc})")
    build(settings, embedder, progress=progress, say=say)
    try:
        return _load(settings, embedder, tuple(notices))
    except store.IndexProblem as exc:
        raise store.IndexProblem(f"index still unusable after a rebuild: {exc}") from exc


def _load(settings: Settings, embedder: Embedder | None, notices: tuple[str, ...]) -> Engine:
    """The live build as an engine; IndexProblem says why it cannot be used as it is."""
    stored = store.load(settings.index)
    why = is_fresh(stored.manifest, settings, embedder.name if embedder else None)
    if why is not None:
        raise store.IndexProblem(why)
    try:
        lexical = LexicalIndex.load(stored.folder / store.LEXICAL)
    except Exception as exc:
        raise store.IndexProblem(f"the keyword index in {stored.folder} is damaged") from exc
    if lexical.num_docs != len(stored.chunks):
        raise store.IndexProblem(f"the keyword index in {stored.folder} is incomplete")
    dense = None
    if embedder is not None:
        try:
            dense = DenseIndex.load(stored.folder, [c.text for c in stored.chunks])
        except Exception as exc:
            raise store.IndexProblem(f"the vector index in {stored.folder} is damaged") from exc
        if len(dense) != len(dense.units):
            raise store.IndexProblem(f"the vector index in {stored.folder} is incomplete")
    return Engine(LocalStore(stored, lexical, dense), embedder, notices)
