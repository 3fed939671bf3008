"""A prime's neighbourhood: its one-hop neighbours by role, and the subgraph within a number of hops.

Roles come from the ontology: a kind's ``outgoing_role`` names the targets of a prime's own edges
(``parents``, ``contrasts``), its ``incoming_role`` the sources of edges pointing at it (``children``,
``contrasted_by``); a symmetric kind has one role (``partners``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import networkx as nx

from primes.catalog import Catalog
from primes.errors import QueryError, closest
from primes.ontology import EdgeKind, edge_kinds
from primes.query._common import (
    Direction,
    Edge,
    KindsArg,
    direction_of,
    hierarchy_of,
    predecessors,
    resolve_kinds,
    successors,
)


class Neighbor(NamedTuple):
    """One neighbour of a prime: who, through which edge kind, in which role, and the edge's note or reason.

    A named tuple rather than a frozen dataclass: a one-hop query makes a dozen of these, and a frozen
    dataclass costs three times as much to construct (its ``__init__`` goes through ``object.__setattr__``).
    """

    id: str
    name: str
    kind: str
    role: str
    note: str | None
    declared_by: str  # the prime whose record holds the edge (where to edit it)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "role": self.role,
            "note": self.note,
            "declared_by": self.declared_by,
        }


class Node(NamedTuple):
    """A prime of a neighbourhood and its distance, in hops, from the centre (a named tuple, as ``Neighbor``)."""

    id: str
    name: str
    distance: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "distance": self.distance}


@dataclass(frozen=True, slots=True)
class Neighborhood:
    """The answer of :func:`neighborhood`.

    ``roles`` maps each role of the selected kinds and direction to the one-hop neighbours in it (empty
    roles included, in the ontology's order). ``nodes`` are the primes within ``hops`` (the centre at
    distance 0), ``edges`` every edge of the selected kinds between them, in declared direction.
    """

    id: str
    name: str
    hops: int
    direction: Direction
    kinds: tuple[str, ...]
    foundational: bool  # no parent in the whole catalog, whatever kinds were selected
    roles: Mapping[str, tuple[Neighbor, ...]]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def role(self, name: str) -> tuple[Neighbor, ...]:
        """The neighbours in one role; an error names the roles this answer has."""
        try:
            return self.roles[name]
        except KeyError:
            known = ", ".join(self.roles) or "none"
            raise QueryError(f"no role {name!r} in this neighbourhood (it has: {known})") from None

    @property
    def neighbors(self) -> tuple[Neighbor, ...]:
        """Every one-hop neighbour entry, role by role (a prime linked by two kinds appears twice)."""
        return tuple(entry for entries in self.roles.values() for entry in entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "hops": self.hops,
            "direction": self.direction.value,
            "kinds": list(self.kinds),
            "foundational": self.foundational,
            "roles": {role: [n.to_dict() for n in entries] for role, entries in self.roles.items()},
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
        }


def neighborhood(
    catalog: Catalog,
    prime_id: str,
    hops: int = 1,
    kinds: KindsArg = None,
    direction: str | Direction = "both",
) -> Neighborhood:
    """The neighbourhood of a prime: one-hop neighbours by role, and every prime within ``hops``.

    ``kinds`` limits the edge kinds followed (ids such as ``"decomposition"`` or record fields such as
    ``"decomposes"``); ``direction`` is ``"out"`` (edges the prime declares: parents, contrasts),
    ``"in"`` (edges pointing at it: children, contrasted-by) or ``"both"``. Symmetric kinds count in both.
    """
    prime = catalog[prime_id]
    selected = resolve_kinds(kinds)
    way = direction_of(direction)
    if isinstance(hops, bool) or not isinstance(hops, int) or hops < 1:
        raise QueryError(f"hops must be a whole number of at least 1, not {hops!r}")
    graphs = catalog.kind_graphs
    roles = _one_hop(catalog, prime_id, selected, way)
    if hops == 1:  # the one-hop entries already carry the names: no second lookup per prime
        found = {prime_id: Node(prime_id, prime.name, 0)}
        for entries in roles.values():
            for entry in entries:
                found[entry.id] = Node(entry.id, entry.name, 1)
        nodes = tuple(sorted(found.values(), key=_by_distance))
        members: Mapping[str, object] = found
    else:
        names = catalog.primes
        reached = _distances(graphs, prime_id, selected, way, hops)
        nodes = tuple(sorted((Node(node, names[node].name, d) for node, d in reached.items()), key=_by_distance))
        members = reached
    hierarchy = graphs[hierarchy_of(None).id]
    return Neighborhood(
        id=prime_id,
        name=prime.name,
        hops=hops,
        direction=way,
        kinds=tuple(k.id for k in selected),
        foundational=not successors(hierarchy)[prime_id],
        roles=MappingProxyType(roles),
        nodes=nodes,
        edges=_edges_between(catalog.graph, members, selected),
    )


def related(catalog: Catalog, prime_id: str, role: str) -> tuple[Neighbor, ...]:
    """The one-hop neighbours of a prime in one role: ``parents``, ``children``, ``partners``, ..."""
    table = _role_table()
    if role not in table:
        hint = closest(role, table, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise QueryError(f"unknown role {role!r}{suggestion} (the ontology declares: {', '.join(table)})")
    catalog[prime_id]
    out: list[Neighbor] = []
    for kind, way in table[role]:
        out.extend(_one_hop(catalog, prime_id, (kind,), way).get(role, ()))
    return tuple(out)


def parents(catalog: Catalog, prime_id: str, kind: str | EdgeKind | None = None) -> tuple[Neighbor, ...]:
    """The primes this prime is a decomposition of (over ``kind``, by default the hierarchy kind)."""
    catalog[prime_id]
    hierarchy = hierarchy_of(kind)
    return _one_hop(catalog, prime_id, (hierarchy,), Direction.OUT).get(hierarchy.outgoing_role, ())


def children(catalog: Catalog, prime_id: str, kind: str | EdgeKind | None = None) -> tuple[Neighbor, ...]:
    """The primes that are a decomposition of this prime (over ``kind``, by default the hierarchy kind)."""
    catalog[prime_id]
    hierarchy = hierarchy_of(kind)
    return _one_hop(catalog, prime_id, (hierarchy,), Direction.IN).get(hierarchy.incoming_role, ())


@functools.cache
def _role_table() -> dict[str, tuple[tuple[EdgeKind, Direction], ...]]:
    table: dict[str, list[tuple[EdgeKind, Direction]]] = {}
    for kind in edge_kinds():
        if kind.symmetric:
            table.setdefault(kind.outgoing_role, []).append((kind, Direction.BOTH))
            continue
        table.setdefault(kind.outgoing_role, []).append((kind, Direction.OUT))
        table.setdefault(kind.incoming_role, []).append((kind, Direction.IN))
    return {role: tuple(entries) for role, entries in table.items()}


def _one_hop(
    catalog: Catalog, prime_id: str, kinds: tuple[EdgeKind, ...], way: Direction
) -> dict[str, tuple[Neighbor, ...]]:
    """Role -> neighbours: a prime's own edges in file order, edges pointing at it by name."""
    primes = catalog.primes
    graphs = catalog.kind_graphs
    roles: dict[str, list[Neighbor]] = {}
    for kind in kinds:
        kind_id = kind.id
        graph = graphs[kind_id]
        if kind.symmetric:  # mirrored: successors and predecessors are the same primes
            role = kind.outgoing_role
            entries = roles.setdefault(role, [])
            for other, data in successors(graph)[prime_id].items():
                declared_by = prime_id if data["declared"] else other
                entries.append(Neighbor(other, primes[other].name, kind_id, role, data["note"], declared_by))
            if len(entries) > 1:
                entries.sort(key=_by_name)
            continue
        if way is not Direction.IN:
            role = kind.outgoing_role
            entries = roles.setdefault(role, [])
            for target, data in successors(graph)[prime_id].items():
                entries.append(Neighbor(target, primes[target].name, kind_id, role, data["note"], prime_id))
        if way is not Direction.OUT:
            role = kind.incoming_role
            entries = roles.setdefault(role, [])
            for source, data in predecessors(graph)[prime_id].items():
                entries.append(Neighbor(source, primes[source].name, kind_id, role, data["note"], source))
            if len(entries) > 1:
                entries.sort(key=_by_name)
    return {role: tuple(entries) for role, entries in roles.items()}


