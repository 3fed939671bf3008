"""Full-text search: folding, typos, ranking, the best field and its snippet, and agreement of the ranking
strategies (candidates, accumulation, dense arrays) on generated corpora."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import primes
from conftest import LOOKALIKE, PART, PIECE, SIBLING, TWIN, WHOLE
from primes.catalog import Catalog
from primes.errors import QueryError
from primes.model import prime_model
from primes.search import SearchIndex, fold, search, search_index, words

# the module itself: the package re-exports the function, so ``primes.search`` as an attribute is the function
search_module = importlib.import_module("primes.search")
load_module = importlib.import_module("primes.load")
ORIGINAL_LIMIT = search_module.CANDIDATE_LIMIT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Émergence", ["emergence"]),
        ("Goodhart's Law", ["goodharts", "law"]),
        ("Goodhart\u2019s Law", ["goodharts", "law"]),
        ("Micro-Macro Linkage", ["micro", "macro", "linkage"]),
        ("naïve CAFÉ, 37 °C", ["naive", "cafe", "37", "c"]),
        ("snake_case!", ["snake", "case"]),
        ("", []),
    ],
)
def test_words_fold_case_accents_and_apostrophes(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_fold_keeps_plain_text_as_lower_case() -> None:
    assert fold("Straße") == "strasse"
    assert fold("ABC def") == "abc def"


def hit_ids(catalog: Catalog, text: str, limit: int = 10) -> list[str]:
    return [hit.id for hit in search(catalog, text, limit)]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("whole", WHOLE),
        ("WHÔLE", WHOLE),  # case and accents
        ("wholle", WHOLE),  # an insertion
        ("sibilng", SIBLING),  # two neighbours swapped
        ("twim", TWIN),  # a substitution
        ("lookal", LOOKALIKE),  # the last word may be the start of a word
        ("piece", PIECE),
    ],
)
def test_the_named_prime_comes_first(tiny: Catalog, query: str, first: str) -> None:
    assert hit_ids(tiny, query)[0] == first


def test_name_match_reports_the_name_field(tiny: Catalog) -> None:
    (hit, *_) = search(tiny, "Whole")
    assert (hit.id, hit.name, hit.field, hit.snippet, hit.highlights, hit.matched) == (
        WHOLE,
        "Whole",
        "name",
        "Whole",
        ((0, 5),),
        1,
    )


def test_best_field_and_snippet_with_highlights(tiny: Catalog) -> None:
    hits = search(tiny, "precise mechanism")
    assert {h.id for h in hits} == {LOOKALIKE, PART, PIECE, SIBLING, TWIN, WHOLE}
    whole = next(h for h in hits if h.id == WHOLE)
    assert whole.field == "explanations[2].text"
    assert whole.snippet == "The whole has a precise mechanism."
    assert [whole.snippet[a:b] for a, b in whole.highlights] == ["precise", "mechanism"]
    assert whole.matched == 2


def test_more_query_words_matched_ranks_first(tiny: Catalog) -> None:
    hits = search(tiny, "part smaller")
    assert hits[0].id == PART and hits[0].matched == 2
    assert hits[0].field == "not_to_be_confused_with[0].reason"
    assert all(h.matched == 1 for h in hits[1:])


def test_edge_notes_and_domain_labels_are_searchable(tiny: Catalog) -> None:
    (family, *_) = search(tiny, "family")
    assert (family.id, family.field) == (SIBLING, "partners[0].note")
    assert set(hit_ids(tiny, "biology")) == {LOOKALIKE, PART, PIECE, SIBLING, TWIN, WHOLE}


def test_limit_and_no_match(tiny: Catalog) -> None:
    assert len(search(tiny, "the", limit=2)) == 2
    assert search(tiny, "xyzzyq") == ()


@pytest.mark.parametrize("text", ["", "  ", "!!! ---"])
def test_a_query_without_words_is_refused(tiny: Catalog, text: str) -> None:
    with pytest.raises(QueryError, match="nothing to search for"):
        search(tiny, text)


def test_a_bad_limit_is_refused(tiny: Catalog) -> None:
    with pytest.raises(QueryError, match="limit"):
        search(tiny, "whole", limit=0)


def test_the_index_is_built_once_per_catalog(tiny: Catalog) -> None:
    assert search_index(tiny) is search_index(tiny)
    assert len(search_index(tiny)) == len(tiny)


@pytest.mark.parametrize(
    ("query", "first", "field"),
    [
        ("Coleman's boat", "micro-macro-linkage", "aliases["),  # an alias, apostrophe and all
        ("lucas critique", "micro-macro-linkage", "example."),  # the reference page's example
        ("emergence", "emergence", "name"),
        ("feedbak loop", "feedback-loop", "name"),
        ("homeostatis", "homeostasis", "name"),
    ],
)
def test_bundled_catalog_answers(bundled: Catalog, query: str, first: str, field: str) -> None:
    (hit, *_) = search(bundled, query)
    assert hit.id == first and hit.field.startswith(field)


def test_hit_json_shape(tiny: Catalog) -> None:
    data = search(tiny, "whole")[0].to_dict()
    assert set(data) == {"id", "name", "score", "matched", "field", "snippet", "highlights"}
    assert data["highlights"] == [[0, 5]]


def test_long_fields_are_cut_around_the_first_match() -> None:
    model = prime_model()
    filler = " ".join(f"word{i}" for i in range(80))
    record = model(id="long", name="Long", overview=f"{filler} needle {filler}")
    (hit,) = SearchIndex([record]).search("needle")
    assert hit.field == "overview"
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    assert len(hit.snippet) <= search_module.SNIPPET_WIDTH + 4
    ((a, b),) = hit.highlights
    assert hit.snippet[a:b] == "needle"


def test_snippets_of_accented_text_mark_the_original_characters() -> None:
    model = prime_model()
    record = model(id="cafe", name="Café Society", overview="À Paris, the café crème is served — naïvely.")
    (hit,) = SearchIndex([record]).search("cafe creme naive")
    assert hit.field == "overview"
    # "naive" is no word of the text, but the last query word may begin one: "naïvely"
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["café", "crème", "naïvely"]


# -- the ranking strategies agree -------------------------------------------------------------------

VOCABULARY = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "theta", "kappa"]


@st.composite
def corpora(draw: st.DrawFn) -> list[object]:
    model = prime_model()
    count = draw(st.integers(min_value=1, max_value=25))
    records = []
    for i in range(count):
        body = draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=12))
        name = draw(st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=2))
        records.append(model(id=f"p{i}", name=" ".join([f"Prime{i}", *name]), overview=" ".join(body)))
    return records


@settings(max_examples=int(os.environ.get("SEARCH_EXAMPLES", "60")), deadline=None)
@given(
    corpora(),
    st.lists(st.sampled_from([*VOCABULARY, "alpah", "gamm"]), min_size=1, max_size=3),
    st.sampled_from([0, 2, 5]),
)
def test_ranking_strategies_agree(records: list[object], query: list[str], candidate_limit: int) -> None:
    index = SearchIndex(records)  # type: ignore[arg-type]
    text = " ".join(query)
    everything = len(records)
    expected = index.search(text, everything)
    dense = SearchIndex(records)  # type: ignore[arg-type]
    search_module.CANDIDATE_LIMIT = candidate_limit  # 0: every posting is "long", the dense path ranks
    try:
        dense.search(" ".join(VOCABULARY), everything)  # earlier queries leave dense views behind: they must not leak
        got = dense.search(text, everything)
    finally:
        search_module.CANDIDATE_LIMIT = ORIGINAL_LIMIT
    assert [(h.matched, round(h.score, 9)) for h in got] == [(h.matched, round(h.score, 9)) for h in expected]
    assert {h.id for h in got} == {h.id for h in expected}
    # ordered by words matched, then score
    keys = [(h.matched, h.score) for h in expected]
    assert keys == sorted(keys, reverse=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghij", min_size=3, max_size=8), min_size=1, max_size=12, unique=True))
def test_every_prime_is_found_first_by_its_name(names: list[str]) -> None:
    model = prime_model()
    records = [model(id=f"p{i}", name=f"{name} Zed", overview=f"All about {name}.") for i, name in enumerate(names)]
    index = SearchIndex(records)
    for i, name in enumerate(names):
        assert index.search(f"{name} zed", 3)[0].id == f"p{i}"


# --- the index kept in the cache folder ------------------------------------------------------------------


@pytest.fixture
def builds(own_cache_key: None, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the search indexes built from scratch."""
    counted: list[int] = []
    original = SearchIndex.__init__

    def counting(self: SearchIndex, *args: Any, **kwargs: Any) -> None:
        counted.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(SearchIndex, "__init__", counting)
    return counted


