"""Ranked full-text search over a catalog: names, aliases and every text field.

Matching folds case and accents (Unicode NFKD with the combining marks dropped, then casefold) and drops
apostrophes ("Goodhart's" is the token ``goodharts``). A query word that is not in the catalog's vocabulary
matches the words one edit away (an insertion, deletion, substitution or swap of neighbours) and, for the
last word, the words it begins; such matches count for half.

Ranking is BM25 over three classes of text: the name and aliases (weighted most), the titles, and the
body (every other text, edge notes and domain labels included). A prime whose name or an alias is exactly
the query comes first, then primes matching more of the query's words, then higher scores. Each hit
carries the field that matches best and a snippet of it with the matched words marked.

The inverted index is built once per catalog, on the first search, and kept as long as the catalog lives.
Postings are compact arrays (a prime index and a count per word and prime) and each word's scores are
computed on its first use, so a catalog of 10,000 long records costs tens of megabytes, not gigabytes.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import heapq
import itertools
import math
import operator
import re
import threading
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from primes.catalog import Catalog
from primes.errors import QueryError
from primes.load import gc_paused
from primes.model import Prime

K1 = 1.2
B = 0.75
NAME_WEIGHT = 3.0  # a query word in the name outweighs any number of mentions in the body
TITLE_WEIGHT = 1.0
FUZZY_WEIGHT = 0.5
MAX_QUERY_WORDS = 16
MAX_PREFIX_EXPANSIONS = 8
MIN_FUZZY_LENGTH = 4  # shorter words have too many neighbours one edit away
CANDIDATE_LIMIT = 1024  # up to this many, a posting's primes are all looked up in the others
SNIPPET_WIDTH = 160
RECENT_FIELDS = 1024  # primes whose field lists are kept between searches
COUNT_BITS = 20  # a posting packs the prime's index and the word's count (capped) in one 64-bit integer
COUNT_MASK = (1 << COUNT_BITS) - 1
ABSENT = -1.0e6  # a missing word's score in a dense array: far below any sum of real scores (which are >= 0)

_APOSTROPHES = "'\u2019\u02bc"
_ASCII_SPACES = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + b" " * 128
_WORD = re.compile(r"[^\W_]+")
_DROP_APOSTROPHES = {ord(c): None for c in _APOSTROPHES}


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One answer: the prime, its score, the best matching field and a snippet of it.

    ``highlights`` are (start, end) character offsets of the matched words in ``snippet``; ``matched`` is how
    many of the query's words the prime matches.
    """

    id: str
    name: str
    score: float
    matched: int
    field: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "score": round(self.score, 4),
            "matched": self.matched,
            "field": self.field,
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
        }


def search(catalog: Catalog, text: str, limit: int = 10) -> tuple[SearchHit, ...]:
    """The primes that best match ``text``, best first, at most ``limit`` of them."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise QueryError(f"limit must be a whole number of at least 1, not {limit!r}")
    return search_index(catalog).search(text, limit)


def fold(text: str) -> str:
    """Lower case without accents: ``"Émergence"`` -> ``"emergence"``."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The index words of a text: folded, apostrophes dropped, split at everything but letters and digits."""
    if text.isascii():
        return text.lower().encode("ascii").translate(_ASCII_SPACES, b"'").decode("ascii").split()
    return _WORD.findall(fold(text).translate(_DROP_APOSTROPHES))


def search_index(catalog: Catalog) -> SearchIndex:
    """The catalog's search index, built on first use and kept for the catalog's lifetime.

    It is also kept in the catalog's cache folder: the next process that loads the same content (another
    ``primes search``) reads it back in a tenth of the time a build takes.
    """

    def build() -> SearchIndex:
        with gc_paused():  # millions of small objects: the cyclic collector would triple the build time
            primes = list(catalog)
            index = catalog.cached("search-index", _code_version())
            if isinstance(index, SearchIndex) and index.attach(primes):
                return index
            index = SearchIndex(primes, catalog_domains(catalog))
            catalog.cache("search-index", _code_version(), index)
            return index

    return catalog.derived("search-index", build)


