"""A follow-up read with its conversation: the rules that decide how a question asked
after others is answered (``Conversation.answer``), over an engine's retrieval and answer
model. The reading of the question's words is ``rag.followup``; the lists it may point
into are ``rag.lists``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rag.answer import MAX_ANSWER, TOP, Follow, compose, heard_before, judge
from rag.chunk import sentences
from rag.features import holds, wants
from rag.followup import (
    elliptical,
    leans,
    named_anew,
    names_new,
    names_own_subject,
    person_meant,
    subject,
    understand,
)
from rag.lists import (
    INLINE_ITEM,
    MIDDLE,
    about,
    asked_kind,
    asks_for,
    continuation,
    counted,
    enumerated,
    inline,
    is_bare,
    names_item,
    nouns,
    ordinal,
    pick,
    pointed,
    relative,
    semicolon_items,
    sentence_count,
    stated_count,
    stepped,
    without_ordinal,
)
from rag.query import Query, Term, present
from rag.records import Answer, Chunk, Hit, place
from rag.tokenize import CJK, normalize

# A follow-up read with its conversation: the earlier question's terms weigh this share of
# their own, and the passages the previous answer cited (and their neighbours) gain this
# much fused score (fused scores run from 0 to 1).
CONTEXT_SHARE = 0.5
# How many passages after the one an answer quoted a list may run on into.
LIST_REACH = 4
# ... and, when the answer said how many items the list has, up to this many to find them.
COUNTED_REACH = 12
CITED_BONUS = 0.2
NEIGHBOUR_BONUS = 0.1
# understood_as names the earlier question it read a follow-up with; one longer than this
# (a pasted paragraph) is named by its opening words. A follow-up completed from a long
# question is shown by its opening words too, more of them.
CONTEXT_ECHO = 40
READING_ECHO = 80


def _brief(text: str, limit: int = CONTEXT_ECHO) -> str:
    """A question as understood_as shows it: a long one by its opening words.

    >>> _brief("星河游戏公司是哪一年成立的？")
    '星河游戏公司是哪一年成立的？'
    >>> _brief("啊" * 50)[38:]
    '啊啊…（共 50 字）'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text)} 字）"