def test_a_new_process_reads_the_index_back(tiny_dir: Path, builds: list[int]) -> None:
    first = search(primes.load(tiny_dir), "piece")
    assert builds == [1]
    again = search(primes.load(tiny_dir), "piece")  # a new catalog object, as a new process has
    assert builds == [1]
    assert again == first


def test_an_edit_rebuilds_the_kept_index(tiny_dir: Path, builds: list[int]) -> None:
    search(primes.load(tiny_dir), "piece")
    path = tiny_dir / "primes" / "piece.yaml"
    path.write_text(path.read_text().replace("A worked case of the piece.", "A worked case of zanzibar."))
    hits = search(primes.load(tiny_dir), "zanzibar")
    assert builds == [1, 1]
    assert [hit.id for hit in hits] == [PIECE]


def test_a_damaged_kept_index_is_rebuilt(tiny_dir: Path, builds: list[int]) -> None:
    expected = search(primes.load(tiny_dir), "whole part")
    (kept,) = (tiny_dir / load_module.CACHE_DIR).glob("search-index-*.pickle")
    kept.write_bytes(kept.read_bytes()[:-10])
    assert search(primes.load(tiny_dir), "whole part") == expected
    assert builds == [1, 1]


def test_no_index_is_kept_for_a_catalog_loaded_without_the_cache(tiny_dir: Path, builds: list[int]) -> None:
    search(primes.load(tiny_dir, use_cache=False), "piece")
    assert not list(tiny_dir.glob(f"{load_module.CACHE_DIR}/search-index-*"))