@functools.cache
def _code_version() -> str:
    """A cached index is only as good as the code that built it: this module's source decides."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def catalog_domains(catalog: Catalog) -> dict[str, str]:
    return {domain_id: domain.label for domain_id, domain in catalog.domains.items()}


class _Scored:
    """Postings with their scores: prime indexes ascending, and the score of each.

    Two views are built on demand and kept: the primes best score first (a one-word query reads its answer
    off the front), and for a common word a dense array over every prime with ``ABSENT`` where the word is
    missing (lookups without a search, and whole-catalog sums at C speed).
    """

    __slots__ = ("_best_first", "_dense", "docs", "scores")

    def __init__(self, docs: array[int], scores: array[float]) -> None:
        self.docs = docs
        self.scores = scores
        self._best_first: tuple[array[int], array[float]] | None = None
        self._dense: array[float] | None = None

    def __len__(self) -> int:
        return len(self.docs)

    def get(self, doc: int) -> float | None:
        if self._dense is not None:
            value = self._dense[doc]
            return value if value >= 0.0 else None
        at = bisect.bisect_left(self.docs, doc)
        if at < len(self.docs) and self.docs[at] == doc:
            return self.scores[at]
        return None

    def best_first(self) -> tuple[array[int], array[float]]:
        if self._best_first is None:
            docs, scores = self.docs, self.scores
            positions = sorted(range(len(docs)), key=lambda i: (-scores[i], docs[i]))
            self._best_first = array("I", (docs[i] for i in positions)), array("d", (scores[i] for i in positions))
        return self._best_first

    @classmethod
    def from_dense(cls, dense: array[float]) -> _Scored:
        present = list(map(operator.ge, dense, itertools.repeat(0.0)))
        scored = cls(
            array("I", itertools.compress(range(len(dense)), present)), array("d", itertools.compress(dense, present))
        )
        scored._dense = dense
        return scored

    def scaled(self, weight: float) -> _Scored:
        """The same postings with every score times ``weight`` (order kept, so the best-first view is reused;
        the dense view is rebuilt when needed, so that a missing word still counts exactly ``ABSENT``)."""
        times = itertools.repeat(weight)
        scored = _Scored(self.docs, array("d", map(operator.mul, self.scores, times)))
        docs, scores = self.best_first()
        scored._best_first = docs, array("d", map(operator.mul, scores, times))
        return scored

    def dense(self, size: int) -> array[float]:
        if self._dense is None:
            dense = array("d", [ABSENT]) * size
            for doc, score in zip(self.docs, self.scores, strict=True):
                dense[doc] = score
            self._dense = dense
        return self._dense


@dataclass(frozen=True, slots=True)
class _Term:
    """A query word and what it matches in the vocabulary, each match with its weight."""

    text: str
    matches: tuple[tuple[str, float], ...]


class SearchIndex:
    """An inverted index over a list of primes (see the module documentation)."""

    def __init__(self, primes: Sequence[Prime], domain_labels: dict[str, str] | None = None) -> None:
        self._primes = list(primes)
        self._domains = dict(domain_labels or {})
        body: dict[str, array[int]] = {}  # word -> (prime index << COUNT_BITS | count), ascending
        self._name: dict[str, dict[int, int]] = {}
        self._title: dict[str, dict[int, int]] = {}
        self._exact: dict[str, list[int]] = {}
        lengths = array("I")
        for doc, prime in enumerate(self._primes):
            labels = [prime.name, *prime.aliases]
            for label in labels:
                self._exact.setdefault(" ".join(words(label)), []).append(doc)
            _add_counts(self._name, doc, words(" \n ".join(labels)))
            _add_counts(self._title, doc, words(" \n ".join(text for _, text in _titles(prime))))
            tokens = words(" \n ".join(text for _, text in _body(prime, self._domains)))
            lengths.append(len(tokens))
            shifted = doc << COUNT_BITS
            for word, count in Counter(tokens).items():  # the hot loop of the build: one append per pair
                try:
                    body[word].append(shifted | min(count, COUNT_MASK))
                except KeyError:
                    body[word] = array("Q", (shifted | min(count, COUNT_MASK),))
        self._body = body
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        # BM25's length normalisation depends on the prime only: computed once, not per word
        self._norm = array("d", (K1 * (1 - B + B * n / (average or 1.0)) for n in lengths))
        self._vocabulary = sorted({*body, *self._name, *self._title})
        self._known = frozenset(self._vocabulary)
        self._alphabet = "".join(sorted({c for word in self._vocabulary for c in word}))
        self._scored: dict[str, _Scored] = {}
        self._recent_fields: dict[int, list[tuple[str, str, float]]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._primes)

    # -- kept on disk ----------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """The index without its records (they are in the catalog) and without what queries fill in."""
        state = dict(self.__dict__)
        state["_primes"] = [prime.id for prime in self._primes]
        for transient in ("_lock", "_scored", "_recent_fields"):
            del state[transient]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._ids: list[str] | None = state["_primes"]
        self._primes = []
        self._scored = {}
        self._recent_fields = {}
        self._lock = threading.Lock()

    def attach(self, primes: Sequence[Prime]) -> bool:
        """Give an index read back from the cache its records; False if they are not the ones it indexed."""
        ids = getattr(self, "_ids", None)
        if ids is None or [prime.id for prime in primes] != ids:
            return False
        self._primes = list(primes)
        self._ids = None
        return True

    @property
    def vocabulary(self) -> Sequence[str]:
        return self._vocabulary

    # -- the query -------------------------------------------------------------------------------

    def search(self, text: str, limit: int = 10) -> tuple[SearchHit, ...]:
        spelled = words(text)
        query = list(dict.fromkeys(spelled))[:MAX_QUERY_WORDS]
        if not query:
            raise QueryError(f"nothing to search for in {text!r}: give a word of letters or digits")
        terms = [self._term(word, last=i == len(query) - 1) for i, word in enumerate(query)]
        terms = [term for term in terms if term.matches]
        postings = [self._posting(term) for term in terms]
        exact = sorted(self._exact.get(" ".join(spelled), ()))
        ranked = self._rank(postings, limit + len(exact))
        scores = {doc: (matched, score) for doc, matched, score in ranked}
        order = list(dict.fromkeys([*exact, *(doc for doc, _, _ in ranked)]))[:limit]
        patterns = [(_stems(term), _pattern([word for word, _ in term.matches])) for term in terms]
        anything = _pattern([word for term in terms for word, _ in term.matches])
        hits = []
        for doc in order:
            matched, score = scores.get(doc) or _score_of(doc, postings)
            hits.append(self._hit(doc, patterns, anything, matched, score))
        return tuple(hits)

    def _term(self, word: str, *, last: bool) -> _Term:
        if word in self._known:
            return _Term(word, ((word, 1.0),))
        matches: dict[str, float] = {}
        if len(word) >= MIN_FUZZY_LENGTH:
            for near in _one_edit(word, self._alphabet):
                if near in self._known:
                    matches[near] = FUZZY_WEIGHT
        if last and not matches and len(word) >= 3:
            start = bisect.bisect_left(self._vocabulary, word)
            for candidate in self._vocabulary[start : start + MAX_PREFIX_EXPANSIONS]:
                if not candidate.startswith(word):
                    break
                matches.setdefault(candidate, FUZZY_WEIGHT)
        return _Term(word, tuple(sorted(matches.items())))

    def _posting(self, term: _Term) -> _Scored:
        """A term's postings: its word's own, or the best weighted score over its near matches."""
        if len(term.matches) == 1:
            word, weight = term.matches[0]
            scored = self._scored_word(word)
            return scored if weight == 1.0 else scored.scaled(weight)
        parts = [self._posting(_Term(term.text, (match,))) for match in term.matches]
        if sum(len(part) for part in parts) > 4 * CANDIDATE_LIMIT:  # common words: merge at C speed
            size = len(self._primes)
            merged = parts[0].dense(size)
            for part in parts[1:]:
                merged = array("d", map(max, merged, part.dense(size)))
            return _Scored.from_dense(merged)
        best: dict[int, float] = {}
        for part in parts:
            for doc, score in zip(part.docs, part.scores, strict=True):
                if score > best.get(doc, -1.0):
                    best[doc] = score
        docs = sorted(best)
        return _Scored(array("I", docs), array("d", (best[d] for d in docs)))

    def _rank(self, postings: list[_Scored], limit: int) -> list[tuple[int, int, float]]:
        """The best ``limit`` primes as (index, words matched, score): more words first, then score, then index.

        The rarest word's primes are scored exactly by looking them up in the other postings; the primes
        without that word are ranked the same way over the other words (they can match one word fewer), down
        to a single word, whose best primes are read off its best-first order. Only when every remaining word
        is common does the whole catalog get summed, with dense arrays at C speed.
        """
        return self._rank_without(sorted(postings, key=len), limit, frozenset()) if postings else []

    def _rank_without(
        self, postings: list[_Scored], limit: int, excluded: frozenset[int]
    ) -> list[tuple[int, int, float]]:
        if len(postings) == 1:
            docs, scores = postings[0].best_first()
            out = []
            for doc, score in zip(docs, scores, strict=True):
                if doc not in excluded:
                    out.append((doc, 1, score))
                    if len(out) == limit:
                        break
            return out
        rarest, others = postings[0], postings[1:]
        if len(rarest) > CANDIDATE_LIMIT:
            return self._dense_rank(postings, limit, excluded)
        inside = []
        for doc, score in zip(rarest.docs, rarest.scores, strict=True):
            if doc not in excluded:
                matched, total = _score_of(doc, others)
                inside.append((doc, matched + 1, score + total))
        best = heapq.nlargest(limit, inside, key=_rank_key)
        if len(best) == limit and best[-1][1] == len(postings):  # matching every word beats any partial match
            return best
        outside = self._rank_without(others, limit, excluded | frozenset(rarest.docs))
        return heapq.nlargest(limit, best + outside, key=_rank_key)

    def _dense_rank(
        self, postings: list[_Scored], limit: int, excluded: frozenset[int]
    ) -> list[tuple[int, int, float]]:
        """Sum dense arrays over the whole catalog at C speed; ``ABSENT`` ranks primes by words matched."""
        size = len(self._primes)
        summed: Iterable[float] = postings[0].dense(size)
        for posting in postings[1:]:  # nested maps: one list is built, at the end
            summed = map(operator.add, summed, posting.dense(size))
        totals = list(summed)
        for doc in excluded:
            totals[doc] = -math.inf
        threshold = heapq.nlargest(limit, totals)[-1]
        # the primes at or above the limit-th total, found in one pass at C speed, then ordered
        above = itertools.compress(range(size), map(operator.ge, totals, itertools.repeat(threshold)))
        docs = sorted((d for d in above if d not in excluded), key=lambda doc: (-totals[doc], doc))[:limit]
        ranked = [(doc, *_score_of(doc, postings)) for doc in docs]
        return [item for item in ranked if item[1] > 0]

    def _scored_word(self, word: str) -> _Scored:
        scored = self._scored.get(word)
        if scored is not None:
            return scored
        with self._lock:
            scored = self._scored.get(word)
            if scored is None:
                scored = self._scored[word] = self._score_word(word)
        return scored

    def _score_word(self, word: str) -> _Scored:
        """BM25 scores of one word in every prime that has it, summed over the three classes of text."""
        packed = self._body.get(word, ())
        names = self._name.get(word, {})
        titles = self._title.get(word, {})
        docs = {value >> COUNT_BITS for value in packed}
        docs.update(names, titles)
        n = len(self._primes)
        idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
        norm = self._norm
        scores: dict[int, float] = {}
        for value in packed:
            doc, count = value >> COUNT_BITS, value & COUNT_MASK
            scores[doc] = idf * count * (K1 + 1) / (count + norm[doc])
        for doc, count in names.items():
            scores[doc] = scores.get(doc, 0.0) + idf * NAME_WEIGHT * count / (count + 0.5)
        for doc, count in titles.items():
            scores[doc] = scores.get(doc, 0.0) + idf * TITLE_WEIGHT * count / (count + 0.5)
        ordered = sorted(scores)
        return _Scored(array("I", ordered), array("d", (scores[d] for d in ordered)))

    # -- the hit ---------------------------------------------------------------------------------

    def _fields_of(self, doc: int) -> list[tuple[str, str, float]]:
        """A prime's searchable fields, kept for the most recent hits (a popular prime is a hit again soon)."""
        fields = self._recent_fields.pop(doc, None)
        if fields is None:
            fields = _fields(self._primes[doc], self._domains)
            if len(self._recent_fields) >= RECENT_FIELDS:
                del self._recent_fields[next(iter(self._recent_fields))]
        self._recent_fields[doc] = fields  # most recently used last
        return fields

    def _hit(
        self,
        doc: int,
        patterns: list[tuple[tuple[str, ...], re.Pattern[str]]],
        anything: re.Pattern[str],
        matched: int,
        score: float,
    ) -> SearchHit:
        """The hit for a prime: its field matching the most query words (names before titles before
        the body, then page order), and a snippet of that field."""
        prime = self._primes[doc]
        best: tuple[float, str, str, str, list[int] | None] | None = None
        for field, text, weight in self._fields_of(doc):
            folded, offsets = _folded_with_offsets(text)
            found = 0
            for stems, pattern in patterns:
                for stem in stems:  # a plain substring test first: most fields lack most words
                    if stem in folded:
                        if pattern.search(folded):
                            found += 1
                        break
            if found and (best is None or found * 10 + weight > best[0]):
                best = (found * 10 + weight, field, text, folded, offsets)
                if found == len(patterns):  # weights never grow along the fields: no later field can win
                    break
        if best is None:  # an exact name match whose words were all dropped as unknown: show the name
            return SearchHit(prime.id, prime.name, score, matched, "name", prime.name, ())
        _, field, text, folded, offsets = best
        snippet, highlights = _snippet(text, folded, offsets, anything)
        return SearchHit(prime.id, prime.name, score, matched, field, snippet, highlights)


