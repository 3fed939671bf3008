"""The query API against hand-computed answers on the tiny catalog, the reference page's facts on the bundled
catalog, and properties that hold for every generated catalog."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import primes
from conftest import LOOKALIKE, PART, PIECE, SIBLING, TWIN, WHOLE
from primes.catalog import Catalog
from primes.errors import QueryError, UnknownPrime
from primes.load import LoadedCatalog
from primes.model import prime_model
from primes.ontology import edge_kinds
from primes.query import (
    Direction,
    Edge,
    ancestors,
    by_domain,
    children,
    descendants,
    domain_overview,
    hierarchy_kind,
    leaves,
    neighborhood,
    parents,
    paths,
    related,
    roots,
    stats,
)

DECOMPOSITION, PARTNER, CONTRAST = "decomposition", "mutual-partner", "not-to-be-confused-with"


def ids(entries: object) -> list[str]:
    return [entry.id for entry in entries]  # type: ignore[attr-defined]


# -- the tiny catalog: whole <- part <- piece; sibling -> whole; part ~ twin ~ sibling; part, lookalike -x whole


def test_hierarchy_kind_is_the_acyclic_directed_kind_of_the_ontology() -> None:
    kind = hierarchy_kind()
    assert kind.id == DECOMPOSITION
    assert (kind.outgoing_role, kind.incoming_role) == ("parents", "children")


def test_whole_has_two_children_and_two_contrasters_and_no_parent(tiny: Catalog) -> None:
    around = neighborhood(tiny, WHOLE)
    assert list(around.roles) == ["parents", "children", "partners", "contrasts", "contrasted_by"]
    assert around.roles["parents"] == ()
    assert [(n.id, n.kind, n.note, n.declared_by) for n in around.roles["children"]] == [
        (PART, DECOMPOSITION, "a part of the whole", PART),
        (SIBLING, DECOMPOSITION, "another component of the whole", SIBLING),
    ]
    assert around.roles["partners"] == ()
    assert around.roles["contrasts"] == ()
    assert [(n.id, n.note) for n in around.roles["contrasted_by"]] == [
        (LOOKALIKE, "it only looks like the whole"),
        (PART, "a part is smaller than its whole"),
    ]
    assert around.foundational


def test_a_pair_linked_by_two_kinds_appears_in_both_roles(tiny: Catalog) -> None:
    whole = neighborhood(tiny, WHOLE)
    assert PART in ids(whole.role("children")) and PART in ids(whole.role("contrasted_by"))
    part = neighborhood(tiny, PART)
    assert [(n.role, n.id, n.kind) for n in part.neighbors if n.id == WHOLE] == [
        ("parents", WHOLE, DECOMPOSITION),
        ("contrasts", WHOLE, CONTRAST),
    ]
    # the two edges between them, each in declared direction (child to parent, contraster to contrasted)
    assert {(e.source, e.target, e.kind) for e in part.edges if {e.source, e.target} == {PART, WHOLE}} == {
        (PART, WHOLE, DECOMPOSITION),
        (PART, WHOLE, CONTRAST),
    }


def test_part_sees_every_role_with_notes_and_who_declared_the_edge(tiny: Catalog) -> None:
    around = neighborhood(tiny, PART)
    assert {role: ids(entries) for role, entries in around.roles.items()} == {
        "parents": [WHOLE],
        "children": [PIECE],
        "partners": [TWIN],
        "contrasts": [WHOLE],
        "contrasted_by": [],
    }
    (twin,) = around.roles["partners"]
    assert (twin.name, twin.kind, twin.note, twin.declared_by) == ("Twin", PARTNER, "twins come in pairs", TWIN)
    assert not around.foundational
    assert [(n.id, n.distance) for n in around.nodes] == [(PART, 0), (PIECE, 1), (TWIN, 1), (WHOLE, 1)]


def test_symmetric_partners_are_seen_from_both_sides(tiny: Catalog) -> None:
    assert ids(neighborhood(tiny, TWIN).roles["partners"]) == [PART, SIBLING]
    assert ids(neighborhood(tiny, SIBLING).roles["partners"]) == [TWIN]
    # the edge is listed once, as declared (twin's file declares twin -> part)
    assert [e for e in neighborhood(tiny, TWIN).edges if e.kind == PARTNER] == [
        Edge(SIBLING, TWIN, PARTNER, "siblings and twins share a family"),
        Edge(TWIN, PART, PARTNER, "twins come in pairs"),
    ]


@pytest.mark.parametrize(
    ("direction", "roles"),
    [
        ("out", {"parents": [WHOLE], "partners": [TWIN], "contrasts": [WHOLE]}),
        ("in", {"children": [PIECE], "partners": [TWIN], "contrasted_by": []}),
        (Direction.BOTH, {"parents": [WHOLE], "children": [PIECE], "partners": [TWIN], "contrasts": [WHOLE]}),
    ],
)
def test_direction_selects_the_roles(tiny: Catalog, direction: str, roles: dict[str, list[str]]) -> None:
    around = neighborhood(tiny, PART, direction=direction)
    got = {role: ids(entries) for role, entries in around.roles.items()}
    assert {role: got[role] for role in roles} == roles
    assert set(got) == set(roles) | ({"contrasted_by"} if direction == Direction.BOTH else set())


def test_kinds_accept_ids_and_record_fields(tiny: Catalog) -> None:
    by_id = neighborhood(tiny, PART, kinds=[DECOMPOSITION])
    by_field = neighborhood(tiny, PART, kinds="decomposes")
    assert by_id == by_field
    assert list(by_id.roles) == ["parents", "children"]
    assert by_id.kinds == (DECOMPOSITION,)
    assert {e.kind for e in by_id.edges} == {DECOMPOSITION}


def test_two_hops_give_distances_and_the_induced_edges(tiny: Catalog) -> None:
    around = neighborhood(tiny, WHOLE, hops=2)
    assert {n.id: n.distance for n in around.nodes} == {
        WHOLE: 0,
        LOOKALIKE: 1,
        PART: 1,
        SIBLING: 1,
        PIECE: 2,
        TWIN: 2,
    }
    assert {(e.source, e.target, e.kind) for e in around.edges} == {
        (PART, WHOLE, DECOMPOSITION),
        (PIECE, PART, DECOMPOSITION),
        (SIBLING, WHOLE, DECOMPOSITION),
        (SIBLING, TWIN, PARTNER),
        (TWIN, PART, PARTNER),
        (LOOKALIKE, WHOLE, CONTRAST),
        (PART, WHOLE, CONTRAST),
    }
    assert len(around.edges) == 7


def test_hops_follow_the_direction(tiny: Catalog) -> None:
    up = neighborhood(tiny, PIECE, hops=3, direction="out", kinds=[DECOMPOSITION])
    assert {n.id: n.distance for n in up.nodes} == {PIECE: 0, PART: 1, WHOLE: 2}
    down = neighborhood(tiny, WHOLE, hops=5, direction="in", kinds=[DECOMPOSITION])
    assert {n.id: n.distance for n in down.nodes} == {WHOLE: 0, PART: 1, SIBLING: 1, PIECE: 2}


def test_neighborhood_json_has_the_documented_shape(tiny: Catalog) -> None:
    data = neighborhood(tiny, PIECE).to_dict()
    assert data["id"] == PIECE
    assert data["nodes"] == [{"id": PIECE, "name": "Piece", "distance": 0}, {"id": PART, "name": "Part", "distance": 1}]
    assert data["edges"] == [{"source": PIECE, "target": PART, "kind": DECOMPOSITION, "note": "a piece of a part"}]
    assert data["roles"]["parents"] == [
        {
            "id": PART,
            "name": "Part",
            "kind": DECOMPOSITION,
            "role": "parents",
            "note": "a piece of a part",
            "declared_by": PIECE,
        }
    ]


def test_parents_children_and_roles(tiny: Catalog) -> None:
    assert ids(parents(tiny, PIECE)) == [PART]
    assert ids(children(tiny, WHOLE)) == [PART, SIBLING]
    assert ids(children(tiny, PIECE)) == []
    assert ids(related(tiny, WHOLE, "contrasted_by")) == [LOOKALIKE, PART]
    assert ids(related(tiny, TWIN, "partners")) == [PART, SIBLING]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda c: neighborhood(c, "hole"), UnknownPrime, ["'hole'", "did you mean 'whole'"]),
        (lambda c: neighborhood(c, WHOLE, kinds=["decompose"]), QueryError, ["'decompose'", "decomposes"]),
        (lambda c: neighborhood(c, WHOLE, direction="up"), QueryError, ["'up'", "in, out, both"]),
        (lambda c: neighborhood(c, WHOLE, hops=0), QueryError, ["hops", "0"]),
        (lambda c: neighborhood(c, WHOLE, kinds=[]), QueryError, ["no edge kind"]),
        (lambda c: related(c, WHOLE, "child"), QueryError, ["'child'", "did you mean 'children'"]),
        (lambda c: ancestors(c, "peice"), UnknownPrime, ["did you mean 'piece'"]),
        (lambda c: paths(c, PART, "nowhere"), UnknownPrime, ["'nowhere'"]),
        (lambda c: paths(c, PART, WHOLE, limit=0), QueryError, ["limit"]),
        (lambda c: by_domain(c, "physic"), QueryError, ["'physic'", "did you mean 'physics'"]),
        (lambda c: stats(c, top=-1), QueryError, ["top"]),
    ],
)
def test_errors_name_the_offending_value(tiny: Catalog, call: object, error: type[Exception], words: list[str]) -> None:
    with pytest.raises(error) as caught:
        call(tiny)  # type: ignore[operator]
    for word in words:
        assert word in str(caught.value)


# -- ancestry ---------------------------------------------------------------------------------------


def test_ancestors_with_depth_and_edges(tiny: Catalog) -> None:
    answer = ancestors(tiny, PIECE)
    assert [(r.id, r.depth) for r in answer] == [(PART, 1), (WHOLE, 2)]
    assert answer.edges == (
        Edge(PIECE, PART, DECOMPOSITION, "a piece of a part"),
        Edge(PART, WHOLE, DECOMPOSITION, "a part of the whole"),
    )
    assert WHOLE in answer and TWIN not in answer
    assert answer.depth == 2
    assert answer.to_dict()["primes"] == [
        {"id": PART, "name": "Part", "depth": 1},
        {"id": WHOLE, "name": "Whole", "depth": 2},
    ]


def test_descendants_with_depth(tiny: Catalog) -> None:
    answer = descendants(tiny, WHOLE)
    assert [(r.id, r.depth) for r in answer] == [(PART, 1), (SIBLING, 1), (PIECE, 2)]
    assert {(e.source, e.target) for e in answer.edges} == {(PART, WHOLE), (SIBLING, WHOLE), (PIECE, PART)}
    assert answer.branches()[WHOLE] == tuple(e for e in answer.edges if e.target == WHOLE)
    assert len(descendants(tiny, PIECE)) == 0


def test_roots_are_foundational_and_leaves_have_no_child(tiny: Catalog) -> None:
    assert roots(tiny) == (LOOKALIKE, TWIN, WHOLE)
    assert leaves(tiny) == (LOOKALIKE, PIECE, SIBLING, TWIN)


def test_ancestry_over_another_kind(tiny: Catalog) -> None:
    assert ids(ancestors(tiny, PIECE, kind=CONTRAST)) == []
    assert ids(descendants(tiny, WHOLE, kind="not_to_be_confused_with")) == [LOOKALIKE, PART]


# -- paths ------------------------------------------------------------------------------------------


def test_all_shortest_paths_read_as_explanations(tiny: Catalog) -> None:
    found = paths(tiny, PIECE, LOOKALIKE)
    assert [p.text for p in found] == [
        "Piece is a decomposition of Part; Part is a decomposition of Whole; Whole is contrasted by Lookalike",
        "Piece is a decomposition of Part; Part is not to be confused with Whole; Whole is contrasted by Lookalike",
    ]
    first = found[0]
    assert first.ids == (PIECE, PART, WHOLE, LOOKALIKE)
    assert [(s.kind, s.inverse, s.note) for s in first.steps] == [
        (DECOMPOSITION, False, "a piece of a part"),
        (DECOMPOSITION, False, "a part of the whole"),
        (CONTRAST, True, "it only looks like the whole"),
    ]
    assert first.steps[2].edge == Edge(LOOKALIKE, WHOLE, CONTRAST, "it only looks like the whole")


def test_paths_through_every_middle_and_kind(tiny: Catalog) -> None:
    found = paths(tiny, TWIN, WHOLE)
    assert sorted((p.ids, tuple(s.kind for s in p.steps)) for p in found) == [
        ((TWIN, PART, WHOLE), (PARTNER, DECOMPOSITION)),
        ((TWIN, PART, WHOLE), (PARTNER, CONTRAST)),
        ((TWIN, SIBLING, WHOLE), (PARTNER, DECOMPOSITION)),
    ]
    assert found[0].steps[0].text == "Twin is a mutual partner of Part"
    assert paths(tiny, WHOLE, PIECE)[0].text == "Whole decomposes into Part; Part decomposes into Piece"


def test_paths_edge_cases(tiny: Catalog) -> None:
    (same,) = paths(tiny, PART, PART)
    assert same.steps == () and same.ids == (PART,) and same.text == ""
    assert paths(tiny, PIECE, TWIN, kinds=[CONTRAST]) == ()
    assert len(paths(tiny, TWIN, WHOLE, limit=1)) == 1
    assert [p.ids for p in paths(tiny, PART, SIBLING, kinds=[PARTNER])] == [(PART, TWIN, SIBLING)]


# -- domains and stats ------------------------------------------------------------------------------


def test_by_domain_lists_uses_and_transfers(tiny: Catalog) -> None:
    physics = by_domain(tiny, "physics")
    assert [u.id for u in physics.uses] == [LOOKALIKE, PART, PIECE, SIBLING, TWIN, WHOLE]
    assert physics.uses[-1].text == "Whole in physics."
    assert [t.id for t in physics.transfers] == [u.id for u in physics.uses]
    economics = by_domain(tiny, "Economics")  # a label works too
    assert economics.id == "economics" and economics.uses == () and len(economics.transfers) == 6
    assert economics.transfers[0].to_dict() == {
        "id": LOOKALIKE,
        "name": "Lookalike",
        "from": "physics",
        "to": "economics",
        "text": "Lookalike carries over to markets.",
    }


def test_domain_overview_counts(tiny: Catalog) -> None:
    assert [(d.id, d.primes, d.transfers) for d in domain_overview(tiny)] == [
        ("biology", 6, 0),
        ("economics", 0, 6),
        ("physics", 6, 6),
    ]


def test_stats_of_the_tiny_catalog(tiny: Catalog) -> None:
    answer = stats(tiny)
    assert (answer.primes, answer.published, answer.drafts, answer.domains) == (6, 6, 0, 3)
    assert dict(answer.edges) == {DECOMPOSITION: 3, PARTNER: 2, CONTRAST: 2}
    assert (answer.roots, answer.leaves, answer.isolated) == (3, 4, 0)
    assert (answer.depth, answer.components, answer.largest_component) == (2, 1, 6)
    assert [(x.id, x.degree) for x in answer.leaders] == [
        (PART, 4),
        (WHOLE, 4),
        (SIBLING, 2),
        (TWIN, 2),
        (LOOKALIKE, 1),
    ]
    assert [(x.id, x.degree) for x in answer.role_leaders["children"]] == [(WHOLE, 2), (PART, 1)]
    assert [(x.id, x.degree) for x in answer.role_leaders["partners"]] == [(TWIN, 2), (PART, 1), (SIBLING, 1)]
    assert answer.to_dict()["edges"] == {DECOMPOSITION: 3, PARTNER: 2, CONTRAST: 2}


# -- the bundled catalog holds the reference page's facts ---------------------------------------------


def test_micro_macro_linkage_as_on_the_reference_page(bundled: Catalog) -> None:
    around = neighborhood(bundled, "micro-macro-linkage")
    assert around.foundational
    assert ids(around.roles["children"]) == ["aggregation", "downward-causation", "emergence"]
    # The page's three contrasts, in file order, which `primes fmt` keeps sorted by target id.
    assert ids(around.roles["contrasts"]) == ["downward-causation", "emergence", "scaling-and-scale-dependence"]
    assert "micro-macro-linkage" in roots(bundled)


def test_public_names_are_reexported_from_the_package() -> None:
    for name in ("neighborhood", "ancestors", "descendants", "roots", "leaves", "paths", "by_domain", "stats"):
        assert callable(getattr(primes, name)) and name in primes.__all__
    assert callable(primes.search)


# -- properties over generated catalogs -------------------------------------------------------------


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """A catalog of up to 9 primes with random edges of every kind (cycles and two-sided partners included)."""
    count = draw(st.integers(min_value=1, max_value=9))
    names = [f"p{i}" for i in range(count)]
    pairs = st.tuples(st.sampled_from(names), st.sampled_from(names)).filter(lambda pair: pair[0] != pair[1])
    model = prime_model()
    records: dict[str, dict[str, list[dict[str, str]]]] = {name: {} for name in names}
    for kind in edge_kinds():
        for source, target in draw(st.sets(pairs, max_size=3 * count)) if count > 1 else ():
            records[source].setdefault(kind.field, []).append(
                {"prime": target, kind.annotation_field: f"{source} {kind.id} {target}"}
            )
    built = {name: model(id=name, name=name.upper(), **fields) for name, fields in records.items()}
    return Catalog(LoadedCatalog(Path("generated"), None, {}, built, []))


def _declared(catalog: Catalog) -> set[tuple[str, str, str]]:
    return {(p.id, ref.prime, kind.id) for p in catalog for kind in edge_kinds() for ref in p.edges(kind)}


@settings(max_examples=60, deadline=None)
@given(catalogs())
def test_children_and_parents_agree(catalog: Catalog) -> None:
    hierarchy = hierarchy_kind()
    declared = {(s, t) for s, t, k in _declared(catalog) if k == hierarchy.id}
    for parent in catalog.ids:
        for child in catalog.ids:
            is_child = child in ids(children(catalog, parent))
            assert is_child == (parent in ids(parents(catalog, child))) == ((child, parent) in declared)


@settings(max_examples=60, deadline=None)
@given(catalogs())
def test_every_role_agrees_with_its_inverse(catalog: Catalog) -> None:
    declared = _declared(catalog)
    for kind in edge_kinds():
        for a in catalog.ids:
            for b in catalog.ids:
                out = b in ids(related(catalog, a, kind.outgoing_role))
                back = a in ids(related(catalog, b, kind.incoming_role))
                linked = (a, b, kind.id) in declared or (kind.symmetric and (b, a, kind.id) in declared)
                assert out == back == linked


@settings(max_examples=40, deadline=None)
@given(catalogs(), st.integers(min_value=1, max_value=3))
def test_neighborhood_edges_are_the_declared_edges_among_its_nodes(catalog: Catalog, hops: int) -> None:
    declared = _declared(catalog)
    undirected = nx.Graph()
    undirected.add_nodes_from(catalog.ids)
    undirected.add_edges_from((s, t) for s, t, _ in declared)
    start = catalog.ids[0]
    around = neighborhood(catalog, start, hops=hops)
    expected = nx.single_source_shortest_path_length(undirected, start, cutoff=hops)
    assert {n.id: n.distance for n in around.nodes} == expected
    inside = set(expected)
    # a symmetric pair declared on both sides is one edge, in either of its declared directions
    got = {(e.source, e.target, e.kind) for e in around.edges}
    assert len(got) == len(around.edges)
    for s, t, k in declared:
        if s in inside and t in inside:
            assert (s, t, k) in got or (t, s, k) in got
    assert got <= declared


@settings(max_examples=40, deadline=None)
@given(catalogs())
def test_ancestors_and_descendants_mirror_each_other(catalog: Catalog) -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(catalog.ids)
    graph.add_edges_from((s, t) for s, t, k in _declared(catalog) if k == hierarchy_kind().id)
    for prime in catalog.ids:
        up = ancestors(catalog, prime)
        assert {r.id: r.depth for r in up} == {
            t: d for t, d in nx.single_source_shortest_path_length(graph, prime).items() if t != prime
        }
        for relative in up:
            assert prime in descendants(catalog, relative.id)


@settings(max_examples=40, deadline=None)
@given(catalogs())
def test_paths_are_shortest_and_as_many_both_ways(catalog: Catalog) -> None:
    undirected = nx.Graph()
    undirected.add_nodes_from(catalog.ids)
    undirected.add_edges_from((s, t) for s, t, _ in _declared(catalog))
    for a in catalog.ids:
        for b in catalog.ids:
            found = paths(catalog, a, b)
            if not nx.has_path(undirected, a, b):
                assert found == ()
                continue
            length = nx.shortest_path_length(undirected, a, b)
            assert {len(p) for p in found} == {length}
            assert len(found) == len(paths(catalog, b, a))
            assert len({tuple(s.edge for s in p.steps) for p in found}) == len(found)
            for p in found:
                assert p.ids[0] == a and p.ids[-1] == b