class Conversation:
    """How an engine answers a question asked after others. It holds no state of its
    own: each call reads the history it is given."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def answer(self, question: str, history: list[str], k: int, mode: str) -> Answer:
        """A question asked after others, in this order:

        0. One item on or back (下一条呢？ after 第二条呢？) is the item next to the one the
           previous question pointed to, in the list that question pointed into.
        1. An ordinal (那第三点呢？, 最后一个呢？) or an item named by what it is about
           (交通网那条) picks that item of the list the previous answer gave or quoted
           from (its points, the 一是…二是… of its passage, a list counted in a top
           passage); an item that is only a name comes with what its document says of
           it (``_details``).
        2. A rewrite that is sure (那深圳呢？ → 深圳有多少家外资企业？) is answered as such,
           without the sentences the previous answer quoted about the subject it moves
           from (``_about_before``).
        3. A question that names its own subject stays alone, answered or not: a new
           topic is not bent towards the old one.
        4. Otherwise the question is read with the previous one as context: its own words
           lead, the earlier question's count for half, and the passages the previous
           answer cited, with their neighbours, are favoured; the sentences it quoted are
           not quoted again unless they may answer it (``_answers_again``: one holds the
           rarest word the question adds, 已经兑现了多少钱？ after 推出了多少项？, or every
           name it adds, or the kind of thing it asks for, when the question before asked
           for another). A 他 or 她 for the person the question before named by role
           (作者, 主席) is shown read as them (``person_meant``). The reading with
           context is kept when it answers, unless the
           question alone is answered, surer, from a document the previous answer did
           not cite, and leans on no word for what was said before (他, 该文件).
        """
        stepped = self._stepped(question, history, k, mode)
        if stepped is not None:
            return stepped
        before = self.engine.ask(history[-1], k, mode, history[:-1])
        n = ordinal(question)
        which = n if n is not None else pointed(question)
        point = self._point(question, which, before, history[-1]) if which != "" else None
        if point is not None:
            added = self._added(question, history[-1])
            rarest = max(added)[1] if added else ""
            held = normalize("".join(quote for _, quote in point.quotes))
            missing = rarest if rarest not in held else ""
            item = point.quotes[0][1]
            if is_bare(item):
                details = self._details(question, item, point, before, history[-1], k, mode)
                if details is not None:
                    return details
            if not missing:
                return self._narrowed(question, point, choose=bool(added))
            # The item does not name what the question asks about (第二个里面，高端服务业
            # 占比多少？): read in context without the words that point into the list
            # (which no passage holds, so they read as something the library lacks), that
            # reading is kept when what it quotes names it. Else the answer is what the
            # model picks of the item for the question (第二点引用的那组数字指什么？ asks
            # for the item's figures, not its opening).
            asked = without_ordinal(question)
            long = len(item) > INLINE_ITEM
            reading, shown = (asked, question) if long else (item + asked, "")
            read = self._with_context(question, history[-1], k, mode, before, reading, shown)
            named = not read.abstained and any(missing in normalize(s) for _, s in read.quotes)
            return read if named else self._narrowed(question, point, choose=True)
        sure = understand(question, history)
        if sure != question:
            return self.engine.answer_query(
                question,
                self.engine.analyze(sure),
                k,
                mode,
                said=_brief(sure, READING_ECHO),
                # What the question before was about as it was read (它 in it is
                # its antecedent).
                quoted=_about_before(question, understand(history[-1], history[:-1]), before),
            )
        alone = self.engine.answer_query(question, self.engine.analyze(question), k, mode)
        if names_own_subject(question):
            return alone
        quoted = tuple(s for _, s in before.quotes)
        if not alone.abstained and any(heard_before(s, quoted) for _, s in alone.quotes):
            # Asked again in other words: the answer it already had is the answer.
            return alone
        # An item named by what no item of the list holds (跟上市有关的那条): what it is
        # named by is what the question asks about, without the words pointing to it.
        reading = which + without_ordinal(question) if isinstance(which, str) and which else ""
        shown = ""
        if not reading:
            # 他 or 她 is the person the question before named by role (作者, 主席):
            # understood_as says so; the question is searched in its own words.
            shown = person_meant(question, history)
        read = self._with_context(question, history[-1], k, mode, before, reading, shown)
        if read.abstained or alone.abstained:
            # Answered one way only, that way; refused both ways, the reply says what
            # context was tried.
            return alone if read.abstained and not alone.abstained else read
        # Answered both ways: alone, from a document the previous answer did not cite,
        # and surer, the question has moved on (大熊猫吃什么 after a question about a
        # company); else it is read in context.
        cited = {before.hits[n - 1].chunk.source for n, _ in before.quotes}
        # A question that leans on a word for what was said before (该文件, 它) has not
        # moved on, however sure the reading alone is.
        moved = alone.hits[0].chunk.source not in cited and not leans(question)
        return alone if moved and alone.confidence > read.confidence else read

    def _stepped(self, question: str, history: list[str], k: int, mode: str) -> Answer | None:
        """The item one on from (下一条呢？) or one back from (上一条呢？) the one the
        previous question pointed to (第二条呢？), in the list that question pointed
        into; None when the question steps from no such item."""
        step = relative(question)
        if not step or ordinal(question) is not None or len(history) < 2:
            return None
        came_from = ordinal(history[-1])
        which = stepped(came_from, step) if came_from is not None else None
        if which is None:
            return None
        listing = self.engine.ask(history[-2], k, mode, history[:-2])
        point = self._point(question, which, listing, history[-2])
        return None if point is None else self._narrowed(question, point, choose=False)

    def _details(
        self,
        question: str,
        item: str,
        point: Answer,
        before: Answer,
        asked: str,
        k: int,
        mode: str,
    ) -> Answer | None:
        """An item that is only a name (资源优化, of 从…三大方面) says little by itself:
        the item followed by what its document says of it, after the list, where that
        names it; None when nothing does. The item is what the question asks about,
        with what the question adds (下面有哪些举措), read with the conversation; a question
        that adds nothing the library holds (展开说说) asks about the item alone. When that
        reading names the item nowhere (the conversation's words drew it to the list's
        first item), the item is read by itself."""
        holder = point.hits[point.quotes[0][0] - 1].chunk
        rest = without_ordinal(question)
        asks = any(self._uses(t) for t in self.engine.analyze(rest).terms)
        reading = item + rest if asks else item
        heard = tuple(s for _, s in before.quotes)

        def reads():
            yield self._with_context(question, asked, k, mode, before, reading)
            yield self.engine.answer_query(
                question, self.engine.analyze(item), k, mode, quoted=heard
            )

        for read in reads():
            if read.abstained:
                continue
            naming = tuple(
                (n, s)
                for n, s in read.quotes
                if 0 <= _steps(holder.id, read.hits[n - 1].chunk.id) <= COUNTED_REACH
                and names_item(s, item)
            )
            if naming:
                return _followed(point, replace(read, quotes=naming))
        return None

    def _with_context(
        self,
        question: str,
        context: str,
        k: int,
        mode: str,
        before: Answer,
        reading: str = "",
        shown: str = "",
    ) -> Answer:
        """The question (as ``reading`` says it, when given) read with the previous one
        (``context``), whose answer was ``before``: its passages favoured, its quotes not
        quoted again unless they may answer it (``_answers_again``). ``understood_as``
        echoes ``shown``, or else the reading."""
        own = self.engine.analyze(reading or question)
        earlier = self.engine.analyze(context)
        query = self._in_context(own, earlier)
        said = f"{shown or reading or question}（结合上文：{_brief(context)}）"
        added = self._added_terms(own, earlier)
        if elliptical(question):
            longer = []
        elif own.english:
            # An English question adds translation groups; those the library uses.
            longer = [
                (weight, term)
                for term, weight in added.items()
                if isinstance(term, tuple) and self._uses(term)
            ]
        else:
            longer = [(weight, term) for weight, term in _words_of(added) if len(term) > 1]
        rarest = max(longer)[1] if longer else ""
        quoted = tuple(
            s for _, s in before.quotes if not _answers_again(s, question, context, rarest)
        )
        follow = Follow(added, frozenset(before.hits[n - 1].chunk.source for n, _ in before.quotes))
        return self.engine.answer_query(
            question, query, k, mode, said, _favour(before), quoted, follow
        )

    def _in_context(self, own: Query, earlier: Query) -> Query:
        """The question (``own``) with the earlier one's words beside its own: the
        question's terms keep their weight and count twice in the keyword search, the
        context's count half in the answer model's coverage; what the question asks for
        (a figure, a year, its focus) is the question's own."""
        question, context = own.text, earlier.text
        chinese_context = bool(CJK.search(normalize(context)))
        if own.english or not chinese_context:
            # Each read in its own language (English words translated; an English
            # question keeps its own model and threshold), the earlier question's words
            # beside the question's: the two texts run together would be read as one
            # language, the other's words left as they are.
            read = replace(
                own,
                tokens=own.tokens + own.tokens + earlier.tokens,
                terms={
                    **{t: w * CONTEXT_SHARE for t, w in earlier.terms.items()},
                    **own.terms,
                },
                bigrams={
                    **{b: w * CONTEXT_SHARE for b, w in earlier.bigrams.items()},
                    **own.bigrams,
                },
                years=own.years or earlier.years,
            )
            if not chinese_context:
                return read
            # After a Chinese question the text is both, as a Chinese follow-up's is, so
            # that the places and names the conversation is about pin the answer (their
            # 12345 hotline after a question about 珠海 is 珠海's). What is asked for is
            # the question's own where it asks for something in particular, else the
            # conversation's, as for a Chinese follow-up (rag.answer.candidates). (An
            # English question before a Chinese follow-up names its places in English:
            # they would pin nothing, and only its kind of question would carry over.)
            return replace(
                read,
                text=f"{context} {question}",
                norm=f"{earlier.norm} {own.norm}",
                own_text=question,
            )
        both = self.engine.analyze(f"{context} {question}")
        return replace(
            both,
            tokens=both.tokens + own.tokens,
            terms={t: w if t in own.terms else w * CONTEXT_SHARE for t, w in both.terms.items()},
            bigrams={
                b: w if b in own.bigrams else w * CONTEXT_SHARE for b, w in both.bigrams.items()
            },
            asks_number=own.asks_number,
            counter=own.counter,
            asks_count=own.asks_count,
            numbers=own.numbers,
            years=own.years or both.years,
            focus=own.focus,
            own_text=own.text,
        )

    def _narrowed(self, question: str, point: Answer, choose: bool) -> Answer:
        """A list item too long for an answer (一是… running over several sentences) cut
        to fit: to what the answer model picks of it for the question when the question
        asks something of the item (``choose``: it adds words of its own), else to the
        item's opening, which says what the item is."""
        if sum(len(quote) for _, quote in point.quotes) <= MAX_ANSWER:
            return point
        if choose:
            held = [point.hits[n - 1] for n, _ in point.quotes]
            parts = [
                Hit(replace(h.chunk, text=quote), h.score, h.via)
                for h, (_, quote) in zip(held, point.quotes)
            ]
            # The words pointing to the item (第二点, 交通网那条) do not choose within it.
            query = self.engine.analyze(without_ordinal(question))
            text, quotes = compose(query, judge(query, parts, self.engine.model.pick(dense=False)))
            if text:
                return replace(point, text=text, quotes=quotes)
        # The opening: whole sentences of the item, then of its run into the next passage.
        kept: list[tuple[int, str]] = []
        room = MAX_ANSWER - 8
        for n, quote in point.quotes:
            taken = ""
            for sentence in sentences(quote):
                if (kept or taken) and len(taken) + len(sentence) > room:
                    break
                taken += sentence
            taken = taken[:room]
            if taken:
                kept.append((n, taken))
                room -= len(taken)
            if room <= 0 or taken != quote:
                break
        return replace(point, text=_cited(kept), quotes=tuple(kept))

    def _point(self, question: str, which: int | str, before: Answer, asked: str) -> Answer | None:
        """Item ``which`` (its number, -1 for the last, or the words it is named by) of
        the list the previous answer gave (its points) or quoted from (the enumerated
        items of its first cited passage, or of the passage after it); None when there is
        no such item, or when the question names something neither the previous question
        (``asked``) nor those passages did (a new subject)."""
        if before.abstained or not before.quotes:
            return None
        hits = list(before.hits)
        lists, listed = self._lists(before, hits, asked, question)
        if names_new(question, "\n".join([asked, *(h.chunk.text for h in hits)])):
            return None
        texts = [[s for _, s in group] for group in lists]
        found = pick(texts, which) if isinstance(which, int) else about(texts, which)
        if found is None:
            return None
        group, item = found
        place = texts[group].index(item)
        most = max((sentence_count(s) for _, s in listed), default=1)
        shown, quotes = self._whole(item, lists[group][place][0], place, hits, listed, most)
        ids = {h.chunk.id for h in shown}
        ordered = (*shown, *(h for h in before.hits if h.chunk.id not in ids))
        if isinstance(which, str):
            label = f"关于“{which}”的一项"
        elif which == MIDDLE:
            label = "中间一项"
        elif which < 0:
            label = "最后一项" if which == -1 else f"倒数第 {-which} 项"
        else:
            label = f"第 {which} 项"
        return Answer(
            question,
            _cited(quotes),
            abstained=False,
            hits=ordered,
            quotes=quotes,
            understood_as=f"{question}（上一回答所列的{label}）",
            # How sure the model was that those passages answered the question the
            # list came from: the item is read off that list, not judged anew.
            confidence=before.confidence,
            mode=before.mode,
        )

    def _lists(
        self, before: Answer, hits: list[Hit], asked: str, question: str
    ) -> tuple[list[list[tuple[int, str]]], list[tuple[int, str]]]:
        """The lists an ordinal may point into, in order, each item with the number of
        the passage of ``hits`` that holds it (passages the list runs on into are added to
        ``hits``); and the list of the passages alone."""
        lists: list[list[tuple[int, str]]] = []
        if before.listed:
            lists.append(list(before.quotes))
        first = before.quotes[0][0]
        cited = hits[first - 1].chunk
        # A quote that announces a list (主要任务包括5个方面：) is followed by it: what its
        # passage sets out before it (the section's own heading, （一）…) is no part of it.
        text, quote = cited.text, before.quotes[0][1]
        if quote.rstrip().endswith(("：", ":")) and (at := text.find(quote)) >= 0:
            text = text[at + len(quote) :]
        family, found = enumerated(text)
        # A list set out one item a passage starts here with its first item alone: taken
        # only when the passages after it go on with the second.
        lone = not found
        if lone:
            family, found = enumerated(text, least=1)
        listed = [(first, item) for item in found]
        # How long the items are whose end was seen (the last of a passage may be cut).
        longest = max(map(sentence_count, found[:-1]), default=0)
        # The list goes on in the passages after it (一是 … 二是 here, 三是 two passages on);
        # as far as the count the answer gave (有5项主要任务), when it gave one.
        stated = stated_count(before.quotes[0][1])
        reach = COUNTED_REACH if stated else LIST_REACH
        for step in range(1, reach + 1):
            # A list that starts further on counts as well (有5项主要任务 in a summary,
            # the items some passages later): the count says how far to look.
            if step > LIST_REACH and len(listed) >= stated:
                break
            nxt = self._next(cited, step)
            if nxt is None:
                break
            # Where the answer's passage sets out no item, the list may start one item
            # a passage too.
            family, more = enumerated(
                nxt.text,
                len(listed),
                family if listed else None,
                least=1 if lone and not listed else None,
                sentences=longest,
            )
            if more:
                hits.append(Hit(nxt, 0.0, "context"))
                listed += [(len(hits), item) for item in more]
                longest = max([longest, *map(sentence_count, more[:-1])])
        if lone and len(listed) < 2:
            listed = []
        # The quote opens a list parted by semicolons (建议：加强甲；开展乙；…): that list
        # is the one the answer gave the start of.
        opened = [(first, item) for item in semicolon_items(cited.text, quote)]
        if opened:
            lists.append(opened)
        # A list run into the sentence quoted (分为四个阶段：甲、乙、丙、丁) comes before
        # the passages' own when its items are what was asked about (从…四个维度, after
        # 分成哪几个维度？); else after them.
        run = [(first, item) for item in inline(quote)]
        kind = counted(quote)[1]
        asking = normalize(asked + question)
        if bool(kind) and asks_for(kind, asking):
            lists += [run, listed]
        else:
            # The answer may have quoted a detail while one of its top passages counts
            # the very things asked for (从甲、乙、丙三大方面, after 从哪几个方面…？).
            lists += [*_counted_runs(hits[:TOP], asking), listed, run]
        return lists, listed

    def _whole(
        self,
        item: str,
        number: int,
        place: int,
        hits: list[Hit],
        listed: list[tuple[int, str]],
        most: int,
    ) -> tuple[list[Hit], tuple[tuple[int, str], ...]]:
        """Item ``item`` (the ``place``-th of its list, in passage ``number`` of ``hits``)
        read whole: a point the previous answer listed may open an item its passage sets
        out at more length (``listed``), and an item that ends its passage may go on in
        the next (passages overlap), up to ``most`` sentences, as long as the list's
        longest item. The passages to show first, and the quotes ([1] the item's own)."""
        opening = item.rstrip("。；;")
        whole = [(p, s) for p, s in listed if s != item and s.startswith(opening)]
        nxt = None
        if whole:
            number, item = whole[0]
        elif (nxt := self._next(hits[number - 1].chunk)) is not None:
            longer = [
                s
                for after in dict.fromkeys((0, place))
                for s in enumerated(nxt.text, after, least=1, sentences=most)[1]
                if s.startswith(opening) and len(s) > len(item)
            ]
            if longer:
                return [Hit(nxt, 0.0, "context")], ((1, longer[0]),)
        holder = hits[number - 1]
        shown, quotes = [holder], ((1, item),)
        room = most - sentence_count(item)
        if room > 0 and holder.chunk.text.rstrip().endswith(item.rstrip()):
            nxt = self._next(holder.chunk) if whole else nxt
            rest = continuation(holder.chunk.text, nxt.text, room) if nxt else ""
            if rest:
                shown.append(Hit(nxt, 0.0, "context"))
                quotes += ((2, rest),)
        return shown, quotes

    def _next(self, chunk: Chunk, step: int = 1) -> Chunk | None:
        """The passage ``step`` places after ``chunk`` in its document, if any."""
        near = _neighbour(chunk.id, step)
        found = self.engine.store.fetch([near]) if near else []
        return found[0] if found else None

    def _adds(self, question: str, asked: str) -> list[tuple[float, str]]:
        """The words ``question`` adds to the earlier question (``asked``), with their
        weights: those the library uses that the earlier question does not."""
        added = self._added_terms(self.engine.analyze(question), self.engine.analyze(asked))
        return _words_of(added)

    def _added_terms(self, own: Query, earlier: Query) -> dict:
        """The terms of ``own`` that ``earlier`` lacks, with their weights: a word only
        when the library uses it, a translation group as it is (the renderings of an
        English word the library never uses among them: they weigh as missing)."""
        return {
            term: weight
            for term, weight in own.terms.items()
            if term not in earlier.terms and (not isinstance(term, str) or self._uses(term))
        }

    def _uses(self, term: Term) -> bool:
        """Whether the library uses a word, or any rendering of a translation group."""
        return any(
            self.engine.store.df(t) > 0 for t in ((term,) if isinstance(term, str) else term)
        )

    def _added(self, question: str, asked: str) -> list[tuple[float, str]]:
        """The nouns an ordinal follow-up adds, with their weights: those the library
        uses which neither the earlier question (``asked``) nor the words pointing into
        the list hold (第二点引用的数字 adds 数字)."""
        rest = without_ordinal(question)
        named = {normalize(w) for w in nouns(rest)}
        return [(weight, term) for weight, term in self._adds(rest, asked) if term in named]