def _add_counts(postings: dict[str, dict[int, int]], doc: int, tokens: Iterable[str]) -> None:
    for word, count in Counter(tokens).items():
        postings.setdefault(word, {})[doc] = count


def _rank_key(item: tuple[int, int, float]) -> tuple[int, float, int]:
    doc, matched, total = item
    return matched, total, -doc


def _score_of(doc: int, postings: Sequence[_Scored]) -> tuple[int, float]:
    """How many of the postings have the prime, and its summed score."""
    values = [v for v in (p.get(doc) for p in postings) if v is not None]
    return len(values), sum(values)


def _titles(prime: Prime) -> list[tuple[str, str]]:
    out = [(f"explanations[{i}].title", e.title) for i, e in enumerate(prime.explanations or ())]
    if prime.example:
        out.append(("example.title", prime.example.title))
    return out


def _body(prime: Prime, domains: dict[str, str]) -> list[tuple[str, str]]:
    return prime.texts() + _domain_labels(prime, domains)


def _domain_labels(prime: Prime, domains: dict[str, str]) -> list[tuple[str, str]]:
    """The labels of the domains the prime is used in, so that "ecology" finds the primes used there."""
    return [
        (f"broad_use[{i}].domain", domains.get(use.domain, use.domain.replace("-", " ")))
        for i, use in enumerate(prime.broad_use or ())
    ]


