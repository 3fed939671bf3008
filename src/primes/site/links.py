"""A prime's typed neighbours as the site shows them, and the hierarchy levels of the whole catalog.

The relationships are those of the query API's one-hop :func:`primes.query.neighborhood`, in its order: a
prime's own edges in the order of its record, edges declared elsewhere (incoming, or of a symmetric kind) by
name. A page needs less than a neighbourhood answer (no nodes, no edges between the neighbours, no
``Neighbor`` records to regroup), so :class:`Neighbours` reads the same per-kind graphs directly, with what
is the same for every prime (the kinds and directions, the graphs' adjacency, the names' sort keys) worked
out once per catalog; ``tests/test_site_diagram.py`` checks it against the query API. The groups are by
edge kind (in the ontology's order) and direction, each knowing where the diagram draws it
(``target_position`` / ``source_position``) and how the edge reads (``forward_phrase`` / ``inverse_phrase``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import networkx as nx

from primes.catalog import Catalog
from primes.ontology import EdgeKind, Position, edge_kinds
from primes.query import hierarchy_kind, roots
from primes.query._common import predecessors, successors


class Link(NamedTuple):
    """One edge seen from one prime: ``outgoing`` when the prime declares it (or holds it, for a symmetric kind).

    A named tuple: a build makes one per edge end, and a frozen dataclass costs three times as much to make.
    """

    kind: EdgeKind
    outgoing: bool
    other: str
    note: str | None

    @property
    def position(self) -> Position:
        return self.kind.target_position if self.outgoing else self.kind.source_position

    @property
    def phrase(self) -> str:
        """How the edge reads from this prime: "<this prime> <phrase> <other>"."""
        return self.kind.forward_phrase if self.outgoing else self.kind.inverse_phrase


class RoleGroup(NamedTuple):
    """The neighbours of one prime that share a kind and a direction (its parents, its children, ...)."""

    kind: EdgeKind
    outgoing: bool
    links: tuple[Link, ...]

    @property
    def role(self) -> str:
        return self.kind.outgoing_role if self.outgoing else self.kind.incoming_role

    @property
    def position(self) -> Position:
        return self.kind.target_position if self.outgoing else self.kind.source_position


class Relations(NamedTuple):
    """What a prime page shows of the graph: the groups of neighbours and whether the prime is foundational."""

    groups: tuple[RoleGroup, ...]
    foundational: bool


Adjacency = dict[str, dict[str, dict[str, Any]]]  # prime -> neighbour -> edge data (see query._common)


class Neighbours:
    """Each prime's :class:`Relations` in one catalog (one per build: what every prime shares is set up once)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        graphs = catalog.kind_graphs
        # Per group, in page order: its kind and direction, the adjacency it reads, whether it is sorted by name
        # (edges declared elsewhere) and the empty group that primes without such edges share.
        self._plan: list[tuple[EdgeKind, bool, Adjacency, bool, RoleGroup]] = []
        for kind in edge_kinds():
            graph = graphs[kind.id]
            self._plan.append((kind, True, successors(graph), kind.symmetric, RoleGroup(kind, True, ())))
            if not kind.symmetric:
                self._plan.append((kind, False, predecessors(graph), True, RoleGroup(kind, False, ())))
        self._parents = successors(graphs[hierarchy_kind().id])
        self._sort_keys: dict[str, tuple[str, str]] = {}

    def __call__(self, prime_id: str) -> Relations:
        """A prime's neighbours by kind (ontology order) and direction (outgoing first), empty groups included."""
        groups: list[RoleGroup] = []
        for kind, outgoing, adjacency, by_name, empty in self._plan:
            found = adjacency[prime_id]
            if not found:
                groups.append(empty)
                continue
            links = [Link(kind, outgoing, other, data["note"]) for other, data in found.items()]
            if by_name and len(links) > 1:
                links.sort(key=self._link_key)
            groups.append(RoleGroup(kind, outgoing, tuple(links)))
        return Relations(tuple(groups), not self._parents[prime_id])

    def _link_key(self, link: Link) -> tuple[str, str]:
        # The query API's order for edges declared elsewhere: by name, case-insensitively, then id.
        key = self._sort_keys.get(link.other)
        if key is None:
            key = self._sort_keys[link.other] = (self.catalog.primes[link.other].name.casefold(), link.other)
        return key


def relations(catalog: Catalog, prime_id: str) -> Relations:
    """A prime's neighbours by kind (ontology order) and direction (outgoing first), empty groups included.

    Order within a group is the query API's: the prime's own edges in the order of its record, edges
    declared elsewhere (incoming, or of a symmetric kind) by name. (To ask for many primes, make one
    :class:`Neighbours` and call it.)
    """
    catalog[prime_id]  # an unknown id is an UnknownPrime error naming close ids
    return Neighbours(catalog)(prime_id)


def foundational(catalog: Catalog) -> list[str]:
    """The ids of the primes without parents, in id order."""
    return list(roots(catalog))


def neighbour_ids(catalog: Catalog, prime_id: str) -> set[str]:
    """Every prime one edge away, in either direction and of any kind: the pages whose diagrams show it."""
    out: set[str] = set()
    for kind in edge_kinds():
        graph = catalog.kind_graphs[kind.id]
        if prime_id in graph:
            out.update(graph.succ[prime_id])
            out.update(graph.pred[prime_id])
    out.discard(prime_id)
    return out


def hierarchy_edges(catalog: Catalog) -> nx.DiGraph:
    """The hierarchy's graph (child -> parent), shared with the catalog: do not modify it."""
    graph: nx.DiGraph = catalog.kind_graphs[hierarchy_kind().id]
    return graph


def levels(catalog: Catalog) -> dict[str, int]:
    """Each prime's hierarchy level: 0 for a foundational prime, else one more than its deepest parent.

    The hierarchy kind is acyclic in a checked catalog; should a cycle slip in, the primes of each cycle
    share a level instead of recursing forever.
    """
    graph = hierarchy_edges(catalog)
    if not nx.is_directed_acyclic_graph(graph):
        condensed = nx.condensation(graph)
        component_level = _longest_path_levels(condensed)
        members = condensed.graph["mapping"]
        return {node: component_level[members[node]] for node in graph}
    return _longest_path_levels(graph)


def _longest_path_levels(graph: nx.DiGraph) -> dict[str, int]:
    level: dict[str, int] = {}
    # Reverse topological order visits parents (edge targets) before their children.
    for node in reversed(list(nx.topological_sort(graph))):
        parents = graph.succ[node]
        level[node] = 1 + max(level[p] for p in parents) if parents else 0
    return level
