"""Open an index and answer questions: the library that the CLI and the UI both call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace

from rag import judge as answer_model
from rag import store
from rag.answer import (
    BROAD_TOP,
    NOT_FOUND,
    TOP,
    Follow,
    Verdict,
    asks_broad,
    compose,
    compose_points,
    evidence,
    judge,
)
from rag.backend import LocalStore, Store
from rag.build import build, is_fresh, previous_vectors, say_on_stderr
from rag.conversation import Conversation
from rag.corpus import require_seeds
from rag.dense import DenseIndex, Meaning
from rag.embed import Embedder, load_embedder
from rag.fuse import dense_weight, fuse
from rag.lexical import LexicalIndex
from rag.query import Query
from rag.records import Answer, Hit
from rag.settings import Settings, check_length
from rag.tokenize import mandarin

CANDIDATES = 50
# An English question meets Chinese passages through the dictionary's translations of its
# terms, which are noisier than a Chinese question's own words: the model, which reads
# both languages, gets a larger say. Chosen with the two readings' average (rag.dense)
# on the seed dev set's English questions and 8 of XQuAD-dev's 16 articles, for the
# best mean of their retrieval hit1 (weights 0.35–0.55; seeds 0.846, XQuAD 0.755 at 0.45).
ENGLISH_DENSE = 0.45
# The first passages of the fused ranking are reordered by how well their best sentence
# answers the question (rag.answer.evidence), with this weight against the fused score
# (0–1): a passage that states the asked figure with its unit moves up past one that
# only shares the words. Dev set, default mode: hit1 0.902 -> 0.922 (0.912–0.922 for
# weights 0.05–0.2), and in keyword mode 0.833 -> 0.843.
RERANK = 10
EVIDENCE_WEIGHT = 0.1
# The turns a follow-up is read with: the one before, which may lean on the one before it.
CONTEXT_TURNS = 2


@dataclass(frozen=True)
class Judged:
    """One question the answer model judged in ``Engine.answer_query``: the question as
    asked and as read, the passages ranked for it, the model's verdict, and what its
    conversation told the choice (None for a question not read with one)."""

    question: str
    query: Query
    hits: list[Hit]
    verdict: Verdict
    follow: Follow | None


# While set, called with each question ``Engine.answer_query`` judges in this thread (and
# context); a list item narrowed by ``Conversation._narrowed`` is judged apart and not
# reported. How ``rag train`` reads the candidates of follow-ups (rag.learn_conversation):
# a context variable, so that it sees only its own caller's questions, never another
# thread's.
WATCHER: ContextVar[Callable[[Judged], None] | None] = ContextVar("watcher", default=None)


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
        # Follow-ups are read by a part of their own (rag.conversation), over this engine.
        self.conversation = Conversation(self)

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
        return self.rank(query, k, meaning)[0]

    def rank(
        self,
        query: Query,
        k: int,
        meaning: Meaning | None,
        favour: dict[str, float] | None = None,
    ) -> tuple[list[Hit], bool]:
        """Fused hits, and whether both retrievers put the same passage first. ``favour``
        adds to the fused score of some passages (those the conversation is about)."""
        lexical = self.store.keyword(query.tokens, max(CANDIDATES, k))
        dense = meaning.passages(max(CANDIDATES, k)) if meaning else []
        weight = (
            dense_weight(self.trust, ENGLISH_DENSE) if query.english else dense_weight(self.trust)
        )
        ranked = fuse(lexical, dense, weight if meaning else 0.0, max(k, RERANK))
        agree = bool(lexical and dense and lexical[0][0] == dense[0][0])
        if favour:
            scores = {i: (score + favour.get(i, 0.0), via) for i, score, via in ranked}
            for i, bonus in favour.items():
                scores.setdefault(i, (bonus, "context"))
            ranked = sorted(((i, sc, via) for i, (sc, via) in scores.items()), key=lambda r: -r[1])
            ranked = ranked[: max(k, RERANK)]
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
        """Answer a question with cited passages, or abstain. A follow-up is read with its
        conversation (``history``: the earlier questions, oldest first; see
        ``rag.conversation``). A question over ``MAX_QUESTION`` characters raises
        QuestionTooLong: never answer part of a question as if it were the whole."""
        check_length(question)
        # Written Cantonese is read in the documents' Mandarin; the answer keeps the
        # question as it was typed.
        spoken = mandarin(question)
        history = [mandarin(turn) for turn in history][-CONTEXT_TURNS:]
        if not history:
            answer = self.answer_query(spoken, self.analyze(spoken), k, mode)
        else:
            # A follow-up leans on the turn before, which may lean on the one before
            # that: two earlier turns are read, so a long conversation costs no more.
            answer = self.conversation.answer(spoken, history, k, mode)
        return answer if spoken == question else replace(answer, question=question)

    def answer_query(
        self,
        question: str,
        query: Query,
        k: int,
        mode: str,
        said: str = "",
        favour: dict[str, float] | None = None,
        quoted: tuple[str, ...] = (),
        follow: Follow | None = None,
    ) -> Answer:
        """Retrieve for ``query`` and let the answer model speak (or refuse); ``quoted``
        are sentences the conversation has already heard, not to be quoted again, and
        ``follow`` what it tells the choice (rag.answer.Follow)."""
        meaning = self.meaning(query, mode)
        hits, agree = self.rank(query, k, meaning, favour)
        broad = asks_broad(query.text)
        top = BROAD_TOP if broad else TOP
        cut = self.store.edges([h.chunk for h in hits[:top]])
        model = self.model.pick(dense=meaning is not None)
        verdict = judge(query, hits, model, cut, meaning, agree, top, quoted, follow)
        watcher = WATCHER.get()
        if watcher is not None:
            watcher(Judged(question, query, hits, verdict, follow))
        text, quotes = "", ()
        if verdict.answered:
            text, quotes = (compose_points if broad else compose)(query, verdict)
        confidence = round(verdict.confidence, 4)
        searched = "hybrid" if meaning is not None else "lexical"
        if not text:
            return Answer(
                question,
                NOT_FOUND,
                True,
                tuple(hits),
                understood_as=said,
                confidence=confidence,
                mode=searched,
            )
        # compose_points numbers its points only when there are several.
        listed = broad and len(quotes) > 1
        return Answer(
            question,
            text,
            False,
            tuple(hits),
            quotes,
            understood_as=said,
            listed=listed,
            confidence=confidence,
            mode=searched,
        )


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
    if not settings.milvus:
        require_seeds(settings)
    notices = []
    if embedder is None and settings.mode == "hybrid":
        embedder, reason = load_embedder(settings.model)
        if reason:
            notices.append(reason)
            say(reason)
    if settings.milvus:
        passages = _open_milvus(settings, embedder, progress, say)
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


def open_at_once(
    settings: Settings,
    embedder: Embedder | None = None,
    say: Callable[[str], None] = say_on_stderr,
) -> tuple[Engine, Embedder | None, dict]:
    """An engine that answers now, the embedder its vectors are (to be) made with, and
    the vectors (by sentence) of a stale build it replaced, for the caller to reuse.

    The live build when it has vectors for the model; else a keyword engine (no
    ``semantic``) over the live build, or over a keyword build made first when there is
    none or it is stale: seconds, where embedding takes minutes. The caller makes the
    vectors (``rag.build.prepare``) and swaps in the hybrid engine when they are done.
    Without a model (lexical mode, or one that cannot load) this is ``open_engine``.
    Local index folders only."""
    answer_model.default()
    require_seeds(settings)
    notices: tuple[str, ...] = ()
    if embedder is None and settings.mode == "hybrid":
        embedder, reason = load_embedder(settings.model)
        if reason:
            notices = (reason,)
            say(reason)
    if embedder is None:
        keywords = replace(settings, mode="lexical")
        engine = open_engine(keywords, progress=False, say=say, answers=False)
        return Engine(engine.store, None, notices), None, {}
    try:
        return _load(settings, embedder, notices), embedder, {}
    except store.IndexProblem as exc:
        why = exc
    keywords = replace(settings, mode="lexical")
    known: dict = {}
    try:
        # Any build of these documents will do, its vectors (of another model) unused.
        engine = _load(keywords, None, notices)
    except store.IndexProblem:
        say(f"building the keyword index in {settings.index} ({why}); vectors follow")
        known = previous_vectors(settings.index, embedder)  # the keyword build drops them
        build(keywords, None, progress=False, say=say)
        engine = _load(keywords, None, notices)
    return engine, embedder, known


def _open_milvus(settings: Settings, embedder, progress: bool, say: Callable[[str], None]):
    """The Milvus store: brought up to date with the seed folder where there is one (only
    adding and changing, see rag.milvus.indexing), else used as it is: a replica needs no
    folder of its own."""
    from rag.milvus import MilvusStore, sync

    if settings.seeds.is_dir():
        return sync(settings, embedder, progress=progress, say=say)
    passages = MilvusStore.open(settings.store, settings.milvus_token)
    if not passages.exists():
        raise store.IndexProblem(
            f"the Milvus store {settings.store} is empty: run rag index --store "
            f"{settings.store} where the seed folder is"
        )
    passages.refresh()
    model = embedder.name if embedder is not None else None
    if passages.has_vectors and model is not None and passages.model != model:
        raise store.IndexProblem(
            f"the Milvus store {settings.store} holds vectors for model {passages.model}, "
            f"not {model}: use that model or run rag index --store {settings.store}"
        )
    return passages


def load_live(
    settings: Settings, embedder: Embedder | None, notices: tuple[str, ...] = ()
) -> Engine:
    """The build another writer (``rag docs``, another app) made live, as it is: never
    rebuilt here. Its documents are not checked against the folders, since a writer stores
    an upload before its build goes live and another upload may be on its way; the build is
    still one consistent snapshot. IndexProblem when it is unusable to this process (another
    pipeline version, chunking or model, or damaged)."""
    return _load(settings, embedder, notices, corpus=False)


def _load(
    settings: Settings,
    embedder: Embedder | None,
    notices: tuple[str, ...],
    corpus: bool = True,
) -> Engine:
    """The live build as an engine; IndexProblem says why it cannot be used as it is."""
    stored = store.load(settings.index)
    why = is_fresh(stored.manifest, settings, embedder.name if embedder else None, corpus)
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
    return Engine(LocalStore(stored, lexical, dense, settings), embedder, notices)