def _fields(prime: Prime, domains: dict[str, str]) -> list[tuple[str, str, float]]:
    """Every searchable field in page order, with the weight of its class of text."""
    out: list[tuple[str, str, float]] = [("name", prime.name, NAME_WEIGHT)]
    out.extend((f"aliases[{i}]", alias, NAME_WEIGHT) for i, alias in enumerate(prime.aliases))
    titles = dict(_titles(prime))
    body = dict(prime.texts())
    order = ["core_idea"]
    for i in range(len(prime.explanations or ())):
        order += [f"explanations[{i}].title", f"explanations[{i}].text"]
    order.append("overview")
    placed = set(order)
    rest = [path for path in [*titles, *body] if path not in placed]
    for path in [*order, *rest]:
        if path in titles:
            out.append((path, titles[path], TITLE_WEIGHT))
        elif path in body:
            out.append((path, body[path], 1.0))
    out.extend((path, label, 1.0) for path, label in _domain_labels(prime, domains))
    return out


def _stems(term: _Term) -> tuple[str, ...]:
    """Substrings every match of the term contains: a plain ``in`` test rules most fields out fast."""
    return tuple({word[:-1] if len(word) > 2 and word.endswith("s") else word for word, _ in term.matches})


def _pattern(vocabulary_words: Iterable[str]) -> re.Pattern[str]:
    """A regex finding the words as whole words of folded text, a final "s" also after an apostrophe."""
    alternatives = []
    for word in sorted(set(vocabulary_words), key=lambda w: (-len(w), w)):
        if len(word) > 2 and word.endswith("s"):  # the index reads "goodhart's" as "goodharts"
            alternatives.append(re.escape(word[:-1]) + "[" + _APOSTROPHES + "]?s")
        else:
            alternatives.append(re.escape(word))
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def _folded_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, when folding changed its length, each folded character's offset in ``text``."""
    if text.isascii():
        return text.lower(), None
    parts: list[str] = []
    offsets: list[int] = []
    for i, char in enumerate(text):
        folded = fold(char)
        parts.append(folded)
        offsets.extend([i] * len(folded))
    return "".join(parts), offsets