def _words_of(terms: dict) -> list[tuple[float, str]]:
    """The (weight, word) pairs of ``terms`` that are words, not translation groups.

    >>> _words_of({"员工": 2.0, ("热线", "专线"): 4.0})
    [(2.0, '员工')]
    """
    return [(weight, term) for term, weight in terms.items() if isinstance(term, str)]


def _followed(point: Answer, read: Answer) -> Answer | None:
    """The item ``point`` gave, followed by what ``read`` quoted about it (as much as
    the answer limit leaves room for; None when that is nothing), its passages numbered
    anew: the item's first, then those ``read`` cites.

    >>> from rag.records import Chunk
    >>> a, b = (Hit(Chunk(f"d#{i}", "d", "t", f"文{i}", 1, 1), 1.0, "lexical") for i in (0, 1))
    >>> point = Answer("q", "甲[1]", False, (a,), ((1, "甲"),))
    >>> _followed(point, Answer("q", "乙详[2]", False, (a, b), ((2, "乙详"),))).text
    '甲[1]乙详[2]'
    >>> _followed(point, Answer("q", "", False, (a, b), ((2, "长" * 240),))) is None
    True
    """
    shown = [point.hits[point.quotes[0][0] - 1]]
    ids = [shown[0].chunk.id]
    quotes = [(1, point.quotes[0][1])]
    room = MAX_ANSWER - len(point.quotes[0][1]) - 4
    for number, quote in read.quotes:
        room -= len(quote) + 4
        if room < 0:
            break
        hit = read.hits[number - 1]
        if hit.chunk.id not in ids:
            shown.append(hit)
            ids.append(hit.chunk.id)
        quotes.append((ids.index(hit.chunk.id) + 1, quote))
    if len(quotes) == 1:
        return None
    rest = [h for h in (*point.hits, *read.hits) if h.chunk.id not in ids]
    return replace(
        point,
        text=_cited(quotes),
        hits=(*shown, *dict((h.chunk.id, h) for h in rest).values()),
        quotes=tuple(quotes),
    )


