"""What every query shares: the edge record, directions, and turning arguments into edge kinds.

Queries read ``catalog.kind_graphs`` (one plain ``DiGraph`` per kind, edges in declared direction, symmetric
kinds mirrored with ``declared=False`` on the mirror). Kinds are never named in code: they come from the
ontology, and the "hierarchy" is the first acyclic, directed kind it declares (decomposition today).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, NamedTuple

import networkx as nx

from primes.catalog import Catalog
from primes.errors import OntologyError, QueryError, closest
from primes.ontology import EdgeKind, edge_kind, edge_kinds

KindsArg = Iterable[str | EdgeKind] | str | EdgeKind | None


class Direction(StrEnum):
    """Which edges of a prime a traversal follows, relative to their declared direction."""

    IN = "in"  # edges other primes point at it
    OUT = "out"  # edges the prime declares or that a symmetric kind mirrors onto it
    BOTH = "both"


class Edge(NamedTuple):
    """One edge as declared: ``source`` lists ``target`` in its record (a child points at its parent).

    A named tuple, cheap to make in bulk (see ``Neighbor``).
    """

    source: str
    target: str
    kind: str
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "kind": self.kind, "note": self.note}


def direction_of(value: str | Direction) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        known = ", ".join(d.value for d in Direction)
        raise QueryError(f"unknown direction {value!r}; use one of: {known}") from None


def resolve_kind(value: str | EdgeKind) -> EdgeKind:
    """An edge kind from its id (``decomposition``) or record field (``decomposes``)."""
    if isinstance(value, EdgeKind):
        return value
    try:
        return edge_kind(value)
    except OntologyError:
        names = [k.id for k in edge_kinds()] + [k.field for k in edge_kinds()]
        hint = closest(value, names, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        known = ", ".join(k.id for k in edge_kinds())
        raise QueryError(f"unknown edge kind {value!r}{suggestion} (the ontology declares: {known})") from None


def resolve_kinds(kinds: KindsArg) -> tuple[EdgeKind, ...]:
    """The selected kinds in the ontology's order; ``None`` selects all of them."""
    if kinds is None:
        return edge_kinds()
    if isinstance(kinds, str | EdgeKind):
        kinds = (kinds,)
    chosen = {resolve_kind(k).id for k in kinds}
    if not chosen:
        raise QueryError("no edge kind selected; leave kinds out to follow every kind")
    return tuple(k for k in edge_kinds() if k.id in chosen)


def hierarchy_kind() -> EdgeKind:
    """The kind that orders primes into parents and children: the first acyclic, directed kind."""
    for kind in edge_kinds():
        if kind.acyclic and not kind.symmetric:
            return kind
    raise OntologyError("the ontology declares no acyclic, directed edge kind to serve as the hierarchy")


def hierarchy_of(kind: str | EdgeKind | None) -> EdgeKind:
    return hierarchy_kind() if kind is None else resolve_kind(kind)


def name_of(catalog: Catalog, prime_id: str) -> str:
    return catalog.primes[prime_id].name


def declared_edge(kind: EdgeKind, source: str, target: str, data: dict[str, Any]) -> Edge:
    """The declared form of a graph edge: a symmetric kind's mirror is turned back to how it was written."""
    if data.get("declared", True):
        return Edge(source, target, kind.id, data.get("note"))
    return Edge(target, source, kind.id, data.get("note"))


def successors(graph: nx.DiGraph) -> dict[str, dict[str, dict[str, Any]]]:
    """The graph's successor dicts (node -> neighbour -> edge data).

    networkx's ``succ``/``pred`` views wrap every lookup and iteration in Python-level Mapping objects,
    which cost more than the rest of a one-hop query put together; its own algorithms read these dicts.
    Read-only: never mutate what this returns.
    """
    adjacency: dict[str, dict[str, dict[str, Any]]] = graph._succ
    return adjacency


def predecessors(graph: nx.DiGraph) -> dict[str, dict[str, dict[str, Any]]]:
    """The graph's predecessor dicts (node -> neighbour -> edge data); see :func:`successors`."""
    adjacency: dict[str, dict[str, dict[str, Any]]] = graph._pred
    return adjacency