def _snippet(
    text: str, folded: str, offsets: list[int] | None, pattern: re.Pattern[str]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of the text around its first match, cut at spaces, and the matches inside it."""
    first = pattern.search(folded)
    if first is None:
        return text[:SNIPPET_WIDTH], ()
    first_start, first_end = _original(first.span(), offsets)
    start, end = 0, len(text)
    if end > SNIPPET_WIDTH:
        start = max(0, first_start - SNIPPET_WIDTH // 3)
        if start > 0:
            space = text.rfind(" ", 0, start + 1)
            start = space + 1 if space > 0 and first_start - space < SNIPPET_WIDTH // 2 else start
        end = min(len(text), start + SNIPPET_WIDTH)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > first_end else end
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    shift = len(prefix) - start
    spans = []
    for match in pattern.finditer(folded, first.start()):
        a, b = _original(match.span(), offsets)
        if b > end:
            break
        spans.append((a + shift, b + shift))
    return prefix + text[start:end] + suffix, tuple(spans)


def _original(span: tuple[int, int], offsets: list[int] | None) -> tuple[int, int]:
    """A span of the folded text as a span of the original text."""
    if offsets is None:
        return span
    return offsets[span[0]], offsets[span[1] - 1] + 1


def _one_edit(word: str, alphabet: str) -> set[str]:
    """Every string one deletion, swap of neighbours, substitution or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in alphabet)
    out.update(a + c + b for a, b in splits for c in alphabet)
    out.discard(word)
    return out
