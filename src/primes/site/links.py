"""A prime's typed neighbours as the site shows them, and the hierarchy levels of the whole catalog.

The relationships come from the query API (:func:`primes.query.neighborhood`); this module only groups them
for the page: by edge kind (in the ontology's order) and direction, each group knowing where the diagram
draws it (``target_position`` / ``source_position``) and how the edge reads (``forward_phrase`` /
``inverse_phrase``).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from primes.catalog import Catalog
from primes.ontology import EdgeKind, Position, edge_kinds
from primes.query import hierarchy_kind, neighborhood, roots


@dataclass(frozen=True, slots=True)
class Link:
    """One edge seen from one prime: ``outgoing`` when the prime declares it (or holds it, for a symmetric kind)."""

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


@dataclass(frozen=True, slots=True)
class RoleGroup:
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


@dataclass(frozen=True, slots=True)
class Relations:
    """What a prime page shows of the graph: the groups of neighbours and whether the prime is foundational."""

    groups: tuple[RoleGroup, ...]
    foundational: bool

    @property
    def neighbours(self) -> set[str]:
        return {link.other for group in self.groups for link in group.links}


def relations(catalog: Catalog, prime_id: str) -> Relations:
    """A prime's neighbours by kind (ontology order) and direction (outgoing first), empty groups included.

    Order within a group is the query API's: the prime's own edges in the order of its record, edges
    declared elsewhere (incoming, or of a symmetric kind) by name.
    """
    answer = neighborhood(catalog, prime_id)
    groups: list[RoleGroup] = []
    for kind in edge_kinds():
        directions = (True,) if kind.symmetric else (True, False)
        for outgoing in directions:
            role = kind.outgoing_role if outgoing else kind.incoming_role
            links = tuple(Link(kind, outgoing, n.id, n.note) for n in answer.roles.get(role, ()) if n.kind == kind.id)
            groups.append(RoleGroup(kind, outgoing, links))
    return Relations(tuple(groups), answer.foundational)


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