def _answers_again(sentence: str, question: str, context: str, rarest: Term) -> bool:
    """Whether a sentence the previous answer quoted may answer the follow-up: it holds
    the rarest word the follow-up adds (已经兑现了多少钱？ after 推出了多少项事项？, both
    said in one sentence; for an English follow-up, a rendering of its rarest translated
    phrase), or every name the follow-up adds (他以前在海港大学担任过什么职务？ after a
    question about an author, whose answer quoted 曾任海港大学…主任), or the follow-up
    asks for another kind of thing than the question before it and the sentence holds
    one (她哪年去世的？ after 她是哪里人？, whose answer quoted her life dates).

    >>> said = "林秋鸿（1901年—1968年），浙江宁波人，油画家。"
    >>> _answers_again(said, "她哪年去世的？", "林秋鸿是哪里人？", "去世")
    True
    >>> _answers_again(said, "她有几个孩子？", "林秋鸿是哪里人？", "孩子")
    False
    >>> _answers_again(said, "她是哪里出生的？", "林秋鸿是哪里人？", "出生")
    False
    >>> bio = "（作者：林小舟，曾任海港大学经济系主任）本文讨论产业体系。"
    >>> _answers_again(bio, "他以前在海港大学担任过什么职务？", "作者是谁？", "职务")
    True
    >>> _answers_again(bio, "他以前在星河公司担任过什么职务？", "作者是谁？", "职务")
    False
    """
    text = normalize(sentence)
    if rarest and present(rarest, text):
        return True
    # An elliptical follow-up (要素市场化那份呢？) asks the same of what it names: a
    # sentence that names it beside the last answer's subject is no answer.
    new = [] if elliptical(question) else named_anew(question, context)
    if new and all(w in text for w in new):
        return True
    kind = wants(question)
    # What the conversation already named (her own name) is no answer of that kind.
    asked = normalize(context + question)
    return bool(kind) and kind != wants(context) and holds(kind, text, asked)