def _by_name(entry: Neighbor) -> tuple[str, str]:
    return (entry.name.casefold(), entry.id)


def _by_distance(node: Node) -> tuple[int, str]:
    return (node.distance, node.name)


def _distances(
    graphs: dict[str, nx.DiGraph], start: str, kinds: tuple[EdgeKind, ...], way: Direction, hops: int
) -> dict[str, int]:
    """Breadth-first distances from ``start`` along the selected kinds and direction, up to ``hops``."""
    adjacencies = []
    for kind in kinds:
        graph = graphs[kind.id]
        if way is not Direction.IN or kind.symmetric:
            adjacencies.append(successors(graph))
        if way is not Direction.OUT and not kind.symmetric:
            adjacencies.append(predecessors(graph))
    distances = {start: 0}
    frontier = [start]
    for depth in range(1, hops + 1):
        reached: list[str] = []
        for node in frontier:
            for adjacency in adjacencies:
                for other in adjacency[node]:
                    if other not in distances:
                        distances[other] = depth
                        reached.append(other)
        if not reached:
            break
        frontier = reached
    return distances


def _edges_between(
    graph: nx.MultiDiGraph, nodes: Mapping[str, object], kinds: tuple[EdgeKind, ...]
) -> tuple[Edge, ...]:
    """Every edge of the selected kinds between the nodes, in declared direction, each once.

    Read from the multigraph, whose adjacency holds every kind: one lookup per node, not one per node and kind.
    Sorted by the kind's place in the ontology, then source and target.
    """
    rank = {kind.id: index for index, kind in enumerate(kinds)}
    found: list[tuple[int, str, str, str, str | None]] = []
    adjacency: dict[str, dict[str, dict[str, dict[str, Any]]]] = graph._succ  # see successors()
    for node in nodes:
        for other, keyed in adjacency[node].items():
            if other not in nodes:
                continue
            for key, data in keyed.items():
                if data["declared"] and key in rank:
                    found.append((rank[key], node, other, key, data["note"]))
    found.sort()
    return tuple(Edge(source, target, kind, note) for _, source, target, kind, note in found)