def _about_before(question: str, asked: str, before: Answer) -> tuple[str, ...]:
    """The sentences the previous answer quoted that speak of the subject a follow-up
    moves away from (东莞's figure, when 珠海那边呢？ follows a question about 东莞):
    those that do not name all the follow-up names anew. A place the question before
    named only as the head of its subject (广州 of 广州开发区) is named anew by 那广州呢？,
    and a quote names it only outside that subject: the district's figure is not the
    city's. A follow-up that names nothing new, or leans on a word for what was said
    before (那它的上市企业呢？), moves to no other subject, and nothing is set aside.

    >>> said = "东莞的满意度达98.5%。"
    >>> before = Answer("东莞的满意度是多少？", said, False, (), ((1, said),))
    >>> _about_before("珠海那边呢？", "东莞的满意度是多少？", before)
    ('东莞的满意度达98.5%。',)
    >>> _about_before("2023年的呢？", "东莞的满意度是多少？", before)
    ()
    >>> _about_before("那它在珠海的分馆呢？", "东莞的满意度是多少？", before)
    ()
    >>> said = "广州开发区累计设立外资企业3200家。"
    >>> before = Answer("广州开发区累计设立了多少家外资企业？", said, False, (), ((1, said),))
    >>> _about_before("那广州呢？", "广州开发区累计设立了多少家外资企业？", before)
    ('广州开发区累计设立外资企业3200家。',)
    """
    if leans(question):
        return ()
    topic = normalize(subject(asked))

    def outside(text: str) -> str:
        return text.replace(topic, "\n") if topic else text

    said = normalize(asked)
    # The head alone, not the subject it heads (东莞图书馆的读者满意度呢？ names 东莞 in it).
    alone = topic not in normalize(question)
    new = [
        w
        for w in named_anew(question, "")
        if w not in said or (alone and topic.startswith(w) and w not in outside(said))
    ]
    if not new:
        return ()
    return tuple(q for _, q in before.quotes if not all(w in outside(normalize(q)) for w in new))


def _cited(quotes) -> str:
    """An answer's text: each quote followed by the number of the passage it cites."""
    return "".join(f"{quote}[{n}]" for n, quote in quotes)


def _favour(before: Answer) -> dict[str, float]:
    """The passages a previous answer cited, and their neighbours in the same document,
    with the bonus each gets in the next question's ranking."""
    out: dict[str, float] = {}
    for number, _ in before.quotes:
        chunk = before.hits[number - 1].chunk
        out[chunk.id] = CITED_BONUS
        for near in (_neighbour(chunk.id, -1), _neighbour(chunk.id, 1)):
            if near:
                out.setdefault(near, NEIGHBOUR_BONUS)
    return out


def _counted_runs(hits: Sequence[Hit], asking: str) -> list[list[tuple[int, str]]]:
    """The lists run in before their count (``counted``) in the sentences of ``hits``
    whose items are what ``asking`` asks to have counted out (方面 in 从哪几个方面; a
    shared character pair is not enough from a passage the answer did not quote), each
    item with its passage's number.

    >>> from rag.records import Chunk
    >>> text = "该服务成效明显。它从协同共治、技术创新、资源优化三大方面解决难题。"
    >>> hit = Hit(Chunk("a#0", "a", "服务", text, 1, 1), 1.0, "lexical")
    >>> _counted_runs([hit], "从哪几个方面帮助企业？")
    [[(1, '协同共治'), (1, '技术创新'), (1, '资源优化')]]
    >>> _counted_runs([hit], "有多少家企业？")
    []
    """
    what = asked_kind(asking)
    runs = []
    for n, hit in enumerate(hits, start=1):
        for sentence in sentences(hit.chunk.text):
            parts, kind = counted(sentence)
            if parts and what and kind.startswith(what):
                runs.append([(n, part) for part in parts])
    return runs


def _steps(start: str, end: str) -> int:
    """How many passages on from passage ``start`` passage ``end`` is in the same
    document; -1 when it is before it, or in another document.

    >>> _steps("a.txt#3", "a.txt#5"), _steps("a.txt#3", "a.txt#1"), _steps("a.txt#3", "b.txt#5")
    (2, -1, -1)
    """
    first, last = place(start), place(end)
    if first is None or last is None or first[0] != last[0]:
        return -1
    return max(last[1] - first[1], -1)


def _neighbour(chunk_id: str, step: int) -> str | None:
    """The id of the passage ``step`` places after ``chunk_id`` (before it, when
    negative) in its document; None when there is no such place.

    >>> _neighbour("seeds/a.txt#3", 2), _neighbour("seeds/a.txt#0", -1), _neighbour("x", 1)
    ('seeds/a.txt#5', None, None)
    """
    at = place(chunk_id)
    if at is None or at[1] + step < 0:
        return None
    return f"{at[0]}#{at[1] + step}"
